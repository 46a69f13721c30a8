//! Asks the module's first online device for its versions (the version
//! ioctls of scap-driver-api), through a query handle.

use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use scap_driver_api::ioctl::{self, DeviceVersions, VersionsError};
use scap_driver_api::Problem;

/// libscap opens one device per possible CPU; offline ones fail with ENODEV.
const MAX_DEVICES: usize = 8192;

pub enum QueryError {
    /// ENOTTY from the API version ioctl: a driver from before versioning.
    Unsupported {
        device: PathBuf,
    },
    Failed(Problem),
}

pub fn query_first(dev: &Path, module: &str) -> Result<DeviceVersions, QueryError> {
    for n in 0..MAX_DEVICES {
        let device = dev.join(format!("{module}{n}"));
        // O_RDONLY: our driver makes that a query handle (no consumer, no
        // ring, no tracepoints, no max_consumers slot; driver-src/INTERFACE.md),
        // so the check changes nothing and works while max_consumers
        // consumers run. Drivers that make every open a consumer (Debian's
        // falcosecurity-scap-dkms) accept it as they accept O_RDWR, and then
        // may refuse it with EBUSY, like a consumer.
        let fd = match rustix::fs::open(&device, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NODEV) => continue,
            Err(err) => return Err(open_failure(device, err)),
        };
        return read_versions(&fd, device);
    }
    Err(QueryError::Failed(Problem::at(
        &dev.join(format!("{module}0")),
        format!("all of the first {MAX_DEVICES} devices are offline (ENODEV)"),
        "bring a CPU online",
    )))
}

fn open_failure(device: PathBuf, err: Errno) -> QueryError {
    let fix = match err {
        Errno::NOENT => "the module is loaded but has no device node: check udev, or reload it",
        Errno::ACCESS | Errno::PERM => "run as root to query the driver's versions",
        Errno::BUSY => {
            "max_consumers consumers have it open and this driver counts a read-only open as one; check again when one stops"
        }
        _ => "check the module's kernel log (dmesg)",
    };
    QueryError::Failed(Problem::at(&device, format!("cannot open: {err}"), fix))
}

fn read_versions(fd: &rustix::fd::OwnedFd, device: PathBuf) -> Result<DeviceVersions, QueryError> {
    ioctl::versions(fd).map_err(|err| match err {
        VersionsError::Unsupported => QueryError::Unsupported { device },
        VersionsError::Failed { kind, errno } => QueryError::Failed(Problem::at(
            &device,
            format!("the {kind} version ioctl failed: {errno}"),
            "check the module's kernel log (dmesg)",
        )),
        VersionsError::BadCode { kind, error } => QueryError::Failed(Problem::at(
            &device,
            format!("the {kind} version ioctl returned {error}"),
            "the driver is broken: reinstall it and reload the module",
        )),
    })
}
