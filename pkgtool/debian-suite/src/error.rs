//! The project's one error type, `scap_driver_api::Problem`: one line
//! naming the thing, what is wrong and the fix (`Error::io` for a file
//! operation).

pub use scap_driver_api::Problem as Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;
