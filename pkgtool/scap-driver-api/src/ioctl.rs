//! The ioctls of the module's devices that the tools use
//! (`driver-src/scap_abi.h`, numbered as libscap numbers them): `_IO('s', n)`,
//! no size or direction encoded. The version ioctls 24 and 25 write the
//! packed API and schema codes through the pointer argument all the same.

use rustix::fd::AsFd;
use rustix::io::Errno;
use rustix::ioctl::{ioctl, opcode, Getter, NoArg, Opcode};
use serde::Serialize;

use crate::version::text;
use crate::{Version, VersionError, VersionKind};

pub const DISABLE_CAPTURE: Opcode = opcode::none(b's', 0);
pub const ENABLE_CAPTURE: Opcode = opcode::none(b's', 1);
pub const GET_API_VERSION: Opcode = opcode::none(b's', 24);
pub const GET_SCHEMA_VERSION: Opcode = opcode::none(b's', 25);

/// The versions a device reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeviceVersions {
    #[serde(serialize_with = "text::one")]
    pub api: Version,
    #[serde(serialize_with = "text::one")]
    pub schema: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionsError {
    /// ENOTTY from the API version ioctl: a driver from before versioning.
    Unsupported,
    /// The ioctl of this version failed otherwise.
    Failed { kind: VersionKind, errno: Errno },
    /// It wrote a code that is not a version (bit 63 set).
    BadCode {
        kind: VersionKind,
        error: VersionError,
    },
}

/// Asks an open device for its API and schema versions.
pub fn versions(device: impl AsFd) -> Result<DeviceVersions, VersionsError> {
    // SAFETY: both ioctls write exactly one u64 through the pointer.
    let api = match unsafe { ioctl(&device, Getter::<GET_API_VERSION, u64>::new()) } {
        Ok(code) => code,
        Err(Errno::NOTTY) => return Err(VersionsError::Unsupported),
        Err(errno) => {
            return Err(VersionsError::Failed {
                kind: VersionKind::Api,
                errno,
            })
        }
    };
    // SAFETY: as above.
    let schema =
        unsafe { ioctl(&device, Getter::<GET_SCHEMA_VERSION, u64>::new()) }.map_err(|errno| {
            VersionsError::Failed {
                kind: VersionKind::Schema,
                errno,
            }
        })?;
    let decode =
        |code, kind| Version::decode(code).map_err(|error| VersionsError::BadCode { kind, error });
    Ok(DeviceVersions {
        api: decode(api, VersionKind::Api)?,
        schema: decode(schema, VersionKind::Schema)?,
    })
}

/// Starts writing events to a consumer's ring.
pub fn enable_capture(device: impl AsFd) -> Result<(), Errno> {
    // SAFETY: an ioctl without argument.
    unsafe { ioctl(&device, NoArg::<ENABLE_CAPTURE>::new()) }
}

/// Stops writing events to a consumer's ring.
pub fn disable_capture(device: impl AsFd) -> Result<(), Errno> {
    // SAFETY: an ioctl without argument.
    unsafe { ioctl(&device, NoArg::<DISABLE_CAPTURE>::new()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_libscaps() {
        // _IO('s', n): 0x73 << 8 | n, as libscap's ppm_ioctl numbers.
        assert_eq!(GET_API_VERSION, 0x7318);
        assert_eq!(GET_SCHEMA_VERSION, 0x7319);
        assert_eq!(ENABLE_CAPTURE, 0x7301);
        assert_eq!(DISABLE_CAPTURE, 0x7300);
    }
}
