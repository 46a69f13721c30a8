//! The terminal form of a check report: one block per driver, then notes,
//! then the summary line, last so that it is what a human sees first.
//! Messages, fixes and the summary are one line already (Driver::add and
//! fix, check::run); the file names and notes are made so here.

use std::fmt::Write;

use scap_driver_api::error::one_line;

use crate::report::{Level, Report, Verdict};

pub fn human(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.drivers {
        let verdict = match (d.in_effect, d.verdict) {
            (false, _) => "not used",
            (true, Verdict::Compatible) => "compatible",
            (true, Verdict::Warning) => "warning",
            (true, Verdict::Incompatible) => "incompatible",
        };
        let _ = writeln!(
            out,
            "{}: {} [{verdict}]",
            d.kind.label(),
            one_line(&d.location)
        );
        let versions: Vec<String> = [
            ("API", d.api),
            ("schema", d.schema),
            ("min kernel", d.min_kernel),
        ]
        .iter()
        .filter_map(|(what, v)| Some(format!("{what} {}", (*v)?)))
        .collect();
        if !versions.is_empty() {
            let from = d
                .versions_from
                .as_ref()
                .map(|f| format!(" (from {f})"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {}{from}", versions.join(", "));
        }
        if let Some(origin) = &d.origin {
            let _ = writeln!(out, "  installed by: {}", one_line(origin));
        }
        for m in &d.messages {
            let level = match m.level {
                Level::Note => "note",
                Level::Warning => "warning",
                Level::Error => "error",
            };
            let _ = writeln!(out, "  {level}: {}", m.text);
        }
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {}", one_line(note));
    }
    let _ = writeln!(out, "scap-compat: {}", report.summary);
    out
}

#[cfg(test)]
mod tests {
    use scap_driver_api::{CheckOutcome, Problem};

    use super::*;
    use crate::report::{Driver, DriverKind, Wanted};

    /// A raw error text, a file name or a note with line breaks still
    /// gives the driver's line, one line per message, the note and the
    /// summary.
    #[test]
    fn raw_error_text_keeps_the_lines() {
        let mut d = Driver::new(DriverKind::ModuleFile, "x\n.ko");
        d.problem(
            Level::Error,
            Problem::new("x\n.ko", "corrupt xz data:\nline two", "give\na module"),
        );
        d.origin = Some("package\nscap".into());
        let report = Report {
            outcome: CheckOutcome::Incompatible,
            exit_code: 20,
            summary: "incompatible".into(),
            required: Wanted {
                consumer: "c".into(),
                api: "1.0.0".parse().unwrap(),
                schema: None,
                strict: false,
            },
            kernel: None,
            drivers: vec![d],
            notes: vec!["not\nchecked".into()],
            fixes: Vec::new(),
        };
        assert_eq!(
            human(&report),
            "module file: x .ko [incompatible]\n  installed by: package scap\n\
             \x20 error: corrupt xz data: line two\nnote: not checked\nscap-compat: incompatible\n"
        );
    }
}
