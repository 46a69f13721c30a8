//! The rendered control files, maintainer scripts and dkms.conf of every
//! kind, for a fixed release (insta snapshots in snapshots/).

use std::path::Path;

use scap_driver_api::DriverSource;

use crate::package::{Format, Package};
use crate::release::Release;
use crate::writers::deb;

/// The fixed release of the unit tests (API 1.2.3, schema 1.0.4).
pub(super) fn release() -> Release {
    let source = DriverSource {
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../driver-src"),
        api: "1.2.3".parse().unwrap(),
        schema: "1.0.4".parse().unwrap(),
        upstream: None,
    };
    Release::new(source, "scap", 1_700_000_000)
}

/// Control fields (with a fixed size) and every script, as one text.
fn deb_text(pkg: &Package, release: &Release) -> String {
    let mut text = deb::control(pkg, release, 42);
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
    let release = release();
    let deb_pkg = super::dkms::package(&release, Format::Deb, None).unwrap();
    insta::assert_snapshot!("dkms-deb", deb_text(&deb_pkg, &release));
    insta::assert_snapshot!(
        "dkms-rpm",
        rpm_text(&super::dkms::package(&release, Format::Rpm, None).unwrap())
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
    let release = release();
    let kernel = "6.1.0-26-amd64";
    let deb_pkg = super::modules::package(&release, Format::Deb, kernel, b"ko".to_vec());
    insta::assert_snapshot!("modules-deb", deb_text(&deb_pkg, &release));
    let rpm_pkg = super::modules::package(&release, Format::Rpm, kernel, b"ko".to_vec());
    insta::assert_snapshot!("modules-rpm", rpm_text(&rpm_pkg));
}

#[test]
fn probe_packages() {
    let release = release();
    let deb_pkg = super::probe::package(&release, Format::Deb, b"o".to_vec());
    let overrides = deb_pkg
        .files
        .iter()
        .find(|f| f.path == "/usr/share/lintian/overrides/scap-api1-probe")
        .expect("lintian overrides in the deb");
    insta::assert_snapshot!(
        "probe-deb",
        format!(
            "{}\n===== lintian overrides =====\n{}",
            deb_text(&deb_pkg, &release),
            String::from_utf8_lossy(&overrides.data)
        )
    );
    let rpm_pkg = super::probe::package(&release, Format::Rpm, b"o".to_vec());
    insta::assert_snapshot!("probe-rpm", rpm_text(&rpm_pkg));
}

#[test]
fn doc_files() {
    let release = release();
    let pkg = super::probe::package(&release, Format::Deb, b"o".to_vec());
    let (copyright, changelog) = deb::doc_texts(&pkg, &release);
    insta::assert_snapshot!("copyright", copyright);
    insta::assert_snapshot!("changelog", changelog);
}

#[test]
fn compat_packages() {
    let release = release();
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let krate = crate::artefacts::helper_crate::find(&project)
        .unwrap()
        .expect("the workspace has the scap-compat crate");
    let deb_pkg = super::compat::package(&release, Format::Deb, &krate, b"ELF").unwrap();
    let files: Vec<String> = deb_pkg
        .files
        .iter()
        .map(|f| format!("{:o} {}", f.mode, f.path))
        .collect();
    let (copyright, changelog) = deb::doc_texts(&deb_pkg, &release);
    insta::assert_snapshot!(
        "compat-deb",
        format!(
            "{}\n===== files =====\n{}\n===== copyright =====\n{copyright}\n===== changelog =====\n{changelog}",
            deb_text(&deb_pkg, &release),
            files.join("\n")
        )
    );
    let rpm_pkg = super::compat::package(&release, Format::Rpm, &krate, b"ELF").unwrap();
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
    let release = Release::new(source, "scap", 1_700_000_000);
    let version = super::dkms::transitional_version(&release, "0.23.2").unwrap();
    let dkms = super::dkms::package(&release, Format::Deb, Some(&version)).unwrap();
    insta::assert_snapshot!("upstream-dkms-deb", deb::control(&dkms, &release, 42));
    let transitional = super::dkms::transitional(&release, Format::Deb, Some(&version)).unwrap();
    insta::assert_snapshot!(
        "upstream-transitional-deb",
        deb::control(&transitional, &release, 0)
    );
    assert!(super::dkms::transitional(&release, Format::Rpm, Some(&version)).is_none());
    assert!(super::dkms::transitional_version(&release, "v0.23").is_err());
}
