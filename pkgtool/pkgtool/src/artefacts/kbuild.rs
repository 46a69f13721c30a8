//! Builds the module against one kernel release's headers, the way DKMS
//! does: `make -C /lib/modules/<K>/build M=<copy of driver-src> modules`.

use std::path::{Path, PathBuf};
use std::process::Command;

use debian_suite::{BuildRoot, Pick, Suite};
use scap_driver_api::{modinfo, source, SUPPORTED_KERNELS};

use crate::driver::Driver;
use crate::Problem;

pub fn headers_dir(kernel: &str) -> PathBuf {
    Path::new("/lib/modules").join(kernel).join("build")
}

/// Checks a kernel can be built for, before any work starts.
pub fn check_kernel(driver: &Driver, kernel: &str) -> Result<(), Problem> {
    let module = &driver.names.module;
    if !SUPPORTED_KERNELS.contains_release(kernel) {
        return Err(Problem::new(
            "--kernel",
            format!(
                "kernel {kernel} is outside the kernels {SUPPORTED_KERNELS} that {module} {} supports",
                driver.version()
            ),
            format!("drop --kernel {kernel}"),
        ));
    }
    let headers = headers_dir(kernel);
    if !headers.join("include").is_dir() {
        return Err(Problem::new(
            format!("kernel {kernel}"),
            format!("no headers in {}", headers.display()),
            format!("install linux-headers-{kernel} or drop --kernel {kernel}"),
        ));
    }
    Ok(())
}

/// Where a kernel's module is built: against headers on this machine, or
/// in a Debian suite's build root (its own compiler and kbuild).
pub enum Builder {
    Host,
    Suite(BuildRoot),
}

/// A kernel to prebuild the module for.
pub struct Target {
    pub kernel: String,
    pub builder: Builder,
}

impl Target {
    pub fn host(kernel: String) -> Self {
        Self {
            kernel,
            builder: Builder::Host,
        }
    }
}

/// The kernels of `suite` to build for, their headers installed in its
/// build root (made if missing, with progress on stderr): `kernels`, or
/// the one its `linux-headers-amd64` points at.
pub fn suite_targets(
    driver: &Driver,
    suite: &Suite,
    kernels: Vec<String>,
) -> Result<Vec<Target>, Problem> {
    let cache = debian_suite::default_cache()?;
    let mut progress = |text: &str| eprintln!("pkgtool: {text}");
    let root = BuildRoot::open(&cache, suite, &mut progress)?;
    let kernels = match kernels.is_empty() {
        true => vec![root.kernel(suite, Pick::Newest)?.release],
        false => kernels,
    };
    let module = &driver.names.module;
    let mut targets = Vec::new();
    for kernel in kernels {
        if !SUPPORTED_KERNELS.contains_release(&kernel) {
            return Err(Problem::new(
                format!("--suite {suite}"),
                format!(
                    "{suite}'s kernel {kernel} is outside the kernels {SUPPORTED_KERNELS} that {module} {} supports",
                    driver.version()
                ),
                "pick another suite or --kernel",
            ));
        }
        root.install(&[&format!("linux-headers-{kernel}")], &mut progress)
            .map_err(|err| {
                Problem::new(
                    format!("kernel {kernel}"),
                    format!("no headers in {suite}'s archive ({})", err.what),
                    format!("name a kernel of {suite} with --kernel, or drop --kernel"),
                )
            })?;
        targets.push(Target {
            kernel,
            builder: Builder::Suite(root.clone()),
        });
    }
    Ok(targets)
}

/// Builds `<module>.ko` for the target's kernel in `work_dir` (or in the
/// suite's build root), strips its debug information (as DKMS does) and
/// returns it.
pub fn build(driver: &Driver, target: &Target, work_dir: &Path) -> Result<Vec<u8>, Problem> {
    let module = &driver.names.module;
    let kernel = &target.kernel;
    let build_dir = match &target.builder {
        Builder::Host => work_dir.join(format!("{module}-{}-{kernel}", driver.version())),
        Builder::Suite(root) => root.scratch(&format!("pkgtool-{module}-{}", driver.version()))?,
    };
    let built = build_in(driver, target, &build_dir, work_dir);
    std::fs::remove_dir_all(&build_dir).ok();
    built
}

fn build_in(
    driver: &Driver,
    target: &Target,
    build_dir: &Path,
    work_dir: &Path,
) -> Result<Vec<u8>, Problem> {
    let module = &driver.names.module;
    let kernel = &target.kernel;
    copy_sources(&driver.source.dir, build_dir)?;
    let log_path = work_dir.join(format!("{module}-{kernel}.log"));
    // The path kbuild sees: inside the build root for a suite.
    let seen = match &target.builder {
        Builder::Host => build_dir.display().to_string(),
        Builder::Suite(root) => root
            .inside_path(build_dir)
            .expect("the build directory is in the root"),
    };
    let args = [
        "make".to_string(),
        "-C".to_string(),
        headers_dir(kernel).display().to_string(),
        format!("M={seen}"),
        format!("SCAP_MODULE_NAME={module}"),
        // The build directory differs between runs; the module's paths
        // (debug info before stripping, hence the build id; __FILE__) must
        // not, for reproducible packages. Name them as DKMS installs them.
        format!(
            "KCFLAGS=-ffile-prefix-map={seen}={}",
            driver.names.dkms_source_dir
        ),
        "modules".to_string(),
    ];
    let mut command = match &target.builder {
        Builder::Host => {
            let mut command = Command::new(&args[0]);
            command.args(&args[1..]);
            command
        }
        Builder::Suite(root) => {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            root.command("/", &args)
        }
    };
    let output = command.output().map_err(|e| {
        Problem::new(
            "make",
            format!("cannot run it: {e}"),
            "install make and gcc",
        )
    })?;
    let mut log = output.stdout.clone();
    log.extend_from_slice(&output.stderr);
    write_file(&log_path, &log)?;
    if !output.status.success() {
        return Err(Problem::at(
            &driver.source.dir,
            format!(
                "building {module}.ko for kernel {kernel} failed ({})",
                output.status
            ),
            format!("see {}", log_path.display()),
        ));
    }
    let ko = build_dir.join(format!("{module}.ko"));
    let stripped = work_dir.join(format!("{module}-{kernel}.ko"));
    let status = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&stripped)
        .arg(&ko)
        .status()
        .map_err(|e| Problem::new("strip", format!("cannot run it: {e}"), "install binutils"))?;
    if !status.success() {
        return Err(Problem::new(
            format!("strip --strip-debug {}", ko.display()),
            format!("failed ({status})"),
            "check the module",
        ));
    }
    let data = std::fs::read(&stripped).map_err(|e| {
        Problem::at(
            &stripped,
            format!("cannot read the stripped module: {e}"),
            "check the --out DIR",
        )
    })?;
    check_module(driver, kernel, &stripped, &data)?;
    Ok(data)
}

/// The module must say it is this API version, built for this kernel.
fn check_module(driver: &Driver, kernel: &str, path: &Path, ko: &[u8]) -> Result<(), Problem> {
    // The version files (ours) or the configured header (upstream's) the
    // module must agree with.
    let declared = match &driver.source.upstream {
        Some(upstream) => upstream.config.display().to_string(),
        None => driver
            .source
            .dir
            .join("API_VERSION and SCHEMA_VERSION")
            .display()
            .to_string(),
    };
    let bad = |what: String| {
        Problem::at(
            path,
            what,
            format!("the module must carry the versions {declared} declares (MODULE_INFO(api_version, ...), MODULE_INFO(schema_version, ...)): fix the tree"),
        )
    };
    let info = modinfo::read(ko).map_err(|err| bad(err.what))?;
    let (api, schema) = (driver.source.api, driver.source.schema);
    if info.api != api {
        return Err(bad(format!(
            "modinfo api_version is {}, not {api}",
            info.api
        )));
    }
    if info.schema != schema {
        return Err(bad(format!(
            "modinfo schema_version is {}, not {schema}",
            info.schema
        )));
    }
    match info.built_for() {
        Some(built_for) if built_for == kernel => Ok(()),
        _ => Err(bad(format!(
            "modinfo vermagic is {:?}, not for kernel {kernel}",
            info.vermagic
        ))),
    }
}

fn write_file(path: &Path, data: &[u8]) -> Result<(), Problem> {
    std::fs::write(path, data).map_err(crate::cannot_write(path))
}

/// A fresh copy of the sources (never build in driver-src/ itself).
fn copy_sources(src: &Path, dest: &Path) -> Result<(), Problem> {
    if dest.exists() {
        std::fs::remove_dir_all(dest).map_err(|e| {
            Problem::at(
                dest,
                format!("cannot remove the previous build: {e}"),
                "remove it by hand or pass another --out DIR",
            )
        })?;
    }
    source::copy_files(src, dest)
}
