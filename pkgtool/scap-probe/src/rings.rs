//! The scap kernel module's per-CPU rings, read the way libscap reads them:
//! `/dev/<module><cpu>`, the version ioctls, a 48-byte info page (the
//! driver's `head`, our `tail`) and the data mapped twice back to back so
//! that an event that wraps is contiguous.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use scap_capture::Event;
use scap_driver_api::ioctl::{self, VersionsError};
use scap_driver_api::{Problem, Version, VersionKind};

/// Compiled into libscap: each CPU's ring holds this many bytes.
pub const RING_BUF_SIZE: usize = 8 * 1024 * 1024;
const DATA_MMAP_LEN: usize = 2 * RING_BUF_SIZE;
const INFO_MMAP_LEN: usize = 48;

/// What to do about a module that gives a ring it should not.
const BROKEN_MODULE_FIX: &str =
    "the loaded module is broken: reload it (rmmod scap; modprobe scap), and report it if it persists";

struct Mapping {
    ptr: *mut libc::c_void,
    len: usize,
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: ptr/len come from a successful mmap, unmapped once.
        unsafe { libc::munmap(self.ptr, self.len) };
    }
}

/// One CPU's ring, mapped and capturing until dropped.
pub struct Ring {
    pub cpu: u16,
    pub path: PathBuf,
    file: File,
    info: Mapping,
    data: Mapping,
}

fn map(file: &File, len: usize, prot: libc::c_int) -> io::Result<Mapping> {
    // SAFETY: a fresh shared mapping of the device; checked below.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            prot,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(Mapping { ptr, len })
}

/// The versions a device reports (GET_API_VERSION, GET_SCHEMA_VERSION).
pub struct DeviceVersions {
    pub path: PathBuf,
    pub api: Version,
    pub schema: Version,
}

/// Opens every online CPU's device and reads its versions; maps nothing yet.
pub fn open_devices(prefix: &str) -> Result<Vec<(u16, PathBuf, File, DeviceVersions)>, Problem> {
    let mut devices = Vec::new();
    for cpu in 0u16.. {
        let path = PathBuf::from(format!("{prefix}{cpu}"));
        if !path.exists() {
            break;
        }
        let file = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(file) => file,
            // An offline CPU.
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => continue,
            Err(err) => {
                return Err(Problem::at(
                    &path,
                    format!("cannot open: {err}"),
                    "load the module (modprobe scap) and run as root",
                ))
            }
        };
        let what = |kind| match kind {
            VersionKind::Api => "GET_API_VERSION",
            VersionKind::Schema => "GET_SCHEMA_VERSION",
        };
        let predates = |kind, err: io::Error| {
            Problem::at(
                &path,
                format!("{} failed: {err}", what(kind)),
                "the loaded module predates API versioning: reload it (rmmod scap; modprobe scap)",
            )
        };
        let found = ioctl::versions(&file).map_err(|err| match err {
            VersionsError::Unsupported => {
                predates(VersionKind::Api, io::Error::from_raw_os_error(libc::ENOTTY))
            }
            VersionsError::Failed { kind, errno } => predates(kind, errno.into()),
            VersionsError::BadCode { kind, error } => {
                Problem::at(&path, format!("{}: {error}", what(kind)), BROKEN_MODULE_FIX)
            }
        })?;
        let versions = DeviceVersions {
            path: path.clone(),
            api: found.api,
            schema: found.schema,
        };
        devices.push((cpu, path, file, versions));
    }
    if devices.is_empty() {
        return Err(Problem::new(
            format!("{prefix}N"),
            "no such device: the scap module is not loaded",
            "load it (modprobe scap)",
        ));
    }
    Ok(devices)
}

impl Ring {
    /// Maps the ring and enables capture on it.
    pub fn start(cpu: u16, path: &Path, file: File) -> Result<Self, Problem> {
        let err = |what, source: io::Error| {
            Problem::at(
                path,
                format!("{what}: {source}"),
                "run as root, and see the kernel's log (dmesg) for the module's reason",
            )
        };
        let data =
            map(&file, DATA_MMAP_LEN, libc::PROT_READ).map_err(|e| err("mmap of the data", e))?;
        let info = map(&file, INFO_MMAP_LEN, libc::PROT_READ | libc::PROT_WRITE)
            .map_err(|e| err("mmap of the info page", e))?;
        ioctl::enable_capture(&file).map_err(|e| err("ENABLE_CAPTURE", e.into()))?;
        Ok(Self {
            cpu,
            path: path.to_path_buf(),
            file,
            info,
            data,
        })
    }

    fn head(&self) -> &AtomicU32 {
        // SAFETY: offset 0 of the 48-byte info page, u32-aligned.
        unsafe { &*(self.info.ptr as *const AtomicU32) }
    }

    fn tail(&self) -> &AtomicU32 {
        // SAFETY: offset 4 of the info page.
        unsafe { &*((self.info.ptr as *const AtomicU32).add(1)) }
    }

    /// Hands every event between tail and head to `sink`, then frees them.
    pub fn drain(&self, mut sink: impl FnMut(u16, Event<'_>)) -> Result<usize, Problem> {
        let head = self.head().load(Ordering::Acquire);
        let tail = self.tail().load(Ordering::Relaxed);
        if head as usize >= RING_BUF_SIZE || tail as usize >= RING_BUF_SIZE {
            return Err(Problem::at(
                &self.path,
                format!("head {head} or tail {tail} outside the ring"),
                BROKEN_MODULE_FIX,
            ));
        }
        let avail = (head as usize + RING_BUF_SIZE - tail as usize) % RING_BUF_SIZE;
        // SAFETY: the data is mapped twice, so tail + avail < 2 * RING_BUF_SIZE
        // bytes are readable from the mapping's start.
        let bytes = unsafe {
            std::slice::from_raw_parts((self.data.ptr as *const u8).add(tail as usize), avail)
        };
        let mut at = 0;
        let mut count = 0;
        while at < avail {
            let event = Event::parse(&bytes[at..]).map_err(|err| {
                Problem::at(
                    &self.path,
                    format!(
                        "buffer corruption at tail {}: {err}",
                        (tail as usize + at) % RING_BUF_SIZE
                    ),
                    BROKEN_MODULE_FIX,
                )
            })?;
            at += event.as_bytes().len();
            sink(self.cpu, event);
            count += 1;
        }
        let new_tail = ((tail as usize + avail) % RING_BUF_SIZE) as u32;
        self.tail().store(new_tail, Ordering::Release);
        Ok(count)
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        let _ = ioctl::disable_capture(&self.file);
    }
}
