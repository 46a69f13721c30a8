//! Facts about the project that every package states, from the workspace's
//! Cargo.toml (`[workspace.package]`, which cargo-deb reads too, and
//! `[workspace.metadata.scap-driver]`, through build.rs).

/// The first of `authors`: who maintains the packages.
pub const MAINTAINER: &str = env!("CARGO_PKG_AUTHORS");
pub const HOMEPAGE: &str = env!("CARGO_PKG_HOMEPAGE");
pub const COPYRIGHT_HOLDER: &str = env!("SCAP_COPYRIGHT_HOLDER");
/// SPDX, for rpm's License tag.
pub const LICENSE_SPDX: &str = env!("CARGO_PKG_LICENSE");
