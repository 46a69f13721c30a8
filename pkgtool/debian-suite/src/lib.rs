//! Build roots of Debian suites: a debootstrap minbase chroot per release
//! (bullseye, trixie, sid ...), made once and kept in a cache, in which a
//! suite's kernel headers are installed with that suite's own compiler and
//! kbuild (which are linked against that suite's libc and do not run on
//! another release's host).
//!
//! A [`Suite`] is a release or one of its pockets (`trixie-backports`); its
//! [`BuildRoot`] is the release's. The root's apt also resolves and fetches
//! the suite's kernel packages ([`BuildRoot::kernel`],
//! [`BuildRoot::download`]), so that headers and image always agree.

mod error;
mod mirror;
mod root;

pub use error::{Error, Result};
pub use mirror::Mirrors;
pub use root::{field, BuildRoot, KernelPackage, Pick};

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Overrides where build roots are kept (default `~/.cache/scap-suites`).
pub const ENV_CACHE: &str = "SCAP_SUITES_CACHE";

/// Where build roots are kept: `$SCAP_SUITES_CACHE`, else
/// `$XDG_CACHE_HOME/scap-suites`, else `~/.cache/scap-suites`.
pub fn default_cache() -> Result<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var(ENV_CACHE) {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("scap-suites"));
    }
    match var("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".cache/scap-suites")),
        None => Err(Error::new(
            "HOME",
            "not set, so there is no ~/.cache for the suites' build roots",
            format!("set HOME or {ENV_CACHE}"),
        )),
    }
}

/// Releases without `-updates` and `-security` pockets.
const ROLLING: &[&str] = &["sid", "unstable", "experimental"];

/// A Debian suite as apt names it: a release (`bullseye`, `sid`) or a
/// release's backports (`trixie-backports`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Suite {
    /// The release whose build root serves the suite.
    pub release: String,
    pub backports: bool,
}

impl Suite {
    /// The suite name, as in sources.list.
    pub fn name(&self) -> String {
        match self.backports {
            true => format!("{}-backports", self.release),
            false => self.release.clone(),
        }
    }

    /// Whether the release has `-updates` and `-security` pockets.
    pub fn is_rolling(&self) -> bool {
        ROLLING.contains(&self.release.as_str())
    }

    /// The archive suites (apt's `a=`/madison's names) whose packages are
    /// this suite's: a release with its updates and security pockets, or
    /// backports alone.
    pub fn archives(&self) -> Vec<String> {
        if self.backports {
            return vec![self.name()];
        }
        let r = &self.release;
        match self.is_rolling() {
            true => vec![r.clone()],
            false => vec![r.clone(), format!("{r}-updates"), format!("{r}-security")],
        }
    }
}

impl FromStr for Suite {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let valid = !text.is_empty()
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let bad = || {
            Error::new(
                format!("{text:?}"),
                "not a Debian suite this tool builds in",
                "name a release or its backports: bullseye, bookworm, trixie, trixie-backports, sid",
            )
        };
        if !valid {
            return Err(bad());
        }
        let (release, backports) = match text.strip_suffix("-backports") {
            Some(release) => (release, true),
            None => (text, false),
        };
        if release.contains('-') || (backports && ROLLING.contains(&release)) {
            return Err(bad());
        }
        Ok(Suite {
            release: release.to_string(),
            backports,
        })
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_and_their_archives() {
        let s: Suite = "bullseye".parse().unwrap();
        assert_eq!(
            s.archives(),
            ["bullseye", "bullseye-updates", "bullseye-security"]
        );
        let s: Suite = "trixie-backports".parse().unwrap();
        assert_eq!(s.release, "trixie");
        assert!(s.backports);
        assert_eq!(s.archives(), ["trixie-backports"]);
        assert_eq!(s.to_string(), "trixie-backports");
        let s: Suite = "sid".parse().unwrap();
        assert_eq!(s.archives(), ["sid"]);
        for bad in [
            "",
            "Sid",
            "../etc",
            "a b",
            "-x",
            "sid/main",
            "sid-backports",
            "bookworm-security",
            "trixie-proposed-updates",
        ] {
            let err = bad.parse::<Suite>().unwrap_err().to_string();
            assert!(
                err.contains("not a Debian suite") && err.contains("; name a release"),
                "{bad}: {err}"
            );
        }
    }
}
