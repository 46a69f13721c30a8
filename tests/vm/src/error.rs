//! Every failure of the harness is one line that names the thing and the fix.

use std::path::PathBuf;

use scap_driver_api::Problem;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{tool}: not found; fix: run tests/install-deps as root (installs {package})")]
    MissingTool { tool: String, package: &'static str },
    #[error("{what} failed ({status}){detail}; fix: {fix}")]
    CommandFailed {
        what: String,
        status: String,
        /// The last line of the tool's error output, if any; the whole
        /// output was already written to stderr.
        detail: String,
        fix: String,
    },
    #[error("{}: {source}; fix: {fix}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
        fix: &'static str,
    },
    #[error("{what}; fix: {fix}")]
    Invalid { what: String, fix: String },
    #[error("{}: {}; fix: {}", .0.subject, .0.what, .0.fix)]
    Problem(#[from] Problem),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, fix: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Error::Io { path, source, fix }
    }

    pub fn invalid(what: impl Into<String>, fix: impl Into<String>) -> Self {
        Error::Invalid {
            what: what.into(),
            fix: fix.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
