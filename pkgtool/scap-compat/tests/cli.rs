//! The command line's contract: exit codes as documented (in --help and
//! the README, from one source), one-line usage errors.

mod common;

use std::fs;

use common::{repo, scap_compat};
use scap_driver_api::CheckOutcome;

#[test]
fn usage_errors_are_one_line_with_their_own_code() {
    let usage = i32::from(CheckOutcome::UsageError.exit_code());
    for (args, named) in [
        (&["check"][..], "--api"),
        (&["check", "--api", "1.0"], "\"1.0\" is not a version"),
        (
            &["check", "--api", "1.0.0", "--schema", "x.y.z"],
            "\"x.y.z\" is not a version",
        ),
        (&["check", "--api", "524288.0.0"], "does not fit"),
        (&["check", "--api", "1.0.0", "--bogus"], "--bogus"),
        (&["frobnicate"], "frobnicate"),
    ] {
        let ran = scap_compat(args);
        assert_eq!(ran.code, usage, "{args:?}: {}", ran.stderr);
        assert_eq!(ran.stdout, "", "{args:?}");
        assert_eq!(ran.stderr.lines().count(), 1, "{args:?}: {}", ran.stderr);
        assert!(
            ran.stderr.starts_with("scap-compat: error: "),
            "{}",
            ran.stderr
        );
        assert!(ran.stderr.contains(named), "{args:?}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("see scap-compat --help"),
            "{}",
            ran.stderr
        );
    }
    // No command at all: the help, on stderr, and the usage code.
    let ran = scap_compat(&[]);
    assert_eq!(ran.code, usage);
    assert!(ran.stderr.contains("Usage: scap-compat"), "{}", ran.stderr);
}

#[test]
fn help_lists_every_exit_code() {
    for args in [&["--help"][..], &["check", "--help"]] {
        let ran = scap_compat(args);
        assert_eq!(ran.code, 0);
        for outcome in CheckOutcome::ALL {
            let line = format!(
                "{:>5}  {:<26} {}",
                outcome.exit_code(),
                outcome.name(),
                outcome.meaning()
            );
            assert!(
                ran.stdout.contains(&line),
                "{args:?} lacks {line:?}:\n{}",
                ran.stdout
            );
        }
    }
}

#[test]
fn docs_exit_code_table_matches_the_helper() {
    let readme = fs::read_to_string(repo().join("docs/consumers.md")).unwrap();
    let rows: Vec<(i32, String)> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| exit code | outcome |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (
                cells[1].parse().unwrap(),
                cells[2].trim_matches('`').to_string(),
            )
        })
        .collect();
    let expected: Vec<(i32, String)> = CheckOutcome::ALL
        .iter()
        .map(|o| (i32::from(o.exit_code()), o.name().to_string()))
        .collect();
    assert_eq!(rows, expected, "docs/consumers.md's exit code table");
}

#[test]
fn man_page_covers_every_option_and_exit_code() {
    let man = fs::read_to_string(repo().join("pkgtool/scap-compat/doc/scap-compat.1")).unwrap();
    for args in [&["--help"][..], &["check", "--help"], &["status", "--help"]] {
        let help = scap_compat(args).stdout;
        for option in help
            .split_whitespace()
            .filter(|w| w.starts_with("--") && w.len() > 2)
            .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()))
            .filter(|o| *o != "--help" && *o != "--version")
        {
            let roff = option.replace('-', "\\-");
            assert!(man.contains(&roff), "the man page lacks {option} ({roff})");
        }
    }
    for outcome in CheckOutcome::ALL {
        let entry = format!(".B {}\n{}:", outcome.exit_code(), outcome.name());
        assert!(
            man.contains(&entry),
            "the man page lacks exit code {entry:?}"
        );
    }
}

/// Line breaks in what the user gives (the consumer's name, a file name)
/// break no line of the human form: the driver's line, its error, the
/// summary.
#[test]
fn names_with_line_breaks_keep_the_human_form_to_its_lines() {
    let ran = scap_compat(&[
        "check",
        "--api",
        "1.0.0",
        "--consumer",
        "sys\ndig",
        "--probe",
        "/nonexistent/scap\nprobe.o",
    ]);
    assert_eq!(ran.code, 20, "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stdout,
        "probe file: /nonexistent/scap probe.o [incompatible]\n\
         \x20 error: cannot read: No such file or directory (os error 2)\n\
         scap-compat: incompatible: sys dig needs API 1.0.0; probe file /nonexistent/scap probe.o: \
         cannot read: No such file or directory (os error 2); fix: give a scap eBPF probe object \
         (scap_probe-X.Y.Z.o) built by clang -target bpf\n"
    );
}
