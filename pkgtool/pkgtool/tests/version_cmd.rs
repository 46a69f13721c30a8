//! `pkgtool version` reads driver-src/ and derives everything from it.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo_driver_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../driver-src")
}

/// A scratch driver-src with the given version files.
fn scratch(name: &str, api: &[u8], schema: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("API_VERSION"), api).unwrap();
    fs::write(dir.join("SCHEMA_VERSION"), schema).unwrap();
    dir
}

fn version_json(source: &Path) -> serde_json::Value {
    let out = Command::cargo_bin("pkgtool")
        .unwrap()
        .args(["version", "--json", "--source"])
        .arg(source)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn prints_what_driver_src_says() {
    let src = repo_driver_src();
    let api = fs::read_to_string(src.join("API_VERSION")).unwrap();
    let schema = fs::read_to_string(src.join("SCHEMA_VERSION")).unwrap();
    let json = version_json(&src);
    assert_eq!(json["api"]["version"], api.trim_end());
    assert_eq!(json["schema"]["version"], schema.trim_end());
}

#[test]
fn everything_derived_follows_the_files() {
    let dir = scratch("version-bumped", b"3.14.15\n", b"2.7.1\n");
    let json = version_json(&dir);
    assert_eq!(json["api"]["version"], "3.14.15");
    assert_eq!(
        json["api"]["code"],
        format!(
            "0x{:016x}",
            scap_driver_api::Version::new(3, 14, 15).unwrap().encode()
        )
    );
    assert_eq!(json["schema"]["version"], "2.7.1");
    assert_eq!(json["schema"]["code"], "0x0000200007000001");
    let names = &json["names"];
    assert_eq!(names["dkms_package"], "scap-api3-dkms");
    assert_eq!(names["dkms_source_dir"], "/usr/src/scap-3.14.15");
    assert_eq!(names["probe_package"], "scap-api3-probe");
    assert_eq!(names["probe_object"], "scap_probe-3.14.15.o");
    assert_eq!(names["driver_provides"], "scap-driver-api-3");
    assert_eq!(names["deb_modules_prefix"], "scap-api3-modules-");

    let human = Command::cargo_bin("pkgtool")
        .unwrap()
        .args(["version", "--source"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("3.14.15 (0x000030000e00000f)"), "{text}");
}

#[test]
fn malformed_version_files_give_one_line_naming_file_text_and_fix() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "\"\""),
        (b"1.2\n", "\"1.2\""),
        (b"1.2.3.4\n", "\"1.2.3.4\""),
        (b"v1.2.3\n", "\"v1.2.3\""),
        (b" 1.2.3x\n", "\" 1.2.3x\""),
        (b"524288.0.0\n", "major 524288"),
        (b"1.1048576.0\n", "minor 1048576"),
        (b"1.0.16777216\n", "patch 16777216"),
        (b"-1.0.0\n", "\"-1.0.0\""),
    ];
    for (i, (content, named)) in cases.iter().enumerate() {
        for bad_file in ["API_VERSION", "SCHEMA_VERSION"] {
            let (api, schema): (&[u8], &[u8]) = if bad_file == "API_VERSION" {
                (content, b"1.0.0\n")
            } else {
                (b"1.0.0\n", content)
            };
            let dir = scratch(&format!("malformed-{i}-{bad_file}"), api, schema);
            let out = Command::cargo_bin("pkgtool")
                .unwrap()
                .args(["version", "--source"])
                .arg(&dir)
                .output()
                .unwrap();
            assert!(!out.status.success(), "{content:?} accepted");
            let stderr = String::from_utf8(out.stderr).unwrap();
            assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
            assert!(
                stderr.contains(&format!("{bad_file}:")),
                "names the file: {stderr}"
            );
            assert!(stderr.contains(named), "names the bad text: {stderr}");
            assert!(
                stderr.contains("expected MAJOR.MINOR.PATCH") || stderr.contains("largest"),
                "says what is expected: {stderr}"
            );
        }
    }
}

#[test]
fn missing_source_dir_is_one_line() {
    let out = Command::cargo_bin("pkgtool")
        .unwrap()
        .args(["version", "--source", "/nonexistent/driver-src"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("/nonexistent/driver-src/API_VERSION"),
        "{stderr}"
    );
}
