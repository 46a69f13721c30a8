//! The build plan: which packages, kernels and sources a `pkgtool build`
//! makes, decided before any work starts; the build follows it and
//! `--plan` shows it (view.rs).

use std::path::{Path, PathBuf};

use scap_driver_api::helper::HELPER;
use scap_driver_api::SUPPORTED_KERNELS;

use crate::artefacts::helper_crate::{self, HelperCrate};
use crate::artefacts::kbuild;
use crate::commands::build::BuildArgs;
use crate::driver::Driver;
use crate::kinds::Kind;
use crate::package::Format;
use crate::Problem;

pub mod view;

/// Where the probe comes from, decided before any work starts.
pub enum ProbeFrom {
    File(PathBuf),
    Make(PathBuf),
}

/// The helper's crate, and its executable if given.
pub struct CompatFrom {
    pub krate: HelperCrate,
    pub executable: Option<PathBuf>,
}

pub struct Plan {
    pub formats: Vec<Format>,
    pub dkms: bool,
    pub kernels: Vec<kbuild::Target>,
    pub probe: Option<ProbeFrom>,
    pub compat: Option<CompatFrom>,
    /// The transitional falcosecurity-scap-dkms's version (deb, with dkms).
    pub transitional: Option<String>,
    /// Why a default kind is not built, for the summary.
    pub notes: Vec<String>,
}

pub fn plan(args: BuildArgs, driver: &Driver, project: &Path) -> Result<Plan, Problem> {
    let mut formats = if args.formats.is_empty() {
        vec![Format::Deb, Format::Rpm]
    } else {
        args.formats
    };
    formats.sort();
    formats.dedup();
    let explicit = !args.kinds.is_empty();
    let kinds = if explicit {
        args.kinds
    } else {
        vec![Kind::Dkms, Kind::Modules, Kind::Probe, Kind::Compat]
    };
    // The argument an error about the kinds asked for names.
    let asked = format!(
        "--kind {}",
        kinds
            .iter()
            .map(Kind::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut notes = Vec::new();

    let kernels = if !kinds.contains(&Kind::Modules) {
        let given = match (args.kernels.is_empty(), &args.suite) {
            (false, _) => Some("--kernel"),
            (true, Some(_)) => Some("--suite"),
            (true, None) => None,
        };
        if let Some(option) = given {
            return Err(Problem::new(
                &asked,
                format!("{option} given without the modules kind"),
                format!("add --kind modules or drop {option}"),
            ));
        }
        Vec::new()
    } else if let Some(suite) = &args.suite {
        let mut kernels = args.kernels;
        kernels.sort();
        kernels.dedup();
        kbuild::suite_targets(driver, suite, kernels)?
    } else if args.kernels.is_empty() {
        let found = scap_driver_api::kernels::installed_headers();
        if found.is_empty() {
            return Err(Problem::new(
                "/lib/modules/*/build",
                "no kernel headers there to prebuild the module for",
                "install linux-headers-amd64 (or the headers of your kernel), pass --kernel RELEASE or --suite SUITE, or leave out --kind modules",
            ));
        }
        // Found, not asked for: a kernel the driver does not support is a
        // note, not an error.
        let (supported, unsupported): (Vec<String>, Vec<String>) = found
            .into_iter()
            .partition(|k| SUPPORTED_KERNELS.contains_release(k));
        for kernel in unsupported {
            notes.push(format!(
                "modules: kernel {kernel} skipped, outside the supported kernels {SUPPORTED_KERNELS}"
            ));
        }
        for kernel in &supported {
            kbuild::check_kernel(driver, kernel)?;
        }
        supported.into_iter().map(kbuild::Target::host).collect()
    } else {
        let mut kernels = args.kernels;
        kernels.sort();
        kernels.dedup();
        for kernel in &kernels {
            kbuild::check_kernel(driver, kernel)?;
        }
        kernels.into_iter().map(kbuild::Target::host).collect()
    };

    let probe = if !kinds.contains(&Kind::Probe) {
        None
    } else if let Some(file) = args.probe {
        Some(ProbeFrom::File(file))
    } else {
        let dir = project.join("probe");
        if dir.join("Makefile").is_file() {
            Some(ProbeFrom::Make(dir))
        } else if explicit {
            return Err(Problem::new(
                &asked,
                format!("no probe to package: {} has no Makefile", dir.display()),
                "pass --probe FILE or leave out --kind probe",
            ));
        } else {
            notes.push(format!(
                "probe: not packaged, {} has no Makefile (pass --probe FILE)",
                dir.display()
            ));
            None
        }
    };

    let compat = if !kinds.contains(&Kind::Compat) {
        if args.compat_binary.is_some() {
            return Err(Problem::new(
                &asked,
                "--compat-binary given without the compat kind",
                "add --kind compat or drop --compat-binary",
            ));
        }
        None
    } else if let Some(krate) = helper_crate::find(project)? {
        Some(CompatFrom {
            krate,
            executable: args.compat_binary,
        })
    } else if explicit || args.compat_binary.is_some() {
        return Err(Problem::new(
            if explicit {
                asked.as_str()
            } else {
                "--compat-binary"
            },
            format!(
                "no {HELPER} to package: {} has no cargo workspace with the {HELPER} crate",
                project.display()
            ),
            "build from the project's checkout or leave out --kind compat",
        ));
    } else {
        notes.push(format!(
            "compat: not packaged, {} has no cargo workspace with the {HELPER} crate",
            project.display()
        ));
        None
    };
    let dkms = kinds.contains(&Kind::Dkms);
    let transitional = match args.transitional {
        Some(_) if !dkms => {
            return Err(Problem::new(
                &asked,
                "--transitional given without the dkms kind",
                "add --kind dkms or drop --transitional",
            ))
        }
        Some(given) => Some(crate::kinds::dkms::transitional_version(driver, &given)?),
        None if dkms => driver
            .source
            .upstream
            .as_ref()
            .map(|upstream| {
                crate::kinds::dkms::transitional_version(driver, &upstream.driver_version)
            })
            .transpose()?,
        None => None,
    }
    .filter(|_| formats.contains(&Format::Deb));
    Ok(Plan {
        formats,
        dkms,
        transitional,
        kernels,
        probe,
        compat,
        notes,
    })
}
