//! Probe objects, installed or given, judged by their version sections:
//! the API and schema versions by the rules, the oldest kernel they run on
//! against the kernel under check.

use std::path::Path;

use scap_driver_api::{release_version, Names, Version, SUPPORTED_KERNELS};

use crate::object_file;
use crate::origin::{self, Origin};
use crate::report::{Driver, DriverKind, Level, Verdict, Wanted};
use crate::system::System;

use super::install_fix;

pub(super) fn probe_file(
    system: &System,
    kind: DriverKind,
    path: &Path,
    wanted: &Wanted,
) -> Driver {
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
    match object_file::read_probe(path, &fix) {
        Ok(info) => {
            d.api = Some(info.api);
            d.schema = Some(info.schema);
            d.min_kernel = info.min_kernel;
            d.apply_rules(wanted);
            if d.verdict == Verdict::Incompatible {
                d.fix(format!(
                    "{} (the probe for API {})",
                    system.install(&names.probe_package),
                    wanted.api
                ));
            }
            if let Some(min) = info.min_kernel {
                d.versions_from =
                    Some("ELF sections api_version, schema_version, min_kernel".into());
                kernel_check(system, &mut d, min, wanted);
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

/// The probe's oldest kernel against the kernel under check: the running
/// one, or the one given (--kernel, SCAP_COMPAT_KERNEL). The loader
/// (scap-probe) refuses an older kernel the same way.
fn kernel_check(system: &System, d: &mut Driver, min: Version, wanted: &Wanted) {
    let kernel = &system.kernel;
    match release_version(kernel) {
        Some(version) if version < min => {
            d.add(
                Level::Error,
                format!("needs kernel {min} or later (its min_kernel), not {kernel}"),
            );
            // The module only where it builds: its supported kernels.
            d.fix(if SUPPORTED_KERNELS.contains_release(kernel) {
                format!(
                    "use kernel {min} or later, or the scap module on {kernel}: {}",
                    install_fix(system, wanted, false)
                )
            } else {
                format!("use kernel {min} or later")
            });
        }
        Some(_) => {}
        None => d.add(
            Level::Warning,
            format!(
                "cannot tell whether kernel {kernel} is {min} or later (its min_kernel): \
                 the release does not start with MAJOR.MINOR"
            ),
        ),
    }
}

/// The version in a probe's file name (`scap_probe-X.Y.Z.o`).
fn named_version(path: &Path, module: &str) -> Option<Version> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix(&format!("{module}_probe-"))?
        .strip_suffix(".o")?
        .parse()
        .ok()
}
