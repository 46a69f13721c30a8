//! The user's journey, booted (`scap-vm journey NAME`): the driver's
//! packages installed with apt into a Debian system (the package tests'
//! debootstrap chroot of the suite, with a kernel image installed by apt),
//! that system booted under qemu from a raw ext4 image of it, the driver
//! loaded the usual way (modprobe, or scap-probe for the probe), a
//! consumer capturing, an upgrade under a loaded driver, a reboot, removal
//! and purge.
//!
//! The steps are `tests/journey/steps.sh`; each reports like a guest test
//! (report.rs). The `host` phase runs in the chroot before the first boot
//! (a user installs, then boots); `boot1` and `boot2` run in two boots of
//! the same image, from `tests/journey/init` (no systemd: too slow under
//! TCG), which starts systemd-udevd first.
//!
//! What differs between journeys is a row of [`JOURNEYS`].

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use scap_driver_api::names::{FALCOSECURITY_DKMS, PROBE_DIR};
use scap_driver_api::DriverSource;

use crate::config::{Config, GuestKernel};
use crate::error::{missing_tool, Problem, Result};
use crate::report::{self, Report, TestResult};
use crate::{artefacts, cmd, kernel, qemu, Scratch};

/// The driver package a journey installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriverKind {
    /// `scap-apiN-dkms`: DKMS builds the module on the system.
    Dkms,
    /// `scap-apiN-modules-RELEASE`: the module prebuilt for the kernel.
    Modules,
    /// `scap-apiN-probe`: the eBPF probe object, which `scap-probe capture`
    /// loads for each capture (no module).
    Probe,
}

impl DriverKind {
    /// The kind's name in `pkgtool build --kind` and in steps.sh (KIND).
    pub fn name(self) -> &'static str {
        match self {
            DriverKind::Dkms => "dkms",
            DriverKind::Modules => "modules",
            DriverKind::Probe => "probe",
        }
    }

    /// The package's name for the driver's API and the kernel release.
    fn package(self, names: &scap_driver_api::Names, release: &str) -> String {
        match self {
            DriverKind::Dkms => names.dkms_package.clone(),
            DriverKind::Modules => format!("{}{release}", names.deb_modules_prefix),
            DriverKind::Probe => names.probe_package.clone(),
        }
    }

    /// Where the package puts the module, under /lib/modules/RELEASE (the
    /// probe package installs none: its object is in `PROBE_DIR`).
    fn module_dir(self) -> Option<&'static str> {
        match self {
            DriverKind::Dkms => Some("updates/dkms"),
            DriverKind::Modules => Some("updates/scap"),
            DriverKind::Probe => None,
        }
    }
}

/// The kernel a journey's system boots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelOf {
    /// The release the host's `linux-headers-amd64` points at (bookworm's).
    Host,
    /// The suite's newest kernel from its build root, as `scap-vm run
    /// --kernel-suite SUITE` boots it.
    Suite,
}

/// The driver sources a journey packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriverTree {
    /// This project's driver-src/ (and probe/).
    Ours,
    /// The falcosecurity-libs driver tree of the suite's
    /// `falcosecurity-scap-dkms` (its `usr/src/scap-*/`), fetched with the
    /// apt of the suite's build root into the tests' cache once.
    Upstream,
}

/// One journey: a suite, its kernel, the driver tree and package kind, the
/// consumer and the API it needs.
#[derive(Debug, Clone, Copy)]
pub struct Journey {
    /// The name `scap-vm journey NAME` takes.
    pub name: &'static str,
    /// The Debian suite of the system (tests/chroot/suite-tarball SUITE).
    pub suite: &'static str,
    pub kernel: KernelOf,
    pub tree: DriverTree,
    pub driver: DriverKind,
    /// The consumer package installed with the driver, and its program.
    pub consumer: &'static str,
    /// The API version the consumer needs (`scap-compat check --api`).
    pub consumer_api: &'static str,
    /// The module's signer (`modinfo -F signer`): the suite's DKMS key,
    /// empty when its dkms does not sign or for an unsigned module.
    pub signer: &'static str,
}

/// Every journey; adding a suite or a package kind is a row here (and, for
/// a new kind, its steps in steps.sh).
pub const JOURNEYS: &[Journey] = &[
    Journey {
        name: "bookworm",
        suite: "bookworm",
        kernel: KernelOf::Host,
        tree: DriverTree::Ours,
        driver: DriverKind::Dkms,
        consumer: "sysdig",
        consumer_api: "1.0.0",
        signer: "DKMS module signing key",
    },
    Journey {
        name: "bookworm-prebuilt",
        suite: "bookworm",
        kernel: KernelOf::Host,
        tree: DriverTree::Ours,
        driver: DriverKind::Modules,
        consumer: "sysdig",
        consumer_api: "1.0.0",
        signer: "",
    },
    Journey {
        name: "bookworm-probe",
        suite: "bookworm",
        kernel: KernelOf::Host,
        tree: DriverTree::Ours,
        driver: DriverKind::Probe,
        consumer: "sysdig",
        consumer_api: "1.0.0",
        signer: "",
    },
    // sid's sysdig 0.41 needs API 8: falcosecurity-libs' driver (0.23.2,
    // API 8.0.4), prebuilt (a DKMS build of it under TCG takes too long).
    Journey {
        name: "sid",
        suite: "sid",
        kernel: KernelOf::Suite,
        tree: DriverTree::Upstream,
        driver: DriverKind::Modules,
        consumer: "sysdig",
        consumer_api: "8.0.0",
        signer: "",
    },
    // The same with DKMS (and the tree's transitional
    // falcosecurity-scap-dkms), run by hand: the upgrade's DKMS build in
    // the guest ran 20 min and failed on 2026-12-04 (tests/README.md).
    Journey {
        name: "sid-dkms",
        suite: "sid",
        kernel: KernelOf::Suite,
        tree: DriverTree::Upstream,
        driver: DriverKind::Dkms,
        consumer: "sysdig",
        consumer_api: "8.0.0",
        signer: "DKMS module signing key",
    },
];

impl Journey {
    /// The kernel to boot, as the VM harness names it.
    pub fn guest_kernel(&self) -> Result<GuestKernel> {
        match self.kernel {
            KernelOf::Host => Ok(GuestKernel::Headers),
            KernelOf::Suite => GuestKernel::from_suite(Some(self.suite)),
        }
    }
}

/// The phases and their steps, in order (steps.sh's `step_<name>`).
pub const PHASES: &[(&str, &[&str])] = &[
    ("host", &["install"]),
    (
        "boot1",
        &["boot", "load", "capture", "compat", "upgrade_live", "stale"],
    ),
    ("boot2", &["reboot_loaded", "remove_purge"]),
];

/// A boot runs a DKMS build under TCG (minutes); the whole VM limit.
const BOOT_TIMEOUT: Duration = Duration::from_secs(40 * 60);
/// Bump when what the cached base system holds changes.
const BASE_VERSION: &str = "v1";
/// The image's size (sparse): the chroot, the kernel, DKMS's builds.
const IMAGE_SIZE: &str = "6G";
const KNOWN_FILE: &str = "/tmp/scap-journey-file";
const GUEST_DIR: &str = "scap-journey";

/// What one journey phase reported.
#[derive(Debug)]
pub struct Phase {
    pub name: String,
    pub report: Report,
}

#[derive(Debug)]
pub struct JourneyRun {
    pub journey: Journey,
    pub kernel_release: String,
    pub phases: Vec<Phase>,
    pub elapsed: Duration,
    pub kept_scratch: Option<PathBuf>,
}

impl JourneyRun {
    pub fn all_passed(&self) -> bool {
        self.phases.len() == PHASES.len() && self.phases.iter().all(|p| p.report.all_passed())
    }

    /// Every step's failure with its output and, for a boot, the guest's
    /// console (where the steps also print) and dmesg.
    pub fn failures(&self) -> String {
        let mut text = String::new();
        for phase in &self.phases {
            let report = &phase.report;
            if report.all_passed() {
                continue;
            }
            for name in &report.expected {
                let outcome = report.outcome(name);
                if matches!(outcome, report::Outcome::Passed(_)) {
                    continue;
                }
                text.push_str(&format!("{}: {name}: {outcome}\n", phase.name));
                if let Some(log) = report.log(name) {
                    text.push_str(&format!("--- output of {name} ---\n{log}\n"));
                }
            }
            if phase.name != "host" {
                let lines: Vec<&str> = report.console.lines().collect();
                let tail = &lines[lines.len().saturating_sub(300)..];
                text.push_str(&format!(
                    "--- the guest's console ({}, last {} lines) ---\n{}\n",
                    phase.name,
                    tail.len(),
                    tail.join("\n")
                ));
                if let Some(dmesg) = &report.dmesg {
                    let lines: Vec<&str> = dmesg.lines().collect();
                    let tail = &lines[lines.len().saturating_sub(100)..];
                    text.push_str(&format!(
                        "--- guest dmesg (last {} lines) ---\n{}\n",
                        tail.len(),
                        tail.join("\n")
                    ));
                }
            }
        }
        if self.phases.len() < PHASES.len() {
            text.push_str("the journey stopped after a failed phase\n");
        }
        text
    }
}

pub fn find(name: &str) -> Result<Journey> {
    JOURNEYS
        .iter()
        .copied()
        .find(|j| j.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = JOURNEYS.iter().map(|j| j.name).collect();
            Problem::new(
                format!("the journey {name:?}"),
                "there is no journey of that name",
                format!("choose from {}", known.join(", ")),
            )
        })
}

/// Runs the journey; `on_step` hears of progress and of each step's result
/// as it comes.
pub fn run(
    config: &Config,
    journey: Journey,
    progress: &mut dyn FnMut(&str),
    on_result: &mut dyn FnMut(&str, &TestResult),
) -> Result<JourneyRun> {
    let started = Instant::now();
    require_root()?;
    let kernel = kernel::prepare(&config.cache_dir, &journey.guest_kernel()?, progress)?;
    let source = match journey.tree {
        DriverTree::Ours => DriverSource::read(&config.driver_src)?,
        DriverTree::Upstream => upstream_tree(config, journey, &kernel, progress)?,
    };
    let base = base_system(config, journey, &kernel, progress)?;
    let mut scratch = Scratch::create()?;
    scratch.keep = config.keep;
    let next_api = artefacts::other_api(source.api);
    progress(&format!(
        "building the packages of API {} and {next_api}",
        source.api
    ));
    let repos = build_packages(
        config,
        journey,
        &source,
        &next_api.to_string(),
        &kernel.release,
        &scratch.dir,
    )?;
    let root = scratch.dir.join("root");
    unpack(&base, &root)?;
    let module = source.module("scap");
    let names = scap_driver_api::Names::new(module, source.api);
    let env = format!(
        "KERNEL={release}\nMODULE={module}\nAPI={api}\nNEXT_API={next_api}\nPACKAGE={package}\n\
         CONSUMER_API={consumer_api}\n\
         KIND={kind}\nKO_DIR={ko_dir}\nPROBE_DIR={PROBE_DIR}\nMODULE_SIGNER='{signer}'\n\
         CONSUMER={consumer}\nKNOWN_FILE={KNOWN_FILE}\n",
        release = kernel.release,
        api = source.api,
        package = journey.driver.package(&names, &kernel.release),
        kind = journey.driver.name(),
        ko_dir = journey.driver.module_dir().unwrap_or_default(),
        signer = journey.signer,
        consumer = journey.consumer,
        consumer_api = journey.consumer_api,
    );
    install_journey_files(config, &root, &env, &repos)?;
    if journey.driver == DriverKind::Probe {
        install_loader(config, &root)?;
    }
    let mut phases = Vec::new();
    let run_phase = |name: &str, phase: Result<Report>, phases: &mut Vec<Phase>| -> Result<bool> {
        let report = phase?;
        let passed = report.all_passed();
        phases.push(Phase {
            name: name.to_string(),
            report,
        });
        Ok(passed)
    };

    progress(&format!(
        "host: apt-get install in the {} chroot",
        journey.suite
    ));
    let host = host_phase(&root, on_result);
    let go_on = run_phase("host", host, &mut phases)?;
    let initrd = scratch.dir.join("initrd.img");
    let image = scratch.dir.join("root.img");
    if go_on {
        fs::copy(
            root.join(format!("boot/initrd.img-{}", kernel.release)),
            &initrd,
        )
        .map_err(Problem::io(
            &initrd,
            "check that the kernel image installed",
        ))?;
        progress("making the root file system image (mkfs.ext4 -d)");
        cmd::run(
            Command::new("mkfs.ext4")
                .args(["-q", "-F", "-L", "scap-journey", "-d"])
                .arg(&root)
                .arg(&image)
                .arg(IMAGE_SIZE),
            "making the journey's root file system image",
            "install e2fsprogs 1.43 or later (mkfs.ext4 -d)",
        )?;
        let _ = fs::remove_dir_all(&root);
        for (name, steps) in &PHASES[1..] {
            progress(&format!(
                "{name}: booting {} ({})",
                kernel.release,
                steps.join(", ")
            ));
            let dir = scratch.dir.join(name);
            fs::create_dir_all(&dir)
                .map_err(Problem::io(&dir, "make the scratch directory writable"))?;
            let append = format!(
                "root=/dev/vda rw init=/{GUEST_DIR}/init scap_journey.phase={name} scap_journey.steps={}",
                steps.join(",")
            );
            let machine = qemu::Machine {
                vmlinux: &kernel.vmlinux,
                initrd: &initrd,
                disk: Some(&image),
                append: &append,
                cpus: 2,
                tcg: qemu::Tcg::ThreadPerCpu,
                icount: false,
                timeout: BOOT_TIMEOUT,
            };
            let boot = qemu::boot_machine(&machine, &dir, &mut |text| {
                for line in text.lines() {
                    if let Some(result) = report::parse_result_line(line) {
                        on_result(name, &result);
                    }
                }
            })
            .map(|boot| {
                let mut report = Report::parse(names_of(steps), &boot.results);
                report.console = boot.console;
                report.timed_out = boot.timed_out;
                report.elapsed = boot.elapsed;
                progress(&format!(
                    "{name}: {:.1} s{}",
                    boot.elapsed.as_secs_f64(),
                    if boot.timed_out { " (timed out)" } else { "" }
                ));
                report
            });
            if !run_phase(name, boot, &mut phases)? {
                break;
            }
        }
    }
    Ok(JourneyRun {
        journey,
        kernel_release: kernel.release,
        phases,
        elapsed: started.elapsed(),
        kept_scratch: config.keep.then(|| scratch.dir.clone()),
    })
}

fn names_of(steps: &[&str]) -> Vec<String> {
    steps.iter().map(|s| s.to_string()).collect()
}

fn require_root() -> Result<()> {
    let uid = cmd::stdout_of(Command::new("id").arg("-u"), "id -u", "run on a Linux host")?;
    if uid != "0" {
        return Err(Problem::new(
            "the journey",
            format!("needs root (it runs chroot, mounts /proc and makes a root file system), and uid is {uid}"),
            "run it as root",
        ));
    }
    Ok(())
}

/// The suite's package-test chroot with the kernel image installed by apt
/// (and udev and initramfs-tools, which it brings on a real system), cached
/// as a tarball.
fn base_system(
    config: &Config,
    journey: Journey,
    kernel: &kernel::Kernel,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf> {
    let tarball = config.cache_dir.join(format!(
        "journey-{}-{BASE_VERSION}-{}.tar.zst",
        journey.suite, kernel.release
    ));
    if tarball.is_file() {
        return Ok(tarball);
    }
    progress(&format!(
        "making the {} base system (once; cached as {})",
        journey.suite,
        tarball.display()
    ));
    let chroot = cmd::stdout_of(
        Command::new(config.repo_root.join("tests/chroot/suite-tarball")).arg(journey.suite),
        &format!("making the {} chroot", journey.suite),
        "see the message above",
    )?;
    let root = config.cache_dir.join(format!(
        "journey-build-{}-{}",
        journey.suite,
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&root);
    unpack(Path::new(&chroot), &root)?;
    // The image .deb the harness already fetched (or, since Debian split
    // the image, the linux-binary .deb holding the kernel): apt takes it
    // from its cache.
    let image_dir = kernel
        .vmlinux
        .parent()
        .expect("the vmlinux is in the kernel's cache directory");
    let package = format!("linux-image-{}", kernel.release);
    let binary = format!("linux-binary-{}", kernel.release);
    for deb in fs::read_dir(image_dir)
        .map_err(Problem::io(image_dir, "check the cache's permissions"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with(&format!("{package}_")) || n.starts_with(&format!("{binary}_"))
            })
        })
    {
        let to = root
            .join("var/cache/apt/archives")
            .join(deb.file_name().expect("a file"));
        fs::copy(&deb, &to).map_err(Problem::io(&to, "check the disk space"))?;
    }
    // A rolling suite's archive moves on: its index as of now. The
    // consumer's .debs stay in apt's cache (the system has no network).
    let suite: debian_suite::Suite = journey.suite.parse()?;
    let update = if suite.is_rolling() {
        "apt-get update -qq && "
    } else {
        ""
    };
    let installed = {
        let _proc = ProcMount::mount(&root)?;
        in_chroot(
            &root,
            &format!(
                "{update}apt-get install -y -q --no-install-recommends {package} udev initramfs-tools \
                 && apt-get install -y -q --download-only {consumer} {FALCOSECURITY_DKMS}",
                consumer = journey.consumer,
            ),
        )
    };
    if let Err(err) = installed {
        let _ = fs::remove_dir_all(&root);
        return Err(err);
    }
    // Another run may be making it too: each packs its own, the last rename wins.
    let tmp = tarball.with_extension(format!("tmp{}", std::process::id()));
    let packed = cmd::run(
        Command::new("tar")
            .arg("-C")
            .arg(&root)
            .args(["-I", "zstd -T0 -3", "-cf"])
            .arg(&tmp)
            .arg("."),
        "packing the base system",
        "check the disk space",
    );
    let _ = fs::remove_dir_all(&root);
    packed?;
    fs::rename(&tmp, &tarball).map_err(Problem::io(&tarball, "check the cache's permissions"))?;
    Ok(tarball)
}

fn unpack(tarball: &Path, root: &Path) -> Result<()> {
    fs::create_dir_all(root).map_err(Problem::io(root, "check the disk space"))?;
    cmd::run(
        Command::new("tar")
            .arg("-C")
            .arg(root)
            .args(["-I", "zstd", "-xf"])
            .arg(tarball),
        &format!("unpacking {}", tarball.display()),
        "delete the tarball so that it is made again",
    )?;
    Ok(())
}

fn in_chroot(root: &Path, script: &str) -> Result<String> {
    cmd::stdout_of(
        Command::new("chroot")
            .arg(root)
            .args(["/bin/sh", "-ec", script])
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .env("LC_ALL", "C.UTF-8"),
        &format!("in the chroot: {script}"),
        "see the output above",
    )
}

/// /proc mounted in a chroot, unmounted on every exit path.
struct ProcMount(PathBuf);

impl ProcMount {
    fn mount(root: &Path) -> Result<Self> {
        let point = root.join("proc");
        cmd::run(
            Command::new("mount")
                .args(["-t", "proc", "proc"])
                .arg(&point),
            "mounting /proc in the chroot",
            "run as root",
        )?;
        Ok(Self(point))
    }
}

impl Drop for ProcMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// The local repositories: the packages of this API (and scap-compat), and
/// of the next minor, which the upgrade step switches on.
struct Repos {
    current: PathBuf,
    next: PathBuf,
}

fn build_packages(
    config: &Config,
    journey: Journey,
    source: &DriverSource,
    next_api: &str,
    release: &str,
    scratch: &Path,
) -> Result<Repos> {
    let pkgtool = workspace_binary(&config.repo_root, "pkgtool")?;
    let current = scratch.join("repo");
    let kind = journey.driver.name();
    // The kernel's suite, where pkgtool builds a prebuilt module.
    let suite = (journey.kernel == KernelOf::Suite).then_some(journey.suite);
    // scap-compat is this project's, whichever tree the driver is.
    pkgtool_build(&pkgtool, &source.dir, kind, release, suite, &current)?;
    pkgtool_build(
        &pkgtool,
        &config.driver_src,
        "compat",
        release,
        suite,
        &current,
    )?;
    // The next minor: a copy of the sources declaring it.
    let copy = scratch.join("next");
    fs::create_dir_all(&copy).map_err(Problem::io(&copy, "check the disk space"))?;
    let mut trees = vec![source.dir.clone()];
    if journey.tree == DriverTree::Ours {
        trees.push(config.repo_root.join("probe"));
    }
    for tree in trees {
        cmd::run(
            Command::new("cp").arg("-a").arg(&tree).arg(&copy),
            "copying the driver sources",
            "check the disk space",
        )?;
    }
    let next_src = copy.join(source.dir.file_name().expect("a directory name"));
    declare_api(&next_src, source, next_api)?;
    let next = scratch.join("repo-next");
    pkgtool_build(&pkgtool, &next_src, kind, release, suite, &next)?;
    Ok(Repos { current, next })
}

/// Makes the copy of a tree declare the API `api`: our API_VERSION, or an
/// upstream tree's version defines in driver_config.h.
fn declare_api(dir: &Path, source: &DriverSource, api: &str) -> Result<()> {
    let Some(upstream) = &source.upstream else {
        let file = dir.join("API_VERSION");
        return fs::write(&file, format!("{api}\n"))
            .map_err(Problem::io(&file, "check the disk space"));
    };
    let file = dir.join(
        upstream
            .config
            .file_name()
            .expect("driver_config.h is a file"),
    );
    let text = fs::read_to_string(&file).map_err(Problem::io(&file, "check the copy"))?;
    let version: scap_driver_api::Version = api.parse().expect("a version");
    let mut replaced = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            for (part, value) in [
                ("MAJOR", version.major),
                ("MINOR", version.minor),
                ("PATCH", version.patch),
            ] {
                let name = format!("PPM_API_CURRENT_VERSION_{part}");
                if line
                    .split_whitespace()
                    .take(2)
                    .eq(["#define", name.as_str()])
                {
                    replaced += 1;
                    return format!("#define {name} {value}");
                }
            }
            line.to_string()
        })
        .collect();
    if replaced != 3 {
        return Err(Problem::at(
            &file,
            format!("{replaced} of the 3 PPM_API_CURRENT_VERSION_* defines found"),
            "check that the tree is a configured falcosecurity-libs driver",
        ));
    }
    fs::write(&file, lines.join("\n") + "\n").map_err(Problem::io(&file, "check the disk space"))
}

/// The suite's falcosecurity-scap-dkms, fetched with the apt of the
/// suite's build root into the tests' cache once, unpacked into the cache.
fn upstream_tree(
    config: &Config,
    journey: Journey,
    kernel: &kernel::Kernel,
    progress: &mut dyn FnMut(&str),
) -> Result<DriverSource> {
    let root = match &kernel.kbuild {
        kernel::Kbuild::Root(root) => root.clone(),
        kernel::Kbuild::Host(_) => {
            let suites = debian_suite::default_cache()?;
            let suite = journey.suite.parse()?;
            debian_suite::BuildRoot::open(&suites, &suite, progress)?
        }
    };
    let record = root.show(FALCOSECURITY_DKMS)?;
    let version = debian_suite::field(&record, "Version").ok_or_else(|| {
        Problem::new(
            format!("{}'s {FALCOSECURITY_DKMS}", journey.suite),
            "no Version",
            "check the suite's build root",
        )
    })?;
    let downloads = config.cache_dir.join("upstream-trees");
    fs::create_dir_all(&downloads).map_err(Problem::io(&downloads, "check the cache"))?;
    let deb = root.download(FALCOSECURITY_DKMS, &version, &downloads)?;
    let dir = config.cache_dir.join(format!(
        "journey-tree-{}",
        deb.file_stem().expect("a file").to_string_lossy()
    ));
    if !dir.join("usr/src").is_dir() {
        let tmp = dir.with_extension(format!("tmp{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        cmd::run(
            Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&tmp),
            &format!("unpacking {}", deb.display()),
            "delete it so that it is fetched again",
        )?;
        let _ = fs::remove_dir_all(&dir);
        fs::rename(&tmp, &dir).map_err(Problem::io(&dir, "check the cache's permissions"))?;
    }
    let src = dir.join("usr/src");
    let tree = fs::read_dir(&src)
        .map_err(Problem::io(&src, "delete it so that it is unpacked again"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.is_dir())
        .ok_or_else(|| Problem::at(&deb, "holds no usr/src/<tree>", "check the package"))?;
    DriverSource::read(&tree)
}

/// `pkgtool build`; prebuilt modules for the kernel `release` only, in
/// `suite`'s build root if given.
fn pkgtool_build(
    pkgtool: &Path,
    source: &Path,
    kinds: &str,
    release: &str,
    suite: Option<&str>,
    out: &Path,
) -> Result<()> {
    let mut build = Command::new(pkgtool);
    build
        .arg("build")
        .arg("--source")
        .arg(source)
        .args(["--kind", kinds, "--format", "deb", "--out"])
        .arg(out);
    if kinds
        .split(',')
        .any(|kind| kind == DriverKind::Modules.name())
    {
        build.args(["--kernel", release]);
        if let Some(suite) = suite {
            build.args(["--suite", suite]);
        }
    }
    cmd::run(
        build.env("SOURCE_DATE_EPOCH", "1700000000"),
        &format!("pkgtool build --kind {kinds} of {}", source.display()),
        "fix the errors above",
    )?;
    Ok(())
}

/// `cargo build -p NAME` (the host's build, reusing target/); its path.
fn workspace_binary(repo_root: &Path, name: &str) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = cmd::run(
        Command::new(cargo)
            .args([
                "build",
                "--locked",
                "--message-format",
                "json-render-diagnostics",
                "-p",
            ])
            .arg(name)
            .current_dir(repo_root),
        &format!("building {name}"),
        "fix the errors above",
    )?;
    artefacts::executable_of(&String::from_utf8_lossy(&output.stdout), name).ok_or_else(|| {
        Problem::new(
            format!("the crate {name}"),
            format!("cargo built no executable {name}"),
            "check its [[bin]]",
        )
    })
}

/// The step scripts, their environment, the repositories and their apt
/// sources (the next one switched off).
fn install_journey_files(config: &Config, root: &Path, env: &str, repos: &Repos) -> Result<()> {
    let dir = root.join(GUEST_DIR);
    fs::create_dir_all(&dir).map_err(Problem::io(&dir, "check the disk space"))?;
    for script in ["steps.sh", "init"] {
        let from = config.repo_root.join("tests/journey").join(script);
        fs::copy(&from, dir.join(script)).map_err(Problem::io(&from, "run from the checkout"))?;
    }
    let env_file = dir.join("env");
    fs::write(&env_file, env).map_err(Problem::io(&env_file, "check the disk space"))?;
    let sources = root.join("etc/apt/sources.list.d");
    for (repo, name, list) in [
        (&repos.current, "scap-repo", "scap.list"),
        (&repos.next, "scap-repo-next", "scap-next.list.off"),
    ] {
        let to = root.join("srv").join(name);
        fs::create_dir_all(&to).map_err(Problem::io(&to, "check the disk space"))?;
        for entry in fs::read_dir(repo).map_err(Problem::io(repo, "check the packages' build"))? {
            let path = entry
                .map_err(Problem::io(repo, "check the packages' build"))?
                .path();
            if path.extension().is_some_and(|e| e == "deb") {
                let file = to.join(path.file_name().expect("a file"));
                fs::copy(&path, &file).map_err(Problem::io(&file, "check the disk space"))?;
            }
        }
        let packages = cmd::run(
            Command::new("dpkg-scanpackages")
                .args(["--multiversion", "."])
                .current_dir(&to),
            "dpkg-scanpackages",
            "install dpkg-dev",
        )?;
        let index = to.join("Packages");
        fs::write(&index, &packages.stdout).map_err(Problem::io(&index, "check the disk space"))?;
        let list_file = sources.join(list);
        fs::write(
            &list_file,
            format!("deb [trusted=yes] file:/srv/{name} ./\n"),
        )
        .map_err(Problem::io(&list_file, "check the disk space"))?;
    }
    Ok(())
}

/// `scap-probe`, the probe's loader, which no package holds: the static
/// build a user makes (`cargo build --release -p scap-probe --target
/// x86_64-unknown-linux-musl`) copied to /usr/local/bin.
fn install_loader(config: &Config, root: &Path) -> Result<()> {
    for (name, host) in artefacts::musl_binaries(&config.repo_root, &["scap-probe"])? {
        let to = root.join("usr/local/bin").join(&name);
        fs::copy(&host, &to).map_err(Problem::io(&to, "check the disk space"))?;
    }
    Ok(())
}

/// The host phase: steps.sh in the chroot, its report read from a file.
fn host_phase(root: &Path, on_result: &mut dyn FnMut(&str, &TestResult)) -> Result<Report> {
    let (name, steps) = PHASES[0];
    let started = Instant::now();
    let results = root.join(GUEST_DIR).join("host-results");
    let output = {
        let _proc = ProcMount::mount(root)?;
        Command::new("chroot")
            .arg(root)
            .args(["/bin/sh", &format!("/{GUEST_DIR}/steps.sh"), name])
            .args(steps)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("SCAP_JOURNEY_OUT", format!("/{GUEST_DIR}/host-results"))
            .output()
            .map_err(|_| missing_tool("chroot"))?
    };
    let text = fs::read_to_string(&results).unwrap_or_default();
    for line in text.lines() {
        if let Some(result) = report::parse_result_line(line) {
            on_result(name, &result);
        }
    }
    let mut report = Report::parse(names_of(steps), &text);
    report.console = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    report.elapsed = started.elapsed();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journeys_have_distinct_names_and_are_found_by_them() {
        for journey in JOURNEYS {
            assert_eq!(find(journey.name).unwrap().name, journey.name);
            assert_eq!(
                JOURNEYS.iter().filter(|j| j.name == journey.name).count(),
                1
            );
        }
        let err = find("bookwurm").unwrap_err().to_string();
        assert!(
            err.contains("\"bookwurm\"") && err.contains("bookworm"),
            "{err}"
        );
    }

    #[test]
    fn each_driver_kind_names_its_package_and_module_directory() {
        let names = scap_driver_api::Names::new("scap", "1.0.0".parse().unwrap());
        let release = "6.1.0-57-amd64";
        assert_eq!(DriverKind::Dkms.package(&names, release), "scap-api1-dkms");
        assert_eq!(
            DriverKind::Modules.package(&names, release),
            "scap-api1-modules-6.1.0-57-amd64"
        );
        assert_eq!(
            DriverKind::Probe.package(&names, release),
            "scap-api1-probe"
        );
        assert_eq!(DriverKind::Dkms.module_dir(), Some("updates/dkms"));
        assert_eq!(DriverKind::Modules.module_dir(), Some("updates/scap"));
        assert_eq!(DriverKind::Probe.module_dir(), None);
    }
    /// The next minor of a falcosecurity-libs tree: its driver_config.h
    /// declares it, and the tree reads as that API; the rest is untouched.
    #[test]
    fn an_upstream_copy_declares_the_next_minor_in_its_config() {
        let dir = std::env::temp_dir().join(format!("journey-declare-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let config = "// SPDX-License-Identifier: GPL-2.0-only OR MIT\n#pragma once\n\
            #define PPM_API_CURRENT_VERSION_MAJOR 8\n#define PPM_API_CURRENT_VERSION_MINOR 0\n\
            #define PPM_API_CURRENT_VERSION_PATCH 4\n#define PPM_SCHEMA_CURRENT_VERSION_MAJOR 4\n\
            #define PPM_SCHEMA_CURRENT_VERSION_MINOR 1\n#define PPM_SCHEMA_CURRENT_VERSION_PATCH 0\n\
            #define DRIVER_VERSION \"0.23.2\"\n#define DRIVER_NAME \"scap\"\n";
        fs::write(dir.join("driver_config.h"), config).unwrap();
        fs::write(
            dir.join("main.c"),
            "// SPDX-License-Identifier: GPL-2.0-only OR MIT\n/* Copyright (C) 2023 The Falco Authors. */\n",
        )
        .unwrap();
        let source = DriverSource::read(&dir).unwrap();
        assert_eq!(source.api.to_string(), "8.0.4");
        let next = artefacts::other_api(source.api).to_string();
        declare_api(&dir, &source, &next).unwrap();
        let copy = DriverSource::read(&dir).unwrap();
        assert_eq!(copy.api.to_string(), "8.1.0");
        assert_eq!(copy.schema, source.schema);
        assert_eq!(copy.upstream.unwrap().driver_version, "0.23.2");
        // Without the three defines, it says so rather than build the same API.
        fs::write(
            dir.join("driver_config.h"),
            config.replace("_PATCH 4", "_PATCHLEVEL 4"),
        )
        .unwrap();
        let err = declare_api(&dir, &source, &next).unwrap_err().to_string();
        assert!(
            err.contains("2 of the 3 PPM_API_CURRENT_VERSION_* defines"),
            "{err}"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn every_journey_names_a_kernel_the_harness_boots() {
        for journey in JOURNEYS {
            let kernel = journey.guest_kernel().unwrap();
            match journey.kernel {
                KernelOf::Host => assert_eq!(kernel, GuestKernel::Headers),
                KernelOf::Suite => assert!(matches!(kernel, GuestKernel::Suite(_))),
            }
            journey
                .consumer_api
                .parse::<scap_driver_api::Version>()
                .unwrap();
        }
    }
}
