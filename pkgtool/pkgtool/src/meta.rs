//! Facts about the project that every package states.

pub const MAINTAINER: &str = "scap driver packagers <scap-driver@lists.example.org>";
pub const HOMEPAGE: &str = "https://example.org/scap-driver";
pub const COPYRIGHT_HOLDER: &str = "The scap driver authors";
/// SPDX, for rpm's License tag.
pub const LICENSE_SPDX: &str = "GPL-2.0-only";
