//! Every guest test on every other Debian kernel the driver supports: the
//! module built for each in its suite's own build root (its compiler and
//! kbuild, crate debian-suite) with `W=1`, booted, every guest test run
//! (tests/vm/tests/guest.rs does the same on the headers' kernel, 6.1):
//!
//! - bullseye's oldest 5.10 ABI in the archive (5.10.0-30 when written,
//!   older than 5.10.219's files_lookup_fd_locked) and its newest;
//! - trixie's 6.12, the newest kernel of a Debian release;
//! - trixie-backports' and sid's 7.x, whose syscall tracepoints call the
//!   probes preemptible (`preempt_stress`).
//!
//! The declared range `SUPPORTED_KERNELS` must be exactly the series booted
//! here and in guest.rs, and each suite's kernel the series the table says
//! (a suite that moves on fails with what to change). Two VMs run at a
//! time, each on one host thread. Nothing is skipped silently: a kernel
//! that cannot be fetched or built fails its tests with the fix, and the
//! one exclusion is the harness's rule, printed with its reason: a test
//! that needs the peer module (`schema1_diff`) does not run where Debian
//! 12's falcosecurity-scap-dkms cannot be compiled (6.4 and later:
//! `artefacts::PEER_FIRST_UNBUILDABLE`), so here on trixie's,
//! trixie-backports' and sid's kernels.

#![cfg(feature = "system-tests")]

use std::path::Path;
use std::process::Command;
use std::sync::{Condvar, Mutex, OnceLock};

use scap_driver_api::kernels::KernelSeries;
use scap_driver_api::{Version, SUPPORTED_KERNELS};
use scap_vm::config::SuiteKernel;
use scap_vm::{cmd, Config, GuestKernel, Outcome, Problem, Progress, Run};

/// A kernel booted here: its suite (`SUITE` or `SUITE:oldest`) and the
/// `MAJOR.MINOR` it must be.
struct TestedKernel {
    spec: &'static str,
    series: &'static str,
    run: OnceLock<Result<Run, String>>,
}

static BULLSEYE_OLDEST: TestedKernel = TestedKernel::new("bullseye:oldest", "5.10");
static BULLSEYE: TestedKernel = TestedKernel::new("bullseye", "5.10");
static TRIXIE: TestedKernel = TestedKernel::new("trixie", "6.12");
static TRIXIE_BACKPORTS: TestedKernel = TestedKernel::new("trixie-backports", "7.3");
static SID: TestedKernel = TestedKernel::new("sid", "7.2");

/// The kernels of this file, and the headers' kernel of guest.rs.
const HEADERS_SERIES: &str = "6.1";
fn all() -> [&'static TestedKernel; 5] {
    [
        &BULLSEYE_OLDEST,
        &BULLSEYE,
        &TRIXIE,
        &TRIXIE_BACKPORTS,
        &SID,
    ]
}

/// Two VMs at a time (each one host thread: the machines have two cores).
const PARALLEL_VMS: u32 = 2;
static RUNNING: Mutex<u32> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

fn vm_slot<T>(work: impl FnOnce() -> T) -> T {
    let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
    while *running >= PARALLEL_VMS {
        running = FREED.wait(running).unwrap_or_else(|p| p.into_inner());
    }
    *running += 1;
    drop(running);
    let result = work();
    *RUNNING.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
    FREED.notify_one();
    result
}

/// Makes every kernel's build root, headers and image ready at once, in
/// background threads, when the first test starts: on a fresh machine that
/// is mostly downloading, which then overlaps the VMs' work instead of
/// waiting for a VM slot (runs wait for these through the roots' locks).
fn prepare_all_in_background() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        for kernel in all() {
            std::thread::spawn(move || {
                let Ok(config) = Config::from_env() else {
                    return;
                };
                let Ok(spec) = SuiteKernel::parse(kernel.spec) else {
                    return;
                };
                // Failures show again, with their fix, in the test's own run.
                let _ = scap_vm::kernel::prepare(
                    &config.cache_dir,
                    &GuestKernel::Suite(spec),
                    &mut |text| eprintln!("scap-vm [{} prepare]: {text}", kernel.spec),
                );
            });
        }
    });
}

impl TestedKernel {
    const fn new(spec: &'static str, series: &'static str) -> Self {
        Self {
            spec,
            series,
            run: OnceLock::new(),
        }
    }

    fn label(&self) -> String {
        format!("{} ({})", self.spec, self.series)
    }

    /// Builds and boots once; every test of this kernel reads the run.
    fn booted(&self) -> &Run {
        prepare_all_in_background();
        let run = self.run.get_or_init(|| {
            vm_slot(|| {
                let mut config = Config::from_env().map_err(|err| err.to_string())?;
                config.only.clear();
                config.kernel = GuestKernel::Suite(
                    SuiteKernel::parse(self.spec).map_err(|err| err.to_string())?,
                );
                let spec = self.spec;
                let run = scap_vm::run(&config, &mut |progress| {
                    if let Progress::Step(text) = progress {
                        eprintln!("scap-vm [{spec}]: {text}");
                    }
                })
                .map_err(|err| err.to_string())?;
                let found = KernelSeries::of_release(&run.kernel_release)
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                if found != self.series {
                    return Err(format!(
                        "{}'s kernel is now {}, not {}: update its row in tests/vm/tests/guest_kernels.rs, \
                         and SUPPORTED_KERNELS (pkgtool/scap-driver-api/src/kernels.rs) if the range's ends moved",
                        self.spec, run.kernel_release, self.series
                    ));
                }
                Ok(run)
            })
        });
        match run {
            Ok(run) => run,
            Err(err) => panic!("the VM run on {} failed: {err}", self.label()),
        }
    }

    fn assert_guest_tests_pass(&self) {
        let run = self.booted();
        for (name, why) in &run.left_out {
            eprintln!("{}: {name} not run: {why}", self.label());
        }
        let report = &run.report;
        let failed: Vec<(&String, Outcome)> = report
            .expected
            .iter()
            .map(|name| (name, report.outcome(name)))
            .filter(|(_, outcome)| !matches!(outcome, Outcome::Passed(_)))
            .collect();
        if failed.is_empty() && report.completed {
            return;
        }
        let mut text = String::new();
        for (name, outcome) in &failed {
            text.push_str(&format!("\nguest test {name}: {outcome}"));
            if let Some(log) = report.log(name) {
                text.push_str(&format!("\n--- output of {name} ---\n{log}"));
            }
        }
        eprintln!("{}", report.kernel_log());
        panic!(
            "on {} ({}): {} of {} guest tests failed{}{text}",
            self.label(),
            run.kernel_release,
            failed.len(),
            report.expected.len(),
            match report.completed {
                true => "",
                false if report.timed_out => " (the VM timed out)",
                false => " (the guest runner did not finish)",
            }
        );
    }

    fn assert_warning_free(&self) {
        let run = self.booted();
        assert!(
            run.module_warnings.is_empty(),
            "the W=1 build for {} ({}) warned:\n{}",
            self.label(),
            run.kernel_release,
            run.module_warnings.join("\n")
        );
    }
}

macro_rules! kernel_tests {
    ($($kernel:ident: $guest:ident, $w1:ident;)*) => {
        $(
            #[test]
            fn $guest() {
                $kernel.assert_guest_tests_pass();
            }

            #[test]
            fn $w1() {
                $kernel.assert_warning_free();
            }
        )*
    };
}

kernel_tests! {
    BULLSEYE_OLDEST: guest_tests_pass_on_bullseye_oldest_5_10, builds_with_w1_warning_free_on_bullseye_oldest_5_10;
    BULLSEYE: guest_tests_pass_on_bullseye_5_10, builds_with_w1_warning_free_on_bullseye_5_10;
    TRIXIE: guest_tests_pass_on_trixie_6_12, builds_with_w1_warning_free_on_trixie_6_12;
    TRIXIE_BACKPORTS: guest_tests_pass_on_trixie_backports_7_3, builds_with_w1_warning_free_on_trixie_backports_7_3;
    SID: guest_tests_pass_on_sid_7_2, builds_with_w1_warning_free_on_sid_7_2;
}

fn series(text: &str) -> KernelSeries {
    KernelSeries::of_release(text).expect("a MAJOR.MINOR series")
}

/// The declared range is the tested one: its ends are the oldest and the
/// newest series booted (here and in guest.rs).
#[test]
fn supported_kernels_are_the_kernels_booted() {
    let booted: Vec<KernelSeries> = all()
        .iter()
        .map(|k| series(k.series))
        .chain([series(HEADERS_SERIES)])
        .collect();
    let (oldest, newest) = (*booted.iter().min().unwrap(), *booted.iter().max().unwrap());
    assert_eq!(
        (SUPPORTED_KERNELS.min, SUPPORTED_KERNELS.max),
        (oldest, newest),
        "SUPPORTED_KERNELS is {SUPPORTED_KERNELS}, the kernels booted are {oldest} to {newest}: \
         set it to them in pkgtool/scap-driver-api/src/kernels.rs"
    );
}

/// The probe claims the kernels from its `min_kernel` on: that must be the
/// oldest kernel these tests boot.
#[test]
fn min_kernel_is_the_oldest_kernel_booted() {
    let oldest = BULLSEYE_OLDEST.series;
    let (major, minor) = oldest.split_once('.').unwrap();
    let oldest_version = Version::new(major.parse().unwrap(), minor.parse().unwrap(), 0).unwrap();
    let min_kernel = probe_min_kernel();
    assert_eq!(
        min_kernel, oldest_version,
        "the probe says min_kernel {min_kernel}, the oldest kernel its tests boot is {oldest}: \
         set SCAP_VERSION_CODE(...) of scap_probe_min_kernel in probe/scap_probe.c to it"
    );
}

/// The `min_kernel` section of the probe as `make -C probe` builds it.
fn probe_min_kernel() -> Version {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::temp_dir().join(format!("scap-min-kernel-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let result = (|| -> scap_vm::Result<Version> {
        let fix = "fix probe/scap_probe.c";
        cmd::run(
            Command::new("make")
                .args(["-s", "-C"])
                .arg(root.join("probe"))
                .arg(format!("BUILD={}", dir.display())),
            "make -C probe",
            "see the make output above (tests/install-deps installs the tools)",
        )?;
        let object = dir.join("scap_probe.o");
        let data = std::fs::read(&object).map_err(Problem::io(&object, fix))?;
        let sections =
            scap_driver_api::sections::read(&data).map_err(|err| err.at(&object, fix))?;
        sections
            .min_kernel
            .ok_or_else(|| Problem::at(&object, "no min_kernel section", fix))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result.unwrap_or_else(|err| panic!("{err}"))
}
