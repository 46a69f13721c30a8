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

/// Checks that an executable runs without a dynamic loader: an ELF
/// executable of this machine's architecture with no interpreter
/// (PT_INTERP) and no shared library (DT_NEEDED). A static-pie is fine.
pub fn static_executable(data: &[u8]) -> Result<(), String> {
    use object::elf::{DT_NEEDED, PT_DYNAMIC, PT_INTERP};
    use object::read::elf::{Dyn, ElfFile64, FileHeader, ProgramHeader};

    let file = object::File::parse(data).map_err(|e| format!("not an ELF executable ({e})"))?;
    let native = match std::env::consts::ARCH {
        "x86_64" => object::Architecture::X86_64,
        "aarch64" => object::Architecture::Aarch64,
        other => return Err(format!("pkgtool cannot check executables for {other}")),
    };
    if file.architecture() != native {
        return Err(format!(
            "an ELF object for {:?}, not for this machine ({native:?})",
            file.architecture()
        ));
    }
    let elf = ElfFile64::<object::Endianness>::parse(data)
        .map_err(|e| format!("not a 64-bit ELF executable ({e})"))?;
    let endian = elf.endian();
    for header in elf.elf_program_headers() {
        match header.p_type(endian) {
            PT_INTERP => return Err("dynamically linked (it has an interpreter)".into()),
            PT_DYNAMIC => {
                let entries = header
                    .dynamic(endian, data)
                    .map_err(|e| format!("unreadable dynamic section ({e})"))?
                    .unwrap_or_default();
                if entries.iter().any(|d| d.d_tag(endian) == DT_NEEDED) {
                    return Err("dynamically linked (it needs shared libraries)".into());
                }
            }
            _ => {}
        }
    }
    let header = elf.elf_header();
    if header.e_type(endian) != object::elf::ET_EXEC && header.e_type(endian) != object::elf::ET_DYN
    {
        return Err("an ELF object, not an executable".into());
    }
    Ok(())
}

/// Checks that an executable carries no symbol table and no debugging
/// information (Debian Policy 10.1: binaries are stripped).
pub fn stripped(data: &[u8]) -> Result<(), String> {
    let file = object::File::parse(data).map_err(|e| format!("not an ELF executable ({e})"))?;
    match file
        .sections()
        .filter_map(|s| s.name().ok())
        .find(|name| *name == ".symtab" || name.starts_with(".debug_"))
    {
        Some(name) => Err(format!("not stripped (it has a {name} section)")),
        None => Ok(()),
    }
}
