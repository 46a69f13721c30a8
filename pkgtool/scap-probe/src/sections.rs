//! What a probe object says about itself, read from its ELF sections
//! without loading anything: the API and schema versions and the oldest
//! kernel it runs on, each an 8-byte packed version code.

use std::path::{Path, PathBuf};

use object::{Architecture, Object, ObjectSection};
use scap_driver_api::{Version, VersionError};

pub const API_SECTION: &str = "api_version";
pub const SCHEMA_SECTION: &str = "schema_version";
pub const MIN_KERNEL_SECTION: &str = "min_kernel";

/// What to do about a bad object, for every error below.
const FIX: &str = "rebuild it (make -C probe) or reinstall the probe package";

#[derive(Debug, thiserror::Error)]
pub enum SectionsError {
    #[error("{}: cannot read: {source}; pass the path of a scap probe object", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not an ELF object ({reason}); pass a scap probe object (scap_probe-X.Y.Z.o)", path.display())]
    NotElf { path: PathBuf, reason: String },
    #[error("{}: an ELF object for {arch}, not eBPF; pass a scap probe object (scap_probe-X.Y.Z.o)", path.display())]
    NotBpf { path: PathBuf, arch: String },
    #[error("{}: no `{section}` section: not a scap probe, or one without versions; {FIX}", path.display())]
    Missing {
        path: PathBuf,
        section: &'static str,
    },
    #[error("{}: section `{section}` has {len} bytes, a version code has 8; the object is corrupt: {FIX}", path.display())]
    BadLength {
        path: PathBuf,
        section: &'static str,
        len: usize,
    },
    #[error("{}: section `{section}`: {source}; the object is corrupt: {FIX}", path.display())]
    BadCode {
        path: PathBuf,
        section: &'static str,
        source: VersionError,
    },
}

/// The self-description of a probe object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeInfo {
    pub api: Version,
    pub schema: Version,
    pub min_kernel: Version,
}

impl ProbeInfo {
    pub fn read_file(path: &Path) -> Result<(Self, Vec<u8>), SectionsError> {
        let bytes = std::fs::read(path).map_err(|source| SectionsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let info = Self::parse(path, &bytes)?;
        Ok((info, bytes))
    }

    /// `path` only names the object in errors.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Self, SectionsError> {
        let file = object::File::parse(bytes).map_err(|err| SectionsError::NotElf {
            path: path.to_path_buf(),
            reason: err.to_string(),
        })?;
        if file.format() != object::BinaryFormat::Elf {
            return Err(SectionsError::NotElf {
                path: path.to_path_buf(),
                reason: format!("{:?} format", file.format()),
            });
        }
        if file.architecture() != Architecture::Bpf {
            return Err(SectionsError::NotBpf {
                path: path.to_path_buf(),
                arch: format!("{:?}", file.architecture()),
            });
        }
        let code = |section: &'static str| -> Result<Version, SectionsError> {
            let data = file
                .section_by_name(section)
                .ok_or_else(|| SectionsError::Missing {
                    path: path.to_path_buf(),
                    section,
                })?
                .data()
                .map_err(|err| SectionsError::NotElf {
                    path: path.to_path_buf(),
                    reason: err.to_string(),
                })?;
            let raw: [u8; 8] = data.try_into().map_err(|_| SectionsError::BadLength {
                path: path.to_path_buf(),
                section,
                len: data.len(),
            })?;
            Version::decode(u64::from_le_bytes(raw)).map_err(|source| SectionsError::BadCode {
                path: path.to_path_buf(),
                section,
                source,
            })
        };
        Ok(Self {
            api: code(API_SECTION)?,
            schema: code(SCHEMA_SECTION)?,
            min_kernel: code(MIN_KERNEL_SECTION)?,
        })
    }
}
