//! Versions in JSON output as `"X.Y.Z"`, the form people and scripts
//! compare, rather than as objects of three numbers.

use scap_driver_api::Version;
use serde::Serializer;

pub fn one<S: Serializer>(version: &Version, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(version)
}

pub fn optional<S: Serializer>(version: &Option<Version>, s: S) -> Result<S::Ok, S::Error> {
    match version {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}
