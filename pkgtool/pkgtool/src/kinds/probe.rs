//! `scap-apiM-probe`: the eBPF probe object as
//! /usr/lib/scap/probe/scap_probe-X.Y.Z.o. Architecture-specific: the
//! object is ELF (EM_BPF), which belongs neither in an arch-independent
//! package nor under /usr/share.

use std::path::Path;

use serde::Serialize;

use crate::driver::Driver;
use crate::package::{Arch, File, Format, Op, Package, Relation, Relations};
use crate::templates;

use super::{driver_origin, Vars};

pub fn package(driver: &Driver, format: Format, object: Vec<u8>) -> Package {
    let names = &driver.names;
    let name = names.probe_package.clone();
    let vars = Vars::new(driver, &name, None);
    let dir = Path::new(&names.probe_path)
        .parent()
        .expect("probe path has a directory");
    let mut pkg = Package {
        name: name.clone(),
        version: driver.version(),
        arch: Arch::Native,
        summary: String::new(),
        description: String::new(),
        section: "kernel".into(),
        relations: Relations {
            provides: vec![Relation::versioned(
                &names.probe_provides,
                Op::Eq,
                driver.version(),
            )],
            ..Relations::default()
        },
        files: vec![File::new(names.probe_path.clone(), 0o644, object)],
        owned_dirs: vec![
            dir.parent()
                .expect("probe dir has a parent")
                .to_string_lossy()
                .into_owned(),
            dir.to_string_lossy().into_owned(),
        ],
        scripts: Vec::new(),
        origin: driver_origin(&vars),
    };
    if format == Format::Deb {
        #[derive(Serialize)]
        struct OverrideVars<'a> {
            package: &'a str,
            probe_file: &'a str,
        }
        let overrides = templates::render(
            "deb/probe.lintian-overrides",
            &OverrideVars {
                package: &name,
                probe_file: &names.probe_path[1..],
            },
        );
        pkg.files.push(File::new(
            format!("/usr/share/lintian/overrides/{name}"),
            0o644,
            overrides,
        ));
    }
    pkg.describe(&templates::render("descriptions/probe", &vars));
    pkg
}
