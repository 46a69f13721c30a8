//! The compatibility rules of the versioning proposal, applied to what a
//! driver provides against what a consumer requires:
//!
//! - different major: incompatible;
//! - driver minor older than the required minor: incompatible;
//! - same minor, driver patch older: compatible, with a warning naming the
//!   patch releases the driver lacks (an error in strict mode, which is
//!   libscap's own behaviour);
//! - otherwise compatible.

use std::fmt;

use serde::Serialize;

use crate::Version;

/// Which of the driver's two version numbers is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionKind {
    Api,
    Schema,
}

impl fmt::Display for VersionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VersionKind::Api => "API",
            VersionKind::Schema => "schema",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// An older patch is a warning (the proposal's rule).
    #[default]
    Lenient,
    /// An older patch is an error (libscap's rule).
    Strict,
}

/// What a consumer needs of one version number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub kind: VersionKind,
    pub required: Version,
    pub strictness: Strictness,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "message", rename_all = "snake_case")]
pub enum Compatibility {
    Compatible,
    Warning(Verdict),
    Incompatible(Verdict),
}

/// What is wrong with the driver's version, and what to do: a
/// [`Problem`](crate::Problem) once the driver's name is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub what: String,
    pub fix: String,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.what, self.fix)
    }
}

/// Reports show a verdict as its one-line message.
impl Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Compatibility {
    pub fn is_usable(&self) -> bool {
        !matches!(self, Compatibility::Incompatible(_))
    }

    pub fn message(&self) -> Option<String> {
        match self {
            Compatibility::Compatible => None,
            Compatibility::Warning(v) | Compatibility::Incompatible(v) => Some(v.to_string()),
        }
    }
}

/// Applies the rules to a driver version against a requirement.
pub fn check(driver: Version, requirement: Requirement) -> Compatibility {
    let Requirement {
        kind,
        required,
        strictness,
    } = requirement;
    let roles = format!("driver {kind} version {driver}, required {required}");
    let verdict = |what: String, fix: String| Verdict {
        what: format!("{roles}: {what}"),
        fix,
    };
    if driver.major != required.major {
        let fix = if driver.major < required.major {
            format!("install a driver of {kind} major {}", required.major)
        } else {
            format!(
                "install a driver of {kind} major {} or a consumer built for major {}",
                required.major, driver.major
            )
        };
        return Compatibility::Incompatible(verdict(
            "different major versions are incompatible".into(),
            fix,
        ));
    }
    let upgrade = format!("upgrade the driver to {required} or later");
    if driver.minor < required.minor {
        return Compatibility::Incompatible(verdict(
            format!(
                "the driver lacks the {kind} additions of {}.{}",
                required.major, required.minor
            ),
            upgrade,
        ));
    }
    if driver.minor == required.minor && driver.patch < required.patch {
        let first = Version {
            patch: driver.patch + 1,
            ..driver
        };
        let lacking = if first == required {
            format!("the fixes of {required}")
        } else {
            format!("the fixes of {first} to {required}")
        };
        let what = format!("the driver lacks {lacking}");
        return match strictness {
            Strictness::Lenient => Compatibility::Warning(verdict(what, upgrade)),
            Strictness::Strict => {
                Compatibility::Incompatible(verdict(what, format!("{upgrade} (strict mode)")))
            }
        };
    }
    Compatibility::Compatible
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::{MAJOR_MAX, MINOR_MAX, PATCH_MAX};

    fn v(major: u64, minor: u64, patch: u64) -> Version {
        Version::new(major, minor, patch).unwrap()
    }

    #[derive(Debug, PartialEq)]
    enum Expect {
        Ok,
        Warn,
        Err,
    }

    #[test]
    fn rule_table() {
        use Expect::*;
        let table = [
            // (driver, required, lenient, strict)
            (v(1, 0, 0), v(1, 0, 0), Ok, Ok),
            (v(1, 7, 0), v(1, 0, 0), Ok, Ok),
            (v(1, 0, 5), v(1, 0, 0), Ok, Ok),
            (v(1, 1, 0), v(1, 0, 9), Ok, Ok),
            (v(2, 0, 0), v(1, 0, 0), Err, Err),
            (v(0, 0, 0), v(1, 0, 0), Err, Err),
            (v(1, 0, 0), v(2, 0, 0), Err, Err),
            (v(1, 0, 0), v(1, 1, 0), Err, Err),
            (v(1, 2, 9), v(1, 3, 0), Err, Err),
            (v(1, 3, 0), v(1, 3, 1), Warn, Err),
            (v(1, 3, 0), v(1, 3, 4), Warn, Err),
            (v(0, 0, 0), v(0, 0, 0), Ok, Ok),
            (v(0, 1, 0), v(0, 0, 9), Ok, Ok),
            (v(0, 0, 1), v(0, 0, 2), Warn, Err),
            (v(0, 0, 0), v(0, 1, 0), Err, Err),
            (
                v(MAJOR_MAX, MINOR_MAX, PATCH_MAX),
                v(MAJOR_MAX, MINOR_MAX, PATCH_MAX),
                Ok,
                Ok,
            ),
            (
                v(MAJOR_MAX, MINOR_MAX, PATCH_MAX - 1),
                v(MAJOR_MAX, MINOR_MAX, PATCH_MAX),
                Warn,
                Err,
            ),
            (
                v(MAJOR_MAX, MINOR_MAX - 1, PATCH_MAX),
                v(MAJOR_MAX, MINOR_MAX, 0),
                Err,
                Err,
            ),
            (
                v(MAJOR_MAX - 1, MINOR_MAX, PATCH_MAX),
                v(MAJOR_MAX, 0, 0),
                Err,
                Err,
            ),
            (v(MAJOR_MAX, 0, 0), v(MAJOR_MAX - 1, 0, 0), Err, Err),
        ];
        for kind in [VersionKind::Api, VersionKind::Schema] {
            for (driver, required, lenient, strict) in &table {
                for (strictness, expected) in
                    [(Strictness::Lenient, lenient), (Strictness::Strict, strict)]
                {
                    let got = check(
                        *driver,
                        Requirement {
                            kind,
                            required: *required,
                            strictness,
                        },
                    );
                    let actual = match &got {
                        Compatibility::Compatible => Ok,
                        Compatibility::Warning(_) => Warn,
                        Compatibility::Incompatible(_) => Err,
                    };
                    assert_eq!(
                        &actual, expected,
                        "{kind} driver {driver} required {required} {strictness:?}: {got:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn messages_name_versions_in_their_roles() {
        let req = |required, kind| Requirement {
            kind,
            required,
            strictness: Strictness::Lenient,
        };
        let got = check(v(1, 0, 0), req(v(1, 2, 0), VersionKind::Api));
        assert_eq!(
            got.message().unwrap(),
            "driver API version 1.0.0, required 1.2.0: the driver lacks the API additions of 1.2; \
             upgrade the driver to 1.2.0 or later"
        );
        let got = check(v(1, 3, 1), req(v(1, 3, 4), VersionKind::Schema));
        assert_eq!(
            got.message().unwrap(),
            "driver schema version 1.3.1, required 1.3.4: the driver lacks the fixes of \
             1.3.2 to 1.3.4; upgrade the driver to 1.3.4 or later"
        );
        assert!(matches!(got, Compatibility::Warning(_)));
        let got = check(v(1, 3, 3), req(v(1, 3, 4), VersionKind::Api));
        assert!(got.message().unwrap().contains("lacks the fixes of 1.3.4;"));
        let got = check(v(2, 0, 0), req(v(1, 0, 0), VersionKind::Api));
        assert!(got
            .message()
            .unwrap()
            .starts_with("driver API version 2.0.0, required 1.0.0: different major"));
    }
}
