//! Writes a .deb without dpkg-deb: an ar archive of `debian-binary`,
//! `control.tar.gz` and `data.tar.gz`, with every entry owned by root:root,
//! every timestamp the driver's epoch and every list sorted, so the same
//! package gives the same bytes. Adds what Debian wants of every binary
//! package: every parent directory, /usr/share/doc/<package>/copyright and
//! changelog.gz, md5sums.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder};
use md5::{Digest, Md5};
use serde::Serialize;

use crate::driver::Driver;
use crate::meta;
use crate::package::{File, Package};
use crate::templates;
use crate::Problem;

pub fn file_name(pkg: &Package) -> String {
    format!("{}_{}_{}.deb", pkg.name, pkg.version, pkg.arch.deb())
}

/// Writes `<out_dir>/<name>_<version>_<arch>.deb`.
pub fn write(pkg: &Package, driver: &Driver, out_dir: &Path) -> Result<PathBuf, Problem> {
    let bytes = build(pkg, driver);
    let path = out_dir.join(file_name(pkg));
    std::fs::write(&path, bytes).map_err(crate::cannot_write(&path))?;
    Ok(path)
}

/// The whole .deb in memory (packages here are small).
pub fn build(pkg: &Package, driver: &Driver) -> Vec<u8> {
    let mut files = pkg.files.clone();
    files.extend(doc_files(pkg, driver));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let dirs = parent_dirs(&files);

    let data = gzip(&tar(&dirs, &files, driver.epoch));
    let md5sums: String = files
        .iter()
        .map(|f| format!("{:x}  {}\n", Md5::digest(&f.data), &f.path[1..]))
        .collect();
    let installed_kib: u64 = files
        .iter()
        .map(|f| (f.data.len() as u64).div_ceil(1024))
        .sum::<u64>()
        + dirs.len() as u64;

    let mut control_files = vec![
        File::new("/control", 0o644, control(pkg, driver, installed_kib)),
        File::new("/md5sums", 0o644, md5sums),
    ];
    for (script, text) in &pkg.scripts {
        control_files.push(File::new(
            format!("/{}", script.deb_name()),
            0o755,
            text.clone(),
        ));
    }
    control_files.sort_by(|a, b| a.path.cmp(&b.path));
    let control = gzip(&tar(&BTreeSet::new(), &control_files, driver.epoch));

    let mut out = Vec::new();
    {
        let mut ar = ar::Builder::new(&mut out);
        for (name, data) in [
            ("debian-binary", &b"2.0\n"[..]),
            ("control.tar.gz", &control[..]),
            ("data.tar.gz", &data[..]),
        ] {
            let mut header = ar::Header::new(name.as_bytes().to_vec(), data.len() as u64);
            header.set_mode(0o100644);
            header.set_mtime(driver.epoch);
            ar.append(&header, data).expect("writing to memory");
        }
    }
    out
}

#[derive(Serialize)]
struct Field {
    field: &'static str,
    value: String,
}

#[derive(Serialize)]
struct ControlVars<'a> {
    name: &'a str,
    version: &'a str,
    arch: &'a str,
    maintainer: &'a str,
    installed_size: u64,
    relations: Vec<Field>,
    section: &'a str,
    homepage: &'a str,
    summary: &'a str,
    description: String,
}

pub fn control(pkg: &Package, driver: &Driver, installed_kib: u64) -> String {
    let r = &pkg.relations;
    let relations = [
        ("Depends", &r.depends),
        ("Recommends", &r.recommends),
        ("Conflicts", &r.conflicts),
        ("Replaces", &r.replaces),
        ("Provides", &r.provides),
    ]
    .into_iter()
    .filter(|(_, list)| !list.is_empty())
    .map(|(field, list)| Field {
        field,
        value: list.iter().map(|r| r.deb()).collect::<Vec<_>>().join(", "),
    })
    .collect();
    let common = driver.common();
    templates::render(
        "deb/control",
        &ControlVars {
            name: &pkg.name,
            version: &pkg.version,
            arch: pkg.arch.deb(),
            maintainer: common.maintainer,
            installed_size: installed_kib,
            relations,
            section: &pkg.section,
            homepage: common.homepage,
            summary: &pkg.summary,
            description: deb_description(&pkg.description),
        },
    )
}

/// Long description lines start with a space; an empty line is " .".
pub fn deb_description(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.trim().is_empty() {
                " .".to_string()
            } else {
                format!(" {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Serialize)]
struct ChangelogVars<'a> {
    name: &'a str,
    version: &'a str,
    changes: &'a str,
    maintainer: &'a str,
    date: String,
}

/// The package's copyright file and its rendered changelog.
pub fn doc_texts(pkg: &Package, driver: &Driver) -> (String, String) {
    let changelog = templates::render(
        "deb/changelog",
        &ChangelogVars {
            name: &pkg.name,
            version: &pkg.version,
            changes: &pkg.origin.changes,
            maintainer: meta::MAINTAINER,
            date: crate::driver::rfc2822(driver.epoch),
        },
    );
    (pkg.origin.copyright.clone(), changelog)
}

fn doc_files(pkg: &Package, driver: &Driver) -> Vec<File> {
    let doc = format!("/usr/share/doc/{}", pkg.name);
    let (copyright, changelog) = doc_texts(pkg, driver);
    vec![
        File::new(format!("{doc}/copyright"), 0o644, copyright),
        File::new(
            format!("{doc}/changelog.gz"),
            0o644,
            gzip(changelog.as_bytes()),
        ),
    ]
}

/// Every ancestor directory of the files, as `/a`, `/a/b`, ...
fn parent_dirs(files: &[File]) -> BTreeSet<String> {
    let mut dirs = BTreeSet::new();
    for f in files {
        let mut path = Path::new(&f.path).parent();
        while let Some(dir) = path {
            if dir == Path::new("/") {
                break;
            }
            dirs.insert(dir.to_string_lossy().into_owned());
            path = dir.parent();
        }
    }
    dirs
}

/// A tar of `./`, the directories, then the files (GNU format for long
/// names), as dpkg-deb lays it out.
fn tar(dirs: &BTreeSet<String>, files: &[File], epoch: u64) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let header = |kind: tar::EntryType, mode: u32, size: u64| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_size(size);
        h.set_mtime(epoch);
        h.set_uid(0);
        h.set_gid(0);
        h.set_username("root").expect("short name");
        h.set_groupname("root").expect("short name");
        h
    };
    let mut entries: Vec<(String, Option<&File>)> = vec![("./".to_string(), None)];
    entries.extend(dirs.iter().map(|d| (format!(".{d}/"), None)));
    entries.extend(files.iter().map(|f| (format!(".{}", f.path), Some(f))));
    // dpkg-deb sorts entries by name; directories sort before their contents.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, file) in entries {
        let result = match file {
            None => {
                let mut h = header(tar::EntryType::Directory, 0o755, 0);
                builder.append_data(&mut h, &path, std::io::empty())
            }
            Some(f) => {
                let mut h = header(tar::EntryType::Regular, f.mode, f.data.len() as u64);
                builder.append_data(&mut h, &path, &f.data[..])
            }
        };
        result.expect("writing to memory");
    }
    builder.into_inner().expect("writing to memory")
}

/// gzip -9n: no name, no timestamp.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .operating_system(3)
        .write(Vec::new(), Compression::best());
    encoder.write_all(data).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}
