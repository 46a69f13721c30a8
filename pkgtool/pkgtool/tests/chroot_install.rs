//! The packages installed for real in debootstrap chroots (cached as
//! tarballs by tests/chroot/suite-tarball) with kernel headers and dkms:
//! in Debian 12's, the .debs with apt and dpkg from a local apt repository,
//! then the .rpms with rpm, running their scriptlets; in bullseye's (dkms
//! 2.8), trixie's and sid's, the DKMS package's install, upgrades and
//! removal with apt, for each suite's own kernel. One chroot per test,
//! reused across its steps.

#![cfg(feature = "system-tests")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

struct Chroot {
    root: PathBuf,
}

impl Chroot {
    /// Unpacks the cached chroot of a Debian suite afresh and mounts its
    /// /proc.
    fn unpack(name: &str, suite: &str) -> Self {
        for tool in [
            "debootstrap",
            "tar",
            "chroot",
            "mount",
            "flock",
            "zstd",
            "dpkg-scanpackages",
        ] {
            require_tool(tool);
        }
        let uid = run(Command::new("id").arg("-u"));
        assert_eq!(
            uid.trim(),
            "0",
            "the chroot test mounts /proc and runs chroot: run it (tests/run) as root"
        );
        let tarball = run(Command::new(repo_root().join("tests/chroot/suite-tarball")).arg(suite));
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        unmount_below(&root);
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        run(Command::new("tar")
            .arg("-C")
            .arg(&root)
            .args(["-I", "zstd", "-xf"])
            .arg(tarball.trim()));
        run(Command::new("mount")
            .args(["-t", "proc", "proc"])
            .arg(root.join("proc")));
        Self { root }
    }

    fn sh(&self, script: &str) -> Output {
        Command::new("chroot")
            .arg(&self.root)
            .args(["/bin/sh", "-ec", script])
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap()
    }

    /// Runs a script that must succeed; returns stdout and stderr.
    fn ok(&self, script: &str) -> String {
        let out = self.sh(script);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "in the chroot: {script}\nfailed ({}):\n{text}",
            out.status
        );
        text
    }

    /// Runs a script that must fail; returns stdout and stderr.
    fn fails(&self, script: &str) -> String {
        let out = self.sh(script);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !out.status.success(),
            "in the chroot: {script}\nsucceeded:\n{text}"
        );
        text
    }

    /// Puts .debs into the chroot's local repository and refreshes it.
    fn publish(&self, debs: &[PathBuf]) {
        let repo = self.root.join("srv/scap-repo");
        std::fs::create_dir_all(&repo).unwrap();
        for deb in debs {
            std::fs::copy(deb, repo.join(deb.file_name().unwrap())).unwrap();
        }
        let packages = run(Command::new("dpkg-scanpackages")
            .args(["--multiversion", "."])
            .current_dir(&repo));
        std::fs::write(repo.join("Packages"), packages).unwrap();
        std::fs::write(
            self.root.join("etc/apt/sources.list.d/scap.list"),
            "deb [trusted=yes] file:/srv/scap-repo ./\n",
        )
        .unwrap();
        // Only the local repository: the Debian lists came with the tarball.
        self.ok(
            "apt-get update -qq -o Dir::Etc::SourceList=/etc/apt/sources.list.d/scap.list \
                 -o Dir::Etc::SourceParts=- -o APT::Get::List-Cleanup=0",
        );
    }

    /// dpkg knows of no half-installed or half-configured package.
    fn assert_consistent(&self) {
        let audit = self.ok("dpkg --audit");
        assert!(audit.trim().is_empty(), "dpkg --audit:\n{audit}");
    }
}

impl Drop for Chroot {
    /// Unmounts; removes the chroot unless the test failed (then it is
    /// left for a look).
    fn drop(&mut self) {
        unmount_below(&self.root);
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// Unmounts whatever is mounted under `dir` (a previous run's /proc).
fn unmount_below(dir: &Path) {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    for line in mounts.lines() {
        if let Some(point) = line.split(' ').nth(1) {
            if Path::new(point).starts_with(dir) {
                let _ = Command::new("umount").arg(point).status();
            }
        }
    }
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    assert!(
        !mounts.contains(&format!(" {}/", dir.display())),
        "still mounted below {}; unmount it by hand",
        dir.display()
    );
}

fn only(debs: &[PathBuf], prefix: &str) -> PathBuf {
    let found: Vec<_> = debs
        .iter()
        .filter(|d| d.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    assert_eq!(found.len(), 1, "{prefix} in {debs:?}");
    found[0].clone()
}

/// A consumer package as its maintainer would build it with the README's
/// advice: its postinst is `pkgtool consumer-snippet`'s fragment, it
/// depends on scap-compat and recommends a driver of its API.
fn demo_consumer(dir: &Path, version: &str, api: &str) -> PathBuf {
    let snippet = Command::new(env!("CARGO_BIN_EXE_pkgtool"))
        .args(["consumer-snippet", "--api", api, "--name", "demo-consumer"])
        .output()
        .unwrap();
    assert!(snippet.status.success());
    let major = api.split('.').next().unwrap();
    let root = dir.join(format!("demo-consumer-{version}"));
    let debian = root.join("DEBIAN");
    std::fs::create_dir_all(&debian).unwrap();
    std::fs::write(
        debian.join("control"),
        format!(
            "Package: demo-consumer\nVersion: {version}\nArchitecture: all\n\
             Maintainer: scap tests <tests@example.org>\nDepends: scap-compat\n\
             Recommends: scap-driver-api-{major} (>= {api}) | scap-probe-api-{major} (>= {api})\n\
             Description: libscap consumer built for driver API {api}\n"
        ),
    )
    .unwrap();
    let postinst = debian.join("postinst");
    std::fs::write(
        &postinst,
        format!(
            "#!/bin/sh\nset -e\n\n{}\nexit 0\n",
            String::from_utf8(snippet.stdout).unwrap()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&postinst, std::fs::Permissions::from_mode(0o755)).unwrap();
    let deb = dir.join(format!("demo-consumer_{version}_all.deb"));
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-Zgzip", "--build"])
        .arg(&root)
        .arg(&deb));
    deb
}

/// With scap-api1-dkms 1.0.0 installed, consumers built for API 1.0.0,
/// 1.1.0 and 2.0.0 are installed with apt (pulling scap-compat): each
/// configures, and their postinst says whether the driver suits them and
/// what to install when not. The chroot runs the host's kernel, so the
/// consumers are installed as into an image for the chroot's kernel
/// (SCAP_COMPAT_KERNEL).
fn consumer_checks_the_driver(chroot: &Chroot, kernel: &str, debs: &[PathBuf]) {
    chroot.publish(debs);
    let ko = format!("/lib/modules/{kernel}/updates/dkms/scap.ko");
    let install = |version: &str| {
        let out = chroot.ok(&format!(
            "SCAP_COMPAT_KERNEL={kernel} apt-get install -y demo-consumer={version}"
        ));
        chroot.assert_consistent();
        chroot.ok(&format!(
            "dpkg -s demo-consumer | grep -qx 'Version: {version}' && \
             dpkg -s demo-consumer | grep -qx 'Status: install ok installed'"
        ));
        out
    };
    let has_line = |out: &str, line: &str| {
        assert!(
            out.lines().any(|l| l == line),
            "no line {line:?} in:\n{out}"
        );
    };

    // Built for 1.0.0: compatible, and scap-compat says so.
    let out = install("1.0");
    assert!(out.contains("Setting up scap-compat ("), "{out}");
    has_line(&out, &format!("installed module: {ko} [compatible]"));
    has_line(
        &out,
        "scap-compat: compatible: demo-consumer needs API 1.0.0; usable: installed module (API 1.0.0)",
    );
    assert!(
        !out.lines().any(|l| l.starts_with("demo-consumer: ")),
        "nothing to do, nothing said:\n{out}"
    );

    // Built for 1.1.0: the 1.0.0 driver lacks its minor; configured all the
    // same, and it says what to install.
    let out = install("1.1");
    has_line(&out, &format!("installed module: {ko} [incompatible]"));
    has_line(
        &out,
        &format!(
            "scap-compat: incompatible: demo-consumer needs API 1.1.0; installed module {ko}: \
             driver API version 1.0.0, required 1.1.0: the driver lacks the API additions of 1.1; \
             upgrade the driver to 1.1.0 or later; fix: apt-get install scap-api1-dkms \
             (or the prebuilt scap-api1-modules-{kernel})"
        ),
    );
    has_line(
        &out,
        "demo-consumer: the scap driver does not suit demo-consumer (see above); demo-consumer is installed but cannot capture until you install a compatible driver:",
    );
    has_line(
        &out,
        &format!("demo-consumer:   apt-get install scap-api1-dkms   (or scap-api1-modules-{kernel}, or the eBPF probe scap-api1-probe)"),
    );

    // Built for 2.0.0: another major, other packages to install.
    let out = install("2.0");
    has_line(&out, &format!("installed module: {ko} [incompatible]"));
    has_line(
        &out,
        &format!("demo-consumer:   apt-get install scap-api2-dkms   (or scap-api2-modules-{kernel}, or the eBPF probe scap-api2-probe)"),
    );
    // The driver was only looked at.
    assert_eq!(
        chroot.ok(&format!("modinfo -F api_version {ko}")).trim(),
        "1.0.0"
    );

    chroot.ok("apt-get purge -y demo-consumer scap-compat");
    chroot.assert_consistent();
}

#[test]
fn dkms_and_prebuilt_packages_install_upgrade_and_go_away_cleanly() {
    let dir = scratch("chroot-packages");
    let host_kernel = headers_release();
    let v1 = sources_with_api(&dir.join("v1"), "1.0.0");
    let v1_out = dir.join("v1/dist");
    pkgtool_build_ok(
        &v1,
        &[
            "--kind",
            "dkms,modules",
            "--kernel",
            &host_kernel,
            "--out",
            v1_out.to_str().unwrap(),
        ],
    );
    compat_packages(&dir.join("compat"), &["--format", "deb"]);
    let v11 = sources_with_api(&dir.join("v11"), "1.1.0");
    let v11_out = dir.join("v11/dist");
    pkgtool_build_ok(
        &v11,
        &["--kind", "dkms", "--out", v11_out.to_str().unwrap()],
    );
    // 1.2.0 does not compile: its upgrade must keep 1.1.0's working module.
    let v12 = sources_with_api(&dir.join("v12"), "1.2.0");
    std::fs::write(
        v12.join("main.c"),
        "#include <linux/module.h>\nthis does not compile;\n",
    )
    .unwrap();
    let v12_out = dir.join("v12/dist");
    pkgtool_build_ok(
        &v12,
        &["--kind", "dkms", "--out", v12_out.to_str().unwrap()],
    );
    let v1_debs = files_ending(&v1_out, ".deb");
    let dkms_v1 = only(&v1_debs, "scap-api1-dkms_1.0.0");
    let modules_v1 = only(&v1_debs, &format!("scap-api1-modules-{host_kernel}_"));
    let dkms_v11 = only(&files_ending(&v11_out, ".deb"), "scap-api1-dkms_1.1.0");
    let dkms_v12 = only(&files_ending(&v12_out, ".deb"), "scap-api1-dkms_1.2.0");
    let mut consumer_debs = vec![only(
        &files_ending(&dir.join("compat"), ".deb"),
        "scap-compat_",
    )];
    consumer_debs.extend(
        [("1.0", "1.0.0"), ("1.1", "1.1.0"), ("2.0", "2.0.0")]
            .iter()
            .map(|(version, api)| demo_consumer(&dir, version, api)),
    );

    let chroot = Chroot::unpack("chroot-root", "bookworm");
    let kernel = chroot.ok("cd /lib/modules && ls -d */build/include | cut -d/ -f1");
    let kernel = kernel.trim();
    assert_eq!(
        kernel, host_kernel,
        "the chroot's one kernel is the one the prebuilt module was built for"
    );
    chroot.publish(&[dkms_v1.clone(), modules_v1.clone()]);
    // Without ours, bookworm's sysdig takes Debian's driver, of its API 1:
    // apt prefers a real package to providers, and ours provide nothing of
    // that name (README, "Relations").
    let plan = chroot.ok("apt-get install -s sysdig");
    assert!(
        plan.contains("Inst falcosecurity-scap-dkms ") && !plan.contains("Inst scap-api"),
        "{plan}"
    );

    // apt-get install builds and installs scap.ko for the chroot's kernel.
    let out = chroot.ok("apt-get install -y scap-api1-dkms");
    assert!(
        out.contains(&format!(
            "scap-api1-dkms: scap.ko 1.0.0 installed for kernel {kernel}"
        )),
        "{out}"
    );
    let ko = format!("/lib/modules/{kernel}/updates/dkms/scap.ko");
    assert_eq!(
        chroot.ok(&format!("modinfo -F api_version {ko}")).trim(),
        "1.0.0"
    );
    let status = chroot.ok("dkms status scap");
    assert_eq!(
        status.trim(),
        format!("scap/1.0.0, {kernel}, x86_64: installed")
    );
    // Secure Boot: DKMS signed it with its MOK (README: enrol mok.pub).
    assert_eq!(
        chroot.ok(&format!("modinfo -F signer {ko}")).trim(),
        "DKMS module signing key"
    );
    chroot.ok("test -s /var/lib/dkms/mok.pub");
    chroot.assert_consistent();

    consumer_checks_the_driver(&chroot, kernel, &consumer_debs);

    // sysdig's Recommends: falcosecurity-scap-dkms conflicts with ours, so
    // apt keeps ours (of sysdig's API 1) and names what it left out.
    let out = chroot.ok("apt-get install -y sysdig");
    assert!(
        out.contains("Recommended packages:\n  falcosecurity-scap-dkms")
            && !out.contains("REMOVED"),
        "{out}"
    );
    assert!(chroot
        .fails("dpkg -s falcosecurity-scap-dkms")
        .contains("is not installed"));
    chroot.ok("dpkg -s scap-api1-dkms | grep -qx 'Status: install ok installed'");
    chroot.ok("dpkg -s sysdig | grep -qx 'Status: install ok installed'");
    // ... and the old driver would replace ours, never sit beside it.
    let plan = chroot.ok("apt-get install -s falcosecurity-scap-dkms");
    assert!(plan.contains("Remv scap-api1-dkms"), "{plan}");

    // A DKMS scap and a prebuilt scap for the same kernel exclude each other.
    let out = chroot.fails(&format!(
        "dpkg -i /srv/scap-repo/{}",
        modules_v1.file_name().unwrap().to_string_lossy()
    ));
    assert!(out.contains("conflicts with"), "{out}");
    chroot.assert_consistent();

    // Kernels that cannot have the module: one line each, the package
    // configures all the same.
    chroot.ok(&format!(
        "mkdir -p /lib/modules/6.1.0-99-amd64 /lib/modules/4.19.0-9-amd64 && touch /boot/vmlinuz-6.1.0-99-amd64 && \
         ln -s /lib/modules/{kernel}/build /lib/modules/4.19.0-9-amd64/build"
    ));

    // Upgrade to 1.1.0: rebuilt, and 1.0.0 removed.
    chroot.publish(&[dkms_v11]);
    let out = chroot.ok("apt-get install -y scap-api1-dkms");
    assert!(
        out.contains(&format!("scap.ko 1.1.0 installed for kernel {kernel}")),
        "{out}"
    );
    let skipped: Vec<&str> = out.lines().filter(|l| l.contains("skipped")).collect();
    assert_eq!(skipped.len(), 2, "{out}");
    assert!(
        skipped.iter().any(|l| l.contains("kernel 6.1.0-99-amd64 skipped: its headers are not installed; install linux-headers-6.1.0-99-amd64")),
        "{out}"
    );
    assert!(
        skipped.iter().any(|l| l.contains(&format!(
            "kernel 4.19.0-9-amd64 skipped: scap 1.1.0 supports kernels {}",
            scap_driver_api::SUPPORTED_KERNELS
        ))),
        "{out}"
    );
    chroot.assert_consistent();
    assert_eq!(
        chroot.ok(&format!("modinfo -F api_version {ko}")).trim(),
        "1.1.0"
    );
    let status = chroot.ok("dkms status scap");
    assert_eq!(
        status.trim(),
        format!("scap/1.1.0, {kernel}, x86_64: installed")
    );
    chroot.ok("test ! -e /usr/src/scap-1.0.0 && test ! -e /var/lib/dkms/scap/1.0.0");
    chroot.ok("rm -r /lib/modules/6.1.0-99-amd64 /lib/modules/4.19.0-9-amd64 /boot/vmlinuz-6.1.0-99-amd64");

    // Upgrade to 1.2.0, which fails to build: one line, the package
    // configures, and 1.1.0 stays the kernel's installed module.
    chroot.publish(&[dkms_v12]);
    let out = chroot.ok("apt-get install -y scap-api1-dkms");
    assert!(
        out.contains(&format!(
            "scap-api1-dkms: building scap 1.2.0 for kernel {kernel} failed"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "scap-api1-dkms: kept scap 1.1.0 for kernel {kernel}, still its working module"
        )),
        "{out}"
    );
    chroot.assert_consistent();
    chroot.ok("dpkg -s scap-api1-dkms | grep -qx 'Version: 1.2.0'");
    assert_eq!(
        chroot.ok(&format!("modinfo -F api_version {ko}")).trim(),
        "1.1.0"
    );
    let status = chroot.ok("dkms status scap");
    assert!(
        status.contains(&format!("scap/1.1.0, {kernel}, x86_64: installed")),
        "{status}"
    );
    assert!(status.contains("scap/1.2.0: added"), "{status}");

    // A version of scap that DKMS knows and no package of ours owns (added
    // by hand): removing ours must leave it alone.
    chroot.ok(
        "mkdir -p /usr/src/scap-0.9.0 && \
         printf 'PACKAGE_NAME=scap\\nPACKAGE_VERSION=0.9.0\\nBUILT_MODULE_NAME[0]=scap\\nDEST_MODULE_LOCATION[0]=/updates\\n' >/usr/src/scap-0.9.0/dkms.conf && \
         dkms add scap/0.9.0",
    );

    // Remove, purge: no file, no DKMS state (also none of the kept 1.1.0),
    // and the other version untouched.
    chroot.ok("apt-get remove -y scap-api1-dkms");
    assert_eq!(chroot.ok("dkms status scap").trim(), "scap/0.9.0: added");
    chroot.ok("test -e /usr/src/scap-0.9.0/dkms.conf && test ! -e /usr/src/scap-1.2.0");
    chroot.ok("dkms remove scap/0.9.0 --all && rm -r /usr/src/scap-0.9.0");
    chroot.ok("test -z \"$(dkms status scap)\" && test ! -e /var/lib/dkms/scap");
    chroot.ok(&format!("test ! -e {ko}"));
    chroot.ok("apt-get purge -y scap-api1-dkms");
    let left = chroot.ok("find / -xdev \\( -name 'scap.ko*' -o -name 'scap-1.*' -o -name 'scap-api1-dkms*' \\) -not -path '/srv/*' -print");
    assert!(left.trim().is_empty(), "left behind:\n{left}");
    assert!(chroot
        .fails("dpkg -s scap-api1-dkms")
        .contains("is not installed"));
    chroot.assert_consistent();

    // /etc/dkms/no-autoinstall: the package installs and says how to build,
    // DKMS builds nothing.
    chroot.ok("mkdir -p /etc/dkms && touch /etc/dkms/no-autoinstall");
    let out = chroot.ok("apt-get install -y scap-api1-dkms");
    assert!(
        out.contains("scap-api1-dkms: /etc/dkms/no-autoinstall exists, not building; build with: dkms install scap/1.2.0 -k <kernel release>"),
        "{out}"
    );
    chroot.assert_consistent();
    chroot.ok("test -z \"$(dkms status scap)\"");
    chroot.ok(&format!("test ! -e {ko}"));
    chroot.ok("apt-get purge -y scap-api1-dkms && rm /etc/dkms/no-autoinstall");
    chroot.ok("test ! -e /var/lib/dkms/scap && test ! -e /usr/src/scap-1.2.0");

    // The prebuilt package: depmod finds its module; it excludes DKMS scap.
    chroot.ok(&format!(
        "apt-get install -y scap-api1-modules-{host_kernel}"
    ));
    let dep = chroot.ok(&format!("cat /lib/modules/{host_kernel}/modules.dep"));
    assert!(dep.lines().any(|l| l == "updates/scap/scap.ko:"), "{dep}");
    let found = chroot.ok(&format!("modinfo -k {host_kernel} -F filename scap"));
    assert_eq!(
        found.trim(),
        format!("/lib/modules/{host_kernel}/updates/scap/scap.ko")
    );
    let out = chroot.fails(&format!(
        "dpkg -i /srv/scap-repo/{}",
        dkms_v1.file_name().unwrap().to_string_lossy()
    ));
    assert!(out.contains("conflicts with"), "{out}");
    // A consumer recommending the old DKMS driver does not displace the
    // prebuilt module.
    chroot.ok("apt-get remove -y sysdig");
    let plan = chroot.ok("apt-get install -s sysdig");
    assert!(plan.contains("Inst sysdig"), "{plan}");
    assert!(
        !plan.contains("Remv") && !plan.contains("Inst falcosecurity-scap-dkms"),
        "{plan}"
    );
    chroot.assert_consistent();
    chroot.ok(&format!("apt-get purge -y scap-api1-modules-{host_kernel}"));
    chroot.ok(&format!(
        "test ! -e /lib/modules/{host_kernel}/updates/scap"
    ));
    let dep = chroot.ok(&format!(
        "cat /lib/modules/{host_kernel}/modules.dep 2>/dev/null || true"
    ));
    assert!(!dep.contains("scap"), "{dep}");
    chroot.assert_consistent();

    // The same packages as .rpm, with rpm itself in the chroot: the
    // scriptlets run for real (--nodeps: no rpm database of the Debian
    // packages they need).
    let rpms: Vec<PathBuf> = [&v1_out, &v11_out, &v12_out]
        .iter()
        .flat_map(|dir| files_ending(dir, ".rpm"))
        .collect();
    let rpm_dir = chroot.root.join("srv/rpms");
    std::fs::create_dir_all(&rpm_dir).unwrap();
    for rpm in &rpms {
        std::fs::copy(rpm, rpm_dir.join(rpm.file_name().unwrap())).unwrap();
    }
    let out = chroot.ok("rpm -i --nodeps /srv/rpms/scap-api1-dkms-1.0.0-1.noarch.rpm");
    assert!(
        out.contains(&format!("scap.ko 1.0.0 installed for kernel {kernel}")),
        "{out}"
    );
    assert_eq!(
        chroot.ok(&format!("modinfo -F api_version {ko}")).trim(),
        "1.0.0"
    );
    // Upgrade: the new %post builds 1.1.0, the old %preun drops 1.0.0.
    let out = chroot.ok("rpm -U --nodeps /srv/rpms/scap-api1-dkms-1.1.0-1.noarch.rpm");
    assert!(
        out.contains(&format!("scap.ko 1.1.0 installed for kernel {kernel}")),
        "{out}"
    );
    assert_eq!(
        chroot.ok(&format!("modinfo -F api_version {ko}")).trim(),
        "1.1.0"
    );
    let status = chroot.ok("dkms status scap");
    assert_eq!(
        status.trim(),
        format!("scap/1.1.0, {kernel}, x86_64: installed")
    );
    chroot.ok("test ! -e /usr/src/scap-1.0.0 && test ! -e /var/lib/dkms/scap/1.0.0");
    // Upgrade to the version that does not build: 1.1.0 stays.
    let out = chroot.ok("rpm -U --nodeps /srv/rpms/scap-api1-dkms-1.2.0-1.noarch.rpm");
    assert!(
        out.contains(&format!("building scap 1.2.0 for kernel {kernel} failed")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "kept scap 1.1.0 for kernel {kernel}, still its working module"
        )),
        "{out}"
    );
    assert_eq!(
        chroot.ok(&format!("modinfo -F api_version {ko}")).trim(),
        "1.1.0"
    );
    chroot.ok("rpm -e --nodeps scap-api1-dkms");
    chroot.ok("test -z \"$(dkms status scap)\" && test ! -e /var/lib/dkms/scap && test ! -e /usr/src/scap-1.2.0");
    chroot.ok(&format!("test ! -e {ko}"));

    // The kmod: depmod indexes its module, and again once it is erased.
    chroot.ok(&format!(
        "rpm -i --nodeps /srv/rpms/kmod-scap-api1-{host_kernel}-1.0.0-1.x86_64.rpm"
    ));
    let dep = chroot.ok(&format!("cat /lib/modules/{host_kernel}/modules.dep"));
    assert!(dep.lines().any(|l| l == "extra/scap/scap.ko:"), "{dep}");
    chroot.ok(&format!("rpm -e --nodeps kmod-scap-api1-{host_kernel}"));
    let dep = chroot.ok(&format!("cat /lib/modules/{host_kernel}/modules.dep"));
    assert!(!dep.contains("scap"), "{dep}");
    chroot.ok(&format!("test ! -e /lib/modules/{host_kernel}/extra/scap"));
}

/// A Debian suite whose own dkms and kernel the DKMS package is tested on.
struct Suite {
    name: &'static str,
    /// The series its linux-headers-amd64 is of, as a release prefix.
    series: &'static str,
    /// dkms 3.x writes `scap/1.0.0, K, x86_64: installed`, 2.x
    /// `scap, 1.0.0, K, x86_64: installed`.
    dkms3: bool,
    /// dkms 3.x signs modules with its MOK; Debian's 2.8 does not.
    signs: bool,
}

/// One repository suite for bookworm holding both majors (ours of API 1
/// with `--transitional` for bookworm's falcosecurity-scap-dkms release,
/// and an API-8 DKMS package): bookworm's sysdig, installed with apt for
/// real, takes our API-1 driver through the transitional package, DKMS
/// builds it for the chroot's kernel, and nothing of API 8 comes.
#[test]
fn bookworms_sysdig_takes_our_api_1_driver_from_a_repository_of_both_majors() {
    let dir = scratch("chroot-transitional");
    let chroot = Chroot::unpack("chroot-transitional-root", "bookworm");
    let debian = chroot
        .ok("apt-cache show --no-all-versions falcosecurity-scap-dkms | sed -n 's/^Version: //p'");
    // Debian's upstream version: without the revision.
    let release = debian.trim().rsplit_once('-').unwrap().0.to_string();
    let api1 = dir.join("api1");
    pkgtool_build_ok(
        &sources_with_api(&dir.join("v1"), "1.0.0"),
        &[
            "--kind",
            "dkms",
            "--format",
            "deb",
            "--transitional",
            &release,
            "--out",
            api1.to_str().unwrap(),
        ],
    );
    let api8 = dir.join("api8");
    pkgtool_build_ok(
        &sources_with_api(&dir.join("v8"), "8.0.0"),
        &[
            "--kind",
            "dkms",
            "--format",
            "deb",
            "--out",
            api8.to_str().unwrap(),
        ],
    );
    let mut debs = files_ending(&api1, ".deb");
    debs.extend(files_ending(&api8, ".deb"));
    assert_eq!(debs.len(), 3, "{debs:?}");
    assert_lintian_clean(&debs);
    chroot.publish(&debs);

    let out = chroot.ok("apt-get install -y sysdig");
    let installed = chroot.ok(
        "dpkg-query -W -f '${Package} ${Version} ${Status}\\n' 'scap-*' falcosecurity-scap-dkms | grep ' ok installed$'",
    );
    assert_eq!(
        installed.lines().collect::<Vec<_>>(),
        [
            format!("falcosecurity-scap-dkms {release}+api1 install ok installed"),
            "scap-api1-dkms 1.0.0 install ok installed".to_string(),
        ],
        "apt-get install sysdig:\n{out}"
    );
    let kernel = chroot.ok("cd /lib/modules && ls -d */build/include | cut -d/ -f1");
    let api = chroot.ok(&format!(
        "modinfo -F api_version \"$(find /lib/modules/{} -name 'scap.ko*')\"",
        kernel.trim()
    ));
    assert_eq!(api.trim(), "1.0.0");
    chroot.assert_consistent();
}

/// scap-api1-dkms 1.0.0, 1.1.0 and 1.2.0 (which does not compile), built
/// once for every suite's test.
fn suite_debs() -> &'static [PathBuf; 3] {
    static DEBS: std::sync::OnceLock<[PathBuf; 3]> = std::sync::OnceLock::new();
    DEBS.get_or_init(|| {
        let dir = scratch("chroot-suites-debs");
        ["1.0.0", "1.1.0", "1.2.0"].map(|api| {
            let src = sources_with_api(&dir.join(api), api);
            if api == "1.2.0" {
                std::fs::write(
                    src.join("main.c"),
                    "#include <linux/module.h>\nthis does not compile;\n",
                )
                .unwrap();
            }
            let out = dir.join(api).join("dist");
            pkgtool_build_ok(
                &src,
                &[
                    "--kind",
                    "dkms",
                    "--format",
                    "deb",
                    "--out",
                    out.to_str().unwrap(),
                ],
            );
            only(
                &files_ending(&out, ".deb"),
                &format!("scap-api1-dkms_{api}"),
            )
        })
    })
}

/// In the suite's chroot, with its own dkms and newest kernel: apt-get
/// installs scap-api1-dkms, DKMS builds and installs scap.ko for that
/// kernel (and skips, with one line, a kernel outside the supported range);
/// an upgrade replaces the module and drops the old version; an upgrade to
/// a version that does not build keeps the working module; remove and
/// purge leave no module, no DKMS state, no file. dpkg stays consistent
/// throughout.
fn dkms_package_in(suite: &Suite) {
    let started = std::time::Instant::now();
    let [v100, v110, v120] = suite_debs();
    let chroot = Chroot::unpack(&format!("chroot-{}", suite.name), suite.name);
    if chroot
        .root
        .join("etc/apt/apt.conf.d/99scap-tests-valid-until")
        .exists()
    {
        eprintln!(
            "{}: the chroot's apt runs with -o Acquire::Check-Valid-Until=false (the suite's archive index had expired when it was made)",
            suite.name
        );
    }
    let kernel = chroot.ok("cd /lib/modules && ls -d */build/include | cut -d/ -f1");
    let kernel = kernel.trim();
    assert!(
        kernel.starts_with(suite.series) && !kernel.contains('\n'),
        "{}'s chroot has the headers of {kernel:?}, not one {}* kernel; delete its tarball in ~/.cache/scap-tests to rebuild it",
        suite.name,
        suite.series
    );
    let range = scap_driver_api::kernels::SUPPORTED_KERNELS;
    assert!(
        range.contains_release(kernel),
        "{}'s kernel {kernel} is outside SUPPORTED_KERNELS ({range}); the DKMS package must build for it: make driver-src build there and widen the range (pkgtool/scap-driver-api/src/kernels.rs)",
        suite.name
    );
    let dkms_line = |version: &str| {
        if suite.dkms3 {
            format!("scap/{version}, {kernel}, x86_64: installed")
        } else {
            format!("scap, {version}, {kernel}, x86_64: installed")
        }
    };
    let added_line = |version: &str| {
        if suite.dkms3 {
            format!("scap/{version}: added")
        } else {
            format!("scap, {version}: added")
        }
    };
    // The installed module's API version; where the kernel is installed
    // (modules.dep: trixie's headers pull the image, bullseye's dkms 2.8
    // runs depmod anyway, sid's 3.x skips it for a kernel with headers
    // only), it is the module modprobe loads.
    let installed_api = || {
        let file = chroot.ok(&format!("ls /lib/modules/{kernel}/updates/dkms/scap.ko*"));
        let file = file.trim().to_string();
        assert!(!file.contains('\n'), "one scap.ko: {file}");
        if chroot
            .sh(&format!("test -e /lib/modules/{kernel}/modules.dep"))
            .status
            .success()
        {
            assert_eq!(
                chroot
                    .ok(&format!("modinfo -k {kernel} -F filename scap"))
                    .trim(),
                file
            );
        }
        (
            chroot
                .ok(&format!("modinfo -F api_version {file}"))
                .trim()
                .to_string(),
            file,
        )
    };
    // A kernel outside the range (its headers are the suite's): one line.
    chroot.ok(&format!(
        "mkdir -p /lib/modules/4.19.0-9-amd64 && ln -s /lib/modules/{kernel}/build /lib/modules/4.19.0-9-amd64/build"
    ));
    let skip_line = |version: &str| {
        format!(
            "scap-api1-dkms: kernel 4.19.0-9-amd64 skipped: scap {version} supports kernels {range}; \
             boot one of those or install a scap-api1-dkms that supports 4.19.0-9-amd64"
        )
    };
    let has_line = |out: &str, line: &str| {
        assert!(
            out.lines().any(|l| l == line),
            "{}: no line {line:?} in:\n{out}",
            suite.name
        );
    };

    // Install: built and installed for the suite's kernel, signed where the
    // suite's dkms signs.
    chroot.publish(std::slice::from_ref(v100));
    let out = chroot.ok("apt-get install -y scap-api1-dkms");
    has_line(
        &out,
        &format!("scap-api1-dkms: scap.ko 1.0.0 installed for kernel {kernel}"),
    );
    has_line(&out, &skip_line("1.0.0"));
    let (api, ko) = installed_api();
    assert_eq!(api, "1.0.0");
    assert_eq!(chroot.ok("dkms status scap").trim(), dkms_line("1.0.0"));
    let signer = chroot.ok(&format!("modinfo -F signer {ko}"));
    if suite.signs {
        assert_eq!(signer.trim(), "DKMS module signing key");
        chroot.ok("test -s /var/lib/dkms/mok.pub");
    } else {
        assert_eq!(signer.trim(), "", "{}'s dkms does not sign", suite.name);
    }
    chroot.assert_consistent();

    // Upgrade to 1.1.0: rebuilt, 1.0.0 gone from DKMS and /usr/src.
    chroot.publish(std::slice::from_ref(v110));
    let out = chroot.ok("apt-get install -y scap-api1-dkms");
    has_line(
        &out,
        &format!("scap-api1-dkms: scap.ko 1.1.0 installed for kernel {kernel}"),
    );
    has_line(&out, &skip_line("1.1.0"));
    assert_eq!(installed_api().0, "1.1.0");
    assert_eq!(chroot.ok("dkms status scap").trim(), dkms_line("1.1.0"));
    chroot.ok("test ! -e /usr/src/scap-1.0.0 && test ! -e /var/lib/dkms/scap/1.0.0");
    chroot.ok("test ! -e /var/lib/scap-api1-dkms");
    chroot.assert_consistent();

    // Upgrade to 1.2.0, which does not build: one line, configured, and
    // 1.1.0 stays the kernel's module, its DKMS state on a kept copy of its
    // sources (dkms 3.1+ wants the source to be a link).
    chroot.publish(std::slice::from_ref(v120));
    let out = chroot.ok("apt-get install -y scap-api1-dkms");
    assert!(
        out.contains(&format!(
            "scap-api1-dkms: building scap 1.2.0 for kernel {kernel} failed"
        )),
        "{out}"
    );
    has_line(
        &out,
        &format!(
            "scap-api1-dkms: kept scap 1.1.0 for kernel {kernel}, still its working module; \
             it goes with this package, or run: dkms remove scap/1.1.0 -k {kernel}"
        ),
    );
    chroot.assert_consistent();
    chroot.ok("dpkg -s scap-api1-dkms | grep -qx 'Version: 1.2.0'");
    assert_eq!(installed_api().0, "1.1.0");
    assert_eq!(
        chroot.ok("dkms status scap").trim(),
        format!("{}\n{}", dkms_line("1.1.0"), added_line("1.2.0"))
    );
    assert_eq!(
        chroot.ok("readlink /var/lib/dkms/scap/1.1.0/source").trim(),
        "/var/lib/scap-api1-dkms/kept/1.1.0"
    );
    chroot.ok(
        "test ! -e /usr/src/scap-1.1.0 && test -s /var/lib/scap-api1-dkms/kept/1.1.0/dkms.conf",
    );

    // Remove, purge: no module (modprobe finds none), no DKMS state, no
    // file of the package, of the kept version or of DKMS's builds.
    chroot.ok("apt-get remove -y scap-api1-dkms");
    chroot.assert_consistent();
    chroot.ok("test -z \"$(dkms status scap)\" && test ! -e /var/lib/dkms/scap");
    chroot.ok(&format!(
        "test ! -e /lib/modules/{kernel}/modules.dep || ! grep -q scap /lib/modules/{kernel}/modules.dep"
    ));
    chroot.ok("apt-get purge -y scap-api1-dkms");
    let left = chroot.ok(
        "find / -xdev \\( -name 'scap.ko*' -o -name 'scap-1.*' -o -name 'scap-api1-dkms*' \\) \
         -not -path '/srv/*' -print",
    );
    assert!(left.trim().is_empty(), "left behind:\n{left}");
    assert!(chroot
        .fails("dpkg -s scap-api1-dkms")
        .contains("is not installed"));
    chroot.assert_consistent();
    eprintln!(
        "{}: DKMS package journey on {kernel} in {:.1} s",
        suite.name,
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn dkms_package_in_bullseye_with_dkms_2_8() {
    dkms_package_in(&Suite {
        name: "bullseye",
        series: "5.10.",
        dkms3: false,
        signs: false,
    });
}

#[test]
fn dkms_package_in_trixie() {
    dkms_package_in(&Suite {
        name: "trixie",
        series: "6.12.",
        dkms3: true,
        signs: true,
    });
}

#[test]
fn dkms_package_in_sid() {
    dkms_package_in(&Suite {
        name: "sid",
        series: "7.",
        dkms3: true,
        signs: true,
    });
}
