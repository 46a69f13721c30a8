//! The version ioctls of the module's devices (driver-src/scap_abi.h):
//! `_IO('s', 24)` and `_IO('s', 25)` write the packed API and schema codes
//! through the pointer argument, although no size or direction is encoded.

use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use rustix::ioctl::{ioctl, opcode, Getter, Opcode};
use scap_driver_api::Version;
use serde::Serialize;

use crate::problem::Problem;

const GET_API_VERSION: Opcode = opcode::none(b's', 24);
const GET_SCHEMA_VERSION: Opcode = opcode::none(b's', 25);

/// libscap opens one device per possible CPU; offline ones fail with ENODEV.
const MAX_DEVICES: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeviceVersions {
    #[serde(serialize_with = "crate::version_text::one")]
    pub api: Version,
    #[serde(serialize_with = "crate::version_text::one")]
    pub schema: Version,
}

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
    // SAFETY: both ioctls write exactly one u64 through the pointer.
    let api = unsafe { ioctl(fd, Getter::<GET_API_VERSION, u64>::new()) };
    let api = match api {
        Ok(code) => code,
        Err(Errno::NOTTY) => return Err(QueryError::Unsupported { device }),
        Err(err) => return Err(ioctl_failure(device, "API", err)),
    };
    // SAFETY: as above.
    let schema = unsafe { ioctl(fd, Getter::<GET_SCHEMA_VERSION, u64>::new()) }
        .map_err(|err| ioctl_failure(device.clone(), "schema", err))?;
    let decode = |code: u64, which: &str| {
        Version::decode(code).map_err(|err| {
            QueryError::Failed(Problem::at(
                &device,
                format!("the {which} version ioctl returned {err}"),
                "the driver is broken: reinstall it and reload the module",
            ))
        })
    };
    Ok(DeviceVersions {
        api: decode(api, "API")?,
        schema: decode(schema, "schema")?,
    })
}

fn ioctl_failure(device: PathBuf, which: &str, err: Errno) -> QueryError {
    QueryError::Failed(Problem::at(
        &device,
        format!("the {which} version ioctl failed: {err}"),
        "check the module's kernel log (dmesg)",
    ))
}
