//! The guest tests of tests/guest/, one Rust test each, from one VM boot
//! per test binary: the module built from driver-src/ (or SCAP_DRIVER_SRC)
//! runs in the real Debian kernel under qemu (TCG). A guest test that never
//! reported (crash, hang, timeout) fails; the first failure prints the
//! guest's dmesg. Nothing is skipped: a missing tool is a failure naming the
//! fix (tests/install-deps).

#![cfg(feature = "system-tests")]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use scap_vm::{Config, GuestKernel, Outcome, Progress, Report};

static RUN: OnceLock<Result<Report, String>> = OnceLock::new();
static KERNEL_LOG_SHOWN: AtomicBool = AtomicBool::new(false);

/// Boots once; every test of this binary reads the same report. All guest
/// tests run whatever SCAP_VM_ONLY says: each has its #[test] here.
fn report() -> &'static Report {
    let run = RUN.get_or_init(|| {
        let mut config = Config::from_env().map_err(|err| err.to_string())?;
        // Every guest test, on the kernel the module is built for, whatever
        // SCAP_VM_ONLY or SCAP_VM_KERNEL_SUITE say.
        config.only.clear();
        config.kernel = GuestKernel::Headers;
        scap_vm::run(&config, &mut |progress| {
            if let Progress::Step(text) = progress {
                eprintln!("scap-vm: {text}");
            }
        })
        .map(|run| run.report)
        .map_err(|err| err.to_string())
    });
    match run {
        Ok(report) => report,
        Err(err) => panic!("the VM run failed: {err}"),
    }
}

fn show_kernel_log_once(report: &Report) {
    if !KERNEL_LOG_SHOWN.swap(true, Ordering::SeqCst) {
        eprintln!("{}", report.kernel_log());
    }
}

fn assert_passed(name: &str) {
    let report = report();
    let outcome = report.outcome(name);
    if matches!(outcome, Outcome::Passed(_)) {
        return;
    }
    show_kernel_log_once(report);
    let log = report
        .log(name)
        .map(|log| format!("\n--- output of {name} ---\n{log}"))
        .unwrap_or_default();
    panic!("guest test {name}: {outcome}{log}");
}

/// A Rust test of each guest test (the list: `scap_vm::guest_tests!`).
macro_rules! one_test_each {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                assert_passed(stringify!($name));
            }
        )*
    };
}

scap_vm::guest_tests!(one_test_each);

#[test]
fn the_guest_runner_finished() {
    let report = report();
    if !report.completed {
        show_kernel_log_once(report);
        panic!(
            "the guest runner did not finish ({}); tests it never reported fail on their own",
            if report.timed_out {
                "the VM timed out"
            } else {
                "the VM stopped early"
            }
        );
    }
}
