//! An uncompressed initramfs (cpio "newc"), written directly so that modes
//! and owners are exact and nothing is staged on disk. Uncompressed because
//! decompressing under TCG costs more than qemu copying the bytes.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::cmd;
use crate::error::{missing_tool, Problem, Result};

const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;

pub struct Cpio<W: Write> {
    out: W,
    next_ino: u32,
    dirs: BTreeSet<String>,
}

impl<W: Write> Cpio<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            next_ino: 1,
            dirs: BTreeSet::new(),
        }
    }

    /// A directory and its missing parents; `path` is relative ("usr/bin").
    pub fn dir(&mut self, path: &str) -> io::Result<()> {
        let path = path.trim_matches('/');
        if path.is_empty() || self.dirs.contains(path) {
            return Ok(());
        }
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.dir(parent)?;
        }
        self.dirs.insert(path.to_string());
        self.entry(path, S_IFDIR | 0o755, &[])
    }

    pub fn file(&mut self, path: &str, mode: u32, data: &[u8]) -> io::Result<()> {
        let path = path.trim_matches('/');
        self.parent_of(path)?;
        self.entry(path, S_IFREG | (mode & 0o7777), data)
    }

    pub fn symlink(&mut self, path: &str, target: &str) -> io::Result<()> {
        let path = path.trim_matches('/');
        self.parent_of(path)?;
        self.entry(path, S_IFLNK | 0o777, target.as_bytes())
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.header("TRAILER!!!", 0, 0, 0)?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn parent_of(&mut self, path: &str) -> io::Result<()> {
        match path.rsplit_once('/') {
            Some((parent, _)) => self.dir(parent),
            None => Ok(()),
        }
    }

    fn entry(&mut self, path: &str, mode: u32, data: &[u8]) -> io::Result<()> {
        let ino = self.next_ino;
        self.next_ino += 1;
        let size = u32::try_from(data.len()).map_err(|_| io::Error::other("file over 4 GiB"))?;
        self.header(path, ino, mode, size)?;
        self.out.write_all(data)?;
        self.pad(data.len())
    }

    fn header(&mut self, name: &str, ino: u32, mode: u32, size: u32) -> io::Result<()> {
        let nlink = if mode & S_IFDIR == S_IFDIR { 2 } else { 1 };
        let namesize = name.len() + 1;
        // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
        // devminor, rdevmajor, rdevminor, namesize, check
        write!(
            self.out,
            "070701{ino:08x}{mode:08x}{:08x}{:08x}{nlink:08x}{:08x}{size:08x}{:08x}{:08x}{:08x}{:08x}{namesize:08x}{:08x}",
            0, 0, 0, 0, 0, 0, 0, 0
        )?;
        self.out.write_all(name.as_bytes())?;
        self.out.write_all(&[0])?;
        self.pad(110 + namesize)
    }

    fn pad(&mut self, len: usize) -> io::Result<()> {
        let fill = (4 - len % 4) % 4;
        self.out.write_all(&[0u8; 3][..fill])
    }
}

/// The initramfs being assembled at `path`.
pub struct Builder {
    cpio: Cpio<BufWriter<File>>,
    path: std::path::PathBuf,
    files: BTreeSet<String>,
}

impl Builder {
    pub fn create(path: &Path) -> Result<Self> {
        let file =
            File::create(path).map_err(Problem::io(path, "make the scratch directory writable"))?;
        Ok(Self {
            cpio: Cpio::new(BufWriter::new(file)),
            path: path.to_path_buf(),
            files: BTreeSet::new(),
        })
    }

    fn write_err(&self) -> impl FnOnce(io::Error) -> Problem + '_ {
        Problem::io(
            &self.path,
            "make the scratch directory writable (and check free space)",
        )
    }

    pub fn dir(&mut self, guest: &str) -> Result<()> {
        self.cpio.dir(guest).map_err(self.write_err())
    }

    pub fn bytes(&mut self, guest: &str, mode: u32, data: &[u8]) -> Result<()> {
        if self.files.insert(guest.trim_matches('/').to_string()) {
            self.cpio
                .file(guest, mode, data)
                .map_err(self.write_err())?;
        }
        Ok(())
    }

    /// A host file (symlinks followed), keeping its permission bits.
    pub fn copy(&mut self, guest: &str, host: &Path) -> Result<()> {
        let mode = fs::metadata(host)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o644);
        self.copy_with_mode(guest, host, mode)
    }

    pub fn copy_with_mode(&mut self, guest: &str, host: &Path, mode: u32) -> Result<()> {
        let data =
            fs::read(host).map_err(Problem::io(host, "check that it exists and is readable"))?;
        self.bytes(guest, mode, &data)
    }

    pub fn symlink(&mut self, guest: &str, target: &str) -> Result<()> {
        if self.files.insert(guest.trim_matches('/').to_string()) {
            self.cpio.symlink(guest, target).map_err(self.write_err())?;
        }
        Ok(())
    }

    /// A dynamically linked host program at its own path, with the shared
    /// libraries `ldd` lists for it and the data directories it reads
    /// ([`data_dirs`]).
    pub fn program_with_libraries(&mut self, program: &str) -> Result<()> {
        for dir in data_dirs(program) {
            self.tree(dir, Path::new(dir))?;
        }
        let path = which(program)?;
        let listing = cmd::stdout_of(
            Command::new("ldd").arg(&path),
            &format!("ldd {path}"),
            &format!("reinstall {program}"),
        )?;
        self.copy(&path, Path::new(&path))?;
        for library in ldd_paths(&listing).map_err(|line| {
            Problem::new(
                format!("ldd {path}"),
                line,
                format!("install the library {program} misses (reinstall {program})"),
            )
        })? {
            self.copy(&library, Path::new(&library))?;
        }
        Ok(())
    }

    /// Every regular file under the host directory `host` (symlinks
    /// followed), at the same relative paths under `guest`.
    pub fn tree(&mut self, guest: &str, host: &Path) -> Result<()> {
        let fix = "reinstall the package that owns it";
        let mut entries: Vec<_> = fs::read_dir(host)
            .map_err(Problem::io(host, fix))?
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let inside = format!("{}/{name}", guest.trim_end_matches('/'));
            if path.is_dir() {
                self.tree(&inside, &path)?;
            } else if path.is_file() {
                self.copy(&inside, &path)?;
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        let path = self.path.clone();
        self.cpio
            .finish()
            .map(drop)
            .map_err(Problem::io(&path, "make the scratch directory writable"))
    }
}

/// The directories of its package a program reads at run time, shipped
/// with it: sysdig's chisels (Lua scripts `sysdig -c NAME` looks for in
/// its package's chisel directory, and the libraries they share there).
pub fn data_dirs(program: &str) -> &'static [&'static str] {
    match program {
        "sysdig" => &["/usr/share/sysdig/chisels"],
        _ => &[],
    }
}

fn which(program: &str) -> Result<String> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(program))
        .find(|path| path.is_file());
    found
        .map(|path| path.to_string_lossy().into_owned())
        .ok_or_else(|| missing_tool(program))
}

/// The absolute paths in `ldd` output, or the first line naming a missing
/// library.
pub fn ldd_paths(listing: &str) -> Result<Vec<String>, String> {
    let mut paths = Vec::new();
    for line in listing.lines().map(str::trim) {
        if line.contains("not found") {
            return Err(line.to_string());
        }
        let path = match line.split_once("=>") {
            Some((_, rest)) => rest.split_whitespace().next(),
            None => line.split_whitespace().next(),
        };
        if let Some(path) = path.filter(|p| p.starts_with('/')) {
            paths.push(path.to_string());
        }
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newc_entries_are_aligned_and_terminated() {
        let mut cpio = Cpio::new(Vec::new());
        cpio.file("a/b", 0o755, b"hello").unwrap();
        cpio.symlink("c", "a/b").unwrap();
        let out = cpio.finish().unwrap();
        assert_eq!(out.len() % 4, 0);
        let text = String::from_utf8_lossy(&out);
        // Parent directory first, then the file, the link, the trailer.
        let a = text.find("a\0").unwrap();
        let b = text.find("a/b\0").unwrap();
        let c = text.find("c\0").unwrap();
        let end = text.find("TRAILER!!!\0").unwrap();
        assert!(a < b && b < c && c < end);
        assert!(text.starts_with("070701"));
        // The directory's mode, then the file's: 040755 and 0100755.
        assert_eq!(&text[14..22], "000041ed");
        let file_header = &text[b - 110..b];
        assert_eq!(&file_header[14..22], "000081ed");
        assert_eq!(&file_header[54..62], "00000005");
        // 110-byte header + "a/b\0" = 114, padded to 116: the data follows.
        assert_eq!(&text[b + 6..b + 11], "hello");
    }

    #[test]
    fn ldd_paths_include_the_loader() {
        let listing = "\tlinux-vdso.so.1 (0x00007ffd)\n\
            \tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f)\n\
            \t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n";
        assert_eq!(
            ldd_paths(listing).unwrap(),
            [
                "/lib/x86_64-linux-gnu/libz.so.1",
                "/lib64/ld-linux-x86-64.so.2"
            ]
        );
        let err = ldd_paths("\tlibfoo.so.1 => not found\n").unwrap_err();
        assert!(err.contains("libfoo"));
    }
}
