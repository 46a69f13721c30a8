//! What the packages hold, made or checked before any package is written:
//! the module built per kernel, the probe object, the helper's binary.

pub mod elf;
pub mod helper_crate;
pub mod kbuild;
pub mod probe_object;
