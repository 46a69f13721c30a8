//! The ELF objects of the driver, as every tool reads them: the module's
//! `.ko` ([`crate::modinfo`]) and the probe's `.o` ([`crate::sections`]).
//! Errors say what is wrong with the object; the caller names the object
//! and the fix ([`ObjectError::at`]), which depends on where it came from.

use std::fmt;
use std::path::Path;

use object::read::elf::{ElfFile32, ElfFile64};
use object::{Architecture, Endianness, FileKind, Object, ObjectSection};

use crate::error::Problem;

/// What kind of fault an object has, for callers whose fix depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Not an object of the kind asked for: not ELF, or ELF of another
    /// machine.
    WrongKind,
    /// The right kind of object without the driver's versions, or with
    /// damaged ones.
    BadVersions,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectError {
    pub fault: Fault,
    /// What is wrong, without the object's name or a fix.
    pub what: String,
}

impl ObjectError {
    pub(crate) fn wrong_kind(what: impl Into<String>) -> Self {
        Self {
            fault: Fault::WrongKind,
            what: what.into(),
        }
    }

    pub(crate) fn bad_versions(what: impl Into<String>) -> Self {
        Self {
            fault: Fault::BadVersions,
            what: what.into(),
        }
    }

    /// The one-line error naming the object and the fix.
    pub fn at(self, path: &Path, fix: impl Into<String>) -> Problem {
        Problem::at(path, self.what, fix)
    }
}

impl fmt::Display for ObjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

impl std::error::Error for ObjectError {}

/// An ELF object of either class. ELF only: `object::File` would also
/// carry the PE and Mach-O readers into every call, and into the static
/// scap-compat.
#[derive(Debug)]
pub enum Elf<'data> {
    Elf32(ElfFile32<'data, Endianness>),
    Elf64(ElfFile64<'data, Endianness>),
}

impl<'data> Elf<'data> {
    pub fn architecture(&self) -> Architecture {
        match self {
            Elf::Elf32(elf) => elf.architecture(),
            Elf::Elf64(elf) => elf.architecture(),
        }
    }

    pub fn endianness(&self) -> Endianness {
        match self {
            Elf::Elf32(elf) => elf.endianness(),
            Elf::Elf64(elf) => elf.endianness(),
        }
    }

    /// The contents of the section of that name, None when there is none.
    pub fn section(&self, name: &str) -> Option<object::Result<&'data [u8]>> {
        match self {
            Elf::Elf32(elf) => elf.section_by_name(name).map(|s| s.data()),
            Elf::Elf64(elf) => elf.section_by_name(name).map(|s| s.data()),
        }
    }
}

/// Parses ELF, with an error that says so rather than the parser's jargon alone.
pub fn parse_elf(data: &[u8]) -> Result<Elf<'_>, ObjectError> {
    if !data.starts_with(b"\x7fELF") {
        return Err(ObjectError::wrong_kind(if data.is_empty() {
            "empty file, not an ELF object"
        } else {
            "not an ELF object (no ELF magic)"
        }));
    }
    let damaged = |err: object::Error| {
        ObjectError::wrong_kind(format!("damaged or truncated ELF object ({err})"))
    };
    match FileKind::parse(data).map_err(damaged)? {
        FileKind::Elf32 => ElfFile32::parse(data).map(Elf::Elf32).map_err(damaged),
        FileKind::Elf64 => ElfFile64::parse(data).map(Elf::Elf64).map_err(damaged),
        other => Err(ObjectError::wrong_kind(format!(
            "damaged or truncated ELF object (read as {other:?})"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_elf_says_so() {
        assert_eq!(
            parse_elf(b"").unwrap_err().what,
            "empty file, not an ELF object"
        );
        assert_eq!(
            parse_elf(b"not an object\n").unwrap_err().what,
            "not an ELF object (no ELF magic)"
        );
        let err = parse_elf(b"\x7fELF\x02\x01").unwrap_err();
        assert!(
            err.what.starts_with("damaged or truncated ELF object ("),
            "{err}"
        );
        assert_eq!(err.fault, Fault::WrongKind);
    }
}
