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
}
