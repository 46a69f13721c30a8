//! `scap-compat status`: what is installed and loaded, the versions, and
//! where each came from. Reports; judges nothing.

use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

use scap_driver_api::ioctl::DeviceVersions;
use scap_driver_api::modinfo::ModuleInfo;
use scap_driver_api::sections::ProbeSections;
use serde::Serialize;

use crate::dkms::{self, DkmsVersion};
use crate::loaded::{self, DeviceFailure};
use crate::module_search::{self, DepIndex};
use crate::object_file;
use crate::origin::{self, Origin};
use crate::system::System;

#[derive(Debug, Serialize)]
pub struct Status {
    pub running_kernel: String,
    pub loaded: LoadedState,
    pub kernels: Vec<KernelStatus>,
    pub dkms: Vec<DkmsVersion>,
    pub probe_dir: PathBuf,
    pub probes: Vec<ObjectStatus<ProbeSections>>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LoadedState {
    Absent,
    Live {
        sysfs_dir: PathBuf,
        version: Option<String>,
        refcnt: Option<u64>,
        device: Option<DeviceVersions>,
        /// Why the device was not asked, or what it answered instead.
        device_note: Option<String>,
    },
    Unreadable {
        error: String,
    },
}

#[derive(Debug, Serialize)]
pub struct KernelStatus {
    pub kernel: String,
    pub running: bool,
    pub modules_dep: Option<DepIndex>,
    pub modules: Vec<ObjectStatus<ModuleInfo>>,
    /// Why the search failed, if it did.
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ObjectStatus<T> {
    pub path: PathBuf,
    /// For modules: the copy modprobe loads.
    pub in_effect: bool,
    pub origin: Origin,
    pub versions: Option<T>,
    pub error: Option<String>,
}

const UNREADABLE_FIX: &str = "reinstall the package that owns it, or remove it";

pub fn collect(system: &System) -> Status {
    Status {
        running_kernel: system.running_kernel.clone(),
        loaded: loaded_status(system),
        kernels: kernels(system)
            .into_iter()
            .map(|kernel| kernel_status(system, kernel))
            .collect(),
        dkms: dkms::scan(&system.root, &system.module),
        probe_dir: system.probe_dir(),
        probes: system
            .probe_objects()
            .into_iter()
            .map(|path| {
                let read = object_file::read_probe(&path, UNREADABLE_FIX);
                object_status(system, path, None, true, read)
            })
            .collect(),
    }
}

fn loaded_status(system: &System) -> LoadedState {
    let found = match loaded::read_sysfs(&system.sysfs(), &system.module) {
        Ok(Some(found)) => found,
        Ok(None) => return LoadedState::Absent,
        Err(problem) => {
            return LoadedState::Unreadable {
                error: problem.to_string(),
            }
        }
    };
    let (device, device_note) = if system.is_root {
        match loaded::query_device(&system.dev(), &system.module) {
            Ok(versions) => (Some(versions), None),
            Err(DeviceFailure::PredatesVersioning(p) | DeviceFailure::Other(p)) => {
                (None, Some(p.to_string()))
            }
        }
    } else {
        (
            None,
            Some("run as root to ask the device for its versions".into()),
        )
    };
    LoadedState::Live {
        sysfs_dir: found.sysfs_dir,
        version: found.version,
        refcnt: found.refcnt,
        device,
        device_note,
    }
}

/// The kernels with a module directory, or the one asked for.
fn kernels(system: &System) -> Vec<String> {
    if system.kernel_given {
        return vec![system.kernel.clone()];
    }
    let mut all: Vec<String> = fs::read_dir(system.root.join("lib/modules"))
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    if !all.contains(&system.running_kernel) {
        all.push(system.running_kernel.clone());
    }
    all.sort();
    all
}

fn kernel_status(system: &System, kernel: String) -> KernelStatus {
    let running = kernel == system.running_kernel;
    match module_search::search(&system.root, &kernel, &system.module) {
        Ok(search) => {
            let mut modules = Vec::new();
            for (path, in_effect) in search
                .in_effect
                .iter()
                .map(|p| (p, true))
                .chain(search.others.iter().map(|p| (p, false)))
            {
                let read = object_file::read_module(path, UNREADABLE_FIX);
                modules.push(object_status(
                    system,
                    path.clone(),
                    Some(&kernel),
                    in_effect,
                    read,
                ));
            }
            KernelStatus {
                kernel,
                running,
                modules_dep: Some(search.modules_dep),
                modules,
                error: None,
            }
        }
        Err(problem) => KernelStatus {
            kernel,
            running,
            modules_dep: None,
            modules: Vec::new(),
            error: Some(problem.to_string()),
        },
    }
}

fn object_status<T>(
    system: &System,
    path: PathBuf,
    kernel: Option<&str>,
    in_effect: bool,
    read: Result<T, scap_driver_api::Problem>,
) -> ObjectStatus<T> {
    let (versions, error) = match read {
        Ok(v) => (Some(v), None),
        Err(problem) => (None, Some(problem.to_string())),
    };
    ObjectStatus {
        origin: origin::of(&system.root, &path, &system.module, kernel),
        path,
        in_effect,
        versions,
        error,
    }
}

pub fn human(status: &Status, module: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "running kernel: {}", status.running_kernel);
    match &status.loaded {
        LoadedState::Absent => {
            let _ = writeln!(out, "loaded: no {module} module is loaded");
        }
        LoadedState::Unreadable { error } => {
            let _ = writeln!(out, "loaded: {error}");
        }
        LoadedState::Live {
            sysfs_dir,
            version,
            refcnt,
            device,
            device_note,
        } => {
            let version = version.as_deref().unwrap_or("(no version)");
            let users = refcnt.map(|n| format!(", {n} users")).unwrap_or_default();
            let _ = writeln!(
                out,
                "loaded: {module} {version} ({}{users})",
                sysfs_dir.display()
            );
            if let Some(d) = device {
                let _ = writeln!(out, "  device: API {} schema {}", d.api, d.schema);
            }
            if let Some(note) = device_note {
                let _ = writeln!(out, "  device: {note}");
            }
        }
    }
    for k in &status.kernels {
        let running = if k.running { " (running)" } else { "" };
        let _ = writeln!(out, "kernel {}{running}:", k.kernel);
        if let Some(error) = &k.error {
            let _ = writeln!(out, "  {error}");
        }
        match &k.modules_dep {
            Some(DepIndex::Missing) => {
                let _ = writeln!(out, "  no modules.dep: run depmod -a {}", k.kernel);
            }
            Some(DepIndex::Dangling(path)) => {
                let _ = writeln!(
                    out,
                    "  modules.dep lists the missing {}: run depmod -a {}",
                    path.display(),
                    k.kernel
                );
            }
            _ => {}
        }
        if k.modules.is_empty() && k.error.is_none() {
            let _ = writeln!(out, "  no {module} module installed");
        }
        for m in &k.modules {
            let use_ = match (m.in_effect, &k.modules_dep) {
                (true, Some(DepIndex::Listed)) => "modprobe loads this",
                (true, _) | (false, _) => "not used by modprobe",
            };
            let versions = m.versions.as_ref().map(|i| {
                let built = i
                    .built_for()
                    .map(|k| format!(", built for {k}"))
                    .unwrap_or_default();
                format!("API {}, schema {}{built}", i.api, i.schema)
            });
            object_line(&mut out, &m.path, versions, &m.error, &m.origin, Some(use_));
        }
    }
    if status.dkms.is_empty() {
        let _ = writeln!(out, "DKMS: no {module} module");
    }
    for v in &status.dkms {
        let source = v
            .source
            .as_ref()
            .map(|s| format!(" (sources {})", s.display()))
            .unwrap_or_default();
        let _ = writeln!(out, "DKMS {module}/{}{source}:", v.version);
        if v.builds.is_empty() {
            let _ = writeln!(out, "  added, not built");
        }
        for b in &v.builds {
            let state = if b.installed {
                "installed"
            } else {
                "built, not installed"
            };
            let _ = writeln!(out, "  {}/{}: {state}", b.kernel, b.arch);
        }
    }
    let _ = writeln!(out, "probes in {}:", status.probe_dir.display());
    if status.probes.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for p in &status.probes {
        let versions = p.versions.map(|i| {
            let min_kernel = i
                .min_kernel
                .map(|k| format!(", min kernel {k}"))
                .unwrap_or_default();
            format!("API {}, schema {}{min_kernel}", i.api, i.schema)
        });
        object_line(&mut out, &p.path, versions, &p.error, &p.origin, None);
    }
    out
}

fn object_line(
    out: &mut String,
    path: &Path,
    versions: Option<String>,
    error: &Option<String>,
    origin: &Origin,
    use_: Option<&str>,
) {
    let use_ = use_.map(|u| format!(" [{u}]")).unwrap_or_default();
    match (versions, error) {
        (Some(v), _) => {
            let _ = writeln!(out, "  {}: {v}, from {origin}{use_}", path.display());
        }
        (None, Some(error)) => {
            let _ = writeln!(out, "  error: {error}");
        }
        (None, None) => {}
    }
}
