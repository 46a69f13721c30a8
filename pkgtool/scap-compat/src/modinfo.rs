//! The versions of a kernel module read from its `.modinfo` section, the
//! way `modinfo` does it, without loading anything.

use std::path::Path;

use object::{Object, ObjectSection};
use scap_driver_api::Version;
use serde::Serialize;

use crate::object_file;
use crate::problem::Problem;

/// What a module file says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleInfo {
    /// `MODULE_VERSION`, also shown as `/sys/module/<name>/version`.
    pub version: Option<String>,
    #[serde(serialize_with = "crate::version_text::one")]
    pub api: Version,
    #[serde(serialize_with = "crate::version_text::one")]
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

/// Reads a `.ko`, `.ko.xz` or `.ko.zst`; `fix` says how to get a good one.
pub fn read(path: &Path, fix: &str) -> Result<ModuleInfo, Problem> {
    let data = object_file::read(path, fix)?;
    let elf = object_file::parse_elf(path, &data, fix)?;
    let section = elf
        .section_by_name(".modinfo")
        .ok_or_else(|| Problem::at(path, "no .modinfo section: not a kernel module", fix))?;
    let bytes = section.data().map_err(|err| {
        Problem::at(
            path,
            format!("damaged or truncated .modinfo section ({err})"),
            fix,
        )
    })?;
    parse(path, bytes, fix)
}

fn parse(path: &Path, modinfo: &[u8], fix: &str) -> Result<ModuleInfo, Problem> {
    let field = |key: &str| -> Option<String> {
        modinfo
            .split(|b| *b == 0)
            .filter_map(|entry| entry.strip_prefix(key.as_bytes())?.strip_prefix(b"="))
            .next()
            .map(|value| String::from_utf8_lossy(value).into_owned())
    };
    let version_field = |key: &str| -> Result<Version, Problem> {
        let text = field(key).ok_or_else(|| {
            Problem::at(
                path,
                format!(
                    ".modinfo has no {key}: the module predates API versioning or is not a scap module"
                ),
                fix,
            )
        })?;
        text.parse()
            .map_err(|err| Problem::at(path, format!(".modinfo {key}: {err}"), fix))
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
        let info = parse(Path::new("m.ko"), bytes, "fix").unwrap();
        assert_eq!(info.api.to_string(), "1.2.3");
        assert_eq!(info.schema.to_string(), "1.0.0");
        assert_eq!(info.version.as_deref(), Some("1.2.3"));
        assert_eq!(info.built_for(), Some("6.1.0-56-amd64"));
    }
}
