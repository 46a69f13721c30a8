//! The compatibility helper consumer packages call from their maintainer
//! scripts: its name and its exit codes, shared by the helper itself and by
//! the postinst snippet pkgtool renders, so the two cannot drift apart.

use serde::Serialize;

/// The helper's binary (in `/usr/bin`) and Debian/RPM package name.
pub const HELPER: &str = "scap-compat";

/// The environment variable naming the kernel whose installed module
/// `check` judges instead of the running kernel's: for a consumer installed
/// into a chroot or image that will boot another kernel than the one
/// running. The postinst snippet names the same kernel in its advice.
pub const KERNEL_ENV: &str = "SCAP_COMPAT_KERNEL";

/// The verdict of `scap-compat check`, one exit code each. The codes are
/// stable, distinct, and stay clear of 1 (generic failure), 2 (shell misuse),
/// 101 (Rust panic) and 126/127 (not executable / not found).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Compatible,
    CompatibleWithWarnings,
    Incompatible,
    NoDriver,
    UsageError,
}

impl CheckOutcome {
    pub const ALL: [CheckOutcome; 5] = [
        CheckOutcome::Compatible,
        CheckOutcome::CompatibleWithWarnings,
        CheckOutcome::Incompatible,
        CheckOutcome::NoDriver,
        CheckOutcome::UsageError,
    ];

    pub fn exit_code(self) -> u8 {
        match self {
            CheckOutcome::Compatible => 0,
            CheckOutcome::CompatibleWithWarnings => 10,
            CheckOutcome::Incompatible => 20,
            CheckOutcome::NoDriver => 30,
            // sysexits.h EX_USAGE
            CheckOutcome::UsageError => 64,
        }
    }

    /// The name in `--json` output and in the snippet's variables.
    pub fn name(self) -> &'static str {
        match self {
            CheckOutcome::Compatible => "compatible",
            CheckOutcome::CompatibleWithWarnings => "compatible_with_warnings",
            CheckOutcome::Incompatible => "incompatible",
            CheckOutcome::NoDriver => "no_driver",
            CheckOutcome::UsageError => "usage_error",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            CheckOutcome::Compatible => "every driver in use satisfies the requirement",
            CheckOutcome::CompatibleWithWarnings => {
                "usable, but read the warnings (missing fixes, stale loaded module, \
                 one of two driver kinds unusable)"
            }
            CheckOutcome::Incompatible => {
                "no usable driver: the consumer will not start until a compatible one is \
                 installed (or loaded)"
            }
            CheckOutcome::NoDriver => "no scap kernel module or probe is installed or loaded",
            CheckOutcome::UsageError => "bad arguments (e.g. a malformed --api version)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_avoid_shell_conventions() {
        let codes: Vec<u8> = CheckOutcome::ALL.iter().map(|o| o.exit_code()).collect();
        for (i, code) in codes.iter().enumerate() {
            assert!(!codes[i + 1..].contains(code), "{code} twice");
            assert!(![1, 2, 101, 126, 127].contains(code) && *code < 126);
        }
        assert_eq!(CheckOutcome::Compatible.exit_code(), 0);
    }
}
