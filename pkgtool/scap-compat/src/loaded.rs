//! The module loaded in the running kernel: `/sys/module/<name>/` (readable
//! by anyone) and, as root, the version ioctls on its first device.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use scap_driver_api::ioctl::DeviceVersions;
use scap_driver_api::Problem;
use serde::Serialize;

use crate::device;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadedModule {
    pub sysfs_dir: PathBuf,
    /// `/sys/module/<name>/version` (MODULE_VERSION), if the module has one.
    pub version: Option<String>,
    /// How many holders the module has: open devices, i.e. running consumers.
    pub refcnt: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceFailure {
    /// ENOTTY from the API version ioctl.
    PredatesVersioning(Problem),
    Other(Problem),
}

/// Reads `<sysfs>/module/<module>`; None when the module is not loaded.
/// `/sys/module/<name>` also exists for built-in code with parameters:
/// only a loadable module has `initstate`.
pub fn read_sysfs(sysfs: &Path, module: &str) -> Result<Option<LoadedModule>, Problem> {
    let dir = sysfs.join("module").join(module.replace('-', "_"));
    let initstate = match fs::read_to_string(dir.join("initstate")) {
        Ok(state) => state,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(Problem::at(
                &dir.join("initstate"),
                format!("cannot read: {err}"),
                "mount sysfs on /sys (mount -t sysfs sysfs /sys)",
            ))
        }
    };
    if initstate.trim() != "live" {
        return Err(Problem::at(
            &dir.join("initstate"),
            format!("the module is {:?}, not live", initstate.trim()),
            "wait for it to finish loading or unloading, then check again",
        ));
    }
    let read_trimmed = |name: &str| -> Result<Option<String>, Problem> {
        match fs::read_to_string(dir.join(name)) {
            Ok(text) => Ok(Some(text.trim_end_matches('\n').to_string())),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(Problem::at(
                &dir.join(name),
                format!("cannot read: {err}"),
                "check that sysfs is mounted and readable",
            )),
        }
    };
    let version = read_trimmed("version")?;
    let refcnt = read_trimmed("refcnt")?.and_then(|n| n.trim().parse().ok());
    Ok(Some(LoadedModule {
        sysfs_dir: dir,
        version,
        refcnt,
    }))
}

/// Asks the first online device `<dev>/<module>N` for its versions.
pub fn query_device(dev: &Path, module: &str) -> Result<DeviceVersions, DeviceFailure> {
    device::query_first(dev, module).map_err(|err| match err {
        device::QueryError::Unsupported { device } => {
            DeviceFailure::PredatesVersioning(Problem::at(
                &device,
                "the API version ioctl fails with ENOTTY: the driver predates API versioning",
                "install a versioned driver and reload the module when no consumer runs",
            ))
        }
        device::QueryError::Failed(problem) => DeviceFailure::Other(problem),
    })
}

#[cfg(test)]
mod tests {
    //! Parsing of a sysfs-like tree only; the real /sys of a kernel with
    //! the module loaded is the VM tests' business.
    use super::*;

    fn tree(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("scap-compat-sysfs-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let dir = root.join("module/scap");
        fs::create_dir_all(&dir).unwrap();
        for (file, content) in files {
            fs::write(dir.join(file), content).unwrap();
        }
        root
    }

    #[test]
    fn live_module_with_version_and_users() {
        let root = tree(
            "live",
            &[
                ("initstate", "live\n"),
                ("version", "1.3.0\n"),
                ("refcnt", "2\n"),
            ],
        );
        let loaded = read_sysfs(&root, "scap").unwrap().unwrap();
        assert_eq!(loaded.version.as_deref(), Some("1.3.0"));
        assert_eq!(loaded.refcnt, Some(2));
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn builtin_parameters_dir_is_not_a_loaded_module() {
        let root = tree("builtin", &[("version", "1.0.0\n")]);
        assert_eq!(read_sysfs(&root, "scap").unwrap(), None);
        assert_eq!(read_sysfs(&root, "other").unwrap(), None);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn module_without_version_and_going_modules() {
        let root = tree("noversion", &[("initstate", "live\n")]);
        let loaded = read_sysfs(&root, "scap").unwrap().unwrap();
        assert_eq!(loaded.version, None);
        fs::write(root.join("module/scap/initstate"), "going\n").unwrap();
        let err = read_sysfs(&root, "scap").unwrap_err().to_string();
        assert!(err.contains("initstate: the module is \"going\""), "{err}");
        fs::remove_dir_all(root).unwrap();
    }
}
