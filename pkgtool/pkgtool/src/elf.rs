//! What pkgtool checks in the objects it packages: the module's .modinfo
//! and the probe's version sections, so a package never carries an object
//! of another version or kernel than its name says.

use object::{Object, ObjectSection};
use scap_driver_api::Version;

/// The `.modinfo` entries of a kernel module, `key=value` each.
pub fn modinfo(ko: &[u8]) -> Result<Vec<(String, String)>, String> {
    let file = object::File::parse(ko).map_err(|e| format!("not an ELF object ({e})"))?;
    let section = file
        .section_by_name(".modinfo")
        .ok_or("no .modinfo section, not a kernel module")?;
    let data = section
        .data()
        .map_err(|e| format!("unreadable .modinfo ({e})"))?;
    Ok(data
        .split(|b| *b == 0)
        .filter(|entry| !entry.is_empty())
        .filter_map(|entry| {
            let text = String::from_utf8_lossy(entry);
            text.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect())
}

/// The versions an eBPF object carries in its 8-byte `api_version` and
/// `schema_version` sections.
pub fn probe_versions(object: &[u8]) -> Result<(Version, Version), String> {
    let file = object::File::parse(object).map_err(|e| format!("not an ELF object ({e})"))?;
    if file.architecture() != object::Architecture::Bpf {
        return Err(format!(
            "an ELF object for {:?}, not for BPF (EM_BPF)",
            file.architecture()
        ));
    }
    let read = |name: &str| -> Result<Version, String> {
        let section = file
            .section_by_name(name)
            .ok_or_else(|| format!("no {name} section"))?;
        let data = section
            .data()
            .map_err(|e| format!("unreadable {name} section ({e})"))?;
        let bytes: [u8; 8] = data
            .try_into()
            .map_err(|_| format!("the {name} section has {} bytes, not 8", data.len()))?;
        let code = if file.is_little_endian() {
            u64::from_le_bytes(bytes)
        } else {
            u64::from_be_bytes(bytes)
        };
        Version::decode(code).map_err(|e| format!("the {name} section: {e}"))
    };
    Ok((read("api_version")?, read("schema_version")?))
}
