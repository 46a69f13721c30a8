//! What the guest runner reports on its results port:
//!
//! ```text
//! SCAP-TEST <name> PASS|FAIL <detail>
//! SCAP-LOG-BEGIN <name>     (the test's output, on failure)
//! SCAP-LOG-END <name>
//! SCAP-DMESG-BEGIN          (the guest's dmesg at the end)
//! SCAP-DMESG-END
//! SCAP-DONE                 (the runner finished)
//! ```

use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<'a> {
    Passed(&'a TestResult),
    Failed(&'a TestResult),
    /// The guest never reported the test (crash, hang, timeout).
    NotReported,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The tests the guest was asked to run, in order.
    pub expected: Vec<String>,
    pub results: Vec<TestResult>,
    /// Each test's output, for those that sent it.
    pub logs: Vec<(String, String)>,
    pub dmesg: Option<String>,
    /// The kernel console (serial 0), for when there is no dmesg.
    pub console: String,
    pub completed: bool,
    pub timed_out: bool,
    pub elapsed: Duration,
}

pub fn parse_result_line(line: &str) -> Option<TestResult> {
    let rest = line.trim_end().strip_prefix("SCAP-TEST ")?;
    let (name, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let (verdict, detail) = rest.split_once(' ').unwrap_or((rest, ""));
    let passed = match verdict {
        "PASS" => true,
        "FAIL" => false,
        _ => return None,
    };
    Some(TestResult {
        name: name.to_string(),
        passed,
        detail: detail.to_string(),
    })
}

impl Report {
    pub fn parse(expected: Vec<String>, results_port: &str) -> Self {
        let mut report = Report {
            expected,
            ..Report::default()
        };
        let mut block: Option<(String, Vec<&str>)> = None;
        for line in results_port.lines() {
            let line = line.trim_end_matches('\r');
            if let Some((kind, lines)) = &mut block {
                let end = if kind == "dmesg" {
                    line == "SCAP-DMESG-END"
                } else {
                    line.strip_prefix("SCAP-LOG-END ") == Some(kind.as_str())
                };
                if end {
                    let text = lines.join("\n");
                    if kind == "dmesg" {
                        report.dmesg = Some(text);
                    } else {
                        report.logs.push((kind.clone(), text));
                    }
                    block = None;
                } else {
                    lines.push(line);
                }
                continue;
            }
            if let Some(result) = parse_result_line(line) {
                report.results.push(result);
            } else if let Some(name) = line.strip_prefix("SCAP-LOG-BEGIN ") {
                block = Some((name.to_string(), Vec::new()));
            } else if line == "SCAP-DMESG-BEGIN" {
                block = Some(("dmesg".to_string(), Vec::new()));
            } else if line == "SCAP-DONE" {
                report.completed = true;
            }
        }
        report
    }

    /// A test's verdict; reported twice counts as failed unless both passed.
    pub fn outcome(&self, name: &str) -> Outcome<'_> {
        let mut found = self.results.iter().filter(|r| r.name == name);
        match found.next() {
            None => Outcome::NotReported,
            Some(first) => match found.find(|r| !r.passed) {
                Some(failed) => Outcome::Failed(failed),
                None if first.passed => Outcome::Passed(first),
                None => Outcome::Failed(first),
            },
        }
    }

    pub fn log(&self, name: &str) -> Option<&str> {
        self.logs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, text)| text.as_str())
    }

    pub fn passed(&self) -> usize {
        self.expected
            .iter()
            .filter(|name| matches!(self.outcome(name), Outcome::Passed(_)))
            .count()
    }

    pub fn all_passed(&self) -> bool {
        self.completed && self.passed() == self.expected.len()
    }

    /// What to show after a failure: the guest's dmesg, or the end of the
    /// console when the guest died before it could send one.
    pub fn kernel_log(&self) -> String {
        match &self.dmesg {
            Some(dmesg) => format!("guest dmesg:\n{dmesg}"),
            None => {
                let lines: Vec<&str> = self.console.lines().collect();
                let tail = &lines[lines.len().saturating_sub(200)..];
                format!(
                    "the guest sent no dmesg ({}); the end of its console:\n{}",
                    if self.timed_out {
                        "timed out"
                    } else {
                        "it stopped early"
                    },
                    tail.join("\n")
                )
            }
        }
    }
}

impl fmt::Display for Outcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Passed(r) => write!(f, "PASS {}", r.detail),
            Outcome::Failed(r) => write!(f, "FAIL {}", r.detail),
            Outcome::NotReported => write!(f, "FAIL the guest never reported this test"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORT: &str = "boot noise\n\
        SCAP-TEST events PASS 1600 events checked\r\n\
        SCAP-TEST proclist FAIL ioctl returned 0, want ENOSPC\n\
        SCAP-LOG-BEGIN proclist\nline one\nline two\nSCAP-LOG-END proclist\n\
        SCAP-TEST odd MAYBE x\n\
        SCAP-DMESG-BEGIN\n[ 1.0] scap: loaded\nSCAP-DMESG-END\n\
        SCAP-DONE\n";

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_results_logs_and_dmesg() {
        let report = Report::parse(names(&["events", "proclist", "sysdig_live"]), PORT);
        assert!(
            matches!(report.outcome("events"), Outcome::Passed(r) if r.detail == "1600 events checked")
        );
        assert!(
            matches!(report.outcome("proclist"), Outcome::Failed(r) if r.detail.contains("ENOSPC"))
        );
        assert_eq!(report.outcome("sysdig_live"), Outcome::NotReported);
        assert_eq!(report.outcome("odd"), Outcome::NotReported);
        assert_eq!(report.log("proclist"), Some("line one\nline two"));
        assert_eq!(report.dmesg.as_deref(), Some("[ 1.0] scap: loaded"));
        assert!(report.completed);
        assert_eq!(report.passed(), 1);
        assert!(!report.all_passed());
    }

    #[test]
    fn a_test_reported_twice_fails_if_either_failed() {
        let report = Report::parse(
            names(&["a"]),
            "SCAP-TEST a PASS\nSCAP-TEST a FAIL oops\nSCAP-DONE\n",
        );
        assert!(matches!(report.outcome("a"), Outcome::Failed(r) if r.detail == "oops"));
    }

    #[test]
    fn an_unfinished_run_is_not_a_pass() {
        let report = Report::parse(names(&["a"]), "SCAP-TEST a PASS\n");
        assert!(!report.all_passed());
        assert!(report.kernel_log().contains("stopped early"));
    }
}
