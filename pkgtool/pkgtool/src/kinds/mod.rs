//! The package kinds, each a function from the driver (and its built
//! artefact) to a format-neutral `Package`.

pub mod compat;
pub mod dkms;
#[cfg(test)]
mod dkms_status_tests;
pub mod modules;
pub mod probe;
#[cfg(test)]
mod snapshot_tests;

use std::fmt;

use serde::Serialize;

use crate::driver::{Common, Driver};
use crate::meta;
use crate::package::{Op, Origin, Relation};
use crate::templates;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Kind {
    /// Module sources built by DKMS on the user's machine.
    Dkms,
    /// The module prebuilt for each kernel release.
    Modules,
    /// The eBPF probe object.
    Probe,
    /// The scap-compat helper consumers call from their maintainer scripts.
    Compat,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Dkms => "dkms",
            Kind::Modules => "modules",
            Kind::Probe => "probe",
            Kind::Compat => "compat",
        })
    }
}

/// Template variables: the driver's, the package name, and a kernel for
/// per-kernel packages.
#[derive(Serialize)]
pub struct Vars<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    pub package: &'a str,
    pub kernel: Option<&'a str>,
    /// Whether maintainer scripts carry debhelper's #DEBHELPER# token
    /// (the debian/ recipe) or are complete (pkgtool's own packages).
    pub debhelper: bool,
}

impl<'a> Vars<'a> {
    pub fn new(driver: &'a Driver, package: &'a str, kernel: Option<&'a str>) -> Self {
        Self {
            common: driver.common(),
            package,
            kernel,
            debhelper: false,
        }
    }
}

/// Relations of every package that installs the module: it provides the
/// driver API at this exact version and the API major of the installed
/// module, and conflicts with any package installing a module of another
/// major.
pub fn module_relations(driver: &Driver) -> (Vec<Relation>, Vec<Relation>) {
    let names = &driver.names;
    let major = driver.api().major.to_string();
    let provides = vec![
        Relation::versioned(&names.driver_provides, Op::Eq, driver.version()),
        Relation::versioned(&names.module_major_virtual, Op::Eq, &major),
    ];
    let conflicts = vec![
        Relation::versioned(&names.module_major_virtual, Op::Lt, &major),
        Relation::versioned(&names.module_major_virtual, Op::Gt, &major),
    ];
    (provides, conflicts)
}

/// Every driver package (module sources, module, probe) holds the driver
/// and says so.
pub fn driver_origin(vars: &Vars) -> Origin {
    // An upstream tree's packages state its licence and copyright, never
    // ours in their place.
    let (license, copyright) = match &vars.common.upstream {
        Some(upstream) => (
            upstream.spdx.clone(),
            templates::render("deb/upstream.copyright", vars),
        ),
        None => (
            meta::LICENSE_SPDX.to_string(),
            templates::render("deb/copyright", vars),
        ),
    };
    Origin {
        license,
        copyright,
        changes: templates::render("changes/driver", vars).trim().to_string(),
    }
}
