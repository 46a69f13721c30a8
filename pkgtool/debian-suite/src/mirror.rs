//! The mirrors a build root uses: those of the host's own Debian sources
//! (`apt-get indextargets`), so that a machine behind a local mirror uses
//! it for other suites too.

use std::process::Command;

use crate::{Error, Result};

const HOST_SOURCES: &str = "the host's apt sources";

/// The Debian archive and security archive, as URIs ending in `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirrors {
    pub archive: String,
    pub security: String,
}

/// Used when the host names no security archive.
const DEFAULT_SECURITY: &str = "http://deb.debian.org/debian-security/";

impl Mirrors {
    /// The host's mirrors.
    pub fn of_host() -> Result<Self> {
        let fix = "give the host Debian's sources in /etc/apt/sources.list(.d) (apt-get indextargets reads them)";
        let output = Command::new("apt-get")
            .args([
                "indextargets",
                "--format",
                "$(REPO_URI) $(RELEASE)",
                "Identifier: Packages",
            ])
            .output()
            .map_err(|err| Error::new(HOST_SOURCES, format!("cannot run apt-get: {err}"), fix))?;
        if !output.status.success() {
            return Err(Error::new(HOST_SOURCES, "apt-get indextargets failed", fix));
        }
        Self::from_indextargets(&String::from_utf8_lossy(&output.stdout)).ok_or_else(|| {
            Error::new(
                HOST_SOURCES,
                "they name no Debian release (such as bookworm) to take the archive's mirror from",
                fix,
            )
        })
    }

    /// From `apt-get indextargets` lines `<repo uri> <release>`.
    pub fn from_indextargets(lines: &str) -> Option<Self> {
        let mut archive = None;
        let mut security = None;
        for line in lines.lines() {
            let mut fields = line.split_whitespace();
            let (Some(uri), Some(release)) = (fields.next(), fields.next()) else {
                continue;
            };
            let uri = match uri.ends_with('/') {
                true => uri.to_string(),
                false => format!("{uri}/"),
            };
            if release.ends_with("-security") {
                security.get_or_insert(uri);
            } else if !release.contains('-') {
                archive.get_or_insert(uri);
            }
        }
        Some(Self {
            archive: archive?,
            security: security.unwrap_or_else(|| DEFAULT_SECURITY.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_come_from_the_hosts_sources() {
        let targets = "http://deb.example/debian/ bookworm-updates\n\
                       http://sec.example/debian-security bookworm-security\n\
                       http://deb.example/debian/ bookworm\n";
        assert_eq!(
            Mirrors::from_indextargets(targets),
            Some(Mirrors {
                archive: "http://deb.example/debian/".into(),
                security: "http://sec.example/debian-security/".into(),
            })
        );
        let only_archive = Mirrors::from_indextargets("http://a/debian/ bookworm\n").unwrap();
        assert_eq!(only_archive.security, DEFAULT_SECURITY);
        assert_eq!(Mirrors::from_indextargets(""), None);
    }
}
