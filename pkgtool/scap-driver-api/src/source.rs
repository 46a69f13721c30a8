//! The driver sources: the two hand-written version files of
//! `driver-src/`, the only place the versions are written down, and which
//! of its files are sources (what the DKMS package ships, and what every
//! build copies: pkgtool's, the VM harness's).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::Problem;
use crate::Version;

pub const API_VERSION_FILE: &str = "API_VERSION";
pub const SCHEMA_VERSION_FILE: &str = "SCHEMA_VERSION";

/// The driver sources and the versions they declare.
#[derive(Debug, Clone)]
pub struct DriverSource {
    pub dir: PathBuf,
    pub api: Version,
    pub schema: Version,
}

impl DriverSource {
    pub fn read(dir: &Path) -> Result<Self, Problem> {
        Ok(Self {
            dir: dir.to_path_buf(),
            api: read_version_file(&dir.join(API_VERSION_FILE))?,
            schema: read_version_file(&dir.join(SCHEMA_VERSION_FILE))?,
        })
    }
}

/// One line `MAJOR.MINOR.PATCH`, the final newline optional.
pub fn read_version_file(path: &Path) -> Result<Version, Problem> {
    let bytes = fs::read(path).map_err(|err| {
        Problem::at(
            path,
            format!("cannot read: {err}"),
            "run from the project root or pass the driver sources' directory",
        )
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let line = text.strip_suffix('\n').unwrap_or(&text);
    line.parse().map_err(|err| {
        Problem::at(
            path,
            format!("{err}"),
            "write the version there, one line: it is the only place it is written",
        )
    })
}

/// Not a source: a build product of kbuild (or of a probe built in
/// place), an editor's backup, or a dot file (VCS, editor state, kbuild's
/// `.*.cmd`, `.tmp_versions`).
pub fn is_build_product(name: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        ".o", ".ko", ".mod", ".mod.c", ".cmd", ".a", ".dwo", ".symvers", ".order", "~",
    ];
    SUFFIXES.iter().any(|s| name.ends_with(s)) || name.starts_with('.')
}

/// One file of the driver sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Relative to the driver sources, `/`-separated.
    pub relative: String,
    pub absolute: PathBuf,
    pub executable: bool,
}

/// The source files under `dir`, depth first, each directory's entries
/// sorted by name. Symbolic links are followed: what they point at is a
/// source like any other file, so that a copy or a package is
/// self-contained.
pub fn files(dir: &Path) -> Result<Vec<SourceFile>, Problem> {
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<SourceFile>) -> Result<(), Problem> {
    let unreadable = |path: &Path, err: std::io::Error| {
        Problem::at(
            path,
            format!("cannot read the driver sources: {err}"),
            "check its permissions",
        )
    };
    let mut entries = fs::read_dir(dir)
        .and_then(|entries| entries.collect::<Result<Vec<_>, _>>())
        .map_err(|err| unreadable(dir, err))?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_build_product(&name) {
            continue;
        }
        let path = entry.path();
        let relative = format!("{prefix}{name}");
        let meta = fs::metadata(&path).map_err(|err| unreadable(&path, err))?;
        if meta.is_dir() {
            walk(&path, &format!("{relative}/"), out)?;
        } else if meta.is_file() {
            out.push(SourceFile {
                relative,
                absolute: path,
                executable: meta.permissions().mode() & 0o111 != 0,
            });
        }
    }
    Ok(())
}

/// Copies the source files of `from` into `to` (created), with their
/// modes: a tree to build in, so that the sources stay clean.
pub fn copy_files(from: &Path, to: &Path) -> Result<(), Problem> {
    let unwritable = |path: &Path, err: std::io::Error| {
        Problem::at(
            path,
            format!("cannot write: {err}"),
            "make the scratch directory writable",
        )
    };
    fs::create_dir_all(to).map_err(|err| unwritable(to, err))?;
    for file in files(from)? {
        let target = to.join(&file.relative);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|err| unwritable(parent, err))?;
        }
        fs::copy(&file.absolute, &target).map_err(|err| unwritable(&target, err))?;
    }
    Ok(())
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
            ".tmp_versions",
            ".git",
            "main.c~",
            "main.dwo",
        ] {
            assert!(is_build_product(name), "{name}");
        }
        for name in [
            "main.c",
            "Kbuild",
            "Makefile",
            "API_VERSION",
            "scap_abi.h",
            "scripts",
            "read-version",
        ] {
            assert!(!is_build_product(name), "{name}");
        }
    }

    #[test]
    fn files_follow_links_and_skip_build_products() {
        let dir = std::env::temp_dir().join(format!("scap-files-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("src/scripts")).unwrap();
        fs::create_dir_all(dir.join("src/.tmp_versions")).unwrap();
        fs::write(dir.join("elsewhere.h"), "x").unwrap();
        fs::write(dir.join("src/main.c"), "x").unwrap();
        fs::write(dir.join("src/main.o"), "x").unwrap();
        fs::write(dir.join("src/.main.o.cmd"), "x").unwrap();
        fs::write(dir.join("src/Kbuild"), "x").unwrap();
        fs::write(dir.join("src/scripts/gen"), "x").unwrap();
        fs::set_permissions(
            dir.join("src/scripts/gen"),
            fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::os::unix::fs::symlink(dir.join("elsewhere.h"), dir.join("src/linked.h")).unwrap();
        let listed: Vec<_> = files(&dir.join("src"))
            .unwrap()
            .into_iter()
            .map(|f| (f.relative, f.executable))
            .collect();
        assert_eq!(
            listed,
            [
                ("Kbuild".to_string(), false),
                ("linked.h".to_string(), false),
                ("main.c".to_string(), false),
                ("scripts/gen".to_string(), true),
            ]
        );
        copy_files(&dir.join("src"), &dir.join("copy")).unwrap();
        assert_eq!(fs::read_to_string(dir.join("copy/linked.h")).unwrap(), "x");
        assert!(!dir.join("copy/main.o").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

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
