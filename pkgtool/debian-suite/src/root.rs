//! A release's build root: `<cache>/<release>/root`, made by debootstrap
//! (minbase) once, its apt lists refreshed when older than a day, packages
//! installed on demand. Making, refreshing and installing hold
//! `<cache>/<release>/lock`, so concurrent runs wait for each other; builds
//! in the root do not (each in a directory of its own).
//!
//! Commands run in the root through `unshare --mount` with a /proc of
//! their own, so that no mount outlives them.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use scap_driver_api::error::telling_line;

use crate::{Error, Mirrors, Result, Suite};

/// Lists older than this are fetched again when the root is opened.
const LISTS_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// Written once debootstrap finished; names the layout of the root.
const READY_STAMP: &str = "ready";
const READY_LAYOUT: &str = "debian-suite root 1\n";
const UPDATED_STAMP: &str = "updated";
/// apt configuration written in the root when the suite's index expired.
const EXPIRED_CONF: &str = "etc/apt/apt.conf.d/50debian-suite-expired-index";
/// Always installed: kbuild needs make and binutils (`as`, which the
/// suites' gcc-N packages do not pull in), `W=1` from 6.12 on runs
/// kernel-doc, which needs perl's Pod::Usage (not in perl-base).
const BASE_PACKAGES: &[&str] = &["make", "binutils", "perl", "kmod"];
const PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

/// Which kernel of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pick {
    /// The one `linux-headers-amd64` points at.
    Newest,
    /// The lowest ABI of the newest one's series still in the archive
    /// (bullseye: 5.10.0-30 while 5.10.0-46 is current).
    OldestAbi,
}

/// A kernel of a suite: the release (`uname -r`) and the Debian version of
/// its packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelPackage {
    pub release: String,
    pub version: String,
}

#[derive(Debug, Clone)]
pub struct BuildRoot {
    release: String,
    dir: PathBuf,
    root: PathBuf,
}

impl BuildRoot {
    /// The root of `suite`'s release, made if missing (progress says so:
    /// it takes a minute or two), with `suite`'s archives in its sources
    /// and fresh lists.
    pub fn open(cache: &Path, suite: &Suite, progress: &mut dyn FnMut(&str)) -> Result<Self> {
        let dir = cache.join(&suite.release);
        let this = Self {
            release: suite.release.clone(),
            root: dir.join("root"),
            dir,
        };
        let _lock = this.lock()?;
        let ready = fs::read_to_string(this.dir.join(READY_STAMP)).ok();
        if ready.as_deref() != Some(READY_LAYOUT) || !this.root.join("usr/bin/apt-get").exists() {
            this.bootstrap(progress)?;
        }
        // The host's resolver, for apt in the root.
        if let Ok(resolv) = fs::read("/etc/resolv.conf") {
            let _ = fs::write(this.root.join("etc/resolv.conf"), resolv);
        }
        let mirrors = Mirrors::of_host()?;
        let list_path = this.root.join("etc/apt/sources.list");
        let old = fs::read_to_string(&list_path).unwrap_or_default();
        let keep_backports = old.contains(&format!(" {}-backports ", suite.release));
        let list = sources_list(suite, &mirrors, suite.backports || keep_backports);
        let changed = old != list;
        if changed {
            fs::write(&list_path, &list)
                .map_err(Error::io(&list_path, "make the cache writable"))?;
        }
        let age = fs::metadata(this.dir.join(UPDATED_STAMP))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok());
        if changed || age.is_none_or(|age| age > LISTS_MAX_AGE) {
            this.update(progress)?;
        } else if this.root.join(EXPIRED_CONF).exists() {
            progress(&this.expired_note());
        }
        Ok(this)
    }

    /// The root directory (host path).
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn release(&self) -> &str {
        &self.release
    }

    /// The host path of `inside`, an absolute path in the root.
    pub fn host_path(&self, inside: &str) -> PathBuf {
        self.root.join(inside.trim_start_matches('/'))
    }

    /// The path in the root of `host`, a host path below the root.
    pub fn inside_path(&self, host: &Path) -> Option<String> {
        let rel = host.strip_prefix(&self.root).ok()?;
        Some(format!("/{}", rel.display()))
    }

    /// A fresh, empty directory in the root's /var/tmp for one build
    /// (host path); the caller removes it.
    pub fn scratch(&self, name: &str) -> Result<PathBuf> {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = self.host_path(&format!("/var/tmp/{name}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).map_err(Error::io(&dir, "make the cache writable"))?;
        Ok(dir)
    }

    /// `args` as a command in the root, in `cwd` (a path in the root),
    /// with a clean environment.
    pub fn command(&self, cwd: &str, args: &[&str]) -> Command {
        in_private_mounts(
            r#"mount -t proc proc "$0/proc" && exec chroot "$0" "$@""#,
            &[self.root.as_path()],
            cwd,
            args,
        )
    }

    /// `args` as a command in a throwaway view of the root: an overlay
    /// whose changes go to `upper` (a host directory; `work` beside it is
    /// overlayfs's own), so that installing packages leaves the cached root
    /// as it was. Nothing stays mounted after the command.
    pub fn overlay_command(&self, upper: &Path, args: &[&str]) -> Result<Command> {
        let view = upper.with_extension("view");
        let work = upper.with_extension("work");
        for dir in [upper, &view, &work] {
            fs::create_dir_all(dir).map_err(Error::io(dir, "make the directory writable"))?;
        }
        Ok(in_private_mounts(
            r#"mount -t overlay overlay -o "lowerdir=$0,upperdir=$1,workdir=$2" "$3" &&
            mount -t proc proc "$3/proc" && root=$3 && shift 3 && exec chroot "$root" "$@""#,
            &[self.root.as_path(), upper, &work, &view],
            "/",
            args,
        ))
    }

    /// Runs `args` in the root; a failure is one line naming `what`, the
    /// tool's first error line and `fix`.
    pub fn run(&self, args: &[&str], what: &str, fix: &str) -> Result<Output> {
        run(&mut self.command("/", args), what, fix)
    }

    /// Installs the packages not yet installed (and make, perl, kmod).
    pub fn install(&self, packages: &[&str], progress: &mut dyn FnMut(&str)) -> Result<()> {
        let _lock = self.lock()?;
        let wanted: Vec<&str> = BASE_PACKAGES.iter().chain(packages).copied().collect();
        let missing: Vec<&str> = wanted
            .into_iter()
            .filter(|package| !self.installed(package))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        progress(&format!(
            "installing {} in {}'s build root {}",
            missing.join(" "),
            self.release,
            self.root.display()
        ));
        let mut args = vec![
            "apt-get",
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "-o",
            "DPkg::Lock::Timeout=600",
        ];
        args.extend(&missing);
        let what = format!(
            "apt-get install {} in {}'s build root",
            missing.join(" "),
            self.release
        );
        let fix = format!(
            "check that {}'s archive still has them (the lists may be stale: delete {} to fetch them again)",
            self.release,
            self.dir.join(UPDATED_STAMP).display()
        );
        match self.run(&args, &what, &fix) {
            Ok(_) => Ok(()),
            // The lists may be older than the archive: it may have moved on.
            Err(first) => {
                self.update(progress)?;
                self.run(&args, &what, &fix).map(|_| ()).map_err(|_| first)
            }
        }
    }

    fn installed(&self, package: &str) -> bool {
        self.command("/", &["dpkg-query", "-W", "-f=${Status}", package])
            .output()
            .is_ok_and(|out| out.stdout.starts_with(b"install ok installed"))
    }

    /// The kernel of `suite` that `pick` names, from the root's lists.
    pub fn kernel(&self, suite: &Suite, pick: Pick) -> Result<KernelPackage> {
        let fix = format!(
            "check that {suite} has an amd64 kernel (its build root's sources: {})",
            self.host_path("/etc/apt/sources.list").display()
        );
        let madison = self.run(
            &["apt-cache", "madison", "linux-headers-amd64"],
            &format!("apt-cache madison linux-headers-amd64 in {suite}'s build root"),
            &fix,
        )?;
        let madison = String::from_utf8_lossy(&madison.stdout);
        let meta_version = newest_in(&madison, &suite.archives()).ok_or_else(|| {
            Error::new(
                format!("{suite}'s build root"),
                "no linux-headers-amd64 in its lists",
                &fix,
            )
        })?;
        let record = self.show(&format!("linux-headers-amd64={meta_version}"))?;
        let depends = field(&record, "Depends").unwrap_or_default();
        let newest = headers_dependency(&depends).ok_or_else(|| {
            Error::new(
                format!("{suite}'s linux-headers-amd64 {meta_version}"),
                format!(
                    "depends on {depends:?}, which names no linux-headers-<release> (= <version>)"
                ),
                &fix,
            )
        })?;
        match pick {
            Pick::Newest => Ok(newest),
            Pick::OldestAbi => {
                let names = self.run(
                    &["apt-cache", "pkgnames", "linux-headers-"],
                    &format!("apt-cache pkgnames in {suite}'s build root"),
                    &fix,
                )?;
                let names = String::from_utf8_lossy(&names.stdout);
                let release = oldest_abi(&names, &newest.release).unwrap_or(newest.release);
                let record = self.show(&format!("linux-headers-{release}"))?;
                let version = field(&record, "Version").ok_or_else(|| {
                    Error::new(format!("linux-headers-{release}"), "no Version", &fix)
                })?;
                Ok(KernelPackage { release, version })
            }
        }
    }

    /// `apt-cache show` of one version (`package` or `package=version`).
    pub fn show(&self, spec: &str) -> Result<String> {
        let out = self.run(
            &["apt-cache", "show", "--no-all-versions", spec],
            &format!("apt-cache show {spec} in {}'s build root", self.release),
            "check the package and version exist in the suite",
        )?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Downloads `package` `version` with the root's apt into `dir` (a
    /// host directory) as `<package>_<version>_amd64.deb`, unless there.
    pub fn download(&self, package: &str, version: &str, dir: &Path) -> Result<PathBuf> {
        let deb = dir.join(format!(
            "{package}_{}_amd64.deb",
            version.replace(':', "%3a")
        ));
        if deb.is_file() {
            return Ok(deb);
        }
        let scratch = self.scratch("download")?;
        let inside = self.inside_path(&scratch).expect("scratch is in the root");
        let spec = format!("{package}={version}");
        let fetched = run(
            &mut self.command(&inside, &["apt-get", "download", "-q", &spec]),
            &format!("apt-get download {spec} in {}'s build root", self.release),
            &format!("check that {}'s archive still has {spec}", self.release),
        );
        let moved = fetched.and_then(|_| {
            let found = fs::read_dir(&scratch)
                .map_err(Error::io(&scratch, "make the cache readable"))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .find(|path| path.extension().is_some_and(|ext| ext == "deb"))
                .ok_or_else(|| {
                    Error::new(
                        format!("apt-get download {spec}"),
                        "left no .deb",
                        "run again",
                    )
                })?;
            fs::create_dir_all(dir).map_err(Error::io(dir, "make the cache writable"))?;
            let partial = deb.with_extension(format!("partial.{}", std::process::id()));
            fs::copy(&found, &partial).map_err(Error::io(&partial, "make the cache writable"))?;
            fs::rename(&partial, &deb).map_err(Error::io(&deb, "make the cache writable"))
        });
        let _ = fs::remove_dir_all(&scratch);
        moved.map(|()| deb)
    }

    fn lock(&self) -> Result<File> {
        fs::create_dir_all(&self.dir).map_err(Error::io(&self.dir, "make the cache writable"))?;
        let path = self.dir.join("lock");
        let lock = File::create(&path).map_err(Error::io(&path, "make the cache writable"))?;
        lock.lock()
            .map_err(Error::io(&path, "make the cache writable"))?;
        Ok(lock)
    }

    fn bootstrap(&self, progress: &mut dyn FnMut(&str)) -> Result<()> {
        let mirrors = Mirrors::of_host()?;
        let fresh = self.dir.join("root.new");
        if fresh.exists() {
            fs::remove_dir_all(&fresh).map_err(Error::io(&fresh, "remove it by hand"))?;
        }
        progress(&format!(
            "making {}'s build root in {} (debootstrap --variant=minbase from {}; once, 1-2 minutes)",
            self.release,
            self.root.display(),
            mirrors.archive
        ));
        let log = self.dir.join("debootstrap.log");
        let log_file = File::create(&log).map_err(Error::io(&log, "make the cache writable"))?;
        let status = Command::new("debootstrap")
            .args(["--variant=minbase", &self.release])
            .arg(&fresh)
            .arg(&mirrors.archive)
            .stdout(
                log_file
                    .try_clone()
                    .map_err(Error::io(&log, "make the cache writable"))?,
            )
            .stderr(log_file)
            .status()
            .map_err(|err| {
                Error::new(
                    "debootstrap",
                    format!("cannot run it: {err}"),
                    "apt-get install debootstrap",
                )
            })?;
        if !status.success() {
            return Err(Error::new(
                format!("debootstrap of {}", self.release),
                format!("failed ({status}); its log: {}", log.display()),
                format!(
                    "check that this machine reaches {} and that the suite exists",
                    mirrors.archive
                ),
            ));
        }
        if self.root.exists() {
            fs::remove_dir_all(&self.root).map_err(Error::io(&self.root, "remove it by hand"))?;
        }
        fs::rename(&fresh, &self.root).map_err(Error::io(&self.root, "make the cache writable"))?;
        let _ = fs::remove_file(self.dir.join(UPDATED_STAMP));
        let stamp = self.dir.join(READY_STAMP);
        fs::write(&stamp, READY_LAYOUT).map_err(Error::io(&stamp, "make the cache writable"))
    }

    fn expired_note(&self) -> String {
        format!(
            "{}'s index in Debian's archive has expired (its Release file's Valid-Until has passed, as sid's does when the archive stops signing it anew); the build root's apt uses it anyway ({})",
            self.release,
            self.host_path(&format!("/{EXPIRED_CONF}")).display()
        )
    }

    /// `apt-get update`; an index whose Valid-Until has passed (sid's, at
    /// times) is used anyway, with a note saying so.
    fn update(&self, progress: &mut dyn FnMut(&str)) -> Result<()> {
        let what = format!("apt-get update in {}'s build root", self.release);
        let fix = format!(
            "check that Debian's archive is reachable and has {} ({})",
            self.release,
            self.host_path("/etc/apt/sources.list").display()
        );
        let args = ["apt-get", "update", "-q"];
        let out = self.command("/", &args).output().map_err(|err| {
            Error::new(
                "unshare",
                format!("cannot run it: {err}"),
                "apt-get install util-linux",
            )
        })?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || text.contains("E: ") {
            if !text.contains("is expired") {
                return run(&mut self.command("/", &args), &what, &fix).map(|_| ());
            }
            let conf = self.host_path(&format!("/{EXPIRED_CONF}"));
            fs::write(
                &conf,
                "// Written by debian-suite: the suite's Release file had expired.\nAcquire::Check-Valid-Until \"false\";\n",
            )
            .map_err(Error::io(&conf, "make the cache writable"))?;
            progress(&self.expired_note());
            run(&mut self.command("/", &args), &what, &fix)?;
        }
        let stamp = self.dir.join(UPDATED_STAMP);
        fs::write(&stamp, "").map_err(Error::io(&stamp, "make the cache writable"))
    }
}

/// `script` run by sh in a mount namespace of its own (its mounts vanish
/// with it), with `paths` as `$0`, `$1` ...; it ends by exec'ing chroot
/// with the rest: `env` with a clean environment in `cwd`, then `args`.
fn in_private_mounts(script: &str, paths: &[&Path], cwd: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("unshare");
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        script,
    ])
    .args(paths)
    .args(["env", "-i", "-C", cwd])
    .arg(format!("PATH={PATH}"))
    .args([
        "LC_ALL=C.UTF-8",
        "DEBIAN_FRONTEND=noninteractive",
        "HOME=/root",
    ])
    .args(args)
    .env_clear()
    .env("PATH", PATH);
    cmd
}

/// Runs `cmd`; a failure is one line with the tool's first error line.
fn run(cmd: &mut Command, what: &str, fix: &str) -> Result<Output> {
    let tool = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd
        .output()
        .map_err(|err| Error::new(what, format!("cannot run {tool}: {err}"), fix))?;
    if out.status.success() {
        return Ok(out);
    }
    let said = telling_line(&out.stdout, &out.stderr);
    Err(Error::failed(what, out.status, said.as_deref(), fix))
}

/// The sources of a release's root: the release (with its updates and
/// security pockets unless rolling), and its backports when asked for.
pub fn sources_list(suite: &Suite, mirrors: &Mirrors, backports: bool) -> String {
    let r = &suite.release;
    let a = &mirrors.archive;
    let mut list = format!("deb {a} {r} main\n");
    if !suite.is_rolling() {
        list.push_str(&format!("deb {a} {r}-updates main\n"));
        list.push_str(&format!("deb {} {r}-security main\n", mirrors.security));
        if backports {
            list.push_str(&format!("deb {a} {r}-backports main\n"));
        }
    }
    list
}

/// The value of `name` in a Debian control record.
pub fn field(record: &str, name: &str) -> Option<String> {
    let prefix = format!("{name}:");
    record
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map(|value| value.trim().to_string())
}

/// The highest version in `apt-cache madison` output from one of
/// `archives` (madison lists versions from the highest down).
fn newest_in(madison: &str, archives: &[String]) -> Option<String> {
    madison.lines().find_map(|line| {
        let mut fields = line.split('|').map(str::trim);
        let (_, version, source) = (fields.next()?, fields.next()?, fields.next()?);
        let archive = source.split_whitespace().nth(1)?.split('/').next()?;
        archives
            .iter()
            .any(|a| a == archive)
            .then(|| version.to_string())
    })
}

/// `linux-headers-<release> (= <version>)` of a meta package's Depends.
fn headers_dependency(depends: &str) -> Option<KernelPackage> {
    depends.split([',', '|']).find_map(|dep| {
        let dep = dep.trim();
        let (name, rest) = dep.split_once(' ').unwrap_or((dep, ""));
        let release = name.strip_prefix("linux-headers-")?;
        let version = rest.trim().strip_prefix("(=")?.strip_suffix(')')?.trim();
        (!release.is_empty() && !version.is_empty()).then(|| KernelPackage {
            release: release.to_string(),
            version: version.to_string(),
        })
    })
}

/// The lowest-ABI release of `newest`'s series and flavour among
/// `linux-headers-<series>.0-<abi>-<flavour>` package names.
fn oldest_abi(names: &str, newest: &str) -> Option<String> {
    let (version, rest) = newest.split_once('-')?;
    let (_, flavour) = rest.split_once('-')?;
    names
        .lines()
        .filter_map(|name| {
            let release = name.trim().strip_prefix("linux-headers-")?;
            let abi = release
                .strip_prefix(version)?
                .strip_prefix('-')?
                .strip_suffix(flavour)?
                .strip_suffix('-')?;
            abi.parse::<u32>()
                .ok()
                .map(|abi| (abi, release.to_string()))
        })
        .min()
        .map(|(_, release)| release)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mirrors() -> Mirrors {
        Mirrors {
            archive: "http://a/debian/".into(),
            security: "http://s/debian-security/".into(),
        }
    }

    #[test]
    fn sources_of_releases_and_backports() {
        let bullseye: Suite = "bullseye".parse().unwrap();
        assert_eq!(
            sources_list(&bullseye, &mirrors(), false),
            "deb http://a/debian/ bullseye main\n\
             deb http://a/debian/ bullseye-updates main\n\
             deb http://s/debian-security/ bullseye-security main\n"
        );
        let backports: Suite = "trixie-backports".parse().unwrap();
        assert!(sources_list(&backports, &mirrors(), true)
            .ends_with("deb http://a/debian/ trixie-backports main\n"));
        let sid: Suite = "sid".parse().unwrap();
        assert_eq!(
            sources_list(&sid, &mirrors(), false),
            "deb http://a/debian/ sid main\n"
        );
    }

    #[test]
    fn newest_headers_of_a_suite() {
        let madison = "linux-headers-amd64 | 7.3.4-1~bpo13+1 | http://a/debian trixie-backports/main amd64 Packages\n\
                       linux-headers-amd64 | 6.12.118-1 | http://s/debian-security trixie-security/main amd64 Packages\n\
                       linux-headers-amd64 | 6.12.113-1 | http://a/debian trixie/main amd64 Packages\n";
        let trixie: Suite = "trixie".parse().unwrap();
        assert_eq!(
            newest_in(madison, &trixie.archives()).as_deref(),
            Some("6.12.118-1")
        );
        let bpo: Suite = "trixie-backports".parse().unwrap();
        assert_eq!(
            newest_in(madison, &bpo.archives()).as_deref(),
            Some("7.3.4-1~bpo13+1")
        );
        let sid: Suite = "sid".parse().unwrap();
        assert_eq!(newest_in(madison, &sid.archives()), None);
    }

    #[test]
    fn headers_dependency_of_the_meta_package() {
        assert_eq!(
            headers_dependency("linux-headers-6.12.118+deb13-amd64 (= 6.12.118-1)"),
            Some(KernelPackage {
                release: "6.12.118+deb13-amd64".into(),
                version: "6.12.118-1".into()
            })
        );
        assert_eq!(headers_dependency("linux-headers-6.1 (>= 1)"), None);
        assert_eq!(headers_dependency(""), None);
    }

    #[test]
    fn oldest_abi_of_a_series() {
        let names = "linux-headers-5.10.0-46-amd64\nlinux-headers-5.10.0-30-amd64\n\
                     linux-headers-5.10.0-32-amd64\nlinux-headers-5.10.0-30-rt-amd64\n\
                     linux-headers-5.10.0-30-common\nlinux-headers-amd64\n\
                     linux-headers-5.10.0-9-cloud-amd64\n";
        assert_eq!(
            oldest_abi(names, "5.10.0-46-amd64").as_deref(),
            Some("5.10.0-30-amd64")
        );
        assert_eq!(
            oldest_abi(names, "5.10.0-46-rt-amd64").as_deref(),
            Some("5.10.0-30-rt-amd64")
        );
        assert_eq!(oldest_abi("", "5.10.0-46-amd64"), None);
    }
}
