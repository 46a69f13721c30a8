//! The README's main command, run the way a newcomer runs it: in a copy of
//! the project (the files git knows), with the arguments the README gives,
//! writing the whole set of packages into dist/.

#![cfg(feature = "system-tests")]

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use scap_driver_api::names::DEFAULT_MODULE;
use scap_driver_api::{DriverSource, Names};

const CARGO_RUN_PKGTOOL: &str = "cargo run --release -p pkgtool -- ";

/// pkgtool's arguments in the README's command under "Build the packages".
fn readme_build_args() -> Vec<String> {
    let readme = fs::read_to_string(repo_root().join("README.md")).unwrap();
    let (_, after) = readme
        .split_once("Build the packages for this machine's kernel")
        .expect(
            "README.md names the main command: \"Build the packages for this machine's kernel\"",
        );
    let command = after
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("cargo "))
        .expect("a cargo command after it");
    let args = command.strip_prefix(CARGO_RUN_PKGTOOL).unwrap_or_else(|| {
        panic!("the README's main command {command:?} is not {CARGO_RUN_PKGTOOL}...")
    });
    args.split_whitespace().map(str::to_string).collect()
}

/// The files git tracks or would track, copied into `to`: a fresh clone
/// with the uncommitted work in it.
fn copy_project(to: &Path) {
    let listing = run(Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(repo_root()));
    for file in listing.split('\0').filter(|f| !f.is_empty()) {
        let from = repo_root().join(file);
        // A file deleted in the work tree but still in the index.
        if !from.exists() {
            continue;
        }
        let target = to.join(file);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::copy(&from, &target).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    }
}

/// The copy's own cargo target directory, kept between runs so that only
/// the workspace's crates are compiled again. Never the workspace's
/// target/ itself: cargo would take the copy's sources for its own there.
fn copy_target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("readme-build-target")
}

#[test]
fn the_readme_build_command_writes_every_package_into_dist() {
    for tool in ["make", "clang", "cargo"] {
        require_tool(tool);
    }
    let args = readme_build_args();
    assert_eq!(args, ["build"], "the main command takes no options");
    let project = scratch("readme-build").join("project");
    copy_project(&project);

    let out = Command::new(env!("CARGO_BIN_EXE_pkgtool"))
        .args(&args)
        .current_dir(&project)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("CARGO_TARGET_DIR", copy_target_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pkgtool build failed:\n{stderr}");

    let source = DriverSource::read(&project.join("driver-src")).unwrap();
    let names = Names::new(DEFAULT_MODULE, source.api);
    let api = source.api;
    let compat = compat_version();
    let mut expected = BTreeSet::from([
        format!("{}_{api}_all.deb", names.dkms_package),
        format!("{}-{api}-1.noarch.rpm", names.dkms_package),
        format!("{}_{api}_amd64.deb", names.probe_package),
        format!("{}-{api}-1.x86_64.rpm", names.probe_package),
        format!("scap-compat_{compat}_amd64.deb"),
        format!("scap-compat-{compat}-1.x86_64.rpm"),
    ]);
    for kernel in installed_kernels() {
        expected.insert(format!(
            "{}_{api}_amd64.deb",
            names.deb_modules_package(&kernel)
        ));
        expected.insert(format!(
            "{}-{api}-1.x86_64.rpm",
            names.rpm_kmod_package(&kernel)
        ));
    }
    let written: BTreeSet<String> = fs::read_dir(project.join("dist"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    assert_eq!(written, expected);

    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains(&format!(
            "{} packages of {DEFAULT_MODULE} API {api} written to",
            expected.len()
        )),
        "{summary}"
    );
    // Progress of the long steps on stderr, one line when each starts and
    // one when it is done.
    assert!(
        stderr.contains("building scap.ko for kernel") && stderr.contains(": done ("),
        "{stderr}"
    );
}
