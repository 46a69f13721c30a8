//! Turns the probe's ring buffer records into a `.scap` capture.
//!
//! A record is `u32 cpu, u32 reserved`, then one schema 1 event (the event
//! header has no CPU; the capture's event blocks do). The probe reserves a
//! record at the size of its event type's largest form: the event's `len`
//! says where it ends, and the bytes after it are not part of it.

use std::io::Write;

use scap_capture::{CaptureWriter, Event, EventError};

pub const RECORD_HDR_LEN: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("ring buffer record of {0} bytes is shorter than its 8-byte header")]
    Short(usize),
    #[error(transparent)]
    Event(#[from] EventError),
}

pub fn parse_record(record: &[u8]) -> Result<(u16, Event<'_>), RecordError> {
    if record.len() < RECORD_HDR_LEN {
        return Err(RecordError::Short(record.len()));
    }
    let cpu = u32::from_le_bytes(record[..4].try_into().unwrap());
    Ok((cpu as u16, Event::parse(&record[RECORD_HDR_LEN..])?))
}

/// Writes the well-formed records, counts and remembers the others.
pub struct Recorder<W: Write> {
    pub writer: CaptureWriter<W>,
    pub malformed: u64,
    pub first_malformed: Option<RecordError>,
}

impl<W: Write> Recorder<W> {
    pub fn new(writer: CaptureWriter<W>) -> Self {
        Self {
            writer,
            malformed: 0,
            first_malformed: None,
        }
    }

    pub fn record(&mut self, record: &[u8]) -> std::io::Result<()> {
        match parse_record(record) {
            Ok((cpu, event)) => self.writer.write_event(cpu, &event),
            Err(err) => {
                self.malformed += 1;
                self.first_malformed.get_or_insert(err);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scap_capture::event::build;
    use scap_capture::schema::types;
    use scap_capture::CaptureReader;

    #[test]
    fn records_carry_the_cpu() {
        let event = build(1, 2, types::CLOSE_X, &[&0i64.to_le_bytes()]);
        let mut record = vec![3, 0, 0, 0, 0, 0, 0, 0];
        record.extend_from_slice(&event);
        let mut rec = Recorder::new(CaptureWriter::new(Vec::new()).unwrap());
        rec.record(&record).unwrap();
        rec.record(&record[..5]).unwrap();
        rec.record(&record[..record.len() - 1]).unwrap();
        assert_eq!(rec.malformed, 2);
        assert!(matches!(rec.first_malformed, Some(RecordError::Short(5))));
        let bytes = rec.writer.finish().unwrap();
        let events = CaptureReader::new(&bytes[..]).unwrap().events().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].cpu, &events[0].raw), (3, &event));
    }

    /// A record reserved larger than its event: the event's len rules.
    #[test]
    fn bytes_after_the_event_are_ignored() {
        let event = build(1, 2, types::CLOSE_X, &[&0i64.to_le_bytes()]);
        let mut record = vec![1, 0, 0, 0, 0, 0, 0, 0];
        record.extend_from_slice(&event);
        record.extend_from_slice(&[0xee; 150]);
        let mut rec = Recorder::new(CaptureWriter::new(Vec::new()).unwrap());
        rec.record(&record).unwrap();
        assert_eq!(rec.malformed, 0);
        let bytes = rec.writer.finish().unwrap();
        let events = CaptureReader::new(&bytes[..]).unwrap().events().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].cpu, &events[0].raw), (1, &event));
    }
}
