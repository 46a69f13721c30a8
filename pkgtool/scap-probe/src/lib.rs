//! The scap probe's loader: checks a probe object's versions and the kernel
//! before anything is loaded, then attaches it and records its events as a
//! `.scap` capture; records the kernel module's rings the same way.

pub mod capture;
pub mod check;
pub mod load;
pub mod rings;
