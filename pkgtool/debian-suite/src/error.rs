//! One line naming the thing and the fix.

use std::fmt;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub what: String,
    pub fix: String,
}

impl Error {
    pub fn new(what: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            what: flatten(&what.into()),
            fix: flatten(&fix.into()),
        }
    }

    /// For `map_err` on a file operation.
    pub fn io<'a>(path: &'a Path, fix: &'a str) -> impl FnOnce(std::io::Error) -> Self + 'a {
        move |err| Error::new(format!("{}: {err}", path.display()), fix)
    }
}

/// Tools' messages may span lines; ours never do.
fn flatten(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; fix: {}", self.what, self.fix)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
