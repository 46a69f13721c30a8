//! Finds the module installed for a kernel the way modprobe does: the entry
//! of `/lib/modules/<release>/modules.dep` (which depmod wrote after ordering
//! `updates/` before the rest). Files in the places DKMS and module packages
//! install to that modules.dep does not name are reported too: modprobe
//! cannot see them (depmod not run) or another copy shadows them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use scap_driver_api::Problem;
use serde::Serialize;

/// Where out-of-tree modules go, relative to `/lib/modules/<release>`:
/// `updates/` (Debian's DKMS: updates/dkms), `extra/` (RPM kmods, DKMS
/// elsewhere), `kernel/extra/` (DEST_MODULE_LOCATION of Debian's
/// falcosecurity-scap-dkms on other distributions), `weak-updates/` (RHEL).
pub const OUT_OF_TREE_DIRS: [&str; 4] = ["updates", "extra", "kernel/extra", "weak-updates"];

/// The suffixes kmod loads, uncompressed first.
pub const MODULE_SUFFIXES: [&str; 4] = [".ko", ".ko.xz", ".ko.zst", ".ko.gz"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleSearch {
    pub kernel: String,
    /// `<root>/lib/modules/<release>`.
    pub modules_dir: PathBuf,
    pub modules_dep: DepIndex,
    /// The file modprobe loads, from modules.dep.
    pub in_effect: Option<PathBuf>,
    /// Other copies modprobe does not load.
    pub others: Vec<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DepIndex {
    /// No modules.dep: depmod never ran for this kernel.
    Missing,
    /// modules.dep lists the module at this path, which does not exist.
    Dangling(PathBuf),
    /// modules.dep does not list the module.
    Unlisted,
    Listed,
}

/// Kernel module names treat `-` and `_` alike.
fn same_module(file_name: &str, module: &str) -> bool {
    MODULE_SUFFIXES.iter().any(|suffix| {
        file_name
            .strip_suffix(suffix)
            .is_some_and(|stem| stem.replace('-', "_") == module.replace('-', "_"))
    })
}

pub fn search(root: &Path, kernel: &str, module: &str) -> Result<ModuleSearch, Problem> {
    let modules_dir = root.join("lib/modules").join(kernel);
    let dep_file = modules_dir.join("modules.dep");
    let (modules_dep, in_effect) = match fs::read_to_string(&dep_file) {
        Ok(text) => match listed_path(&text, module) {
            Some(rel) => {
                let path = if rel.is_absolute() {
                    root.join(rel.strip_prefix("/").unwrap_or(&rel))
                } else {
                    modules_dir.join(rel)
                };
                if path.is_file() {
                    (DepIndex::Listed, Some(path))
                } else {
                    (DepIndex::Dangling(path), None)
                }
            }
            None => (DepIndex::Unlisted, None),
        },
        Err(err) if err.kind() == io::ErrorKind::NotFound => (DepIndex::Missing, None),
        Err(err) => {
            return Err(Problem::at(
                &dep_file,
                format!("cannot read: {err}"),
                "run as a user who can read /lib/modules, or repair it with depmod -a",
            ))
        }
    };
    // In search order (depmod's: updates/ first), sorted within each place.
    let mut others: Vec<PathBuf> = Vec::new();
    for dir in OUT_OF_TREE_DIRS {
        let mut found = Vec::new();
        collect(&modules_dir.join(dir), module, &mut found);
        found.sort();
        for path in found {
            if !others.contains(&path) {
                others.push(path);
            }
        }
    }
    others.retain(|p| Some(p) != in_effect.as_ref());
    Ok(ModuleSearch {
        kernel: kernel.to_string(),
        modules_dir,
        modules_dep,
        in_effect,
        others,
    })
}

/// The path modules.dep gives for the module (`path: deps...` per line).
fn listed_path(modules_dep: &str, module: &str) -> Option<PathBuf> {
    modules_dep.lines().find_map(|line| {
        let path = line.split_once(':')?.0.trim();
        let file_name = Path::new(path).file_name()?.to_str()?;
        same_module(file_name, module).then(|| PathBuf::from(path))
    })
}

fn collect(dir: &Path, module: &str, found: &mut Vec<PathBuf>) {
    // Unreadable or absent directories hold nothing modprobe could load either.
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect(&path, module, found);
        } else if entry
            .file_name()
            .to_str()
            .is_some_and(|name| same_module(name, module))
        {
            found.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_dep_lines_match_whole_module_names() {
        let dep = "kernel/fs/ext4/ext4.ko.xz: kernel/fs/jbd2/jbd2.ko.xz\n\
                   updates/dkms/scap_extra.ko:\n\
                   updates/dkms/scap.ko.zst:\n\
                   extra/scap.ko:\n";
        assert_eq!(
            listed_path(dep, "scap"),
            Some(PathBuf::from("updates/dkms/scap.ko.zst"))
        );
        assert_eq!(
            listed_path(dep, "scap-extra"),
            Some(PathBuf::from("updates/dkms/scap_extra.ko"))
        );
        assert_eq!(listed_path(dep, "sca"), None);
        assert!(!same_module("scap.ko.bak", "scap"));
        assert!(!same_module("scap.o", "scap"));
    }
}
