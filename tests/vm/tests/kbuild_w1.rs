//! The module builds warning-free with the kernel's extra warnings (`W=1`)
//! against the headers of the kernel the guest tests boot, and the check
//! sees a warning when there is one.

use std::fs;
use std::path::{Path, PathBuf};

use scap_vm::{kernel, module};

fn repo_driver_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../driver-src")
}

fn headers() -> PathBuf {
    let (release, _) = kernel::resolve_release().unwrap_or_else(|err| panic!("{err}"));
    let build = PathBuf::from(format!("/lib/modules/{release}/build"));
    assert!(
        build.is_dir(),
        "{}: missing; fix: apt-get install linux-headers-{release} (tests/install-deps)",
        build.display()
    );
    build
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scap-w1-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_module_builds_without_warnings_at_w1() {
    let dir = scratch("clean");
    let warnings = module::w1_warnings(&repo_driver_src(), &headers(), &dir);
    let _ = fs::remove_dir_all(&dir);
    let warnings = warnings.unwrap_or_else(|err| panic!("{err}"));
    assert!(
        warnings.is_empty(),
        "driver-src warns with W=1:\n{}",
        warnings.join("\n")
    );
}

#[test]
fn a_function_without_prototype_is_a_w1_warning() {
    let copy = scratch("source");
    let dir = scratch("build");
    module::copy_sources(&repo_driver_src(), &copy).unwrap_or_else(|err| panic!("{err}"));
    let main = copy.join("main.c");
    let mut text = fs::read_to_string(&main).unwrap();
    text.push_str("\nint scap_w1_unprototyped(void)\n{\n\treturn 0;\n}\n");
    fs::write(&main, text).unwrap();
    let warnings = module::w1_warnings(&copy, &headers(), &dir);
    let _ = fs::remove_dir_all(&copy);
    let _ = fs::remove_dir_all(&dir);
    let warnings = warnings.unwrap_or_else(|err| panic!("{err}"));
    assert!(
        warnings
            .iter()
            .any(|line| line.contains("main.c") && line.contains("scap_w1_unprototyped")),
        "{warnings:?}"
    );
}
