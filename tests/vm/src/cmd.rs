//! Runs the host tools the harness needs (apt-get, make, gcc, xz, ...).

use std::io::Write;
use std::process::{Command, Output};

use crate::error::{Error, Result};

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

pub fn missing_tool(tool: &str) -> Error {
    Error::MissingTool {
        tool: tool.to_string(),
        package: package_of(tool),
    }
}

/// Runs `cmd` to completion. On failure its whole output goes to stderr and
/// the error keeps the last line of it.
pub fn run(cmd: &mut Command, what: &str, fix: &str) -> Result<Output> {
    let tool = cmd.get_program().to_string_lossy().into_owned();
    let output = cmd.output().map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => missing_tool(&tool),
        _ => Error::CommandFailed {
            what: what.to_string(),
            status: err.to_string(),
            detail: String::new(),
            fix: fix.to_string(),
        },
    })?;
    if output.status.success() {
        return Ok(output);
    }
    let mut stderr = std::io::stderr().lock();
    // Best effort: the error below carries the essentials anyway.
    let _ = stderr.write_all(&output.stdout);
    let _ = stderr.write_all(&output.stderr);
    let last = first_error_line(&output.stderr)
        .or_else(|| last_line(&output.stderr))
        .or_else(|| last_line(&output.stdout));
    Err(Error::CommandFailed {
        what: what.to_string(),
        status: output.status.to_string(),
        detail: last.map(|line| format!(": {line}")).unwrap_or_default(),
        fix: fix.to_string(),
    })
}

/// Compilers end with a summary ("cc1: all warnings being treated as
/// errors"); the first error says what is wrong.
fn first_error_line(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim)
        .find(|line| line.contains("error:"))
        .map(str::to_string)
}

fn last_line(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(str::to_string)
}

/// The trimmed standard output of a successful command.
pub fn stdout_of(cmd: &mut Command, what: &str, fix: &str) -> Result<String> {
    let output = run(cmd, what, fix)?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_names_its_package() {
        let err = run(
            &mut Command::new("qemu-system-x86_64-that-does-not-exist"),
            "boot",
            "none",
        )
        .unwrap_err();
        assert!(matches!(err, Error::MissingTool { .. }), "{err}");
        assert_eq!(
            missing_tool("xz").to_string(),
            "xz: not found; fix: run tests/install-deps as root (installs xz-utils)"
        );
    }

    #[test]
    fn a_compiler_failure_keeps_its_first_error() {
        let err = run(
            Command::new("sh").args([
                "-c",
                "echo 'a.c:1:2: error: first' >&2; echo 'b.c:3: error: second' >&2; echo 'cc1: all warnings' >&2; exit 1",
            ]),
            "compiling a.c",
            "fix it",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "compiling a.c failed (exit status: 1): a.c:1:2: error: first; fix: fix it"
        );
    }

    #[test]
    fn a_failing_command_keeps_its_last_error_line() {
        let err = run(
            Command::new("sh").args(["-c", "echo first >&2; echo 'the reason' >&2; exit 3"]),
            "the step",
            "do this",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "the step failed (exit status: 3): the reason; fix: do this"
        );
    }
}
