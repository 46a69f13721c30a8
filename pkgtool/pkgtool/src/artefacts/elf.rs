//! What pkgtool checks in the executables it packages (scap-compat's):
//! static and stripped. The driver's objects are read by scap-driver-api.

use object::{Object, ObjectSection};

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
