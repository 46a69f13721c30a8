//! Host-side facts of the module's build against the headers of the kernel
//! the guest tests boot: warning-free with the kernel's extra warnings
//! (`W=1`, and the check sees a warning when there is one), the module name
//! overridable at build time, and the generated syscall tables what their
//! generator makes of falcosecurity-scap-dkms's tables and unistd_64.h.

#![cfg(feature = "system-tests")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use scap_vm::{kernel, module, peer};

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

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_module_name_can_be_overridden_at_build_time() {
    let dir = scratch("name");
    module::copy_sources(&repo_driver_src(), &dir).unwrap_or_else(|err| panic!("{err}"));
    run(Command::new("make")
        .args(["-s", "-j2", "-C"])
        .arg(headers())
        .arg(format!("M={}", dir.display()))
        .arg("SCAP_MODULE_NAME=scapx")
        .arg("modules"));
    let ko = dir.join("scapx.ko");
    let name = run(Command::new("modinfo").args(["-F", "name"]).arg(&ko));
    let api = run(Command::new("modinfo").args(["-F", "api_version"]).arg(&ko));
    // The devices and the class are named after the module.
    let strings = fs::read(&ko).unwrap();
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(name.trim(), "scapx");
    let declared = fs::read_to_string(repo_driver_src().join("API_VERSION")).unwrap();
    assert_eq!(api.trim(), declared.trim());
    assert!(
        strings.windows(8).any(|w| w == b"scapx%u\0"),
        "no device name scapx%u in {}",
        ko.display()
    );
}

#[test]
fn the_syscall_tables_are_what_their_generator_makes() {
    const GENERATED: [&str; 2] = ["syscall_codes.c", "scap_sc_codes.h"];
    let peer = scratch("peer");
    let config = scap_vm::Config::from_env().unwrap_or_else(|err| panic!("{err}"));
    let peer_src =
        peer::unpack_sources(&config.cache_dir, &peer).unwrap_or_else(|err| panic!("{err}"));
    let unistd = headers().join("arch/x86/include/generated/uapi/asm/unistd_64.h");
    let out = scratch("generated");
    fs::create_dir_all(&out).unwrap();
    // The generator reads the schema's limits from scap_abi.h beside its output.
    fs::copy(repo_driver_src().join("scap_abi.h"), out.join("scap_abi.h")).unwrap();
    run(
        Command::new(repo_driver_src().join("scripts/gen-syscall-codes"))
            .arg(&peer_src)
            .arg(&unistd)
            .arg(&out),
    );
    for file in GENERATED {
        let made = fs::read_to_string(out.join(file)).unwrap();
        let committed = fs::read_to_string(repo_driver_src().join(file)).unwrap();
        assert!(
            made == committed,
            "driver-src/{file} is not what scripts/gen-syscall-codes makes now; run it (see its usage) and commit the result"
        );
    }
    let table = fs::read_to_string(out.join("syscall_codes.c")).unwrap();
    let _ = fs::remove_dir_all(&peer);
    let _ = fs::remove_dir_all(&out);
    // Every row is a syscall: none for __NR_syscalls, the count.
    assert!(!table.contains("/* syscalls */"), "{table}");
}

#[test]
fn a_malformed_version_file_stops_kbuild_with_one_line() {
    let dir = scratch("malformed");
    module::copy_sources(&repo_driver_src(), &dir).unwrap_or_else(|err| panic!("{err}"));
    let file = dir.join("SCHEMA_VERSION");
    for (text, says) in [
        ("", "\"\" is not a version: expected MAJOR.MINOR.PATCH"),
        (
            "1.2",
            "\"1.2\" is not a version: expected MAJOR.MINOR.PATCH",
        ),
        ("1.2.3.4", "\"1.2.3.4\" is not a version: expected"),
        ("v1.2.3", "\"v1.2.3\" is not a version: expected"),
        (" 1.2.3x", "\" 1.2.3x\" is not a version: expected"),
        ("-1.0.0", "\"-1.0.0\" is not a version: expected"),
        (
            "1.1048576.0",
            "minor 1048576 in \"1.1048576.0\" does not fit its field (largest 1048575)",
        ),
    ] {
        fs::write(&file, format!("{text}\n")).unwrap();
        let out = Command::new("make")
            .args(["-s", "-C"])
            .arg(headers())
            .arg(format!("M={}", dir.display()))
            .arg("modules")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{text:?} built");
        let ours: Vec<&str> = stderr
            .lines()
            .filter(|line| line.contains("SCHEMA_VERSION"))
            .collect();
        assert_eq!(ours.len(), 1, "{text:?}:\n{stderr}");
        assert!(
            ours[0].contains(&format!("{}: {says}", file.display())),
            "{text:?}:\n{stderr}"
        );
    }
    let _ = fs::remove_dir_all(&dir);
}
