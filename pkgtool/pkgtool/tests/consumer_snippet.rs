//! `pkgtool consumer-snippet`: the rendered fragment (snapshot), and the
//! fragment run in a `set -e` postinst with the real scap-compat against
//! real probe objects under a scratch root: it exits 0 whatever the
//! driver, and says what to install.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::Command as Cargo;
use scap_driver_api::Version;

fn snippet(args: &[&str]) -> Output {
    Cargo::cargo_bin("pkgtool")
        .unwrap()
        .arg("consumer-snippet")
        .args(args)
        .current_dir("/")
        .output()
        .unwrap()
}

fn rendered(args: &[&str]) -> String {
    let out = snippet(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn renders_from_the_template() {
    insta::assert_snapshot!(
        "sysdig_api_1_2_0",
        rendered(&["--api", "1.2.0", "--name", "sysdig"])
    );
    let with_schema = rendered(&["--api", "2.1.0", "--schema", "2.0.3", "--name", "falco"]);
    assert!(
        with_schema.contains("scap-compat check --api 2.1.0 --schema 2.0.3 --consumer falco"),
        "{with_schema}"
    );
    assert!(
        with_schema.contains("apt-get install scap-api2-dkms"),
        "{with_schema}"
    );
}

#[test]
fn bad_arguments_are_one_line() {
    for (args, named) in [
        (
            &["--api", "1.2", "--name", "sysdig"][..],
            "\"1.2\" is not a version",
        ),
        (
            &["--api", "1.2.0", "--name", "Sys Dig"],
            "\"Sys Dig\" is not a Debian package name",
        ),
        (
            &["--api", "1.2.0", "--name", "x;reboot"],
            "is not a Debian package name",
        ),
    ] {
        let out = snippet(args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(named), "{args:?}: {stderr}");
        assert!(stderr.trim_end().lines().count() <= 3, "{stderr}");
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("consumer-snippet")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// The scap-compat binary of this workspace (cargo builds it for its own
/// tests; built here if only this package's tests run).
fn scap_compat_dir() -> PathBuf {
    let dir = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    if !dir.join("scap-compat").exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "scap-compat"])
            .status()
            .unwrap();
        assert!(status.success(), "cargo build -p scap-compat");
    }
    dir
}

/// A probe object carrying these versions, built by clang from
/// scap-compat's fixture.
fn probe(dir: &Path, api: &str) -> PathBuf {
    let code = |v: &str| v.parse::<Version>().unwrap().encode();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scap-compat/tests/fixtures/version_probe.bpf.c");
    let out = dir.join(format!("scap_probe-{api}.o"));
    let status = Command::new("clang")
        .args(["-target", "bpf", "-O2", "-c"])
        .arg(format!("-DAPI_CODE={:#x}ULL", code(api)))
        .arg(format!("-DSCHEMA_CODE={:#x}ULL", code("1.0.0")))
        .arg(source)
        .arg("-o")
        .arg(&out)
        .status()
        .expect("clang: run tests/install-deps");
    assert!(status.success());
    out
}

/// Runs the fragment inside a `set -e` postinst, as dpkg would.
fn postinst(script: &Path, root: &Path, path: &str) -> (i32, String) {
    let out = Command::new("sh")
        .arg(script)
        .arg("configure")
        .arg("")
        .env("PATH", path)
        .env("SCAP_COMPAT_ROOT", root)
        .env_remove("SCAP_COMPAT_KERNEL")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    (out.status.code().unwrap(), stderr)
}

#[test]
fn postinst_exits_0_and_explains_whatever_the_driver() {
    let dir = scratch("run");
    let script = dir.join("postinst");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\nset -e\n\n{}\necho configured >&2\nexit 0\n",
            rendered(&["--api", "1.2.3", "--name", "sysdig"])
        ),
    )
    .unwrap();
    let shellcheck = Command::new("shellcheck")
        .arg(&script)
        .output()
        .expect("shellcheck: run tests/install-deps");
    assert!(
        shellcheck.status.success(),
        "{}",
        String::from_utf8_lossy(&shellcheck.stdout)
    );

    let path = format!("{}:/usr/bin:/bin", scap_compat_dir().display());
    let probes = |name: &str, apis: &[&str]| {
        let root = scratch(name);
        fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
        fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
        let probe_dir = root.join("usr/lib/scap/probe");
        fs::create_dir_all(&probe_dir).unwrap();
        for api in apis {
            probe(&probe_dir, api);
        }
        root
    };
    let install = "sysdig:   apt-get install scap-api1-dkms   (or scap-api1-modules-";
    for (root, expect, absent) in [
        (probes("compatible", &["1.2.5"]), None, Some("sysdig: ")),
        (
            probes("warning", &["1.2.0"]),
            Some("read the warnings above"),
            Some(install),
        ),
        (probes("incompatible", &["2.0.0"]), Some(install), None),
        (
            probes("no-driver", &[]),
            Some("no scap driver is installed"),
            None,
        ),
    ] {
        let (code, stderr) = postinst(&script, &root, &path);
        assert_eq!(code, 0, "{}: {stderr}", root.display());
        assert!(
            stderr.ends_with("configured\n"),
            "the rest of the postinst ran: {stderr}"
        );
        if let Some(expect) = expect {
            assert!(stderr.contains(expect), "{}: {stderr}", root.display());
        }
        if let Some(absent) = absent {
            assert!(!stderr.contains(absent), "{}: {stderr}", root.display());
        }
        if root.ends_with("no-driver") {
            assert!(stderr.contains(install), "{stderr}");
        }
    }

    // Without the helper: still configured, and it says how to check later.
    let empty = scratch("no-helper-path");
    let (code, stderr) = postinst(
        &script,
        &scratch("no-helper"),
        &format!("{}:/usr/bin:/bin", empty.display()),
    );
    assert_eq!(code, 0, "{stderr}");
    if !Path::new("/usr/bin/scap-compat").exists() {
        assert!(stderr.contains("apt-get install scap-compat"), "{stderr}");
    }
}
