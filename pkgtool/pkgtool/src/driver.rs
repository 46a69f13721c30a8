//! What one `pkgtool build` run packages: the driver's versions and names,
//! and the timestamp every file and header carries.

use std::path::Path;
use std::time::UNIX_EPOCH;

use scap_driver_api::{DriverSource, Names, Version, SUPPORTED_KERNELS};
use serde::Serialize;

use crate::meta;
use crate::Problem;

#[derive(Debug, Clone)]
pub struct Driver {
    pub source: DriverSource,
    pub names: Names,
    /// Seconds since the epoch for every timestamp written: reproducible.
    pub epoch: u64,
}

/// The variables every template may use.
#[derive(Serialize)]
pub struct Common<'a> {
    pub module: &'a str,
    pub version: String,
    pub major: u64,
    pub schema: String,
    pub kernel_range: String,
    pub kernel_regex: String,
    pub maintainer: &'static str,
    pub homepage: &'static str,
    pub copyright_holder: &'static str,
    pub year: i64,
    pub date: String,
    pub probe_path: &'a str,
    pub dkms_source_dir: &'a str,
    pub dkms_package: &'a str,
    /// Set for a falcosecurity-libs driver tree: its own licensing.
    pub upstream: Option<UpstreamVars>,
}

/// A driver tree's own licensing, as its copyright file states it.
#[derive(Serialize)]
pub struct UpstreamVars {
    pub driver_version: String,
    /// The SPDX expression (rpm's License tag).
    pub spdx: String,
    /// The Debian copyright format's name of the licence (`GPL-2 or Expat`).
    pub license: String,
    /// `2023 The Falco Authors`, each holder once.
    pub copyright: Vec<String>,
    pub gpl2: bool,
    pub expat: bool,
}

/// The Debian copyright format's name of an SPDX licence expression, for
/// the licences whose texts the templates carry.
pub fn debian_license(spdx: &str) -> Result<String, String> {
    spdx.split_whitespace()
        .map(|word| match word {
            "OR" => Ok("or"),
            "AND" => Ok("and"),
            "GPL-2.0-only" | "GPL-2.0" => Ok("GPL-2"),
            "MIT" => Ok("Expat"),
            other => Err(format!(
                "licence {other}: pkgtool has no text for it (it knows GPL-2.0-only and MIT)"
            )),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|words| words.join(" "))
}

impl Driver {
    /// `module` names our driver; an upstream tree names its own.
    pub fn new(source: DriverSource, module: &str, epoch: u64) -> Self {
        let names = Names::new(source.module(module), source.api);
        Self {
            source,
            names,
            epoch,
        }
    }

    pub fn api(&self) -> Version {
        self.source.api
    }

    pub fn version(&self) -> String {
        self.source.api.to_string()
    }

    pub fn common(&self) -> Common<'_> {
        let (year, _, _) = civil_from_days(self.epoch as i64 / 86_400);
        Common {
            module: &self.names.module,
            version: self.version(),
            major: self.source.api.major,
            schema: self.source.schema.to_string(),
            kernel_range: SUPPORTED_KERNELS.to_string(),
            kernel_regex: SUPPORTED_KERNELS.release_regex(),
            maintainer: meta::MAINTAINER,
            homepage: meta::HOMEPAGE,
            copyright_holder: meta::COPYRIGHT_HOLDER,
            year,
            date: rfc2822(self.epoch),
            probe_path: &self.names.probe_path,
            dkms_source_dir: &self.names.dkms_source_dir,
            dkms_package: &self.names.dkms_package,
            upstream: self.source.upstream.as_ref().map(|upstream| {
                let license =
                    debian_license(&upstream.license).unwrap_or_else(|_| upstream.license.clone());
                UpstreamVars {
                    driver_version: upstream.driver_version.clone(),
                    spdx: upstream.license.clone(),
                    gpl2: license.contains("GPL-2"),
                    expat: license.contains("Expat"),
                    license,
                    copyright: upstream
                        .copyright
                        .iter()
                        .map(|line| {
                            line.trim_start_matches("Copyright (C)")
                                .trim()
                                .trim_end_matches('.')
                                .to_string()
                        })
                        .collect(),
                }
            }),
        }
    }
}

/// SOURCE_DATE_EPOCH when set (the reproducible-builds convention), else
/// the time of the last git commit of the driver sources (the same in every
/// clone), else the newest modification time among them.
pub fn source_date_epoch(driver_src: &Path) -> Result<u64, Problem> {
    if let Ok(text) = std::env::var("SOURCE_DATE_EPOCH") {
        return text.trim().parse().map_err(|_| {
            Problem::new(
                "the environment",
                format!("SOURCE_DATE_EPOCH={text:?} is not a number of seconds"),
                "set it to e.g. $(git log -1 --format=%ct) or unset it",
            )
        });
    }
    if let Some(epoch) = last_commit_time(driver_src) {
        return Ok(epoch);
    }
    let mut newest = 0;
    for file in scap_driver_api::source::files(driver_src)? {
        let modified = std::fs::metadata(&file.absolute)
            .and_then(|m| m.modified())
            .map_err(|e| {
                Problem::at(
                    &file.absolute,
                    format!("cannot read its modification time: {e}"),
                    "check the driver sources, or set SOURCE_DATE_EPOCH",
                )
            })?;
        let secs = modified
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        newest = newest.max(secs);
    }
    Ok(newest)
}

fn last_commit_time(dir: &Path) -> Option<u64> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["log", "-1", "--format=%ct", "--", "."])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The date format of Debian changelogs.
pub fn rfc2822(epoch: u64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = (epoch / 86_400) as i64;
    let secs = epoch % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} +0000",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[month as usize - 1],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc2822(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 +0000");
        assert_eq!(rfc2822(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
    }
}
