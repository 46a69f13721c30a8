//! Finds the probe object (by default the probe developer's contract:
//! `make -C probe` produces `probe/build/scap_probe.o`) and checks it
//! carries the versions of driver-src/.

use std::path::{Path, PathBuf};
use std::process::Command;

use scap_driver_api::sections::{self, ProbeSections};

use crate::driver::Driver;
use crate::Problem;

/// Where `make -C probe` leaves the object, relative to probe/.
pub const PROBE_OUTPUT: &str = "build/scap_probe.o";

/// Makes the project's probe and returns its path.
pub fn make(probe_dir: &Path, log_path: &Path) -> Result<PathBuf, Problem> {
    let output = Command::new("make")
        .arg("-C")
        .arg(probe_dir)
        .output()
        .map_err(|e| Problem::new("make", format!("cannot run it: {e}"), "install make"))?;
    let mut log = output.stdout.clone();
    log.extend_from_slice(&output.stderr);
    std::fs::write(log_path, log).map_err(crate::cannot_write(log_path))?;
    if !output.status.success() {
        return Err(Problem::new(
            format!("make -C {}", probe_dir.display()),
            format!("failed ({})", output.status),
            format!("see {}", log_path.display()),
        ));
    }
    let object = probe_dir.join(PROBE_OUTPUT);
    if !object.is_file() {
        return Err(Problem::new(
            format!("make -C {}", probe_dir.display()),
            format!("did not produce {}", object.display()),
            "fix the probe's Makefile or pass --probe FILE",
        ));
    }
    Ok(object)
}

/// Reads the object and checks its versions against driver-src/.
pub fn read_checked(path: &Path, driver: &Driver) -> Result<Vec<u8>, Problem> {
    let data = std::fs::read(path).map_err(|e| {
        Problem::at(
            path,
            format!("cannot read the probe object: {e}"),
            "build it (make -C probe) or pass --probe FILE",
        )
    })?;
    let ProbeSections { api, schema, .. } = sections::read(&data).map_err(|err| {
        err.at(
            path,
            "pass an eBPF probe object with 8-byte api_version and schema_version sections",
        )
    })?;
    let src = &driver.source;
    if api != src.api || schema != src.schema {
        return Err(Problem::at(
            path,
            format!(
                "carries API {api} / schema {schema}, but driver-src/ says API {} / schema {}",
                src.api, src.schema
            ),
            "rebuild the probe (make -C probe)",
        ));
    }
    Ok(data)
}
