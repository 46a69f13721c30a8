//! Schema 1 scap events, as the module's rings and the probe's ring buffer
//! carry them, and the `.scap` capture files `sysdig -r` reads.

pub mod event;
pub mod file;
pub mod schema;

pub use event::{Event, EventError};
pub use file::{CaptureReader, CaptureWriter, FileError};
