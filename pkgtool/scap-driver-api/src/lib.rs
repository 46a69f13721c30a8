//! The scap driver's contract, read and written in this one place by every
//! tool of the project: the packed 64-bit version code, the compatibility
//! rules of the versioning proposal, the names derived from the versions,
//! the driver sources (their versions and which files they are), the
//! probe's version sections, the module's `.modinfo`, the devices' version
//! ioctls, and the one-line error every tool gives.
//!
//! Features: `objects` reads the driver's ELF objects (`sections`,
//! `modinfo`; the `object` crate), `device` asks the module's devices
//! (`ioctl`; rustix). The rest needs neither.

pub mod compat;
pub mod error;
pub mod helper;
#[cfg(feature = "device")]
pub mod ioctl;
pub mod kernels;
#[cfg(feature = "objects")]
pub mod modinfo;
pub mod names;
#[cfg(feature = "objects")]
pub mod object;
#[cfg(feature = "objects")]
pub mod sections;
pub mod source;
pub mod version;

pub use compat::{check, Compatibility, Requirement, Strictness, Verdict, VersionKind};
pub use error::Problem;
pub use helper::CheckOutcome;
pub use kernels::{release_version, KernelRange, KernelSeries, SUPPORTED_KERNELS};
pub use names::Names;
pub use source::DriverSource;
pub use version::{Version, VersionError};
