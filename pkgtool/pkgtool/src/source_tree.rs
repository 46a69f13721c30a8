//! The files of `driver-src/` that make the module's sources: everything
//! but build products, editor and VCS files.

use std::path::{Path, PathBuf};

use crate::UserError;

pub struct SourceFile {
    /// Relative to the driver sources, `/`-separated.
    pub relative: String,
    pub absolute: PathBuf,
    pub executable: bool,
}

/// Build products of kbuild (and of a probe built in place).
fn is_build_product(name: &str) -> bool {
    const EXACT: &[&str] = &["modules.order", "Module.symvers", ".tmp_versions"];
    const SUFFIXES: &[&str] = &[".o", ".ko", ".mod", ".mod.c", ".cmd", ".a", ".dwo", "~"];
    EXACT.contains(&name) || SUFFIXES.iter().any(|s| name.ends_with(s)) || name.starts_with('.')
}

/// The source files, sorted by path.
pub fn files(dir: &Path) -> Result<Vec<SourceFile>, UserError> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_build_product(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = entry.map_err(|e| {
            UserError(format!(
                "{}: cannot read the driver sources: {e}; check its permissions",
                dir.display()
            ))
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(dir)
            .expect("walkdir yields paths under its root")
            .to_string_lossy()
            .into_owned();
        let mode = entry
            .metadata()
            .map_err(|e| UserError(format!("{}: {e}", entry.path().display())))?
            .permissions()
            .mode();
        out.push(SourceFile {
            relative,
            absolute: entry.path().to_path_buf(),
            executable: mode & 0o111 != 0,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_products_are_left_out() {
        for name in [
            "scap.ko",
            "main.o",
            ".main.o.cmd",
            "scap.mod.c",
            "scap.mod",
            "modules.order",
            "Module.symvers",
            ".git",
        ] {
            assert!(is_build_product(name), "{name}");
        }
        for name in [
            "main.c",
            "Kbuild",
            "Makefile",
            "API_VERSION",
            "read-version",
        ] {
            assert!(!is_build_product(name), "{name}");
        }
    }
}
