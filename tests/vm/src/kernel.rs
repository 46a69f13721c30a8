//! The guest kernel, and where the module is built for it. By default the
//! release the installed `linux-headers-amd64` meta package points at,
//! built on the host; or a kernel of another Debian suite
//! ([`GuestKernel::Suite`]), whose headers are installed in that suite's
//! build root (crate debian-suite) and built there with its own compiler.
//! Either image .deb is fetched with apt into the cache once, and the
//! uncompressed vmlinux that qemu boots directly (PVH) is extracted from
//! its bzImage.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use debian_suite::{field, BuildRoot};

use crate::cmd;
use crate::config::{GuestKernel, SuiteKernel};
use crate::error::{missing_tool, Problem, Result};

/// The meta package whose dependency names the kernel release under test.
pub const HEADERS_META: &str = "linux-headers-amd64";

const ELF_MAGIC: &[u8] = b"\x7fELF";

/// Where kbuild runs for a kernel.
#[derive(Debug, Clone)]
pub enum Kbuild {
    /// On the host, against /lib/modules/<release>/build.
    Host(PathBuf),
    /// In a suite's build root, against its /lib/modules/<release>/build.
    Root(BuildRoot),
}

#[derive(Debug, Clone)]
pub struct Kernel {
    /// e.g. 6.1.0-56-amd64
    pub release: String,
    /// The Debian version of the image package, e.g. 6.1.192-2
    pub package_version: String,
    pub kbuild: Kbuild,
    pub vmlinux: PathBuf,
    /// Where the release came from, for messages: `linux-headers-amd64`,
    /// `bullseye's linux-headers-amd64`.
    pub origin: String,
}

impl Kernel {
    /// The kbuild directory, as the build sees it.
    pub fn headers(&self) -> String {
        format!("/lib/modules/{}/build", self.release)
    }
}

/// The release and package version from a meta package's dependency
/// `<prefix><release> (= <version>)`, e.g. `linux-headers-` or
/// `linux-binary-`.
pub fn parse_depends(prefix: &str, depends: &str) -> Option<(String, String)> {
    depends.split([',', '|']).find_map(|dep| {
        let dep = dep.trim();
        let (name, rest) = dep.split_once(' ').unwrap_or((dep, ""));
        let release = name.strip_prefix(prefix)?;
        let version = rest
            .trim()
            .strip_prefix("(=")?
            .strip_suffix(')')?
            .trim()
            .to_string();
        (!release.is_empty() && !version.is_empty()).then(|| (release.to_string(), version))
    })
}

/// The release and package version from the headers meta package's
/// dependency `linux-headers-<release> (= <version>)`.
pub fn parse_headers_depends(depends: &str) -> Option<(String, String)> {
    parse_depends("linux-headers-", depends)
}

pub fn resolve_release() -> Result<(String, String)> {
    let depends = cmd::stdout_of(
        Command::new("dpkg-query").args(["-W", "-f=${Depends}", HEADERS_META]),
        &format!("reading the dependencies of {HEADERS_META}"),
        &format!("apt-get install {HEADERS_META} (tests/install-deps does)"),
    )?;
    parse_headers_depends(&depends).ok_or_else(|| {
        Problem::new(
            HEADERS_META,
            format!("depends on {depends:?}, which names no linux-headers-<release> (= <version>)"),
            format!("reinstall {HEADERS_META} from Debian"),
        )
    })
}

/// Resolves the release, makes its headers ready, fetches its image into
/// `cache` once and extracts the bootable vmlinux. `progress` hears of the
/// slow steps (making a suite's build root).
pub fn prepare(
    cache: &Path,
    which: &GuestKernel,
    progress: &mut dyn FnMut(&str),
) -> Result<Kernel> {
    match which {
        GuestKernel::Headers => prepare_headers(cache),
        GuestKernel::Suite(kernel) => prepare_suite(cache, kernel, progress),
    }
}

fn prepare_headers(cache: &Path) -> Result<Kernel> {
    let (release, package_version) = resolve_release()?;
    let build_dir = PathBuf::from(format!("/lib/modules/{release}/build"));
    if !build_dir.join("Makefile").is_file() {
        return Err(Problem::at(
            &build_dir,
            "no kernel headers here",
            format!("apt-get install linux-headers-{release}"),
        ));
    }
    let dir = cache_dir(cache, &release, &package_version)?;
    let vmlinux = dir.join("vmlinux");
    let _lock = lock(&dir)?;
    if !is_elf(&vmlinux) {
        let package = format!("linux-image-{release}");
        let deb = download_image(&dir, &package, &package_version)?;
        let vmlinuz = dir.join("vmlinuz");
        extract_vmlinuz(&deb, &release, &vmlinuz)?;
        extract_vmlinux(&vmlinuz, &vmlinux)?;
    }
    Ok(Kernel {
        release,
        package_version,
        kbuild: Kbuild::Host(build_dir),
        vmlinux,
        origin: HEADERS_META.to_string(),
    })
}

/// A suite's kernel: its headers installed in the suite's build root, its
/// image fetched by the root's apt (the package holding the vmlinuz: the
/// image itself, or `linux-binary-<release>` since Debian split it).
fn prepare_suite(
    cache: &Path,
    which: &SuiteKernel,
    progress: &mut dyn FnMut(&str),
) -> Result<Kernel> {
    let suites = debian_suite::default_cache()?;
    let root = BuildRoot::open(&suites, &which.suite, progress)?;
    let package = root.kernel(&which.suite, which.pick)?;
    let (release, version) = (package.release, package.version);
    root.install(&[&format!("linux-headers-{release}")], progress)?;
    let dir = cache_dir(cache, &release, &version)?;
    let vmlinux = dir.join("vmlinux");
    let _lock = lock(&dir)?;
    if !is_elf(&vmlinux) {
        let image = format!("linux-image-{release}");
        let record = root.show(&format!("{image}={version}"))?;
        let depends = field(&record, "Depends").unwrap_or_default();
        let holder = match parse_depends("linux-binary-", &depends) {
            Some((binary, _)) if binary == release => format!("linux-binary-{release}"),
            _ => image,
        };
        let deb = root.download(&holder, &version, &dir)?;
        let vmlinuz = dir.join("vmlinuz");
        extract_vmlinuz(&deb, &release, &vmlinuz)?;
        extract_vmlinux(&vmlinuz, &vmlinux)?;
    }
    let origin = match which.pick {
        debian_suite::Pick::Newest => format!("{}'s {HEADERS_META}", which.suite),
        debian_suite::Pick::OldestAbi => format!("{}'s oldest ABI", which.suite),
    };
    Ok(Kernel {
        release,
        package_version: version,
        kbuild: Kbuild::Root(root),
        vmlinux,
        origin,
    })
}

/// ~/.cache/scap-tests/kernel/<release>_<version>: keyed by the package
/// version too, as an update may keep the release.
fn cache_dir(cache: &Path, release: &str, version: &str) -> Result<PathBuf> {
    let dir = cache
        .join("kernel")
        .join(format!("{release}_{}", version.replace(':', "%3a")));
    fs::create_dir_all(&dir).map_err(Problem::io(&dir, "make the cache directory writable"))?;
    Ok(dir)
}

/// Held while a kernel's image is fetched and extracted: concurrent runs
/// (and threads) wait, then find the vmlinux made.
fn lock(dir: &Path) -> Result<File> {
    let path = dir.join("lock");
    let file =
        File::create(&path).map_err(Problem::io(&path, "make the cache directory writable"))?;
    file.lock()
        .map_err(Problem::io(&path, "make the cache directory writable"))?;
    Ok(file)
}

fn is_elf(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| magic == ELF_MAGIC)
}

/// `apt-get download linux-image-<release>=<version>` into `dir`, kept there
/// for later runs. Retries once after `apt-get update` (stale lists).
fn download_image(dir: &Path, package: &str, version: &str) -> Result<PathBuf> {
    let fix = format!(
        "check that Debian's archive is reachable and still has {package} {version} (apt-get update; apt-get upgrade {HEADERS_META})"
    );
    fetch_deb(dir, package, version, &|_| {}, &fix).or_else(|first| {
        let updated = cmd::run(
            Command::new("apt-get").args(["update", "-qq"]),
            "apt-get update",
            &fix,
        );
        match updated {
            Ok(_) => fetch_deb(dir, package, version, &|_| {}, &fix),
            Err(_) => Err(first),
        }
    })
}

/// `apt-get download <package>=<version>` (with the options `configure`
/// adds) into `dir` as `<package>_<version>_amd64.deb`, unless it is there.
pub fn fetch_deb(
    dir: &Path,
    package: &str,
    version: &str,
    configure: &dyn Fn(&mut Command),
    fix: &str,
) -> Result<PathBuf> {
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
        .map_err(Problem::io(&partial, "make the cache directory writable"))?;
    let what = format!("apt-get download {package}={version}");
    let mut apt = Command::new("apt-get");
    configure(&mut apt);
    let fetched = cmd::run(
        apt.args(["download", "-q", &format!("{package}={version}")])
            .current_dir(&partial),
        &what,
        fix,
    );
    let found = fetched.and_then(|_| {
        fs::read_dir(&partial)
            .map_err(Problem::io(&partial, "make the cache directory readable"))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .find(|path| path.extension().is_some_and(|ext| ext == "deb"))
            .ok_or_else(|| Problem::new(&what, "left no .deb", fix))
    });
    let moved = found.and_then(|path| {
        fs::rename(&path, &deb).map_err(Problem::io(&deb, "make the cache directory writable"))
    });
    let _ = fs::remove_dir_all(&partial);
    moved.map(|()| deb)
}

/// Where a package keeps the bzImage of `release`: /boot (the image
/// package) or /usr/lib/modules/<release> (Debian's `linux-binary-*`).
pub fn vmlinuz_members(release: &str) -> [String; 2] {
    [
        format!("./boot/vmlinuz-{release}"),
        format!("./usr/lib/modules/{release}/vmlinuz"),
    ]
}

/// The kernel's bzImage out of the package.
fn extract_vmlinuz(deb: &Path, release: &str, out: &Path) -> Result<()> {
    let listing = cmd::stdout_of(
        Command::new("dpkg-deb").arg("--contents").arg(deb),
        &format!("listing {}", deb.display()),
        &format!("delete {} so that it is downloaded again", deb.display()),
    )?;
    let members = vmlinuz_members(release);
    let member = members
        .iter()
        .find(|member| {
            listing
                .lines()
                .any(|line| line.split_whitespace().nth(5) == Some(member.as_str()))
        })
        .ok_or_else(|| {
            Problem::at(
                deb,
                format!("holds none of {}", members.join(", ")),
                format!("delete it so that it is downloaded again; if Debian moved the kernel of {release} elsewhere, teach tests/vm/src/kernel.rs where"),
            )
        })?;
    let tmp = out.with_extension(format!("tmp.{}", std::process::id()));
    let mut dpkg = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(deb)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|_| missing_tool("dpkg-deb"))?;
    let file =
        File::create(&tmp).map_err(Problem::io(&tmp, "make the cache directory writable"))?;
    let tar = cmd::run(
        Command::new("tar")
            .args(["-xO", member])
            .stdin(dpkg.stdout.take().expect("piped"))
            .stdout(file),
        &format!("extracting {member} from {}", deb.display()),
        &format!("delete {} so that it is downloaded again", deb.display()),
    );
    let dpkg_status = dpkg.wait();
    let result = tar.and_then(|_| match dpkg_status {
        Ok(status) if status.success() => Ok(()),
        _ => Err(Problem::at(
            deb,
            "dpkg-deb cannot read it",
            "delete it so that it is downloaded again",
        )),
    });
    finish_tmp(result, &tmp, out)
}

/// How a bzImage's payload is compressed (Debian: xz up to 6.1, zstd
/// later), and the tool that decompresses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Xz,
    Zstd,
}

impl Compression {
    fn of(payload: &[u8]) -> Option<Self> {
        if payload.starts_with(b"\xfd7zXZ\x00") {
            Some(Compression::Xz)
        } else if payload.starts_with(b"\x28\xb5\x2f\xfd") {
            Some(Compression::Zstd)
        } else {
            None
        }
    }

    fn tool(self) -> &'static str {
        match self {
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }
}

/// The compressed kernel in a bzImage, as its setup header describes it
/// (boot protocol 2.08+: `payload_offset` and `payload_length`, from the
/// start of the protected-mode code after the setup sectors). The payload
/// ends with the uncompressed size, 4 bytes little-endian, which is not
/// part of the compressed stream.
#[derive(Debug, PartialEq, Eq)]
pub struct Payload<'a> {
    pub compression: Compression,
    pub stream: &'a [u8],
    pub size: u64,
}

pub fn payload(image: &[u8]) -> std::result::Result<Payload<'_>, String> {
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(image.get(at..at + 4)?.try_into().ok()?))
    };
    if image.get(0x202..0x206) != Some(b"HdrS") {
        return Err("not a bzImage (no HdrS setup header)".into());
    }
    let protocol = match image.get(0x206..0x208) {
        Some(&[low, high]) => u16::from_le_bytes([low, high]),
        _ => return Err("truncated setup header".into()),
    };
    if protocol < 0x208 {
        return Err(format!(
            "boot protocol {protocol:#x} has no payload fields (2.08+)"
        ));
    }
    let setup_sectors = match image.get(0x1f1) {
        Some(0) => 4,
        Some(&n) => n as usize,
        None => return Err("truncated setup header".into()),
    };
    let (offset, length) = match (u32_at(0x248), u32_at(0x24c)) {
        (Some(offset), Some(length)) => (offset as usize, length as usize),
        _ => return Err("truncated setup header".into()),
    };
    let start = (setup_sectors + 1) * 512 + offset;
    let payload = image
        .get(start..start + length)
        .filter(|p| p.len() > 4)
        .ok_or_else(|| format!("the payload ({length} bytes at {start}) is past the end"))?;
    let (stream, size) = payload.split_at(payload.len() - 4);
    let compression =
        Compression::of(stream).ok_or_else(|| "the payload is neither xz nor zstd".to_string())?;
    Ok(Payload {
        compression,
        stream,
        size: u32::from_le_bytes(size.try_into().expect("4 bytes")) as u64,
    })
}

/// The uncompressed kernel ELF inside a bzImage; qemu boots the ELF
/// through its PVH entry, skipping the decompressor and the BIOS
/// bootloader path.
fn extract_vmlinux(vmlinuz: &Path, out: &Path) -> Result<()> {
    let image = fs::read(vmlinuz).map_err(Problem::io(
        vmlinuz,
        "delete it so that it is extracted again",
    ))?;
    let payload = payload(&image).map_err(|why| {
        Problem::at(
            vmlinuz,
            why,
            "the harness needs an x86 bzImage compressed with xz or zstd (Debian's amd64 kernels are)",
        )
    })?;
    let stream = out.with_extension(format!("payload.{}", std::process::id()));
    fs::write(&stream, payload.stream)
        .map_err(Problem::io(&stream, "make the cache directory writable"))?;
    let input = File::open(&stream).map_err(Problem::io(&stream, "check its permissions"));
    let tmp = out.with_extension(format!("tmp.{}", std::process::id()));
    let tool = payload.compression.tool();
    let result = input.and_then(|input| {
        let file =
            File::create(&tmp).map_err(Problem::io(&tmp, "make the cache directory writable"))?;
        cmd::run(
            Command::new(tool).args(["-dc"]).stdin(input).stdout(file),
            &format!("decompressing the kernel in {} ({tool})", vmlinuz.display()),
            "delete it so that it is extracted again",
        )
    });
    let _ = fs::remove_file(&stream);
    let result = result.and_then(|_| {
        let size = fs::metadata(&tmp).map(|m| m.len()).unwrap_or(0);
        if !is_elf(&tmp) {
            Err(Problem::at(
                vmlinuz,
                "the payload is not an ELF vmlinux",
                "the harness needs an x86_64 kernel built with CONFIG_PVH",
            ))
        } else if size != payload.size {
            Err(Problem::at(
                vmlinuz,
                format!(
                    "the payload decompressed to {size} bytes, the image says {}",
                    payload.size
                ),
                "delete it so that it is extracted again",
            ))
        } else {
            Ok(())
        }
    });
    finish_tmp(result, &tmp, out)
}

fn finish_tmp(result: Result<()>, tmp: &Path, out: &Path) -> Result<()> {
    let result = result.and_then(|()| {
        fs::rename(tmp, out).map_err(Problem::io(out, "make the cache directory writable"))
    });
    if result.is_err() {
        let _ = fs::remove_file(tmp);
    }
    result
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
    fn a_suites_release_comes_from_the_image_meta_package() {
        assert_eq!(
            parse_depends(
                "linux-image-",
                "linux-base-amd64 (= 7.2.13-1), linux-image-7.2.13+deb14-amd64 (= 7.2.13-1)"
            ),
            Some(("7.2.13+deb14-amd64".into(), "7.2.13-1".into()))
        );
        let image = "dracut | initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool, \
             linux-base-7.2.13+deb14-amd64 (= 7.2.13-1), linux-binary-7.2.13+deb14-amd64 (= 7.2.13-1)";
        assert!(parse_depends("linux-binary-7.2.13+deb14-amd64", image).is_none());
        assert_eq!(
            parse_depends("linux-binary-", image),
            Some(("7.2.13+deb14-amd64".into(), "7.2.13-1".into()))
        );
        let record = "Package: linux-image-amd64\nVersion: 5.10.262-1\nDepends: linux-image-5.10.0-46-amd64 (= 5.10.262-1)\n";
        assert_eq!(field(record, "Version").as_deref(), Some("5.10.262-1"));
        assert_eq!(field(record, "Pre-Depends"), None);
    }

    /// A bzImage's first bytes: setup header at 0x1f1, 1 setup sector,
    /// then the payload at `offset` in the protected-mode code.
    fn bzimage(protocol: u16, offset: u32, payload: &[u8]) -> Vec<u8> {
        let mut image = vec![0u8; 1024 + offset as usize];
        image[0x1f1] = 1;
        image[0x202..0x206].copy_from_slice(b"HdrS");
        image[0x206..0x208].copy_from_slice(&protocol.to_le_bytes());
        image[0x248..0x24c].copy_from_slice(&offset.to_le_bytes());
        image[0x24c..0x250].copy_from_slice(&(payload.len() as u32).to_le_bytes());
        image.extend_from_slice(payload);
        image.extend_from_slice(b"trailing code");
        image
    }

    #[test]
    fn the_payload_is_where_the_setup_header_says() {
        let mut xz = b"\xfd7zXZ\x00stream".to_vec();
        xz.extend_from_slice(&1234u32.to_le_bytes());
        let image = bzimage(0x20f, 100, &xz);
        assert_eq!(
            payload(&image),
            Ok(Payload {
                compression: Compression::Xz,
                stream: b"\xfd7zXZ\x00stream",
                size: 1234
            })
        );
        let mut zstd = b"\x28\xb5\x2f\xfdframe".to_vec();
        zstd.extend_from_slice(&7u32.to_le_bytes());
        let image = bzimage(0x20f, 0, &zstd);
        let found = payload(&image).unwrap();
        assert_eq!((found.compression, found.size), (Compression::Zstd, 7));
        assert!(payload(&bzimage(0x20f, 0, b"gzip????"))
            .unwrap_err()
            .contains("neither xz nor zstd"));
        assert!(payload(&bzimage(0x207, 0, &zstd))
            .unwrap_err()
            .contains("2.08+"));
        assert!(payload(b"MZ not a kernel").unwrap_err().contains("HdrS"));
        let mut cut = bzimage(0x20f, 0, &zstd);
        cut.truncate(1030);
        assert!(payload(&cut).unwrap_err().contains("past the end"));
    }
}
