//! The package files: .deb (ar, tar, gzip) and .rpm (the rpm crate).

pub mod deb;
pub mod rpm_package;
