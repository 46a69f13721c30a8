//! The packages installed for real in a Debian 12 chroot (debootstrap,
//! cached as a tarball by tests/chroot/bookworm-tarball) with kernel headers
//! and dkms: the .debs with apt and dpkg from a local apt repository, then
//! the .rpms with rpm, running their scriptlets. One chroot, reused across
//! the steps of one test.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

struct Chroot {
    root: PathBuf,
}

impl Chroot {
    /// Unpacks the cached chroot afresh and mounts its /proc.
    fn unpack(name: &str) -> Self {
        for tool in ["debootstrap", "tar", "chroot", "mount", "dpkg-scanpackages"] {
            require_tool(tool);
        }
        let uid = run(Command::new("id").arg("-u"));
        assert_eq!(
            uid.trim(),
            "0",
            "the chroot test mounts /proc and runs chroot: run it (tests/run) as root"
        );
        let tarball = run(&mut Command::new(
            repo_root().join("tests/chroot/bookworm-tarball"),
        ));
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        unmount_below(&root);
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        run(Command::new("tar")
            .arg("-C")
            .arg(&root)
            .arg("-xzf")
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

    let chroot = Chroot::unpack("chroot-root");
    let kernel = chroot.ok("cd /lib/modules && ls -d */build/include | cut -d/ -f1");
    let kernel = kernel.trim();
    assert_eq!(
        kernel, host_kernel,
        "the chroot's one kernel is the one the prebuilt module was built for"
    );
    chroot.publish(&[dkms_v1.clone(), modules_v1.clone()]);

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

    // sysdig's Recommends: falcosecurity-scap-dkms is satisfied by ours.
    let out = chroot.ok("apt-get install -y sysdig");
    assert!(
        !out.contains("falcosecurity-scap-dkms"),
        "apt mentions the old driver:\n{out}"
    );
    assert!(chroot
        .fails("dpkg -s falcosecurity-scap-dkms")
        .contains("is not installed"));
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
