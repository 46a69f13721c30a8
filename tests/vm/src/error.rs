//! Every failure of the harness is the project's one error type,
//! `scap_driver_api::Problem`: one line naming the thing, what is wrong and
//! the fix (`Problem::io` for a file operation, `Problem::failed` for a
//! command, [`missing_tool`] for a host tool not installed).

pub use scap_driver_api::Problem;

pub type Result<T, E = Problem> = std::result::Result<T, E>;

/// A host tool the harness runs is not installed: the fix names the Debian
/// package tests/install-deps installs it from.
pub fn missing_tool(tool: &str) -> Problem {
    Problem::new(
        tool,
        "not found",
        format!(
            "run tests/install-deps as root (installs {})",
            package_of(tool)
        ),
    )
}

/// Which Debian package provides a tool, for the "not found" fix.
fn package_of(tool: &str) -> &'static str {
    match tool {
        "apt-get" | "apt-cache" => "apt",
        "dpkg-query" | "dpkg-deb" => "dpkg",
        "tar" => "tar",
        "xz" => "xz-utils",
        "zstd" => "zstd",
        "make" => "make",
        "gcc" => "gcc and libc6-dev",
        "modinfo" => "kmod",
        "ldd" => "libc-bin",
        "busybox" => "busybox-static",
        "qemu-system-x86_64" => "qemu-system-x86",
        "nice" => "coreutils",
        "sysdig" => "sysdig",
        "jq" => "jq",
        "llvm-objcopy" => "llvm",
        _ => "the package named in tests/apt-packages",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_names_its_package() {
        assert_eq!(
            missing_tool("xz").to_string(),
            "xz: not found; run tests/install-deps as root (installs xz-utils)"
        );
        assert_eq!(
            missing_tool("frobnicate").to_string(),
            "frobnicate: not found; run tests/install-deps as root \
             (installs the package named in tests/apt-packages)"
        );
    }
}
