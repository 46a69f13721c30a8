//! The probe's end of the kernel range: the guest tests that need no
//! module (`scap-vm: no-module`: the probe's and scap-compat's load test)
//! on the kernels of other Debian suites, one boot each, one Rust test per
//! guest test and kernel. The module is built only for the headers' kernel
//! (tests/vm/tests/guest.rs runs everything there); CO-RE promises one
//! probe object for every kernel with BTF, and these boots hold it to that
//! at both ends Debian has:
//!
//! - bullseye's kernel, 5.10, the oldest Debian kernel with BTF: the
//!   probe's `min_kernel` is this kernel (`min_kernel_is_the_oldest_kernel_booted`);
//! - trixie's kernel, 6.12, the newest of a Debian release (sid's newer
//!   ones move daily and would fail CI for reasons of their own; run them
//!   with `cargo run -p scap-vm -- run --kernel-suite sid`).
//!
//! The same object (built against the headers' kernel's BTF) runs on each.
//! Nothing is skipped: a kernel that cannot be fetched fails every test of
//! that kernel with the fix.

use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use scap_driver_api::kernels::KernelSeries;
use scap_driver_api::Version;
use scap_vm::{guest, Config, GuestKernel, Outcome, Progress, Report};

struct Booted {
    report: Report,
    release: String,
}

/// A kernel the probe's tests boot: a Debian suite, and the `MAJOR.MINOR`
/// its kernel must be when the tests' names say it.
struct SuiteKernel {
    suite: &'static str,
    series: Option<&'static str>,
    run: OnceLock<Result<Booted, String>>,
}

/// The oldest: the probe's min_kernel.
static OLDEST: SuiteKernel = SuiteKernel {
    suite: "bullseye",
    series: Some("5.10"),
    run: OnceLock::new(),
};

/// The newest kernel of a Debian release.
static NEWEST: SuiteKernel = SuiteKernel {
    suite: "trixie",
    series: Some("6.12"),
    run: OnceLock::new(),
};

/// One VM at a time: the tests of both kernels run in parallel threads.
static BOOTING: Mutex<()> = Mutex::new(());

impl SuiteKernel {
    fn label(&self) -> String {
        match self.series {
            Some(series) => format!("{}'s kernel ({series})", self.suite),
            None => format!("{}'s kernel", self.suite),
        }
    }

    /// Boots once; every test of this kernel reads the same report.
    fn booted(&self) -> &Booted {
        let run = self.run.get_or_init(|| {
            let _one_vm = BOOTING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let mut config = Config::from_env().map_err(|err| err.to_string())?;
            config.only.clear();
            config.kernel = GuestKernel::Suite(self.suite.to_string());
            let run = scap_vm::run(&config, &mut |progress| {
                if let Progress::Step(text) = progress {
                    eprintln!("scap-vm: {text}");
                }
            })
            .map_err(|err| err.to_string())?;
            if let Some(series) = self.series {
                let found = KernelSeries::of_release(&run.kernel_release)
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                if found != series {
                    return Err(format!(
                        "{}'s linux-image-amd64 is now {}, not {series}: these tests are named for {series}; \
                         rename them and keep the probe's min_kernel at the oldest kernel booted",
                        self.suite, run.kernel_release
                    ));
                }
            }
            Ok(Booted {
                report: run.report,
                release: run.kernel_release,
            })
        });
        match run {
            Ok(booted) => booted,
            Err(err) => panic!("the VM run on {} failed: {err}", self.label()),
        }
    }

    fn assert_passed(&self, name: &str) {
        let booted = self.booted();
        let report = &booted.report;
        let outcome = report.outcome(name);
        if matches!(outcome, Outcome::Passed(_)) {
            return;
        }
        eprintln!("{}", report.kernel_log());
        let log = report
            .log(name)
            .map(|log| format!("\n--- output of {name} ---\n{log}"))
            .unwrap_or_default();
        panic!(
            "guest test {name} on {} ({}): {outcome}{log}",
            self.label(),
            booted.release
        );
    }

    fn assert_finished(&self) {
        let booted = self.booted();
        let report = &booted.report;
        if !report.completed {
            eprintln!("{}", report.kernel_log());
            panic!(
                "the guest runner on {} ({}) did not finish ({}); tests it never reported fail on their own",
                self.label(),
                booted.release,
                if report.timed_out {
                    "the VM timed out"
                } else {
                    "the VM stopped early"
                }
            );
        }
    }
}

/// One Rust test per guest test on a kernel, and the list of those guest
/// tests (`$listed`), which must be every `no-module` test.
macro_rules! kernel_tests {
    ($kernel:ident, $listed:ident: $($test:ident => $guest:ident),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                $kernel.assert_passed(stringify!($guest));
            }
        )*
        const $listed: &[&str] = &[$(stringify!($guest)),*];
    };
}

kernel_tests!(OLDEST, ON_OLDEST:
    probe_bad_objects_on_5_10 => probe_bad_objects,
    probe_capture_on_5_10 => probe_capture,
    scap_compat_load_test_on_5_10 => scap_compat_load_test,
);

kernel_tests!(NEWEST, ON_NEWEST:
    probe_bad_objects_on_6_12 => probe_bad_objects,
    probe_capture_on_6_12 => probe_capture,
    scap_compat_load_test_on_6_12 => scap_compat_load_test,
);

#[test]
fn the_guest_runner_finished_on_5_10() {
    OLDEST.assert_finished();
}

#[test]
fn the_guest_runner_finished_on_6_12() {
    NEWEST.assert_finished();
}

#[test]
fn every_no_module_test_runs_on_each_kernel() {
    let config = Config::from_env().unwrap();
    let found: Vec<String> = guest::discover(&config.guest_dir)
        .unwrap()
        .into_iter()
        .filter(|test| !test.needs_module)
        .map(|test| test.name)
        .collect();
    for (kernel, listed) in [(&OLDEST, ON_OLDEST), (&NEWEST, ON_NEWEST)] {
        let mut listed = listed.to_vec();
        listed.sort_unstable();
        assert_eq!(
            found,
            listed,
            "give each test marked `{}` a Rust test on {} in kernel_tests!()",
            guest::NO_MODULE_MARKER,
            kernel.label()
        );
    }
}

/// The probe claims the kernels from its `min_kernel` on: that must be the
/// oldest kernel these tests boot, 5.10.0.
#[test]
fn min_kernel_is_the_oldest_kernel_booted() {
    let series = OLDEST
        .series
        .expect("the oldest kernel is named by its series");
    let (major, minor) = series.split_once('.').unwrap();
    let oldest = Version::new(major.parse().unwrap(), minor.parse().unwrap(), 0).unwrap();
    let min_kernel = probe_min_kernel();
    assert_eq!(
        min_kernel, oldest,
        "the probe says min_kernel {min_kernel}, the oldest kernel its tests boot is {series} ({}): \
         set SCAP_VERSION_CODE(...) of scap_probe_min_kernel in probe/scap_probe.c to it",
        OLDEST.suite
    );
}

/// The `min_kernel` section of the probe as `make -C probe` builds it.
fn probe_min_kernel() -> Version {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::temp_dir().join(format!("scap-min-kernel-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let result = (|| -> Result<Version, String> {
        let run = |cmd: &mut Command, what: &str| -> Result<(), String> {
            let out = cmd
                .output()
                .map_err(|err| format!("{what}: {err}; fix: run tests/install-deps"))?;
            match out.status.success() {
                true => Ok(()),
                false => Err(format!(
                    "{what} failed:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )),
            }
        };
        run(
            Command::new("make")
                .args(["-s", "-C"])
                .arg(root.join("probe"))
                .arg(format!("BUILD={}", dir.display())),
            "make -C probe",
        )?;
        let object = dir.join("scap_probe.o");
        let data = std::fs::read(&object).map_err(|err| format!("{}: {err}", object.display()))?;
        let sections = scap_driver_api::sections::read(&data)
            .map_err(|err| err.at(&object, "fix probe/scap_probe.c").to_string())?;
        sections
            .min_kernel
            .ok_or_else(|| format!("{}: no min_kernel section", object.display()))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result.unwrap_or_else(|err| panic!("{err}"))
}
