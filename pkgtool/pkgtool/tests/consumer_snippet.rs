//! `pkgtool consumer-snippet`: the rendered fragment (snapshot), and the
//! fragment run in a `set -e` postinst with the real scap-compat against
//! real probe objects under a scratch root: it exits 0 whatever the
//! driver, and says what to install.

use std::fs;
use std::os::unix::fs::PermissionsExt;
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
        // 0 would be coreutils timeout's "no limit".
        (
            &["--api", "1.2.0", "--name", "sysdig", "--timeout", "0"],
            "\"0\" is not a time the helper may take: give whole seconds, 1 to 3600",
        ),
        (
            &["--api", "1.2.0", "--name", "sysdig", "--timeout", "2m"],
            "\"2m\" is not a time the helper may take: give whole seconds, 1 to 3600",
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

/// A stand-in for scap-compat that misbehaves: `body` is its shell code.
/// It writes its pid to the file `$pids` (the second path returned) first,
/// and the body adds those of its children, so that a test can see that
/// they are gone.
fn fake_helper(name: &str, body: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(&format!("fake-{name}"));
    let pids = dir.join("pids");
    let helper = dir.join("scap-compat");
    fs::write(
        &helper,
        format!(
            "#!/bin/sh\npids='{}'\necho $$ > \"$pids\"\n{body}\n",
            pids.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&helper, fs::Permissions::from_mode(0o755)).unwrap();
    (dir, pids)
}

/// The helper exits with a code the fragment does not know, is killed, or
/// hangs (also ignoring SIGTERM): the postinst still exits 0, runs to its
/// end, and says on one line that the driver was not checked and how to
/// check it later; a hung helper is stopped after --timeout seconds
/// (SIGKILL 5 s after SIGTERM) and nothing of it is left running.
#[test]
fn postinst_survives_a_failing_killed_or_hung_helper() {
    let dir = scratch("misbehaving");
    let script = dir.join("postinst");
    let timeout = 2;
    fs::write(
        &script,
        format!(
            "#!/bin/sh\nset -e\n\n{}\necho configured >&2\nexit 0\n",
            rendered(&[
                "--api",
                "1.2.3",
                "--name",
                "sysdig",
                "--timeout",
                &timeout.to_string()
            ])
        ),
    )
    .unwrap();
    let later = "check it later with: scap-compat check --api 1.2.3";
    let cases = [
        (
            "usage-error",
            "echo 'scap-compat: error: unexpected argument' >&2; exit 64",
            "sysdig: scap-compat could not check the scap driver (exit 64); ",
            0,
        ),
        (
            "killed",
            "kill -KILL $$",
            "sysdig: scap-compat could not check the scap driver (killed by signal 9); ",
            0,
        ),
        (
            "hung",
            "exec sleep 30",
            "sysdig: scap-compat did not finish within 2 s and was stopped; the scap driver \
             was not checked; ",
            timeout,
        ),
        (
            "hung-ignoring-term",
            "trap '' TERM; sleep 30 & echo $! >> \"$pids\"; wait",
            "sysdig: scap-compat did not finish within 2 s and was stopped; the scap driver \
             was not checked; ",
            timeout + 5,
        ),
    ];
    for (name, body, says, takes) in cases {
        let (helper_dir, pids) = fake_helper(name, body);
        let started = std::time::Instant::now();
        let (code, stderr) = postinst(
            &script,
            &scratch("misbehaving-root"),
            &format!("{}:/usr/bin:/bin", helper_dir.display()),
        );
        let took = started.elapsed().as_secs_f64();
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(
            stderr.ends_with("configured\n"),
            "{name}: the rest of the postinst ran: {stderr}"
        );
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("sysdig: "))
            .collect();
        assert_eq!(
            lines,
            [format!("{says}{later}")],
            "{name}: one line saying so: {stderr}"
        );
        // Stopped, not waited for: the helpers would sleep 30 s.
        assert!(
            took >= f64::from(takes) && took < 25.0,
            "{name}: the postinst took {took:.1} s, expected {takes} s and a little"
        );
        let pids = fs::read_to_string(&pids).unwrap();
        assert!(!pids.trim().is_empty(), "{name}: the helper ran");
        for pid in pids.split_whitespace() {
            assert!(
                !running(pid),
                "{name}: the helper or its child (pid {pid}) is still running"
            );
        }
    }
}

/// Whether the process exists and is not a zombie (killed with timeout,
/// whose SIGKILL to its process group also ends timeout itself, the helper
/// waits for init to reap it).
fn running(pid: &str) -> bool {
    let Ok(stat) = fs::read_to_string(Path::new("/proc").join(pid).join("stat")) else {
        return false;
    };
    // "pid (comm) S ...": the state follows the last parenthesis.
    let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
    !state.is_some_and(|s| s.starts_with('Z') || s.starts_with('X'))
}
