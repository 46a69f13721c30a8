//! Real driver objects for the tests: scap.ko built by kbuild from scratch
//! copies of driver-src/ with other version files, Debian's
//! falcosecurity-scap-dkms module, and eBPF objects built by clang. Built
//! once and cached (target/ and ~/.cache/scap-tests/); never inside the
//! source tree.
#![allow(dead_code)] // each test binary uses part of it

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

use scap_driver_api::{source, Version};

/// Builds run one at a time: the machine's cores are shared.
static BUILD: Mutex<()> = Mutex::new(());

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch_base() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scap-compat")
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = scratch_base().join("work").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}; run tests/install-deps"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The release of the kernel headers Debian's linux-headers-amd64 points at.
pub fn kernel_release() -> &'static str {
    static RELEASE: OnceLock<String> = OnceLock::new();
    RELEASE.get_or_init(|| {
        let out =
            run(Command::new("dpkg-query").args(["-W", "-f=${Depends}", "linux-headers-amd64"]));
        let depends = String::from_utf8(out.stdout).unwrap();
        let release = depends
            .split([',', ' '])
            .find_map(|p| p.strip_prefix("linux-headers-"))
            .unwrap_or_else(|| panic!("no linux-headers-<release> in {depends:?}"))
            .to_string();
        let build = Path::new("/lib/modules").join(&release).join("build");
        assert!(
            build.join("Makefile").exists(),
            "{} is missing: run tests/install-deps",
            build.display()
        );
        release
    })
}

fn headers() -> PathBuf {
    Path::new("/lib/modules")
        .join(kernel_release())
        .join("build")
}

/// Source files of driver-src (no build products), for copying and hashing.
/// Changes whenever driver-src or the kernel headers change.
fn source_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| {
        let src = repo().join("driver-src");
        let mut hasher = DefaultHasher::new();
        kernel_release().hash(&mut hasher);
        for file in source::files(&src).unwrap_or_else(|err| panic!("{err}")) {
            file.relative.hash(&mut hasher);
            fs::read(&file.absolute).unwrap().hash(&mut hasher);
        }
        format!("{:016x}", hasher.finish())
    })
}

/// scap.ko built from a copy of driver-src/ whose version files say so.
pub fn module(api: &str, schema: &str) -> PathBuf {
    let cached = scratch_base()
        .join("modules")
        .join(source_key())
        .join(format!("api{api}-schema{schema}"))
        .join("scap.ko");
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    if cached.exists() {
        return cached;
    }
    let src = repo().join("driver-src");
    let work = scratch(&format!("build-api{api}-schema{schema}"));
    source::copy_files(&src, &work).unwrap_or_else(|err| panic!("{err}"));
    fs::write(work.join("API_VERSION"), format!("{api}\n")).unwrap();
    fs::write(work.join("SCHEMA_VERSION"), format!("{schema}\n")).unwrap();
    run(Command::new("nice")
        .args(["make", "-s", "-C"])
        .arg(headers())
        .arg(format!("M={}", work.display()))
        .arg("modules"));
    fs::create_dir_all(cached.parent().unwrap()).unwrap();
    fs::rename(work.join("scap.ko"), &cached).unwrap();
    let _ = fs::remove_dir_all(&work);
    cached
}

/// The tests' download cache: SCAP_TESTS_CACHE, as for the VM harness.
fn user_cache() -> PathBuf {
    if let Some(dir) = std::env::var_os("SCAP_TESTS_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME is set");
    PathBuf::from(home).join(".cache/scap-tests")
}

/// Debian 12's falcosecurity-scap-dkms module (API 1.0.0, schema 1.0.0)
/// built against the headers, as the VM harness builds it (scap_vm::peer:
/// the .deb and the module are cached).
pub fn peer_module() -> PathBuf {
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    scap_vm::peer::module_for(
        &user_cache(),
        kernel_release(),
        &scap_vm::kernel::Kbuild::Host(headers()),
    )
    .unwrap_or_else(|err| panic!("{err}"))
}

pub enum ProbeVariant {
    /// The versions, no min_kernel section (as objects from before it).
    Good,
    /// The versions and a min_kernel section with this code.
    MinKernel(u64),
    /// The versions and a 4-byte min_kernel section.
    ShortMinKernel,
    /// 4-byte version sections.
    ShortSections,
    NoSchemaSection,
    /// Built for the host (x86-64), not eBPF.
    HostObject,
}

/// An eBPF object carrying the versions as the scap probe does, from
/// tests/fixtures/version_probe.bpf.c; api/schema are raw codes so that a
/// test can put bit 63 in.
pub fn probe(api_code: u64, schema_code: u64, variant: ProbeVariant) -> PathBuf {
    let tag = match variant {
        ProbeVariant::Good => "good".to_string(),
        ProbeVariant::MinKernel(min) => format!("min{min:x}"),
        ProbeVariant::ShortMinKernel => "shortmin".to_string(),
        ProbeVariant::ShortSections => "short".to_string(),
        ProbeVariant::NoSchemaSection => "noschema".to_string(),
        ProbeVariant::HostObject => "host".to_string(),
    };
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/version_probe.bpf.c");
    let mut hasher = DefaultHasher::new();
    fs::read(&source).unwrap().hash(&mut hasher);
    let out = scratch_base()
        .join("probes")
        .join(format!("{:016x}", hasher.finish()))
        .join(format!("{tag}-{api_code:x}-{schema_code:x}.o"));
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    if out.exists() {
        return out;
    }
    fs::create_dir_all(out.parent().unwrap()).unwrap();
    let building = out.with_extension("tmp");
    let mut cmd = Command::new("clang");
    cmd.args(["-O2", "-c", "-Wall", "-Werror"]);
    match variant {
        ProbeVariant::HostObject => {}
        _ => {
            cmd.args(["-target", "bpf"]);
        }
    }
    match variant {
        ProbeVariant::MinKernel(min) => {
            cmd.arg(format!("-DMIN_KERNEL_CODE={min:#x}ULL"));
        }
        ProbeVariant::ShortMinKernel => {
            // A small code: clang -Werror refuses one that a 4-byte
            // integer does not hold.
            cmd.args(["-DMIN_KERNEL_CODE=1", "-DMIN_KERNEL_TYPE=unsigned int"]);
        }
        ProbeVariant::ShortSections => {
            cmd.arg("-DVERSION_TYPE=unsigned int");
        }
        ProbeVariant::NoSchemaSection => {
            cmd.arg("-DNO_SCHEMA");
        }
        _ => {}
    }
    cmd.arg(format!("-DAPI_CODE={api_code:#x}ULL"))
        .arg(format!("-DSCHEMA_CODE={schema_code:#x}ULL"))
        .arg(&source)
        .arg("-o")
        .arg(&building);
    run(&mut cmd);
    fs::rename(&building, &out).unwrap();
    out
}

pub fn code(version: &str) -> u64 {
    version.parse::<Version>().unwrap().encode()
}

/// `xz` the way kbuild compresses modules, or plain `xz`, or `zstd`.
pub fn compress(ko: &Path, dest_dir: &Path, tool: &str) -> PathBuf {
    fs::create_dir_all(dest_dir).unwrap();
    let (args, suffix): (&[&str], &str) = match tool {
        "xz-kbuild" => (&["xz", "--check=crc32", "--lzma2=dict=1MiB", "-c"], "xz"),
        "xz" => (&["xz", "-c"], "xz"),
        "zstd" => (&["zstd", "-q", "-c"], "zst"),
        other => panic!("no compressor {other}"),
    };
    let out = run(Command::new(args[0]).args(&args[1..]).arg(ko));
    let dest = dest_dir.join(format!("scap.ko.{suffix}"));
    fs::write(&dest, out.stdout).unwrap();
    dest
}

/// `compress`'s output for `ko`, made once per content and tool and kept
/// under target/ (xz takes a second or so on a 3 MB module).
pub fn compressed(ko: &Path, tool: &str) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    fs::read(ko).unwrap().hash(&mut hasher);
    let dir = scratch_base()
        .join("compressed")
        .join(format!("{:016x}", hasher.finish()))
        .join(tool);
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    // The file is renamed into `dir` only once it is complete.
    if let Some(done) = fs::read_dir(&dir)
        .ok()
        .and_then(|mut entries| entries.find_map(|e| e.ok()))
    {
        return done.path();
    }
    let building = dir.with_extension("tmp");
    let _ = fs::remove_dir_all(&building);
    let made = compress(ko, &building, tool);
    fs::create_dir_all(&dir).unwrap();
    let dest = dir.join(made.file_name().unwrap());
    fs::rename(&made, &dest).unwrap();
    let _ = fs::remove_dir_all(&building);
    dest
}

/// scap-compat's result: exit code, stdout, stderr.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", self.stdout, self.stderr))
    }
}

pub fn scap_compat(args: &[&str]) -> Ran {
    scap_compat_with_env(args, &[])
}

/// scap-compat with these environment variables (SCAP_COMPAT_ROOT and
/// SCAP_COMPAT_KERNEL are unset unless given).
pub fn scap_compat_with_env(args: &[&str], env: &[(&str, &str)]) -> Ran {
    let out = Command::new(env!("CARGO_BIN_EXE_scap-compat"))
        .args(args)
        .env_remove("SCAP_COMPAT_ROOT")
        .env_remove("SCAP_COMPAT_KERNEL")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    Ran {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The running kernel's release (`uname -r`): what check judges without --kernel.
pub fn running_release() -> String {
    String::from_utf8(run(Command::new("uname").arg("-r")).stdout)
        .unwrap()
        .trim()
        .to_string()
}
