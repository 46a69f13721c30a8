//! The versions a kernel module declares in its `.modinfo` section
//! (`MODULE_INFO(api_version, ...)` and the like in `driver-src/`), read
//! the way `modinfo` reads them, without loading anything.

use serde::Serialize;

use crate::object::{parse_elf, ObjectError};
use crate::version::text;
use crate::Version;

pub const SECTION: &str = ".modinfo";

/// What a module file says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleInfo {
    /// `MODULE_VERSION`, also shown as `/sys/module/<name>/version`.
    pub version: Option<String>,
    #[serde(serialize_with = "text::one")]
    pub api: Version,
    #[serde(serialize_with = "text::one")]
    pub schema: Version,
    /// The kernel release (and flags) the module was built for.
    pub vermagic: Option<String>,
}

impl ModuleInfo {
    /// The kernel release of `vermagic` ("6.1.0-56-amd64 SMP mod_unload ...").
    pub fn built_for(&self) -> Option<&str> {
        self.vermagic.as_deref()?.split_whitespace().next()
    }
}

/// Reads the `.modinfo` of an (uncompressed) kernel module.
pub fn read(ko: &[u8]) -> Result<ModuleInfo, ObjectError> {
    let elf = parse_elf(ko)?;
    let bytes = elf.section(SECTION).ok_or_else(|| {
        ObjectError::wrong_kind(format!("no {SECTION} section: not a kernel module"))
    })?;
    let bytes = bytes.map_err(|err| {
        ObjectError::bad_versions(format!("damaged or truncated {SECTION} section ({err})"))
    })?;
    parse(bytes)
}

/// The entries of a `.modinfo` section's contents: `key=value`, each ended
/// by NUL.
pub fn parse(modinfo: &[u8]) -> Result<ModuleInfo, ObjectError> {
    let field = |key: &str| -> Option<String> {
        modinfo
            .split(|b| *b == 0)
            .filter_map(|entry| entry.strip_prefix(key.as_bytes())?.strip_prefix(b"="))
            .next()
            .map(|value| String::from_utf8_lossy(value).into_owned())
    };
    let version_field = |key: &str| -> Result<Version, ObjectError> {
        let text = field(key).ok_or_else(|| {
            ObjectError::bad_versions(format!(
                "{SECTION} has no {key}: the module predates API versioning or is not a scap module"
            ))
        })?;
        text.parse()
            .map_err(|err| ObjectError::bad_versions(format!("{SECTION} {key}: {err}")))
    };
    Ok(ModuleInfo {
        version: field("version"),
        api: version_field("api_version")?,
        schema: version_field("schema_version")?,
        vermagic: field("vermagic"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_whole_keys_not_prefixes() {
        let bytes = b"srcversion=ABC\0xapi_version=9.9.9\0api_version=1.2.3\0\0\0\
schema_version=1.0.0\0version=1.2.3\0vermagic=6.1.0-56-amd64 SMP mod_unload \0";
        let info = parse(bytes).unwrap();
        assert_eq!(info.api.to_string(), "1.2.3");
        assert_eq!(info.schema.to_string(), "1.0.0");
        assert_eq!(info.version.as_deref(), Some("1.2.3"));
        assert_eq!(info.built_for(), Some("6.1.0-56-amd64"));
    }

    #[test]
    fn a_missing_or_malformed_version_is_named() {
        let err = parse(b"api_version=1.0.0\0").unwrap_err();
        assert!(
            err.what
                .starts_with(".modinfo has no schema_version: the module predates"),
            "{err}"
        );
        let err = parse(b"api_version=1.x.0\0schema_version=1.0.0\0").unwrap_err();
        assert!(
            err.what
                .starts_with(".modinfo api_version: \"1.x.0\" is not a version"),
            "{err}"
        );
    }
}
