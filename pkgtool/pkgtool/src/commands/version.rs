//! `pkgtool version`: what `driver-src/` declares and what follows from it.

use std::path::Path;

use scap_driver_api::{DriverSource, Names, Version};
use serde::Serialize;

use crate::Problem;

#[derive(Serialize)]
struct VersionInfo {
    version: String,
    code: String,
}

impl From<Version> for VersionInfo {
    fn from(v: Version) -> Self {
        Self {
            version: v.to_string(),
            code: format!("0x{:016x}", v.encode()),
        }
    }
}

#[derive(Serialize)]
struct Report {
    api: VersionInfo,
    schema: VersionInfo,
    names: Names,
}

pub fn run(source: &Path, module: &str, json: bool) -> Result<(), Problem> {
    let src = DriverSource::read(source)?;
    let names = Names::new(module, src.api);
    let report = Report {
        api: src.api.into(),
        schema: src.schema.into(),
        names,
    };
    if json {
        let text = serde_json::to_string_pretty(&report).expect("report serializes");
        println!("{text}");
        return Ok(());
    }
    let n = &report.names;
    let rows = [
        (
            "API version",
            format!("{} ({})", report.api.version, report.api.code),
        ),
        (
            "schema version",
            format!("{} ({})", report.schema.version, report.schema.code),
        ),
        ("module", format!("{}.ko", n.module)),
        (
            "DKMS package",
            format!("{} (sources in {})", n.dkms_package, n.dkms_source_dir),
        ),
        (
            "prebuilt (deb)",
            format!("{}<kernel release>", n.deb_modules_prefix),
        ),
        (
            "prebuilt (rpm)",
            format!("{}<kernel release>", n.rpm_kmod_prefix),
        ),
        (
            "probe package",
            format!("{} ({})", n.probe_package, n.probe_path),
        ),
        (
            "provides",
            format!(
                "{} (= {}), {} (= {})",
                n.driver_provides, report.api.version, n.probe_provides, report.api.version
            ),
        ),
    ];
    for (label, value) in rows {
        println!("{label:<16}{value}");
    }
    Ok(())
}
