//! The system being looked at: its root directory (a chroot or image with
//! `--root`), the kernel release, the module name, and whether we are root.

use std::fs;
use std::path::PathBuf;

use scap_driver_api::names::PROBE_DIR;

pub struct System {
    /// `/`, or the root of a chroot or image; /sys and /dev are read under it.
    pub root: PathBuf,
    pub module: String,
    /// The kernel whose installed module is checked.
    pub kernel: String,
    /// Whether the kernel was given (--kernel) rather than the running one.
    pub kernel_given: bool,
    pub running_kernel: String,
    pub is_root: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    Apt,
    Rpm,
}

impl System {
    pub fn new(root: PathBuf, module: String, kernel: Option<String>) -> Self {
        let running_kernel = rustix::system::uname()
            .release()
            .to_string_lossy()
            .into_owned();
        Self {
            root,
            module,
            kernel_given: kernel.is_some(),
            kernel: kernel.unwrap_or_else(|| running_kernel.clone()),
            running_kernel,
            is_root: rustix::process::geteuid().is_root(),
        }
    }

    pub fn sysfs(&self) -> PathBuf {
        self.root.join("sys")
    }

    pub fn dev(&self) -> PathBuf {
        self.root.join("dev")
    }

    pub fn kernel_is_running(&self) -> bool {
        self.running_kernel == self.kernel
    }

    /// dpkg if the root has a dpkg database, else rpm if it has one.
    pub fn package_manager(&self) -> PackageManager {
        if self.root.join("var/lib/dpkg").is_dir() || !self.root.join("var/lib/rpm").is_dir() {
            PackageManager::Apt
        } else {
            PackageManager::Rpm
        }
    }

    pub fn install(&self, package: &str) -> String {
        match self.package_manager() {
            PackageManager::Apt => format!("apt-get install {package}"),
            PackageManager::Rpm => format!("dnf install {package}"),
        }
    }

    pub fn reinstall(&self, package: &str) -> String {
        match self.package_manager() {
            PackageManager::Apt => format!("apt-get install --reinstall {package}"),
            PackageManager::Rpm => format!("dnf reinstall {package}"),
        }
    }

    /// The probe objects the probe packages installed (`<module>_probe-*.o`).
    pub fn probe_objects(&self) -> Vec<PathBuf> {
        let Ok(entries) = fs::read_dir(self.probe_dir()) else {
            return Vec::new();
        };
        let prefix = format!("{}_probe-", self.module);
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".o"))
            })
            .collect();
        found.sort();
        found
    }

    pub fn probe_dir(&self) -> PathBuf {
        self.root.join(PROBE_DIR.trim_start_matches('/'))
    }
}
