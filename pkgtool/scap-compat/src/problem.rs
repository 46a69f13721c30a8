//! The one-line error every bad input gets: the thing, what is wrong with
//! it, and what to do about it.

use std::fmt;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, device or argument at fault.
    pub subject: String,
    pub what: String,
    pub fix: String,
}

impl Problem {
    pub fn new(
        subject: impl Into<String>,
        what: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            subject: subject.into(),
            what: what.into(),
            fix: fix.into(),
        }
    }

    pub fn at(path: &Path, what: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(path.display().to_string(), what, fix)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keep it one line whatever the parts carry (e.g. a decoder's error).
        let one_line = |s: &str| s.replace(['\n', '\r'], " ");
        write!(
            f,
            "{}: {}; {}",
            self.subject,
            one_line(&self.what),
            one_line(&self.fix)
        )
    }
}

impl std::error::Error for Problem {}
