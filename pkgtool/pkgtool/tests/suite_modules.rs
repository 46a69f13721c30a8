//! `pkgtool build --kind modules --suite trixie`: prebuilt module packages
//! for another Debian suite's kernel, built in that suite's build root
//! (crate debian-suite, cached in ~/.cache/scap-suites), which install in
//! a system of that suite (a throwaway overlay of the same root) and are
//! found by its depmod; lintian and rpmlint accept them.

#![cfg(feature = "system-tests")]

mod common;

use std::process::Command;

use common::*;
use debian_suite::{BuildRoot, Pick, Suite};

const SUITE: &str = "trixie";

fn trixie_root() -> (Suite, BuildRoot) {
    let suite: Suite = SUITE.parse().unwrap();
    let cache = debian_suite::default_cache().unwrap();
    let root = BuildRoot::open(&cache, &suite, &mut |text| eprintln!("{text}"))
        .unwrap_or_else(|err| panic!("{SUITE}'s build root: {err}"));
    (suite, root)
}

#[test]
fn a_suites_kernel_gets_packages_that_its_system_installs() {
    for tool in [
        "debootstrap",
        "unshare",
        "lintian",
        "rpmlint",
        "rpm",
        "dpkg-deb",
    ] {
        require_tool(tool);
    }
    let uid = run(Command::new("id").arg("-u"));
    assert_eq!(
        uid.trim(),
        "0",
        "build roots are chroots: run the tests (tests/run) as root"
    );
    let (suite, root) = trixie_root();
    let kernel = root.kernel(&suite, Pick::Newest).unwrap().release;

    let dir = scratch("suite-modules");
    let out = dir.join("dist");
    let summary = pkgtool_build_ok(
        &driver_src(),
        &[
            "--kind",
            "modules",
            "--suite",
            SUITE,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let deb = out.join(format!("scap-api1-modules-{kernel}_1.0.0_amd64.deb"));
    let rpm = out.join(format!("kmod-scap-api1-{kernel}-1.0.0-1.x86_64.rpm"));
    assert!(deb.is_file() && rpm.is_file(), "{summary}");
    assert_eq!(
        files_ending(&out, ".deb").len() + files_ending(&out, ".rpm").len(),
        2,
        "{summary}"
    );
    assert_lintian_clean(std::slice::from_ref(&deb));
    assert_rpmlint_clean(std::slice::from_ref(&rpm));
    let info = run(Command::new("rpm").args(["-qp", "--requires"]).arg(&rpm));
    assert!(
        info.contains(&format!("kernel-uname-r = {kernel}")),
        "{info}"
    );

    // Installed with dpkg in a system of the suite: its postinst runs the
    // suite's depmod, which finds the module for that kernel.
    let script = format!(
        "dpkg -i /tmp/package.deb >/dev/null && \
         modprobe --show-depends -S {kernel} scap && \
         modinfo -k {kernel} -F api_version scap && \
         modinfo -k {kernel} -F vermagic scap && \
         dpkg -r scap-api1-modules-{kernel} >/dev/null && \
         ! modinfo -k {kernel} scap 2>/dev/null"
    );
    let text = in_suite_system(&root, &dir.join("upper"), &deb, &script);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            format!("insmod /lib/modules/{kernel}/updates/scap/scap.ko ").as_str(),
            "1.0.0",
            lines.get(2).copied().unwrap_or_default(),
        ],
        "{text}"
    );
    assert!(lines[2].starts_with(&format!("{kernel} SMP ")), "{text}");
    // The cached root is untouched: the overlay took the changes.
    assert!(!root
        .host_path(&format!("/lib/modules/{kernel}/updates"))
        .exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A kernel the suite does not have, and a kernel outside the supported
/// range, are one line each naming the fix; nothing is written.
#[test]
fn a_kernel_the_suite_lacks_is_one_line() {
    let dir = scratch("suite-errors");
    let out = dir.join("dist");
    for (kernel, says) in [
        ("6.12.0-9999-amd64", "no headers in trixie's archive"),
        ("4.19.0-27-amd64", "outside the kernels"),
    ] {
        let output = pkgtool_build(
            &driver_src(),
            &[
                "--kind",
                "modules",
                "--suite",
                SUITE,
                "--kernel",
                kernel,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or_default();
        assert!(!output.status.success(), "{stderr}");
        assert!(last.contains(kernel) && last.contains(says), "{stderr}");
        assert!(
            !out.exists()
                || (files_ending(&out, ".deb").is_empty() && files_ending(&out, ".rpm").is_empty()),
            "{stderr}"
        );
    }
    let output = pkgtool_build(&driver_src(), &["--kind", "dkms", "--suite", SUITE]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("--suite given without the modules kind"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
