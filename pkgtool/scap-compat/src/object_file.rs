//! Reads an object file into memory, decompressing the forms kmod accepts
//! for modules (`.ko.xz`, `.ko.zst`), and the versions in it
//! (scap-driver-api reads them). The decoders are pure Rust so that the
//! helper links statically and no `-sys` crate can clash over `links`.

use std::fs;
use std::io::{self, BufReader, Read, Write};
use std::path::Path;

use scap_driver_api::modinfo::{self, ModuleInfo};
use scap_driver_api::sections::{self, ProbeSections};
use scap_driver_api::Problem;

const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// Bigger than any module or probe; a bound so that a corrupt stream
/// cannot make the helper eat the machine's memory.
const MAX_OBJECT_BYTES: u64 = 512 << 20;

/// The file's bytes, decompressed when the content (not the name) says so.
pub fn read(path: &Path, fix: &str) -> Result<Vec<u8>, Problem> {
    let raw =
        fs::read(path).map_err(|err| Problem::at(path, format!("cannot read: {err}"), fix))?;
    if raw.starts_with(XZ_MAGIC) {
        let mut out = Bounded(Vec::new());
        lzma_rs::xz_decompress(&mut BufReader::new(raw.as_slice()), &mut out)
            .map_err(|err| Problem::at(path, format!("corrupt xz data: {err}"), fix))?;
        bounded(path, out.0, fix)
    } else if raw.starts_with(ZSTD_MAGIC) {
        let mut decoder = ruzstd::decoding::StreamingDecoder::new(raw.as_slice())
            .map_err(|err| Problem::at(path, format!("corrupt zstd data: {err}"), fix))?;
        let mut out = Vec::new();
        (&mut decoder)
            .take(MAX_OBJECT_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(|err| Problem::at(path, format!("corrupt zstd data: {err}"), fix))?;
        // ruzstd does not compare the frame's checksum itself: without
        // this, damage inside a literals block decodes to wrong bytes.
        let frame = decoder.into_frame_decoder();
        if let Some(stored) = frame.get_checksum_from_data() {
            if frame.get_calculated_checksum() != Some(stored) {
                return Err(Problem::at(
                    path,
                    "corrupt zstd data: the content checksum does not match",
                    fix,
                ));
            }
        }
        bounded(path, out, fix)
    } else if raw.starts_with(GZIP_MAGIC) {
        // kmod can load .ko.gz; no distribution we serve ships it, and a
        // gzip decoder would be a packaging crate in this helper.
        Err(Problem::at(
            path,
            "gzip-compressed: scap-compat reads plain, xz and zstd objects",
            "check it with modinfo, or recompress it with xz or zstd",
        ))
    } else {
        Ok(raw)
    }
}

/// A sink that refuses to grow past the bound (lzma-rs has no limit of its own).
struct Bounded(Vec<u8>);

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if (self.0.len() + buf.len()) as u64 > MAX_OBJECT_BYTES {
            return Err(io::Error::other(format!(
                "decompresses to more than {MAX_OBJECT_BYTES} bytes"
            )));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn bounded(path: &Path, data: Vec<u8>, fix: &str) -> Result<Vec<u8>, Problem> {
    if data.len() as u64 > MAX_OBJECT_BYTES {
        return Err(Problem::at(
            path,
            format!("decompresses to more than {MAX_OBJECT_BYTES} bytes, not a driver object"),
            fix,
        ));
    }
    Ok(data)
}

/// The `.modinfo` versions of a `.ko`, `.ko.xz` or `.ko.zst`; `fix` says
/// how to get a good one.
pub fn read_module(path: &Path, fix: &str) -> Result<ModuleInfo, Problem> {
    modinfo::read(&read(path, fix)?).map_err(|err| err.at(path, fix))
}

/// The version sections of a probe object.
pub fn read_probe(path: &Path, fix: &str) -> Result<ProbeSections, Problem> {
    sections::read(&read(path, fix)?).map_err(|err| err.at(path, fix))
}
