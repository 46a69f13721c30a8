//! The guest tests: every `tests/guest/<name>.c` (a static program) and
//! `tests/guest/<name>.sh` (a busybox sh script) is one test named <name>.
//! `tests/guest/support/` holds what they share: `lib/` (C code linked into
//! every program), helper programs (`*.c`, installed in /support/bin) and
//! `rootfs/` (copied into the initramfs as it is, /init included).
//!
//! A test with a `scap-vm: no-module` line needs no scap module: it also
//! runs on the kernels of other Debian suites, for which the module is not
//! built (`--kernel-suite`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd;
use crate::error::{Problem, Result};

/// The one list of the guest tests, by name: `guest_tests!(m)` is
/// `m! { bad_mmap, events, ... }`. tests/guest.rs makes a Rust test of each,
/// and a unit test here checks the list against the files of tests/guest/
/// (in the fast tier, no VM needed): a new guest test goes here.
#[macro_export]
macro_rules! guest_tests {
    ($then:ident) => {
        $then! {
            bad_mmap,
            events,
            fd_events,
            fd_events_peer,
            fd_events_sysdig,
            insmod_rmmod,
            ioctl_fuzz,
            ioctl_queries,
            ioctl_settings,
            ioctl_versions,
            load_cycles,
            max_consumers,
            modinfo_sysfs_versions,
            pagefault_drops,
            probe_preempt_stress,
            preempt_stress,
            probe_bad_objects,
            probe_capture,
            probe_vs_module,
            probe_vs_module_schema1,
            proc_events,
            proc_events_peer,
            proclist,
            query_open,
            ring_overflow,
            rmmod_busy,
            scap_compat_check,
            scap_compat_legacy,
            scap_compat_load_test,
            scap_compat_load_test_rejected,
            scap_compat_max_consumers,
            scap_compat_stale,
            scap_compat_status,
            scap_compat_unprivileged,
            schema1_diff,
            sysdig_live,
            sysdig_net,
            sysdig_proc_names,
            sysdig_redirect_fd,
            sysdig_spy_users,
            sysdig_topfiles_bytes,
        }
    };
}

/// A line in a test naming a host program it needs in the guest, e.g.
/// `# scap-vm: needs sysdig`.
const NEEDS_MARKER: &str = "scap-vm: needs ";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    C,
    Shell,
}

#[derive(Debug, Clone)]
pub struct GuestTest {
    pub name: String,
    pub kind: Kind,
    pub source: PathBuf,
    /// Host programs to bundle with their libraries (e.g. sysdig).
    pub needs: Vec<String>,
}

/// A file for the initramfs: where it comes from and where it goes.
#[derive(Debug, Clone)]
pub struct Staged {
    pub host: PathBuf,
    pub guest: String,
    /// Installed with mode 0755 whatever the host file's mode.
    pub executable: bool,
}

/// The tests in `guest_dir`, sorted by name.
pub fn discover(guest_dir: &Path) -> Result<Vec<GuestTest>> {
    let entries =
        fs::read_dir(guest_dir).map_err(Problem::io(guest_dir, "run from the project checkout"))?;
    let mut tests: Vec<GuestTest> = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(Problem::io(guest_dir, "check its permissions"))?
            .path();
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some("c") => Kind::C,
            Some("sh") => Kind::Shell,
            _ => continue,
        };
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if !is_test_name(&name) {
            return Err(Problem::at(
                &path,
                "a guest test's name must be lower-case letters, digits and _",
                "rename it (the name is also a Rust test function)",
            ));
        }
        if tests.iter().any(|t| t.name == name) {
            return Err(Problem::new(
                format!("the guest test {name}"),
                "two files carry that name",
                format!("keep one of {name}.c and {name}.sh"),
            ));
        }
        let text =
            fs::read_to_string(&path).map_err(Problem::io(&path, "check its permissions"))?;
        tests.push(GuestTest {
            name,
            kind,
            needs: needs(&text),
            source: path,
        });
    }
    tests.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(tests)
}

pub fn is_test_name(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub fn needs(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.split_once(NEEDS_MARKER))
        .flat_map(|(_, list)| list.split_whitespace().map(str::to_string))
        .collect()
}

/// Keeps the tests named in `only` (all when empty); an unknown name is an
/// error rather than an empty run.
pub fn select(tests: Vec<GuestTest>, only: &[String]) -> Result<Vec<GuestTest>> {
    if let Some(unknown) = only
        .iter()
        .find(|name| !tests.iter().any(|t| &t.name == *name))
    {
        let known: Vec<&str> = tests.iter().map(|t| t.name.as_str()).collect();
        return Err(Problem::new(
            format!("the guest test {unknown:?}"),
            "there is no guest test of that name",
            format!("choose from {}", known.join(", ")),
        ));
    }
    Ok(tests
        .into_iter()
        .filter(|t| only.is_empty() || only.contains(&t.name))
        .collect())
}

/// Compiles the C tests and helpers statically (with `-I driver_src` for
/// scap_abi.h) into `out`, and returns every file the tests bring along.
pub fn stage(
    tests: &[GuestTest],
    guest_dir: &Path,
    driver_src: &Path,
    out: &Path,
) -> Result<Vec<Staged>> {
    let support = guest_dir.join("support");
    let lib_dir = support.join("lib");
    let lib = sources_in(&lib_dir, "c")?;
    let bin = out.join("bin");
    fs::create_dir_all(&bin).map_err(Problem::io(&bin, "make the scratch directory writable"))?;
    let compile = |source: &Path, name: &str| -> Result<PathBuf> {
        let target = bin.join(name);
        cmd::run(
            Command::new("gcc")
                .args(["-static", "-O2", "-std=gnu11", "-pthread"])
                .args(["-Wall", "-Wextra", "-Werror"])
                .arg("-I")
                .arg(driver_src)
                .arg("-I")
                .arg(&lib_dir)
                .arg("-o")
                .arg(&target)
                .arg(source)
                .args(&lib),
            &format!("compiling {}", source.display()),
            "fix the compiler errors above",
        )?;
        Ok(target)
    };
    let mut staged = Vec::new();
    for test in tests {
        let host = match test.kind {
            Kind::C => compile(&test.source, &test.name)?,
            Kind::Shell => test.source.clone(),
        };
        staged.push(Staged {
            host,
            guest: format!("tests/{}", test.name),
            executable: true,
        });
    }
    for helper in sources_in(&support, "c")? {
        let name = helper
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        staged.push(Staged {
            host: compile(&helper, &name)?,
            guest: format!("support/bin/{name}"),
            executable: true,
        });
    }
    let rootfs = support.join("rootfs");
    collect_tree(&rootfs, &rootfs, &mut staged)?;
    Ok(staged)
}

fn sources_in(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(Problem::io(dir, "run from the project checkout"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file() && path.extension().is_some_and(|e| e == ext))
        .collect();
    found.sort();
    Ok(found)
}

/// Every file under `dir` (symlinks followed), to ship at its path
/// relative to `root`.
pub fn collect_tree(root: &Path, dir: &Path, staged: &mut Vec<Staged>) -> Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(Problem::io(dir, "run from the project checkout"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_tree(root, &path, staged)?;
        } else {
            let guest = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            staged.push(Staged {
                host: path,
                guest,
                executable: false,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guest_test_is_in_guest_tests() {
        macro_rules! listed {
            ($($name:ident),* $(,)?) => {
                [$(stringify!($name)),*]
            };
        }
        let listed = crate::guest_tests!(listed);
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest");
        let found: Vec<String> = discover(&dir)
            .unwrap()
            .into_iter()
            .map(|test| test.name)
            .collect();
        let unlisted: Vec<&String> = found
            .iter()
            .filter(|name| !listed.contains(&name.as_str()))
            .collect();
        let gone: Vec<&str> = listed
            .into_iter()
            .filter(|name| !found.iter().any(|f| f == name))
            .collect();
        assert!(
            unlisted.is_empty() && gone.is_empty(),
            "guest_tests!() in tests/vm/src/guest.rs lacks {unlisted:?} and names {gone:?} that \
             tests/guest/ has no file of; add each new test to it, remove each removed one"
        );
        let mut sorted = listed.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            listed.len(),
            "guest_tests!() names a test twice"
        );
    }

    #[test]
    fn test_names_are_rust_identifiers() {
        assert!(is_test_name("ring_overflow"));
        assert!(is_test_name("load_cycles100"));
        for bad in ["", "Events", "1st", "bad-name", "a.b"] {
            assert!(!is_test_name(bad), "{bad}");
        }
    }

    #[test]
    fn needs_lines_name_programs() {
        let text = "#!/bin/sh\n# scap-vm: needs sysdig\n# scap-vm: needs a b\necho\n";
        assert_eq!(needs(text), ["sysdig", "a", "b"]);
        assert!(needs("echo hi\n").is_empty());
    }

    fn test(name: &str) -> GuestTest {
        GuestTest {
            name: name.into(),
            kind: Kind::Shell,
            source: format!("{name}.sh").into(),
            needs: vec![],
        }
    }

    #[test]
    fn selecting_an_unknown_test_is_an_error() {
        let tests = vec![GuestTest {
            kind: Kind::C,
            source: "events.c".into(),
            ..test("events")
        }];
        assert_eq!(select(tests.clone(), &[]).unwrap().len(), 1);
        assert_eq!(select(tests.clone(), &["events".into()]).unwrap().len(), 1);
        let err = select(tests, &["evnts".into()]).unwrap_err().to_string();
        assert!(err.contains("\"evnts\"") && err.contains("events"), "{err}");
    }
}
