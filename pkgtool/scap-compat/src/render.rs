//! The terminal form of a check report: one block per driver, then notes,
//! then the summary line, last so that it is what a human sees first.

use std::fmt::Write;

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
        let _ = writeln!(out, "{}: {} [{verdict}]", d.kind.label(), d.location);
        let versions: Vec<String> = [("API", d.api), ("schema", d.schema)]
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
            let _ = writeln!(out, "  installed by: {origin}");
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
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(out, "scap-compat: {}", report.summary);
    out
}
