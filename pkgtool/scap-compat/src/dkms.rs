//! What DKMS knows of the module, read from its tree the way dkms 3 lays it
//! out: `/var/lib/dkms/<module>/<version>/source` (link to the sources),
//! `<version>/<kernel>/<arch>/module/<module>.ko*` (built), and
//! `<module>/kernel-<kernel>-<arch>` (link to the installed build).

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub const DKMS_TREE: &str = "var/lib/dkms";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DkmsVersion {
    pub version: String,
    /// Where `source` points (e.g. /usr/src/scap-1.0.0), if it exists.
    pub source: Option<PathBuf>,
    pub builds: Vec<DkmsBuild>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DkmsBuild {
    pub kernel: String,
    pub arch: String,
    pub files: Vec<PathBuf>,
    /// DKMS installed this build into /lib/modules/<kernel>.
    pub installed: bool,
}

/// Every version of the module DKMS holds; empty without DKMS.
pub fn scan(root: &Path, module: &str) -> Vec<DkmsVersion> {
    let module_dir = root.join(DKMS_TREE).join(module);
    let mut versions: Vec<DkmsVersion> = subdirs(&module_dir)
        .into_iter()
        .filter(|(name, path)| !name.starts_with("kernel-") && !path.is_symlink())
        .map(|(version, path)| {
            let mut builds = Vec::new();
            for (kernel, kernel_dir) in subdirs(&path) {
                if kernel == "source" || kernel == "build" {
                    continue;
                }
                for (arch, arch_dir) in subdirs(&kernel_dir) {
                    let installed = installed_version(root, module, &kernel, &arch).as_deref()
                        == Some(version.as_str());
                    builds.push(DkmsBuild {
                        files: module_files(&arch_dir.join("module")),
                        kernel: kernel.clone(),
                        arch,
                        installed,
                    });
                }
            }
            DkmsVersion {
                source: fs::read_link(path.join("source")).ok(),
                version,
                builds,
            }
        })
        .collect();
    versions.sort_by(|a, b| a.version.cmp(&b.version));
    versions
}

/// The version DKMS installed for a kernel: the `kernel-<kernel>-<arch>`
/// link points at `<version>/<kernel>/<arch>`.
pub fn installed_version(root: &Path, module: &str, kernel: &str, arch: &str) -> Option<String> {
    let link = root
        .join(DKMS_TREE)
        .join(module)
        .join(format!("kernel-{kernel}-{arch}"));
    let target = fs::read_link(link).ok()?;
    let first = target.components().find(|c| {
        !matches!(
            c,
            std::path::Component::CurDir | std::path::Component::ParentDir
        )
    })?;
    Some(first.as_os_str().to_string_lossy().into_owned())
}

/// The DKMS version installed for a kernel (any architecture) and the
/// module files of that build.
pub fn installed_build(root: &Path, module: &str, kernel: &str) -> Option<(String, Vec<PathBuf>)> {
    let prefix = format!("kernel-{kernel}-");
    subdirs_and_links(&root.join(DKMS_TREE).join(module))
        .into_iter()
        .find_map(|(name, _)| {
            let arch = name.strip_prefix(&prefix)?;
            let version = installed_version(root, module, kernel, arch)?;
            let build = root
                .join(DKMS_TREE)
                .join(module)
                .join(&version)
                .join(kernel)
                .join(arch)
                .join("module");
            Some((version, module_files(&build)))
        })
}

fn subdirs(dir: &Path) -> Vec<(String, PathBuf)> {
    subdirs_and_links(dir)
        .into_iter()
        .filter(|(_, path)| path.is_dir())
        .collect()
}

fn subdirs_and_links(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .collect();
    found.sort();
    found
}

fn module_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}
