//! The versions of an eBPF probe object: the packed 64-bit codes in its
//! 8-byte `api_version`, `schema_version` and `min_kernel` ELF sections
//! (`min_kernel` is optional: objects from before it lack it).

use std::path::Path;

use object::{Architecture, Endianness, Object, ObjectSection};
use scap_driver_api::Version;
use serde::Serialize;

use crate::object_file;
use crate::problem::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProbeInfo {
    #[serde(serialize_with = "crate::version_text::one")]
    pub api: Version,
    #[serde(serialize_with = "crate::version_text::one")]
    pub schema: Version,
    /// The oldest kernel the probe runs on; None for an object without the
    /// section.
    #[serde(serialize_with = "crate::version_text::optional")]
    pub min_kernel: Option<Version>,
}

pub fn read(path: &Path, fix: &str) -> Result<ProbeInfo, Problem> {
    let data = object_file::read(path, fix)?;
    let elf = object_file::parse_elf(path, &data, fix)?;
    if elf.architecture() != Architecture::Bpf {
        return Err(Problem::at(
            path,
            format!(
                "a {:?} object, not an eBPF object (ELF machine EM_BPF)",
                elf.architecture()
            ),
            fix,
        ));
    }
    let required = |name: &str| {
        version_section(path, &elf, name, fix)?.ok_or_else(|| {
            Problem::at(
                path,
                format!("no {name} section: not a scap probe, or one from before API versioning"),
                fix,
            )
        })
    };
    Ok(ProbeInfo {
        api: required("api_version")?,
        schema: required("schema_version")?,
        min_kernel: version_section(path, &elf, "min_kernel", fix)?,
    })
}

/// The version in the section, None if there is no such section; a
/// section of another size than 8 bytes or with bit 63 set is corrupt.
fn version_section(
    path: &Path,
    elf: &object::File<'_>,
    name: &str,
    fix: &str,
) -> Result<Option<Version>, Problem> {
    let Some(section) = elf.section_by_name(name) else {
        return Ok(None);
    };
    let bytes = section.data().map_err(|err| {
        Problem::at(
            path,
            format!("damaged or truncated {name} section ({err})"),
            fix,
        )
    })?;
    let bytes: [u8; 8] = bytes.try_into().map_err(|_| {
        Problem::at(
            path,
            format!(
                "section {name} has {} bytes, expected 8 (the packed 64-bit version code)",
                bytes.len()
            ),
            fix,
        )
    })?;
    let code = match elf.endianness() {
        Endianness::Little => u64::from_le_bytes(bytes),
        Endianness::Big => u64::from_be_bytes(bytes),
    };
    Version::decode(code)
        .map(Some)
        .map_err(|err| Problem::at(path, format!("section {name}: {err}"), fix))
}
