//! The guest kernel: the release the installed `linux-headers-amd64` meta
//! package points at, its `linux-image` .deb fetched with apt into the
//! cache, and the uncompressed vmlinux that qemu boots directly (PVH).

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cmd;
use crate::error::{Error, Result};

/// The meta package whose dependency names the kernel release under test.
pub const HEADERS_META: &str = "linux-headers-amd64";

const XZ_MAGIC: &[u8] = b"\xfd7zXZ\x00";
const ELF_MAGIC: &[u8] = b"\x7fELF";

#[derive(Debug, Clone)]
pub struct Kernel {
    /// e.g. 6.1.0-56-amd64
    pub release: String,
    /// The Debian version of the headers and so of the image, e.g. 6.1.192-2
    pub package_version: String,
    /// Kbuild directory of the headers: /lib/modules/<release>/build
    pub build_dir: PathBuf,
    pub vmlinux: PathBuf,
}

/// The release and package version from the meta package's dependency
/// `linux-headers-<release> (= <version>)`.
pub fn parse_headers_depends(depends: &str) -> Option<(String, String)> {
    depends.split([',', '|']).find_map(|dep| {
        let dep = dep.trim();
        let (name, rest) = dep.split_once(' ').unwrap_or((dep, ""));
        let release = name.strip_prefix("linux-headers-")?;
        let version = rest
            .trim()
            .strip_prefix("(=")?
            .strip_suffix(')')?
            .trim()
            .to_string();
        (!release.is_empty() && !version.is_empty()).then(|| (release.to_string(), version))
    })
}

pub fn resolve_release() -> Result<(String, String)> {
    let depends = cmd::stdout_of(
        Command::new("dpkg-query").args(["-W", "-f=${Depends}", HEADERS_META]),
        &format!("reading the dependencies of {HEADERS_META}"),
        &format!("apt-get install {HEADERS_META} (tests/install-deps does)"),
    )?;
    parse_headers_depends(&depends).ok_or_else(|| {
        Error::invalid(
            format!("{HEADERS_META} depends on {depends:?}, which names no linux-headers-<release> (= <version>)"),
            format!("reinstall {HEADERS_META} from Debian"),
        )
    })
}

/// Resolves the release, fetches its image into `cache` once and extracts
/// the bootable vmlinux.
pub fn prepare(cache: &Path) -> Result<Kernel> {
    let (release, package_version) = resolve_release()?;
    let build_dir = PathBuf::from(format!("/lib/modules/{release}/build"));
    if !build_dir.join("Makefile").is_file() {
        return Err(Error::invalid(
            format!("no kernel headers at {}", build_dir.display()),
            format!("apt-get install linux-headers-{release}"),
        ));
    }
    // Keyed by the package version too: an update may keep the release.
    let dir = cache
        .join("kernel")
        .join(format!("{release}_{}", package_version.replace(':', "%3a")));
    fs::create_dir_all(&dir).map_err(Error::io(&dir, "make the cache directory writable"))?;
    let vmlinux = dir.join("vmlinux");
    if !is_elf(&vmlinux) {
        let deb = download_image(&dir, &release, &package_version)?;
        let vmlinuz = dir.join("vmlinuz");
        extract_vmlinuz(&deb, &release, &vmlinuz)?;
        extract_vmlinux(&vmlinuz, &vmlinux)?;
    }
    Ok(Kernel {
        release,
        package_version,
        build_dir,
        vmlinux,
    })
}

fn is_elf(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| magic == ELF_MAGIC)
}

/// `apt-get download linux-image-<release>=<version>` into `dir`, kept there
/// for later runs. Retries once after `apt-get update` (stale lists).
fn download_image(dir: &Path, release: &str, version: &str) -> Result<PathBuf> {
    let package = format!("linux-image-{release}");
    let deb = dir.join(format!(
        "{package}_{}_amd64.deb",
        version.replace(':', "%3a")
    ));
    if deb.is_file() {
        return Ok(deb);
    }
    // apt names the file itself; download into a private directory and move
    // it into place so that concurrent runs never see half a .deb.
    let partial = dir.join(format!("download.{}", std::process::id()));
    fs::create_dir_all(&partial)
        .map_err(Error::io(&partial, "make the cache directory writable"))?;
    let what = format!("apt-get download {package}={version}");
    let fix = format!(
        "check that Debian's archive is reachable and still has {package} {version} (apt-get update; apt-get upgrade {HEADERS_META})"
    );
    let fetch = || {
        cmd::run(
            Command::new("apt-get")
                .args(["download", "-q", &format!("{package}={version}")])
                .current_dir(&partial),
            &what,
            &fix,
        )
    };
    let fetched = fetch().or_else(|first| {
        let updated = cmd::run(
            Command::new("apt-get").args(["update", "-qq"]),
            "apt-get update",
            &fix,
        );
        match updated {
            Ok(_) => fetch(),
            Err(_) => Err(first),
        }
    });
    let found = fetched.and_then(|_| {
        fs::read_dir(&partial)
            .map_err(Error::io(&partial, "make the cache directory readable"))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .find(|path| path.extension().is_some_and(|ext| ext == "deb"))
            .ok_or_else(|| Error::invalid(format!("{what} left no .deb"), fix.clone()))
    });
    let moved = found.and_then(|path| {
        fs::rename(&path, &deb).map_err(Error::io(&deb, "make the cache directory writable"))
    });
    let _ = fs::remove_dir_all(&partial);
    moved.map(|()| deb)
}

/// /boot/vmlinuz-<release> out of the package.
fn extract_vmlinuz(deb: &Path, release: &str, out: &Path) -> Result<()> {
    let member = format!("./boot/vmlinuz-{release}");
    let tmp = out.with_extension(format!("tmp.{}", std::process::id()));
    let mut dpkg = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(deb)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|_| cmd::missing_tool("dpkg-deb"))?;
    let file = File::create(&tmp).map_err(Error::io(&tmp, "make the cache directory writable"))?;
    let tar = cmd::run(
        Command::new("tar")
            .args(["-xO", &member])
            .stdin(dpkg.stdout.take().expect("piped"))
            .stdout(file),
        &format!("extracting {member} from {}", deb.display()),
        &format!("delete {} so that it is downloaded again", deb.display()),
    );
    let dpkg_status = dpkg.wait();
    let result = tar.and_then(|_| match dpkg_status {
        Ok(status) if status.success() => Ok(()),
        _ => Err(Error::invalid(
            format!("dpkg-deb cannot read {}", deb.display()),
            "delete it so that it is downloaded again",
        )),
    });
    finish_tmp(result, &tmp, out)
}

/// The uncompressed kernel ELF inside a bzImage: the payload is an xz
/// stream; qemu boots the ELF through its PVH entry, skipping the
/// decompressor and the BIOS bootloader path.
fn extract_vmlinux(vmlinuz: &Path, out: &Path) -> Result<()> {
    let image = fs::read(vmlinuz).map_err(Error::io(
        vmlinuz,
        "delete it so that it is extracted again",
    ))?;
    let offset = find_xz(&image).ok_or_else(|| {
        Error::invalid(
            format!("{}: no xz stream in the image", vmlinuz.display()),
            "the harness needs an xz-compressed bzImage (Debian's amd64 kernels are)",
        )
    })?;
    let mut input = File::open(vmlinuz).map_err(Error::io(vmlinuz, "check its permissions"))?;
    input
        .seek(SeekFrom::Start(offset as u64))
        .map_err(Error::io(vmlinuz, "check its permissions"))?;
    let tmp = out.with_extension(format!("tmp.{}", std::process::id()));
    let file = File::create(&tmp).map_err(Error::io(&tmp, "make the cache directory writable"))?;
    let result = cmd::run(
        Command::new("xz")
            .args(["-dc", "--single-stream"])
            .stdin(input)
            .stdout(file),
        &format!("decompressing the kernel in {}", vmlinuz.display()),
        "delete it so that it is extracted again",
    )
    .and_then(|_| {
        if is_elf(&tmp) {
            Ok(())
        } else {
            Err(Error::invalid(
                format!(
                    "{}: the xz payload is not an ELF vmlinux",
                    vmlinuz.display()
                ),
                "the harness needs an x86_64 kernel built with CONFIG_PVH",
            ))
        }
    });
    finish_tmp(result, &tmp, out)
}

fn finish_tmp(result: Result<()>, tmp: &Path, out: &Path) -> Result<()> {
    let result = result.and_then(|()| {
        fs::rename(tmp, out).map_err(Error::io(out, "make the cache directory writable"))
    });
    if result.is_err() {
        let _ = fs::remove_file(tmp);
    }
    result
}

pub fn find_xz(image: &[u8]) -> Option<usize> {
    image.windows(XZ_MAGIC.len()).position(|w| w == XZ_MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_comes_from_the_meta_package_dependency() {
        assert_eq!(
            parse_headers_depends("linux-headers-6.1.0-56-amd64 (= 6.1.192-2)"),
            Some(("6.1.0-56-amd64".into(), "6.1.192-2".into()))
        );
        assert_eq!(
            parse_headers_depends("foo, linux-headers-6.12.9+bpo-amd64 (= 6.12.9-1~bpo12+1)"),
            Some(("6.12.9+bpo-amd64".into(), "6.12.9-1~bpo12+1".into()))
        );
        assert_eq!(parse_headers_depends("linux-headers-6.1.0-56-amd64"), None);
        assert_eq!(parse_headers_depends(""), None);
    }

    #[test]
    fn finds_the_xz_payload() {
        let mut image = vec![0u8; 100];
        image.extend_from_slice(XZ_MAGIC);
        image.extend_from_slice(b"payload");
        assert_eq!(find_xz(&image), Some(100));
        assert_eq!(find_xz(b"no payload here"), None);
    }
}
