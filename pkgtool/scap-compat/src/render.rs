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
        let mut facts = Vec::new();
        if let Some(api) = d.api {
            facts.push(format!("API {api}"));
        }
        if let Some(schema) = d.schema {
            facts.push(format!("schema {schema}"));
        }
        if let Some(from) = &d.versions_from {
            if !facts.is_empty() {
                facts.push(format!("(from {from})"));
            }
        }
        if let Some(origin) = &d.origin {
            facts.push(format!("from {origin}"));
        }
        if !facts.is_empty() {
            let _ = writeln!(out, "  {}", facts.join(" "));
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
