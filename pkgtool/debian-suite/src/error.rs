//! The project's one error type, `scap_driver_api::Problem`: one line
//! naming the thing, what is wrong and the fix.

use std::path::Path;

pub use scap_driver_api::Problem as Error;

/// For `map_err` on a file operation on `path`.
pub fn io<'a>(path: &'a Path, fix: &'a str) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |err| Error::at(path, err.to_string(), fix)
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
