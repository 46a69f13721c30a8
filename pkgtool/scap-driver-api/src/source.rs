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
    /// Set for a falcosecurity-libs driver tree, whose versions come from
    /// its configured header rather than our version files.
    pub upstream: Option<Upstream>,
}

/// What a configured falcosecurity-libs driver tree says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// The header the versions come from.
    pub config: PathBuf,
    /// `DRIVER_NAME`: the module's name.
    pub module: String,
    /// `DRIVER_VERSION`: the falcosecurity-libs release.
    pub driver_version: String,
    /// The SPDX expression most of its files carry.
    pub license: String,
    /// The copyright lines of its files, each holder once.
    pub copyright: Vec<String>,
}

/// The configured header of a falcosecurity-libs driver tree (cmake writes
/// it from driver_config.h.in; Debian's falcosecurity-scap-dkms ships it).
pub const UPSTREAM_CONFIG_FILE: &str = "driver_config.h";

impl DriverSource {
    /// Our tree (API_VERSION and SCHEMA_VERSION), or a configured
    /// falcosecurity-libs driver tree (driver_config.h).
    pub fn read(dir: &Path) -> Result<Self, Problem> {
        let api_file = dir.join(API_VERSION_FILE);
        let config = dir.join(UPSTREAM_CONFIG_FILE);
        if !api_file.exists() && config.is_file() {
            return read_upstream(dir, &config);
        }
        if !api_file.exists() && dir.is_dir() {
            return Err(Problem::at(
                dir,
                format!("no {API_VERSION_FILE} and {SCHEMA_VERSION_FILE}, and no configured {UPSTREAM_CONFIG_FILE}: not a scap driver tree"),
                "point at driver-src/ or at a configured falcosecurity-libs driver tree (such as /usr/src/scap-<version>/ of a falcosecurity-scap-dkms package)",
            ));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            api: read_version_file(&api_file)?,
            schema: read_version_file(&dir.join(SCHEMA_VERSION_FILE))?,
            upstream: None,
        })
    }

    /// The module's name: the tree's own for an upstream tree, else
    /// `default` (ours can be renamed at build time).
    pub fn module<'a>(&'a self, default: &'a str) -> &'a str {
        match &self.upstream {
            Some(upstream) => &upstream.module,
            None => default,
        }
    }
}

fn read_upstream(dir: &Path, config: &Path) -> Result<DriverSource, Problem> {
    let text = fs::read_to_string(config).map_err(|err| {
        Problem::at(
            config,
            format!("cannot read: {err}"),
            "check its permissions",
        )
    })?;
    let fix = "use a configured tree (cmake writes driver_config.h from driver_config.h.in), such as the sources of a falcosecurity-scap-dkms package";
    let define = |name: &str| -> Result<String, Problem> {
        c_define(&text, name).ok_or_else(|| Problem::at(config, format!("no #define {name}"), fix))
    };
    let version = |prefix: &str| -> Result<Version, Problem> {
        let part = |which: &str| -> Result<u64, Problem> {
            let name = format!("{prefix}_{which}");
            let value = define(&name)?;
            value
                .parse()
                .map_err(|_| Problem::at(config, format!("{name} is {value:?}, not a number"), fix))
        };
        Version::new(part("MAJOR")?, part("MINOR")?, part("PATCH")?)
            .map_err(|err| Problem::at(config, format!("{prefix}: {err}"), fix))
    };
    let api = version("PPM_API_CURRENT_VERSION")?;
    let schema = version("PPM_SCHEMA_CURRENT_VERSION")?;
    let unquote = |value: String| value.trim_matches('"').to_string();
    let module = unquote(define("DRIVER_NAME")?);
    let driver_version = unquote(define("DRIVER_VERSION")?);
    let (license, copyright) = licensing(dir)?;
    Ok(DriverSource {
        dir: dir.to_path_buf(),
        api,
        schema,
        upstream: Some(Upstream {
            config: config.to_path_buf(),
            module,
            driver_version,
            license,
            copyright,
        }),
    })
}

/// The value of `#define NAME value` in C text.
fn c_define(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("#define")?;
        let mut words = rest.split_whitespace();
        (words.next()? == name).then(|| words.collect::<Vec<_>>().join(" "))
    })
}

/// The SPDX expression most source files carry, and their copyright
/// lines (holders once each): what a package of the tree must state.
fn licensing(dir: &Path) -> Result<(String, Vec<String>), Problem> {
    let mut licenses: Vec<(String, usize)> = Vec::new();
    let mut copyright: Vec<String> = Vec::new();
    for file in files(dir)? {
        let Ok(text) = fs::read_to_string(&file.absolute) else {
            continue;
        };
        // Only the head of a file: its notice, not code quoting one.
        // Notices this does not know count for nothing (the tree's
        // majority decides; none known is an error).
        for line in text.lines().take(20) {
            // An SPDX line, or the notice older falcosecurity-libs trees
            // carry instead (bookworm's 0.1.1).
            let spdx = match line.split_once("SPDX-License-Identifier:") {
                Some((_, spdx)) => Some(spdx.trim().trim_end_matches("*/").trim().to_string()),
                None => line
                    .contains("dual licensed under either the MIT or GPL 2")
                    .then(|| "GPL-2.0-only OR MIT".to_string()),
            };
            if let Some(spdx) = spdx {
                match licenses.iter_mut().find(|(l, _)| *l == spdx) {
                    Some((_, n)) => *n += 1,
                    None => licenses.push((spdx, 1)),
                }
            }
            // A line may hold several notices.
            for notice in line.split("Copyright (C)").skip(1) {
                let notice = notice.trim().trim_end_matches("*/").trim();
                let notice = format!("Copyright (C) {}", notice.trim_end_matches('.'));
                if !copyright.contains(&notice) {
                    copyright.push(notice);
                }
            }
        }
    }
    let license = licenses
        .iter()
        .max_by_key(|(_, n)| *n)
        .map(|(l, _)| l.clone())
        .ok_or_else(|| {
            Problem::at(
                dir,
                "no file states its licence (SPDX-License-Identifier)",
                "package a tree whose files carry their licence",
            )
        })?;
    copyright.sort();
    Ok((license, copyright))
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
            // A script is executable in a package whatever its mode in
            // the tree (upstream's configure probes are 0644 and run by sh).
            let executable = meta.permissions().mode() & 0o111 != 0 || is_script(&path);
            out.push(SourceFile {
                relative,
                absolute: path,
                executable,
            });
        }
    }
    Ok(())
}

fn is_script(path: &Path) -> bool {
    let mut magic = [0u8; 2];
    fs::File::open(path)
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut magic))
        .is_ok_and(|()| &magic == b"#!")
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

    #[test]
    fn an_upstream_tree_says_its_versions_name_and_licence() {
        let dir = std::env::temp_dir().join(format!("scap-upstream-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join(UPSTREAM_CONFIG_FILE),
            "// SPDX-License-Identifier: GPL-2.0-only OR MIT\n/*\nCopyright (C) 2023 The Falco Authors.\n*/\n\
             #define PPM_API_CURRENT_VERSION_MAJOR 8\n#define PPM_API_CURRENT_VERSION_MINOR 0\n\
             #define PPM_API_CURRENT_VERSION_PATCH 4\n#define PPM_SCHEMA_CURRENT_VERSION_MAJOR 4\n\
             #define PPM_SCHEMA_CURRENT_VERSION_MINOR 1\n#define PPM_SCHEMA_CURRENT_VERSION_PATCH 0\n\
             #define DRIVER_VERSION \"0.23.2\"\n#define DRIVER_NAME \"scap\"\n",
        )
        .unwrap();
        fs::write(
            dir.join("main.c"),
            "// SPDX-License-Identifier: GPL-2.0-only OR MIT\nint x;\n",
        )
        .unwrap();
        fs::write(
            dir.join("Makefile"),
            "# SPDX-License-Identifier: GPL-2.0-only\n",
        )
        .unwrap();
        let source = DriverSource::read(&dir).unwrap();
        assert_eq!(
            (source.api.to_string(), source.schema.to_string()),
            ("8.0.4".into(), "4.1.0".into())
        );
        let upstream = source.upstream.clone().unwrap();
        assert_eq!(upstream.module, "scap");
        assert_eq!(upstream.driver_version, "0.23.2");
        assert_eq!(upstream.license, "GPL-2.0-only OR MIT");
        assert_eq!(upstream.copyright, ["Copyright (C) 2023 The Falco Authors"]);
        assert_eq!(source.module("other"), "scap");

        // A configured header without the versions: one line naming it.
        fs::write(
            dir.join(UPSTREAM_CONFIG_FILE),
            "#define DRIVER_NAME \"scap\"\n",
        )
        .unwrap();
        let err = DriverSource::read(&dir).unwrap_err().to_string();
        assert!(
            err.contains("driver_config.h: no #define PPM_API_CURRENT_VERSION_MAJOR"),
            "{err}"
        );
        // Neither kind of tree.
        fs::remove_file(dir.join(UPSTREAM_CONFIG_FILE)).unwrap();
        let err = DriverSource::read(&dir).unwrap_err().to_string();
        assert!(
            err.contains("not a scap driver tree") && !err.contains('\n'),
            "{err}"
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
