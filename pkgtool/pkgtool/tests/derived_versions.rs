//! API_VERSION and SCHEMA_VERSION are the only place the versions are
//! written: change them in a copy of driver-src/ and probe/, and everything
//! derived follows, from real builds: `pkgtool version`, the module kbuild
//! builds (modinfo), the probe make builds (its version sections), and the
//! packages `pkgtool build` writes (names, versions, provides, paths,
//! dkms.conf).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const API: &str = "3.14.15";
const SCHEMA: &str = "2.7.1";

#[test]
fn everything_derived_follows_api_version_and_schema_version() {
    for tool in ["make", "clang", "modinfo", "dpkg-deb", "rpm"] {
        require_tool(tool);
    }
    let kernel = &installed_kernels()[0];
    let dir = scratch("derived-versions");
    let src = sources_with_api(&dir, API);
    std::fs::write(src.join("SCHEMA_VERSION"), format!("{SCHEMA}\n")).unwrap();

    // pkgtool version
    let out = Command::new(env!("CARGO_BIN_EXE_pkgtool"))
        .args(["version", "--json", "--source"])
        .arg(&src)
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["api"]["version"], API);
    assert_eq!(json["api"]["code"], format!("{:#018x}", code(API)));
    assert_eq!(json["schema"]["version"], SCHEMA);
    assert_eq!(json["schema"]["code"], format!("{:#018x}", code(SCHEMA)));
    assert_eq!(json["names"]["dkms_package"], "scap-api3-dkms");
    assert_eq!(json["names"]["probe_package"], "scap-api3-probe");
    assert_eq!(json["names"]["dkms_source_dir"], "/usr/src/scap-3.14.15");

    // pkgtool build: the module built by kbuild, the probe made from the
    // copy's probe/, and their packages.
    let out = dir.join("dist");
    let summary = pkgtool_build_ok(&src, &["--kernel", kernel, "--out", out.to_str().unwrap()]);
    assert!(
        summary.contains(&format!("6 packages of scap API {API} written")),
        "{summary}"
    );
    let deb = |name: &str| {
        let path = out.join(name);
        assert!(path.is_file(), "{name} in\n{summary}");
        path
    };
    let field = |deb: &Path, field: &str| {
        run(Command::new("dpkg-deb").arg("-f").arg(deb).arg(field))
            .trim()
            .to_string()
    };
    let extract = |deb: &Path, name: &str| {
        let root = dir.join(name);
        run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&root));
        root
    };

    // The module (scap-api3-modules-K): modinfo says the versions.
    let modules = deb(&format!("scap-api3-modules-{kernel}_{API}_amd64.deb"));
    assert_eq!(field(&modules, "Version"), API);
    assert_eq!(
        field(&modules, "Provides"),
        format!("scap-driver-api-3 (= {API}), scap-module-api-major (= 3), scap-module-for-kernel-{kernel}")
    );
    let ko =
        extract(&modules, "modules").join(format!("lib/modules/{kernel}/updates/scap/scap.ko"));
    for (key, value) in [
        ("api_version", API),
        ("schema_version", SCHEMA),
        ("version", API),
    ] {
        let got = run(Command::new("modinfo").args(["-F", key]).arg(&ko));
        assert_eq!(got.trim(), value, "modinfo -F {key}");
    }

    // The probe (scap-api3-probe): its sections carry the codes.
    let probe = deb(&format!("scap-api3-probe_{API}_amd64.deb"));
    assert_eq!(
        field(&probe, "Provides"),
        format!("scap-probe-api-3 (= {API})")
    );
    let object_path = extract(&probe, "probe").join("usr/lib/scap/probe/scap_probe-3.14.15.o");
    let data = std::fs::read(&object_path).unwrap();
    assert_eq!(
        data,
        std::fs::read(dir.join("probe/build/scap_probe.o")).unwrap()
    );
    let sections = scap_driver_api::sections::read(&data).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(sections.api.to_string(), API);
    assert_eq!(sections.schema.to_string(), SCHEMA);

    // The DKMS package: /usr/src/scap-3.14.15 with its dkms.conf.
    let dkms = deb(&format!("scap-api3-dkms_{API}_all.deb"));
    assert_eq!(
        field(&dkms, "Provides"),
        format!("scap-driver-api-3 (= {API}), scap-module-api-major (= 3), scap-module-dkms")
    );
    let conf =
        std::fs::read_to_string(extract(&dkms, "dkms").join("usr/src/scap-3.14.15/dkms.conf"))
            .unwrap();
    assert!(
        conf.lines()
            .any(|l| l == format!("PACKAGE_VERSION=\"{API}\"")),
        "{conf}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("dkms/usr/src/scap-3.14.15/SCHEMA_VERSION")).unwrap(),
        format!("{SCHEMA}\n")
    );

    // The rpms: the same names and provides.
    for (rpm, provides) in [
        (
            format!("scap-api3-dkms-{API}-1.noarch.rpm"),
            format!("scap-driver-api-3 = {API}"),
        ),
        (
            format!("kmod-scap-api3-{kernel}-{API}-1.x86_64.rpm"),
            format!("scap-driver-api-3 = {API}"),
        ),
        (
            format!("scap-api3-probe-{API}-1.x86_64.rpm"),
            format!("scap-probe-api-3 = {API}"),
        ),
    ] {
        let path = out.join(&rpm);
        assert!(path.is_file(), "{rpm} in\n{summary}");
        let got = run(Command::new("rpm").arg("-qp").arg("--provides").arg(&path));
        assert!(
            got.lines().any(|l| l == provides),
            "{provides} in {rpm}:\n{got}"
        );
    }
}
