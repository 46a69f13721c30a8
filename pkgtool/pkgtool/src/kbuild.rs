//! Builds the module against one kernel release's headers, the way DKMS
//! does: `make -C /lib/modules/<K>/build M=<copy of driver-src> modules`.

use std::path::{Path, PathBuf};
use std::process::Command;

use scap_driver_api::{modinfo, source, SUPPORTED_KERNELS};

use crate::release::Release;
use crate::UserError;

pub fn headers_dir(kernel: &str) -> PathBuf {
    Path::new("/lib/modules").join(kernel).join("build")
}

/// Kernel releases whose headers are installed, sorted.
pub fn installed_kernels() -> Vec<String> {
    let mut kernels: Vec<String> = std::fs::read_dir("/lib/modules")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("build/include").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    kernels.sort();
    kernels
}

/// Checks a kernel can be built for, before any work starts.
pub fn check_kernel(release: &Release, kernel: &str) -> Result<(), UserError> {
    let module = &release.names.module;
    if !SUPPORTED_KERNELS.contains_release(kernel) {
        return Err(UserError(format!(
            "kernel {kernel} is outside the kernels {SUPPORTED_KERNELS} that {module} {} supports; drop --kernel {kernel}",
            release.version()
        )));
    }
    let headers = headers_dir(kernel);
    if !headers.join("include").is_dir() {
        return Err(UserError(format!(
            "kernel {kernel}: no headers in {}; install linux-headers-{kernel} or drop --kernel {kernel}",
            headers.display()
        )));
    }
    Ok(())
}

/// Builds `<module>.ko` for `kernel` in `work_dir`, strips its debug
/// information (as DKMS does) and returns it.
pub fn build(release: &Release, kernel: &str, work_dir: &Path) -> Result<Vec<u8>, UserError> {
    let module = &release.names.module;
    let build_dir = work_dir.join(format!("{module}-{}-{kernel}", release.version()));
    copy_sources(&release.source.dir, &build_dir)?;
    let log_path = work_dir.join(format!("{module}-{kernel}.log"));
    let output = Command::new("make")
        .arg("-C")
        .arg(headers_dir(kernel))
        .arg(format!("M={}", build_dir.display()))
        .arg(format!("SCAP_MODULE_NAME={module}"))
        // The build directory differs between runs; the module's paths
        // (debug info before stripping, hence the build id; __FILE__) must
        // not, for reproducible packages. Name them as DKMS installs them.
        .arg(format!(
            "KCFLAGS=-ffile-prefix-map={}={}",
            build_dir.display(),
            release.names.dkms_source_dir
        ))
        .arg("modules")
        .output()
        .map_err(|e| UserError(format!("cannot run make: {e}; install make and gcc")))?;
    let mut log = output.stdout.clone();
    log.extend_from_slice(&output.stderr);
    write_file(&log_path, &log)?;
    if !output.status.success() {
        return Err(UserError(format!(
            "building {module}.ko for kernel {kernel} failed ({}); see {}",
            output.status,
            log_path.display()
        )));
    }
    let ko = build_dir.join(format!("{module}.ko"));
    let stripped = work_dir.join(format!("{module}-{kernel}.ko"));
    let status = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&stripped)
        .arg(&ko)
        .status()
        .map_err(|e| UserError(format!("cannot run strip: {e}; install binutils")))?;
    if !status.success() {
        return Err(UserError(format!(
            "strip --strip-debug {} failed ({status}); check the module",
            ko.display()
        )));
    }
    let data =
        std::fs::read(&stripped).map_err(|e| UserError(format!("{}: {e}", stripped.display())))?;
    check_module(release, kernel, &stripped, &data)?;
    std::fs::remove_dir_all(&build_dir).ok();
    Ok(data)
}

/// The module must say it is this API version, built for this kernel.
fn check_module(release: &Release, kernel: &str, path: &Path, ko: &[u8]) -> Result<(), UserError> {
    let bad = |what: String| {
        UserError(format!(
            "{}: {what}; check driver-src/ builds the module with its version (MODULE_INFO(api_version, ...))",
            path.display()
        ))
    };
    let info = modinfo::read(ko).map_err(|err| bad(err.what))?;
    let version = release.source.api;
    if info.api != version {
        return Err(bad(format!(
            "modinfo api_version is {}, not {version}",
            info.api
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

fn write_file(path: &Path, data: &[u8]) -> Result<(), UserError> {
    std::fs::write(path, data)
        .map_err(|e| UserError(format!("{}: cannot write: {e}", path.display())))
}

/// A fresh copy of the sources (never build in driver-src/ itself).
fn copy_sources(src: &Path, dest: &Path) -> Result<(), UserError> {
    if dest.exists() {
        std::fs::remove_dir_all(dest).map_err(|e| UserError(format!("{}: {e}", dest.display())))?;
    }
    Ok(source::copy_files(src, dest)?)
}
