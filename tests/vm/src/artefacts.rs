//! The project's own programs and objects a guest test can ask for with a
//! `scap-vm: needs <name>` line, like a host program: built on the host
//! only when a selected test needs them, then shipped into the initramfs.
//!
//! | name | guest path | what |
//! | --- | --- | --- |
//! | `scap-probe`, `scap-compat` | `/usr/bin/` | static (musl) release builds of the workspace's crates |
//! | `probe.o` | [`GUEST_PROBE`] | `make -C probe` against the driver sources under test |
//! | `bad-probes` | [`GUEST_BAD_PROBES`]`/*.o` | that probe altered with llvm-objcopy (see [`BAD_PROBES`]) |
//! | `other-api-module` | [`GUEST_OTHER_API_KO`] | the module built from a copy of the sources declaring [`other_api`] |
//! | `legacy-scap-module` | [`GUEST_LEGACY_KO`] | the test fixture [`LEGACY_SCAP_DIR`] (a stand-in for drivers we cannot run) built as `scap.ko` with `MODULE_VERSION` = the sources' API version |
//! | `peer-module` | [`GUEST_PEER_KO`] | Debian 12's falcosecurity-scap-dkms (the peer driver, also `scap.ko`) built for the kernel under test ([`crate::peer`]) |
//! | `floor-module` | [`GUEST_FLOOR_KO`] | the benchmark fixture [`FLOOR_MODULE_DIR`] (empty sys_enter/sys_exit probes, tests/bench/capture-overhead's floor) built as `scap.ko` |
//! | `rejected-probes` | [`GUEST_REJECTED_PROBES`]`/*.o` | the test fixture [`REJECTED_PROBE_SOURCE`] built by clang -target bpf with the sources' versions, once per [`REJECTED_PROBES`] variant: a program the verifier refuses |

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use scap_driver_api::kernels::KernelSeries;
use scap_driver_api::{DriverSource, Version};

use crate::cmd;
use crate::error::{Problem, Result};
use crate::guest::{GuestTest, Staged};
use crate::kernel::Kernel;
use crate::module;
use crate::peer;

pub const MUSL_TARGET: &str = "x86_64-unknown-linux-musl";
pub const GUEST_PROBE: &str = "/scap/probe/scap_probe.o";
pub const GUEST_BAD_PROBES: &str = "/scap/bad-probes";
pub const GUEST_OTHER_API_KO: &str = "/scap/other-api/scap.ko";
pub const GUEST_LEGACY_KO: &str = "/scap/legacy/scap.ko";
/// The legacy stand-in's sources (its own Kbuild), under the guest tests.
pub const LEGACY_SCAP_DIR: &str = "support/legacy_scap";
pub const GUEST_FLOOR_KO: &str = "/scap/floor/scap.ko";
/// The benchmark floor's sources (its own Kbuild), under the repository.
pub const FLOOR_MODULE_DIR: &str = "tests/bench/floor";
pub const GUEST_REJECTED_PROBES: &str = "/scap/rejected-probes";
pub const GUEST_PEER_KO: &str = "/scap/peer/scap.ko";
/// The eBPF fixture whose program the verifier refuses, under the guest tests.
pub const REJECTED_PROBE_SOURCE: &str = "support/rejected_probe/rejected_probe.bpf.c";
/// Its variants: file name, the macro that picks why the verifier refuses it.
pub const REJECTED_PROBES: &[(&str, &str)] = &[
    ("out-of-bounds.o", "REJECT_OUT_OF_BOUNDS"),
    ("unbounded-loop.o", "REJECT_UNBOUNDED_LOOP"),
];

/// The bad probes: file name, llvm-objcopy arguments ({code} = a file
/// holding the version code [`bad_code`] gives for it).
pub const BAD_PROBES: &[(&str, &[&str])] = &[
    ("other-major.o", &["--update-section", "api_version={code}"]),
    // Renamed: the BTF refers to the section, so it cannot be removed.
    (
        "missing-section.o",
        &["--rename-section", "api_version=legacy_version"],
    ),
    (
        "truncated-section.o",
        &["--update-section", "schema_version={code}"],
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Artefact {
    ScapProbe,
    ScapCompat,
    Probe,
    BadProbes,
    OtherApiModule,
    LegacyModule,
    RejectedProbes,
    PeerModule,
    FloorModule,
}

impl Artefact {
    pub const ALL: [Artefact; 9] = [
        Artefact::ScapProbe,
        Artefact::ScapCompat,
        Artefact::Probe,
        Artefact::BadProbes,
        Artefact::OtherApiModule,
        Artefact::LegacyModule,
        Artefact::RejectedProbes,
        Artefact::PeerModule,
        Artefact::FloorModule,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Artefact::ScapProbe => "scap-probe",
            Artefact::ScapCompat => "scap-compat",
            Artefact::Probe => "probe.o",
            Artefact::BadProbes => "bad-probes",
            Artefact::OtherApiModule => "other-api-module",
            Artefact::LegacyModule => "legacy-scap-module",
            Artefact::RejectedProbes => "rejected-probes",
            Artefact::PeerModule => "peer-module",
            Artefact::FloorModule => "floor-module",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Why this artefact cannot be made for the kernel `release`, if it
    /// cannot: a test needing it is then left out of that kernel's run,
    /// saying so (never silently).
    pub fn unavailable_for(self, release: &str) -> Option<String> {
        match self {
            Artefact::PeerModule => peer_unavailable_for(release),
            _ => None,
        }
    }

    /// The workspace binary this artefact is, if it is one.
    fn crate_binary(self) -> Option<&'static str> {
        match self {
            Artefact::ScapProbe | Artefact::ScapCompat => Some(self.name()),
            _ => None,
        }
    }
}

/// A test's `needs` split into artefacts and host programs.
pub fn partition(needs: &[String]) -> (Vec<Artefact>, Vec<String>) {
    let mut artefacts = Vec::new();
    let mut programs = Vec::new();
    for name in needs {
        match Artefact::from_name(name) {
            Some(artefact) => artefacts.push(artefact),
            None => programs.push(name.clone()),
        }
    }
    artefacts.sort();
    artefacts.dedup();
    programs.sort();
    programs.dedup();
    (artefacts, programs)
}

/// The first kernel series the peer cannot be compiled for: Linux 6.4
/// removed the owner argument of `class_create()` (commit 1aaba11da9aa,
/// "driver core: class: remove module * from class_create()"), and the
/// peer's main.c (Debian 12's package, a 2022 snapshot patched by Debian
/// for bookworm's 6.1) calls `class_create(THIS_MODULE, ...)`. Measured
/// on trixie's 6.12: that and more (`fd_is_open`, `struct fd`'s `file`,
/// `strlcpy`) stop its build; bullseye's 5.10 builds and runs it.
pub const PEER_FIRST_UNBUILDABLE: KernelSeries = KernelSeries { major: 6, minor: 4 };

fn peer_unavailable_for(release: &str) -> Option<String> {
    let series = KernelSeries::of_release(release)?;
    (series >= PEER_FIRST_UNBUILDABLE).then(|| {
        format!(
            "Debian 12's {} does not compile for {release}: it calls class_create() with \
             the owner argument Linux {PEER_FIRST_UNBUILDABLE} removed",
            peer::PACKAGE
        )
    })
}

/// The selected tests that can run on the kernel `release`, and those left
/// out with why (an artefact they need cannot be made for it).
pub fn runnable_on(
    tests: Vec<GuestTest>,
    release: &str,
) -> (Vec<GuestTest>, Vec<(String, String)>) {
    let mut runnable = Vec::new();
    let mut left_out = Vec::new();
    for test in tests {
        let (artefacts, _) = partition(&test.needs);
        match artefacts
            .iter()
            .find_map(|a| a.unavailable_for(release).map(|why| (a.name(), why)))
        {
            Some((name, why)) => left_out.push((test.name, format!("needs {name}: {why}"))),
            None => runnable.push(test),
        }
    }
    (runnable, left_out)
}

/// The API version of the other module: the next minor, so that it is
/// compatible with consumers of this one but not the same.
pub fn other_api(api: Version) -> Version {
    Version {
        minor: api.minor + 1,
        patch: 0,
        ..api
    }
}

/// The API version of the probe with the wrong major.
pub fn other_major(api: Version) -> Version {
    Version {
        major: api.major + 1,
        minor: 0,
        patch: 0,
    }
}

/// The section content of a bad probe: the other major's code, or a
/// version code cut to 4 bytes.
fn bad_code(name: &str, source: &DriverSource) -> Vec<u8> {
    match name {
        "other-major.o" => other_major(source.api).encode().to_le_bytes().to_vec(),
        _ => source.schema.encode().to_le_bytes()[..4].to_vec(),
    }
}

/// What the build needs to know.
pub struct Context<'a> {
    pub repo_root: &'a Path,
    pub guest_dir: &'a Path,
    pub source: &'a DriverSource,
    pub kernel: &'a Kernel,
    pub cache_dir: &'a Path,
    pub scratch: &'a Path,
}

/// Builds `artefacts` and returns the files to ship.
pub fn build(artefacts: &[Artefact], ctx: &Context) -> Result<Vec<Staged>> {
    let mut staged = Vec::new();
    let binaries: Vec<&str> = artefacts.iter().filter_map(|a| a.crate_binary()).collect();
    for (name, host) in musl_binaries(ctx.repo_root, &binaries)? {
        staged.push(Staged {
            host,
            guest: format!("usr/bin/{name}"),
            executable: true,
        });
    }
    let mut probe = None;
    for artefact in artefacts {
        match artefact {
            Artefact::ScapProbe | Artefact::ScapCompat => {}
            Artefact::Probe => staged.push(Staged {
                host: probe_object(&mut probe, ctx)?,
                guest: GUEST_PROBE.to_string(),
                executable: false,
            }),
            Artefact::BadProbes => {
                let probe = probe_object(&mut probe, ctx)?;
                for (name, host) in bad_probes(&probe, ctx)? {
                    staged.push(Staged {
                        host,
                        guest: format!("{GUEST_BAD_PROBES}/{name}"),
                        executable: false,
                    });
                }
            }
            Artefact::OtherApiModule => {
                let dir = ctx.scratch.join("other-api/driver-src");
                let api = other_api(ctx.source.api);
                let built = module::build_with_api(ctx.source, api, ctx.kernel, &dir)?;
                staged.push(Staged {
                    host: built.ko,
                    guest: GUEST_OTHER_API_KO.to_string(),
                    executable: false,
                });
            }
            Artefact::LegacyModule => {
                // Its sysfs version is the one the real module shows, so
                // that only what a test makes its ioctls say differs.
                let built = module::build_fixture(
                    &ctx.guest_dir.join(LEGACY_SCAP_DIR),
                    &[format!("LEGACY_SCAP_VERSION={}", ctx.source.api)],
                    ctx.kernel,
                    &ctx.scratch.join("legacy-scap"),
                )?;
                staged.push(Staged {
                    host: built.ko,
                    guest: GUEST_LEGACY_KO.to_string(),
                    executable: false,
                });
            }
            Artefact::PeerModule => staged.push(Staged {
                host: peer::module(ctx.cache_dir, ctx.kernel)?,
                guest: GUEST_PEER_KO.to_string(),
                executable: false,
            }),
            Artefact::FloorModule => {
                let built = module::build_fixture(
                    &ctx.repo_root.join(FLOOR_MODULE_DIR),
                    &[],
                    ctx.kernel,
                    &ctx.scratch.join("floor-module"),
                )?;
                staged.push(Staged {
                    host: built.ko,
                    guest: GUEST_FLOOR_KO.to_string(),
                    executable: false,
                });
            }
            Artefact::RejectedProbes => {
                for (name, host) in rejected_probes(ctx)? {
                    staged.push(Staged {
                        host,
                        guest: format!("{GUEST_REJECTED_PROBES}/{name}"),
                        executable: false,
                    });
                }
            }
        }
    }
    Ok(staged)
}

/// The probe object, built on first use.
fn probe_object(built: &mut Option<PathBuf>, ctx: &Context) -> Result<PathBuf> {
    if let Some(probe) = built {
        return Ok(probe.clone());
    }
    let probe = build_probe(ctx)?;
    *built = Some(probe.clone());
    Ok(probe)
}

/// `cargo build --release --target x86_64-unknown-linux-musl -p <crate>`
/// of each workspace binary, reusing target/; their paths as cargo reports
/// them. One crate at a time: built together, their dependencies' features
/// would be unified into binaries that differ from the released ones.
pub fn musl_binaries(repo_root: &Path, binaries: &[&str]) -> Result<Vec<(String, PathBuf)>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut built = Vec::new();
    for name in binaries {
        let output = cmd::run(
            Command::new("nice")
                .args([
                    "-n",
                    "10",
                    &cargo,
                    "build",
                    "--release",
                    "--locked",
                    "--target",
                ])
                .arg(MUSL_TARGET)
                .args(["--message-format", "json-render-diagnostics", "-p", name])
                .current_dir(repo_root),
            &format!("building {name} for {MUSL_TARGET}"),
            &format!(
                "fix the errors above (tests/install-deps adds the Rust target {MUSL_TARGET})"
            ),
        )?;
        let path =
            executable_of(&String::from_utf8_lossy(&output.stdout), name).ok_or_else(|| {
                Problem::new(
                    format!("the crate {name}"),
                    format!("cargo built no executable {name} for {MUSL_TARGET}"),
                    "check its [[bin]]",
                )
            })?;
        built.push((name.to_string(), path));
    }
    Ok(built)
}

/// The executable cargo's JSON messages report for the binary `name`.
pub fn executable_of(messages: &str, name: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

/// `make -C probe` against the driver sources under test, into scratch.
fn build_probe(ctx: &Context) -> Result<PathBuf> {
    let out = ctx.scratch.join("probe");
    cmd::run(
        Command::new("nice")
            .args(["-n", "10", "make", "-s", "-C"])
            .arg(ctx.repo_root.join("probe"))
            .arg(format!("BUILD={}", out.display()))
            .arg(format!("scap_src={}", absolute(&ctx.source.dir)?.display())),
        &format!("building the probe against {}", ctx.source.dir.display()),
        "fix the errors above (make -C probe shows them too)",
    )?;
    Ok(out.join("scap_probe.o"))
}

fn absolute(dir: &Path) -> Result<PathBuf> {
    dir.canonicalize().map_err(Problem::io(
        dir,
        "point SCAP_DRIVER_SRC at an existing directory",
    ))
}

fn bad_probes(probe: &Path, ctx: &Context) -> Result<Vec<(&'static str, PathBuf)>> {
    let dir = ctx.scratch.join("bad-probes");
    fs::create_dir_all(&dir).map_err(Problem::io(&dir, "make the scratch directory writable"))?;
    let mut made = Vec::new();
    for (name, args) in BAD_PROBES {
        let code = dir.join(format!("{name}.code"));
        fs::write(&code, bad_code(name, ctx.source))
            .map_err(Problem::io(&code, "make the scratch directory writable"))?;
        let out = dir.join(name);
        cmd::run(
            Command::new("llvm-objcopy")
                .args(
                    args.iter()
                        .map(|arg| arg.replace("{code}", &code.to_string_lossy())),
                )
                .arg(probe)
                .arg(&out),
            &format!("making the bad probe {name}"),
            "install llvm (tests/install-deps)",
        )?;
        made.push((*name, out));
    }
    Ok(made)
}

/// The fixture [`REJECTED_PROBE_SOURCE`], one object per variant, carrying
/// the versions of the sources under test.
fn rejected_probes(ctx: &Context) -> Result<Vec<(&'static str, PathBuf)>> {
    let dir = ctx.scratch.join("rejected-probes");
    fs::create_dir_all(&dir).map_err(Problem::io(&dir, "make the scratch directory writable"))?;
    let source = ctx.guest_dir.join(REJECTED_PROBE_SOURCE);
    let mut made = Vec::new();
    for (name, variant) in REJECTED_PROBES {
        let out = dir.join(name);
        cmd::run(
            Command::new("nice")
                .args(["-n", "10", "clang", "-target", "bpf", "-O2", "-c"])
                .args(["-Wall", "-Werror"])
                .arg(format!("-D{variant}"))
                .arg(format!("-DAPI_CODE={:#x}ULL", ctx.source.api.encode()))
                .arg(format!(
                    "-DSCHEMA_CODE={:#x}ULL",
                    ctx.source.schema.encode()
                ))
                .arg(&source)
                .arg("-o")
                .arg(&out),
            &format!(
                "building the rejected probe {name} from {}",
                source.display()
            ),
            "fix the errors above (clang: tests/install-deps)",
        )?;
        made.push((*name, out));
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_split_into_artefacts_and_programs() {
        let needs: Vec<String> = ["sysdig", "scap-probe", "probe.o", "scap-probe", "jq"]
            .map(String::from)
            .into();
        let (artefacts, programs) = partition(&needs);
        assert_eq!(artefacts, [Artefact::ScapProbe, Artefact::Probe]);
        assert_eq!(programs, ["jq", "sysdig"]);
        for artefact in Artefact::ALL {
            assert_eq!(Artefact::from_name(artefact.name()), Some(artefact));
        }
    }

    #[test]
    fn tests_needing_the_peer_are_left_out_where_it_cannot_build() {
        let test = |name: &str, needs: &[&str]| GuestTest {
            name: name.into(),
            kind: crate::guest::Kind::Shell,
            source: PathBuf::new(),
            needs: needs.iter().map(|n| n.to_string()).collect(),
        };
        let tests = || {
            vec![
                test("plain", &["sysdig"]),
                test("diff", &["sysdig", "peer-module"]),
            ]
        };
        for release in ["5.10.0-30-amd64", "6.1.0-57-amd64", "6.3.0-1-amd64"] {
            let (runnable, left_out) = runnable_on(tests(), release);
            assert_eq!(runnable.len(), 2, "{release}");
            assert!(left_out.is_empty(), "{release}");
        }
        for release in ["6.4.0-1-amd64", "6.12.48+deb13-amd64", "7.2.0-1-amd64"] {
            let (runnable, left_out) = runnable_on(tests(), release);
            let names: Vec<&str> = runnable.iter().map(|t| t.name.as_str()).collect();
            assert_eq!(names, ["plain"], "{release}");
            assert_eq!(left_out.len(), 1, "{release}");
            assert_eq!(left_out[0].0, "diff");
            assert!(
                left_out[0].1.starts_with(
                    "needs peer-module: Debian 12's falcosecurity-scap-dkms does not compile for"
                ),
                "{}",
                left_out[0].1
            );
        }
    }

    #[test]
    fn other_versions_follow_the_source() {
        let api: Version = "1.2.3".parse().unwrap();
        assert_eq!(other_api(api).to_string(), "1.3.0");
        assert_eq!(other_major(api).to_string(), "2.0.0");
    }

    #[test]
    fn cargo_messages_name_the_executable() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"scap-capture"},"executable":null}
{"reason":"compiler-artifact","target":{"name":"scap-probe"},"executable":"/t/x86_64-unknown-linux-musl/release/scap-probe"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            executable_of(messages, "scap-probe"),
            Some(PathBuf::from(
                "/t/x86_64-unknown-linux-musl/release/scap-probe"
            ))
        );
        assert_eq!(executable_of(messages, "scap-capture"), None);
        assert_eq!(executable_of(messages, "scap-compat"), None);
    }
}
