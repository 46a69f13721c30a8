//! The VM harness: builds the scap module from a driver-src directory,
//! boots it in the real Debian kernel of this machine's `linux-headers-amd64`
//! under qemu (TCG) with the guest tests of `tests/guest/`, and reports what
//! each test printed. With a kernel suite ([`config::GuestKernel::Suite`])
//! it boots that Debian suite's kernel instead, the module built for it in
//! the suite's build root (crate debian-suite). Or it boots a module
//! built elsewhere ([`Config::module`], e.g. DKMS's build of an upstream
//! driver tree) with the guest tests of `tests/guest/upstream/`.
//!
//! `cargo run -p scap-vm -- run` runs everything once; the integration tests
//! in `tests/` boot once per test binary (and kernel) and assert each guest
//! test.

pub mod artefacts;
pub mod bench;
pub mod cmd;
pub mod config;
pub mod error;
pub mod guest;
pub mod initramfs;
pub mod journey;
pub mod kernel;
pub mod module;
pub mod peer;
pub mod qemu;
pub mod report;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use scap_driver_api::DriverSource;

use artefacts::{
    GUEST_BAD_PROBES, GUEST_LEGACY_KO, GUEST_OTHER_API_KO, GUEST_PEER_KO, GUEST_PROBE,
    GUEST_REJECTED_PROBES,
};

pub use config::{Config, GuestKernel};
pub use error::{Problem, Result};
pub use report::{Outcome, Report, TestResult};

/// The file the workload tests open, read and write; tests and sysdig
/// filters get it from the expected-values file.
pub const KNOWN_FILE: &str = "/tmp/scap-known-file";

/// Guest paths the runner (tests/guest/support/rootfs/init) relies on.
pub const GUEST_EXPECTED: &str = "scap/expected";
pub const GUEST_TEST_LIST: &str = "scap/tests";
/// Every guest has two CPUs: the ring tests use both, the preemption test
/// needs a second CPU to migrate to.
const GUEST_CPUS: u32 = 2;
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
    /// The warnings of the module's `W=1` build (none, for a clean driver).
    pub module_warnings: Vec<String>,
    pub kernel_release: String,
    /// Where the kernel came from (`linux-headers-amd64`, `sid's linux-image-amd64`).
    pub kernel_origin: String,
    /// The driver sources built, or the module given ([`Config::module`]).
    pub driver_src: PathBuf,
    /// The selected tests not run on this kernel, each with why
    /// ([`artefacts::runnable_on`]).
    pub left_out: Vec<(String, String)>,
    /// Set when the scratch directory was kept (SCAP_VM_KEEP).
    pub kept_scratch: Option<PathBuf>,
}

/// The KEY=VALUE file every guest test reads (sourced by the shell tests):
/// the versions the driver sources declare, so a test never hard-codes them.
pub fn expected_values(source: &DriverSource, module_name: &str, fuzz_seed: Option<u64>) -> String {
    let seed = fuzz_seed.map(|seed| seed.to_string()).unwrap_or_default();
    let names = scap_driver_api::Names::new(module_name, source.api);
    format!(
        "SCAP_MODULE={module_name}\n\
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
         SCAP_PEER_KO={GUEST_PEER_KO}\n\
         SCAP_DKMS_PACKAGE={dkms_package}\n\
         SCAP_DEB_MODULES_PREFIX={deb_modules_prefix}\n",
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
pub(crate) struct Scratch {
    pub(crate) dir: PathBuf,
    pub(crate) keep: bool,
}

impl Scratch {
    pub(crate) fn create() -> Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("scap-vm-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).map_err(Problem::io(
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

/// Everything a boot needs, built once: the kernel, the module, the
/// initramfs with the selected tests (in the scratch directory it owns).
pub struct Prepared {
    pub kernel: kernel::Kernel,
    pub module_warnings: Vec<String>,
    pub driver_src: PathBuf,
    pub left_out: Vec<(String, String)>,
    /// The tests the guest runs, in order.
    pub expected: Vec<String>,
    pub initrd: PathBuf,
    scratch: Scratch,
}

/// How the VM boots a [`Prepared`] initramfs.
#[derive(Debug, Clone, Default)]
pub struct BootOptions {
    /// More kernel arguments (a guest program reads them in /proc/cmdline).
    pub append: String,
    /// Instruction counting ([`qemu::Machine::icount`]); needs `cpus` 1.
    pub icount: bool,
    /// The guest's CPUs (default two).
    pub cpus: Option<u32>,
    /// The serial logs go here (created) instead of the scratch directory.
    pub log_dir: Option<PathBuf>,
}

pub fn run(config: &Config, progress: &mut dyn FnMut(Progress)) -> Result<Run> {
    let prepared = prepare(config, progress)?;
    boot_prepared(config, prepared, &BootOptions::default(), progress)
}

/// Builds the module, the guest tests, the artefacts they need and the
/// initramfs; boots nothing.
pub fn prepare(config: &Config, progress: &mut dyn FnMut(Progress)) -> Result<Prepared> {
    let started = Instant::now();
    let tests_dir = match (&config.tests_dir, &config.module) {
        (Some(dir), _) => dir.clone(),
        (None, None) => config.guest_dir.clone(),
        (None, Some(_)) => config.guest_dir.join(config::UPSTREAM_TESTS),
    };
    let tests = guest::select(guest::discover(&tests_dir)?, &config.only)?;
    let kernel = kernel::prepare(&config.cache_dir, &config.kernel, &mut |text| {
        progress(Progress::Step(text))
    })?;
    let mut step = |text: String| progress(Progress::Step(&text));
    let mut scratch = Scratch::create()?;
    scratch.keep = config.keep;
    // Our sources, built here; or a given module, whose versions its
    // .modinfo says (the helpers still build against our sources' headers).
    let (source, module, driver) = match &config.module {
        None => {
            let source = DriverSource::read(&config.driver_src)?;
            let module = module::build(&source, &kernel, &scratch.dir)?;
            let driver = source.dir.clone();
            (source, module, driver)
        }
        Some(ko) => {
            let given = module::given(ko, &kernel, &scratch.dir.join("given"))?;
            let source = DriverSource {
                dir: config.driver_src.clone(),
                api: given.info.api,
                schema: given.info.schema,
                upstream: None,
            };
            (source, given.module, ko.clone())
        }
    };
    step(format!(
        "kernel {} ({} {}, {}), driver {} (API {}, schema {})",
        kernel.release,
        kernel.origin,
        kernel.package_version,
        kernel.vmlinux.display(),
        driver.display(),
        source.api,
        source.schema
    ));
    let (tests, left_out) = artefacts::runnable_on(tests, &kernel.release);
    for (name, why) in &left_out {
        // Asked for by name, it is an error rather than an empty run.
        if config.only.contains(name) {
            return Err(Problem::new(
                format!("the guest test {name}"),
                format!("cannot run on {}: {why}", kernel.release),
                "run it on a kernel it can run on (the headers' kernel: no --kernel-suite)",
            ));
        }
        step(format!("not run on {}: {name} ({why})", kernel.release));
    }
    let mut staged = guest::stage(&tests, &config.guest_dir, &source.dir, &scratch.dir)?;
    if let Some(sysroot) = &config.sysroot {
        let mut files = Vec::new();
        guest::collect_tree(sysroot, sysroot, &mut files)?;
        let prefix = config::GUEST_SYSROOT.trim_start_matches('/');
        staged.extend(files.into_iter().map(|file| guest::Staged {
            guest: format!("{prefix}/{}", file.guest),
            ..file
        }));
    }
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
    let mut expected_file = expected_values(&source, &module.name, config.fuzz_seed);
    if config.sysroot.is_some() {
        expected_file.push_str(&format!("SCAP_SYSROOT={}\n", config::GUEST_SYSROOT));
    }
    write_initramfs(&initrd, &expected_file, &module, &tests, &staged, &programs)?;
    step(format!(
        "built {} and {} guest tests in {:.1} s; booting",
        module.ko.file_name().unwrap_or_default().to_string_lossy(),
        tests.len(),
        started.elapsed().as_secs_f64()
    ));
    let expected: Vec<String> = tests.iter().map(|t| t.name.clone()).collect();
    Ok(Prepared {
        kernel,
        module_warnings: module.warnings,
        driver_src: driver,
        left_out,
        expected,
        initrd,
        scratch,
    })
}

/// Boots a [`prepare`]d initramfs once and reports what its tests said.
pub fn boot_prepared(
    config: &Config,
    prepared: Prepared,
    options: &BootOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run> {
    let Prepared {
        kernel,
        module_warnings,
        driver_src,
        left_out,
        expected,
        initrd,
        scratch,
    } = prepared;
    let boot = boot_once(config, &kernel, &initrd, &scratch.dir, options, progress)?;
    let mut report = Report::parse(expected, &boot.results);
    report.console = boot.console;
    report.timed_out = boot.timed_out;
    report.elapsed = boot.elapsed;
    Ok(Run {
        report,
        module_warnings,
        kernel_release: kernel.release,
        kernel_origin: kernel.origin,
        driver_src,
        left_out,
        kept_scratch: config.keep.then(|| scratch.dir.clone()),
    })
}

/// One boot of `initrd`; the serial logs in `options.log_dir` or `scratch`.
pub fn boot_once(
    config: &Config,
    kernel: &kernel::Kernel,
    initrd: &Path,
    scratch: &Path,
    options: &BootOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<qemu::Boot> {
    let log_dir = options.log_dir.as_deref().unwrap_or(scratch);
    fs::create_dir_all(log_dir).map_err(Problem::io(log_dir, "make it writable"))?;
    // Other suites' kernels: two CPUs emulated by one host thread. With a
    // thread per CPU (multi-threaded TCG), trixie's 6.12 once died at boot
    // patching its own code ("Oops: int3" in sched_clock_cpu); one thread
    // also lets two VMs share the machine's two cores.
    let tcg = match config.kernel {
        GuestKernel::Headers => qemu::Tcg::ThreadPerCpu,
        GuestKernel::Suite(_) => qemu::Tcg::SingleThread,
    };
    let machine = qemu::Machine {
        vmlinux: &kernel.vmlinux,
        initrd,
        disk: None,
        append: &options.append,
        cpus: options.cpus.unwrap_or(GUEST_CPUS),
        tcg,
        icount: options.icount,
        timeout: config.timeout,
    };
    qemu::boot_machine(&machine, log_dir, &mut |text| {
        for line in text.lines() {
            if let Some(result) = report::parse_result_line(line) {
                progress(Progress::Test(&result));
            }
        }
    })
}

fn write_initramfs(
    path: &Path,
    expected_file: &str,
    module: &module::BuiltModule,
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
    initrd.copy(&format!("scap/{}.ko", module.name), &module.ko)?;
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
            upstream: None,
        };
        assert_eq!(
            expected_values(&source, "scap", None),
            "SCAP_MODULE=scap\n\
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
             SCAP_PEER_KO=/scap/peer/scap.ko\n\
             SCAP_DKMS_PACKAGE=scap-api1-dkms\n\
             SCAP_DEB_MODULES_PREFIX=scap-api1-modules-\n"
        );
        let replay = expected_values(&source, "scap", Some(42));
        assert!(replay.contains("SCAP_FUZZ_SEED=42\n"), "{replay}");
    }
}
