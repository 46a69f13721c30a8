//! The VM harness: builds the scap module from a driver-src directory,
//! boots it in the real Debian kernel of this machine's `linux-headers-amd64`
//! under qemu (TCG) with the guest tests of `tests/guest/`, and reports what
//! each test printed. With a kernel suite ([`config::GuestKernel::Suite`])
//! it boots that Debian suite's kernel instead, without the module, with
//! the tests that need none (the probe's).
//!
//! `cargo run -p scap-vm -- run` runs everything once; the integration tests
//! in `tests/` boot once per test binary (and kernel) and assert each guest
//! test.

pub mod artefacts;
pub mod cmd;
pub mod config;
pub mod error;
pub mod guest;
pub mod initramfs;
pub mod kernel;
pub mod module;
pub mod qemu;
pub mod report;
pub mod suite;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use scap_driver_api::DriverSource;

use artefacts::{
    GUEST_BAD_PROBES, GUEST_LEGACY_KO, GUEST_OTHER_API_KO, GUEST_PROBE, GUEST_REJECTED_PROBES,
};

pub use config::{Config, GuestKernel};
pub use error::{Error, Result};
pub use report::{Outcome, Report, TestResult};

/// The file the workload tests open, read and write; tests and sysdig
/// filters get it from the expected-values file.
pub const KNOWN_FILE: &str = "/tmp/scap-known-file";

/// Guest paths the runner (tests/guest/support/rootfs/init) relies on.
pub const GUEST_EXPECTED: &str = "scap/expected";
pub const GUEST_TEST_LIST: &str = "scap/tests";
const GUEST_BUSYBOX: &str = "bin/busybox";
const HOST_BUSYBOX: &str = "/bin/busybox";

/// What the harness tells its caller while it works.
pub enum Progress<'a> {
    Step(&'a str),
    Test(&'a TestResult),
}

/// The result of one VM run.
#[derive(Debug)]
pub struct Run {
    pub report: Report,
    pub kernel_release: String,
    /// Where the kernel came from (`linux-headers-amd64`, `sid's linux-image-amd64`).
    pub kernel_origin: String,
    pub driver_src: PathBuf,
    /// Set when the scratch directory was kept (SCAP_VM_KEEP).
    pub kept_scratch: Option<PathBuf>,
}

/// The KEY=VALUE file every guest test reads (sourced by the shell tests):
/// the versions the driver sources declare, so a test never hard-codes them.
/// `with_module` false: the module was not built for this kernel, and the
/// runner does not load it (SCAP_WITH_MODULE=0).
pub fn expected_values(
    source: &DriverSource,
    module_name: &str,
    with_module: bool,
    fuzz_seed: Option<u64>,
) -> String {
    let seed = fuzz_seed.map(|seed| seed.to_string()).unwrap_or_default();
    let names = scap_driver_api::Names::new(module_name, source.api);
    format!(
        "SCAP_MODULE={module_name}\n\
         SCAP_WITH_MODULE={with_module}\n\
         SCAP_KO=/scap/{module_name}.ko\n\
         SCAP_API_VERSION={api}\n\
         SCAP_SCHEMA_VERSION={schema}\n\
         SCAP_API_CODE=0x{api_code:016x}\n\
         SCAP_SCHEMA_CODE=0x{schema_code:016x}\n\
         SCAP_KNOWN_FILE={KNOWN_FILE}\n\
         SCAP_FUZZ_SEED={seed}\n\
         SCAP_PROBE_OBJECT={GUEST_PROBE}\n\
         SCAP_BAD_PROBES={GUEST_BAD_PROBES}\n\
         SCAP_OTHER_MAJOR_API_VERSION={other_major}\n\
         SCAP_OTHER_MAJOR_API_CODE=0x{other_major_code:016x}\n\
         SCAP_OTHER_API_VERSION={other_api}\n\
         SCAP_OTHER_API_KO={GUEST_OTHER_API_KO}\n\
         SCAP_LEGACY_KO={GUEST_LEGACY_KO}\n\
         SCAP_REJECTED_PROBES={GUEST_REJECTED_PROBES}\n\
         SCAP_DKMS_PACKAGE={dkms_package}\n\
         SCAP_DEB_MODULES_PREFIX={deb_modules_prefix}\n",
        with_module = u8::from(with_module),
        other_major_code = artefacts::other_major(source.api).encode(),
        dkms_package = names.dkms_package,
        deb_modules_prefix = names.deb_modules_prefix,
        api = source.api,
        other_major = artefacts::other_major(source.api),
        other_api = artefacts::other_api(source.api),
        schema = source.schema,
        api_code = source.api.encode(),
        schema_code = source.schema.encode(),
    )
}

/// Removes the scratch directory on every exit path unless asked to keep it.
struct Scratch {
    dir: PathBuf,
    keep: bool,
}

impl Scratch {
    fn create() -> Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("scap-vm-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).map_err(Error::io(
            &dir,
            "make the temporary directory writable (TMPDIR)",
        ))?;
        Ok(Self { dir, keep: false })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

pub fn run(config: &Config, progress: &mut dyn FnMut(Progress)) -> Result<Run> {
    let started = Instant::now();
    let mut step = |text: String| progress(Progress::Step(&text));
    let source = DriverSource::read(&config.driver_src)?;
    let mut tests = guest::select(guest::discover(&config.guest_dir)?, &config.only)?;
    if let GuestKernel::Suite(suite) = &config.kernel {
        let kernel = format!("{suite}'s kernel");
        tests = guest::without_module(tests, !config.only.is_empty(), &kernel)?;
    }
    let kernel = kernel::prepare(&config.cache_dir, &config.kernel)?;
    step(format!(
        "kernel {} ({} {}, {}), driver {} (API {}, schema {})",
        kernel.release,
        kernel.origin,
        kernel.package_version,
        kernel.vmlinux.display(),
        source.dir.display(),
        source.api,
        source.schema
    ));
    let mut scratch = Scratch::create()?;
    scratch.keep = config.keep;
    let module = match kernel.build_dir {
        Some(_) => Some(module::build(&source, &kernel, &scratch.dir)?),
        None => {
            step(format!(
                "no module for {}: it is built only for {}'s kernel; running the {} tests marked `{}`",
                kernel.release,
                kernel::HEADERS_META,
                tests.len(),
                guest::NO_MODULE_MARKER
            ));
            None
        }
    };
    let mut staged = guest::stage(&tests, &config.guest_dir, &source.dir, &scratch.dir)?;
    let needs: Vec<String> = tests.iter().flat_map(|t| t.needs.clone()).collect();
    let (needed, programs) = artefacts::partition(&needs);
    staged.extend(artefacts::build(
        &needed,
        &artefacts::Context {
            repo_root: &config.repo_root,
            guest_dir: &config.guest_dir,
            source: &source,
            kernel: &kernel,
            cache_dir: &config.cache_dir,
            scratch: &scratch.dir,
        },
    )?);
    let initrd = scratch.dir.join("initramfs.cpio");
    let module_name = module
        .as_ref()
        .map_or(scap_driver_api::names::DEFAULT_MODULE, |m| m.name.as_str());
    let expected_file = expected_values(&source, module_name, module.is_some(), config.fuzz_seed);
    write_initramfs(
        &initrd,
        &expected_file,
        module.as_ref(),
        &tests,
        &staged,
        &programs,
    )?;
    let built = match &module {
        Some(module) => format!(
            "{} and ",
            module.ko.file_name().unwrap_or_default().to_string_lossy()
        ),
        None => String::new(),
    };
    step(format!(
        "built {built}{} guest tests in {:.1} s; booting",
        tests.len(),
        started.elapsed().as_secs_f64()
    ));
    let expected: Vec<String> = tests.iter().map(|t| t.name.clone()).collect();
    // Other suites' kernels run only the probe's tests, on one CPU: under
    // TCG, 6.12 with two sometimes died at boot patching its own code
    // ("Oops: int3" in sched_clock_cpu) before any test ran.
    let cpus = match config.kernel {
        GuestKernel::Headers => 2,
        GuestKernel::Suite(_) => 1,
    };
    let boot = qemu::boot(
        &kernel.vmlinux,
        &initrd,
        &scratch.dir,
        cpus,
        config.timeout,
        &mut |text| {
            for line in text.lines() {
                if let Some(result) = report::parse_result_line(line) {
                    progress(Progress::Test(&result));
                }
            }
        },
    )?;
    let mut report = Report::parse(expected, &boot.results);
    report.console = boot.console;
    report.timed_out = boot.timed_out;
    report.elapsed = boot.elapsed;
    Ok(Run {
        report,
        kernel_release: kernel.release,
        kernel_origin: kernel.origin,
        driver_src: source.dir,
        kept_scratch: config.keep.then(|| scratch.dir.clone()),
    })
}

fn write_initramfs(
    path: &Path,
    expected_file: &str,
    module: Option<&module::BuiltModule>,
    tests: &[guest::GuestTest],
    staged: &[guest::Staged],
    programs: &[String],
) -> Result<()> {
    let mut initrd = initramfs::Builder::create(path)?;
    for dir in [
        "proc", "sys", "dev", "tmp", "root", "bin", "sbin", "usr/bin", "usr/sbin",
    ] {
        initrd.dir(dir)?;
    }
    initrd.copy(GUEST_BUSYBOX, Path::new(HOST_BUSYBOX))?;
    if let Some(module) = module {
        initrd.copy(&format!("scap/{}.ko", module.name), &module.ko)?;
    }
    initrd.bytes(GUEST_EXPECTED, 0o644, expected_file.as_bytes())?;
    let list: String = tests.iter().map(|t| format!("{}\n", t.name)).collect();
    initrd.bytes(GUEST_TEST_LIST, 0o644, list.as_bytes())?;
    for file in staged {
        match file.executable {
            true => initrd.copy_with_mode(&file.guest, &file.host, 0o755)?,
            false => initrd.copy(&file.guest, &file.host)?,
        }
    }
    for program in programs {
        initrd.program_with_libraries(program)?;
    }
    initrd.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_values_carry_the_source_versions() {
        let source = DriverSource {
            dir: "driver-src".into(),
            api: "1.2.3".parse().unwrap(),
            schema: "4.5.6".parse().unwrap(),
        };
        assert_eq!(
            expected_values(&source, "scap", true, None),
            "SCAP_MODULE=scap\n\
             SCAP_WITH_MODULE=1\n\
             SCAP_KO=/scap/scap.ko\n\
             SCAP_API_VERSION=1.2.3\n\
             SCAP_SCHEMA_VERSION=4.5.6\n\
             SCAP_API_CODE=0x0000100002000003\n\
             SCAP_SCHEMA_CODE=0x0000400005000006\n\
             SCAP_KNOWN_FILE=/tmp/scap-known-file\n\
             SCAP_FUZZ_SEED=\n\
             SCAP_PROBE_OBJECT=/scap/probe/scap_probe.o\n\
             SCAP_BAD_PROBES=/scap/bad-probes\n\
             SCAP_OTHER_MAJOR_API_VERSION=2.0.0\n\
             SCAP_OTHER_MAJOR_API_CODE=0x0000200000000000\n\
             SCAP_OTHER_API_VERSION=1.3.0\n\
             SCAP_OTHER_API_KO=/scap/other-api/scap.ko\n\
             SCAP_LEGACY_KO=/scap/legacy/scap.ko\n\
             SCAP_REJECTED_PROBES=/scap/rejected-probes\n\
             SCAP_DKMS_PACKAGE=scap-api1-dkms\n\
             SCAP_DEB_MODULES_PREFIX=scap-api1-modules-\n"
        );
        let replay = expected_values(&source, "scap", true, Some(42));
        assert!(replay.contains("SCAP_FUZZ_SEED=42\n"), "{replay}");
        let other_kernel = expected_values(&source, "scap", false, None);
        assert!(
            other_kernel.contains("SCAP_WITH_MODULE=0\n"),
            "{other_kernel}"
        );
    }
}
