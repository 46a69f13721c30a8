//! `pkgtool build --plan`: what a build would make, from the same plan the
//! build follows, as text or JSON, without building anything.

use std::path::Path;

use serde::Serialize;

use super::{kbuild, Plan, ProbeFrom};
use crate::driver::Driver;
use crate::package::Format;

#[derive(Debug, Serialize)]
pub struct PlanView {
    pub module: String,
    pub api_version: String,
    pub schema_version: String,
    pub source: String,
    pub out: String,
    pub formats: Vec<String>,
    pub packages: Vec<PlannedPackage>,
    /// What a default build leaves out, and why.
    pub skipped: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct PlannedPackage {
    pub kind: &'static str,
    /// The package's name in each format, in the order of `formats`.
    pub names: Vec<String>,
    /// Where its contents come from.
    pub from: String,
    /// The kernel release of a prebuilt module.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
}

impl PlanView {
    pub fn new(plan: &Plan, driver: &Driver, out: &Path) -> Self {
        let names = &driver.names;
        let per_format = |deb: &str, rpm: &str| -> Vec<String> {
            plan.formats
                .iter()
                .map(|format| match format {
                    Format::Deb => deb.to_string(),
                    Format::Rpm => rpm.to_string(),
                })
                .collect()
        };
        let source = driver.source.dir.display().to_string();
        let mut packages = Vec::new();
        if plan.dkms {
            packages.push(PlannedPackage {
                kind: "dkms",
                names: per_format(&names.dkms_package, &names.dkms_package),
                from: format!("{source}, built by DKMS on each machine"),
                kernel: None,
            });
            if let Some(version) = &plan.transitional {
                packages.push(PlannedPackage {
                    kind: "dkms",
                    names: vec![format!("{} {version}", names.falcosecurity_dkms)],
                    from: format!("transitional, depends on {}", names.dkms_package),
                    kernel: None,
                });
            }
        }
        for target in &plan.kernels {
            let kernel = &target.kernel;
            let from = match &target.builder {
                kbuild::Builder::Host => format!(
                    "{source}, built against {}",
                    kbuild::headers_dir(kernel).display()
                ),
                kbuild::Builder::Suite(root) => format!(
                    "{source}, built in {}'s build root {}",
                    root.release(),
                    root.root().display()
                ),
            };
            packages.push(PlannedPackage {
                kind: "modules",
                names: per_format(
                    &names.deb_modules_package(kernel),
                    &names.rpm_kmod_package(kernel),
                ),
                from,
                kernel: Some(kernel.clone()),
            });
        }
        if let Some(probe) = &plan.probe {
            let from = match probe {
                ProbeFrom::File(path) => path.display().to_string(),
                ProbeFrom::Make(dir) => format!("make -C {}", dir.display()),
            };
            packages.push(PlannedPackage {
                kind: "probe",
                names: per_format(&names.probe_package, &names.probe_package),
                from,
                kernel: None,
            });
        }
        if let Some(compat) = &plan.compat {
            let from = match &compat.executable {
                Some(path) => path.display().to_string(),
                None => format!(
                    "cargo build --release --target {} -p {}",
                    crate::artefacts::helper_crate::static_target(),
                    compat.krate.name
                ),
            };
            packages.push(PlannedPackage {
                kind: "compat",
                names: per_format(&compat.krate.name, &compat.krate.name),
                from,
                kernel: None,
            });
        }
        Self {
            module: names.module.clone(),
            api_version: driver.source.api.to_string(),
            schema_version: driver.source.schema.to_string(),
            source,
            out: out.display().to_string(),
            formats: plan.formats.iter().map(Format::to_string).collect(),
            packages,
            skipped: plan.notes.clone(),
        }
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a plan serializes")
    }

    pub fn text(&self) -> String {
        let mut text = format!(
            "pkgtool: plan for {} API {} (schema {}) from {} into {}, as {}:\n",
            self.module,
            self.api_version,
            self.schema_version,
            self.source,
            self.out,
            self.formats.join(" and ")
        );
        for package in &self.packages {
            let mut names = package.names.clone();
            names.dedup();
            text.push_str(&format!(
                "  {:<8} {}\n           from {}\n",
                package.kind,
                names.join(" / "),
                package.from
            ));
        }
        for skipped in &self.skipped {
            text.push_str(&format!("  skipped: {skipped}\n"));
        }
        if self.packages.is_empty() {
            text.push_str("  nothing to build\n");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use scap_driver_api::DriverSource;

    use super::*;
    use crate::artefacts::kbuild::Target;

    fn plan() -> (Plan, Driver) {
        let source = DriverSource {
            dir: PathBuf::from("/src/driver-src"),
            api: "1.2.3".parse().unwrap(),
            schema: "1.0.0".parse().unwrap(),
            upstream: None,
        };
        let plan = Plan {
            formats: vec![Format::Deb, Format::Rpm],
            dkms: true,
            transitional: None,
            kernels: vec![
                Target::host("6.1.0-57-amd64".into()),
                Target::host("6.12.118+deb13-amd64".into()),
            ],
            probe: Some(ProbeFrom::Make(PathBuf::from("/src/probe"))),
            compat: None,
            notes: vec![
                "modules: kernel 4.19.0-27-amd64 skipped, outside the supported kernels 5.10 to 7.3"
                    .into(),
            ],
        };
        (plan, Driver::new(source, "scap", 1_700_000_000))
    }

    #[test]
    fn plan_as_text() {
        let (plan, release) = plan();
        insta::assert_snapshot!(PlanView::new(&plan, &release, Path::new("/src/dist")).text());
    }

    #[test]
    fn plan_as_json() {
        let (plan, release) = plan();
        insta::assert_snapshot!(PlanView::new(&plan, &release, Path::new("/src/dist")).json());
    }
}
