//! Every bad input to `pkgtool build` is a one-line error naming the thing
//! and the fix, and the run leaves no package behind.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// The packages in `dir`, by name, with their bytes.
fn packages(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "deb" || x == "rpm"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    found.sort();
    found
}

/// Runs a failing build into `out`; returns its error line after checking
/// it is the only error line and that the packages in `out` are as they
/// were.
fn build_fails(source: &Path, out: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let before = packages(out);
    let output = Command::new(env!("CARGO_BIN_EXE_pkgtool"))
        .arg("build")
        .arg("--source")
        .arg(source)
        .arg("--out")
        .arg(out)
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{args:?} succeeded:\n{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 1, "one error line for {args:?}:\n{stderr}");
    let last = stderr.lines().last().unwrap();
    assert!(last.starts_with("pkgtool: error: "), "{stderr}");
    assert!(
        packages(out) == before,
        "{args:?} changed the packages in {out:?}"
    );
    last.to_string()
}

fn assert_says(line: &str, parts: &[&str]) {
    for part in parts {
        assert!(line.contains(part), "{part:?} not in: {line}");
    }
}

#[test]
fn bad_probe_objects() {
    let dir = scratch("errors-probe");
    let src = sources_with_api(&dir, "1.0.0");
    let out = dir.join("dist");
    let corrupt = dir.join("corrupt.o");
    std::fs::write(&corrupt, b"\x7fELF but not really").unwrap();
    let line = build_fails(
        &src,
        &out,
        &["--kind", "probe", "--probe", corrupt.to_str().unwrap()],
        &[],
    );
    assert_says(
        &line,
        &[
            "corrupt.o",
            "damaged or truncated ELF object",
            "pass an eBPF probe object",
        ],
    );

    let line = build_fails(
        &src,
        &out,
        &["--kind", "probe", "--probe", "/bin/true"],
        &[],
    );
    assert_says(
        &line,
        &["/bin/true", "not an eBPF object (ELF machine EM_BPF)"],
    );

    let line = build_fails(
        &src,
        &out,
        &["--kind", "probe", "--probe", "/nonexistent/probe.o"],
        &[],
    );
    assert_says(
        &line,
        &["/nonexistent/probe.o", "cannot read", "make -C probe"],
    );

    require_tool("clang");
    let bare = dir.join("bare.o");
    run(Command::new("clang")
        .args(["-target", "bpf", "-O2", "-c"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/probe_without_versions.c"))
        .arg("-o")
        .arg(&bare));
    let line = build_fails(
        &src,
        &out,
        &["--kind", "probe", "--probe", bare.to_str().unwrap()],
        &[],
    );
    assert_says(
        &line,
        &["bare.o", "no api_version section", "8-byte api_version"],
    );

    let newer = probe_stub(&dir, "1.1.0", "1.0.0");
    let line = build_fails(
        &src,
        &out,
        &["--kind", "probe", "--probe", newer.to_str().unwrap()],
        &[],
    );
    assert_says(
        &line,
        &[
            "carries API 1.1.0",
            "driver-src/ says API 1.0.0",
            "rebuild the probe",
        ],
    );

    // Asked for explicitly, a missing probe/ is an error, not a skip.
    std::fs::remove_dir_all(dir.join("probe")).unwrap();
    let line = build_fails(&src, &out, &["--kind", "probe"], &[]);
    assert_says(
        &line,
        &[
            "no probe to package",
            "probe has no Makefile",
            "--probe FILE",
        ],
    );
}

#[test]
fn bad_compat_binaries_and_no_helper_crate() {
    // The repository's sources (a cargo workspace with the helper), packages
    // written elsewhere.
    let src = driver_src();
    let dir = scratch("errors-compat");
    let out = dir.join("dist");
    let text = dir.join("scap-compat");
    std::fs::write(&text, "#!/bin/sh\necho scap-compat 0.1.0\n").unwrap();
    for (binary, parts) in [
        (
            text.to_str().unwrap(),
            &["scap-compat: not an ELF executable", "--compat-binary"][..],
        ),
        (
            "/bin/true",
            &["/bin/true: dynamically linked", "pass the static build"],
        ),
        // Static and stripped, but another program.
        (
            "/bin/busybox",
            &["/bin/busybox: --version says", "not \"scap-compat "],
        ),
        (
            "/nonexistent/scap-compat",
            &["/nonexistent/scap-compat: cannot read"],
        ),
    ] {
        let line = build_fails(
            &src,
            &out,
            &["--kind", "compat", "--compat-binary", binary],
            &[],
        );
        assert_says(&line, parts);
    }
    let line = build_fails(
        &src,
        &out,
        &["--kind", "dkms", "--compat-binary", "/bin/busybox"],
        &[],
    );
    assert_says(&line, &["--compat-binary given without the compat kind"]);

    // A copy of the sources has no cargo workspace, so no helper.
    let copy = sources_with_api(&dir, "1.0.0");
    let line = build_fails(&copy, &out, &["--kind", "compat"], &[]);
    assert_says(
        &line,
        &[
            "no scap-compat to package",
            "no cargo workspace with the scap-compat crate",
            "leave out --kind compat",
        ],
    );
}

#[test]
fn bad_kernels_and_arguments() {
    let dir = scratch("errors-kernels");
    let src = sources_with_api(&dir, "1.0.0");
    let out = dir.join("dist");
    let line = build_fails(
        &src,
        &out,
        &["--kind", "modules", "--kernel", "4.19.0-27-amd64"],
        &[],
    );
    assert_says(
        &line,
        &[
            &format!(
                "kernel 4.19.0-27-amd64 is outside the kernels {}",
                scap_driver_api::SUPPORTED_KERNELS
            ),
            "drop --kernel",
        ],
    );

    let line = build_fails(
        &src,
        &out,
        &["--kind", "modules", "--kernel", "6.1.0-999-amd64"],
        &[],
    );
    assert_says(
        &line,
        &[
            "no headers in /lib/modules/6.1.0-999-amd64/build",
            "install linux-headers-6.1.0-999-amd64",
        ],
    );

    let line = build_fails(
        &src,
        &out,
        &["--kind", "dkms", "--kernel", "6.1.0-999-amd64"],
        &[],
    );
    assert_says(&line, &["--kernel given without the modules kind"]);

    let line = build_fails(
        &src,
        &out,
        &["--kind", "modules", "--transitional", "0.1.1"],
        &[],
    );
    assert_says(&line, &["--transitional given without the dkms kind"]);
    let line = build_fails(
        &src,
        &out,
        &["--kind", "dkms", "--transitional", "v0.23 beta"],
        &[],
    );
    assert_says(
        &line,
        &[
            "\"v0.23 beta\": not a Debian upstream version",
            "such as 0.23.2",
        ],
    );

    let line = build_fails(
        &src,
        &out,
        &["--kind", "dkms"],
        &[("SOURCE_DATE_EPOCH", "yesterday")],
    );
    assert_says(
        &line,
        &[
            "SOURCE_DATE_EPOCH=\"yesterday\" is not a number",
            "unset it",
        ],
    );

    std::fs::write(src.join("API_VERSION"), "1.0\n").unwrap();
    let line = build_fails(&src, &out, &["--kind", "dkms"], &[]);
    assert_says(
        &line,
        &[
            "API_VERSION",
            "\"1.0\" is not a version",
            "expected MAJOR.MINOR.PATCH",
        ],
    );
}

#[test]
fn a_failing_module_build_names_its_log_and_leaves_the_output_as_it_was() {
    let kernel = &installed_kernels()[0];
    let dir = scratch("errors-module");
    let src = sources_with_api(&dir, "1.0.0");
    // A previous run's packages, which the failed run must not replace.
    let out = dir.join("dist");
    pkgtool_build_ok(&src, &["--kind", "dkms", "--out", out.to_str().unwrap()]);
    assert_eq!(packages(&out).len(), 2);
    std::fs::write(
        src.join("main.c"),
        "#include <linux/module.h>\nthis does not compile;\n",
    )
    .unwrap();
    let line = build_fails(
        &src,
        &out,
        &["--kind", "dkms,modules", "--kernel", kernel],
        &[],
    );
    assert_says(
        &line,
        &[
            &format!("building scap.ko for kernel {kernel} failed"),
            "see ",
        ],
    );
    let log = line.rsplit("see ").next().unwrap();
    let text = std::fs::read_to_string(log).unwrap();
    assert!(text.contains("this does not compile"), "{text}");
}

/// `--plan` says what would be built and builds nothing; `--json` is the
/// same for machines and needs `--plan`.
#[test]
fn the_plan_builds_nothing() {
    let dir = scratch("plan");
    let out = dir.join("dist");
    let src = sources_with_api(&dir, "1.0.0");
    let args = ["--kind", "dkms,probe", "--probe", "/nonexistent.o", "--out"];
    let text = pkgtool_build_ok(
        &src,
        &[&args[..], &[out.to_str().unwrap(), "--plan"]].concat(),
    );
    assert!(text.contains("scap-api1-dkms"), "{text}");
    assert!(text.contains("from /nonexistent.o"), "{text}");
    assert!(!out.exists(), "--plan wrote {}", out.display());
    let json = pkgtool_build_ok(
        &src,
        &[&args[..], &[out.to_str().unwrap(), "--plan", "--json"]].concat(),
    );
    let plan: serde_json::Value = serde_json::from_str(&json).unwrap();
    let kinds: Vec<&str> = plan["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["dkms", "probe"], "{json}");
    assert_eq!(plan["api_version"], "1.0.0");
    assert!(!out.exists());
    let output = pkgtool_build(&src, &["--json"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--plan"));
}
