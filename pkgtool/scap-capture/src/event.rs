//! One event: the packed header, `nparams` little-endian `u16` lengths, then
//! the values back to back. Parsing checks everything a consumer relies on,
//! so that a malformed event is refused here rather than crashing sysdig.

use crate::schema::{EVENT_MAX, EVT_HDR_LEN, MAX_PARAMS};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("event of {available} bytes is shorter than its {needed}-byte header")]
    Short { available: usize, needed: usize },
    #[error("event len {len} exceeds the {available} bytes available")]
    Truncated { len: u32, available: usize },
    #[error("event type {0} is not in schema 1 (types stop at {EVENT_MAX})")]
    UnknownType(u16),
    #[error("event type {event_type} has {nparams} parameters, more than any event of schema 1")]
    TooManyParams { event_type: u16, nparams: u32 },
    #[error("event type {event_type}: len {len} but header and parameters take {used} bytes")]
    LengthMismatch {
        event_type: u16,
        len: u32,
        used: usize,
    },
}

/// A well-formed event borrowed from a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    raw: &'a [u8],
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

impl<'a> Event<'a> {
    /// The event at the start of `buf`; its `len` says where it ends.
    pub fn parse(buf: &'a [u8]) -> Result<Self, EventError> {
        if buf.len() < EVT_HDR_LEN {
            return Err(EventError::Short {
                available: buf.len(),
                needed: EVT_HDR_LEN,
            });
        }
        let len = u32_at(buf, 16);
        let event_type = u16_at(buf, 20);
        let nparams = u32_at(buf, 22);
        if len as usize > buf.len() {
            return Err(EventError::Truncated {
                len,
                available: buf.len(),
            });
        }
        if event_type >= EVENT_MAX {
            return Err(EventError::UnknownType(event_type));
        }
        if nparams > MAX_PARAMS {
            return Err(EventError::TooManyParams {
                event_type,
                nparams,
            });
        }
        let lengths_end = EVT_HDR_LEN + 2 * nparams as usize;
        let mismatch = |used| EventError::LengthMismatch {
            event_type,
            len,
            used,
        };
        if (len as usize) < lengths_end {
            return Err(mismatch(lengths_end));
        }
        let values: usize = (0..nparams as usize)
            .map(|i| u16_at(buf, EVT_HDR_LEN + 2 * i) as usize)
            .sum();
        if lengths_end + values != len as usize {
            return Err(mismatch(lengths_end + values));
        }
        Ok(Self {
            raw: &buf[..len as usize],
        })
    }

    /// The whole event, header included.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// Nanoseconds since the epoch.
    pub fn ts(&self) -> u64 {
        u64_at(self.raw, 0)
    }

    pub fn tid(&self) -> u64 {
        u64_at(self.raw, 8)
    }

    pub fn len(&self) -> u32 {
        u32_at(self.raw, 16)
    }

    /// Never true: an event has at least its header.
    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn event_type(&self) -> u16 {
        u16_at(self.raw, 20)
    }

    pub fn nparams(&self) -> u32 {
        u32_at(self.raw, 22)
    }

    /// The values, in order.
    pub fn params(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let raw = self.raw;
        let n = self.nparams() as usize;
        let mut at = EVT_HDR_LEN + 2 * n;
        (0..n).map(move |i| {
            let len = u16_at(raw, EVT_HDR_LEN + 2 * i) as usize;
            let value = &raw[at..at + len];
            at += len;
            value
        })
    }

    pub fn param(&self, index: usize) -> Option<&'a [u8]> {
        self.params().nth(index)
    }

    /// A fixed-width little-endian integer parameter (`PT_FD`, `PT_ERRNO`:
    /// 8 bytes; flags: 4; `PT_SYSCALLID`: 2), sign-extended.
    pub fn param_int(&self, index: usize) -> Option<i64> {
        let value = self.param(index)?;
        Some(match value.len() {
            2 => i16::from_le_bytes(value.try_into().ok()?) as i64,
            4 => i32::from_le_bytes(value.try_into().ok()?) as i64,
            8 => i64::from_le_bytes(value.try_into().ok()?),
            _ => return None,
        })
    }

    /// A NUL-terminated string parameter, without its NUL.
    pub fn param_str(&self, index: usize) -> Option<&'a str> {
        let value = self.param(index)?;
        std::str::from_utf8(value.strip_suffix(&[0])?).ok()
    }
}

/// Assembles an event; for tests and tools that synthesise events.
pub fn build(ts: u64, tid: u64, event_type: u16, params: &[&[u8]]) -> Vec<u8> {
    let lengths = 2 * params.len();
    let values: usize = params.iter().map(|p| p.len()).sum();
    let len = (EVT_HDR_LEN + lengths + values) as u32;
    let mut out = Vec::with_capacity(len as usize);
    out.extend_from_slice(&ts.to_le_bytes());
    out.extend_from_slice(&tid.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&event_type.to_le_bytes());
    out.extend_from_slice(&(params.len() as u32).to_le_bytes());
    for p in params {
        out.extend_from_slice(&(p.len() as u16).to_le_bytes());
    }
    for p in params {
        out.extend_from_slice(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::types;

    fn close_x(res: i64) -> Vec<u8> {
        build(7, 42, types::CLOSE_X, &[&res.to_le_bytes()])
    }

    #[test]
    fn reads_back_what_build_wrote() {
        let raw = build(
            1_700_000_000_000_000_000,
            1234,
            types::OPENAT_2_E,
            &[
                &(-100i64).to_le_bytes(),
                b"/etc/hostname\0",
                &1u32.to_le_bytes(),
                &0u32.to_le_bytes(),
            ],
        );
        let ev = Event::parse(&raw).unwrap();
        assert_eq!(ev.ts(), 1_700_000_000_000_000_000);
        assert_eq!(ev.tid(), 1234);
        assert_eq!(ev.len() as usize, raw.len());
        assert_eq!(ev.event_type(), types::OPENAT_2_E);
        assert_eq!(ev.nparams(), 4);
        assert_eq!(ev.param_int(0), Some(-100));
        assert_eq!(ev.param_str(1), Some("/etc/hostname"));
        assert_eq!(ev.param_int(2), Some(1));
        assert_eq!(ev.param(4), None);
    }

    #[test]
    fn parse_stops_at_len() {
        let mut raw = close_x(0);
        let len = raw.len();
        raw.extend_from_slice(&close_x(-9));
        assert_eq!(Event::parse(&raw).unwrap().as_bytes().len(), len);
    }

    #[test]
    fn refuses_what_would_crash_a_consumer() {
        let good = close_x(0);
        assert!(matches!(
            Event::parse(&good[..20]),
            Err(EventError::Short { .. })
        ));
        assert!(matches!(
            Event::parse(&good[..good.len() - 1]),
            Err(EventError::Truncated { .. })
        ));
        let unknown = build(0, 0, 400, &[]);
        assert_eq!(
            Event::parse(&unknown).unwrap_err(),
            EventError::UnknownType(400)
        );
        let mut bad_len = close_x(0);
        bad_len[16] -= 1;
        assert!(matches!(
            Event::parse(&bad_len),
            Err(EventError::LengthMismatch { .. })
        ));
        let mut many = close_x(0);
        many[22] = 200;
        assert!(matches!(
            Event::parse(&many),
            Err(EventError::TooManyParams { .. })
        ));
    }
}
