//! `scap-compat check`: finds the drivers (loaded module, module installed
//! for the kernel, probe objects, or the files given), reads their versions
//! without loading anything, and applies the versioning rules.

use std::path::{Path, PathBuf};

use scap_driver_api::{CheckOutcome, Names, Version};

use crate::loaded::{self, DeviceFailure, LoadedModule};
use crate::modinfo::{self, ModuleInfo};
use crate::module_search::{self, DepIndex};
use crate::origin::{self, Origin};
use crate::probe_object;
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
            drivers.push(module_file(system, path, &args.wanted));
        }
        for path in &args.probe_files {
            drivers.push(probe_file(
                system,
                DriverKind::ProbeFile,
                path,
                &args.wanted,
            ));
        }
    } else {
        let installed = installed_modules(system, &args.wanted, &mut drivers);
        if system.kernel_is_running() {
            match loaded::read_sysfs(&system.sysfs(), &system.module) {
                Ok(Some(found)) => drivers.push(loaded_module(
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
            drivers.push(probe_file(system, DriverKind::Probe, &path, &args.wanted));
        }
    }
    #[cfg(feature = "load-test")]
    if args.load_test {
        for driver in drivers.iter_mut().filter(|d| d.kind.is_probe()) {
            crate::load_test::run(driver);
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
    let summary = summary(system, &args.wanted, outcome, &worst_first, &fixes);
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

/// The module modprobe would load for the kernel, and the other copies.
fn installed_modules(
    system: &System,
    wanted: &Wanted,
    drivers: &mut Vec<Driver>,
) -> Option<ModuleInfo> {
    let search = match module_search::search(&system.root, &system.kernel, &system.module) {
        Ok(search) => search,
        Err(problem) => {
            let mut d = Driver::new(DriverKind::InstalledModule, problem.subject.clone());
            d.problem(Level::Error, problem);
            drivers.push(d);
            return None;
        }
    };
    let depmod = format!("depmod -a {}", system.kernel);
    let mut copies: Vec<(PathBuf, bool)> =
        search.others.iter().map(|p| (p.clone(), false)).collect();
    match (&search.modules_dep, &search.in_effect) {
        (DepIndex::Listed, Some(path)) => copies.insert(0, (path.clone(), true)),
        (DepIndex::Dangling(path), _) => {
            let mut d = Driver::new(DriverKind::InstalledModule, path.display().to_string());
            d.origin = Some("modules.dep".into());
            d.add(
                Level::Error,
                format!(
                    "modules.dep lists {} but the file is missing: modprobe fails",
                    path.display()
                ),
            );
            d.fix(depmod.clone());
            drivers.push(d);
        }
        _ => {
            // depmod would prefer the first copy (updates/ before the rest).
            if let Some(first) = copies.first_mut() {
                first.1 = true;
            }
        }
    }
    let mut in_effect_info = None;
    for (path, in_effect) in copies {
        let mut d = installed_module(system, &path, wanted);
        d.in_effect = in_effect;
        if !in_effect {
            let by = match &search.in_effect {
                Some(used) => format!("modprobe loads {} instead (modules.dep)", used.display()),
                None => "another copy comes first".into(),
            };
            d.add(Level::Note, format!("not used: {by}"));
        } else if search.modules_dep != DepIndex::Listed {
            d.add(
                Level::Warning,
                format!(
                    "modprobe cannot find it: modules.dep of {} does not list it (depmod has not run)",
                    system.kernel
                ),
            );
            d.fix(depmod.clone());
        }
        if in_effect {
            in_effect_info = d.info.take();
        }
        drivers.push(d.driver);
    }
    in_effect_info
}

/// A driver entry plus the module's .modinfo when it could be read.
struct ModuleEntry {
    driver: Driver,
    info: Option<ModuleInfo>,
}

impl std::ops::Deref for ModuleEntry {
    type Target = Driver;
    fn deref(&self) -> &Driver {
        &self.driver
    }
}

impl std::ops::DerefMut for ModuleEntry {
    fn deref_mut(&mut self) -> &mut Driver {
        &mut self.driver
    }
}

fn installed_module(system: &System, path: &Path, wanted: &Wanted) -> ModuleEntry {
    let mut d = Driver::new(DriverKind::InstalledModule, path.display().to_string());
    let origin = origin::of(&system.root, path, &system.module, Some(&system.kernel));
    d.origin = Some(origin.to_string());
    let replace = match &origin {
        Origin::Package { name } => format!("reinstall it: {}", system.reinstall(name)),
        Origin::Dkms { module, version } => {
            format!(
                "rebuild it: dkms install {module}/{version} -k {} --force",
                system.kernel
            )
        }
        Origin::Unknown => format!("remove it and {}", install_fix(system, wanted, false)),
    };
    let info = read_module(&mut d, path, &replace, wanted, Some(&system.kernel));
    if d.verdict == Verdict::Incompatible && info.is_some() {
        d.fix(install_fix(system, wanted, false));
    }
    ModuleEntry { driver: d, info }
}

fn module_file(system: &System, path: &Path, wanted: &Wanted) -> Driver {
    let mut d = Driver::new(DriverKind::ModuleFile, path.display().to_string());
    let fix = "give a scap module (.ko, .ko.xz, .ko.zst) built by kbuild from driver-src/";
    let kernel = system.kernel_given.then_some(system.kernel.as_str());
    read_module(&mut d, path, fix, wanted, kernel);
    d
}

/// Reads .modinfo into the entry and applies the rules; None if unreadable.
fn read_module(
    d: &mut Driver,
    path: &Path,
    fix: &str,
    wanted: &Wanted,
    kernel: Option<&str>,
) -> Option<ModuleInfo> {
    d.versions_from = Some(".modinfo".into());
    let info = match modinfo::read(path, fix) {
        Ok(info) => info,
        Err(problem) => {
            d.problem(Level::Error, problem);
            return None;
        }
    };
    d.api = Some(info.api);
    d.schema = Some(info.schema);
    d.apply_rules(wanted);
    if let (Some(kernel), Some(built_for)) = (kernel, info.built_for()) {
        if built_for != kernel {
            d.add(
                Level::Error,
                format!(
                    "built for kernel {built_for}, not {kernel}: modprobe refuses it (vermagic)"
                ),
            );
            d.fix(format!("rebuild it for {kernel}"));
        }
    }
    Some(info)
}

fn probe_file(system: &System, kind: DriverKind, path: &Path, wanted: &Wanted) -> Driver {
    let mut d = Driver::new(kind, path.display().to_string());
    d.versions_from = Some("ELF sections api_version, schema_version".into());
    let names = Names::new(&system.module, wanted.api);
    let fix = if kind == DriverKind::Probe {
        let origin = origin::of(&system.root, path, &system.module, None);
        d.origin = Some(origin.to_string());
        match origin {
            Origin::Package { name } => format!("reinstall it: {}", system.reinstall(&name)),
            _ => format!("remove it and {}", system.install(&names.probe_package)),
        }
    } else {
        "give a scap eBPF probe object (scap_probe-X.Y.Z.o) built by clang -target bpf".to_string()
    };
    match probe_object::read(path, &fix) {
        Ok(info) => {
            d.api = Some(info.api);
            d.schema = Some(info.schema);
            d.apply_rules(wanted);
            if d.verdict == Verdict::Incompatible {
                d.fix(format!(
                    "{} (the probe for API {})",
                    system.install(&names.probe_package),
                    wanted.api
                ));
            }
            if let Some(named) = named_version(path, &system.module) {
                if named != info.api {
                    d.add(
                        Level::Warning,
                        format!("named for API {named} but carries API {}", info.api),
                    );
                }
            }
        }
        Err(problem) => d.problem(Level::Error, problem),
    }
    d
}

/// The version in a probe's file name (`scap_probe-X.Y.Z.o`).
fn named_version(path: &Path, module: &str) -> Option<Version> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix(&format!("{module}_probe-"))?
        .strip_suffix(".o")?
        .parse()
        .ok()
}

fn loaded_module(
    system: &System,
    found: LoadedModule,
    installed: Option<&ModuleInfo>,
    wanted: &Wanted,
) -> Driver {
    let mut d = Driver::new(
        DriverKind::LoadedModule,
        found.sysfs_dir.display().to_string(),
    );
    let module = &system.module;
    let reload = format!("modprobe -r {module} && modprobe {module} (when no consumer runs)");
    let sysfs_api: Option<Version> = found.version.as_deref().and_then(|v| v.parse().ok());
    match (&found.version, sysfs_api) {
        (_, Some(api)) => {
            d.api = Some(api);
            d.versions_from = Some("sysfs version".into());
        }
        (Some(text), None) => d.add(
            Level::Note,
            format!(
                "its sysfs version {text:?} is not an API version (a driver versioned another way)"
            ),
        ),
        (None, None) => d.add(Level::Note, "it has no version in sysfs"),
    }
    if system.is_root {
        match loaded::query_device(&system.dev(), module) {
            Ok(versions) => {
                if let Some(api) = sysfs_api.filter(|api| *api != versions.api) {
                    d.add(
                        Level::Error,
                        format!(
                            "sysfs says API {api} but the device's ioctl says {}: the module is inconsistent",
                            versions.api
                        ),
                    );
                    d.fix(format!("reinstall the module, then {reload}"));
                }
                d.api = Some(versions.api);
                d.schema = Some(versions.schema);
                d.versions_from =
                    Some(format!("ioctl on {}0", system.dev().join(module).display()));
            }
            Err(DeviceFailure::PredatesVersioning(message)) => {
                d.api = None;
                d.add(Level::Error, message);
                d.fix(install_fix(system, wanted, false));
                d.fix(reload.clone());
            }
            Err(DeviceFailure::Other(message)) => {
                d.add(Level::Note, format!("the device was not asked: {message}"))
            }
        }
    } else {
        d.add(
            Level::Note,
            "run as root to also ask the device (schema version, ioctl cross-check)",
        );
    }
    if d.api.is_none() && !d.messages.iter().any(|m| m.level == Level::Error) {
        d.add(Level::Warning, "its API version is unknown");
    }
    d.apply_rules(wanted);
    if d.verdict == Verdict::Incompatible && installed.is_none() {
        d.fix(install_fix(system, wanted, false));
    }
    stale_check(&mut d, &found, installed, &system.kernel, &reload);
    d
}

/// An upgrade leaves the old module loaded until someone reloads it.
fn stale_check(
    d: &mut Driver,
    found: &LoadedModule,
    installed: Option<&ModuleInfo>,
    kernel: &str,
    reload: &str,
) {
    let Some(installed) = installed else {
        d.add(
            Level::Warning,
            format!("no module file is installed for {kernel}: it is gone after a reboot"),
        );
        return;
    };
    let differs = match d.api {
        Some(api) => (api != installed.api).then(|| {
            let how = if api < installed.api {
                "older"
            } else {
                "newer"
            };
            format!("API {api}, {how} than the installed API {}", installed.api)
        }),
        None => (found.version.is_some() && found.version != installed.version).then(|| {
            format!(
                "version {:?}, not the installed {:?}",
                found.version.as_deref().unwrap_or(""),
                installed.version.as_deref().unwrap_or("")
            )
        }),
    };
    if let Some(differs) = differs {
        let users = match found.refcnt {
            Some(n) if n > 0 => format!(" ({n} users hold it now: stop the consumers first)"),
            _ => String::new(),
        };
        d.add(
            Level::Warning,
            format!("stale: the loaded module is {differs}; reload it{users}"),
        );
        d.fix(reload.to_string());
    }
}
