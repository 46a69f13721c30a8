//! `MAJOR.MINOR.PATCH` and its packed 64-bit code, bit for bit libscap's:
//! bit 63 is zero, major is bits 44..=62, minor bits 24..=43, patch bits 0..=23.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

const MAJOR_SHIFT: u32 = 44;
const MINOR_SHIFT: u32 = 24;
const MAJOR_BITS: u32 = 19;
const MINOR_BITS: u32 = 20;
const PATCH_BITS: u32 = 24;

/// The largest value each field can hold.
pub const MAJOR_MAX: u64 = (1 << MAJOR_BITS) - 1;
pub const MINOR_MAX: u64 = (1 << MINOR_BITS) - 1;
pub const PATCH_MAX: u64 = (1 << PATCH_BITS) - 1;

/// What a well-formed version looks like, for error messages.
pub const EXPECTED: &str = "MAJOR.MINOR.PATCH in decimal without leading zeros, \
e.g. 1.0.0, with major <= 524287, minor <= 1048575, patch <= 16777215";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("{text:?} is not a version: expected {EXPECTED}")]
    Malformed { text: String },
    #[error("{field} {value} in {text:?} does not fit its {bits}-bit field (largest {max})")]
    OutOfRange {
        text: String,
        field: &'static str,
        value: u64,
        bits: u32,
        max: u64,
    },
    #[error("0x{code:016x} is not a version code: bit 63 must be zero")]
    BadCode { code: u64 },
}

impl Version {
    /// A version whose fields fit their bit fields.
    pub fn new(major: u64, minor: u64, patch: u64) -> Result<Self, VersionError> {
        let text = format!("{major}.{minor}.{patch}");
        for (field, value, bits, max) in [
            ("major", major, MAJOR_BITS, MAJOR_MAX),
            ("minor", minor, MINOR_BITS, MINOR_MAX),
            ("patch", patch, PATCH_BITS, PATCH_MAX),
        ] {
            if value > max {
                return Err(VersionError::OutOfRange {
                    text,
                    field,
                    value,
                    bits,
                    max,
                });
            }
        }
        Ok(Self {
            major,
            minor,
            patch,
        })
    }

    /// The packed code the driver reports (PPM_API_VERSION in libscap).
    pub fn encode(self) -> u64 {
        (self.major << MAJOR_SHIFT) | (self.minor << MINOR_SHIFT) | self.patch
    }

    pub fn decode(code: u64) -> Result<Self, VersionError> {
        if code >> 63 != 0 {
            return Err(VersionError::BadCode { code });
        }
        Ok(Self {
            major: (code >> MAJOR_SHIFT) & MAJOR_MAX,
            minor: (code >> MINOR_SHIFT) & MINOR_MAX,
            patch: code & PATCH_MAX,
        })
    }
}

impl FromStr for Version {
    type Err = VersionError;

    /// Strictly `MAJOR.MINOR.PATCH`: no prefix, no whitespace, no
    /// pre-release or build suffix, no leading zeros.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || VersionError::Malformed {
            text: text.to_string(),
        };
        let parsed = semver::Version::parse(text).map_err(|_| malformed())?;
        if !parsed.pre.is_empty() || !parsed.build.is_empty() {
            return Err(malformed());
        }
        Self::new(parsed.major, parsed.minor, parsed.patch).map_err(|err| match err {
            VersionError::OutOfRange {
                field,
                value,
                bits,
                max,
                ..
            } => VersionError::OutOfRange {
                text: text.to_string(),
                field,
                value,
                bits,
                max,
            },
            other => other,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Versions in JSON as `"X.Y.Z"`, the form people and scripts compare,
/// rather than as objects of three numbers: `#[serde(serialize_with =
/// "text::one")]`.
pub mod text {
    use serde::Serializer;

    use super::Version;

    pub fn one<S: Serializer>(version: &Version, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(version)
    }

    pub fn optional<S: Serializer>(version: &Option<Version>, s: S) -> Result<S::Ok, S::Error> {
        match version {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_zero_zero_packs_like_libscap() {
        let v: Version = "1.0.0".parse().unwrap();
        assert_eq!(v.encode(), 0x0000_1000_0000_0000);
        assert_eq!(Version::decode(0x0000_1000_0000_0000).unwrap(), v);
    }

    #[test]
    fn fields_land_in_their_bits() {
        assert_eq!(Version::new(0, 0, 1).unwrap().encode(), 1);
        assert_eq!(Version::new(0, 1, 0).unwrap().encode(), 1 << 24);
        assert_eq!(Version::new(1, 0, 0).unwrap().encode(), 1 << 44);
        let max = Version::new(MAJOR_MAX, MINOR_MAX, PATCH_MAX).unwrap();
        assert_eq!(max.encode(), (1 << 63) - 1);
        assert_eq!(Version::decode(max.encode()).unwrap(), max);
        assert_eq!("524287.1048575.16777215".parse::<Version>().unwrap(), max);
    }

    #[test]
    fn round_trips() {
        for (a, b, c) in [(0, 0, 0), (1, 2, 3), (7, 0, 16777215), (524287, 0, 0)] {
            let v = Version::new(a, b, c).unwrap();
            assert_eq!(Version::decode(v.encode()).unwrap(), v);
            assert_eq!(v.to_string().parse::<Version>().unwrap(), v);
        }
    }

    #[test]
    fn too_large_fields_are_errors_not_truncated() {
        for (text, field) in [
            ("524288.0.0", "major"),
            ("0.1048576.0", "minor"),
            ("0.0.16777216", "patch"),
            ("99999999999999999999.0.0", ""),
        ] {
            let err = text.parse::<Version>().unwrap_err();
            if field.is_empty() {
                assert!(matches!(err, VersionError::Malformed { .. }), "{err}");
            } else {
                assert!(
                    matches!(err, VersionError::OutOfRange { field: f, .. } if f == field),
                    "{text}: {err}"
                );
            }
        }
    }

    #[test]
    fn bit_63_is_not_a_version() {
        assert!(Version::decode(1 << 63).is_err());
    }

    #[test]
    fn malformed_texts_are_refused() {
        for text in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "v1.2.3",
            " 1.2.3x",
            " 1.2.3",
            "1.2.3 ",
            "-1.0.0",
            "1.-2.3",
            "01.0.0",
            "1.0.0-rc1",
            "1.0.0+git",
            "1.0.0\n",
            "a.b.c",
        ] {
            let err = text.parse::<Version>().unwrap_err();
            assert!(
                err.to_string().contains(&format!("{text:?}")),
                "message names the text: {err}"
            );
        }
    }
}
