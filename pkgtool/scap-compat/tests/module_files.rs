//! `check --module FILE` / `--probe FILE` on real objects: every branch of
//! the versioning rules, with scap-driver-api's own messages, on modules
//! kbuild built from driver-src/ with other versions and on Debian's
//! falcosecurity-scap-dkms module, each plain and compressed (xz, zstd),
//! and on clang-built probes.

#![cfg(feature = "system-tests")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{code, compressed, module, peer_module, probe, run, scap_compat, ProbeVariant};
use scap_driver_api::{
    check, CheckOutcome, Compatibility, Requirement, Strictness, VersionKind, SUPPORTED_KERNELS,
};

/// The module a case runs on.
#[derive(Debug, Clone, Copy)]
enum Ko {
    /// scap.ko built by kbuild from a copy of driver-src/ declaring
    /// (API, schema).
    Built(&'static str, &'static str),
    /// Debian 12's falcosecurity-scap-dkms module, built against the
    /// headers: API 1.0.0, schema 1.0.0 (kmod's modinfo agrees, see
    /// `debian_falcosecurity_module_is_api_1_schema_1`).
    Debian,
}

use Ko::{Built, Debian};

impl Ko {
    fn versions(self) -> (&'static str, &'static str) {
        match self {
            Built(api, schema) => (api, schema),
            Debian => ("1.0.0", "1.0.0"),
        }
    }

    fn file(self) -> PathBuf {
        match self {
            Built(api, schema) => module(api, schema),
            Debian => peer_module(),
        }
    }
}

/// How a case's module file is stored: as kbuild leaves it, or compressed
/// by the real tools as kernels install modules (`xz-kbuild`: crc32 and a
/// 1 MiB dictionary, what kbuild's CONFIG_MODULE_COMPRESS_XZ does).
const FORMS: &[&str] = &["ko", "xz-kbuild", "xz", "zstd"];

struct Case {
    module: Ko,
    api: &'static str,
    schema: Option<&'static str>,
    strict: bool,
    outcome: CheckOutcome,
}

const fn case(
    module: Ko,
    api: &'static str,
    schema: Option<&'static str>,
    strict: bool,
    outcome: CheckOutcome,
) -> Case {
    Case {
        module,
        api,
        schema,
        strict,
        outcome,
    }
}

use CheckOutcome::{Compatible as Ok_, CompatibleWithWarnings as Warn, Incompatible as Bad};

/// Each rule branch, for the API and for the schema version, on six
/// builds: (1.0.0, 1.0.0), (1.3.0, 1.2.0), (1.3.2, 1.2.0), (2.0.0, 1.0.0),
/// (0.9.0, 0.9.0), (1.0.0, 2.0.0) as (API, schema), and on Debian's module.
const CASES: &[Case] = &[
    // equal
    case(Built("1.0.0", "1.0.0"), "1.0.0", Some("1.0.0"), false, Ok_),
    // newer minor, newer patch: compatible
    case(Built("1.3.0", "1.2.0"), "1.2.0", None, false, Ok_),
    case(Built("1.3.2", "1.2.0"), "1.3.0", None, false, Ok_),
    case(Built("1.3.2", "1.2.0"), "1.2.9", None, true, Ok_),
    // same minor, older patch: warning, an error when strict
    case(Built("1.3.0", "1.2.0"), "1.3.2", None, false, Warn),
    case(Built("1.3.0", "1.2.0"), "1.3.2", None, true, Bad),
    case(Built("1.3.0", "1.2.0"), "1.3.1", None, false, Warn),
    // older minor
    case(Built("1.3.2", "1.2.0"), "1.4.0", None, false, Bad),
    // other majors, both ways
    case(Built("2.0.0", "1.0.0"), "1.0.0", None, false, Bad),
    case(Built("0.9.0", "0.9.0"), "1.0.0", None, false, Bad),
    case(Built("1.0.0", "1.0.0"), "2.0.0", None, false, Bad),
    // the schema version by the same rules
    case(Built("1.3.0", "1.2.0"), "1.0.0", Some("1.1.5"), false, Ok_),
    case(Built("1.3.0", "1.2.0"), "1.0.0", Some("1.2.1"), false, Warn),
    case(Built("1.3.0", "1.2.0"), "1.0.0", Some("1.2.1"), true, Bad),
    case(Built("1.3.0", "1.2.0"), "1.0.0", Some("1.3.0"), false, Bad),
    case(Built("1.0.0", "2.0.0"), "1.0.0", Some("1.0.0"), false, Bad),
    // API fine, schema of an older major: the schema decides
    case(Built("0.9.0", "0.9.0"), "0.9.0", Some("1.0.0"), false, Bad),
    // Debian's falcosecurity-scap-dkms (API 1.0.0, schema 1.0.0), every
    // branch: equal, also when strict
    case(Debian, "1.0.0", Some("1.0.0"), false, Ok_),
    case(Debian, "1.0.0", Some("1.0.0"), true, Ok_),
    // a newer patch required: warning, an error when strict
    case(Debian, "1.0.1", None, false, Warn),
    case(Debian, "1.0.1", None, true, Bad),
    // a newer minor required
    case(Debian, "1.1.0", None, false, Bad),
    // other majors, both ways
    case(Debian, "2.0.0", None, false, Bad),
    case(Debian, "0.1.0", None, false, Bad),
    // the schema version by the same rules
    case(Debian, "1.0.0", Some("1.0.3"), false, Warn),
    case(Debian, "1.0.0", Some("1.0.3"), true, Bad),
    case(Debian, "1.0.0", Some("1.1.0"), false, Bad),
    case(Debian, "1.0.0", Some("2.0.0"), false, Bad),
    case(Debian, "1.0.0", Some("0.9.0"), false, Bad),
    // both: the API's patch warning and the schema's minor error
    case(Debian, "1.0.2", Some("1.1.0"), false, Bad),
];

/// The messages scap-driver-api gives for this module and requirement,
/// and whether each is an error (incompatible) rather than a warning.
fn expected_messages(c: &Case) -> Vec<(bool, String)> {
    let (api, schema) = c.module.versions();
    rule_messages(api, schema, c.api, c.schema, c.strict)
}

/// The messages scap-driver-api gives for a driver of (api, schema) and a
/// consumer of (required_api, required_schema).
fn rule_messages(
    api: &str,
    schema: &str,
    required_api: &str,
    required_schema: Option<&str>,
    strict: bool,
) -> Vec<(bool, String)> {
    let strictness = if strict {
        Strictness::Strict
    } else {
        Strictness::Lenient
    };
    let mut checks = vec![(VersionKind::Api, api, required_api)];
    if let Some(required) = required_schema {
        checks.push((VersionKind::Schema, schema, required));
    }
    checks
        .into_iter()
        .filter_map(|(kind, have, required)| {
            let verdict = check(
                have.parse().unwrap(),
                Requirement {
                    kind,
                    required: required.parse().unwrap(),
                    strictness,
                },
            );
            match verdict {
                Compatibility::Compatible => None,
                Compatibility::Warning(v) => Some((false, v.to_string())),
                Compatibility::Incompatible(v) => Some((true, v.to_string())),
            }
        })
        .collect()
}

fn args_for<'a>(c: &'a Case, file: &'a str, json: bool) -> Vec<&'a str> {
    let mut args = vec!["check", "--module", file, "--api", c.api];
    if let Some(schema) = c.schema {
        args.extend(["--schema", schema]);
    }
    if c.strict {
        args.push("--strict");
    }
    if json {
        args.push("--json");
    }
    args
}

/// Fails the case with a message unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(format!($($why)+));
        }
    };
}

/// Runs one case on one file (--json; the human form too if `human`).
fn check_case(c: &Case, file: &Path, human: bool) -> Result<(), String> {
    let path = file.to_str().unwrap();
    let (api, schema) = c.module.versions();
    let code = i32::from(c.outcome.exit_code());
    let ran = scap_compat(&args_for(c, path, true));
    ensure!(
        ran.code == code && ran.stderr.is_empty(),
        "exit {} (not {code}), stderr {:?}: {}",
        ran.code,
        ran.stderr,
        ran.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&ran.stdout).map_err(|e| format!("not JSON ({e}): {}", ran.stdout))?;
    ensure!(
        json["outcome"] == c.outcome.name() && json["exit_code"] == code,
        "outcome {} exit_code {}, not {}",
        json["outcome"],
        json["exit_code"],
        c.outcome.name()
    );
    ensure!(
        json["required"]["api"] == c.api,
        "required {}",
        json["required"]
    );
    let drivers = json["drivers"].as_array().unwrap();
    ensure!(drivers.len() == 1, "{} drivers reported", drivers.len());
    let driver = &drivers[0];
    ensure!(
        driver["kind"] == "module_file" && driver["location"] == path,
        "not the module file {path}: {driver}"
    );
    ensure!(
        driver["api"] == api && driver["schema"] == schema && driver["versions_from"] == ".modinfo",
        "API {} schema {} from {}, not {api} {schema} from .modinfo",
        driver["api"],
        driver["schema"],
        driver["versions_from"]
    );
    let messages = message_texts(driver);
    let expected: Vec<String> = expected_messages(c).into_iter().map(|(_, m)| m).collect();
    ensure!(
        messages == expected,
        "messages {messages:?}, not the rules' {expected:?}"
    );
    if !human {
        return Ok(());
    }
    // The human form ends with the summary line carrying the top message.
    let human = scap_compat(&args_for(c, path, false));
    ensure!(
        human.code == code && human.stderr.is_empty(),
        "human form: exit {}, stderr {:?}",
        human.code,
        human.stderr
    );
    let last = human.stdout.lines().last().unwrap_or("");
    ensure!(
        last.starts_with("scap-compat: "),
        "human form: no summary line: {}",
        human.stdout
    );
    // The most severe message: the first error, else the first warning.
    let messages = expected_messages(c);
    if let Some((_, top)) = messages
        .iter()
        .find(|(error, _)| *error)
        .or(messages.first())
    {
        ensure!(
            last.contains(top.as_str()),
            "human form: the summary lacks {top:?}: {last}"
        );
    }
    Ok(())
}

#[test]
fn every_rule_branch_on_real_modules_plain_and_compressed() {
    let mut failures = Vec::new();
    let mut runs = 0;
    for c in CASES {
        let plain = c.module.file();
        for form in FORMS {
            let file = match *form {
                "ko" => plain.clone(),
                tool => compressed(&plain, tool),
            };
            runs += 1;
            if let Err(why) = check_case(c, &file, *form == "ko") {
                failures.push(format!(
                    "{:?} {form} --api {} --schema {:?} strict {}: {why}",
                    c.module, c.api, c.schema, c.strict
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn debian_falcosecurity_module_is_api_1_schema_1() {
    let ko = peer_module();
    let file = ko.to_str().unwrap();
    // kmod's modinfo reads the versions the cases above assume.
    let field = |name: &str| {
        let out = run(Command::new("modinfo").args(["-F", name]).arg(&ko));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let (api, schema) = Debian.versions();
    assert_eq!(
        (field("api_version"), field("schema_version")),
        (api.into(), schema.into())
    );
    // Its MODULE_VERSION is not an API version: .modinfo's api_version is.
    assert_eq!(field("version"), "0.1.1dev+git20220316.e5c53d64");
    let ran = scap_compat(&[
        "check", "--json", "--api", "1.0.0", "--schema", "1.0.0", "--module", file,
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let driver = &ran.json()["drivers"][0];
    assert_eq!(driver["api"], "1.0.0");
    assert_eq!(driver["schema"], "1.0.0");
    // A consumer of API 1.1 needs more than the 2022 driver has.
    let ran = scap_compat(&[
        "check",
        "--api",
        "1.1.0",
        "--consumer",
        "newer-agent",
        "--module",
        file,
    ]);
    assert_eq!(ran.code, 20, "{}", ran.stdout);
    assert!(
        ran.stdout.contains("newer-agent needs API 1.1.0"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("the driver lacks the API additions of 1.1"),
        "{}",
        ran.stdout
    );
}

#[test]
fn kernel_given_checks_what_the_module_was_built_for() {
    let ko = module("1.0.0", "1.0.0");
    let file = ko.to_str().unwrap();
    let kernel = common::kernel_release();
    let ran = scap_compat(&[
        "check", "--api", "1.0.0", "--kernel", kernel, "--module", file,
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let ran = scap_compat(&[
        "check",
        "--api",
        "1.0.0",
        "--kernel",
        "5.10.0-99-amd64",
        "--module",
        file,
    ]);
    assert_eq!(ran.code, 20, "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains(&format!("built for kernel {kernel}, not 5.10.0-99-amd64")),
        "{}",
        ran.stdout
    );
}

/// A probe case: the stand-in's (API, schema, min_kernel section), the
/// kernel given with --kernel (else the running one is judged), the API
/// required, the outcome, and the message about the kernel if any ("{K}"
/// is the kernel judged).
type ProbeCase = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    CheckOutcome,
    Option<&'static str>,
);

/// The versioning rules, and the min_kernel section against the kernel.
const PROBE_CASES: &[ProbeCase] = &[
    // no min_kernel section (an object from before it): the rules alone
    ("1.0.0", "1.0.0", None, None, "1.0.0", Ok_, None),
    ("1.3.2", "1.0.0", None, None, "1.3.0", Ok_, None),
    ("1.3.0", "1.0.0", None, None, "1.3.2", Warn, None),
    ("1.3.0", "1.0.0", None, None, "1.4.0", Bad, None),
    ("2.0.0", "1.0.0", None, None, "1.0.0", Bad, None),
    ("0.9.0", "1.0.0", None, None, "1.0.0", Bad, None),
    ("1.0.0", "1.0.0", None, Some("4.19.0-27-amd64"), "1.0.0", Ok_, None),
    // far below and far above the running kernel
    ("1.0.0", "1.0.0", Some("3.0.0"), None, "1.0.0", Ok_, None),
    (
        "1.0.0",
        "1.0.0",
        Some("99.0.0"),
        None,
        "1.0.0",
        Bad,
        Some("needs kernel 99.0.0 or later (its min_kernel), not {K}"),
    ),
    // the kernel given: older, the same, newer; patch levels count
    (
        "1.0.0",
        "1.0.0",
        Some("5.10.0"),
        Some("4.19.0-27-amd64"),
        "1.0.0",
        Bad,
        Some("needs kernel 5.10.0 or later (its min_kernel), not {K}"),
    ),
    // a kernel the module supports: the module is a fix too
    (
        "1.0.0",
        "1.0.0",
        Some("99.0.0"),
        Some("6.1.0-57-amd64"),
        "1.0.0",
        Bad,
        Some("needs kernel 99.0.0 or later (its min_kernel), not {K}"),
    ),
    ("1.0.0", "1.0.0", Some("5.10.0"), Some("5.10.0-30-amd64"), "1.0.0", Ok_, None),
    ("1.0.0", "1.0.0", Some("5.10.0"), Some("6.1.0-57-amd64"), "1.0.0", Ok_, None),
    (
        "1.0.0",
        "1.0.0",
        Some("5.10.2"),
        Some("5.10.1"),
        "1.0.0",
        Bad,
        Some("needs kernel 5.10.2 or later (its min_kernel), not {K}"),
    ),
    // a release that says no version: a warning, not a verdict
    (
        "1.0.0",
        "1.0.0",
        Some("5.10.0"),
        Some("linux"),
        "1.0.0",
        Warn,
        Some("cannot tell whether kernel {K} is 5.10.0 or later (its min_kernel): the release does not start with MAJOR.MINOR"),
    ),
    // an older patch warns, the kernel refuses: incompatible
    (
        "1.3.0",
        "1.0.0",
        Some("99.0.0"),
        None,
        "1.3.2",
        Bad,
        Some("needs kernel 99.0.0 or later (its min_kernel), not {K}"),
    ),
    // both wrong: the rules' error first, both fixes
    (
        "2.0.0",
        "1.0.0",
        Some("5.10.0"),
        Some("4.19.0-27-amd64"),
        "1.0.0",
        Bad,
        Some("needs kernel 5.10.0 or later (its min_kernel), not {K}"),
    ),
];

#[test]
fn probes_by_the_same_rules() {
    let running = common::running_release();
    let mut failures = Vec::new();
    for c in PROBE_CASES {
        if let Err(why) = check_probe_case(c, &running) {
            failures.push(format!("{c:?}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        PROBE_CASES.len(),
        failures.join("\n")
    );

    // Schema from its own section.
    let o = probe(code("1.0.0"), code("1.2.0"), ProbeVariant::Good);
    let ran = scap_compat(&[
        "check",
        "--api",
        "1.0.0",
        "--schema",
        "1.3.0",
        "--probe",
        o.to_str().unwrap(),
    ]);
    assert_eq!(ran.code, 20, "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("driver schema version 1.2.0, required 1.3.0"),
        "{}",
        ran.stdout
    );
}

/// Runs one probe case: --json, then the human form line by line.
fn check_probe_case(c: &ProbeCase, running: &str) -> Result<(), String> {
    let &(api, schema, min_kernel, kernel, required, outcome, kernel_message) = c;
    let variant = match min_kernel {
        Some(min) => ProbeVariant::MinKernel(code(min)),
        None => ProbeVariant::Good,
    };
    let o = probe(code(api), code(schema), variant);
    let path = o.to_str().unwrap();
    let judged = kernel.unwrap_or(running);
    let mut args = vec!["check", "--api", required, "--probe", path];
    if let Some(kernel) = kernel {
        args.extend(["--kernel", kernel]);
    }
    let exit = i32::from(outcome.exit_code());

    // The rules' messages, then the kernel's.
    let rules = rule_messages(api, schema, required, None, false);
    let mut expected = rules.clone();
    if let Some(m) = kernel_message {
        expected.push((outcome == Bad, m.replace("{K}", judged)));
    }

    let ran = scap_compat(&[&args[..], &["--json"]].concat());
    ensure!(
        ran.code == exit && ran.stderr.is_empty(),
        "--json: exit {} (not {exit}), stderr {:?}: {}",
        ran.code,
        ran.stderr,
        ran.stdout
    );
    let json = ran.json();
    let driver = &json["drivers"][0];
    let min_json = min_kernel.map_or(serde_json::Value::Null, |m| m.into());
    ensure!(
        driver["kind"] == "probe_file" && driver["api"] == api && driver["min_kernel"] == min_json,
        "kind {}, API {}, min_kernel {}, not probe_file, {api}, {min_json}",
        driver["kind"],
        driver["api"],
        driver["min_kernel"]
    );
    let messages = message_texts(driver);
    let texts: Vec<&str> = expected.iter().map(|(_, m)| m.as_str()).collect();
    ensure!(messages == texts, "messages {messages:?}, not {texts:?}");

    // The human form: the driver's line, its versions, one line per
    // message; the summary with the top message and the fixes.
    let human = scap_compat(&args);
    ensure!(human.code == exit, "human form: exit {}", human.code);
    let verdict = match outcome {
        Bad => "incompatible",
        Warn => "warning",
        _ => "compatible",
    };
    let (versions, from) = match min_kernel {
        Some(min) => (
            format!("API {api}, schema {schema}, min kernel {min}"),
            "api_version, schema_version, min_kernel",
        ),
        None => (
            format!("API {api}, schema {schema}"),
            "api_version, schema_version",
        ),
    };
    let mut lines = vec![
        format!("probe file: {path} [{verdict}]"),
        format!("  {versions} (from ELF sections {from})"),
    ];
    for (error, m) in &expected {
        lines.push(format!(
            "  {}: {m}",
            if *error { "error" } else { "warning" }
        ));
    }
    let mut fixes = Vec::new();
    if rules.iter().any(|(error, _)| *error) {
        fixes.push(format!(
            "apt-get install scap-api1-probe (the probe for API {required})"
        ));
    }
    if outcome == Bad && kernel_message.is_some() {
        let min = min_kernel.unwrap();
        // The module only where it builds.
        fixes.push(if SUPPORTED_KERNELS.contains_release(judged) {
            format!(
                "use kernel {min} or later, or the scap module on {judged}: apt-get install \
                 scap-api{major}-dkms (or the prebuilt scap-api{major}-modules-{judged})",
                major = &required[..1]
            )
        } else {
            format!("use kernel {min} or later")
        });
    }
    let top = expected
        .iter()
        .find(|(error, _)| *error)
        .or(expected.first())
        .map(|(_, m)| format!("; probe file {path}: {m}"))
        .unwrap_or_default();
    let fix = if fixes.is_empty() {
        String::new()
    } else {
        format!("; fix: {}", fixes.join("; "))
    };
    lines.push(match outcome {
        Ok_ => format!(
            "scap-compat: compatible: the consumer needs API {required}; usable: probe file (API {api})"
        ),
        Warn => format!(
            "scap-compat: compatible with warnings: the consumer needs API {required}{top}{fix}"
        ),
        _ => format!("scap-compat: incompatible: the consumer needs API {required}{top}{fix}"),
    });
    let got: Vec<&str> = human.stdout.lines().collect();
    ensure!(
        got == lines,
        "human form:\n{}\nnot:\n{}",
        human.stdout,
        lines.join("\n")
    );
    Ok(())
}

#[test]
fn module_and_probe_given_together_take_the_worse() {
    let ko = module("1.0.0", "1.0.0");
    let o = probe(code("2.0.0"), code("1.0.0"), ProbeVariant::Good);
    let ran = scap_compat(&[
        "check",
        "--json",
        "--api",
        "1.0.0",
        "--module",
        ko.to_str().unwrap(),
        "--probe",
        o.to_str().unwrap(),
    ]);
    assert_eq!(ran.code, 20, "{}", ran.stdout);
    let json = ran.json();
    assert_eq!(json["drivers"][0]["verdict"], "compatible");
    assert_eq!(json["drivers"][1]["verdict"], "incompatible");
}

/// The texts of a JSON driver's messages, in order.
fn message_texts(driver: &serde_json::Value) -> Vec<&str> {
    driver["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect()
}
