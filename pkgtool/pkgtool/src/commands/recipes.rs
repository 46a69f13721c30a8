//! `pkgtool recipes`: renders debian/ (a source package whose
//! `dpkg-buildpackage -b` builds the DKMS package with dh-dkms) and rpm/ (a
//! spec for rpmbuild) from templates/, with the versions, names, relations
//! and maintainer scripts of pkgtool's own DKMS packages. The rendered
//! files are committed; `--check` says whether they are up to date.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scap_driver_api::DriverSource;
use serde::Serialize;

use crate::driver::{self, Common, Driver};
use crate::kinds::{self, Vars};
use crate::package::{Format, Package};
use crate::writers::{deb, rpm_package};
use crate::{templates, Problem};

/// The recipe directories, relative to the project root; pkgtool owns
/// them whole.
pub const RECIPE_DIRS: [&str; 2] = ["debian", "rpm"];

#[derive(Serialize)]
struct Field {
    field: &'static str,
    value: String,
}

#[derive(Serialize)]
struct RecipeVars<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    name: &'a str,
    source_package: &'a str,
    package: &'a str,
    summary: String,
    description: String,
    relations: Vec<Field>,
    license: String,
    rpm_group: &'static str,
    /// The changelog entry, as the packages pkgtool writes have it.
    changes: String,
    dkms_source_dir_relative: &'a str,
    dkms_conf: String,
    post: String,
    preun: String,
    rpm_date: String,
}

fn fields(pkg: &Package, format: Format) -> Vec<Field> {
    let r = &pkg.relations;
    let (names, show): ([&'static str; 5], fn(&crate::package::Relation) -> String) = match format {
        Format::Deb => (
            ["Depends", "Recommends", "Conflicts", "Replaces", "Provides"],
            |r| r.deb(),
        ),
        Format::Rpm => (
            [
                "Requires",
                "Recommends",
                "Conflicts",
                "Obsoletes",
                "Provides",
            ],
            |r| r.rpm(),
        ),
    };
    let lists = [
        &r.depends,
        &r.recommends,
        &r.conflicts,
        &r.replaces,
        &r.provides,
    ];
    let mut out = Vec::new();
    for (field, list) in names.into_iter().zip(lists) {
        match format {
            // debian/control: one field, comma-separated, after ${misc:Depends}
            // for Depends (dh_dkms's `dkms (>= 2.1.0.0)`, which
            // dpkg-gencontrol drops as implied by ours, kinds::dkms::DKMS_MIN).
            Format::Deb => {
                let misc = (field == "Depends").then(|| "${misc:Depends}".to_string());
                let list: Vec<String> = misc.into_iter().chain(list.iter().map(show)).collect();
                if !list.is_empty() {
                    out.push(Field {
                        field,
                        value: list.join(", "),
                    });
                }
            }
            // spec: one tag a relation.
            Format::Rpm => out.extend(list.iter().map(|r| Field {
                field,
                value: show(r),
            })),
        }
    }
    out
}

/// Every rendered recipe file by its path under the project root.
fn render_all(driver: &Driver, date: &str) -> Result<BTreeMap<String, String>, Problem> {
    let names = &driver.names;
    let package = &names.dkms_package;
    let mut vars = Vars::new(driver, package, None);
    vars.common.date = date.to_string();
    vars.debhelper = true;
    let dkms_conf = templates::render("dkms/dkms.conf", &vars);

    let deb_pkg = kinds::dkms::package(driver, Format::Deb, None)?;
    let rpm_pkg = kinds::dkms::package(driver, Format::Rpm, None)?;
    let make = |pkg: &Package, format| -> RecipeVars<'_> {
        let mut common = driver.common();
        common.date = date.to_string();
        RecipeVars {
            common,
            name: &names.source_package,
            source_package: &names.source_package,
            package,
            summary: pkg.summary.clone(),
            description: match format {
                Format::Deb => deb::deb_description(&pkg.description),
                Format::Rpm => pkg.description.clone(),
            },
            relations: fields(pkg, format),
            license: pkg.origin.license.clone(),
            rpm_group: rpm_package::group(&pkg.section),
            changes: pkg.origin.changes.clone(),
            dkms_source_dir_relative: &names.dkms_source_dir[1..],
            dkms_conf: dkms_conf.clone(),
            // A spec expands %-macros in scriptlets; the scripts have none.
            post: templates::render("rpm/dkms.post", &vars).replace('%', "%%"),
            preun: templates::render("rpm/dkms.preun", &vars).replace('%', "%%"),
            rpm_date: rpm_date(date),
        }
    };
    let deb_vars = make(&deb_pkg, Format::Deb);
    let rpm_vars = make(&rpm_pkg, Format::Rpm);
    let copyright = deb_pkg.origin.copyright.clone();
    let changelog = templates::render("deb/changelog", &deb_vars);
    let mut files = BTreeMap::new();
    let mut add = |path: String, text: String| files.insert(path, text);
    add(
        "debian/control".into(),
        templates::render("recipes/debian/control", &deb_vars),
    );
    add(
        "debian/rules".into(),
        templates::render("recipes/debian/rules", &deb_vars),
    );
    add("debian/changelog".into(), changelog);
    add("debian/copyright".into(), copyright);
    add(
        "debian/source/format".into(),
        templates::render("recipes/debian/source/format", &deb_vars),
    );
    add(format!("debian/{package}.dkms"), dkms_conf.clone());
    add(
        format!("debian/{package}.install"),
        templates::render("recipes/debian/install", &deb_vars),
    );
    add(
        format!("debian/{package}.postinst"),
        templates::render("deb/dkms.postinst", &vars),
    );
    add(
        format!("debian/{package}.prerm"),
        templates::render("deb/dkms.prerm", &vars),
    );
    add(
        format!("rpm/{}.spec", names.source_package),
        templates::render("recipes/rpm/spec", &rpm_vars),
    );
    Ok(files)
}

/// `Sun, 22 Nov 2026 01:32:00 +0000` as rpm's changelog wants it:
/// `Sun Nov 22 2026`.
fn rpm_date(date: &str) -> String {
    let parts: Vec<&str> = date.split_whitespace().collect();
    match parts.as_slice() {
        [weekday, day, month, year, ..] => {
            format!("{} {month} {day} {year}", weekday.trim_end_matches(','))
        }
        _ => date.to_string(),
    }
}

/// The date of the committed debian/changelog when it is for this
/// version (so re-rendering is stable), else the release's date.
fn changelog_date(project: &Path, driver: &Driver) -> String {
    let existing = std::fs::read_to_string(project.join("debian/changelog")).unwrap_or_default();
    let header = format!("{} ({}) ", driver.names.source_package, driver.version());
    if existing.starts_with(&header) {
        if let Some(date) = existing.lines().find_map(|l| {
            l.strip_prefix(" -- ")
                .and_then(|t| t.split_once("  "))
                .map(|(_, d)| d)
        }) {
            return date.to_string();
        }
    }
    driver::rfc2822(driver.epoch)
}

/// What `dpkg-buildpackage` leaves in debian/ (also in .gitignore): not
/// recipe files.
fn is_debhelper_output(relative: &str, package: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    relative.starts_with("debian/.debhelper/")
        || relative.starts_with(&format!("debian/{package}/"))
        || relative.starts_with("debian/tmp/")
        || ["debian/files", "debian/debhelper-build-stamp"].contains(&relative)
        || name.ends_with(".substvars")
        || name.ends_with(".debhelper")
        || name.ends_with(".debhelper.log")
}

/// Files under the recipe directories now, by path under the project.
fn existing(project: &Path, package: &str) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for dir in RECIPE_DIRS {
        for entry in walkdir::WalkDir::new(project.join(dir))
            .into_iter()
            .flatten()
        {
            let relative = entry
                .path()
                .strip_prefix(project)
                .expect("under the project")
                .to_string_lossy()
                .into_owned();
            if entry.file_type().is_file() && !is_debhelper_output(&relative, package) {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                files.insert(relative, text);
            }
        }
    }
    files
}

pub fn run(source: &Path, module: &str, check: bool, out: Option<PathBuf>) -> Result<(), Problem> {
    let src = DriverSource::read(source)?;
    let project = source
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let target = out.unwrap_or_else(|| project.clone());
    let epoch = driver::source_date_epoch(source)?;
    let driver = Driver::new(src, module, epoch);
    let wanted = render_all(&driver, &changelog_date(&target, &driver))?;
    let now = existing(&target, &driver.names.dkms_package);
    if check {
        let stale: Vec<&String> = wanted
            .iter()
            .filter(|(path, text)| now.get(*path) != Some(text))
            .map(|(path, _)| path)
            .chain(now.keys().filter(|path| !wanted.contains_key(*path)))
            .collect();
        if !stale.is_empty() {
            return Err(Problem::at(
                &target,
                format!(
                    "the recipes are out of date ({})",
                    stale
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "run: cargo run -p pkgtool -- recipes",
            ));
        }
        println!("pkgtool: the recipes in debian/ and rpm/ are up to date");
        return Ok(());
    }
    let io = |p: &Path, e: std::io::Error| crate::cannot_write(p)(e);
    for path in now.keys().filter(|path| !wanted.contains_key(*path)) {
        let full = target.join(path);
        std::fs::remove_file(&full).map_err(|e| io(&full, e))?;
    }
    for (path, text) in &wanted {
        let full = target.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&full, text).map_err(|e| io(&full, e))?;
        let executable =
            path == "debian/rules" || path.ends_with(".postinst") || path.ends_with(".prerm");
        if executable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&full, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| io(&full, e))?;
        }
    }
    println!(
        "pkgtool: {} recipe files written to {}",
        wanted.len(),
        RECIPE_DIRS
            .iter()
            .map(|d| target.join(d).display().to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    );
    Ok(())
}
