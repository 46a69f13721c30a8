//! Reads the two hand-written version files of `driver-src/`, the only
//! place the versions are written down.

use std::fs;
use std::path::{Path, PathBuf};

use crate::{Version, VersionError};

pub const API_VERSION_FILE: &str = "API_VERSION";
pub const SCHEMA_VERSION_FILE: &str = "SCHEMA_VERSION";

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{}: cannot read: {source}; run from the project root or pass the driver sources' directory", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Version { path: PathBuf, source: VersionError },
}

/// The driver sources and the versions they declare.
#[derive(Debug, Clone)]
pub struct DriverSource {
    pub dir: PathBuf,
    pub api: Version,
    pub schema: Version,
}

impl DriverSource {
    pub fn read(dir: &Path) -> Result<Self, SourceError> {
        Ok(Self {
            dir: dir.to_path_buf(),
            api: read_version_file(&dir.join(API_VERSION_FILE))?,
            schema: read_version_file(&dir.join(SCHEMA_VERSION_FILE))?,
        })
    }
}

/// One line `MAJOR.MINOR.PATCH`, the final newline optional.
pub fn read_version_file(path: &Path) -> Result<Version, SourceError> {
    let bytes = fs::read(path).map_err(|source| SourceError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let line = text.strip_suffix('\n').unwrap_or(&text);
    line.parse().map_err(|source| SourceError::Version {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, api: &str, schema: &str) {
        fs::write(dir.join(API_VERSION_FILE), api).unwrap();
        fs::write(dir.join(SCHEMA_VERSION_FILE), schema).unwrap();
    }

    #[test]
    fn reads_both_files() {
        let dir = std::env::temp_dir().join(format!("scap-src-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        write(&dir, "1.2.3\n", "4.5.6");
        let src = DriverSource::read(&dir).unwrap();
        assert_eq!(src.api.to_string(), "1.2.3");
        assert_eq!(src.schema.to_string(), "4.5.6");
        write(&dir, "1.2.3\n\n", "4.5.6");
        let err = DriverSource::read(&dir).unwrap_err().to_string();
        assert!(
            err.contains("API_VERSION: \"1.2.3\\n\" is not a version"),
            "{err}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
