//! The loader requires the versions of the driver sources it is built with:
//! driver-src/API_VERSION and SCHEMA_VERSION, the only place they are written.

use std::path::Path;

use scap_driver_api::source::{API_VERSION_FILE, SCHEMA_VERSION_FILE};
use scap_driver_api::DriverSource;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../driver-src");
    for file in [API_VERSION_FILE, SCHEMA_VERSION_FILE] {
        println!("cargo:rerun-if-changed={}", dir.join(file).display());
    }
    let source = DriverSource::read(&dir).unwrap_or_else(|err| panic!("{err}"));
    println!("cargo:rustc-env=SCAP_REQUIRED_API={}", source.api);
    println!("cargo:rustc-env=SCAP_REQUIRED_SCHEMA={}", source.schema);
}
