//! The loader refuses a bad probe object before loading anything: one line
//! on stderr naming the object and the fix, exit code 2, no capture file.
//! The objects are the real probe (make -C probe) altered with llvm-objcopy.
//! Nothing here loads BPF: every case is refused before the kernel is asked.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use scap_driver_api::Version;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The probe as `make -C probe` builds it, once per test run.
fn probe() -> &'static Path {
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    PROBE.get_or_init(|| {
        let out = Command::new("make")
            .args(["-s", "-C"])
            .arg(root().join("probe"))
            .output()
            .expect("make is not installed: run tests/install-deps");
        assert!(
            out.status.success(),
            "make -C probe failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        root().join("probe/build/scap_probe.o")
    })
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("scap-probe-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The probe with llvm-objcopy's `args` applied; `files` are written first.
fn altered(dir: &Path, files: &[(&str, &[u8])], args: &[&str]) -> PathBuf {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let out_path = dir.join("altered.o");
    let out = Command::new("llvm-objcopy")
        .current_dir(dir)
        .args(args)
        .arg(probe())
        .arg(&out_path)
        .output()
        .expect("llvm-objcopy is not installed: run tests/install-deps (package llvm)");
    assert!(
        out.status.success(),
        "llvm-objcopy {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out_path
}

/// Runs a capture with `object`; returns stderr after checking the refusal.
fn refused(dir: &Path, object: &Path) -> String {
    let output = dir.join("out.scap");
    let out = Command::new(env!("CARGO_BIN_EXE_scap-probe"))
        .args(["capture", "--probe"])
        .arg(object)
        .arg("-w")
        .arg(&output)
        .args(["--", "true"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with(&format!("scap-probe: {}: ", object.display())),
        "names the object: {stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("out."))
        .collect();
    assert!(left.is_empty(), "nothing written: {left:?}");
    stderr
}

fn code(text: &str) -> [u8; 8] {
    text.parse::<Version>().unwrap().encode().to_le_bytes()
}

#[test]
fn the_built_probe_is_accepted() {
    let out = Command::new(env!("CARGO_BIN_EXE_scap-probe"))
        .arg("info")
        .arg(probe())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = root();
    let api = std::fs::read_to_string(root.join("driver-src/API_VERSION")).unwrap();
    let schema = std::fs::read_to_string(root.join("driver-src/SCHEMA_VERSION")).unwrap();
    assert!(
        stdout.contains(&format!("API version     {}", api.trim())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("schema version  {}", schema.trim())),
        "{stdout}"
    );
    // The section as llvm-objcopy dumps it, decoded here, not by the loader.
    let dir = Scratch::new("min-kernel");
    let dumped = dir.0.join("min_kernel");
    altered(&dir.0, &[], &["--dump-section", "min_kernel=min_kernel"]);
    let bytes: [u8; 8] = std::fs::read(&dumped).unwrap().try_into().unwrap();
    let min_kernel = Version::decode(u64::from_le_bytes(bytes)).unwrap();
    assert!(
        stdout.contains(&format!("minimum kernel  {min_kernel}")),
        "{stdout}"
    );
    assert!(stdout.contains("verdict         compatible"), "{stdout}");
}

/// driver-src's version in `file` (API_VERSION or SCHEMA_VERSION).
fn declared(file: &str) -> Version {
    let text = std::fs::read_to_string(root().join("driver-src").join(file)).unwrap();
    text.trim().parse().unwrap()
}

/// A version of the next major after `version`.
fn next_major(version: Version) -> String {
    format!("{}.0.0", version.major + 1)
}

#[test]
fn other_api_major_is_refused_with_the_rules_message() {
    let dir = Scratch::new("major");
    let required = declared("API_VERSION");
    let other = next_major(required);
    let object = altered(
        &dir.0,
        &[("code", &code(&other))],
        &["--update-section", "api_version=code"],
    );
    let err = refused(&dir.0, &object);
    assert!(
        err.contains(&format!(
            "driver API version {other}, required {required}: different major versions are incompatible;"
        )),
        "{err}"
    );
}

#[test]
fn other_schema_major_is_refused() {
    let dir = Scratch::new("schema");
    let required = declared("SCHEMA_VERSION");
    let other = next_major(required);
    let object = altered(
        &dir.0,
        &[("code", &code(&other))],
        &["--update-section", "schema_version=code"],
    );
    let err = refused(&dir.0, &object);
    assert!(
        err.contains(&format!(
            "driver schema version {other}, required {required}"
        )),
        "{err}"
    );
}

#[test]
fn missing_section_is_refused() {
    let dir = Scratch::new("missing");
    // Renamed: BTF refers to the section, so it cannot simply be removed.
    let object = altered(
        &dir.0,
        &[],
        &["--rename-section", "api_version=legacy_version"],
    );
    let err = refused(&dir.0, &object);
    assert!(err.contains("no api_version section"), "{err}");
    assert!(err.contains("make -C probe"), "names the fix: {err}");
}

#[test]
fn truncated_section_is_refused() {
    let dir = Scratch::new("truncated");
    let object = altered(
        &dir.0,
        &[("code", &code("1.0.0")[..4])],
        &["--update-section", "schema_version=code"],
    );
    let err = refused(&dir.0, &object);
    assert!(
        err.contains("section schema_version has 4 bytes, expected 8"),
        "{err}"
    );
}

#[test]
fn bit_63_is_refused() {
    let dir = Scratch::new("bit63");
    let object = altered(
        &dir.0,
        &[("code", &(1u64 << 63).to_le_bytes())],
        &["--update-section", "min_kernel=code"],
    );
    let err = refused(&dir.0, &object);
    assert!(err.contains("section min_kernel: "), "{err}");
    assert!(err.contains("bit 63 must be zero"), "{err}");
}

#[test]
fn non_bpf_files_are_refused() {
    let dir = Scratch::new("notbpf");
    let err = refused(&dir.0, Path::new("/bin/true"));
    assert!(err.contains("a X86_64 object, not an eBPF object"), "{err}");
    let text = dir.0.join("probe.o");
    std::fs::write(&text, "not an object\n").unwrap();
    let err = refused(&dir.0, &text);
    assert!(err.contains("not an ELF object"), "{err}");
    let err = refused(&dir.0, &dir.0.join("absent.o"));
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn object_without_the_programs_is_refused() {
    let dir = Scratch::new("noprog");
    let object = altered(
        &dir.0,
        &[],
        &["--redefine-sym", "scap_sys_exit=other_program"],
    );
    let err = refused(&dir.0, &object);
    assert!(
        err.contains("not a loadable eBPF object: no program scap_sys_exit"),
        "{err}"
    );
}
