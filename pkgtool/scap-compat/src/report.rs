//! What `check` found: each driver with its versions, messages and fixes,
//! and the overall outcome that becomes the exit code.

use scap_driver_api::error::{one_line, Problem};
use scap_driver_api::{CheckOutcome, Compatibility, Requirement, Strictness, Version, VersionKind};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Note,
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Compatible,
    Warning,
    Incompatible,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriverKind {
    LoadedModule,
    InstalledModule,
    Probe,
    ModuleFile,
    ProbeFile,
}

impl DriverKind {
    pub fn label(self) -> &'static str {
        match self {
            DriverKind::LoadedModule => "loaded module",
            DriverKind::InstalledModule => "installed module",
            DriverKind::Probe => "probe",
            DriverKind::ModuleFile => "module file",
            DriverKind::ProbeFile => "probe file",
        }
    }

    pub fn is_probe(self) -> bool {
        matches!(self, DriverKind::Probe | DriverKind::ProbeFile)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub level: Level,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Driver {
    pub kind: DriverKind,
    /// The file, or the sysfs directory of a loaded module.
    pub location: String,
    /// Where it came from or how it was found (modules.dep, DKMS, package...).
    pub origin: Option<String>,
    /// How the versions were read (.modinfo, sysfs, ioctl, ELF sections).
    pub versions_from: Option<String>,
    #[serde(serialize_with = "scap_driver_api::version::text::optional")]
    pub api: Option<Version>,
    #[serde(serialize_with = "scap_driver_api::version::text::optional")]
    pub schema: Option<Version>,
    /// A probe's oldest kernel (its min_kernel section), if it has one.
    #[serde(serialize_with = "scap_driver_api::version::text::optional")]
    pub min_kernel: Option<Version>,
    /// False for copies that modprobe does not load.
    pub in_effect: bool,
    pub verdict: Verdict,
    pub messages: Vec<Message>,
    /// Commands or steps that fix what the messages report.
    pub fixes: Vec<String>,
}

impl Driver {
    pub fn new(kind: DriverKind, location: impl Into<String>) -> Self {
        Self {
            kind,
            location: location.into(),
            origin: None,
            versions_from: None,
            api: None,
            schema: None,
            min_kernel: None,
            in_effect: true,
            verdict: Verdict::Compatible,
            messages: Vec::new(),
            fixes: Vec::new(),
        }
    }

    /// Every message passes here: it is made one line, so that no text
    /// (a decoder's or the kernel's error, a file name) breaks the
    /// one-line messages of the human form.
    pub fn add(&mut self, level: Level, text: impl Into<String>) {
        let verdict = match level {
            Level::Note => Verdict::Compatible,
            Level::Warning => Verdict::Warning,
            Level::Error => Verdict::Incompatible,
        };
        self.verdict = self.verdict.max(verdict);
        self.messages.push(Message {
            level,
            text: one_line(&text.into()),
        });
    }

    /// A bad input: what is wrong goes to the messages (naming the file
    /// only if it is not this driver's), the fix to the fixes.
    pub fn problem(&mut self, level: Level, problem: Problem) {
        if problem.subject == self.location {
            self.add(level, problem.what);
        } else {
            self.add(level, format!("{}: {}", problem.subject, problem.what));
        }
        self.fix(problem.fix);
    }

    /// Every fix passes here, made one line like the messages.
    pub fn fix(&mut self, fix: impl Into<String>) {
        let fix = one_line(&fix.into());
        if !self.fixes.contains(&fix) {
            self.fixes.push(fix);
        }
    }

    /// The versioning proposal's rules (scap-driver-api) on what is known.
    pub fn apply_rules(&mut self, wanted: &Wanted) {
        let checks = [
            (VersionKind::Api, self.api, Some(wanted.api)),
            (VersionKind::Schema, self.schema, wanted.schema),
        ];
        for (kind, have, required) in checks {
            let (Some(have), Some(required)) = (have, required) else {
                continue;
            };
            let requirement = Requirement {
                kind,
                required,
                strictness: wanted.strictness(),
            };
            match scap_driver_api::check(have, requirement) {
                Compatibility::Compatible => {}
                Compatibility::Warning(v) => self.add(Level::Warning, v.to_string()),
                Compatibility::Incompatible(v) => self.add(Level::Error, v.to_string()),
            }
        }
    }

    /// The most severe message (first of its level).
    pub fn headline(&self) -> Option<&Message> {
        let top = self.messages.iter().map(|m| m.level).max()?;
        self.messages.iter().find(|m| m.level == top)
    }
}

/// What the consumer requires.
#[derive(Debug, Clone, Serialize)]
pub struct Wanted {
    pub consumer: String,
    #[serde(serialize_with = "scap_driver_api::version::text::one")]
    pub api: Version,
    #[serde(serialize_with = "scap_driver_api::version::text::optional")]
    pub schema: Option<Version>,
    /// An older patch is an error (libscap's rule), not a warning.
    pub strict: bool,
}

impl Wanted {
    fn strictness(&self) -> Strictness {
        if self.strict {
            Strictness::Strict
        } else {
            Strictness::Lenient
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub outcome: CheckOutcome,
    pub exit_code: u8,
    pub summary: String,
    pub required: Wanted,
    /// The kernel release whose installed module was checked.
    pub kernel: Option<String>,
    pub drivers: Vec<Driver>,
    /// Things not checked, and why.
    pub notes: Vec<String>,
    pub fixes: Vec<String>,
}

/// How the drivers combine into one outcome. Explicit files: the worst of
/// them. The system: the loaded and the installed module must both suit
/// (one runs now, the other after a reload or reboot), any one probe is
/// enough, and either driver kind is enough; an unusable kind next to a
/// usable one is a warning.
pub fn combine(drivers: &[Driver], explicit_files: bool) -> Option<Verdict> {
    let in_effect = || drivers.iter().filter(|d| d.in_effect);
    if explicit_files {
        return in_effect().map(|d| d.verdict).max();
    }
    let modules = in_effect()
        .filter(|d| !d.kind.is_probe())
        .map(|d| d.verdict)
        .max();
    let probes = in_effect()
        .filter(|d| d.kind.is_probe())
        .map(|d| d.verdict)
        .min();
    let kinds: Vec<Verdict> = [modules, probes].into_iter().flatten().collect();
    let best = *kinds.iter().min()?;
    let worst = *kinds.iter().max()?;
    Some(if best == Verdict::Compatible && worst > best {
        Verdict::Warning
    } else {
        best
    })
}

pub fn outcome_of(verdict: Option<Verdict>) -> CheckOutcome {
    match verdict {
        None => CheckOutcome::NoDriver,
        Some(Verdict::Compatible) => CheckOutcome::Compatible,
        Some(Verdict::Warning) => CheckOutcome::CompatibleWithWarnings,
        Some(Verdict::Incompatible) => CheckOutcome::Incompatible,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn driver(kind: DriverKind, verdict: Verdict, in_effect: bool) -> Driver {
        let mut d = Driver::new(kind, "x");
        d.verdict = verdict;
        d.in_effect = in_effect;
        d
    }

    /// A bad input's raw error text with line breaks (a decoder's message,
    /// a verifier log) stays one message line and one fix line.
    #[test]
    fn messages_and_fixes_are_one_line() {
        let mut d = Driver::new(DriverKind::ProbeFile, "p.o");
        d.problem(
            Level::Error,
            Problem::new("p.o", "cannot read:\nline two\r\n  line three\n", "fix\nit"),
        );
        d.problem(Level::Warning, Problem::new("q\n.o", "bad", "also\rthis"));
        d.add(Level::Note, "load test:\n0: r0 = 0\ninvalid");
        let texts: Vec<&str> = d.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "cannot read: line two line three",
                "q .o: bad",
                "load test: 0: r0 = 0 invalid"
            ]
        );
        assert_eq!(d.fixes, ["fix it", "also this"]);
    }

    type Case<'a> = (&'a [(DriverKind, Verdict, bool)], bool, Option<Verdict>);

    #[test]
    fn combining() {
        use DriverKind::*;
        use Verdict::*;
        let cases: &[Case] = &[
            (&[], false, None),
            (&[(InstalledModule, Incompatible, false)], false, None),
            (
                &[(InstalledModule, Compatible, true)],
                false,
                Some(Compatible),
            ),
            (
                &[
                    (InstalledModule, Compatible, true),
                    (LoadedModule, Incompatible, true),
                ],
                false,
                Some(Incompatible),
            ),
            (
                &[
                    (InstalledModule, Compatible, true),
                    (InstalledModule, Incompatible, false),
                ],
                false,
                Some(Compatible),
            ),
            (
                &[(Probe, Incompatible, true), (Probe, Compatible, true)],
                false,
                Some(Compatible),
            ),
            (
                &[
                    (InstalledModule, Incompatible, true),
                    (Probe, Compatible, true),
                ],
                false,
                Some(Warning),
            ),
            (
                &[
                    (InstalledModule, Incompatible, true),
                    (Probe, Warning, true),
                ],
                false,
                Some(Warning),
            ),
            (
                &[
                    (ModuleFile, Compatible, true),
                    (ProbeFile, Incompatible, true),
                ],
                true,
                Some(Incompatible),
            ),
        ];
        for (drivers, explicit, expected) in cases {
            let drivers: Vec<Driver> = drivers.iter().map(|(k, v, e)| driver(*k, *v, *e)).collect();
            assert_eq!(combine(&drivers, *explicit), *expected, "{drivers:?}");
        }
    }
}
