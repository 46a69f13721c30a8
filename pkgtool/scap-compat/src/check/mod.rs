//! `scap-compat check`: finds the drivers (loaded module, module installed
//! for the kernel, probe objects, or the files given), reads their versions
//! without loading anything, and applies the versioning rules.

mod loaded;
mod modules;
mod probes;

use std::path::PathBuf;

use scap_driver_api::error::one_line;
use scap_driver_api::{CheckOutcome, Names};

use crate::report::{self, Driver, DriverKind, Level, Report, Verdict, Wanted};
use crate::system::{PackageManager, System};

pub struct CheckArgs {
    pub wanted: Wanted,
    pub module_files: Vec<PathBuf>,
    pub probe_files: Vec<PathBuf>,
    pub load_test: bool,
}

pub fn run(system: &System, args: &CheckArgs) -> Report {
    let explicit = !args.module_files.is_empty() || !args.probe_files.is_empty();
    let mut notes = Vec::new();
    let mut drivers = Vec::new();
    if explicit {
        for path in &args.module_files {
            drivers.push(modules::module_file(system, path, &args.wanted));
        }
        for path in &args.probe_files {
            drivers.push(probes::probe_file(
                system,
                DriverKind::ProbeFile,
                path,
                &args.wanted,
            ));
        }
    } else {
        let installed = modules::installed_modules(system, &args.wanted, &mut drivers);
        if system.kernel_is_running() {
            match crate::loaded::read_sysfs(&system.sysfs(), &system.module) {
                Ok(Some(found)) => drivers.push(loaded::loaded_module(
                    system,
                    found,
                    installed.as_ref(),
                    &args.wanted,
                )),
                Ok(None) => notes.push(format!("no {} module is loaded", system.module)),
                Err(problem) => {
                    let mut d = Driver::new(DriverKind::LoadedModule, problem.subject.clone());
                    d.problem(Level::Warning, problem);
                    drivers.push(d);
                }
            }
        } else {
            notes.push(format!(
                "the loaded module was not checked: kernel {} is not the running kernel ({})",
                system.kernel, system.running_kernel
            ));
        }
        for path in system.probe_objects() {
            drivers.push(probes::probe_file(
                system,
                DriverKind::Probe,
                &path,
                &args.wanted,
            ));
        }
    }
    // main refuses --load-test in a build without the feature.
    if args.load_test {
        #[cfg(feature = "load-test")]
        {
            let mut probes = drivers.iter_mut().filter(|d| d.kind.is_probe()).peekable();
            if probes.peek().is_none() {
                notes.push("--load-test: there is no probe to load".into());
            }
            for driver in probes {
                crate::load_test::run(driver);
            }
        }
    }
    let outcome = report::outcome_of(report::combine(&drivers, explicit));
    let mut fixes: Vec<String> = Vec::new();
    let mut worst_first: Vec<&Driver> = drivers.iter().filter(|d| d.in_effect).collect();
    worst_first.sort_by_key(|d| std::cmp::Reverse(d.verdict));
    for fix in worst_first
        .iter()
        .filter(|d| d.verdict > Verdict::Compatible)
        .flat_map(|d| &d.fixes)
    {
        if !fixes.contains(fix) {
            fixes.push(fix.clone());
        }
    }
    if outcome == CheckOutcome::NoDriver {
        fixes.push(install_fix(system, &args.wanted, true));
    }
    // The messages and fixes in it are one line already (Driver::add, fix);
    // the consumer's name, a kernel or a file name might not be.
    let summary = one_line(&summary(
        system,
        &args.wanted,
        outcome,
        &worst_first,
        &fixes,
    ));
    Report {
        outcome,
        exit_code: outcome.exit_code(),
        summary,
        required: args.wanted.clone(),
        kernel: (!explicit).then(|| system.kernel.clone()),
        drivers,
        notes,
        fixes,
    }
}

/// What to install for the required API, in this system's package manager.
pub fn install_fix(system: &System, wanted: &Wanted, with_probe: bool) -> String {
    let names = Names::new(&system.module, wanted.api);
    let prebuilt = match system.package_manager() {
        PackageManager::Apt => names.deb_modules_package(&system.kernel),
        PackageManager::Rpm => names.rpm_kmod_package(&system.kernel),
    };
    let probe = if with_probe {
        format!(", or the eBPF probe {}", names.probe_package)
    } else {
        String::new()
    };
    format!(
        "{} (or the prebuilt {prebuilt}{probe})",
        system.install(&names.dkms_package)
    )
}

fn summary(
    system: &System,
    wanted: &Wanted,
    outcome: CheckOutcome,
    worst_first: &[&Driver],
    fixes: &[String],
) -> String {
    let needs = match wanted.schema {
        Some(schema) => format!(
            "{} needs API {} and schema {schema}",
            wanted.consumer, wanted.api
        ),
        None => format!("{} needs API {}", wanted.consumer, wanted.api),
    };
    let then = if fixes.is_empty() {
        String::new()
    } else {
        format!("; fix: {}", fixes.join("; "))
    };
    let usable: Vec<String> = worst_first
        .iter()
        .rev()
        .filter(|d| d.verdict < Verdict::Incompatible)
        .map(|d| match d.api {
            Some(api) => format!("{} (API {api})", d.kind.label()),
            None => d.kind.label().to_string(),
        })
        .collect();
    match outcome {
        CheckOutcome::NoDriver => format!(
            "no scap driver installed for kernel {}: {needs}{then}",
            system.kernel
        ),
        CheckOutcome::Compatible => format!("compatible: {needs}; usable: {}", usable.join(", ")),
        CheckOutcome::CompatibleWithWarnings | CheckOutcome::Incompatible => {
            let label = if outcome == CheckOutcome::Incompatible {
                "incompatible"
            } else {
                "compatible with warnings"
            };
            let top = worst_first
                .first()
                .and_then(|d| Some((d, d.headline()?)))
                .map(|(d, m)| format!("; {} {}: {}", d.kind.label(), d.location, m.text))
                .unwrap_or_default();
            let instead = match (outcome, worst_first.first()) {
                (CheckOutcome::CompatibleWithWarnings, Some(d))
                    if d.verdict == Verdict::Incompatible =>
                {
                    format!("; usable: {}", usable.join(", "))
                }
                _ => String::new(),
            };
            format!("{label}: {needs}{top}{instead}{then}")
        }
        CheckOutcome::UsageError => unreachable!("a check never ends in a usage error"),
    }
}
