//! The subcommands of pkgtool.

pub mod build;
pub mod recipes;
pub mod snippet;
pub mod version;
