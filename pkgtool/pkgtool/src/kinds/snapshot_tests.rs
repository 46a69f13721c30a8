//! The rendered control files, maintainer scripts and dkms.conf of every
//! kind, for a fixed driver (insta snapshots in snapshots/).

use std::path::Path;

use scap_driver_api::DriverSource;

use crate::driver::Driver;
use crate::package::{Format, Package};
use crate::writers::deb;

/// The fixed driver of the unit tests (API 1.2.3, schema 1.0.4).
pub(super) fn driver() -> Driver {
    let source = DriverSource {
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../driver-src"),
        api: "1.2.3".parse().unwrap(),
        schema: "1.0.4".parse().unwrap(),
        upstream: None,
    };
    Driver::new(source, "scap", 1_700_000_000)
}

/// Control fields (with a fixed size) and every script, as one text.
fn deb_text(pkg: &Package, driver: &Driver) -> String {
    let mut text = deb::control(pkg, driver, 42);
    for (script, body) in &pkg.scripts {
        text.push_str(&format!("\n===== {} =====\n{body}", script.deb_name()));
    }
    text
}

fn rpm_text(pkg: &Package) -> String {
    let r = &pkg.relations;
    let list =
        |l: &[crate::package::Relation]| l.iter().map(|r| r.rpm()).collect::<Vec<_>>().join(", ");
    let mut text = format!(
        "Name: {}\nVersion: {}\nArch: {}\nSummary: {}\nRequires: {}\nProvides: {}\nConflicts: {}\nObsoletes: {}\nRequires(post,postun): {}\n",
        pkg.name,
        pkg.version,
        pkg.arch.rpm(),
        pkg.summary,
        list(&r.depends),
        list(&r.provides),
        list(&r.conflicts),
        list(&r.replaces),
        r.script_requires.join(", "),
    );
    for (script, body) in &pkg.scripts {
        text.push_str(&format!("\n===== {script:?} =====\n{body}"));
    }
    text
}

#[test]
fn dkms_packages() {
    let driver = driver();
    let deb_pkg = super::dkms::package(&driver, Format::Deb, None).unwrap();
    insta::assert_snapshot!("dkms-deb", deb_text(&deb_pkg, &driver));
    insta::assert_snapshot!(
        "dkms-rpm",
        rpm_text(&super::dkms::package(&driver, Format::Rpm, None).unwrap())
    );
    let conf = deb_pkg
        .files
        .iter()
        .find(|f| f.path == "/usr/src/scap-1.2.3/dkms.conf")
        .expect("dkms.conf in the package");
    insta::assert_snapshot!("dkms.conf", String::from_utf8_lossy(&conf.data));
}

#[test]
fn module_packages() {
    let driver = driver();
    let kernel = "6.1.0-26-amd64";
    let deb_pkg = super::modules::package(&driver, Format::Deb, kernel, b"ko".to_vec());
    insta::assert_snapshot!("modules-deb", deb_text(&deb_pkg, &driver));
    let rpm_pkg = super::modules::package(&driver, Format::Rpm, kernel, b"ko".to_vec());
    insta::assert_snapshot!("modules-rpm", rpm_text(&rpm_pkg));
}

#[test]
fn probe_packages() {
    let driver = driver();
    let deb_pkg = super::probe::package(&driver, Format::Deb, b"o".to_vec());
    let overrides = deb_pkg
        .files
        .iter()
        .find(|f| f.path == "/usr/share/lintian/overrides/scap-api1-probe")
        .expect("lintian overrides in the deb");
    insta::assert_snapshot!(
        "probe-deb",
        format!(
            "{}\n===== lintian overrides =====\n{}",
            deb_text(&deb_pkg, &driver),
            String::from_utf8_lossy(&overrides.data)
        )
    );
    let rpm_pkg = super::probe::package(&driver, Format::Rpm, b"o".to_vec());
    insta::assert_snapshot!("probe-rpm", rpm_text(&rpm_pkg));
}

#[test]
fn doc_files() {
    let driver = driver();
    let pkg = super::probe::package(&driver, Format::Deb, b"o".to_vec());
    let (copyright, changelog) = deb::doc_texts(&pkg, &driver);
    insta::assert_snapshot!("copyright", copyright);
    insta::assert_snapshot!("changelog", changelog);
}

#[test]
fn compat_packages() {
    let driver = driver();
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let krate = crate::artefacts::helper_crate::find(&project)
        .unwrap()
        .expect("the workspace has the scap-compat crate");
    let deb_pkg = super::compat::package(&driver, Format::Deb, &krate, b"ELF").unwrap();
    let files: Vec<String> = deb_pkg
        .files
        .iter()
        .map(|f| format!("{:o} {}", f.mode, f.path))
        .collect();
    let (copyright, changelog) = deb::doc_texts(&deb_pkg, &driver);
    insta::assert_snapshot!(
        "compat-deb",
        format!(
            "{}\n===== files =====\n{}\n===== copyright =====\n{copyright}\n===== changelog =====\n{changelog}",
            deb_text(&deb_pkg, &driver),
            files.join("\n")
        )
    );
    let rpm_pkg = super::compat::package(&driver, Format::Rpm, &krate, b"ELF").unwrap();
    let files: Vec<String> = rpm_pkg
        .files
        .iter()
        .map(|f| format!("{:o} {}", f.mode, f.path))
        .collect();
    insta::assert_snapshot!(
        "compat-rpm",
        format!(
            "{}License: {}\nChangelog: {}\n===== files =====\n{}",
            rpm_text(&rpm_pkg),
            rpm_pkg.origin.license,
            rpm_pkg.origin.changes,
            files.join("\n")
        )
    );
}

/// An upstream tree's DKMS package and the transitional package standing
/// for Debian's falcosecurity-scap-dkms of its release (deb only).
#[test]
fn upstream_tree_packages() {
    let source = DriverSource {
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../driver-src"),
        api: "8.0.4".parse().unwrap(),
        schema: "4.1.0".parse().unwrap(),
        upstream: Some(scap_driver_api::source::Upstream {
            config: "driver_config.h".into(),
            module: "scap".into(),
            driver_version: "0.23.2".into(),
            license: "GPL-2.0-only OR MIT".into(),
            copyright: vec!["Copyright (C) 2023 The Falco Authors.".into()],
        }),
    };
    let driver = Driver::new(source, "scap", 1_700_000_000);
    let version = super::dkms::transitional_version(&driver, "0.23.2").unwrap();
    let dkms = super::dkms::package(&driver, Format::Deb, Some(&version)).unwrap();
    insta::assert_snapshot!("upstream-dkms-deb", deb::control(&dkms, &driver, 42));
    let transitional = super::dkms::transitional(&driver, Format::Deb, Some(&version)).unwrap();
    insta::assert_snapshot!(
        "upstream-transitional-deb",
        deb::control(&transitional, &driver, 0)
    );
    assert!(super::dkms::transitional(&driver, Format::Rpm, Some(&version)).is_none());
    assert!(super::dkms::transitional_version(&driver, "v0.23").is_err());
}
