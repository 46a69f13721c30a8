//! `.scap` capture files: a section header block, then one event block per
//! event. Every block is `{u32 type, u32 total_len}`, a body, padding to 4
//! bytes and `total_len` again. That minimal file is what `sysdig -r` needs;
//! without a process list block, process names show as `<NA>`.

use std::io::{self, Read, Write};

use crate::event::{Event, EventError};

pub const SHB_BLOCK_TYPE: u32 = 0x0A0D_0D0A;
pub const SHB_MAGIC: u32 = 0x1A2B_3C4D;
pub const SHB_MAJOR: u16 = 1;
pub const SHB_MINOR: u16 = 2;
/// Event block with the CPU number (libscap's EV_BLOCK_TYPE_V2).
pub const EV_BLOCK_TYPE_V2: u32 = 0x216;

const BLOCK_HDR_LEN: usize = 8;
const BLOCK_TRAILER_LEN: usize = 4;
/// Section length when it is not known in advance.
const SECTION_LENGTH_UNKNOWN: u64 = u64::MAX;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(
        "not a .scap capture: it starts with block type {0:#010x}, not a section header block"
    )]
    NotCapture(u32),
    #[error("byte-order magic {0:#010x}: only little-endian captures (0x1a2b3c4d) are read")]
    ByteOrder(u32),
    #[error("capture format {0}.{1}: only major version 1 is read")]
    Version(u16, u16),
    #[error("block at byte {offset}: {reason}; the capture is corrupt")]
    Corrupt { offset: u64, reason: String },
    #[error("event block at byte {offset}: {source}")]
    Event { offset: u64, source: EventError },
    #[error(transparent)]
    Io(#[from] io::Error),
}

fn padded(len: usize) -> usize {
    len.div_ceil(4) * 4
}

/// Writes a capture: the section header block on creation, then events.
pub struct CaptureWriter<W: Write> {
    out: W,
    events: u64,
}

impl<W: Write> CaptureWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        let total = (BLOCK_HDR_LEN + 16 + BLOCK_TRAILER_LEN) as u32;
        let mut block = Vec::with_capacity(total as usize);
        block.extend_from_slice(&SHB_BLOCK_TYPE.to_le_bytes());
        block.extend_from_slice(&total.to_le_bytes());
        block.extend_from_slice(&SHB_MAGIC.to_le_bytes());
        block.extend_from_slice(&SHB_MAJOR.to_le_bytes());
        block.extend_from_slice(&SHB_MINOR.to_le_bytes());
        block.extend_from_slice(&SECTION_LENGTH_UNKNOWN.to_le_bytes());
        block.extend_from_slice(&total.to_le_bytes());
        out.write_all(&block)?;
        Ok(Self { out, events: 0 })
    }

    /// One event block; the event was validated when it was parsed.
    pub fn write_event(&mut self, cpu: u16, event: &Event<'_>) -> io::Result<()> {
        let body = 2 + event.as_bytes().len();
        let total = padded(BLOCK_HDR_LEN + body) + BLOCK_TRAILER_LEN;
        let mut block = Vec::with_capacity(total);
        block.extend_from_slice(&EV_BLOCK_TYPE_V2.to_le_bytes());
        block.extend_from_slice(&(total as u32).to_le_bytes());
        block.extend_from_slice(&cpu.to_le_bytes());
        block.extend_from_slice(event.as_bytes());
        block.resize(total - BLOCK_TRAILER_LEN, 0);
        block.extend_from_slice(&(total as u32).to_le_bytes());
        self.out.write_all(&block)?;
        self.events += 1;
        Ok(())
    }

    pub fn events(&self) -> u64 {
        self.events
    }

    /// Flushes and hands back the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// An event block read back: the CPU it came from and the event's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedEvent {
    pub cpu: u16,
    pub raw: Vec<u8>,
}

impl CapturedEvent {
    pub fn event(&self) -> Event<'_> {
        Event::parse(&self.raw).expect("validated when read")
    }
}

/// Reads a capture's event blocks; other block types are skipped.
pub struct CaptureReader<R: Read> {
    input: R,
    offset: u64,
}

impl<R: Read> CaptureReader<R> {
    pub fn new(mut input: R) -> Result<Self, FileError> {
        let mut shb = [0u8; BLOCK_HDR_LEN + 16 + BLOCK_TRAILER_LEN];
        input.read_exact(&mut shb)?;
        let word = |at: usize| u32::from_le_bytes(shb[at..at + 4].try_into().unwrap());
        if word(0) != SHB_BLOCK_TYPE {
            return Err(FileError::NotCapture(word(0)));
        }
        if word(8) != SHB_MAGIC {
            return Err(FileError::ByteOrder(word(8)));
        }
        let major = u16::from_le_bytes([shb[12], shb[13]]);
        let minor = u16::from_le_bytes([shb[14], shb[15]]);
        if major != SHB_MAJOR {
            return Err(FileError::Version(major, minor));
        }
        let total = word(4) as usize;
        if total < shb.len() || !total.is_multiple_of(4) {
            return Err(FileError::Corrupt {
                offset: 0,
                reason: format!("section header block length {total}"),
            });
        }
        // A longer section header carries options: skip them.
        io::copy(
            &mut (&mut input).take((total - shb.len()) as u64),
            &mut io::sink(),
        )?;
        Ok(Self {
            input,
            offset: total as u64,
        })
    }

    /// The next event block, `None` at the end of the file.
    pub fn next_event(&mut self) -> Result<Option<CapturedEvent>, FileError> {
        loop {
            let offset = self.offset;
            let corrupt = |reason: String| FileError::Corrupt { offset, reason };
            let mut hdr = [0u8; BLOCK_HDR_LEN];
            match self.input.read_exact(&mut hdr) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
                Err(e) => return Err(e.into()),
            }
            let block_type = u32::from_le_bytes(hdr[..4].try_into().unwrap());
            let total = u32::from_le_bytes(hdr[4..].try_into().unwrap()) as usize;
            if total < BLOCK_HDR_LEN + BLOCK_TRAILER_LEN || !total.is_multiple_of(4) {
                return Err(corrupt(format!("block length {total}")));
            }
            let mut body = vec![0u8; total - BLOCK_HDR_LEN];
            self.input
                .read_exact(&mut body)
                .map_err(|_| corrupt(format!("block of {total} bytes cut short")))?;
            self.offset += total as u64;
            let (body, trailer) = body.split_at(body.len() - BLOCK_TRAILER_LEN);
            if u32::from_le_bytes(trailer.try_into().unwrap()) as usize != total {
                return Err(corrupt(
                    "trailing length differs from the leading one".into(),
                ));
            }
            if block_type != EV_BLOCK_TYPE_V2 {
                continue;
            }
            if body.len() < 2 {
                return Err(corrupt("event block without a CPU number".into()));
            }
            let cpu = u16::from_le_bytes([body[0], body[1]]);
            let event =
                Event::parse(&body[2..]).map_err(|source| FileError::Event { offset, source })?;
            if padded(BLOCK_HDR_LEN + 2 + event.as_bytes().len()) + BLOCK_TRAILER_LEN != total {
                return Err(corrupt("event len does not fill its block".into()));
            }
            return Ok(Some(CapturedEvent {
                cpu,
                raw: event.as_bytes().to_vec(),
            }));
        }
    }

    pub fn events(mut self) -> Result<Vec<CapturedEvent>, FileError> {
        let mut all = Vec::new();
        while let Some(ev) = self.next_event()? {
            all.push(ev);
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::build;
    use crate::schema::types;

    #[test]
    fn section_header_block_is_libscaps() {
        let out = CaptureWriter::new(Vec::new()).unwrap().finish().unwrap();
        assert_eq!(
            out,
            [
                0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 2, 0, 0xff,
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0
            ]
        );
    }

    #[test]
    fn events_round_trip_with_padding() {
        let mut w = CaptureWriter::new(Vec::new()).unwrap();
        let a = build(1, 2, types::CLOSE_E, &[&3i64.to_le_bytes()]);
        let b = build(
            4,
            5,
            types::OPEN_E,
            &[b"/x\0", &0u32.to_le_bytes(), &0u32.to_le_bytes()],
        );
        w.write_event(0, &Event::parse(&a).unwrap()).unwrap();
        w.write_event(1, &Event::parse(&b).unwrap()).unwrap();
        assert_eq!(w.events(), 2);
        let bytes = w.finish().unwrap();
        // 26 + 2 + 8 = 36 bytes of event: block 8 + 2 + 36 = 46, padded 48, + 4.
        assert_eq!(&bytes[28..32], &EV_BLOCK_TYPE_V2.to_le_bytes());
        assert_eq!(&bytes[32..36], &52u32.to_le_bytes());
        assert_eq!(bytes.len() % 4, 0);
        let events = CaptureReader::new(&bytes[..]).unwrap().events().unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!((events[0].cpu, &events[0].raw), (0, &a));
        assert_eq!((events[1].cpu, &events[1].raw), (1, &b));
    }

    #[test]
    fn refuses_what_is_not_a_capture() {
        let err = CaptureReader::new(&[0x7fu8, b'E', b'L', b'F'][..])
            .err()
            .unwrap();
        assert!(matches!(err, FileError::Io(_)), "{err}");
        let mut elf = [0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        let err = CaptureReader::new(&elf[..]).err().unwrap();
        assert!(err.to_string().starts_with("not a .scap capture"), "{err}");
        let mut bytes = CaptureWriter::new(Vec::new()).unwrap().finish().unwrap();
        bytes.extend_from_slice(&EV_BLOCK_TYPE_V2.to_le_bytes());
        bytes.extend_from_slice(&64u32.to_le_bytes());
        let err = CaptureReader::new(&bytes[..])
            .unwrap()
            .next_event()
            .unwrap_err();
        assert!(err.to_string().contains("cut short"), "{err}");
    }
}
