//! The kernel releases the driver supports, and the DKMS
//! `BUILD_EXCLUSIVE_KERNEL` regex that makes DKMS skip (exit 77) the others
//! instead of failing their build. Debian 12's dkms 3.0.10 does not honour
//! `BUILD_EXCLUSIVE_KERNEL_MIN`/`_MAX`, hence a regex.

use std::fmt;

use crate::Version;

/// A kernel series, `MAJOR.MINOR` of a release such as `6.1.0-26-amd64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KernelSeries {
    pub major: u32,
    pub minor: u32,
}

impl fmt::Display for KernelSeries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl KernelSeries {
    /// The series of a kernel release string (`uname -r`), if it has one.
    pub fn of_release(release: &str) -> Option<Self> {
        let mut parts = release.splitn(3, ['.', '-']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts
            .next()?
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .ok()?;
        Some(Self { major, minor })
    }
}

/// The MAJOR.MINOR.PATCH a kernel release starts with (`6.1.0-26-amd64` is
/// 6.1.0, `5.8` is 5.8.0), the form of a probe's `min_kernel` section; a
/// patch level above 255 is clamped, as the kernel's own KERNEL_VERSION
/// does. None if the release does not start with MAJOR.MINOR.
///
/// A distribution's release need not carry the real patch level (Debian's
/// `6.1.0-26-amd64` is 6.1.112): it is read as the release says.
pub fn release_version(release: &str) -> Option<Version> {
    let mut fields = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|f| f.parse::<u64>());
    let major = fields.next()?.ok()?;
    let minor = fields.next()?.ok()?;
    let patch = fields.next().and_then(Result::ok).unwrap_or(0);
    Version::new(major, minor, patch.min(255)).ok()
}

/// An inclusive range of kernel series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelRange {
    pub min: KernelSeries,
    pub max: KernelSeries,
}

/// What the driver is built and tested for: from bullseye's 5.10 to the
/// newest 7.x of trixie-backports and sid, each series booted with the
/// module by the VM tests (tests/vm/tests/guest_kernels.rs, which fails
/// when this range and the kernels it boots part ways). Widen it only with
/// a test on the new end.
pub const SUPPORTED_KERNELS: KernelRange = KernelRange {
    min: KernelSeries {
        major: 5,
        minor: 10,
    },
    max: KernelSeries { major: 7, minor: 3 },
};

/// Minors never reach this; it bounds the "any minor" alternatives.
const MINOR_LIMIT: u32 = 99;

impl KernelRange {
    pub fn contains_release(&self, release: &str) -> bool {
        KernelSeries::of_release(release).is_some_and(|s| self.min <= s && s <= self.max)
    }

    /// A POSIX extended regex (bash `=~`, as DKMS applies it) matching
    /// exactly the kernel releases of this range.
    pub fn release_regex(&self) -> String {
        let mut alternatives = Vec::new();
        for major in self.min.major..=self.max.major {
            let lo = if major == self.min.major {
                self.min.minor
            } else {
                0
            };
            let hi = if major == self.max.major {
                self.max.minor
            } else {
                MINOR_LIMIT
            };
            alternatives.push(format!("{major}\\.({})", number_range_regex(lo, hi)));
        }
        format!("^({})([.-]|$)", alternatives.join("|"))
    }
}

impl fmt::Display for KernelRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{} to {}", self.min, self.max)
        }
    }
}

/// Alternatives matching the decimal numbers lo..=hi (both below 100).
fn number_range_regex(lo: u32, hi: u32) -> String {
    assert!(lo <= hi && hi <= MINOR_LIMIT, "minor range {lo}..={hi}");
    let mut parts = Vec::new();
    if lo <= 9 {
        parts.push(digit_class(lo, hi.min(9)));
    }
    let (lo2, hi2) = (lo.max(10), hi);
    if lo2 <= hi2 {
        let (lo_tens, hi_tens) = (lo2 / 10, hi2 / 10);
        if lo_tens == hi_tens {
            parts.push(format!("{lo_tens}{}", digit_class(lo2 % 10, hi2 % 10)));
        } else {
            let mut full_from = lo_tens;
            if lo2 % 10 != 0 {
                parts.push(format!("{lo_tens}{}", digit_class(lo2 % 10, 9)));
                full_from += 1;
            }
            let mut full_to = hi_tens;
            let last = (hi2 % 10 != 9).then(|| format!("{hi_tens}{}", digit_class(0, hi2 % 10)));
            if last.is_some() {
                full_to -= 1;
            }
            if full_from <= full_to {
                parts.push(format!("{}[0-9]", digit_class(full_from, full_to)));
            }
            parts.extend(last);
        }
    }
    parts.join("|")
}

fn digit_class(lo: u32, hi: u32) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("[{lo}-{hi}]")
    }
}

/// Kernel releases whose headers are installed on this machine
/// (`/lib/modules/<release>/build/include`), sorted; supported or not.
pub fn installed_headers() -> Vec<String> {
    let mut kernels: Vec<String> = std::fs::read_dir("/lib/modules")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("build/include").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    kernels.sort();
    kernels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_of_releases() {
        let s = |r| KernelSeries::of_release(r);
        assert_eq!(
            s("6.1.0-26-amd64"),
            Some(KernelSeries { major: 6, minor: 1 })
        );
        assert_eq!(
            s("5.10.0-30-amd64"),
            Some(KernelSeries {
                major: 5,
                minor: 10
            })
        );
        assert_eq!(
            s("6.12-rc1"),
            Some(KernelSeries {
                major: 6,
                minor: 12
            })
        );
        assert_eq!(s("6.8.0"), Some(KernelSeries { major: 6, minor: 8 }));
        assert_eq!(
            s("4.18.0-513.el8.x86_64"),
            Some(KernelSeries {
                major: 4,
                minor: 18
            })
        );
        assert_eq!(s("garbage"), None);
    }

    #[test]
    fn versions_of_releases() {
        let v = |text: &str| text.parse::<Version>().ok();
        assert_eq!(release_version("6.1.0-26-amd64"), v("6.1.0"));
        assert_eq!(release_version("5.8"), v("5.8.0"));
        assert_eq!(release_version("4.19.300"), v("4.19.255"));
        assert_eq!(release_version("6.18.0+"), v("6.18.0"));
        assert_eq!(release_version("6.12-rc1"), v("6.12.0"));
        assert_eq!(release_version("5.14.0-70.el9.x86_64"), v("5.14.0"));
        assert_eq!(release_version("linux"), None);
        assert_eq!(release_version("6"), None);
        assert_eq!(release_version(""), None);
        assert_eq!(release_version("999999999.1.0"), None);
    }

    #[test]
    fn number_ranges() {
        assert_eq!(number_range_regex(10, 99), "[1-9][0-9]");
        assert_eq!(number_range_regex(0, 12), "[0-9]|1[0-2]");
        assert_eq!(number_range_regex(3, 3), "3");
        assert_eq!(number_range_regex(15, 42), "1[5-9]|[2-3][0-9]|4[0-2]");
        assert_eq!(number_range_regex(20, 29), "2[0-9]");
    }

    #[test]
    fn supported_regex() {
        assert_eq!(
            SUPPORTED_KERNELS.release_regex(),
            "^(5\\.([1-9][0-9])|6\\.([0-9]|[1-9][0-9])|7\\.([0-3]))([.-]|$)"
        );
        for inside in [
            "5.10.0-30-amd64",
            "6.1.0-26-amd64",
            "6.1",
            "6.12.118+deb13-amd64",
            "7.2.13+deb14-amd64",
            "7.3.4+deb13-amd64",
        ] {
            assert!(SUPPORTED_KERNELS.contains_release(inside), "{inside}");
        }
        for outside in ["4.19.0-9-amd64", "5.9.0", "7.4.0-1-amd64", "8.0"] {
            assert!(!SUPPORTED_KERNELS.contains_release(outside), "{outside}");
        }
        assert_eq!(SUPPORTED_KERNELS.to_string(), "5.10 to 7.3");
    }

    #[test]
    fn wider_ranges() {
        let range = KernelRange {
            min: KernelSeries {
                major: 5,
                minor: 10,
            },
            max: KernelSeries {
                major: 6,
                minor: 12,
            },
        };
        assert_eq!(
            range.release_regex(),
            "^(5\\.([1-9][0-9])|6\\.([0-9]|1[0-2]))([.-]|$)"
        );
        assert!(range.contains_release("5.10.0-30-amd64"));
        assert!(!range.contains_release("6.13.0"));
        assert_eq!(range.to_string(), "5.10 to 6.12");
    }
}
