//! Another Debian suite's packages (e.g. bullseye's or sid's kernel),
//! looked up and fetched with apt under a private state directory,
//! `<cache>/apt/<suite>/`: its own sources list, package lists, status and
//! configuration (`apt-get -c`), so that the host's apt sources, lists and
//! pins are neither read for it nor changed.
//!
//! The suite's sources use the mirrors of the host's own Debian sources
//! (`apt-get indextargets`): the archive its base suite (`bookworm`) comes
//! from, and for a release the security archive its `-security` suite
//! comes from; signatures are checked against the host's Debian archive
//! keyring. Only the `Packages` index of `main` for amd64 is fetched, and
//! again when it is older than [`LISTS_MAX_AGE`] or a download fails.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::cmd;
use crate::error::{Error, Result};
use crate::kernel;

/// The Debian archive keyring (package debian-archive-keyring).
pub const KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";
/// Lists older than this are fetched again before a lookup.
pub const LISTS_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// Written after each successful `apt-get update`.
const UPDATED_STAMP: &str = "updated";

/// Suites without a `-security` companion.
const NO_SECURITY: &[&str] = &["sid", "unstable", "experimental", "rc-buggy"];

/// A suite name as apt takes it: lower-case letters, digits and `-`.
pub fn is_suite_name(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The archive and security-archive URIs of the host's Debian sources,
/// from `apt-get indextargets` lines `<repo uri> <release>`.
pub fn host_mirrors(indextargets: &str) -> (Option<String>, Option<String>) {
    let mut archive = None;
    let mut security = None;
    for line in indextargets.lines() {
        let mut fields = line.split_whitespace();
        let (Some(uri), Some(release)) = (fields.next(), fields.next()) else {
            continue;
        };
        if release.ends_with("-security") {
            security.get_or_insert_with(|| uri.to_string());
        } else if !release.contains('-') {
            archive.get_or_insert_with(|| uri.to_string());
        }
    }
    (archive, security)
}

/// The sources list of `suite`: its `main`, and its `-security` suite for
/// releases that have one (when the host names a security mirror).
pub fn sources_list(suite: &str, archive: &str, security: Option<&str>) -> String {
    let options = format!("[arch=amd64 signed-by={KEYRING} target=Packages]");
    let mut list = format!("deb {options} {archive} {suite} main\n");
    if let Some(security) = security {
        if !suite.contains('-') && !NO_SECURITY.contains(&suite) {
            list.push_str(&format!("deb {options} {security} {suite}-security main\n"));
        }
    }
    list
}

/// The configuration `apt-get -c` reads after the host's: every path of
/// apt's state under `dir`, no hooks of the host's (they act on its state).
pub fn apt_conf(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "#clear APT::Update::Pre-Invoke;\n\
         #clear APT::Update::Post-Invoke;\n\
         #clear APT::Update::Post-Invoke-Success;\n\
         #clear DPkg::Pre-Invoke;\n\
         #clear DPkg::Post-Invoke;\n\
         #clear APT::Architectures;\n\
         Dir::Etc::SourceList \"{d}/sources.list\";\n\
         Dir::Etc::SourceParts \"{d}/empty\";\n\
         Dir::Etc::Preferences \"{d}/preferences\";\n\
         Dir::Etc::PreferencesParts \"{d}/empty\";\n\
         Dir::State::Lists \"{d}/lists\";\n\
         Dir::State::status \"{d}/status\";\n\
         Dir::Cache \"{d}/cache\";\n\
         Dir::Cache::pkgcache \"\";\n\
         Dir::Cache::srcpkgcache \"\";\n\
         APT::Architecture \"amd64\";\n\
         APT::Architectures:: \"amd64\";\n\
         APT::Sandbox::User \"root\";\n\
         Acquire::Languages \"none\";\n"
    )
}

/// apt for one suite, its state in `<cache>/apt/<suite>/`.
pub struct Apt {
    suite: String,
    dir: PathBuf,
    /// Held while this run looks up and fetches: one run at a time.
    _lock: File,
}

impl Apt {
    /// Writes the suite's apt configuration and, when the lists are missing
    /// or older than [`LISTS_MAX_AGE`], fetches them.
    pub fn open(cache: &Path, suite: &str) -> Result<Self> {
        if !is_suite_name(suite) {
            return Err(Error::invalid(
                format!("{suite:?} is not a Debian suite name"),
                "name a suite such as bullseye, trixie or sid",
            ));
        }
        let dir = cache.join("apt").join(suite);
        for sub in ["lists/partial", "cache/archives/partial", "empty"] {
            let path = dir.join(sub);
            fs::create_dir_all(&path)
                .map_err(Error::io(&path, "make the cache directory writable"))?;
        }
        let lock_path = dir.join("lock");
        let lock = File::create(&lock_path)
            .map_err(Error::io(&lock_path, "make the cache directory writable"))?;
        lock.lock()
            .map_err(Error::io(&lock_path, "make the cache directory writable"))?;
        let indextargets = cmd::stdout_of(
            Command::new("apt-get").args([
                "indextargets",
                "--format",
                "$(REPO_URI) $(RELEASE)",
                "Identifier: Packages",
            ]),
            "reading the host's apt sources (apt-get indextargets)",
            "check /etc/apt/sources.list.d (tests/install-deps needs Debian's sources)",
        )?;
        let (Some(archive), security) = host_mirrors(&indextargets) else {
            return Err(Error::invalid(
                "the host's apt sources name no Debian release suite (such as bookworm) to take the archive's mirror from",
                "add Debian's archive to /etc/apt/sources.list.d",
            ));
        };
        let files = [
            (
                "sources.list",
                sources_list(suite, &archive, security.as_deref()),
            ),
            ("apt.conf", apt_conf(&dir)),
            ("status", String::new()),
            ("preferences", String::new()),
        ];
        for (name, text) in files {
            let path = dir.join(name);
            if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                fs::write(&path, text)
                    .map_err(Error::io(&path, "make the cache directory writable"))?;
                // Other sources: the lists no longer match them.
                let _ = fs::remove_file(dir.join(UPDATED_STAMP));
            }
        }
        let apt = Self {
            suite: suite.to_string(),
            dir,
            _lock: lock,
        };
        let fresh = fs::metadata(apt.dir.join(UPDATED_STAMP))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age < LISTS_MAX_AGE);
        if !fresh {
            apt.update()?;
        }
        Ok(apt)
    }

    fn configure(&self, cmd: &mut Command) {
        cmd.arg("-c").arg(self.dir.join("apt.conf"));
    }

    fn fix(&self) -> String {
        format!(
            "check that Debian's archive is reachable and has the suite {} (sources: {})",
            self.suite,
            self.dir.join("sources.list").display()
        )
    }

    /// `apt-get update` of the suite's lists.
    pub fn update(&self) -> Result<()> {
        let mut apt = Command::new("apt-get");
        self.configure(&mut apt);
        cmd::run(
            apt.args(["update", "-qq"]),
            &format!("apt-get update of the suite {}", self.suite),
            &self.fix(),
        )?;
        let stamp = self.dir.join(UPDATED_STAMP);
        fs::write(&stamp, "").map_err(Error::io(&stamp, "make the cache directory writable"))
    }

    /// The control record of `package` (its candidate, or `version`).
    pub fn show(&self, package: &str, version: Option<&str>) -> Result<String> {
        let mut apt = Command::new("apt-cache");
        self.configure(&mut apt);
        let spec = match version {
            Some(version) => format!("{package}={version}"),
            None => package.to_string(),
        };
        cmd::stdout_of(
            apt.args(["show", "--no-all-versions", &spec]),
            &format!("apt-cache show {spec} in the suite {}", self.suite),
            &self.fix(),
        )
    }

    /// Downloads `package` `version` into `dir` (see [`kernel::fetch_deb`]).
    pub fn download(&self, dir: &Path, package: &str, version: &str) -> Result<PathBuf> {
        kernel::fetch_deb(
            dir,
            package,
            version,
            &|cmd| self.configure(cmd),
            &self.fix(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_names() {
        for good in ["bullseye", "sid", "bookworm-backports", "trixie"] {
            assert!(is_suite_name(good), "{good}");
        }
        for bad in ["", "Sid", "../etc", "a b", "-x", "sid/main"] {
            assert!(!is_suite_name(bad), "{bad}");
        }
    }

    #[test]
    fn mirrors_come_from_the_hosts_sources() {
        let targets = "http://deb.example/debian/ bookworm-updates\n\
                       http://sec.example/debian-security/ bookworm-security\n\
                       http://deb.example/debian/ bookworm\n";
        assert_eq!(
            host_mirrors(targets),
            (
                Some("http://deb.example/debian/".into()),
                Some("http://sec.example/debian-security/".into())
            )
        );
        assert_eq!(host_mirrors(""), (None, None));
    }

    #[test]
    fn releases_get_their_security_suite() {
        let list = sources_list("bullseye", "http://a/debian/", Some("http://s/ds/"));
        let options = format!("[arch=amd64 signed-by={KEYRING} target=Packages]");
        assert_eq!(
            list,
            format!(
                "deb {options} http://a/debian/ bullseye main\n\
                 deb {options} http://s/ds/ bullseye-security main\n"
            )
        );
        for alone in ["sid", "bookworm-backports"] {
            let list = sources_list(alone, "http://a/debian/", Some("http://s/ds/"));
            assert_eq!(list.lines().count(), 1, "{list}");
        }
        assert_eq!(
            sources_list("trixie", "http://a/debian/", None)
                .lines()
                .count(),
            1
        );
    }

    #[test]
    fn the_apt_state_is_private() {
        let conf = apt_conf(Path::new("/c/apt/sid"));
        for setting in [
            "Dir::Etc::SourceList \"/c/apt/sid/sources.list\";",
            "Dir::State::Lists \"/c/apt/sid/lists\";",
            "Dir::State::status \"/c/apt/sid/status\";",
            "Dir::Cache \"/c/apt/sid/cache\";",
            "#clear APT::Update::Post-Invoke;",
        ] {
            assert!(conf.lines().any(|line| line == setting), "{setting}");
        }
    }
}
