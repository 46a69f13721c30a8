//! The peer driver: Debian 12's `falcosecurity-scap-dkms`, the module
//! sysdig 0.29.3 was made for (API 1.0.0, schema 1.0.0, also named
//! `scap`). The tests measure our module against it; its sources are
//! read, never copied.
//!
//! Its .deb is fetched with `apt-get download` into `<cache>/peer/` once
//! (the host's apt: bookworm's package whatever the kernel), its module
//! built by kbuild for a kernel release and cached in
//! `<cache>/peer/modules/<package version>/<release>/scap.ko`. Both are
//! made aside and renamed into place, so that concurrent test binaries
//! never see half a file.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use scap_driver_api::names::DEFAULT_MODULE;

use crate::cmd;
use crate::error::{Problem, Result};
use crate::kernel::{Kbuild, Kernel};
use crate::module;

/// The Debian package of the peer driver.
pub const PACKAGE: &str = "falcosecurity-scap-dkms";

/// The peer's .deb in `<cache>/peer/`, downloaded on first use.
pub fn deb(cache: &Path) -> Result<PathBuf> {
    let dir = cache.join("peer");
    if let Some(deb) = find_deb(&dir) {
        return Ok(deb);
    }
    let partial = unique(&dir, "download")?;
    let fetched = cmd::run(
        Command::new("apt-get")
            .args(["download", "-q", PACKAGE])
            .current_dir(&partial),
        &format!("apt-get download {PACKAGE}"),
        "run apt-get update as root (bookworm's main has the package)",
    )
    .and_then(|_| {
        for entry in fs::read_dir(&partial)
            .map_err(Problem::io(&partial, "make the cache writable"))?
            .flatten()
        {
            let target = dir.join(entry.file_name());
            fs::rename(entry.path(), &target)
                .map_err(Problem::io(&target, "make the cache writable"))?;
        }
        Ok(())
    });
    let _ = fs::remove_dir_all(&partial);
    fetched?;
    find_deb(&dir).ok_or_else(|| {
        Problem::new(
            format!("apt-get download {PACKAGE}"),
            format!("left no {PACKAGE}_*.deb"),
            format!("check that apt knows {PACKAGE} (apt-cache policy {PACKAGE})"),
        )
    })
}

fn find_deb(dir: &Path) -> Option<PathBuf> {
    let mut debs: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with(&format!("{PACKAGE}_")) && name.ends_with(".deb")
        })
        .collect();
    debs.sort();
    debs.pop()
}

/// The package version in a .deb's file name (`<package>_<version>_<arch>.deb`,
/// the epoch's colon written `%3a`).
pub fn version_of(deb: &Path) -> Option<String> {
    let name = deb.file_name()?.to_string_lossy().into_owned();
    let mut parts = name.strip_suffix(".deb")?.split('_');
    let (_, version, _) = (parts.next()?, parts.next()?, parts.next()?);
    Some(version.replace("%3a", ":"))
}

/// A fresh directory `<base>/.<what>-<pid>-<nanos>` beside where its result goes.
fn unique(base: &Path, what: &str) -> Result<PathBuf> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = base.join(format!(".{what}-{}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir).map_err(Problem::io(&dir, "make the cache writable"))?;
    Ok(dir)
}

/// Unpacks the peer's .deb into `dir` and returns its module sources,
/// `dir/usr/src/scap-<version>`.
pub fn unpack_sources(cache: &Path, dir: &Path) -> Result<PathBuf> {
    let deb = deb(cache)?;
    cmd::run(
        Command::new("dpkg-deb").arg("-x").arg(&deb).arg(dir),
        &format!("unpacking {}", deb.display()),
        "delete the .deb so that it is downloaded again",
    )?;
    let src = dir.join("usr/src");
    fs::read_dir(&src)
        .map_err(Problem::io(
            &src,
            "delete the .deb so that it is downloaded again",
        ))?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .starts_with("scap-")
        })
        .ok_or_else(|| {
            Problem::at(
                &deb,
                "carries no usr/src/scap-<version>",
                format!("check which package apt-get download {PACKAGE} gives"),
            )
        })
}

/// The peer's `scap.ko` built for `kernel` (see [`module_for`]).
pub fn module(cache: &Path, kernel: &Kernel) -> Result<PathBuf> {
    module_for(cache, &kernel.release, &kernel.kbuild)
}

/// The peer's `scap.ko` for the kernel `release` (kbuild run where
/// `kbuild` says), cached per package version and release.
pub fn module_for(cache: &Path, release: &str, kbuild: &Kbuild) -> Result<PathBuf> {
    let deb = deb(cache)?;
    let version = version_of(&deb).unwrap_or_else(|| "unknown".into());
    let cached = cache
        .join("peer/modules")
        .join(&version)
        .join(release)
        .join(format!("{DEFAULT_MODULE}.ko"));
    if cached.is_file() {
        return Ok(cached);
    }
    let parent = cached.parent().expect("a cache path has a parent");
    fs::create_dir_all(parent).map_err(Problem::io(parent, "make the cache writable"))?;
    let work = unique(parent, "build")?;
    let built = unpack_sources(cache, &work).and_then(|src| {
        // Its warnings are upstream's, not ours: only the module counts.
        let (ko, _) = module::make_for(
            &src,
            release,
            kbuild,
            &[],
            &format!("building {PACKAGE} {version} for {release}"),
            &format!("{PACKAGE}'s Makefile builds {DEFAULT_MODULE}.ko"),
        )?;
        let staged = parent.join(format!(".{DEFAULT_MODULE}.ko-{}", std::process::id()));
        fs::copy(&ko, &staged).map_err(Problem::io(&staged, "make the cache writable"))?;
        fs::rename(&staged, &cached).map_err(Problem::io(&cached, "make the cache writable"))
    });
    let _ = fs::remove_dir_all(&work);
    built?;
    Ok(cached)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_read_from_the_deb_name() {
        assert_eq!(
            version_of(Path::new(
                "/c/peer/falcosecurity-scap-dkms_0.1.1dev+git20220316.e5c53d64-5.1_all.deb"
            ))
            .as_deref(),
            Some("0.1.1dev+git20220316.e5c53d64-5.1")
        );
        assert_eq!(
            version_of(Path::new("p_1%3a2.0-1_amd64.deb")).as_deref(),
            Some("1:2.0-1")
        );
        assert_eq!(version_of(Path::new("p.deb")), None);
    }
}
