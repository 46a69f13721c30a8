//! The module installed for the kernel (as modprobe finds it) and module
//! files given on the command line, judged by their .modinfo.

use std::path::{Path, PathBuf};

use scap_driver_api::modinfo::ModuleInfo;

use crate::module_search::{self, DepIndex};
use crate::object_file;
use crate::origin::{self, Origin};
use crate::report::{Driver, DriverKind, Level, Verdict, Wanted};
use crate::system::System;

use super::install_fix;

/// The module modprobe would load for the kernel, and the other copies.
pub(super) fn installed_modules(
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
            // After depmod, the first copy found counts.
            if let Some(first) = copies.first_mut() {
                first.1 = true;
            }
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
        let (mut d, info) = installed_module(system, &path, wanted);
        d.in_effect = in_effect;
        if !in_effect {
            let by = match &search.in_effect {
                Some(used) => format!("modprobe loads {} instead (modules.dep)", used.display()),
                None => "depmod would pick the copy above".into(),
            };
            d.add(Level::Note, format!("not used: {by}"));
        } else if search.modules_dep != DepIndex::Listed {
            d.add(
                Level::Warning,
                format!(
                    "modprobe cannot find it: modules.dep of {} does not list it (depmod has not run since it was installed)",
                    system.kernel
                ),
            );
            d.fix(depmod.clone());
        }
        if in_effect {
            in_effect_info = info;
        }
        drivers.push(d);
    }
    in_effect_info
}

/// The entry, and the module's .modinfo when it could be read.
fn installed_module(system: &System, path: &Path, wanted: &Wanted) -> (Driver, Option<ModuleInfo>) {
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
    (d, info)
}

pub(super) fn module_file(system: &System, path: &Path, wanted: &Wanted) -> Driver {
    let mut d = Driver::new(DriverKind::ModuleFile, path.display().to_string());
    let fix = "give a scap module (.ko, .ko.xz, .ko.zst) built by kbuild from driver-src/";
    let kernel = system.kernel_given.then_some(system.kernel.as_str());
    let info = read_module(&mut d, path, fix, wanted, kernel);
    if d.verdict == Verdict::Incompatible && info.is_some() {
        d.fix(install_fix(system, wanted, false));
    }
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
    let info = match object_file::read_module(path, fix) {
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
