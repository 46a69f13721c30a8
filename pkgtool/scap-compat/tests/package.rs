//! The scap-compat .deb from the crate's cargo-deb metadata: a static musl
//! binary (for the VM and for maintainer scripts), lintian-clean, carrying
//! the man page; and the packaged binary works.

mod common;

use std::fs;
use std::process::Command;

use common::{repo, run, scratch};
use object::Object;

const TARGET: &str = "x86_64-unknown-linux-musl";

#[test]
fn deb_is_static_lintian_clean_and_works() {
    let out = scratch("deb");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new("nice")
        .arg(cargo)
        .args(["deb", "-q", "-p", "scap-compat", "--target", TARGET, "-o"])
        .arg(&out)
        .current_dir(repo()));
    let deb = fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .expect("cargo deb wrote a .deb");

    let lintian = Command::new("lintian")
        .args(["--fail-on", "error,warning", "--no-tag-display-limit"])
        .arg(&deb)
        .output()
        .expect("lintian: run tests/install-deps");
    let report = String::from_utf8_lossy(&lintian.stdout);
    assert!(
        lintian.status.success()
            && !report
                .lines()
                .any(|l| l.starts_with("E:") || l.starts_with("W:")),
        "lintian:\n{report}"
    );

    let fields =
        String::from_utf8(run(Command::new("dpkg-deb").arg("-f").arg(&deb)).stdout).unwrap();
    assert!(fields.contains("Package: scap-compat\n"), "{fields}");
    assert!(fields.contains("Section: admin\n"), "{fields}");
    let root = out.join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    assert!(root.join("usr/share/man/man1/scap-compat.1.gz").is_file());
    assert!(root
        .join("usr/share/lintian/overrides/scap-compat")
        .is_file());

    // Static: no interpreter, no shared libraries.
    let binary = root.join("usr/bin/scap-compat");
    let data = fs::read(&binary).unwrap();
    let elf = object::File::parse(&*data).unwrap();
    assert!(
        elf.section_by_name(".interp").is_none(),
        "static binary has no .interp"
    );
    assert!(
        elf.imports().unwrap().next().is_none(),
        "static binary imports nothing"
    );

    // It runs: a check on an empty root finds no driver.
    let empty = scratch("deb-empty-root");
    let ran = Command::new(&binary)
        .args(["--root"])
        .arg(&empty)
        .args(["check", "--api", "1.0.0", "--kernel", "6.1.0-1-amd64"])
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(30));
    assert!(String::from_utf8_lossy(&ran.stdout).contains("no scap driver installed"));
}

#[test]
fn links_none_of_the_packaging_crates() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let tree = run(Command::new(cargo)
        .args([
            "tree",
            "-p",
            "scap-compat",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(repo()));
    let tree = String::from_utf8(tree.stdout).unwrap();
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(crates.contains(&"object"), "{tree}");
    for packaging in [
        "handlebars",
        "rpm",
        "tar",
        "flate2",
        "walkdir",
        "lzma-sys",
        "zstd-sys",
    ] {
        assert!(
            !crates.contains(&packaging),
            "scap-compat links {packaging}:\n{tree}"
        );
    }
}
