//! `check` and `status` on a system under a scratch root (`--root`): a
//! /lib/modules tree with modules.dep, DKMS's tree and dpkg's file lists
//! laid out as dkms 3 and dpkg do, holding real modules and probes.
//! The loaded module (/sys, /dev) needs a kernel: the VM tests cover it.

mod common;

use std::fs;
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use common::{
    code, kernel_release, module, probe, scap_compat, scap_compat_with_env, scratch, ProbeVariant,
};

struct Root {
    dir: PathBuf,
    kernel: String,
}

impl Root {
    /// An empty system whose package manager is dpkg.
    fn new(name: &str) -> Self {
        let dir = scratch(name);
        fs::create_dir_all(dir.join("var/lib/dpkg/info")).unwrap();
        fs::write(dir.join("var/lib/dpkg/status"), "").unwrap();
        Root {
            dir,
            kernel: kernel_release().to_string(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn modules_dir(&self) -> PathBuf {
        self.dir.join("lib/modules").join(&self.kernel)
    }

    fn put(&self, rel: &str, from: &Path) -> PathBuf {
        let dest = self.dir.join(rel);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::copy(from, &dest).unwrap();
        dest
    }

    /// What depmod writes, for the given paths relative to the modules dir.
    fn modules_dep(&self, listed: &[&str]) {
        let mut text = String::from("kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko\n");
        for rel in listed {
            text.push_str(&format!("{rel}:\n"));
        }
        fs::create_dir_all(self.modules_dir()).unwrap();
        fs::write(self.modules_dir().join("modules.dep"), text).unwrap();
    }

    /// `dkms install scap/<version> -k <kernel>` as dkms 3 leaves it on Debian.
    fn dkms_install(&self, version: &str, ko: &Path) -> PathBuf {
        let tree = self.dir.join("var/lib/dkms/scap");
        let build = tree.join(version).join(&self.kernel).join("x86_64/module");
        fs::create_dir_all(&build).unwrap();
        fs::copy(ko, build.join("scap.ko")).unwrap();
        let _ = symlink(
            format!("/usr/src/scap-{version}"),
            tree.join(version).join("source"),
        );
        let _ = symlink(
            format!("{version}/{}/x86_64", self.kernel),
            tree.join(format!("kernel-{}-x86_64", self.kernel)),
        );
        self.put(
            &format!("lib/modules/{}/updates/dkms/scap.ko", self.kernel),
            ko,
        )
    }

    /// An installed package and its file list, as dpkg keeps them.
    fn dpkg_owns(&self, package: &str, files: &[&Path]) {
        let mut list = String::from("/.\n");
        for file in files {
            list.push_str(&format!(
                "/{}\n",
                file.strip_prefix(&self.dir).unwrap().display()
            ));
        }
        fs::write(
            self.path(&format!("var/lib/dpkg/info/{package}.list")),
            list,
        )
        .unwrap();
        // dpkg-query -S searches the lists of the packages in the status file.
        let mut status = fs::OpenOptions::new()
            .append(true)
            .open(self.path("var/lib/dpkg/status"))
            .unwrap();
        write!(
            status,
            "Package: {package}\nStatus: install ok installed\nPriority: optional\n\
             Section: kernel\nMaintainer: test <test@example.org>\nArchitecture: amd64\n\
             Version: 1.0.0\nDescription: test package\n\n"
        )
        .unwrap();
    }

    fn check(&self, extra: &[&str]) -> common::Ran {
        let root = self.dir.to_str().unwrap();
        let mut args = vec!["--root", root, "check", "--kernel", &self.kernel];
        args.extend_from_slice(extra);
        scap_compat(&args)
    }
}

fn installed(json: &serde_json::Value) -> Vec<&serde_json::Value> {
    json["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "installed_module")
        .collect()
}

#[test]
fn dkms_module_found_through_modules_dep() {
    let root = Root::new("dkms-listed");
    root.dkms_install("1.0.0", &module("1.0.0", "1.0.0"));
    root.modules_dep(&["updates/dkms/scap.ko"]);

    let ran = root.check(&[
        "--json",
        "--api",
        "1.0.0",
        "--schema",
        "1.0.0",
        "--consumer",
        "sysdig",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let json = ran.json();
    let modules = installed(&json);
    assert_eq!(modules.len(), 1);
    assert_eq!(modules[0]["origin"], "DKMS scap/1.0.0");
    assert_eq!(modules[0]["in_effect"], true);
    assert_eq!(
        modules[0]["location"],
        root.modules_dir()
            .join("updates/dkms/scap.ko")
            .to_str()
            .unwrap()
    );
    assert_eq!(json["kernel"], root.kernel.as_str());

    // The same installation for a consumer of a newer minor.
    let ran = root.check(&["--api", "1.2.0", "--consumer", "sysdig"]);
    assert_eq!(ran.code, 20, "{}", ran.stdout);
    let summary = ran.stdout.lines().last().unwrap();
    assert!(
        summary.contains("incompatible: sysdig needs API 1.2.0"),
        "{summary}"
    );
    assert!(
        summary.contains("the driver lacks the API additions of 1.2"),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "fix: apt-get install scap-api1-dkms (or the prebuilt scap-api1-modules-{})",
            root.kernel
        )),
        "{summary}"
    );
}

#[test]
fn modprobe_order_decides_which_copy_counts() {
    let root = Root::new("two-copies");
    root.dkms_install("1.0.0", &module("1.0.0", "1.0.0"));
    let kernel = root.kernel.clone();
    let prebuilt = common::compress(
        &module("1.3.0", "1.2.0"),
        &root.path(&format!("lib/modules/{kernel}/extra")),
        "xz-kbuild",
    );
    root.dpkg_owns(&format!("scap-api1-modules-{kernel}"), &[&prebuilt]);

    // depmod put updates/ first: the DKMS module counts, 1.0.0 < 1.3.0.
    root.modules_dep(&["updates/dkms/scap.ko"]);
    let ran = root.check(&["--json", "--api", "1.3.0"]);
    assert_eq!(ran.code, 20, "{}", ran.stdout);
    let json = ran.json();
    let modules = installed(&json);
    assert_eq!(modules.len(), 2);
    assert_eq!(modules[0]["in_effect"], true);
    assert_eq!(modules[0]["verdict"], "incompatible");
    assert_eq!(modules[1]["in_effect"], false);
    assert_eq!(
        modules[1]["origin"],
        format!("package scap-api1-modules-{kernel}")
    );
    assert_eq!(modules[1]["api"], "1.3.0", "read from the .ko.xz");
    let note = modules[1]["messages"][0]["text"].as_str().unwrap();
    assert!(note.starts_with("not used: modprobe loads"), "{note}");

    // modules.dep naming the prebuilt one: compatible.
    root.modules_dep(&["extra/scap.ko.xz"]);
    let ran = root.check(&["--json", "--api", "1.3.0"]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let json = ran.json();
    let modules = installed(&json);
    assert!(modules[0]["location"]
        .as_str()
        .unwrap()
        .ends_with("extra/scap.ko.xz"));
}

#[test]
fn depmod_not_run_and_dangling_modules_dep() {
    let root = Root::new("no-depmod");
    root.dkms_install("1.0.0", &module("1.0.0", "1.0.0"));
    let ran = root.check(&["--api", "1.0.0"]);
    assert_eq!(ran.code, 10, "{}", ran.stdout);
    assert!(
        ran.stdout.contains("modprobe cannot find it"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .lines()
            .last()
            .unwrap()
            .ends_with(&format!("fix: depmod -a {}", root.kernel)),
        "{}",
        ran.stdout
    );

    // Without modules.dep, depmod's order says which copy would count:
    // updates/ before extra/.
    let kernel = root.kernel.clone();
    root.put(
        &format!("lib/modules/{kernel}/extra/scap.ko"),
        &module("1.3.0", "1.2.0"),
    );
    let ran = root.check(&["--json", "--api", "1.0.0"]);
    let json = ran.json();
    let modules = installed(&json);
    assert_eq!(modules.len(), 2);
    assert_eq!(modules[0]["in_effect"], true);
    assert!(modules[0]["location"]
        .as_str()
        .unwrap()
        .ends_with("updates/dkms/scap.ko"));
    assert_eq!(modules[0]["origin"], "DKMS scap/1.0.0");
    assert_eq!(modules[1]["in_effect"], false);
    // Not DKMS's build (other bytes), owned by no package.
    assert_eq!(modules[1]["origin"], "no package (copied by hand?)");

    let root = Root::new("dangling");
    root.modules_dep(&["updates/dkms/scap.ko"]);
    let ran = root.check(&["--api", "1.0.0"]);
    assert_eq!(ran.code, 20, "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("but the file is missing: modprobe fails"),
        "{}",
        ran.stdout
    );
    // A copy elsewhere is what depmod would then pick.
    root.put(
        &format!("lib/modules/{}/extra/scap.ko", root.kernel),
        &module("1.0.0", "1.0.0"),
    );
    let ran = root.check(&["--json", "--api", "1.0.0"]);
    assert_eq!(ran.code, 20, "{}", ran.stdout);
    let json = ran.json();
    let modules = installed(&json);
    assert_eq!(modules.len(), 2);
    assert_eq!(modules[1]["in_effect"], true);
    assert_eq!(modules[1]["verdict"], "warning");
    assert_eq!(json["fixes"][0], format!("depmod -a {}", root.kernel));
}

#[test]
fn no_driver_says_what_to_install_for_the_package_manager() {
    let root = Root::new("empty-deb");
    root.modules_dep(&[]);
    let ran = root.check(&["--api", "1.4.2", "--consumer", "sysdig"]);
    assert_eq!(ran.code, 30, "{}", ran.stdout);
    let summary = ran.stdout.lines().last().unwrap();
    assert_eq!(
        summary,
        format!(
            "scap-compat: no scap driver installed for kernel {k}: sysdig needs API 1.4.2; fix: \
             apt-get install scap-api1-dkms (or the prebuilt scap-api1-modules-{k}, or the eBPF \
             probe scap-api1-probe)",
            k = root.kernel
        )
    );

    let rpm_root = scratch("empty-rpm");
    fs::create_dir_all(rpm_root.join("var/lib/rpm")).unwrap();
    let ran = scap_compat(&[
        "--root",
        rpm_root.to_str().unwrap(),
        "check",
        "--json",
        "--api",
        "2.1.0",
        "--kernel",
        "5.14.0-70.el9.x86_64",
    ]);
    assert_eq!(ran.code, 30);
    assert_eq!(
        ran.json()["fixes"][0],
        "dnf install scap-api2-dkms (or the prebuilt kmod-scap-api2-5.14.0-70.el9.x86_64, or the \
         eBPF probe scap-api2-probe)"
    );
}

#[test]
fn module_of_another_kernel_and_broken_installed_module() {
    let root = Root::new("wrong-kernel");
    let other = "6.1.0-99-amd64";
    root.put(
        &format!("lib/modules/{other}/updates/dkms/scap.ko"),
        &module("1.0.0", "1.0.0"),
    );
    fs::write(
        root.path(&format!("lib/modules/{other}/modules.dep")),
        "updates/dkms/scap.ko:\n",
    )
    .unwrap();
    let ran = scap_compat(&[
        "--root",
        root.dir.to_str().unwrap(),
        "check",
        "--api",
        "1.0.0",
        "--kernel",
        other,
    ]);
    assert_eq!(ran.code, 20, "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains(&format!("built for kernel {}, not {other}", root.kernel)),
        "{}",
        ran.stdout
    );

    // A truncated module from a package: reinstall that package.
    let root = Root::new("broken-installed");
    let kernel = root.kernel.clone();
    let good = fs::read(module("1.0.0", "1.0.0")).unwrap();
    let ko = root.modules_dir().join("extra/scap.ko");
    fs::create_dir_all(ko.parent().unwrap()).unwrap();
    fs::write(&ko, &good[..good.len() / 3]).unwrap();
    root.modules_dep(&["extra/scap.ko"]);
    root.dpkg_owns(&format!("scap-api1-modules-{kernel}"), &[&ko]);
    let ran = root.check(&["--api", "1.0.0"]);
    assert_eq!(ran.code, 20, "{}", ran.stdout);
    let summary = ran.stdout.lines().last().unwrap();
    assert!(summary.contains(ko.to_str().unwrap()), "{summary}");
    assert!(
        summary.contains("damaged or truncated ELF object"),
        "{summary}"
    );
    assert!(
        summary.ends_with(&format!(
            "fix: reinstall it: apt-get install --reinstall scap-api1-modules-{kernel}"
        )),
        "{summary}"
    );
}

#[test]
fn probe_rescues_an_incompatible_module_with_a_warning() {
    let root = Root::new("probe-and-module");
    root.dkms_install("2.0.0", &module("2.0.0", "1.0.0"));
    root.modules_dep(&["updates/dkms/scap.ko"]);
    let o = root.put(
        "usr/lib/scap/probe/scap_probe-1.3.0.o",
        &probe(code("1.3.0"), code("1.0.0"), ProbeVariant::Good),
    );
    root.dpkg_owns("scap-api1-probe", &[&o]);

    let ran = root.check(&["--json", "--api", "1.2.0"]);
    assert_eq!(ran.code, 10, "{}", ran.stdout);
    let json = ran.json();
    let probe_entry = json["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "probe")
        .unwrap();
    assert_eq!(probe_entry["verdict"], "compatible");
    assert_eq!(probe_entry["origin"], "package scap-api1-probe");
    let summary = json["summary"].as_str().unwrap();
    assert!(summary.starts_with("compatible with warnings"), "{summary}");
    assert!(
        summary.contains("different major versions are incompatible"),
        "{summary}"
    );
    assert!(summary.contains("usable: probe (API 1.3.0)"), "{summary}");

    // Both unusable: incompatible, and the probe's fix is named too.
    let ran = root.check(&["--json", "--api", "1.4.0"]);
    assert_eq!(ran.code, 20, "{}", ran.stdout);
    let fixes = ran.json()["fixes"].clone();
    assert!(
        fixes
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "apt-get install scap-api1-probe (the probe for API 1.4.0)"),
        "{fixes}"
    );

    // A probe file that carries another version than its name says.
    let root = Root::new("misnamed-probe");
    root.put(
        "usr/lib/scap/probe/scap_probe-1.3.0.o",
        &probe(code("1.0.0"), code("1.0.0"), ProbeVariant::Good),
    );
    let ran = root.check(&["--api", "1.0.0"]);
    assert_eq!(ran.code, 10, "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("named for API 1.3.0 but carries API 1.0.0"),
        "{}",
        ran.stdout
    );
}

/// How a case gives the kernel to judge.
#[derive(Debug, Clone, Copy)]
enum Kernel {
    /// Not at all: the running kernel.
    Running,
    Arg(&'static str),
    /// SCAP_COMPAT_KERNEL.
    Env(&'static str),
}

/// The installed probe's min_kernel section against the kernel judged:
/// (its min_kernel: None for none, "short" for a 4-byte one; the kernel;
/// the exit code; the summary after "scap-compat: ", {P} the probe, {K}
/// the kernel judged).
const MIN_KERNEL_CASES: &[(Option<&str>, Kernel, i32, &str)] = &[
    (
        None,
        Kernel::Running,
        0,
        "compatible: sysdig needs API 1.0.0; usable: probe (API 1.0.0)",
    ),
    (
        None,
        Kernel::Arg("4.19.0-27-amd64"),
        0,
        "compatible: sysdig needs API 1.0.0; usable: probe (API 1.0.0)",
    ),
    (
        Some("3.0.0"),
        Kernel::Running,
        0,
        "compatible: sysdig needs API 1.0.0; usable: probe (API 1.0.0)",
    ),
    // The fix names the module only for a kernel the module supports.
    (
        Some("99.0.0"),
        Kernel::Arg("4.19.0-27-amd64"),
        20,
        "incompatible: sysdig needs API 1.0.0; probe {P}: needs kernel 99.0.0 or later (its \
         min_kernel), not {K}; fix: use kernel 99.0.0 or later",
    ),
    (
        Some("99.0.0"),
        Kernel::Arg("6.12.118+deb13-amd64"),
        20,
        "incompatible: sysdig needs API 1.0.0; probe {P}: needs kernel 99.0.0 or later (its \
         min_kernel), not {K}; fix: use kernel 99.0.0 or later, or the scap module on {K}: \
         apt-get install scap-api1-dkms (or the prebuilt scap-api1-modules-{K})",
    ),
    (
        Some("5.10.0"),
        Kernel::Arg("6.1.0-57-amd64"),
        0,
        "compatible: sysdig needs API 1.0.0; usable: probe (API 1.0.0)",
    ),
    (
        Some("5.10.0"),
        Kernel::Arg("4.19.0-27-amd64"),
        20,
        "incompatible: sysdig needs API 1.0.0; probe {P}: needs kernel 5.10.0 or later (its \
         min_kernel), not {K}; fix: use kernel 5.10.0 or later",
    ),
    (
        Some("5.10.0"),
        Kernel::Env("4.19.0-27-amd64"),
        20,
        "incompatible: sysdig needs API 1.0.0; probe {P}: needs kernel 5.10.0 or later (its \
         min_kernel), not {K}; fix: use kernel 5.10.0 or later",
    ),
    (
        Some("short"),
        Kernel::Running,
        20,
        "incompatible: sysdig needs API 1.0.0; probe {P}: section min_kernel has 4 bytes, \
         expected 8 (the packed 64-bit version code); fix: reinstall it: apt-get install \
         --reinstall scap-api1-probe",
    ),
];

#[test]
fn installed_probe_judged_by_its_min_kernel() {
    let running = common::running_release();
    let mut failures = Vec::new();
    for (i, &(min_kernel, kernel, exit, summary)) in MIN_KERNEL_CASES.iter().enumerate() {
        let root = Root::new(&format!("min-kernel-{i}"));
        let variant = match min_kernel {
            None => ProbeVariant::Good,
            Some("short") => ProbeVariant::ShortMinKernel,
            Some(min) => ProbeVariant::MinKernel(code(min)),
        };
        let o = root.put(
            "usr/lib/scap/probe/scap_probe-1.0.0.o",
            &probe(code("1.0.0"), code("1.0.0"), variant),
        );
        root.dpkg_owns("scap-api1-probe", &[&o]);
        let root_arg = root.dir.to_str().unwrap();
        let (judged, env) = match kernel {
            Kernel::Running => (running.as_str(), None),
            Kernel::Arg(k) => (k, None),
            Kernel::Env(k) => (k, Some(("SCAP_COMPAT_KERNEL", k))),
        };
        let mut args = vec!["--root", root_arg, "check", "--api", "1.0.0"];
        if let Kernel::Arg(k) = kernel {
            args.extend(["--kernel", k]);
        }
        args.extend(["--consumer", "sysdig"]);
        let env: Vec<(&str, &str)> = env.into_iter().collect();
        let expected = format!(
            "scap-compat: {}",
            summary
                .replace("{P}", o.to_str().unwrap())
                .replace("{K}", judged)
        );

        let ran = scap_compat_with_env(&args, &env);
        let last = ran.stdout.lines().last().unwrap_or("");
        if ran.code != exit || last != expected || !ran.stderr.is_empty() {
            failures.push(format!(
                "{min_kernel:?} {kernel:?}: exit {} (not {exit}), last line\n  {last}\nnot\n  {expected}\n{}{}",
                ran.code, ran.stdout, ran.stderr
            ));
            continue;
        }
        let ran = scap_compat_with_env(&[&args[..], &["--json"]].concat(), &env);
        let json = ran.json();
        let probe_entry = &json["drivers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == "probe")
            .unwrap();
        let min_json = match min_kernel {
            Some(min) if min != "short" => serde_json::Value::from(min),
            _ => serde_json::Value::Null,
        };
        if ran.code != exit || probe_entry["min_kernel"] != min_json || json["kernel"] != judged {
            failures.push(format!(
                "{min_kernel:?} {kernel:?} --json: exit {}, min_kernel {}, kernel {}, not {exit}, \
                 {min_json}, {judged}",
                ran.code, probe_entry["min_kernel"], json["kernel"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        MIN_KERNEL_CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn root_from_the_environment() {
    let root = Root::new("env-root");
    root.dkms_install("1.0.0", &module("1.0.0", "1.0.0"));
    root.modules_dep(&["updates/dkms/scap.ko"]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scap-compat"))
        .env("SCAP_COMPAT_ROOT", &root.dir)
        .args(["check", "--api", "1.0.0", "--kernel", &root.kernel])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// SCAP_COMPAT_KERNEL is --kernel: what a consumer's postinst checks when
/// it is installed into a chroot or image for another kernel.
#[test]
fn kernel_from_the_environment() {
    let root = Root::new("env-kernel");
    root.dkms_install("1.0.0", &module("1.0.0", "1.0.0"));
    root.modules_dep(&["updates/dkms/scap.ko"]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scap-compat"))
        .env("SCAP_COMPAT_ROOT", &root.dir)
        .env("SCAP_COMPAT_KERNEL", &root.kernel)
        .args(["check", "--api", "1.1.0"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(20), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "installed module: {}/lib/modules/{}/updates/dkms/scap.ko [incompatible]",
            root.dir.display(),
            root.kernel
        )),
        "{stdout}"
    );
    if common::running_release() != root.kernel {
        assert!(
            stdout.contains(&format!(
                "the loaded module was not checked: kernel {} is not the running kernel",
                root.kernel
            )),
            "{stdout}"
        );
    }
}

#[test]
fn status_shows_sources_and_states() {
    let root = Root::new("status");
    let kernel = root.kernel.clone();
    root.dkms_install("1.0.0", &module("1.0.0", "1.0.0"));
    let prebuilt = common::compress(
        &module("1.3.2", "1.2.0"),
        &root.path(&format!("lib/modules/{kernel}/extra")),
        "zstd",
    );
    root.dpkg_owns(&format!("scap-api1-modules-{kernel}"), &[&prebuilt]);
    root.modules_dep(&["updates/dkms/scap.ko"]);
    // DKMS built 1.3.2 for an older kernel but did not install it.
    let old_build = root.path("var/lib/dkms/scap/1.3.2/5.10.0-30-amd64/x86_64/module");
    fs::create_dir_all(&old_build).unwrap();
    fs::copy(module("1.3.2", "1.2.0"), old_build.join("scap.ko")).unwrap();
    // Probes with a min_kernel section, without one (from before it), and
    // with sections of the wrong size.
    let o = root.put(
        "usr/lib/scap/probe/scap_probe-1.0.0.o",
        &probe(
            code("1.0.0"),
            code("1.0.0"),
            ProbeVariant::MinKernel(code("5.10.0")),
        ),
    );
    root.dpkg_owns("scap-api1-probe", &[&o]);
    root.put(
        "usr/lib/scap/probe/scap_probe-0.9.0.o",
        &probe(code("0.9.0"), code("0.9.0"), ProbeVariant::Good),
    );
    root.put(
        "usr/lib/scap/probe/scap_probe-1.1.0.o",
        &probe(1, 1, ProbeVariant::ShortSections),
    );
    root.put(
        "usr/lib/scap/probe/scap_probe-1.2.0.o",
        &probe(code("1.2.0"), code("1.0.0"), ProbeVariant::ShortMinKernel),
    );

    let root_arg = root.dir.to_str().unwrap();
    let ran = scap_compat(&["--root", root_arg, "status", "--kernel", &kernel]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    // Stable across machines: the running kernel is whatever the host runs.
    let text: Vec<String> = ran
        .stdout
        .lines()
        .filter(|l| !l.starts_with("running kernel: "))
        .map(|l| {
            l.replace(root_arg, "[ROOT]")
                .replace(&kernel, "[K]")
                .replace(" (running):", ":")
        })
        .collect();
    let text = text.join("\n");
    insta::assert_snapshot!("status_human", text);

    let ran = scap_compat(&["--root", root_arg, "status", "--kernel", &kernel, "--json"]);
    let json = ran.json();
    assert_eq!(json["loaded"]["state"], "absent");
    let modules = json["kernels"][0]["modules"].as_array().unwrap();
    assert_eq!(modules.len(), 2);
    assert_eq!(
        modules[0]["origin"],
        serde_json::json!({"by": "dkms", "module": "scap", "version": "1.0.0"})
    );
    assert_eq!(modules[1]["versions"]["api"], "1.3.2");
    assert_eq!(json["dkms"][1]["builds"][0]["installed"], false);
    assert_eq!(json["dkms"][0]["builds"][0]["installed"], true);
    let probes = json["probes"].as_array().unwrap();
    assert_eq!(probes.len(), 4);
    assert_eq!(
        probes[0]["versions"],
        serde_json::json!({"api": "0.9.0", "schema": "0.9.0", "min_kernel": null})
    );
    assert_eq!(
        probes[1]["versions"],
        serde_json::json!({"api": "1.0.0", "schema": "1.0.0", "min_kernel": "5.10.0"})
    );
    assert!(probes[2]["error"]
        .as_str()
        .unwrap()
        .contains("section api_version has 4 bytes, expected 8"));
    assert!(probes[3]["versions"].is_null());
    assert!(probes[3]["error"]
        .as_str()
        .unwrap()
        .contains("section min_kernel has 4 bytes, expected 8"));

    // Without --kernel: every kernel under /lib/modules, plus the running one.
    let ran = scap_compat(&["--root", root_arg, "status"]);
    assert!(
        ran.stdout.contains(&format!("kernel {kernel}")),
        "{}",
        ran.stdout
    );
    let running = common::running_release();
    assert!(
        ran.stdout.contains(&format!("kernel {running}")),
        "{}",
        ran.stdout
    );
}
