//! Whether a probe object may be loaded here (or a loaded module's rings
//! read), decided before anything is loaded: its versions against what this loader requires (the driver
//! sources' versions it was built with), the running kernel against the
//! probe's minimum, and the object's programs and maps.

use std::path::Path;

use scap_driver_api::object::Fault;
use scap_driver_api::sections::{self, ProbeSections, MIN_KERNEL_SECTION};
use scap_driver_api::{
    check, release_version, Compatibility, Problem, Requirement, Strictness, Version, VersionKind,
};

/// The sys_enter/sys_exit programs and the ring buffer the loader uses.
pub const ENTER_PROGRAM: &str = "scap_sys_enter";
pub const EXIT_PROGRAM: &str = "scap_sys_exit";
/// The clone and execve exits' dispatcher, also on sys_exit.
pub const CLONE_EXEC_EXIT_PROGRAM: &str = "scap_sys_exit_clone_exec";
/// PROCEXIT_1_E, from sched_process_exit.
pub const PROCEXIT_PROGRAM: &str = "scap_sched_process_exit";
/// The tail-call targets: each program goes into the one-slot program
/// array of the same name with `_call` for `_slot`, from which its
/// dispatcher calls it.
pub const CALL_PROGRAMS: [(&str, &str); 4] = [
    ("scap_net_enter_call", "sys_enter"),
    ("scap_net_exit_call", "sys_exit"),
    ("scap_clone_exit_call", "sys_exit"),
    ("scap_exec_exit_call", "sys_exit"),
];
pub const EVENTS_MAP: &str = "scap_events";
/// Optional: events lost to a full ring, per CPU.
pub const LOST_MAP: &str = "scap_lost";

/// The program array from which a tail-call target is called.
pub fn call_slot(program: &str) -> String {
    format!("{}_slot", program.trim_end_matches("_call"))
}

/// What to do about a probe object whose versions are missing or corrupt.
const REBUILD_FIX: &str = "rebuild it (make -C probe) or reinstall the probe package";
/// What to do about a file that is no probe object at all.
const NOT_A_PROBE_FIX: &str = "pass a scap probe object (scap_probe-X.Y.Z.o)";

/// Reads a probe object and its version sections; this loader needs
/// `min_kernel` too.
pub fn read_probe(path: &Path) -> Result<(ProbeSections, Vec<u8>), Problem> {
    let bytes = std::fs::read(path).map_err(|err| {
        Problem::at(
            path,
            format!("cannot read: {err}"),
            "pass the path of a scap probe object",
        )
    })?;
    let info = sections::read(&bytes).map_err(|err| {
        let fix = match err.fault {
            Fault::WrongKind => NOT_A_PROBE_FIX,
            Fault::BadVersions => REBUILD_FIX,
        };
        err.at(path, fix)
    })?;
    if info.min_kernel.is_none() {
        return Err(Problem::at(
            path,
            format!("no {MIN_KERNEL_SECTION} section: not a scap probe, or one from before it"),
            REBUILD_FIX,
        ));
    }
    Ok((info, bytes))
}

/// The versions this loader was built for.
pub fn required() -> (Version, Version) {
    let parse = |text: &str| text.parse::<Version>().expect("build.rs wrote a version");
    (
        parse(env!("SCAP_REQUIRED_API")),
        parse(env!("SCAP_REQUIRED_SCHEMA")),
    )
}

/// Which of the probe objects installed in a directory (its file names)
/// this loader uses by default: the one of its API major, at the version
/// it requires or later, the newest. The probe package's name has the
/// major only, so an upgrade replaces `scap_probe-1.0.0.o` by
/// `scap_probe-1.1.0.o`, which a loader built for 1.0.0 must still find.
pub fn installed_probe<'a>(
    module: &str,
    required: Version,
    file_names: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let prefix = format!("{module}_probe-");
    file_names
        .into_iter()
        .filter_map(|name| {
            let version: Version = name
                .strip_prefix(&prefix)?
                .strip_suffix(".o")?
                .parse()
                .ok()?;
            (version.major == required.major && version >= required).then_some((version, name))
        })
        .max()
        .map(|(_, name)| name)
}

/// Applies the compatibility rules to the probe's API and schema versions.
/// Returns the warnings of a compatible probe.
pub fn versions(
    path: &Path,
    info: &ProbeSections,
    strictness: Strictness,
) -> Result<Vec<String>, Problem> {
    driver_versions(path, info.api, info.schema, strictness)
}

/// The same for any driver (a probe object, a loaded module's device).
pub fn driver_versions(
    path: &Path,
    driver_api: Version,
    driver_schema: Version,
    strictness: Strictness,
) -> Result<Vec<String>, Problem> {
    let (api, schema) = required();
    let mut warnings = Vec::new();
    for (kind, found, required) in [
        (VersionKind::Api, driver_api, api),
        (VersionKind::Schema, driver_schema, schema),
    ] {
        let requirement = Requirement {
            kind,
            required,
            strictness,
        };
        match check(found, requirement) {
            Compatibility::Compatible => {}
            Compatibility::Warning(verdict) => {
                warnings.push(format!("{}: {verdict}", path.display()))
            }
            Compatibility::Incompatible(verdict) => {
                return Err(Problem::at(path, verdict.what, verdict.fix))
            }
        }
    }
    Ok(warnings)
}

/// The MAJOR.MINOR.PATCH a kernel release starts with ("6.1.0-26-amd64"),
/// read as scap-compat reads it (scap-driver-api).
pub fn kernel_version(release: &str) -> Result<Version, Problem> {
    release_version(release).ok_or_else(|| {
        Problem::new(
            format!("kernel release {release:?}"),
            "does not start with MAJOR.MINOR; cannot tell whether the probe runs on it",
            "use the scap kernel module on this kernel",
        )
    })
}

/// Whether the kernel runs the syscall tracepoints' BPF programs
/// preemptible: from 6.13 (commit a363d27cdbc2, "tracing: Allow system call
/// tracepoints to handle page faults"). There a preempted program makes the
/// kernel skip that program on its CPU until it resumes, so the loader
/// attaches the long clone and execve exits apart (`CLONE_EXEC_EXIT_PROGRAM`)
/// instead of tail-calling them from the exit program.
pub fn preemptible_syscall_programs(release: &str) -> Result<bool, Problem> {
    let first = Version {
        major: 6,
        minor: 13,
        patch: 0,
    };
    Ok(kernel_version(release)? >= first)
}

pub fn kernel(path: &Path, info: &ProbeSections, release: &str) -> Result<(), Problem> {
    let Some(min) = info.min_kernel else {
        // read_probe refuses objects without the section.
        return Ok(());
    };
    let running = kernel_version(release)?;
    if running < min {
        return Err(Problem::at(
            path,
            format!("needs kernel {min} or later, this one is {release}"),
            "use the scap kernel module on this kernel",
        ));
    }
    Ok(())
}

/// Parses the object as the loader will (aya-obj), without the kernel,
/// and checks that it has what the loader attaches and reads.
pub fn object(path: &Path, bytes: &[u8]) -> Result<(), Problem> {
    let bad = |reason: String| {
        Problem::at(
            path,
            format!("not a loadable eBPF object: {reason}"),
            REBUILD_FIX,
        )
    };
    let obj = aya_obj::Object::parse(bytes).map_err(|err| bad(err.to_string()))?;
    let attached = [
        ENTER_PROGRAM,
        EXIT_PROGRAM,
        CLONE_EXEC_EXIT_PROGRAM,
        PROCEXIT_PROGRAM,
    ];
    for program in attached.into_iter().chain(CALL_PROGRAMS.map(|(p, _)| p)) {
        if !obj.programs.contains_key(program) {
            return Err(bad(format!("no program {program}")));
        }
    }
    let slots = CALL_PROGRAMS.map(|(program, _)| call_slot(program));
    for map in slots.iter().map(String::as_str).chain([EVENTS_MAP]) {
        if !obj.maps.contains_key(map) {
            return Err(bad(format!("no map {map}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        text.parse().unwrap()
    }

    #[test]
    fn kernel_releases() {
        assert_eq!(kernel_version("6.1.0-26-amd64").unwrap(), v("6.1.0"));
        assert_eq!(kernel_version("5.8").unwrap(), v("5.8.0"));
        assert_eq!(kernel_version("4.19.300").unwrap(), v("4.19.255"));
        assert_eq!(kernel_version("6.18.0+").unwrap(), v("6.18.0"));
        assert!(kernel_version("linux").is_err());
        assert!(kernel_version("6").is_err());
    }

    #[test]
    fn preemptible_from_6_13() {
        let preemptible = |release| preemptible_syscall_programs(release).unwrap();
        assert!(!preemptible("5.10.0-46-amd64"));
        assert!(!preemptible("6.12.118+deb13-amd64"));
        assert!(preemptible("6.13.0"));
        assert!(preemptible("7.2.13+deb14-amd64"));
        assert!(preemptible_syscall_programs("linux").is_err());
    }

    #[test]
    fn kernel_minimum() {
        let info = ProbeSections {
            api: v("1.0.0"),
            schema: v("1.0.0"),
            min_kernel: Some(v("5.10.0")),
        };
        let path = Path::new("p.o");
        assert!(kernel(path, &info, "5.10.0-46-amd64").is_ok());
        assert!(kernel(path, &info, "6.1.0-26-amd64").is_ok());
        assert!(kernel(path, &info, "7.2.13+deb14-amd64").is_ok());
        let err = kernel(path, &info, "5.8.18-100.fc31.x86_64").unwrap_err();
        assert_eq!(
            err.to_string(),
            "p.o: needs kernel 5.10.0 or later, this one is 5.8.18-100.fc31.x86_64; \
             use the scap kernel module on this kernel"
        );
    }

    #[test]
    fn versions_follow_the_rules() {
        let (api, schema) = required();
        let path = Path::new("p.o");
        let info = |api, schema| ProbeSections {
            api,
            schema,
            min_kernel: Some(v("5.10.0")),
        };
        assert_eq!(
            versions(path, &info(api, schema), Strictness::Lenient).unwrap(),
            Vec::<String>::new()
        );
        let newer_minor = Version {
            minor: api.minor + 1,
            ..api
        };
        assert!(versions(path, &info(newer_minor, schema), Strictness::Strict).is_ok());
        let other_major = Version {
            major: api.major + 1,
            ..api
        };
        let err = versions(path, &info(other_major, schema), Strictness::Lenient).unwrap_err();
        assert!(
            err.to_string().starts_with(&format!(
                "p.o: driver API version {other_major}, required {api}"
            )),
            "{err}"
        );
        let other_schema = Version {
            major: schema.major + 1,
            ..schema
        };
        let err = versions(path, &info(api, other_schema), Strictness::Lenient).unwrap_err();
        assert!(err.to_string().contains("driver schema version"), "{err}");
    }
    #[test]
    fn the_installed_probe_is_the_newest_of_the_major_from_the_required_on() {
        let pick =
            |names: &[&'static str]| installed_probe("scap", v("1.1.0"), names.iter().copied());
        assert_eq!(pick(&["scap_probe-1.1.0.o"]), Some("scap_probe-1.1.0.o"));
        assert_eq!(
            pick(&[
                "scap_probe-1.2.0.o",
                "scap_probe-1.10.0.o",
                "scap_probe-1.1.3.o"
            ]),
            Some("scap_probe-1.10.0.o")
        );
        // Older minors, other majors, other modules, other names: none.
        assert_eq!(
            pick(&[
                "scap_probe-1.0.9.o",
                "scap_probe-2.0.0.o",
                "other_probe-1.5.0.o",
                "scap_probe-1.5.o",
                "scap_probe-1.5.0.o.dpkg-new",
                "scap_probe-x.o",
            ]),
            None
        );
    }
}
