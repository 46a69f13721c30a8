//! The probe's self-description: its API and schema versions and the
//! oldest kernel it runs on, each the packed 64-bit code of
//! [`Version::encode`] in an 8-byte ELF section of the object's byte order
//! (written by `driver-src/scap_version.h`'s macros in `probe/`). Read
//! without loading anything.

use object::{Architecture, Endianness};
use serde::Serialize;

use crate::object::{parse_elf, Elf, ObjectError};
use crate::version::text;
use crate::Version;

pub const API_SECTION: &str = "api_version";
pub const SCHEMA_SECTION: &str = "schema_version";
pub const MIN_KERNEL_SECTION: &str = "min_kernel";

/// The size of each section: one packed version code.
pub const SECTION_BYTES: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProbeSections {
    #[serde(serialize_with = "text::one")]
    pub api: Version,
    #[serde(serialize_with = "text::one")]
    pub schema: Version,
    /// The oldest kernel the probe runs on; None for an object from before
    /// the section.
    #[serde(serialize_with = "text::optional")]
    pub min_kernel: Option<Version>,
}

/// Reads the sections of an eBPF object; `api_version` and
/// `schema_version` must be there, `min_kernel` may be missing.
pub fn read(data: &[u8]) -> Result<ProbeSections, ObjectError> {
    let elf = parse_elf(data)?;
    if elf.architecture() != Architecture::Bpf {
        return Err(ObjectError::wrong_kind(format!(
            "a {:?} object, not an eBPF object (ELF machine EM_BPF)",
            elf.architecture()
        )));
    }
    let required = |name: &str| {
        version_section(&elf, name)?.ok_or_else(|| {
            ObjectError::bad_versions(format!(
                "no {name} section: not a scap probe, or one from before API versioning"
            ))
        })
    };
    Ok(ProbeSections {
        api: required(API_SECTION)?,
        schema: required(SCHEMA_SECTION)?,
        min_kernel: version_section(&elf, MIN_KERNEL_SECTION)?,
    })
}

/// The version in the section, None if there is no such section; a
/// section of another size than 8 bytes or with bit 63 set is corrupt.
fn version_section(elf: &Elf<'_>, name: &str) -> Result<Option<Version>, ObjectError> {
    let Some(bytes) = elf.section(name) else {
        return Ok(None);
    };
    let bytes = bytes.map_err(|err| {
        ObjectError::bad_versions(format!("damaged or truncated {name} section ({err})"))
    })?;
    let bytes: [u8; SECTION_BYTES] = bytes.try_into().map_err(|_| {
        ObjectError::bad_versions(format!(
            "section {name} has {} bytes, expected {SECTION_BYTES} (the packed 64-bit version code)",
            bytes.len()
        ))
    })?;
    let code = match elf.endianness() {
        Endianness::Little => u64::from_le_bytes(bytes),
        Endianness::Big => u64::from_be_bytes(bytes),
    };
    Version::decode(code)
        .map(Some)
        .map_err(|err| ObjectError::bad_versions(format!("section {name}: {err}")))
}
