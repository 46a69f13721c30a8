//! The module prebuilt for one kernel release K: `scap-apiM-modules-K`
//! (deb) or `kmod-scap-apiM-K` (rpm, RPM Fusion naming), running depmod for
//! K on install and removal.

use std::path::Path;

use crate::driver::Driver;
use crate::package::{Arch, File, Format, Op, Package, Relation, Relations, Script};
use crate::templates;

use super::{driver_origin, module_relations, Vars};

pub fn package(driver: &Driver, format: Format, kernel: &str, module: Vec<u8>) -> Package {
    let names = &driver.names;
    let (name, path) = match format {
        Format::Deb => (
            names.deb_modules_package(kernel),
            names.deb_module_path(kernel),
        ),
        Format::Rpm => (
            names.rpm_kmod_package(kernel),
            names.rpm_module_path(kernel),
        ),
    };
    let vars = Vars::new(driver, &name, Some(kernel));

    let (mut provides, mut conflicts) = module_relations(driver);
    // One scap.ko per kernel: prebuilts of other majors for the same
    // kernel provide the same name; every DKMS scap, ours of any major or
    // Debian's, builds the same module.
    let for_kernel = names.module_for_kernel(kernel);
    provides.push(Relation::any(&for_kernel));
    conflicts.push(Relation::any(&for_kernel));
    conflicts.push(Relation::any(&names.module_dkms_virtual));
    conflicts.push(Relation::any(&names.falcosecurity_dkms));

    let mut relations = Relations {
        provides,
        conflicts,
        ..Relations::default()
    };
    let scripts = match format {
        Format::Deb => {
            relations.depends.push(Relation::any("kmod"));
            vec![
                (
                    Script::Postinst,
                    templates::render("deb/modules.postinst", &vars),
                ),
                (
                    Script::Postrm,
                    templates::render("deb/modules.postrm", &vars),
                ),
            ]
        }
        Format::Rpm => {
            // RPM Fusion's kmod relations.
            relations
                .depends
                .push(Relation::versioned("kernel-uname-r", Op::Eq, kernel));
            relations.provides.push(Relation::versioned(
                "kernel-modules-for-kernel",
                Op::Eq,
                kernel,
            ));
            relations.script_requires.push("kmod".to_string());
            vec![
                (Script::Postinst, templates::render("rpm/kmod.post", &vars)),
                (Script::Postrm, templates::render("rpm/kmod.postun", &vars)),
            ]
        }
    };
    let owned_dir = Path::new(&path)
        .parent()
        .expect("module path has a directory")
        .to_string_lossy()
        .into_owned();
    let mut pkg = Package {
        name: name.clone(),
        version: driver.version(),
        arch: Arch::Native,
        summary: String::new(),
        description: String::new(),
        section: "kernel".into(),
        relations,
        files: vec![File::new(path, 0o644, module)],
        owned_dirs: vec![owned_dir],
        scripts,
        origin: driver_origin(&vars),
    };
    pkg.describe(&templates::render("descriptions/modules", &vars));
    pkg
}
