//! `scap-compat`: the helper consumers call from their maintainer scripts,
//! as its crate's cargo-deb metadata describes it (`helper_crate`). Its
//! version is the crate's, not the driver's: one helper judges drivers of
//! every API version.

use serde::Serialize;

use crate::artefacts::helper_crate::{AssetSource, HelperCrate};
use crate::driver::Driver;
use crate::meta;
use crate::package::{wrap, Arch, File, Format, Origin, Package, Relations};
use crate::templates;
use crate::writers::deb::gzip;
use crate::Problem;

/// Debian's and rpm's man pages are gzip-compressed (Policy 12.1).
const MAN_DIR: &str = "/usr/share/man/";
/// Lintian's overrides mean nothing to rpm.
const LINTIAN_DIR: &str = "/usr/share/lintian/";
/// Description lines: within Debian's 80 and rpmlint's 79 columns.
const DESCRIPTION_WIDTH: usize = 76;
/// The license the copyright template states.
const LICENSE: &str = "GPL-2.0-only";

#[derive(Serialize)]
struct Vars<'a> {
    package: &'a str,
    version: &'a str,
    homepage: &'a str,
    copyright_holder: &'a str,
    year: i64,
}

pub fn package(
    driver: &Driver,
    format: Format,
    krate: &HelperCrate,
    executable: &[u8],
) -> Result<Package, Problem> {
    if krate.license != LICENSE {
        return Err(Problem::at(
            &krate.manifest,
            format!(
                "license {}, but templates/deb/compat.copyright.hbs states {LICENSE}",
                krate.license
            ),
            "update the template",
        ));
    }
    let mut files = Vec::new();
    for asset in &krate.assets {
        if format == Format::Rpm && asset.path.starts_with(LINTIAN_DIR) {
            continue;
        }
        let data = match &asset.source {
            AssetSource::Executable => executable.to_vec(),
            AssetSource::File(source) => std::fs::read(source).map_err(|e| {
                Problem::at(
                    source,
                    format!("cannot read: {e}"),
                    format!("fix the assets of {}", krate.manifest.display()),
                )
            })?,
        };
        let file = if asset.path.starts_with(MAN_DIR) && !asset.path.ends_with(".gz") {
            File::new(format!("{}.gz", asset.path), asset.mode, gzip(&data))
        } else {
            File::new(asset.path.clone(), asset.mode, data)
        };
        files.push(file);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));

    let vars = Vars {
        package: &krate.name,
        version: &krate.version,
        homepage: meta::HOMEPAGE,
        copyright_holder: meta::COPYRIGHT_HOLDER,
        year: driver.common().year,
    };
    Ok(Package {
        name: krate.name.clone(),
        version: krate.version.clone(),
        arch: Arch::Native,
        summary: krate.summary.clone(),
        description: wrap(&krate.description, DESCRIPTION_WIDTH),
        section: krate.section.clone(),
        // Static: it needs nothing installed, which is the point of it.
        relations: Relations::default(),
        files,
        // /usr/bin and the man directories are the base system's.
        owned_dirs: Vec::new(),
        scripts: Vec::new(),
        origin: Origin {
            license: krate.license.clone(),
            copyright: templates::render("deb/compat.copyright", &vars),
            changes: templates::render("changes/compat", &vars)
                .trim()
                .to_string(),
        },
    })
}
