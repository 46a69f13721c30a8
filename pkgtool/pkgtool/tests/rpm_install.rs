//! The .rpms as rpm and dnf see them: files and modes once installed,
//! conflicts between module packages, scriptlets that are valid sh, and the
//! probe installed and removed with dnf from a createrepo_c repository.

#![cfg(feature = "system-tests")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn rpm_in(root: &Path) -> Command {
    let mut cmd = Command::new("rpm");
    cmd.arg("--root").arg(root);
    cmd
}

fn build_rpms(dir: &Path, api: &str, kinds: &str, kernel: &str) -> PathBuf {
    // The probe, if asked for, is made from the copy's probe/.
    let src = sources_with_api(&dir.join(format!("src-{api}")), api);
    let out = dir.join(format!("dist-{api}"));
    pkgtool_build_ok(
        &src,
        &[
            "--format",
            "rpm",
            "--kind",
            kinds,
            "--kernel",
            kernel,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    out
}

#[test]
fn rpm_layout_conflicts_and_scriptlets() {
    for tool in ["rpm", "shellcheck"] {
        require_tool(tool);
    }
    let kernel = installed_kernels().remove(0);
    let dir = scratch("rpm-layout");
    let out = build_rpms(&dir, "1.0.0", "dkms,modules,probe", &kernel);
    let root = dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    run(rpm_in(&root).arg("--initdb"));

    // Installed (rpm's own install; no /bin/sh in this root, so without
    // scriptlets), every file is where the scheme says, root's, 0644.
    let kmod = out.join(format!("kmod-scap-api1-{kernel}-1.0.0-1.x86_64.rpm"));
    let dkms = out.join("scap-api1-dkms-1.0.0-1.noarch.rpm");
    run(rpm_in(&root)
        .args(["-i", "--nodeps", "--noscripts"])
        .arg(&kmod)
        .arg(out.join("scap-api1-probe-1.0.0-1.x86_64.rpm")));
    for (path, mode) in [
        (format!("lib/modules/{kernel}/extra/scap/scap.ko"), 0o100644),
        (format!("lib/modules/{kernel}/extra/scap"), 0o40755),
        (
            "usr/lib/scap/probe/scap_probe-1.0.0.o".to_string(),
            0o100644,
        ),
    ] {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(root.join(&path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(meta.mode(), mode, "{path}");
        assert_eq!((meta.uid(), meta.gid()), (0, 0), "{path}");
    }
    let verify = rpm_in(&root).args(["-Va", "--nodeps"]).output().unwrap();
    assert!(
        verify.status.success(),
        "rpm -V: {}",
        String::from_utf8_lossy(&verify.stdout)
    );

    // The DKMS rpm conflicts with the installed prebuilt one.
    let test = rpm_in(&root)
        .args(["-i", "--test"])
        .arg(&dkms)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&test.stderr);
    assert!(
        text.contains(&format!(
            "scap-module-dkms conflicts with (installed) kmod-scap-api1-{kernel}"
        )),
        "{text}"
    );
    // A prebuilt module of another major for the same kernel conflicts too;
    // a package never conflicts with itself.
    let out2 = build_rpms(&dir, "2.0.0", "modules", &kernel);
    let kmod2 = out2.join(format!("kmod-scap-api2-{kernel}-2.0.0-1.x86_64.rpm"));
    let test = rpm_in(&root)
        .args(["-i", "--test"])
        .arg(&kmod2)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&test.stderr);
    assert!(
        text.contains(&format!(
            "scap-module-for-kernel-{kernel} conflicts with (installed) kmod-scap-api1-{kernel}"
        )),
        "{text}"
    );
    assert!(
        text.contains("scap-module-api-major < 2 conflicts with"),
        "{text}"
    );
    let fresh = dir.join("fresh-root");
    std::fs::create_dir_all(&fresh).unwrap();
    run(rpm_in(&fresh).arg("--initdb"));
    let test = rpm_in(&fresh)
        .args(["-i", "--test"])
        .arg(&kmod)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&test.stderr);
    assert!(!text.contains("conflicts"), "self-conflict: {text}");

    // Scriptlets: present, valid POSIX sh, shellcheck-clean.
    for rpm in [&kmod, &dkms] {
        let scripts = run(Command::new("rpm").arg("-qp").arg("--scripts").arg(rpm));
        let mut bodies = Vec::new();
        for chunk in scripts.split("scriptlet (using /bin/sh):\n").skip(1) {
            let body: Vec<&str> = chunk
                .lines()
                .take_while(|l| !l.ends_with("scriptlet (using /bin/sh):"))
                .collect();
            bodies.push(body.join("\n"));
        }
        assert_eq!(bodies.len(), 2, "two scriptlets in {rpm:?}:\n{scripts}");
        for body in bodies {
            let file = dir.join("scriptlet.sh");
            std::fs::write(&file, format!("#!/bin/sh\n{body}\n")).unwrap();
            run(Command::new("sh").arg("-n").arg(&file));
            run(Command::new("shellcheck").args(["-s", "sh"]).arg(&file));
        }
    }
    let scripts = run(Command::new("rpm").arg("-qp").arg("--scripts").arg(&kmod));
    assert!(
        scripts.contains(&format!("depmod -a {kernel}")),
        "{scripts}"
    );

    // Erased, nothing of it is left.
    run(rpm_in(&root)
        .args(["-e", "--nodeps", "--noscripts"])
        .arg(format!("kmod-scap-api1-{kernel}")));
    assert!(!root
        .join(format!("lib/modules/{kernel}/extra/scap"))
        .exists());
}

#[test]
fn probe_rpm_installs_and_erases_with_dnf() {
    for tool in ["dnf", "createrepo_c", "rpm"] {
        require_tool(tool);
    }
    let dir = scratch("rpm-dnf");
    let src = sources_with_api(&dir, "1.0.0");
    let repo = dir.join("repo");
    pkgtool_build_ok(
        &src,
        &[
            "--format",
            "rpm",
            "--kind",
            "probe",
            "--out",
            repo.to_str().unwrap(),
        ],
    );
    run(Command::new("createrepo_c").arg("-q").arg(&repo));
    let root = dir.join("root");
    let dnf = |args: &[&str]| {
        run(Command::new("dnf")
            .args(["-y", "-q", "--releasever", "12", "--nogpgcheck"])
            .arg("--installroot")
            .arg(&root)
            .args([
                "--setopt=reposdir=/nonexistent",
                "--setopt=install_weak_deps=False",
                "--disablerepo=*",
            ])
            .arg(format!("--repofrompath=scap,file://{}", repo.display()))
            .args(["--enablerepo=scap"])
            .args(args))
    };
    dnf(&["install", "scap-probe-api-1"]);
    let object = root.join("usr/lib/scap/probe/scap_probe-1.0.0.o");
    assert_eq!(
        std::fs::read(&object).unwrap(),
        std::fs::read(dir.join("probe/build/scap_probe.o")).unwrap()
    );
    let owner = run(rpm_in(&root).args(["-qf", "/usr/lib/scap/probe/scap_probe-1.0.0.o"]));
    assert_eq!(owner.trim(), "scap-api1-probe-1.0.0-1.x86_64");
    dnf(&["remove", "scap-api1-probe"]);
    assert!(!object.exists());
    assert!(!root.join("usr/lib/scap/probe").exists());
}
