//! Where an installed driver file came from: DKMS, a package (dpkg or rpm
//! database), or nobody knows (copied by hand).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use crate::dkms;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Origin {
    Dkms { module: String, version: String },
    Package { name: String },
    Unknown,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Dkms { module, version } => write!(f, "DKMS {module}/{version}"),
            Origin::Package { name } => write!(f, "package {name}"),
            Origin::Unknown => f.write_str("no package (copied by hand?)"),
        }
    }
}

/// `path` is under `root`; `kernel` is set for module files.
pub fn of(root: &Path, path: &Path, module: &str, kernel: Option<&str>) -> Origin {
    let Ok(inside) = path.strip_prefix(root) else {
        return Origin::Unknown;
    };
    let system_path = Path::new("/").join(inside);
    if let Some(name) = dpkg_owner(root, &system_path).or_else(|| rpm_owner(root, &system_path)) {
        return Origin::Package { name };
    }
    // DKMS installs are owned by no package; like dkms itself, recognise
    // them as copies of the build DKMS installed for the kernel.
    if let Some(kernel) = kernel {
        if let Some((version, builds)) = dkms::installed_build(root, module, kernel) {
            let content = fs::read(path).ok();
            let same = |build: &PathBuf| {
                build == path
                    || (build.file_name() == path.file_name()
                        && content.is_some()
                        && fs::read(build).ok() == content)
            };
            if builds.iter().any(same) {
                return Origin::Dkms {
                    module: module.to_string(),
                    version,
                };
            }
        }
    }
    Origin::Unknown
}

/// The same file as dpkg may list it: merged /usr means /lib/x is /usr/lib/x.
fn spellings(path: &Path) -> Vec<String> {
    let text = path.display().to_string();
    let mut all = vec![text.clone()];
    if let Some(rest) = text.strip_prefix("/usr/lib/") {
        all.push(format!("/lib/{rest}"));
    } else if let Some(rest) = text.strip_prefix("/lib/") {
        all.push(format!("/usr/lib/{rest}"));
    }
    all
}

/// Asks dpkg (of the root's database), trying both spellings of the path.
fn dpkg_owner(root: &Path, path: &Path) -> Option<String> {
    let admindir = root.join("var/lib/dpkg");
    if !admindir.is_dir() {
        return None;
    }
    spellings(path).iter().find_map(|spelling| {
        let out = Command::new("dpkg-query")
            .arg(format!("--admindir={}", admindir.display()))
            .args(["-S", spelling])
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        // "pkg[:arch][, pkg2...]: /path"; diversions are other lines.
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text.lines().find(|l| !l.starts_with("diversion by "))?;
        let (packages, _) = line.split_once(": ")?;
        let first = packages.split(", ").next()?;
        Some(first.split(':').next().unwrap_or(first).to_string())
    })
}

/// Asks rpm, only where an rpm database exists.
fn rpm_owner(root: &Path, path: &Path) -> Option<String> {
    let has_db = ["var/lib/rpm", "usr/lib/sysimage/rpm"].iter().any(|dir| {
        root.join(dir).join("rpmdb.sqlite").exists() || root.join(dir).join("Packages").exists()
    });
    if !has_db {
        return None;
    }
    let out = Command::new("rpm")
        .arg("--root")
        .arg(root)
        .args(["-qf", "--qf", "%{NAME}\\n"])
        .arg(path)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let name = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()?
        .trim()
        .to_string();
    (!name.is_empty()).then_some(name)
}
