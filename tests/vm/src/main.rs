//! `scap-vm run`: boots the module once under qemu and prints each guest
//! test's verdict, then `N passed, M failed`. Exit status 1 on any failure.
//! `scap-vm journey NAME`: the user's journey (journey.rs), each step's
//! verdict, exit status 0 when every step held.

use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scap_vm::{bench, config, journey, Config, GuestKernel, Outcome, Progress};

#[derive(Parser)]
#[command(about = "Runs the scap module's guest tests in a qemu VM (TCG)")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build the module and the guest tests, boot, report.
    Run {
        /// Driver sources to test (default: the repository's driver-src/).
        #[arg(long, env = config::ENV_DRIVER_SRC)]
        driver_src: Option<std::path::PathBuf>,
        /// Run only these guest tests (comma-separated names).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Keep the scratch directory (module build, initramfs, serial logs).
        #[arg(long)]
        keep: bool,
        /// Boot this Debian suite's kernel instead of the headers' one, the
        /// module built in the suite's build root: SUITE (its
        /// linux-headers-amd64's kernel: bullseye, trixie, trixie-backports,
        /// sid) or SUITE:oldest (the lowest ABI of that series).
        #[arg(long, env = config::ENV_KERNEL_SUITE)]
        kernel_suite: Option<String>,
        /// Boot this module (.ko, .ko.xz, .ko.zst, .ko.gz; e.g. DKMS's
        /// build of an upstream driver tree, for the kernel booted) instead
        /// of building the driver sources, with the guest tests of
        /// tests/guest/upstream/; its versions come from its .modinfo.
        #[arg(long)]
        module: Option<std::path::PathBuf>,
        /// Ship this directory as it is at /sysroot in the guest: another
        /// system's programs with their libraries and dynamic loader.
        #[arg(long)]
        sysroot: Option<std::path::PathBuf>,
    },
    /// The user's journey on a Debian system booted in qemu: apt-get
    /// install of the driver and its consumer, boot, load (modprobe, or
    /// scap-probe for the probe), capture, upgrade under a loaded driver,
    /// reboot, purge.
    Journey {
        /// The journey: bookworm, bookworm-prebuilt, bookworm-probe, sid, sid-dkms.
        suite: String,
        /// Keep the scratch directory (packages, image, serial logs).
        #[arg(long)]
        keep: bool,
    },
    /// The capture-overhead benchmark (tests/bench/capture-overhead): one
    /// boot per driver configuration under qemu's instruction counting;
    /// prints the markdown report.
    Bench {
        /// Also boot each configuration without icount for wall-clock figures.
        #[arg(long)]
        wall: bool,
        /// Only these configurations (none, floor, peer, module, probe,
        /// peer_masked, module_masked).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Keep the scratch directory (initramfs, each boot's serial logs).
        #[arg(long)]
        keep: bool,
        /// Boot nothing: print the report again from the serial logs a
        /// --keep run left in this scratch directory.
        #[arg(long)]
        from_logs: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    let (driver_src, only, keep, kernel_suite, module, sysroot) = match Cli::parse().command {
        Cmd::Run {
            driver_src,
            only,
            keep,
            kernel_suite,
            module,
            sysroot,
        } => (driver_src, only, keep, kernel_suite, module, sysroot),
        Cmd::Journey { suite, keep } => return journey(&suite, keep),
        Cmd::Bench {
            wall,
            only,
            keep,
            from_logs,
        } => return bench(wall, &only, keep, from_logs.as_deref()),
    };
    let mut config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("scap-vm: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(dir) = driver_src {
        config.driver_src = dir;
    }
    if !only.is_empty() {
        config.only = only;
    }
    config.keep |= keep;
    config.module = module;
    config.sysroot = sysroot;
    if kernel_suite.is_some() {
        config.kernel = match GuestKernel::from_suite(kernel_suite.as_deref()) {
            Ok(kernel) => kernel,
            Err(err) => {
                eprintln!("scap-vm: {err}");
                return ExitCode::FAILURE;
            }
        };
    }
    let run = scap_vm::run(&config, &mut |progress| match progress {
        Progress::Step(text) => eprintln!("scap-vm: {text}"),
        Progress::Test(result) => println!(
            "{} {} {}",
            if result.passed { "PASS" } else { "FAIL" },
            result.name,
            result.detail
        ),
    });
    let run = match run {
        Ok(run) => run,
        Err(err) => {
            eprintln!("scap-vm: {err}");
            return ExitCode::FAILURE;
        }
    };
    let report = &run.report;
    for warning in &run.module_warnings {
        println!("W=1: {warning}");
    }
    let mut failed = 0;
    for name in &report.expected {
        let outcome = report.outcome(name);
        if matches!(outcome, Outcome::Passed(_)) {
            continue;
        }
        failed += 1;
        if outcome == Outcome::NotReported {
            println!("FAIL {name} the guest never reported this test");
        }
        if let Some(log) = report.log(name) {
            println!("--- output of {name} ---\n{log}");
        }
    }
    if failed > 0 || !report.completed {
        println!("{}", report.kernel_log());
    }
    if let Some(dir) = &run.kept_scratch {
        eprintln!("scap-vm: scratch directory kept: {}", dir.display());
    }
    eprintln!(
        "scap-vm: {} on {} ({}) in {:.1} s{}",
        run.driver_src.display(),
        run.kernel_release,
        run.kernel_origin,
        report.elapsed.as_secs_f64(),
        if report.timed_out { " (timed out)" } else { "" }
    );
    println!("{} passed, {failed} failed", report.passed());
    if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn bench(wall: bool, only: &[String], keep: bool, from_logs: Option<&Path>) -> ExitCode {
    let report = match from_logs {
        Some(dir) => bench::report_from(dir),
        None => Config::from_env().and_then(|mut config| {
            config.keep |= keep;
            bench::run(&config, wall, only, &mut |text| {
                eprintln!("scap-vm: {text}")
            })
        }),
    };
    match report {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("scap-vm: {err}");
            ExitCode::FAILURE
        }
    }
}

fn journey(suite: &str, keep: bool) -> ExitCode {
    let run = Config::from_env().and_then(|mut config| {
        config.keep |= keep;
        let journey = journey::find(suite)?;
        journey::run(
            &config,
            journey,
            &mut |text| eprintln!("scap-vm: {text}"),
            &mut |phase, result| {
                println!(
                    "{} {phase}/{} {}",
                    if result.passed { "PASS" } else { "FAIL" },
                    result.name,
                    result.detail
                )
            },
        )
    });
    let run = match run {
        Ok(run) => run,
        Err(err) => {
            eprintln!("scap-vm: {err}");
            return ExitCode::FAILURE;
        }
    };
    if !run.all_passed() {
        println!("{}", run.failures());
    }
    if let Some(dir) = &run.kept_scratch {
        eprintln!("scap-vm: scratch directory kept: {}", dir.display());
    }
    let steps: usize = run.phases.iter().map(|p| p.report.passed()).sum();
    let phases: Vec<String> = run
        .phases
        .iter()
        .map(|p| format!("{} {:.0} s", p.name, p.report.elapsed.as_secs_f64()))
        .collect();
    eprintln!(
        "scap-vm: journey {} on {} in {:.0} s ({})",
        run.journey.name,
        run.kernel_release,
        run.elapsed.as_secs_f64(),
        phases.join(", ")
    );
    let total: usize = journey::PHASES.iter().map(|(_, steps)| steps.len()).sum();
    println!("{steps} of {total} steps held");
    if run.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
