//! Runs the host tools the harness needs (apt-get, make, gcc, xz, ...).

use std::io::Write;
use std::process::{Command, Output};

use scap_driver_api::error::telling_line;

use crate::error::{missing_tool, Problem, Result};

/// Runs `cmd` to completion. On failure its whole output goes to stderr and
/// the error keeps the line of it that tells why ([`telling_line`]).
pub fn run(cmd: &mut Command, what: &str, fix: &str) -> Result<Output> {
    let tool = cmd.get_program().to_string_lossy().into_owned();
    let output = cmd.output().map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => missing_tool(&tool),
        _ => Problem::new(what, format!("cannot run {tool}: {err}"), fix),
    })?;
    if output.status.success() {
        return Ok(output);
    }
    let mut stderr = std::io::stderr().lock();
    // Best effort: the error below carries the essentials anyway.
    let _ = stderr.write_all(&output.stdout);
    let _ = stderr.write_all(&output.stderr);
    let said = telling_line(&output.stdout, &output.stderr);
    Err(Problem::failed(what, output.status, said.as_deref(), fix))
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
    fn a_tool_not_found_is_a_missing_tool() {
        let err = run(
            &mut Command::new("qemu-system-x86_64-that-does-not-exist"),
            "boot",
            "none",
        )
        .unwrap_err();
        assert_eq!(err, missing_tool("qemu-system-x86_64-that-does-not-exist"));
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
            "compiling a.c: failed (exit status: 1): a.c:1:2: error: first; fix it"
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
            "the step: failed (exit status: 3): the reason; do this"
        );
    }
}
