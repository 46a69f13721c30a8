//! Writes a .rpm with the `rpm` crate: gzip payload, every file root:root,
//! every timestamp the driver's epoch (`BuildConfig::source_date`), so the
//! same package gives the same bytes.

use std::path::{Path, PathBuf};

use rpm::{BuildConfig, CompressionType, Dependency, FileMode, FileOptions, Scriptlet};

use crate::driver::Driver;
use crate::meta;
use crate::package::{Op, Package, Relation, Script};
use crate::Problem;

/// rpm release of every package: the upstream version says everything.
const RPM_RELEASE: &str = "1";

/// Files there are documentation (%doc), which rpm may leave out with
/// --excludedocs.
const DOC_DIRS: &[&str] = &["/usr/share/man/", "/usr/share/doc/"];

/// rpm's (legacy) Group of a Debian section.
pub fn group(section: &str) -> &'static str {
    match section {
        "kernel" => "System Environment/Kernel",
        _ => "Applications/System",
    }
}

pub fn file_name(pkg: &Package) -> String {
    format!(
        "{}-{}-{RPM_RELEASE}.{}.rpm",
        pkg.name,
        pkg.version,
        pkg.arch.rpm()
    )
}

fn dependency(r: &Relation) -> Dependency {
    match &r.version {
        None => Dependency::any(&r.name),
        Some((Op::Eq, v)) => Dependency::eq(&r.name, v),
        Some((Op::Lt, v)) => Dependency::less(&r.name, v),
        Some((Op::Gt, v)) => Dependency::greater(&r.name, v),
        Some((Op::Ge, v)) => Dependency::greater_eq(&r.name, v),
    }
}

fn rpm_error(pkg: &Package, e: rpm::Error) -> Problem {
    Problem::new(
        &pkg.name,
        format!("cannot build the rpm: {e}"),
        "this is a pkgtool bug, please report it",
    )
}

pub fn build(pkg: &Package, driver: &Driver) -> Result<rpm::Package, Problem> {
    let config = BuildConfig::v4()
        .compression(CompressionType::Gzip)
        .source_date(driver.epoch as u32);
    let mut builder = rpm::PackageBuilder::new(
        &pkg.name,
        &pkg.version,
        &pkg.origin.license,
        pkg.arch.rpm(),
        &pkg.summary,
    );
    builder
        .using_config(config)
        .release(RPM_RELEASE)
        .description(pkg.description.clone())
        .url(meta::HOMEPAGE)
        .vendor(meta::COPYRIGHT_HOLDER)
        .packager(meta::MAINTAINER)
        .build_host("pkgtool")
        .group(group(&pkg.section))
        .add_changelog_entry(
            format!("{} - {}-{RPM_RELEASE}", meta::MAINTAINER, pkg.version),
            format!("- {}", pkg.origin.changes),
            driver.epoch as u32,
        );
    let r = &pkg.relations;
    for dep in &r.depends {
        builder.requires(dependency(dep));
    }
    for dep in &r.recommends {
        builder.recommends(dependency(dep));
    }
    for dep in &r.provides {
        builder.provides(dependency(dep));
    }
    for dep in &r.conflicts {
        builder.conflicts(dependency(dep));
    }
    for dep in &r.replaces {
        builder.obsoletes(dependency(dep));
    }
    for program in &r.script_requires {
        builder.requires(Dependency::script_post(program.as_str()));
        builder.requires(Dependency::script_postun(program.as_str()));
    }
    for dir in &pkg.owned_dirs {
        builder
            .with_dir_entry(
                FileOptions::dir(dir.as_str())
                    .mode(FileMode::dir(0o755))
                    .user("root")
                    .group("root"),
            )
            .map_err(|e| rpm_error(pkg, e))?;
    }
    for file in &pkg.files {
        let options = FileOptions::new(file.path.as_str())
            .mode(FileMode::regular(file.mode as u16))
            .user("root")
            .group("root");
        let options = if DOC_DIRS.iter().any(|d| file.path.starts_with(d)) {
            options.doc()
        } else {
            options
        };
        builder
            .with_file_contents(file.data.clone(), options)
            .map_err(|e| rpm_error(pkg, e))?;
    }
    for (script, text) in &pkg.scripts {
        let scriptlet = Scriptlet::new(text.as_str()).prog(vec!["/bin/sh"]);
        match script {
            Script::Postinst => builder.post_install_script(scriptlet),
            Script::Prerm => builder.pre_uninstall_script(scriptlet),
            Script::Postrm => builder.post_uninstall_script(scriptlet),
        };
    }
    builder.build().map_err(|e| rpm_error(pkg, e))
}

/// Writes `<out_dir>/<name>-<version>-1.<arch>.rpm`.
pub fn write(pkg: &Package, driver: &Driver, out_dir: &Path) -> Result<PathBuf, Problem> {
    let built = build(pkg, driver)?;
    let path = out_dir.join(file_name(pkg));
    built
        .write_file(&path)
        .map_err(crate::cannot_write(&path))?;
    Ok(path)
}
