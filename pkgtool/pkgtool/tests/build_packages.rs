//! `pkgtool build` writes packages that lintian, rpmlint, dpkg-deb and rpm
//! accept, laid out and related as the naming scheme says, byte for byte
//! the same from the same inputs.

#![cfg(feature = "system-tests")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const API: &str = "1.0.0";

/// Builds every kind into a scratch dir: the driver's packages from a copy
/// of the sources (the probe made from the real probe/ with make), the
/// helper's from this repository's crate. Returns the output directory and
/// the kernels.
fn build_all(name: &str) -> (PathBuf, Vec<String>) {
    let dir = scratch(name);
    let out = dir.join("dist");
    let src = sources_with_api(&dir, API);
    let summary = pkgtool_build_ok(&src, &["--out", out.to_str().unwrap()]);
    let kernels = installed_kernels();
    let expected = 4 + 2 * kernels.len();
    assert!(
        summary.contains(&format!("{expected} packages of scap API {API} written")),
        "{summary}"
    );
    // A copy of the sources is no cargo workspace: no helper, and a note.
    assert!(
        summary.contains("(compat: not packaged, ")
            && summary.contains("no cargo workspace with the scap-compat crate"),
        "{summary}"
    );
    let summary = compat_packages(&out, &[]);
    assert!(summary.contains("2 packages of scap API"), "{summary}");
    (out, kernels)
}

fn deb_field(deb: &Path, field: &str) -> String {
    run(Command::new("dpkg-deb").arg("-f").arg(deb).arg(field))
        .trim()
        .to_string()
}

#[test]
fn packages_pass_lintian_rpmlint_and_follow_the_scheme() {
    for tool in ["lintian", "rpmlint", "rpm", "dpkg-deb"] {
        require_tool(tool);
    }
    let (out, kernels) = build_all("scheme");
    let kernel = &kernels[0];
    let debs = files_ending(&out, ".deb");
    let rpms = files_ending(&out, ".rpm");
    assert_eq!(debs.len(), 3 + kernels.len(), "{debs:?}");
    assert_eq!(rpms.len(), 3 + kernels.len(), "{rpms:?}");

    assert_lintian_clean(&debs);
    assert_rpmlint_clean(&rpms);

    // The DKMS deb.
    let dkms = out.join(format!("scap-api1-dkms_{API}_all.deb"));
    assert_eq!(deb_field(&dkms, "Architecture"), "all");
    assert_eq!(deb_field(&dkms, "Section"), "kernel");
    assert_eq!(deb_field(&dkms, "Depends"), "dkms (>= 2.8), openssl");
    assert_eq!(
        deb_field(&dkms, "Provides"),
        format!("scap-driver-api-1 (= {API}), scap-module-api-major (= 1), scap-module-dkms")
    );
    assert_eq!(
        deb_field(&dkms, "Conflicts"),
        "scap-module-api-major (<< 1), scap-module-api-major (>> 1), falcosecurity-scap-dkms"
    );
    assert_eq!(deb_field(&dkms, "Replaces"), "falcosecurity-scap-dkms");
    let listing = run(Command::new("dpkg-deb").arg("-c").arg(&dkms));
    for path in [
        "usr/src/scap-1.0.0/dkms.conf",
        "usr/src/scap-1.0.0/main.c",
        "usr/src/scap-1.0.0/Kbuild",
        "usr/src/scap-1.0.0/API_VERSION",
        "usr/share/doc/scap-api1-dkms/copyright",
        "usr/share/doc/scap-api1-dkms/changelog.gz",
    ] {
        assert!(
            listing.lines().any(|l| l.ends_with(&format!(" {path}"))),
            "{path} in\n{listing}"
        );
    }
    assert_root_and_modes(&listing);
    let info = run(Command::new("dpkg-deb").arg("-I").arg(&dkms));
    assert!(
        info.contains(" postinst ") && info.contains(" prerm "),
        "{info}"
    );

    // The prebuilt deb.
    let modules = out.join(format!("scap-api1-modules-{kernel}_{API}_amd64.deb"));
    assert_eq!(deb_field(&modules, "Architecture"), "amd64");
    assert_eq!(
        deb_field(&modules, "Provides"),
        format!("scap-driver-api-1 (= {API}), scap-module-api-major (= 1), scap-module-for-kernel-{kernel}")
    );
    assert_eq!(
        deb_field(&modules, "Conflicts"),
        format!("scap-module-api-major (<< 1), scap-module-api-major (>> 1), scap-module-for-kernel-{kernel}, scap-module-dkms, falcosecurity-scap-dkms")
    );
    let listing = run(Command::new("dpkg-deb").arg("-c").arg(&modules));
    assert!(
        listing.contains(&format!("lib/modules/{kernel}/updates/scap/scap.ko")),
        "{listing}"
    );
    assert_root_and_modes(&listing);

    // The probe deb: arch-specific, nothing ELF under /usr/share.
    let probe = out.join(format!("scap-api1-probe_{API}_amd64.deb"));
    assert_eq!(
        deb_field(&probe, "Provides"),
        format!("scap-probe-api-1 (= {API})")
    );
    let listing = run(Command::new("dpkg-deb").arg("-c").arg(&probe));
    assert!(
        listing.contains("usr/lib/scap/probe/scap_probe-1.0.0.o"),
        "{listing}"
    );
    assert_root_and_modes(&listing);
    // ... holding the object `make -C probe` made from the real probe.
    let extracted = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb")
        .arg("-x")
        .arg(&probe)
        .arg(extracted.path()));
    assert_eq!(
        std::fs::read(
            extracted
                .path()
                .join("usr/lib/scap/probe/scap_probe-1.0.0.o")
        )
        .unwrap(),
        std::fs::read(out.parent().unwrap().join("probe/build/scap_probe.o")).unwrap()
    );
    for package in debs.iter().chain(&rpms) {
        assert_no_elf_under_usr_share(package);
    }

    assert_compat_packages(&out);

    // The rpms.
    let query =
        |rpm: &str, what: &str| run(Command::new("rpm").arg("-qp").arg(what).arg(out.join(rpm)));
    let dkms_rpm = format!("scap-api1-dkms-{API}-1.noarch.rpm");
    let provides = query(&dkms_rpm, "--provides");
    for p in [
        "scap-driver-api-1 = 1.0.0",
        "scap-module-api-major = 1",
        "scap-module-dkms",
    ] {
        assert!(provides.lines().any(|l| l == p), "{p} in\n{provides}");
    }
    let conflicts = query(&dkms_rpm, "--conflicts");
    assert_eq!(
        conflicts.lines().collect::<Vec<_>>(),
        [
            "falcosecurity-scap-dkms",
            "scap-module-api-major < 1",
            "scap-module-api-major > 1"
        ]
    );
    // Only a falcosecurity-libs tree provides Debian's name (upstream_tree.rs).
    assert!(!provides.contains("falcosecurity"), "{provides}");
    assert_eq!(query(&dkms_rpm, "--obsoletes").trim(), "");
    let requires = query(&dkms_rpm, "--requires");
    assert!(requires.lines().any(|l| l == "dkms >= 2.8"), "{requires}");
    let scripts = query(&dkms_rpm, "--scripts");
    assert!(
        scripts.contains("postinstall scriptlet (using /bin/sh)"),
        "{scripts}"
    );
    assert!(
        scripts.contains("for version in 1.0.0 $(scap_dkms_kept_versions)")
            && scripts.contains("dkms remove -m scap -v \"$version\" --all"),
        "{scripts}"
    );

    let kmod_rpm = format!("kmod-scap-api1-{kernel}-{API}-1.x86_64.rpm");
    let provides = query(&kmod_rpm, "--provides");
    for p in [
        "scap-driver-api-1 = 1.0.0".to_string(),
        format!("kernel-modules-for-kernel = {kernel}"),
        format!("scap-module-for-kernel-{kernel}"),
    ] {
        assert!(provides.lines().any(|l| l == p), "{p} in\n{provides}");
    }
    let requires = query(&kmod_rpm, "--requires");
    assert!(
        requires
            .lines()
            .any(|l| l == format!("kernel-uname-r = {kernel}")),
        "{requires}"
    );
    assert!(requires.lines().any(|l| l == "kmod"), "{requires}");
    let files = query(&kmod_rpm, "-lv");
    assert!(
        files.contains(&format!("/lib/modules/{kernel}/extra/scap/scap.ko")),
        "{files}"
    );
    let probe_rpm = format!("scap-api1-probe-{API}-1.x86_64.rpm");
    assert_eq!(
        query(&probe_rpm, "--provides").lines().next(),
        Some("scap-api1-probe = 1.0.0-1")
    );
    assert!(query(&probe_rpm, "--provides").contains("scap-probe-api-1 = 1.0.0"));
    for rpm in &rpms {
        let listing = run(Command::new("rpm").arg("-qplv").arg(rpm));
        assert_root_and_modes(&listing);
    }
}

/// The helper's packages: described by its crate, static, stripped, and
/// the packaged binary works.
fn assert_compat_packages(out: &Path) {
    let version = compat_version();
    let deb = out.join(format!("scap-compat_{version}_amd64.deb"));
    let fields = run(Command::new("dpkg-deb").arg("-f").arg(&deb));
    for field in [
        "Package: scap-compat\n",
        &format!("Version: {version}\n"),
        "Architecture: amd64\n",
        "Section: admin\n",
        "Description: Checks whether the installed and loaded scap drivers suit a libscap consumer\n",
        " rebuilds a driver. Its exit codes are stable for maintainer scripts.",
    ] {
        assert!(fields.contains(field), "{field:?} in\n{fields}");
    }
    // Maintainer and homepage: what cargo-deb would read, the workspace's.
    let metadata = run(Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(repo_root().join("Cargo.toml")));
    let metadata: serde_json::Value = serde_json::from_str(&metadata).unwrap();
    let krate = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "scap-compat")
        .unwrap();
    for field in [
        format!("Maintainer: {}\n", krate["authors"][0].as_str().unwrap()),
        format!("Homepage: {}\n", krate["homepage"].as_str().unwrap()),
    ] {
        assert!(fields.contains(&field), "{field:?} in\n{fields}");
    }
    // Static: it needs nothing installed.
    assert!(!fields.contains("Depends:"), "{fields}");
    let listing = run(Command::new("dpkg-deb").arg("-c").arg(&deb));
    assert_root_and_modes(&listing);
    let root = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(root.path()));
    let binary = root.path().join("usr/bin/scap-compat");
    for (path, mode) in [
        (binary.clone(), 0o755),
        (
            root.path().join("usr/share/man/man1/scap-compat.1.gz"),
            0o644,
        ),
        (
            root.path().join("usr/share/lintian/overrides/scap-compat"),
            0o644,
        ),
    ] {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        assert_eq!(meta.permissions().mode() & 0o7777, mode, "{path:?}");
    }
    let data = std::fs::read(&binary).unwrap();
    let elf = object::File::parse(&*data).unwrap();
    use object::{Object, ObjectSection};
    assert!(
        elf.section_by_name(".interp").is_none(),
        "static binary has no .interp"
    );
    assert!(
        elf.imports().unwrap().is_empty(),
        "static binary imports nothing"
    );
    assert!(
        elf.sections().all(|s| s.name() != Ok(".symtab")),
        "stripped"
    );
    // It runs: a check on an empty root finds no driver.
    let empty = tempfile::tempdir().unwrap();
    let ran = Command::new(&binary)
        .arg("--root")
        .arg(empty.path())
        .args(["check", "--api", "1.0.0", "--kernel", "6.1.0-1-amd64"])
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(30));
    assert!(String::from_utf8_lossy(&ran.stdout).contains("no scap driver installed"));

    // The rpm: the same binary and man page (documentation), no lintian
    // overrides, nothing required but what rpm itself provides.
    let rpm = out.join(format!("scap-compat-{version}-1.x86_64.rpm"));
    let files = run(Command::new("rpm").arg("-qpl").arg(&rpm));
    assert_eq!(
        files.lines().collect::<Vec<_>>(),
        [
            "/usr/bin/scap-compat",
            "/usr/share/man/man1/scap-compat.1.gz"
        ]
    );
    let docs = run(Command::new("rpm").arg("-qpd").arg(&rpm));
    assert_eq!(docs.trim(), "/usr/share/man/man1/scap-compat.1.gz");
    let requires = run(Command::new("rpm").arg("-qp").arg("--requires").arg(&rpm));
    assert!(
        requires.lines().all(|l| l.starts_with("rpmlib(")),
        "{requires}"
    );
    let unpacked = tempfile::tempdir().unwrap();
    run(Command::new("sh")
        .arg("-c")
        .arg(format!("rpm2cpio {} | cpio -idm --quiet", rpm.display()))
        .current_dir(unpacked.path()));
    assert!(std::fs::read(unpacked.path().join("usr/bin/scap-compat")).unwrap() == data);
}

/// Every entry of a `dpkg-deb -c` / `rpm -qplv` listing is root's, 0644 or
/// 0755.
fn assert_root_and_modes(listing: &str) {
    for line in listing.lines() {
        let mode = line.split_whitespace().next().unwrap();
        assert!(
            ["drwxr-xr-x", "-rw-r--r--", "-rwxr-xr-x"].contains(&mode),
            "mode of {line}"
        );
        assert!(
            line.contains("root/root")
                || line
                    .split_whitespace()
                    .take(4)
                    .filter(|w| *w == "root")
                    .count()
                    == 2,
            "owner of {line}"
        );
    }
}

/// No ELF file under /usr/share of a .deb or an .rpm (unpacked with
/// dpkg-deb, or rpm2cpio and cpio).
fn assert_no_elf_under_usr_share(package: &Path) {
    let dir = tempfile::tempdir().unwrap();
    if package.extension().is_some_and(|ext| ext == "rpm") {
        run(Command::new("sh")
            .arg("-c")
            .arg("rpm2cpio \"$1\" | cpio -idm --quiet -D \"$2\"")
            .arg("sh")
            .arg(package)
            .arg(dir.path()));
        assert!(
            dir.path().join("usr").is_dir() || dir.path().join("lib").is_dir(),
            "nothing unpacked from {package:?}"
        );
    } else {
        run(Command::new("dpkg-deb")
            .arg("-x")
            .arg(package)
            .arg(dir.path()));
    }
    for entry in walk(&dir.path().join("usr/share")) {
        let head = std::fs::read(&entry).unwrap();
        assert!(
            !head.starts_with(b"\x7fELF"),
            "ELF under /usr/share: {entry:?} in {package:?}"
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let (first, _) = build_all("reproducible-a");
    let (second, _) = build_all("reproducible-b");
    let names = |dir: &Path| -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(&first), names(&second));
    for name in names(&first) {
        let a = std::fs::read(first.join(&name)).unwrap();
        let b = std::fs::read(second.join(&name)).unwrap();
        assert!(
            a == b,
            "{name} differs between two builds of the same inputs"
        );
    }

    // ... and the check can fail: another SOURCE_DATE_EPOCH, other bytes.
    let dir = scratch("reproducible-c");
    let out = dir.join("dist");
    let output = Command::new(env!("CARGO_BIN_EXE_pkgtool"))
        .args(["build", "--kind", "dkms", "--out"])
        .arg(&out)
        .arg("--source")
        .arg(sources_with_api(&dir, API))
        .env("SOURCE_DATE_EPOCH", "1700000001")
        .output()
        .unwrap();
    assert!(output.status.success());
    for name in [
        format!("scap-api1-dkms_{API}_all.deb"),
        format!("scap-api1-dkms-{API}-1.noarch.rpm"),
    ] {
        assert_ne!(
            std::fs::read(out.join(&name)).unwrap(),
            std::fs::read(first.join(&name)).unwrap(),
            "{name}: the timestamp must be in the package"
        );
    }
}

/// (That the probe is made with `make -C probe` from the real probe/ is
/// checked by the scheme test above.)
#[test]
fn without_probe_dir_a_default_build_says_why_not_the_probe() {
    let project = scratch("no-probe-dir");
    let src = sources_with_api(&project, API);
    std::fs::remove_dir_all(project.join("probe")).unwrap();
    let out = project.join("dist");
    let summary = pkgtool_build_ok(&src, &["--kind", "dkms", "--out", out.to_str().unwrap()]);
    assert!(!summary.contains("(probe:"), "{summary}");
    let summary = pkgtool_build_ok(
        &src,
        &[
            "--format",
            "deb",
            "--kernel",
            &installed_kernels()[0],
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(summary.contains("(probe: not packaged"), "{summary}");
    assert_eq!(files_ending(&out, ".deb").len(), 2, "{summary}");
}

#[test]
fn without_source_date_epoch_the_last_commit_of_the_sources_dates_the_packages() {
    require_tool("git");
    let dir = scratch("commit-time");
    let src = sources_with_api(&dir, API);
    let git = |args: &[&str]| {
        run(Command::new("git")
            .arg("-C")
            .arg(&dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.org")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.org")
            .env("GIT_AUTHOR_DATE", "@1650000000 +0000")
            .env("GIT_COMMITTER_DATE", "@1650000000 +0000"))
    };
    git(&["init", "-q"]);
    git(&["add", "driver-src"]);
    git(&["commit", "-q", "-m", "sources"]);
    let out = dir.join("dist");
    let output = Command::new(env!("CARGO_BIN_EXE_pkgtool"))
        .args(["build", "--kind", "dkms", "--format", "deb", "--out"])
        .arg(&out)
        .arg("--source")
        .arg(&src)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listing = run(Command::new("sh").arg("-c").arg(format!(
        "dpkg-deb --fsys-tarfile {}/scap-api1-dkms_{API}_all.deb | tar -tv --full-time",
        out.display()
    )));
    assert!(
        listing.lines().all(|l| l.contains(" 2022-04-15 05:20:00 ")),
        "{listing}"
    );
}
