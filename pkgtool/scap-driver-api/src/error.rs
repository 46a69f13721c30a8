//! The one-line error every tool of the project gives for a bad input:
//! the thing, what is wrong with it, and what to do about it
//! (`subject: what; fix`). The readers of this crate return it, with the
//! fix their caller names.

use std::fmt;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, device or argument at fault.
    pub subject: String,
    pub what: String,
    pub fix: String,
}

impl Problem {
    pub fn new(
        subject: impl Into<String>,
        what: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            subject: subject.into(),
            what: what.into(),
            fix: fix.into(),
        }
    }

    pub fn at(path: &Path, what: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(path.display().to_string(), what, fix)
    }

    /// For `map_err` on a file operation on `path`: the path, the system's
    /// word for what went wrong, and `fix`.
    pub fn io<'a>(path: &'a Path, fix: &'a str) -> impl FnOnce(std::io::Error) -> Self + 'a {
        move |err| Self::at(path, err.to_string(), fix)
    }

    /// `what` (a command, or the step it does) ran and failed: `status` is
    /// how it ended, `said` the line of its output that tells why
    /// ([`telling_line`]), if any.
    pub fn failed(
        what: impl Into<String>,
        status: impl fmt::Display,
        said: Option<&str>,
        fix: impl Into<String>,
    ) -> Self {
        let how = match said {
            Some(line) => format!("failed ({status}): {line}"),
            None => format!("failed ({status})"),
        };
        Self::new(what, how, fix)
    }
}

/// The line of a failed command's output that tells why: its first error
/// line (compilers and apt end with a summary, "cc1: all warnings being
/// treated as errors"), else the last line of `stderr`, else of `stdout`;
/// trimmed.
pub fn telling_line(stdout: &[u8], stderr: &[u8]) -> Option<String> {
    let stderr = String::from_utf8_lossy(stderr);
    let stdout = String::from_utf8_lossy(stdout);
    stderr
        .lines()
        .chain(stdout.lines())
        .map(str::trim)
        .find(|line| line.contains("error:") || line.starts_with("E: "))
        .or_else(|| last_line(&stderr))
        .or_else(|| last_line(&stdout))
        .map(str::to_string)
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).rfind(|line| !line.is_empty())
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keep it one line whatever the parts carry (e.g. a decoder's error).
        let text = format!("{}: {}; {}", self.subject, self.what, self.fix);
        f.write_str(&one_line(&text))
    }
}

impl std::error::Error for Problem {}

/// `text` on one line: line breaks and other control characters (a
/// decoder's or the kernel's multi-line error, a terminal escape) become
/// one space between the pieces around them, trimmed. Text without them is
/// returned as it is.
pub fn one_line(text: &str) -> String {
    let breaks = |c: char| c.is_control() || c == '\u{2028}' || c == '\u{2029}';
    if !text.contains(breaks) {
        return text.to_string();
    }
    text.split(breaks)
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_flattens_breaks_and_controls() {
        assert_eq!(one_line("as it is:  two spaces "), "as it is:  two spaces ");
        assert_eq!(one_line("first\nsecond"), "first second");
        assert_eq!(one_line("a\r\n\r\n  b \n"), "a b");
        assert_eq!(one_line("tab\there"), "tab here");
        assert_eq!(one_line("red\x1b[31m\rover"), "red [31m over");
        assert_eq!(
            one_line("ls\u{2028}ps\u{2029}nel\u{85}end"),
            "ls ps nel end"
        );
        assert_eq!(one_line("\n"), "");
    }

    #[test]
    fn a_problem_displays_on_one_line() {
        let p = Problem::new("x.ko", "cannot read:\nline two", "fix\r\nit");
        assert_eq!(p.to_string(), "x.ko: cannot read: line two; fix it");
    }

    #[test]
    fn an_io_problem_names_the_path_the_error_and_the_fix() {
        let path = Path::new("/no/such/dir/x.ko");
        let err = std::fs::read(path).map_err(Problem::io(path, "give an existing file"));
        assert_eq!(
            err.unwrap_err().to_string(),
            "/no/such/dir/x.ko: No such file or directory (os error 2); give an existing file"
        );
    }

    #[test]
    fn a_failed_command_says_how_it_ended_and_why() {
        let p = Problem::failed(
            "make -C x",
            "exit status: 2",
            Some("x.c:1: error: y"),
            "fix x.c",
        );
        assert_eq!(
            p.to_string(),
            "make -C x: failed (exit status: 2): x.c:1: error: y; fix x.c"
        );
        let p = Problem::failed("qemu", "signal: 9 (SIGKILL)", None, "see its log");
        assert_eq!(
            p.to_string(),
            "qemu: failed (signal: 9 (SIGKILL)); see its log"
        );
    }

    #[test]
    fn the_telling_line_is_the_first_error_else_the_last_line() {
        let cc = b"a.c:1:2: error: first\nb.c:3: error: second\ncc1: all warnings\n";
        assert_eq!(
            telling_line(b"", cc).as_deref(),
            Some("a.c:1:2: error: first")
        );
        let apt = b"Reading package lists...\nE: Unable to locate package nosuch\n";
        assert_eq!(
            telling_line(b"", apt).as_deref(),
            Some("E: Unable to locate package nosuch")
        );
        let make = b"  make: *** [all] Error 2  \n\n";
        assert_eq!(
            telling_line(b"out", make).as_deref(),
            Some("make: *** [all] Error 2")
        );
        assert_eq!(telling_line(b"one\nlast\n", b"\n").as_deref(), Some("last"));
        assert_eq!(telling_line(b"", b" \n"), None);
    }
}
