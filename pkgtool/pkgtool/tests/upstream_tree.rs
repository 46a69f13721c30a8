//! `pkgtool build --source DIR` on falcosecurity-libs driver trees: the
//! sources of Debian's falcosecurity-scap-dkms, sid's (API 8, downloaded
//! with the apt of sid's build root) and bookworm's (API 1, with the
//! host's apt), each fetched once into the tests' cache, never committed.
//! Versions and module name come from the tree's driver_config.h and are
//! checked against the module built; the packages carry the API major in
//! their names, the tree's licence and copyright, pass lintian and
//! rpmlint, and the prebuilt module installs in sid's system. In sid's
//! system, `apt-get install sysdig` ends with scap-api8-dkms built by DKMS;
//! in a VM booting sid's kernel with that module (tests/vm's harness, a
//! given module), sid's unmodified sysdig captures live from it.

#![cfg(feature = "system-tests")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use debian_suite::{field, BuildRoot, Pick, Suite};
use scap_driver_api::DriverSource;

const PEER: &str = "falcosecurity-scap-dkms";

/// The package's driver tree, `usr/src/scap-<version>/`, unpacked from the
/// .deb in `dir`.
fn unpacked_tree(deb: &Path, dir: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(dir));
    let src = dir.join("usr/src");
    let tree = std::fs::read_dir(&src)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .unwrap_or_else(|| panic!("{} holds no usr/src/<tree>", deb.display()));
    tree
}

fn sid() -> (Suite, BuildRoot) {
    let suite: Suite = "sid".parse().unwrap();
    let cache = debian_suite::default_cache().unwrap();
    let root = BuildRoot::open(&cache, &suite, &mut |text| eprintln!("{text}"))
        .unwrap_or_else(|err| panic!("sid's build root: {err}"));
    (suite, root)
}

fn cache() -> PathBuf {
    let dir = std::env::var_os("SCAP_TESTS_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/scap-tests"))
        .join("upstream-trees");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Bookworm's falcosecurity-scap-dkms (0.1.1, API 1), fetched with the
/// host's apt into the cache once.
fn bookworm_peer_deb() -> PathBuf {
    let downloads = cache();
    let find = || {
        std::fs::read_dir(&downloads)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().contains(&format!("{PEER}_0.1.1")))
    };
    if let Some(deb) = find() {
        return deb;
    }
    run(Command::new("apt-get")
        .args(["download", "-q", PEER])
        .current_dir(&downloads));
    find().expect("bookworm's falcosecurity-scap-dkms is 0.1.1")
}

/// Our copyright holder (the workspace's Cargo.toml): never in an upstream
/// tree's packages.
fn our_copyright_holder() -> String {
    let manifest = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("copyright-holder = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("copyright-holder in the workspace's Cargo.toml")
        .to_string()
}

fn deb_field(deb: &Path, name: &str) -> String {
    run(Command::new("dpkg-deb").arg("-f").arg(deb).arg(name))
        .trim()
        .to_string()
}

fn doc_copyright(deb: &Path, package: &str) -> String {
    let dir = scratch(&format!("copyright-{package}"));
    run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&dir));
    std::fs::read_to_string(dir.join(format!("usr/share/doc/{package}/copyright"))).unwrap()
}

#[test]
fn sids_api_8_driver_tree_becomes_scap_api8_packages() {
    for tool in ["dpkg-deb", "lintian", "rpmlint", "rpm", "unshare"] {
        require_tool(tool);
    }
    let (suite, root) = sid();
    let version = field(&root.show(PEER).unwrap(), "Version").unwrap();
    let deb = root.download(PEER, &version, &cache()).unwrap();
    let dir = scratch("upstream-sid");
    let tree = unpacked_tree(&deb, &dir.join("deb"));
    let source = DriverSource::read(&tree).unwrap();
    assert_eq!(
        source.api.major, 8,
        "sid's {PEER} {version} is API {}",
        source.api
    );
    let api = source.api.to_string();
    let kernel = root.kernel(&suite, Pick::Newest).unwrap().release;

    let out = dir.join("dist");
    let summary = pkgtool_build_ok(
        &tree,
        &[
            "--kind",
            "dkms,modules",
            "--suite",
            "sid",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let dkms = out.join(format!("scap-api8-dkms_{api}_all.deb"));
    let modules = out.join(format!("scap-api8-modules-{kernel}_{api}_amd64.deb"));
    let rpms = [
        out.join(format!("scap-api8-dkms-{api}-1.noarch.rpm")),
        out.join(format!("kmod-scap-api8-{kernel}-{api}-1.x86_64.rpm")),
    ];
    for file in [&dkms, &modules].into_iter().chain(&rpms) {
        assert!(file.is_file(), "{} missing:\n{summary}", file.display());
    }
    assert_lintian_clean(&[dkms.clone(), modules.clone()]);
    assert_rpmlint_clean(&rpms);

    // The API-8 scheme: majors never satisfy each other.
    for deb in [&dkms, &modules] {
        let provides = deb_field(deb, "Provides");
        assert!(
            provides.contains(&format!("scap-driver-api-8 (= {api})")),
            "{provides}"
        );
        assert!(!provides.contains("scap-driver-api-1"), "{provides}");
        let conflicts = deb_field(deb, "Conflicts");
        assert!(
            conflicts.contains("scap-module-api-major (<< 8)")
                && conflicts.contains("scap-module-api-major (>> 8)"),
            "{conflicts}"
        );
    }
    // The tree's licence and copyright, not ours.
    let copyright = doc_copyright(&dkms, "scap-api8-dkms");
    assert!(copyright.contains("The Falco Authors"), "{copyright}");
    assert!(copyright.contains("License: GPL-2 or Expat"), "{copyright}");
    assert!(!copyright.contains(&our_copyright_holder()), "{copyright}");
    let license = run(Command::new("rpm")
        .args(["-qp", "--qf", "%{LICENSE}"])
        .arg(&rpms[0]));
    assert_eq!(license, "GPL-2.0-only OR MIT");

    // The prebuilt module in sid's system, found by its depmod.
    let script = format!(
        "dpkg -i /tmp/package.deb >/dev/null && modinfo -k {kernel} -F api_version scap && \
         modinfo -k {kernel} -F schema_version scap"
    );
    let text = in_suite_system(&root, &dir.join("upper"), &modules, &script);
    assert_eq!(text, format!("{api}\n{}\n", source.schema));

    // scap-compat judges the API-8 module as it judges ours.
    let files = dir.join("modules-files");
    run(Command::new("dpkg-deb").arg("-x").arg(&modules).arg(&files));
    let ko = files.join(format!("lib/modules/{kernel}/updates/scap/scap.ko"));
    assert!(ko.is_file(), "{}", ko.display());
    let check = |required: &str| {
        Command::new(env!("CARGO"))
            .args(["run", "-q", "-p", "scap-compat", "--", "check", "--module"])
            .arg(&ko)
            .args([
                "--kernel",
                &kernel,
                "--consumer",
                "sysdig",
                "--api",
                required,
            ])
            .output()
            .unwrap()
    };
    let ok = check("8.0.0");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let other_major = check("1.0.0");
    let said = String::from_utf8_lossy(&other_major.stdout);
    assert_eq!(other_major.status.code(), Some(20), "{said}");
    assert!(
        said.contains(&format!(
            "driver API version {api}, required 1.0.0: different major versions are incompatible"
        )),
        "{said}"
    );
    // ... and its advice names the package of the consumer's major (as for
    // the installed and the loaded module, in sid's VM below).
    assert!(said.contains("apt-get install scap-api1-dkms"), "{said}");

    sids_sysdig_ends_with_an_api_8_driver(&root, &dir, &dkms, &source, &kernel);
    let _ = std::fs::remove_dir_all(&dir);
}

/// sid's sysdig (API 8) recommends `falcosecurity-scap-dkms`, unversioned.
/// In a throwaway overlay of sid's system with a local repository of both
/// majors beside sid's archive (ours of API 1; the sid tree's API-8
/// package and its transitional `falcosecurity-scap-dkms`), for real:
/// `apt-get install sysdig` ends with scap-api8-dkms built by DKMS for
/// sid's kernel and nothing of API 1; then asking for ours of API 1 by
/// name shows that it would remove the API-8 driver.
fn sids_sysdig_ends_with_an_api_8_driver(
    root: &BuildRoot,
    dir: &Path,
    api8_dkms: &Path,
    tree: &DriverSource,
    kernel: &str,
) {
    let release = &tree.upstream.as_ref().unwrap().driver_version;
    let transitional_version = format!("{release}+api8");
    let transitional = api8_dkms.with_file_name(format!("{PEER}_{transitional_version}_all.deb"));
    assert_eq!(
        deb_field(&transitional, "Depends"),
        format!("scap-api8-dkms (= {})", tree.api)
    );
    assert_lintian_clean(std::slice::from_ref(&transitional));
    let ours = dir.join("api1");
    pkgtool_build_ok(
        &driver_src(),
        &["--kind", "dkms", "--out", ours.to_str().unwrap()],
    );
    let api1_dkms = files_ending(&ours, "_all.deb");
    assert_eq!(api1_dkms.len(), 1, "our tree has no transitional package");

    let upper = dir.join("apt-upper");
    let _ = std::fs::remove_dir_all(&upper);
    let repo = upper.join("srv/scap-repo");
    std::fs::create_dir_all(&repo).unwrap();
    for deb in [&api1_dkms[0], api8_dkms, &transitional] {
        std::fs::copy(deb, repo.join(deb.file_name().unwrap())).unwrap();
    }
    let packages = run(Command::new("dpkg-scanpackages")
        .args(["--multiversion", "."])
        .current_dir(&repo));
    std::fs::write(repo.join("Packages"), packages).unwrap();
    let script = format!(
        r#"exec 2>&1
echo "deb [trusted=yes] file:/srv/scap-repo ./" > /etc/apt/sources.list.d/scap.list
apt-get update -qq -o Dir::Etc::SourceList=/etc/apt/sources.list.d/scap.list \
    -o Dir::Etc::SourceParts=- -o APT::Get::List-Cleanup=0
echo "== install"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q sysdig
echo "== packages"
dpkg-query -W -f '${{Package}} ${{Version}} ${{Status}}\n' 'scap-*' '{PEER}' | grep ' ok installed$'
echo "== module"
# sid's system has the kernel's headers, not its image: DKMS installs the
# module but runs no depmod, so modinfo reads the file.
modinfo -F api_version "$(find /lib/modules/{kernel} -name 'scap.ko*')"
dkms status scap
echo "== guest"
# What the VM takes: the module DKMS built, and sysdig with every library
# it loads and sid's dynamic loader, under a sysroot of their own.
guest=/srv/sid-guest
mkdir -p "$guest/module" "$guest/sysroot"
cp "$(find /lib/modules/{kernel} -name 'scap.ko*')" "$guest/module/"
if ldd /usr/bin/sysdig | grep 'not found'; then exit 1; fi
for file in /usr/bin/sysdig $(ldd /usr/bin/sysdig | grep -o '/[^ ]*'); do
    cp -L --parents "$file" "$guest/sysroot"
done
ls "$guest/module"
echo "== api1"
apt-get install -s scap-api1-dkms
echo "== end""#
    );
    let output = root
        .overlay_command(&upper, &["sh", "-ec", &script])
        .unwrap()
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "in sid's system:\n{text}");
    let step = |name: &str| {
        let start = text
            .find(&format!("== {name}\n"))
            .unwrap_or_else(|| panic!("{text}"));
        let rest = &text[start + name.len() + 4..];
        rest[..rest.find("== ").unwrap()].to_string()
    };
    let installed = step("packages");
    assert_eq!(
        installed.lines().collect::<Vec<_>>(),
        [
            format!("{PEER} {transitional_version} install ok installed"),
            format!("scap-api8-dkms {} install ok installed", tree.api),
        ],
        "apt-get install sysdig:\n{}",
        step("install")
    );
    let module = step("module");
    assert!(
        module.starts_with(&format!("{}\n", tree.api))
            && module.contains(&format!("scap/{}, {kernel}, x86_64: installed", tree.api)),
        "{module}"
    );
    let api1 = step("api1");
    assert!(
        api1.contains("Remv scap-api8-dkms") && api1.contains(&format!("Remv {PEER}")),
        "{api1}"
    );
    let guest = upper.join("srv/sid-guest");
    let ko = guest.join("module").join(step("guest").trim());
    sids_sysdig_captures_live_from_the_dkms_module(root, &ko, &guest.join("sysroot"), tree, kernel);
}

/// The module DKMS built in sid's system, loaded in a VM booting sid's
/// kernel (the harness of tests/vm with a given module, running the guest
/// tests of tests/guest/upstream/): sid's unmodified sysdig, its binary
/// and libraries as sid's packages installed them, run by sid's dynamic
/// loader, captures the known workload's openat/read/close with process
/// and file names; scap-compat says a consumer of API 8 is compatible, and
/// one of API 1 is not and should install scap-api1-dkms.
fn sids_sysdig_captures_live_from_the_dkms_module(
    root: &BuildRoot,
    ko: &Path,
    sysroot: &Path,
    tree: &DriverSource,
    kernel: &str,
) {
    let sysdig = field(&root.show("sysdig").unwrap(), "Version").unwrap();
    // 0.41.4+repack-4+b1: `sysdig --version` says the upstream version,
    // 0.41.4+repack (no epoch, no Debian revision).
    let no_epoch = sysdig.split_once(':').map_or(sysdig.as_str(), |(_, v)| v);
    let upstream = no_epoch.rsplit_once('-').map_or(no_epoch, |(v, _)| v);
    let mut config = scap_vm::Config::from_env().unwrap();
    config.only.clear();
    config.kernel =
        scap_vm::GuestKernel::Suite(scap_vm::config::SuiteKernel::parse("sid").unwrap());
    config.module = Some(ko.to_path_buf());
    config.sysroot = Some(sysroot.to_path_buf());
    let run = scap_vm::run(&config, &mut |progress| {
        if let scap_vm::Progress::Step(text) = progress {
            eprintln!("scap-vm [sid, {}]: {text}", ko.display());
        }
    })
    .unwrap_or_else(|err| panic!("the VM run with {}: {err}", ko.display()));
    let report = &run.report;
    let failures: Vec<String> = report
        .expected
        .iter()
        .filter(|name| !matches!(report.outcome(name), scap_vm::Outcome::Passed(_)))
        .map(|name| {
            format!(
                "guest test {name}: {}\n{}",
                report.outcome(name),
                report.log(name).unwrap_or_default()
            )
        })
        .collect();
    assert!(
        failures.is_empty() && report.completed,
        "sid's sysdig {sysdig} on {kernel} with DKMS's {}:\n{}\n{}\nthe guest's console:\n{}",
        ko.display(),
        failures.join("\n"),
        report.kernel_log(),
        report.console
    );
    assert_eq!(run.kernel_release, kernel);
    assert_eq!(
        report.expected,
        ["scap_compat_other_major", "sysroot_sysdig_live"]
    );
    let detail = |name: &str| match report.outcome(name) {
        scap_vm::Outcome::Passed(result) => result.detail.clone(),
        other => panic!("{name}: {other}"),
    };
    let live = detail("sysroot_sysdig_live");
    assert!(
        live.starts_with(&format!(
            "sysroot's sysdig {upstream} on API {} showed known_opener's openat/read/close",
            tree.api
        )),
        "{live}"
    );
    let compat = detail("scap_compat_other_major");
    assert!(
        compat.contains(&format!("check --api 8.0.0: compatible (API {}", tree.api))
            && compat.contains("--api 1.0.0: exit 20")
            && compat.contains("advice: apt-get install scap-api1-dkms"),
        "{compat}"
    );
    eprintln!(
        "sid's sysdig {sysdig} with DKMS's {} (VM {:.1} s): {live}; {compat}",
        ko.display(),
        report.elapsed.as_secs_f64()
    );
}

/// Bookworm's tree is API 1: its packages are API-1 packages.
#[test]
fn bookworms_api_1_driver_tree_becomes_scap_api1_packages() {
    let dir = scratch("upstream-bookworm");
    let deb = bookworm_peer_deb();
    let tree = unpacked_tree(&deb, &dir.join("deb"));
    let source = DriverSource::read(&tree).unwrap();
    assert_eq!(source.api.to_string(), "1.0.0");
    let out = dir.join("dist");
    pkgtool_build_ok(&tree, &["--kind", "dkms", "--out", out.to_str().unwrap()]);
    let dkms = out.join("scap-api1-dkms_1.0.0_all.deb");
    assert!(deb_field(&dkms, "Provides").contains("scap-driver-api-1 (= 1.0.0)"));
    let copyright = doc_copyright(&dkms, "scap-api1-dkms");
    assert!(copyright.contains("The Falco Authors"), "{copyright}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A tree that is neither kind, and a tree whose module says another
/// version than its header: one line each naming the file and the fix;
/// nothing written.
#[test]
fn a_tree_without_versions_or_disagreeing_is_one_line() {
    let dir = scratch("upstream-errors");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("main.c"), "int x;\n").unwrap();
    let output = pkgtool_build(
        &empty,
        &["--kind", "dkms", "--out", dir.join("d1").to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains(empty.to_str().unwrap()) && last.contains("not a scap driver tree"),
        "{stderr}"
    );
    assert!(!dir.join("d1").exists());

    // Bookworm's tree (built on this machine's kernel) with its module's
    // api_version changed: pkgtool refuses the module it built.
    let deb = bookworm_peer_deb();
    let tree = unpacked_tree(&deb, &dir.join("deb"));
    let main = tree.join("main.c");
    let text = std::fs::read_to_string(&main).unwrap();
    let altered = text.replace(
        "MODULE_INFO(api_version, PPM_API_CURRENT_VERSION_STRING);",
        "MODULE_INFO(api_version, \"1.0.9\");",
    );
    assert_ne!(
        altered, text,
        "main.c declares its api_version differently now"
    );
    std::fs::write(&main, altered).unwrap();
    let kernel = headers_release();
    let out = dir.join("d2");
    let output = pkgtool_build(
        &tree,
        &[
            "--kind",
            "modules",
            "--kernel",
            &kernel,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(!output.status.success(), "{stderr}");
    assert!(
        last.contains("modinfo api_version is 1.0.9, not 1.0.0")
            && last.contains("driver_config.h"),
        "{stderr}"
    );
    assert!(!out.exists() || files_ending(&out, ".deb").is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
