//! `pkgtool build`: the packages of driver-src/ (DKMS, prebuilt modules for
//! each kernel, probe) and of the scap-compat helper, in each format,
//! written into the output directory with a summary. Long steps print
//! progress on stderr.

use std::path::{Path, PathBuf};
use std::time::Instant;

use scap_driver_api::DriverSource;

use crate::artefacts::{helper_crate, kbuild, probe_object};
use crate::driver::{self, Driver};
use crate::kinds::{self, Kind};
use crate::package::{Format, Package};
use crate::plan::{self, ProbeFrom};
use crate::writers::{deb, rpm_package};
use crate::Problem;

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// Package formats, comma-separated [default: deb,rpm].
    #[arg(long = "format", value_delimiter = ',', value_name = "FORMAT")]
    pub(crate) formats: Vec<Format>,
    /// Package kinds, comma-separated [default: dkms,modules,probe,compat;
    /// probe only if the project has probe/ or --probe is given, compat
    /// only if the project's cargo workspace has the scap-compat crate].
    #[arg(long = "kind", value_delimiter = ',', value_name = "KIND")]
    pub(crate) kinds: Vec<Kind>,
    /// Kernel releases to prebuild the module for, comma-separated
    /// [default: every kernel whose headers are in /lib/modules/*/build].
    #[arg(long = "kernel", value_delimiter = ',', value_name = "RELEASE")]
    pub(crate) kernels: Vec<String>,
    /// Prebuild the module for a kernel of this Debian suite (bullseye,
    /// trixie, trixie-backports, sid ...) in the suite's own build root, a
    /// debootstrap chroot made once and kept in ~/.cache/scap-suites: the
    /// kernel its linux-headers-amd64 points at, or those of --kernel.
    #[arg(long, value_name = "SUITE")]
    pub(crate) suite: Option<debian_suite::Suite>,
    /// Output directory [default: dist/ beside driver-src/].
    #[arg(long, short, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// The eBPF probe object [default: what `make -C probe` produces,
    /// probe/build/scap_probe.o].
    #[arg(long, value_name = "FILE")]
    pub(crate) probe: Option<PathBuf>,
    /// The scap-compat executable to package [default: its static release
    /// build, made with cargo for the musl target].
    #[arg(long, value_name = "FILE")]
    pub(crate) compat_binary: Option<PathBuf>,
    /// With the dkms kind in deb: also the transitional package
    /// falcosecurity-scap-dkms RELEASE+apiM, depending on the DKMS package,
    /// for a repository suite whose consumers recommend Debian's package of
    /// that name and need this API major [default: a falcosecurity-libs
    /// tree's DRIVER_VERSION; none for other trees].
    #[arg(long, value_name = "RELEASE")]
    pub(crate) transitional: Option<String>,
    /// Print what would be built (packages, kernels, sources, what is
    /// skipped and why) and build nothing.
    #[arg(long)]
    pub(crate) plan: bool,
    /// With --plan: print the plan as JSON.
    #[arg(long, requires = "plan")]
    pub(crate) json: bool,
}

/// Progress lines on stderr: `[n/total] what ... done (1.2 s)`.
struct Progress {
    step: usize,
    total: usize,
}

impl Progress {
    fn run<T>(&mut self, what: &str, f: impl FnOnce() -> Result<T, Problem>) -> Result<T, Problem> {
        self.step += 1;
        eprintln!("pkgtool: [{}/{}] {what} ...", self.step, self.total);
        let start = Instant::now();
        let result = f();
        if result.is_ok() {
            eprintln!(
                "pkgtool: [{}/{}] {what}: done ({:.1} s)",
                self.step,
                self.total,
                start.elapsed().as_secs_f64()
            );
        }
        result
    }
}

/// Packages are written into a staging directory and moved into the
/// output directory only once every step succeeded: a failed run leaves the
/// output directory as it was.
struct Staging {
    dir: PathBuf,
    files: Vec<(PathBuf, String)>,
}

impl Staging {
    /// Moves the staged packages into `out`; returns their new paths.
    fn commit(self, out: &Path) -> Result<Vec<(PathBuf, String)>, Problem> {
        let mut moved = Vec::new();
        for (path, summary) in &self.files {
            let target = out.join(path.file_name().expect("a package file name"));
            std::fs::rename(path, &target).map_err(|e| {
                Problem::at(
                    path,
                    format!("cannot move into {}: {e}", out.display()),
                    "pass a writable --out DIR",
                )
            })?;
            moved.push((target, summary.clone()));
        }
        Ok(moved)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn run(source: &Path, module: &str, args: BuildArgs) -> Result<(), Problem> {
    let src = DriverSource::read(source)?;
    let epoch = driver::source_date_epoch(source)?;
    let driver = Driver::new(src, module, epoch);
    let project = source
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let out = args.out.clone().unwrap_or_else(|| project.join("dist"));
    let (show, json) = (args.plan, args.json);
    let plan = plan::plan(args, &driver, &project)?;
    if show {
        let view = plan::view::PlanView::new(&plan, &driver, &out);
        match json {
            true => println!("{}", view.json()),
            false => print!("{}", view.text()),
        }
        return Ok(());
    }

    let work = out.join(".build");
    std::fs::create_dir_all(&work).map_err(|e| {
        Problem::at(
            &work,
            format!("cannot create: {e}"),
            "pass a writable --out DIR",
        )
    })?;

    let formats = plan.formats.len();
    let mut progress = Progress {
        step: 0,
        total: usize::from(plan.dkms) * formats
            + plan.kernels.len() * (1 + formats)
            + usize::from(plan.probe.is_some()) * (1 + formats)
            + usize::from(plan.compat.is_some()) * (1 + formats),
    };
    let staging_dir = work.join("staging");
    std::fs::create_dir_all(&staging_dir).map_err(|e| {
        Problem::at(
            &staging_dir,
            format!("cannot create: {e}"),
            "pass a writable --out DIR",
        )
    })?;
    let mut staging = Staging {
        dir: staging_dir.clone(),
        files: Vec::new(),
    };
    let mut write = |progress: &mut Progress, pkg: &Package, format: Format| {
        pkg.check_layout()?;
        let path = progress.run(
            &format!("writing {} ({format})", pkg.name),
            || match format {
                Format::Deb => deb::write(pkg, &driver, &staging_dir),
                Format::Rpm => rpm_package::write(pkg, &driver, &staging_dir),
            },
        )?;
        staging.files.push((path, pkg.summary.clone()));
        Ok::<_, Problem>(())
    };

    if plan.dkms {
        for &format in &plan.formats {
            let transitional = plan.transitional.as_deref();
            let pkg = kinds::dkms::package(&driver, format, transitional)?;
            write(&mut progress, &pkg, format)?;
            if let Some(pkg) = kinds::dkms::transitional(&driver, format, transitional) {
                write(&mut progress, &pkg, format)?;
            }
        }
    }
    for target in &plan.kernels {
        let kernel = &target.kernel;
        let ko = progress.run(
            &format!("building {}.ko for kernel {kernel}", driver.names.module),
            || kbuild::build(&driver, target, &work),
        )?;
        for &format in &plan.formats {
            let pkg = kinds::modules::package(&driver, format, kernel, ko.clone());
            write(&mut progress, &pkg, format)?;
        }
    }
    if let Some(from) = &plan.probe {
        let object = progress.run("getting the probe object", || {
            let path = match from {
                ProbeFrom::File(path) => path.clone(),
                ProbeFrom::Make(dir) => probe_object::make(dir, &work.join("probe.log"))?,
            };
            probe_object::read_checked(&path, &driver)
        })?;
        for &format in &plan.formats {
            let pkg = kinds::probe::package(&driver, format, object.clone());
            write(&mut progress, &pkg, format)?;
        }
    }

    if let Some(compat) = &plan.compat {
        let what = match &compat.executable {
            Some(_) => format!("checking the given {}", compat.krate.name),
            None => format!(
                "building {} (static, {})",
                compat.krate.name,
                helper_crate::static_target()
            ),
        };
        let executable = progress.run(&what, || {
            let path = match &compat.executable {
                Some(path) => path.clone(),
                None => helper_crate::build(&compat.krate, &work.join("compat.log"))?,
            };
            helper_crate::read_checked(&path, &compat.krate)
        })?;
        for &format in &plan.formats {
            let pkg = kinds::compat::package(&driver, format, &compat.krate, &executable)?;
            write(&mut progress, &pkg, format)?;
        }
    }

    let written = staging.commit(&out)?;
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "pkgtool: {} packages of {} API {} written to {}:",
        written.len(),
        driver.names.module,
        driver.version(),
        out.display()
    );
    for (path, summary) in &written {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        println!("  {name:<60} {:>8.1} KiB  {summary}", size as f64 / 1024.0);
    }
    for note in &plan.notes {
        println!("  ({note})");
    }
    Ok(())
}
