//! Helpers of the package tests: run real tools, fail loudly when one is
//! missing (tests/install-deps installs them), build packages.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn driver_src() -> PathBuf {
    repo_root().join("driver-src")
}

/// A tool the test needs; never a skip (the project's rule).
pub fn require_tool(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is not installed; run tests/install-deps (as root) or install it"
    );
}

/// Runs a command, asserts it succeeded, returns stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh scratch directory under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The packed version code of "X.Y.Z".
pub fn code(version: &str) -> u64 {
    version
        .parse::<scap_driver_api::Version>()
        .unwrap()
        .encode()
}

/// Compiles a stand-in probe (tests/fixtures/probe_stub.c) with clang
/// -target bpf, carrying the given version codes: for the tests that need a
/// probe of versions its sources do not have (the others package the real
/// probe).
pub fn probe_stub(dir: &Path, api: &str, schema: &str) -> PathBuf {
    require_tool("clang");
    let out = dir.join(format!("probe-{api}-{schema}.o"));
    run(Command::new("clang")
        .args(["-target", "bpf", "-O2", "-g", "-c"])
        .arg(format!("-DAPI_CODE={:#x}ULL", code(api)))
        .arg(format!("-DSCHEMA_CODE={:#x}ULL", code(schema)))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/probe_stub.c"))
        .arg("-o")
        .arg(&out));
    out
}

/// `pkgtool build ARGS` with a fixed SOURCE_DATE_EPOCH.
pub fn pkgtool_build(source: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pkgtool"))
        .arg("build")
        .arg("--source")
        .arg(source)
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap()
}

/// Like pkgtool_build, asserting success.
pub fn pkgtool_build_ok(source: &Path, args: &[&str]) -> String {
    let out = pkgtool_build(source, args);
    assert!(
        out.status.success(),
        "pkgtool build {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The kernel releases whose headers are installed on this machine and
/// that the driver supports (pkgtool skips the others with a note).
pub fn installed_kernels() -> Vec<String> {
    let kernels: Vec<String> = scap_driver_api::kernels::installed_headers()
        .into_iter()
        .filter(|release| scap_driver_api::kernels::SUPPORTED_KERNELS.contains_release(release))
        .collect();
    assert!(
        !kernels.is_empty(),
        "no headers of a supported kernel in /lib/modules/*/build; run tests/install-deps (linux-headers-amd64)"
    );
    kernels
}

/// The kernel release the installed linux-headers-amd64 points at: the one
/// the chroot and the VM tests use.
pub fn headers_release() -> String {
    let depends =
        run(Command::new("dpkg-query").args(["-W", "-f=${Depends}", "linux-headers-amd64"]));
    let release = depends
        .split([' ', ','])
        .next()
        .and_then(|dep| dep.strip_prefix("linux-headers-"))
        .unwrap_or_else(|| panic!("linux-headers-amd64 depends on {depends:?}; reinstall it"));
    assert!(
        installed_kernels().iter().any(|k| k == release),
        "no headers in /lib/modules/{release}/build; run tests/install-deps"
    );
    release.to_string()
}

/// A scratch copy of the driver's sources, `dir/driver-src/` and
/// `dir/probe/` (the layout the probe's Makefile expects), with another API
/// version; returns the copy of driver-src/.
pub fn sources_with_api(dir: &Path, api: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for tree in ["driver-src", "probe"] {
        let copy = dir.join(tree);
        let _ = std::fs::remove_dir_all(&copy);
        run(Command::new("cp")
            .arg("-a")
            .arg(repo_root().join(tree))
            .arg(&copy));
    }
    // Not a previous build of the repository's probe.
    let _ = std::fs::remove_dir_all(dir.join("probe/build"));
    let copy = dir.join("driver-src");
    std::fs::write(copy.join("API_VERSION"), format!("{api}\n")).unwrap();
    copy
}

/// The scap-compat packages (`--kind compat`), built from this repository's
/// crate into `out`.
pub fn compat_packages(out: &Path, args: &[&str]) -> String {
    let mut all = vec!["--kind", "compat", "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    pkgtool_build_ok(&driver_src(), &all)
}

/// The version of the scap-compat crate (its Cargo.toml).
pub fn compat_version() -> String {
    let manifest =
        std::fs::read_to_string(repo_root().join("pkgtool/scap-compat/Cargo.toml")).unwrap();
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("version = \"X.Y.Z\" in scap-compat's Cargo.toml")
        .to_string()
}

/// Files of `dir` whose name ends with `suffix`, sorted.
pub fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// lintian finds no error and no warning in `debs` (overrides only with a
/// justification, shipped in the package).
pub fn assert_lintian_clean(debs: &[PathBuf]) {
    let lintian = Command::new("lintian")
        .args(["--fail-on", "error,warning", "--no-tag-display-limit"])
        .args(debs)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&lintian.stdout);
    assert!(
        lintian.status.success()
            && !report
                .lines()
                .any(|l| l.starts_with("E:") || l.starts_with("W:")),
        "lintian:\n{report}{}",
        String::from_utf8_lossy(&lintian.stderr)
    );
}

/// rpmlint finds no error in `rpms` (tests/rpmlint.toml filters only what
/// it justifies) and `rpm -K` finds their digests OK.
pub fn assert_rpmlint_clean(rpms: &[PathBuf]) {
    let rpmlint = Command::new("rpmlint")
        .arg("-c")
        .arg(repo_root().join("tests/rpmlint.toml"))
        .args(rpms)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&rpmlint.stdout);
    assert!(
        rpmlint.status.success() && report.contains(" 0 errors"),
        "rpmlint:\n{report}"
    );
    for rpm in rpms {
        let k = run(Command::new("rpm").arg("-K").arg(rpm));
        assert!(k.trim_end().ends_with("digests OK"), "{k}");
    }
}

/// Runs `script` in a throwaway overlay of a suite's build root (changes
/// under `upper`), with the package `deb` at /tmp/package.deb; asserts it
/// succeeds and returns its output.
pub fn in_suite_system(
    root: &debian_suite::BuildRoot,
    upper: &Path,
    deb: &Path,
    script: &str,
) -> String {
    let _ = std::fs::remove_dir_all(upper);
    std::fs::create_dir_all(upper.join("tmp")).unwrap();
    std::fs::copy(deb, upper.join("tmp/package.deb")).unwrap();
    let output = root
        .overlay_command(upper, &["sh", "-ec", script])
        .unwrap()
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "in {}'s system: {script}\n{text}{}",
        root.release(),
        String::from_utf8_lossy(&output.stderr)
    );
    text
}
