//! Builds the module from a driver-src directory against the guest kernel's
//! headers, in a scratch copy so that the sources stay untouched.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use scap_driver_api::modinfo::{self, ModuleInfo};
use scap_driver_api::names::DEFAULT_MODULE;
use scap_driver_api::source::{self, API_VERSION_FILE};
use scap_driver_api::{DriverSource, Version};

use crate::cmd;
use crate::error::{Problem, Result};
use crate::kernel::{Kbuild, Kernel};

#[derive(Debug, Clone)]
pub struct BuiltModule {
    pub name: String,
    pub ko: PathBuf,
    /// The compiler's and modpost's warnings of its `W=1` build.
    pub warnings: Vec<String>,
}

pub fn build(source: &DriverSource, kernel: &Kernel, scratch: &Path) -> Result<BuiltModule> {
    build_copy(source, None, kernel, &scratch.join("driver-src"))
}

/// The module of `source` built as if its API_VERSION said `api`: a second,
/// otherwise identical module, for tests of a version change (a stale
/// loaded module).
pub fn build_with_api(
    source: &DriverSource,
    api: Version,
    kernel: &Kernel,
    dir: &Path,
) -> Result<BuiltModule> {
    build_copy(source, Some(api), kernel, dir)
}

fn build_copy(
    source: &DriverSource,
    api: Option<Version>,
    kernel: &Kernel,
    dir: &Path,
) -> Result<BuiltModule> {
    copy_sources(&source.dir, dir)?;
    if let Some(api) = api {
        let file = dir.join(API_VERSION_FILE);
        fs::write(&file, format!("{api}\n"))
            .map_err(Problem::io(&file, "make the scratch directory writable"))?;
    }
    let api = api.unwrap_or(source.api);
    let (ko, warnings) = make(
        dir,
        kernel,
        &[],
        &format!(
            "building the module of {} (API {api}) for {}",
            source.dir.display(),
            kernel.release
        ),
        "build the module under its default name (Kbuild's SCAP_MODULE_NAME)",
    )?;
    Ok(BuiltModule {
        name: DEFAULT_MODULE.to_string(),
        ko,
        warnings,
    })
}

/// A module built elsewhere, e.g. by DKMS from an upstream driver tree,
/// and what its `.modinfo` says.
#[derive(Debug, Clone)]
pub struct GivenModule {
    pub module: BuiltModule,
    pub info: ModuleInfo,
}

/// The module file `ko` as kernels install them (`.ko`, or compressed
/// `.ko.xz`, `.ko.zst`, `.ko.gz`: Debian's kernels since 6.x have DKMS
/// compress what it builds), uncompressed into `dir` for busybox's insmod
/// under its `.modinfo` name, checked to be built for `kernel`.
pub fn given(ko: &Path, kernel: &Kernel, dir: &Path) -> Result<GivenModule> {
    let file_name = ko.file_name().unwrap_or_default().to_string_lossy();
    let decompress = match file_name.rsplit_once(".ko") {
        Some((_, "")) => None,
        Some((_, ".xz")) => Some("xz"),
        Some((_, ".zst")) => Some("zstd"),
        Some((_, ".gz")) => Some("gzip"),
        _ => {
            return Err(Problem::at(
                ko,
                "not a kernel module file name",
                "give a .ko, .ko.xz, .ko.zst or .ko.gz file",
            ))
        }
    };
    let data = match decompress {
        None => fs::read(ko).map_err(Problem::io(ko, "check that it exists and is readable"))?,
        Some(tool) => {
            cmd::run(
                Command::new(tool).arg("-dc").arg(ko),
                &format!("{tool} -dc {}", ko.display()),
                "give an intact module file",
            )?
            .stdout
        }
    };
    let info = modinfo::read(&data)
        .map_err(|err| err.at(ko, "give a scap module built with its versions in .modinfo"))?;
    fs::create_dir_all(dir).map_err(Problem::io(dir, "make the scratch directory writable"))?;
    let staged = dir.join("given.ko");
    fs::write(&staged, &data)
        .map_err(Problem::io(&staged, "make the scratch directory writable"))?;
    let name = cmd::stdout_of(
        Command::new("modinfo").args(["-F", "name"]).arg(&staged),
        &format!("modinfo {}", ko.display()),
        "give an intact module file",
    )?;
    if name.is_empty() {
        return Err(Problem::at(
            ko,
            "its .modinfo has no name",
            "give a module built by kbuild",
        ));
    }
    if info.built_for() != Some(kernel.release.as_str()) {
        return Err(Problem::at(
            ko,
            format!(
                "built for {:?}, not {}",
                info.built_for().unwrap_or_default(),
                kernel.release
            ),
            "boot the kernel it was built for (--kernel-suite)",
        ));
    }
    let named = dir.join(format!("{name}.ko"));
    fs::rename(&staged, &named)
        .map_err(Problem::io(&named, "make the scratch directory writable"))?;
    Ok(GivenModule {
        module: BuiltModule {
            name,
            ko: named,
            warnings: Vec::new(),
        },
        info,
    })
}

/// A test fixture module (its own Kbuild in `from`, building
/// `scap.ko`) built in a scratch copy `dir` with the make variables `vars`.
pub fn build_fixture(
    from: &Path,
    vars: &[String],
    kernel: &Kernel,
    dir: &Path,
) -> Result<BuiltModule> {
    copy_sources(from, dir)?;
    let (ko, warnings) = make(
        dir,
        kernel,
        vars,
        &format!(
            "building the test fixture module {} for {}",
            from.display(),
            kernel.release
        ),
        &format!("its Kbuild must build the module {DEFAULT_MODULE}"),
    )?;
    Ok(BuiltModule {
        name: DEFAULT_MODULE.to_string(),
        ko,
        warnings,
    })
}

/// kbuild with `W=1` in `dir` against the kernel's headers (on the host,
/// or in the suite's build root: a copy of `dir` is built there and its
/// module copied back); the module `scap.ko` it made, its vermagic
/// checked, and the compiler's warnings. `no_module_fix`: what to do when
/// the build made no `scap.ko`.
fn make(
    dir: &Path,
    kernel: &Kernel,
    vars: &[String],
    what: &str,
    no_module_fix: &str,
) -> Result<(PathBuf, Vec<String>)> {
    make_for(
        dir,
        &kernel.release,
        &kernel.kbuild,
        vars,
        what,
        no_module_fix,
    )
}

/// [`make`] for a kernel named by its release and where kbuild runs (a
/// kernel whose image is not needed: the host's headers, for instance).
pub(crate) fn make_for(
    dir: &Path,
    release: &str,
    kbuild: &Kbuild,
    vars: &[String],
    what: &str,
    no_module_fix: &str,
) -> Result<(PathBuf, Vec<String>)> {
    let headers = format!("/lib/modules/{release}/build");
    let fix = "fix the compiler errors above (the build ran in a scratch copy)";
    let ko = dir.join(format!("{DEFAULT_MODULE}.ko"));
    let output = match kbuild {
        Kbuild::Host(headers) => cmd::run(
            Command::new("nice")
                .args(["-n", "10", "make", "-s", "-j2", "W=1", "-C"])
                .arg(headers)
                .arg(format!("M={}", dir.display()))
                .args(vars)
                .arg("modules"),
            what,
            fix,
        )?,
        Kbuild::Root(root) => {
            let build = root.scratch("scap-vm-module")?;
            let inside = root
                .inside_path(&build)
                .expect("the scratch is in the root");
            let built = copy_sources(dir, &build).and_then(|()| {
                let mut args: Vec<String> = ["nice", "-n", "10", "make", "-s", "-j2", "W=1", "-C"]
                    .map(String::from)
                    .to_vec();
                args.push(headers.clone());
                args.push(format!("M={inside}"));
                args.extend(vars.iter().cloned());
                args.push("modules".into());
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let output = cmd::run(&mut root.command("/", &args), what, fix)?;
                let built = build.join(format!("{DEFAULT_MODULE}.ko"));
                if built.is_file() {
                    fs::copy(&built, &ko)
                        .map_err(Problem::io(&ko, "make the scratch directory writable"))?;
                }
                Ok(output)
            });
            let _ = fs::remove_dir_all(&build);
            built?
        }
    };
    if !ko.is_file() {
        return Err(Problem::at(
            dir,
            format!("the build made no {DEFAULT_MODULE}.ko"),
            no_module_fix,
        ));
    }
    let vermagic = cmd::stdout_of(
        Command::new("modinfo").args(["-F", "vermagic"]).arg(&ko),
        &format!("modinfo {}", ko.display()),
        "the module file is corrupt; rebuild",
    )?;
    if vermagic.split_whitespace().next() != Some(release) {
        return Err(Problem::at(
            &ko,
            format!("vermagic {vermagic:?}, not {release}"),
            format!("build against {headers}"),
        ));
    }
    Ok((ko, warning_lines(&output.stdout, &output.stderr)))
}

/// The compiler warnings of a `W=1` build of `source` against `build_dir`
/// (the kernel's extra warnings: missing prototypes, unused parameters
/// and the like), built in the scratch directory `dir`. The driver must
/// build without any.
pub fn w1_warnings(source: &Path, build_dir: &Path, dir: &Path) -> Result<Vec<String>> {
    copy_sources(source, dir)?;
    let output = cmd::run(
        Command::new("nice")
            .args(["-n", "10", "make", "-s", "-j2", "W=1", "-C"])
            .arg(build_dir)
            .arg(format!("M={}", dir.display()))
            .arg("modules"),
        &format!("building the module of {} with W=1", source.display()),
        "fix the compiler errors above (the build ran in a scratch copy)",
    )?;
    Ok(warning_lines(&output.stdout, &output.stderr))
}

/// gcc's and kbuild's warning lines ("file.c:1:2: warning: ..."), with the
/// scratch directory's path left in so the file is named.
fn warning_lines(stdout: &[u8], stderr: &[u8]) -> Vec<String> {
    [stdout, stderr]
        .iter()
        .flat_map(|bytes| {
            String::from_utf8_lossy(bytes)
                .lines()
                .filter(|line| line.contains("warning:") || line.starts_with("WARNING:"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Copies the driver's source files, the set the DKMS package ships
/// (scap-driver-api), following symlinks.
pub fn copy_sources(from: &Path, to: &Path) -> Result<()> {
    source::copy_files(from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_module_is_a_module_file() {
        let kernel = Kernel {
            release: "7.2.13+deb14-amd64".into(),
            package_version: "7.2.13-1".into(),
            kbuild: Kbuild::Host("/nonexistent".into()),
            vmlinux: "/nonexistent/vmlinux".into(),
            origin: "test".into(),
        };
        let dir = std::env::temp_dir().join(format!("scap-vm-given-{}", std::process::id()));
        let err = given(Path::new("/x/scap.ko.bz2"), &kernel, &dir)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a kernel module file name"), "{err}");
        // A file that is no ELF object: its .modinfo cannot be read.
        fs::create_dir_all(&dir).unwrap();
        let fake = dir.join("scap.ko");
        fs::write(&fake, b"not an object").unwrap();
        let err = given(&fake, &kernel, &dir.join("out"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("scap.ko"), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn warning_lines_are_gcc_and_modpost_warnings() {
        let stderr = b"  CC [M]  /t/main.o\n/t/main.c:3:5: warning: no previous prototype for 'f' [-Wmissing-prototypes]\n    3 | int f(void)\nWARNING: modpost: missing MODULE_LICENSE() in /t/scap.o\nSkipping BTF generation for /t/scap.ko due to unavailability of vmlinux\n";
        assert_eq!(
            warning_lines(b"", stderr),
            [
                "/t/main.c:3:5: warning: no previous prototype for 'f' [-Wmissing-prototypes]",
                "WARNING: modpost: missing MODULE_LICENSE() in /t/scap.o",
            ]
        );
    }
}
