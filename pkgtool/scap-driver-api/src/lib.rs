//! Facts about the scap driver that every tool of this project shares:
//! the packed 64-bit version code, the compatibility rules of the
//! versioning proposal, the names derived from the versions, and how the
//! versions are read from `driver-src/`.

pub mod compat;
pub mod helper;
pub mod kernels;
pub mod names;
pub mod source;
pub mod version;

pub use compat::{check, Compatibility, Requirement, Strictness, VersionKind};
pub use helper::CheckOutcome;
pub use kernels::{release_version, KernelRange, KernelSeries, SUPPORTED_KERNELS};
pub use names::Names;
pub use source::{DriverSource, SourceError};
pub use version::{Version, VersionError};
