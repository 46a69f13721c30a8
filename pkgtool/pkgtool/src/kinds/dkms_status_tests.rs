//! The DKMS maintainer scripts' shell functions, rendered, run by `sh`
//! against `dkms status` texts of both formats the package's Depends admits
//! (2.8: `scap, 1.2.3, K, x86_64: state`; 3.x: `scap/1.2.3, K, x86_64:
//! state`), from a `dkms` that prints a given status and records every other
//! call. The chroot tests run the real dkms 2.8 (bullseye) and 3.x; these
//! add the states a chroot does not easily reach (several kernels, warnings
//! after the state, other versions in the listing).

use std::process::Command;

use crate::templates;

use super::Vars;

fn functions() -> String {
    let driver = super::snapshot_tests::driver();
    templates::render(
        "dkms/functions.sh",
        &Vars::new(&driver, "scap-api1-dkms", None),
    )
}

const FAKE_DKMS: &str = r#"#!/bin/sh
# `dkms status [-k K]` prints $DKMS_STATUS (its lines of kernel K); any
# other command is appended to $DKMS_CALLS.
if [ "$1" = status ]; then
	kernel=
	while [ $# -gt 0 ]; do
		[ "$1" = -k ] && kernel=$2
		shift
	done
	if [ -n "$kernel" ]; then
		grep -F ", $kernel, " "$DKMS_STATUS" || true
	else
		cat "$DKMS_STATUS"
	fi
else
	echo "$*" >>"$DKMS_CALLS"
fi
"#;

struct Run {
    stdout: String,
    calls: String,
}

/// Runs `call` after the functions, with `status` as dkms's listing.
fn run(status: &str, call: &str) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let dkms = bin.join("dkms");
    std::fs::write(&dkms, FAKE_DKMS).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dkms, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(dir.join("status"), status).unwrap();
    std::fs::write(dir.join("calls"), "").unwrap();
    let script = format!("set -e\n{}\n{call}\n", functions());
    let out = Command::new("sh")
        .args(["-c", &script])
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("DKMS_STATUS", dir.join("status"))
        .env("DKMS_CALLS", dir.join("calls"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{call} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        calls: std::fs::read_to_string(dir.join("calls")).unwrap(),
    }
}

/// The same listing in dkms 2.8's and 3.x's format.
fn formats(lines: &[(&str, Option<&str>, &str)]) -> [(&'static str, String); 2] {
    let text = |v3: bool| {
        lines
            .iter()
            .map(|(version, kernel, state)| {
                let head = if v3 {
                    format!("scap/{version}")
                } else {
                    format!("scap, {version}")
                };
                match kernel {
                    Some(k) => format!("{head}, {k}, x86_64: {state}\n"),
                    None => format!("{head}: {state}\n"),
                }
            })
            .collect::<String>()
    };
    [("dkms2", text(false)), ("dkms3", text(true))]
}

const WARNING: &str = "installed (WARNING! Diff between built and installed module!)";

#[test]
fn status_lines_of_both_formats_give_kernel_and_state_of_one_version() {
    for (format, status) in formats(&[
        ("1.2.3", Some("5.10.0-46-amd64"), "installed"),
        ("1.2.3", Some("5.10.0-30-amd64"), "built"),
        ("1.2.3", Some("6.1.0-57-amd64"), WARNING),
        ("1.2.30", Some("6.1.0-58-amd64"), "installed"),
        ("1.3.0", Some("5.10.0-30-amd64"), "installed"),
        ("1.1.0", None, "added"),
    ]) {
        let out = run(&status, "scap_dkms_status 1.2.3");
        assert_eq!(
            out.stdout,
            format!("5.10.0-46-amd64 installed\n5.10.0-30-amd64 built\n6.1.0-57-amd64 {WARNING}\n"),
            "{format}:\n{status}"
        );
        let out = run(&status, "scap_dkms_status 1.2.3 5.10.0-30-amd64");
        assert_eq!(out.stdout, "5.10.0-30-amd64 built\n", "{format}");
        let out = run(&status, "scap_dkms_status 1.1.0");
        assert_eq!(out.stdout, "- added\n", "{format}");
        let out = run(&status, "scap_dkms_status 9.9.9");
        assert_eq!(out.stdout, "", "{format}");
        assert_eq!(out.calls, "", "status only looks");
    }
}

#[test]
fn an_upgrade_keeps_the_old_version_only_where_it_is_installed_in_both_formats() {
    for (format, status) in formats(&[
        ("1.2.3", Some("5.10.0-46-amd64"), "built"),
        ("1.2.3", Some("5.10.0-30-amd64"), "installed"),
        ("1.2.3", Some("6.1.0-57-amd64"), WARNING),
        ("1.3.0", Some("5.10.0-46-amd64"), "installed"),
    ]) {
        let out = run(&status, "scap_dkms_drop_superseded 1.2.3");
        assert_eq!(
            out.calls, "remove -m scap -v 1.2.3 -k 5.10.0-46-amd64\n",
            "{format}: removed only where 1.3.0 took over"
        );
        let kept = |k: &str| {
            format!(
                "scap-api1-dkms: kept scap 1.2.3 for kernel {k}, still its working module; \
                 it goes with this package, or run: dkms remove scap/1.2.3 -k {k}\n"
            )
        };
        assert_eq!(
            out.stdout,
            format!("{}{}", kept("5.10.0-30-amd64"), kept("6.1.0-57-amd64")),
            "{format}"
        );
    }
}

#[test]
fn a_version_added_and_built_for_no_kernel_goes_in_both_formats() {
    for (format, status) in formats(&[("1.2.3", None, "added"), ("1.3.0", None, "added")]) {
        let out = run(&status, "scap_dkms_drop_superseded 1.2.3");
        assert_eq!(out.calls, "remove -m scap -v 1.2.3 --all\n", "{format}");
        assert_eq!(out.stdout, "", "{format}");
    }
}

/// The maintainer scripts as dpkg runs them are POSIX sh, shellcheck-clean
/// (the rpm scriptlets are checked in tests/rpm_install.rs). SC2317
/// (unreachable command) is left out: each script carries every shared
/// function and calls only some.
#[test]
fn deb_maintainer_scripts_pass_shellcheck() {
    let driver = super::snapshot_tests::driver();
    let pkg = super::dkms::package(&driver, crate::package::Format::Deb, None).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for (script, body) in &pkg.scripts {
        let file = dir.join(script.deb_name());
        std::fs::write(&file, body).unwrap();
        let out = Command::new("shellcheck")
            .args(["-s", "sh", "-e", "SC2317"])
            .arg(&file)
            .output()
            .expect("shellcheck is not installed; run tests/install-deps (as root) or install it");
        assert!(
            out.status.success(),
            "shellcheck {}:\n{}",
            file.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
