//! The helper links none of pkgtool's packaging crates, so it stays small.
//! (Its package is built and checked by pkgtool's tests:
//! pkgtool/pkgtool/tests/build_packages.rs.)

mod common;

use std::process::Command;

use common::{repo, run};

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
