//! `check --module FILE` / `--probe FILE` on real objects: every branch of
//! the versioning rules, with scap-driver-api's own messages, on modules
//! kbuild built from driver-src/ with other versions, their compressed
//! forms, Debian's falcosecurity-scap-dkms module, and clang-built probes.

mod common;

use common::{code, compress, module, peer_module, probe, scap_compat, scratch, ProbeVariant};
use scap_driver_api::{check, CheckOutcome, Compatibility, Requirement, Strictness, VersionKind};

struct Case {
    module: (&'static str, &'static str),
    api: &'static str,
    schema: Option<&'static str>,
    strict: bool,
    outcome: CheckOutcome,
}

const fn case(
    module: (&'static str, &'static str),
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
/// (0.9.0, 0.9.0), (1.0.0, 2.0.0) as (API, schema).
const CASES: &[Case] = &[
    // equal
    case(("1.0.0", "1.0.0"), "1.0.0", Some("1.0.0"), false, Ok_),
    // newer minor, newer patch: compatible
    case(("1.3.0", "1.2.0"), "1.2.0", None, false, Ok_),
    case(("1.3.2", "1.2.0"), "1.3.0", None, false, Ok_),
    case(("1.3.2", "1.2.0"), "1.2.9", None, true, Ok_),
    // same minor, older patch: warning, an error when strict
    case(("1.3.0", "1.2.0"), "1.3.2", None, false, Warn),
    case(("1.3.0", "1.2.0"), "1.3.2", None, true, Bad),
    case(("1.3.0", "1.2.0"), "1.3.1", None, false, Warn),
    // older minor
    case(("1.3.2", "1.2.0"), "1.4.0", None, false, Bad),
    // other majors, both ways
    case(("2.0.0", "1.0.0"), "1.0.0", None, false, Bad),
    case(("0.9.0", "0.9.0"), "1.0.0", None, false, Bad),
    case(("1.0.0", "1.0.0"), "2.0.0", None, false, Bad),
    // the schema version by the same rules
    case(("1.3.0", "1.2.0"), "1.0.0", Some("1.1.5"), false, Ok_),
    case(("1.3.0", "1.2.0"), "1.0.0", Some("1.2.1"), false, Warn),
    case(("1.3.0", "1.2.0"), "1.0.0", Some("1.2.1"), true, Bad),
    case(("1.3.0", "1.2.0"), "1.0.0", Some("1.3.0"), false, Bad),
    case(("1.0.0", "2.0.0"), "1.0.0", Some("1.0.0"), false, Bad),
    // API fine, schema of an older major: the schema decides
    case(("0.9.0", "0.9.0"), "0.9.0", Some("1.0.0"), false, Bad),
];

/// The messages scap-driver-api gives for this module and requirement.
fn expected_messages(c: &Case) -> Vec<String> {
    let strictness = if c.strict {
        Strictness::Strict
    } else {
        Strictness::Lenient
    };
    let mut checks = vec![(VersionKind::Api, c.module.0, c.api)];
    if let Some(schema) = c.schema {
        checks.push((VersionKind::Schema, c.module.1, schema));
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
                other => Some(other.message().unwrap().to_string()),
            }
        })
        .collect()
}

fn args_for<'a>(c: &'a Case, file: &'a str) -> Vec<&'a str> {
    let mut args = vec!["check", "--json", "--module", file, "--api", c.api];
    if let Some(schema) = c.schema {
        args.extend(["--schema", schema]);
    }
    if c.strict {
        args.push("--strict");
    }
    args
}

#[test]
fn every_rule_branch_on_real_modules() {
    for c in CASES {
        let ko = module(c.module.0, c.module.1);
        let file = ko.to_str().unwrap();
        let ran = scap_compat(&args_for(c, file));
        let what = format!(
            "module {:?} --api {} --schema {:?} strict {}",
            c.module, c.api, c.schema, c.strict
        );
        assert_eq!(
            ran.code,
            i32::from(c.outcome.exit_code()),
            "{what}: {}",
            ran.stdout
        );
        let json = ran.json();
        assert_eq!(json["outcome"], c.outcome.name(), "{what}");
        let driver = &json["drivers"][0];
        assert_eq!(driver["kind"], "module_file");
        assert_eq!(driver["api"], c.module.0, "{what}: read from .modinfo");
        assert_eq!(driver["schema"], c.module.1, "{what}: read from .modinfo");
        assert_eq!(json["required"]["api"], c.api);
        let messages: Vec<&str> = driver["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        assert_eq!(messages, expected_messages(c), "{what}");

        // The human form ends with the summary line carrying the top message.
        let human = scap_compat(
            &args_for(c, file)[..]
                .iter()
                .copied()
                .filter(|a| *a != "--json")
                .collect::<Vec<_>>(),
        );
        assert_eq!(human.code, ran.code);
        let last = human.stdout.lines().last().unwrap();
        assert!(last.starts_with("scap-compat: "), "{}", human.stdout);
        if let Some(first) = expected_messages(c).first() {
            assert!(last.contains(first), "summary carries the message: {last}");
        }
    }
}

#[test]
fn compressed_modules_read_like_the_plain_one() {
    let ko = module("1.3.2", "1.2.0");
    let dir = scratch("compressed");
    for tool in ["xz-kbuild", "xz", "zstd"] {
        let packed = compress(&ko, &dir.join(tool), tool);
        let ran = scap_compat(&[
            "check",
            "--json",
            "--api",
            "1.3.0",
            "--schema",
            "1.2.0",
            "--module",
            packed.to_str().unwrap(),
        ]);
        assert_eq!(ran.code, 0, "{tool}: {}", ran.stdout);
        let driver = &ran.json()["drivers"][0];
        assert_eq!(driver["api"], "1.3.2", "{tool}");
        assert_eq!(driver["schema"], "1.2.0", "{tool}");
        let ran = scap_compat(&[
            "check",
            "--json",
            "--api",
            "1.4.0",
            "--module",
            packed.to_str().unwrap(),
        ]);
        assert_eq!(ran.code, 20, "{tool}: {}", ran.stdout);
    }
}

#[test]
fn debian_falcosecurity_module_is_api_1_schema_1() {
    let ko = peer_module();
    let file = ko.to_str().unwrap();
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

#[test]
fn probes_by_the_same_rules() {
    for (api, schema, required, outcome) in [
        ("1.0.0", "1.0.0", "1.0.0", Ok_),
        ("1.3.2", "1.0.0", "1.3.0", Ok_),
        ("1.3.0", "1.0.0", "1.3.2", Warn),
        ("1.3.0", "1.0.0", "1.4.0", Bad),
        ("2.0.0", "1.0.0", "1.0.0", Bad),
        ("0.9.0", "1.0.0", "1.0.0", Bad),
    ] {
        let o = probe(code(api), code(schema), ProbeVariant::Good);
        let ran = scap_compat(&[
            "check",
            "--json",
            "--api",
            required,
            "--probe",
            o.to_str().unwrap(),
        ]);
        assert_eq!(
            ran.code,
            i32::from(outcome.exit_code()),
            "{api} vs {required}: {}",
            ran.stdout
        );
        let json = ran.json();
        let driver = &json["drivers"][0];
        assert_eq!(driver["kind"], "probe_file");
        assert_eq!(driver["api"], api);
    }
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
