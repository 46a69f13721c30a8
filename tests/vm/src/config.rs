//! Where things are and what to run, from the environment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use debian_suite::{Pick, Suite};

use crate::error::{Problem, Result};

/// Environment variables the harness reads.
pub const ENV_DRIVER_SRC: &str = "SCAP_DRIVER_SRC";
pub const ENV_CACHE: &str = "SCAP_TESTS_CACHE";
pub const ENV_TIMEOUT: &str = "SCAP_VM_TIMEOUT";
pub const ENV_ONLY: &str = "SCAP_VM_ONLY";
pub const ENV_KEEP: &str = "SCAP_VM_KEEP";
pub const ENV_FUZZ_SEED: &str = "SCAP_FUZZ_SEED";
pub const ENV_KERNEL_SUITE: &str = "SCAP_VM_KERNEL_SUITE";

/// The kernel the guest boots; the module is built for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuestKernel {
    /// The release `linux-headers-amd64` points at, built on the host.
    Headers,
    /// A kernel of another Debian suite, built in that suite's build root
    /// (crate debian-suite).
    Suite(SuiteKernel),
}

/// A Debian suite's kernel: `bullseye` (its linux-headers-amd64's),
/// `bullseye:oldest` (the lowest ABI of that series in the archive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteKernel {
    pub suite: Suite,
    pub pick: Pick,
}

impl SuiteKernel {
    pub fn parse(spec: &str) -> Result<Self> {
        let (suite, pick) = match spec.split_once(':') {
            None => (spec, Pick::Newest),
            Some((suite, "oldest")) => (suite, Pick::OldestAbi),
            Some((_, other)) => {
                return Err(Problem::new(
                    format!("{spec:?}"),
                    format!("{other:?} is not a kernel of a suite"),
                    "write SUITE (its linux-headers-amd64's kernel) or SUITE:oldest (the lowest ABI of that series)",
                ))
            }
        };
        let suite = suite.parse::<Suite>()?;
        Ok(Self { suite, pick })
    }
}

impl std::fmt::Display for SuiteKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.pick {
            Pick::Newest => write!(f, "{}", self.suite),
            Pick::OldestAbi => write!(f, "{}:oldest", self.suite),
        }
    }
}

impl GuestKernel {
    /// `Suite` for a non-empty spec, else `Headers`.
    pub fn from_suite(spec: Option<&str>) -> Result<Self> {
        match spec.map(str::trim) {
            Some(spec) if !spec.is_empty() => Ok(GuestKernel::Suite(SuiteKernel::parse(spec)?)),
            _ => Ok(GuestKernel::Headers),
        }
    }
}

/// Whole-VM limit: the full suite takes a few minutes under TCG.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Debug, Clone)]
pub struct Config {
    /// The directory holding tests/ and driver-src/.
    pub repo_root: PathBuf,
    /// The module sources to build and test.
    pub driver_src: PathBuf,
    /// The guest test programs: tests/guest.
    pub guest_dir: PathBuf,
    /// Take the tests from here instead of guest_dir (their support files
    /// still from guest_dir): tests/bench/guest for the benchmark.
    pub tests_dir: Option<PathBuf>,
    /// Downloads kept between runs (kernel .debs): ~/.cache/scap-tests.
    pub cache_dir: PathBuf,
    /// Hard limit for one boot, build steps excluded.
    pub timeout: Duration,
    /// Run only these guest tests (all when empty).
    pub only: Vec<String>,
    /// Keep the scratch directory (module build, initramfs, logs).
    pub keep: bool,
    /// Replays an ioctl_fuzz run (the seed it printed); a new one otherwise.
    pub fuzz_seed: Option<u64>,
    /// The kernel to boot.
    pub kernel: GuestKernel,
    /// A module built elsewhere (e.g. by DKMS from an upstream driver
    /// tree) to boot instead of building driver_src, with the guest tests
    /// of [`UPSTREAM_TESTS`] rather than ours.
    pub module: Option<PathBuf>,
    /// A directory shipped as it is at [`GUEST_SYSROOT`]: another
    /// system's programs with their libraries and dynamic loader (sid's
    /// sysdig), for the tests of a given module.
    pub sysroot: Option<PathBuf>,
}

/// The guest tests of a given module ([`Config::module`]), under the
/// guest tests' directory.
pub const UPSTREAM_TESTS: &str = "upstream";
/// Where [`Config::sysroot`] is in the guest (`SCAP_SYSROOT` in the
/// expected-values file).
pub const GUEST_SYSROOT: &str = "/sysroot";

impl Config {
    /// The defaults for this checkout, overridden by the SCAP_* variables.
    pub fn from_env() -> Result<Self> {
        let repo_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let repo_root = repo_root.canonicalize().map_err(Problem::io(
            &repo_root,
            "run the harness from its checkout (cargo run -p scap-vm)",
        ))?;
        let driver_src = match std::env::var_os(ENV_DRIVER_SRC) {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => repo_root.join("driver-src"),
        };
        let cache_dir = match std::env::var_os(ENV_CACHE) {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => default_cache_dir()?,
        };
        let timeout = match std::env::var(ENV_TIMEOUT) {
            Ok(secs) => parse_timeout(&secs)?,
            Err(_) => DEFAULT_TIMEOUT,
        };
        let only = std::env::var(ENV_ONLY)
            .map(|list| parse_only(&list))
            .unwrap_or_default();
        let keep = std::env::var_os(ENV_KEEP).is_some_and(|v| !v.is_empty() && v != "0");
        let fuzz_seed = match std::env::var(ENV_FUZZ_SEED) {
            Ok(seed) if !seed.is_empty() => Some(parse_seed(&seed)?),
            _ => None,
        };
        let kernel = GuestKernel::from_suite(std::env::var(ENV_KERNEL_SUITE).ok().as_deref())?;
        Ok(Self {
            guest_dir: repo_root.join("tests/guest"),
            tests_dir: None,
            repo_root,
            driver_src,
            cache_dir,
            timeout,
            only,
            keep,
            fuzz_seed,
            kernel,
            module: None,
            sysroot: None,
        })
    }
}

fn default_cache_dir() -> Result<PathBuf> {
    match std::env::var_os("HOME") {
        Some(home) if !home.is_empty() => Ok(PathBuf::from(home).join(".cache/scap-tests")),
        _ => Err(Problem::new(
            "HOME",
            "not set, so there is no ~/.cache/scap-tests",
            format!("set HOME or {ENV_CACHE}"),
        )),
    }
}

fn parse_timeout(secs: &str) -> Result<Duration> {
    match secs.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
        _ => Err(Problem::new(
            format!("{ENV_TIMEOUT}={secs:?}"),
            "not a number of seconds",
            format!("set {ENV_TIMEOUT} to a whole number of seconds, e.g. 600"),
        )),
    }
}

fn parse_seed(seed: &str) -> Result<u64> {
    seed.trim().parse().map_err(|_| {
        Problem::new(
            format!("{ENV_FUZZ_SEED}={seed:?}"),
            "not a seed",
            format!("set {ENV_FUZZ_SEED} to the decimal seed ioctl_fuzz printed"),
        )
    })
}

pub fn parse_only(list: &str) -> Vec<String> {
    list.split([',', ' '])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_is_whole_seconds() {
        assert_eq!(parse_timeout("90").unwrap(), Duration::from_secs(90));
        for bad in ["", "0", "-1", "1.5", "ten"] {
            let err = parse_timeout(bad).unwrap_err().to_string();
            assert!(err.contains(ENV_TIMEOUT), "{err}");
        }
    }

    #[test]
    fn seeds_are_decimal() {
        assert_eq!(
            parse_seed("1795312210707377680").unwrap(),
            1795312210707377680
        );
        let err = parse_seed("0x12").unwrap_err().to_string();
        assert!(err.contains(ENV_FUZZ_SEED), "{err}");
    }

    #[test]
    fn an_empty_suite_is_the_headers_kernel() {
        assert_eq!(GuestKernel::from_suite(None).unwrap(), GuestKernel::Headers);
        assert_eq!(
            GuestKernel::from_suite(Some(" ")).unwrap(),
            GuestKernel::Headers
        );
        let sid = SuiteKernel::parse("sid").unwrap();
        assert_eq!(
            GuestKernel::from_suite(Some("sid")).unwrap(),
            GuestKernel::Suite(sid.clone())
        );
        assert_eq!(sid.pick, Pick::Newest);
        let oldest = SuiteKernel::parse("bullseye:oldest").unwrap();
        assert_eq!(oldest.pick, Pick::OldestAbi);
        assert_eq!(oldest.to_string(), "bullseye:oldest");
        for bad in ["bullseye:newest", "Sid", "sid/main"] {
            assert!(SuiteKernel::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_takes_commas_or_spaces() {
        assert_eq!(
            parse_only("events, proclist sysdig_live,"),
            ["events", "proclist", "sysdig_live"]
        );
        assert!(parse_only(" ").is_empty());
    }
}
