//! debian/ and rpm/ are rendered by `pkgtool recipes`, committed up to
//! date, and build with dpkg-buildpackage (dh-dkms) and rpmbuild into
//! packages related like pkgtool's own.

#![cfg(feature = "system-tests")]

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn recipes(source: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pkgtool"))
        .arg("recipes")
        .arg("--source")
        .arg(source)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn committed_recipes_are_up_to_date() {
    let out = recipes(&driver_src(), &["--check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_names_stale_files_and_rendering_replaces_them() {
    let dir = scratch("recipes-stale");
    let project = dir.join("project");
    let src = sources_with_api(&project, "2.0.0");
    for sub in ["debian", "rpm"] {
        run(Command::new("cp")
            .arg("-a")
            .arg(repo_root().join(sub))
            .arg(&project));
    }
    let out = recipes(&src, &["--check"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for part in [
        "the recipes are out of date",
        "debian/control",
        "debian/scap-api2-dkms.postinst",
        "debian/scap-api1-dkms.postinst",
        "run: cargo run -p pkgtool -- recipes",
    ] {
        assert!(stderr.contains(part), "{part} in {stderr}");
    }
    let out = recipes(&src, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!project.join("debian/scap-api1-dkms.postinst").exists());
    let control = std::fs::read_to_string(project.join("debian/control")).unwrap();
    assert!(control.contains("Package: scap-api2-dkms"), "{control}");
    assert!(control.contains("scap-driver-api-2 (= 2.0.0)"), "{control}");
    let changelog = std::fs::read_to_string(project.join("debian/changelog")).unwrap();
    assert!(
        changelog.starts_with("scap-driver (2.0.0) unstable;"),
        "{changelog}"
    );
    assert!(recipes(&src, &["--check"]).status.success());
}

#[test]
fn recipes_build_with_dpkg_buildpackage_and_rpmbuild() {
    for tool in [
        "dpkg-buildpackage",
        "dh_dkms",
        "rpmbuild",
        "lintian",
        "rpmlint",
    ] {
        require_tool(tool);
    }
    let dir = scratch("recipes-build");
    let tree = dir.join("scap-driver");
    std::fs::create_dir_all(&tree).unwrap();
    for sub in ["driver-src", "debian", "rpm"] {
        run(Command::new("cp")
            .arg("-a")
            .arg(repo_root().join(sub))
            .arg(&tree));
    }
    run(Command::new("dpkg-buildpackage")
        .args(["-b", "-us", "-uc"])
        .current_dir(&tree));
    // What dpkg-buildpackage left in debian/ is not taken for a recipe.
    let check = recipes(&tree.join("driver-src"), &["--check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(tree.join("debian/debhelper-build-stamp").exists());
    let deb = dir.join("scap-api1-dkms_1.0.0_all.deb");
    let field = |f: &str| run(Command::new("dpkg-deb").arg("-f").arg(&deb).arg(f));
    let mut provides: Vec<String> = field("Provides")
        .trim()
        .split(", ")
        .map(String::from)
        .collect();
    provides.sort();
    assert_eq!(
        provides,
        [
            "scap-driver-api-1 (= 1.0.0)",
            "scap-module-api-major (= 1)",
            "scap-module-dkms"
        ]
    );
    assert_eq!(field("Replaces").trim(), "falcosecurity-scap-dkms");
    // dh_dkms's `dkms (>= 2.1.0.0)` is implied by ours, and dropped.
    let depends = field("Depends");
    assert!(
        depends.contains("dkms (>= 2.8)") && !depends.contains("2.1.0.0"),
        "{depends}"
    );
    let listing = run(Command::new("dpkg-deb").arg("-c").arg(&deb));
    for path in [
        "./usr/src/scap-1.0.0/dkms.conf",
        "./usr/src/scap-1.0.0/main.c",
    ] {
        assert!(listing.contains(path), "{path} in {listing}");
    }
    // The maintainer scripts are pkgtool's (exactly this version), not
    // dh_dkms's snippets.
    let control = dir.join("control");
    run(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(&control));
    let postinst = std::fs::read_to_string(control.join("postinst")).unwrap();
    assert!(
        postinst.contains("scap_dkms_install_all") && !postinst.contains("common.postinst"),
        "{postinst}"
    );
    run(Command::new("lintian")
        .args(["--fail-on", "error,warning"])
        .arg(&deb));

    let top = dir.join("rpmbuild");
    std::fs::create_dir_all(top.join("SOURCES")).unwrap();
    run(Command::new("tar")
        .arg("-czf")
        .arg(top.join("SOURCES/scap-1.0.0.tar.gz"))
        .args(["--transform", "s,^driver-src,scap-1.0.0,", "driver-src"])
        .current_dir(repo_root()));
    run(Command::new("rpmbuild")
        .arg("-bb")
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .arg(repo_root().join("rpm/scap-driver.spec")));
    let rpm = top.join("RPMS/noarch/scap-api1-dkms-1.0.0-1.noarch.rpm");
    let provides = run(Command::new("rpm").args(["-qp", "--provides"]).arg(&rpm));
    for p in ["scap-driver-api-1 = 1.0.0", "scap-module-dkms"] {
        assert!(provides.lines().any(|l| l == p), "{p} in {provides}");
    }
    let files = run(Command::new("rpm").args(["-qpl"]).arg(&rpm));
    assert!(
        files.lines().any(|l| l == "/usr/src/scap-1.0.0/dkms.conf"),
        "{files}"
    );
    let scripts = run(Command::new("rpm").args(["-qp", "--scripts"]).arg(&rpm));
    assert!(
        scripts.contains("for version in 1.0.0 $(scap_dkms_kept_versions)")
            && scripts.contains("dkms remove -m scap -v \"$version\" --all"),
        "{scripts}"
    );
    let lint = Command::new("rpmlint")
        .arg("-c")
        .arg(repo_root().join("tests/rpmlint.toml"))
        .arg(&rpm)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&lint.stdout);
    assert!(
        lint.status.success() && report.contains(" 0 errors"),
        "{report}"
    );
}
