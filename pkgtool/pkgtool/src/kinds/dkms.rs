//! `scap-apiM-dkms`: the driver sources in /usr/src/scap-X.Y.Z/ with a
//! generated dkms.conf, built and installed by DKMS for each installed
//! kernel from the maintainer scripts, and removed (exactly this version)
//! when the package goes.

use std::path::Path;

use scap_driver_api::source;

use crate::driver::Driver;
use crate::package::{Arch, File, Format, Op, Package, Relation, Relations, Script};
use crate::templates;
use crate::Problem;

use super::{driver_origin, module_relations, Vars};

const DKMS_CONF: &str = "dkms.conf";

/// The oldest dkms the maintainer scripts are for: 2.8 is the oldest the
/// tests run (Debian 11's 2.8.4, in its chroot) and the oldest in a
/// distribution release with a kernel of the supported range (Debian 11;
/// Ubuntu 20.04's 2.8.1 beside its 5.15 HWE kernel, 22.04's 2.8.7). The
/// scripts read both `dkms status` formats (2.x `scap, 1.0.0, K, arch:
/// state`, 3.x `scap/1.0.0, K, arch: state`); older dkms is untested, so
/// the package does not claim it (dh_dkms's default is `>= 2.1.0.0`).
pub const DKMS_MIN: &str = "2.8";

/// `transitional`: the version of the transitional package built beside it
/// (plan.rs), which it must not conflict with.
pub fn package(
    driver: &Driver,
    format: Format,
    transitional: Option<&str>,
) -> Result<Package, Problem> {
    let names = &driver.names;
    let name = names.dkms_package.clone();
    let vars = Vars::new(driver, &name, None);
    let src_dir = &names.dkms_source_dir;

    let mut files = vec![File::new(
        format!("{src_dir}/{DKMS_CONF}"),
        0o644,
        templates::render("dkms/dkms.conf", &vars),
    )];
    let mut owned_dirs = vec![src_dir.clone()];
    for source in source::files(&driver.source.dir)? {
        if source.relative == DKMS_CONF {
            continue;
        }
        let data = std::fs::read(&source.absolute).map_err(|e| {
            Problem::at(
                &source.absolute,
                format!("cannot read: {e}"),
                "check the driver sources",
            )
        })?;
        let mode = if source.executable { 0o755 } else { 0o644 };
        let path = format!("{src_dir}/{}", source.relative);
        let mut dir = Path::new(&path).parent();
        while let Some(d) = dir.filter(|d| d.starts_with(src_dir) && *d != Path::new(src_dir)) {
            owned_dirs.push(d.to_string_lossy().into_owned());
            dir = d.parent();
        }
        files.push(File::new(path, mode, data));
    }
    owned_dirs.sort();
    owned_dirs.dedup();

    let (mut provides, mut conflicts) = module_relations(driver);
    provides.push(Relation::any(&names.module_dkms_virtual));
    // Policy 7.5: one DKMS `scap` at a time, so Debian's package goes, all
    // but the transitional package standing for this one.
    let falcosecurity = &names.falcosecurity_dkms;
    match transitional {
        Some(version) => {
            conflicts.push(Relation::versioned(falcosecurity, Op::Lt, version));
            conflicts.push(Relation::versioned(falcosecurity, Op::Gt, version));
        }
        None => conflicts.push(Relation::any(falcosecurity)),
    }
    // DKMS signs the module for Secure Boot only when openssl is there to
    // make its key (/var/lib/dkms/mok.key) as the postinst builds; dkms
    // itself does not pull it in, and a Recommends may come too late.
    let (depends, replaces, scripts) = match format {
        Format::Deb => (
            vec![
                Relation::versioned("dkms", Op::Ge, DKMS_MIN),
                Relation::any("openssl"),
            ],
            // With the Conflicts: installing ours removes Debian's in one
            // step. Never Obsoletes on rpm: an upgrade would then swap a
            // driver for one of another major unasked.
            vec![Relation::any(falcosecurity)],
            vec![
                (
                    Script::Postinst,
                    templates::render("deb/dkms.postinst", &vars),
                ),
                (Script::Prerm, templates::render("deb/dkms.prerm", &vars)),
            ],
        ),
        Format::Rpm => (
            vec![
                Relation::versioned("dkms", Op::Ge, DKMS_MIN),
                Relation::any("gcc"),
                Relation::any("make"),
                Relation::any("openssl"),
            ],
            Vec::new(),
            vec![
                (Script::Postinst, templates::render("rpm/dkms.post", &vars)),
                (Script::Prerm, templates::render("rpm/dkms.preun", &vars)),
            ],
        ),
    };

    let mut pkg = Package {
        name: name.clone(),
        version: driver.version(),
        arch: Arch::Independent,
        summary: String::new(),
        description: String::new(),
        section: "kernel".into(),
        relations: Relations {
            depends,
            provides,
            conflicts,
            replaces,
            ..Relations::default()
        },
        files,
        owned_dirs,
        scripts,
        origin: driver_origin(&vars),
    };
    pkg.describe(&templates::render("descriptions/dkms", &vars));
    Ok(pkg)
}

/// The version of the transitional `falcosecurity-scap-dkms`: the
/// falcosecurity-libs release it stands for (an upstream tree's own
/// DRIVER_VERSION, or `--transitional`), then `+apiM`, which sorts after
/// Debian's revisions of that release (`0.23.2+api8` > `0.23.2-6`) and
/// never equals one of them.
pub fn transitional_version(driver: &Driver, libs_release: &str) -> Result<String, Problem> {
    // Debian policy 5.6.12's upstream_version, starting with a digit.
    let valid = libs_release.starts_with(|c: char| c.is_ascii_digit())
        && libs_release
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".+~".contains(c));
    if !valid {
        return Err(Problem::new(
            format!("transitional package release {libs_release:?}"),
            "not a Debian upstream version",
            "give the falcosecurity-libs release as Debian versions it, such as 0.23.2 or 0.1.1dev+git20220316.e5c53d64",
        ));
    }
    Ok(format!("{libs_release}+api{}", driver.api().major))
}

/// Debian's sysdig, of either API major, says `Recommends:
/// falcosecurity-scap-dkms`, unversioned, and apt picks a real package of
/// that name before any provider. So a falcosecurity-libs tree's DKMS
/// package comes with a transitional package of that name and release,
/// which depends on it: published in the suite whose consumers need that
/// major, `apt-get install sysdig` ends with ours (README, "Relations").
/// Debian only: rpm distributions have no such package.
pub fn transitional(driver: &Driver, format: Format, version: Option<&str>) -> Option<Package> {
    let version = version?.to_string();
    if format != Format::Deb {
        return None;
    }
    let names = &driver.names;
    let name = names.falcosecurity_dkms.clone();
    let vars = Vars::new(driver, &name, None);
    let mut pkg = Package {
        name: name.clone(),
        version,
        arch: Arch::Independent,
        summary: String::new(),
        description: String::new(),
        section: "oldlibs".into(),
        relations: Relations {
            depends: vec![Relation::versioned(
                &names.dkms_package,
                Op::Eq,
                driver.version(),
            )],
            ..Relations::default()
        },
        files: Vec::new(),
        owned_dirs: Vec::new(),
        scripts: Vec::new(),
        origin: driver_origin(&vars),
    };
    #[derive(serde::Serialize)]
    struct TransitionalVars<'a> {
        #[serde(flatten)]
        vars: &'a Vars<'a>,
        libs_release: &'a str,
    }
    let libs_release = pkg.version.rsplit_once("+api").map_or("", |(r, _)| r);
    let text = templates::render(
        "descriptions/transitional",
        &TransitionalVars {
            vars: &vars,
            libs_release,
        },
    );
    pkg.describe(&text);
    Some(pkg)
}
