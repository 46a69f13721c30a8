//! The scap-compat helper as its crate describes it. The cargo-deb
//! metadata of pkgtool/scap-compat/Cargo.toml (`[package.metadata.deb]`,
//! read with `cargo metadata`, which resolves workspace inheritance) is the
//! one description of its package: pkgtool reads the keys it knows and
//! refuses others, so nothing there is silently ignored. Project-wide facts
//! (maintainer, homepage, copyright holder) come from `meta` as for every
//! package pkgtool writes.
//!
//! Its executable is the static musl release build, made with cargo or
//! given (`--compat-binary`), checked either way.

use std::path::{Path, PathBuf};
use std::process::Command;

use scap_driver_api::helper::HELPER;
use serde::Deserialize;
use serde_json::Value;

use crate::artefacts::elf;
use crate::Problem;

/// Where cargo-deb's assets name the release build of the crate's binary.
const RELEASE_DIR: &str = "target/release/";

#[derive(Debug, Clone)]
pub struct HelperCrate {
    pub name: String,
    pub version: String,
    /// SPDX.
    pub license: String,
    /// `description`: the package's one-line summary.
    pub summary: String,
    /// `extended-description`, one paragraph of running text.
    pub description: String,
    pub section: String,
    features: Vec<String>,
    default_features: bool,
    pub assets: Vec<Asset>,
    /// The cargo workspace's manifest.
    workspace_manifest: PathBuf,
    /// The crate's manifest, for messages.
    pub manifest: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Asset {
    pub source: AssetSource,
    /// Absolute path in the installed system.
    pub path: String,
    pub mode: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssetSource {
    /// The crate's binary, as built (`target/release/<bin>`).
    Executable,
    /// A file of the crate, absolute.
    File(PathBuf),
}

/// The keys of `[package.metadata.deb]` pkgtool reads (cargo-deb's names
/// and meanings); any other key is an error.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct DebMetadata {
    section: String,
    extended_description: String,
    assets: Vec<(String, String, String)>,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default = "yes")]
    default_features: bool,
}

fn yes() -> bool {
    true
}

/// The helper crate of the project's cargo workspace, if the project has
/// one (a copy of driver-src/ alone has none).
pub fn find(project: &Path) -> Result<Option<HelperCrate>, Problem> {
    let workspace_manifest = project.join("Cargo.toml");
    if !workspace_manifest.is_file() {
        return Ok(None);
    }
    let output = Command::new(cargo())
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .arg("--manifest-path")
        .arg(&workspace_manifest)
        .output()
        .map_err(cannot_run_cargo)?;
    if !output.status.success() {
        return Err(Problem::new(
            format!(
                "cargo metadata --manifest-path {}",
                workspace_manifest.display()
            ),
            format!(
                "failed: {}",
                String::from_utf8_lossy(&output.stderr)
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("no message")
            ),
            "fix the manifest",
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout).map_err(|e| {
        Problem::new(
            "cargo metadata",
            format!("printed no JSON ({e})"),
            "check the cargo installation",
        )
    })?;
    let Some(package) = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == HELPER)
    else {
        return Ok(None);
    };
    from_package(package, workspace_manifest).map(Some)
}

/// Reads one package of `cargo metadata`.
fn from_package(package: &Value, workspace_manifest: PathBuf) -> Result<HelperCrate, Problem> {
    let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap_or_default());
    let bad = |what: String| Problem::at(&manifest, what, "fix the crate's manifest");
    let text = |key: &str| -> Result<String, Problem> {
        package[key]
            .as_str()
            .filter(|v| !v.trim().is_empty())
            .map(str::to_string)
            .ok_or_else(|| bad(format!("no {key} in [package]")))
    };
    let name = text("name")?;
    let summary = text("description")?;
    if summary.len() > 79 || summary.ends_with('.') {
        return Err(bad(format!(
            "description {summary:?} is no package summary; write one line of at most 79 characters without a final full stop"
        )));
    }
    let deb = package["metadata"]
        .get("deb")
        .ok_or_else(|| bad("no [package.metadata.deb]".into()))?;
    let deb =
        DebMetadata::deserialize(deb).map_err(|e| bad(format!("[package.metadata.deb]: {e}")))?;
    let bin = package["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .and_then(|t| t["name"].as_str())
        .ok_or_else(|| bad("no [[bin]] target".into()))?;
    let crate_dir = manifest.parent().unwrap_or(Path::new("/")).to_path_buf();
    let mut assets = Vec::new();
    for (source, dest, mode) in &deb.assets {
        let source = if let Some(built) = source.strip_prefix(RELEASE_DIR) {
            if built != bin {
                return Err(bad(format!(
                    "asset {RELEASE_DIR}{built}: pkgtool packages only the crate's binary {RELEASE_DIR}{bin}"
                )));
            }
            AssetSource::Executable
        } else {
            AssetSource::File(crate_dir.join(source))
        };
        let file_name = match &source {
            AssetSource::Executable => bin.to_string(),
            AssetSource::File(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let path = if dest.ends_with('/') {
            format!("/{}{file_name}", dest.trim_start_matches('/'))
        } else {
            format!("/{}", dest.trim_start_matches('/'))
        };
        let mode = u32::from_str_radix(mode, 8)
            .ok()
            .filter(|m| [0o644, 0o755].contains(m))
            .ok_or_else(|| {
                bad(format!(
                    "asset {dest}: mode {mode:?}, not \"644\" or \"755\""
                ))
            })?;
        assets.push(Asset { source, path, mode });
    }
    if !assets.iter().any(|a| a.source == AssetSource::Executable) {
        return Err(bad(format!(
            "[package.metadata.deb] assets lack the binary {RELEASE_DIR}{bin}"
        )));
    }
    Ok(HelperCrate {
        name,
        version: text("version")?,
        license: text("license")?,
        summary,
        description: deb.extended_description,
        section: deb.section,
        features: deb.features,
        default_features: deb.default_features,
        assets,
        workspace_manifest,
        manifest,
    })
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn cannot_run_cargo(err: std::io::Error) -> Problem {
    Problem::new(
        "cargo",
        format!("cannot run it: {err}"),
        "install Rust (rustup)",
    )
}

/// The Rust target of the static build: musl for this architecture.
pub fn static_target() -> String {
    format!("{}-unknown-linux-musl", std::env::consts::ARCH)
}

/// `cargo build --release` of the helper for the musl target, with the
/// features the metadata names; returns the executable's path.
pub fn build(krate: &HelperCrate, log_path: &Path) -> Result<PathBuf, Problem> {
    let target = static_target();
    let mut cmd = Command::new(cargo());
    cmd.args(["build", "--release", "--locked", "--bin", &krate.name])
        .arg("--manifest-path")
        .arg(&krate.workspace_manifest)
        .args(["-p", &krate.name, "--target", &target])
        .args(["--message-format", "json-render-diagnostics"]);
    if !krate.default_features {
        cmd.arg("--no-default-features");
    }
    if !krate.features.is_empty() {
        cmd.arg("--features").arg(krate.features.join(","));
    }
    let output = cmd.output().map_err(cannot_run_cargo)?;
    std::fs::write(log_path, &output.stderr).map_err(crate::cannot_write(log_path))?;
    if !output.status.success() {
        let hint =
            if String::from_utf8_lossy(&output.stderr).contains("target may not be installed") {
                format!(" (rustup target add {target})")
            } else {
                String::new()
            };
        return Err(Problem::at(
            &krate.manifest,
            format!(
                "building {} for {target} failed ({})",
                krate.name, output.status
            ),
            format!("see {}{hint}", log_path.display()),
        ));
    }
    // The artefact messages name the executable wherever the target
    // directory is.
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| {
            m["reason"] == "compiler-artifact" && m["target"]["name"] == krate.name.as_str()
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| {
            Problem::new(
                format!("cargo build of {}", krate.name),
                "named no executable",
                format!("see {}", log_path.display()),
            )
        })
}

/// Reads the executable and checks it is the static build of this
/// version: an ELF executable of this architecture without interpreter or
/// shared libraries (so that maintainer scripts can run it whatever is
/// installed), stripped (the workspace's release profile strips it), that
/// says it is `<name> <version>`.
pub fn read_checked(path: &Path, krate: &HelperCrate) -> Result<Vec<u8>, Problem> {
    let fix = format!(
        "pass the static build (cargo build --release -p {} --target {}) or leave out --compat-binary",
        krate.name,
        static_target()
    );
    let data =
        std::fs::read(path).map_err(|e| Problem::at(path, format!("cannot read: {e}"), &fix))?;
    elf::static_executable(&data)
        .and_then(|()| elf::stripped(&data))
        .map_err(|e| Problem::at(path, e, &fix))?;
    let output = Command::new(path)
        .arg("--version")
        .output()
        .map_err(|e| Problem::at(path, format!("cannot run: {e}"), &fix))?;
    let said = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let wanted = format!("{} {}", krate.name, krate.version);
    if !output.status.success() || said != wanted {
        return Err(Problem::at(
            path,
            format!(
                "--version says {said:?}, not {wanted:?} ({})",
                krate.manifest.display()
            ),
            fix,
        ));
    }
    Ok(data)
}
