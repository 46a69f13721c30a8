//! Damaged and wrong inputs, made from real objects (a build of
//! driver-src, Debian's falcosecurity-scap-dkms module, clang-built
//! probes): each gets one line naming the file, what is wrong and the fix,
//! and exit 20; none panics.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{code, compress, module, peer_module, probe, run, scap_compat, scratch, ProbeVariant};

/// Replaces `from` by `to` (same length) once in a copy of `src`.
fn patched(src: &Path, dest: &Path, from: &str, to: &str) -> PathBuf {
    assert_eq!(from.len(), to.len());
    let mut bytes = fs::read(src).unwrap();
    let at = bytes
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{from:?} not in {}", src.display()));
    bytes[at..at + to.len()].copy_from_slice(to.as_bytes());
    fs::write(dest, bytes).unwrap();
    dest.to_path_buf()
}

fn truncated(src: &Path, dest: &Path, len: usize) -> PathBuf {
    let bytes = fs::read(src).unwrap();
    fs::write(dest, &bytes[..len]).unwrap();
    dest.to_path_buf()
}

fn flipped(src: &Path, dest: &Path) -> PathBuf {
    let mut bytes = fs::read(src).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 16] {
        *b ^= 0x5a;
    }
    fs::write(dest, bytes).unwrap();
    dest.to_path_buf()
}

/// Checks the one-line report of a bad file given with `flag`.
fn assert_one_line_error(flag: &str, file: &Path, fragment: &str, fix: &str) {
    let path = file.to_str().unwrap();
    let ran = scap_compat(&["check", "--api", "1.0.0", flag, path]);
    let what = format!("{flag} {path}");
    assert_eq!(
        ran.code, 20,
        "{what}: incompatible, not a crash: {}{}",
        ran.stdout, ran.stderr
    );
    assert_eq!(ran.stderr, "", "{what}");
    // The driver's line, its one error, the summary: nothing else, no
    // message broken over lines.
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{what}: three lines: {}", ran.stdout);
    assert!(
        lines[0].ends_with(&format!("{path} [incompatible]")),
        "{what}: {}",
        lines[0]
    );
    let errors: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("  error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{what}: one error line: {}", ran.stdout);
    assert!(
        errors[0].contains(fragment),
        "{what}: says {fragment:?}: {}",
        errors[0]
    );
    let summary = ran.stdout.lines().last().unwrap();
    assert!(summary.contains(path), "{what}: names the file: {summary}");
    assert!(summary.contains(fragment), "{what}: says what: {summary}");
    assert!(
        summary.contains(&format!("; fix: {fix}")),
        "{what}: gives the fix: {summary}"
    );

    let json = scap_compat(&["check", "--json", "--api", "1.0.0", flag, path]);
    assert_eq!(json.code, 20);
    let json = json.json();
    assert_eq!(json["drivers"][0]["verdict"], "incompatible");
    assert!(json["drivers"][0]["api"].is_null());
    assert!(json["fixes"][0].as_str().unwrap().starts_with(fix));
}

const MODULE_FIX: &str = "give a scap module";
const PROBE_FIX: &str = "give a scap eBPF probe object";

/// The .ko files the damaged copies are made from: a build of driver-src
/// and Debian's falcosecurity-scap-dkms module (both API 1.0.0, schema
/// 1.0.0), with a name for the scratch files.
fn source_modules() -> [(&'static str, PathBuf); 2] {
    [
        ("ours", module("1.0.0", "1.0.0")),
        ("debian", peer_module()),
    ]
}

/// A copy whose .modinfo section header claims more bytes than the file has.
fn oversized_modinfo(src: &Path, dest: &Path) -> PathBuf {
    let mut bytes = fs::read(src).unwrap();
    let index = {
        use object::{Object, ObjectSection};
        let elf = object::File::parse(bytes.as_slice()).unwrap();
        elf.section_by_name(".modinfo").unwrap().index().0
    };
    // ELF64 little-endian: e_shoff at 0x28, e_shentsize at 0x3a; sh_size
    // is at offset 32 of a section header.
    let shoff = u64::from_le_bytes(bytes[0x28..0x30].try_into().unwrap()) as usize;
    let entsize = u16::from_le_bytes(bytes[0x3a..0x3c].try_into().unwrap()) as usize;
    let at = shoff + index * entsize + 32;
    bytes[at..at + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    fs::write(dest, bytes).unwrap();
    dest.to_path_buf()
}

#[test]
fn damaged_modules() {
    for (name, ko) in source_modules() {
        damaged_copies_of(name, &ko);
    }
}

fn damaged_copies_of(name: &str, ko: &Path) {
    let size = fs::metadata(ko).unwrap().len() as usize;
    let dir = scratch(&format!("damaged-modules-{name}"));

    let cases: Vec<(PathBuf, &str)> = vec![
        (
            truncated(ko, &dir.join("header-only.ko"), 64),
            "damaged or truncated ELF object",
        ),
        (
            truncated(ko, &dir.join("half.ko"), size / 2),
            "damaged or truncated ELF object",
        ),
        (
            truncated(ko, &dir.join("ten.ko"), 10),
            "damaged or truncated ELF object",
        ),
        (
            truncated(ko, &dir.join("empty.ko"), 0),
            "empty file, not an ELF object",
        ),
        (
            patched(
                ko,
                &dir.join("garbage-api.ko"),
                "api_version=1.0.0",
                "api_version=1.x.0",
            ),
            ".modinfo api_version: \"1.x.0\" is not a version",
        ),
        (
            patched(
                ko,
                &dir.join("control-api.ko"),
                "api_version=1.0.0",
                "api_version=\n\u{7}\u{1b}\r\u{1}",
            ),
            // Quoted: no line break or terminal control reaches the output.
            ".modinfo api_version: \"\\n\\u{7}\\u{1b}\\r\\u{1}\" is not a version",
        ),
        (
            patched(
                ko,
                &dir.join("garbage-schema.ko"),
                "schema_version=1.0.0",
                "schema_version=01.0.",
            ),
            ".modinfo schema_version: \"01.0.\" is not a version",
        ),
        (
            patched(ko, &dir.join("no-api.ko"), "api_version=", "api_versiox="),
            ".modinfo has no api_version: the module predates API versioning",
        ),
        (
            patched(
                ko,
                &dir.join("negative-api.ko"),
                "api_version=1.0.0",
                "api_version=-1.00",
            ),
            ".modinfo api_version: \"-1.00\" is not a version",
        ),
        (
            oversized_modinfo(ko, &dir.join("oversized-modinfo.ko")),
            "damaged or truncated .modinfo section",
        ),
    ];
    for (file, fragment) in &cases {
        assert_one_line_error("--module", file, fragment, MODULE_FIX);
    }

    for (how, args) in [
        ("renamed", &["--rename-section", ".modinfo=.modinfx"][..]),
        // The debug info's relocations refer to the section: they go too.
        (
            "removed",
            &["--strip-debug", "--remove-section", ".modinfo"],
        ),
    ] {
        let stripped = dir.join(format!("modinfo-{how}.ko"));
        run(Command::new("objcopy").args(args).arg(ko).arg(&stripped));
        assert_one_line_error(
            "--module",
            &stripped,
            "no .modinfo section: not a kernel module",
            MODULE_FIX,
        );
    }

    let random = dir.join("random.ko");
    fs::write(&random, b"this is not an object file at all\n").unwrap();
    assert_one_line_error(
        "--module",
        &random,
        "not an ELF object (no ELF magic)",
        MODULE_FIX,
    );

    assert_one_line_error(
        "--module",
        &dir.join("missing.ko"),
        "cannot read: No such file",
        MODULE_FIX,
    );

    // A probe is no module.
    let o = probe(code("1.0.0"), code("1.0.0"), ProbeVariant::Good);
    assert_one_line_error("--module", &o, "no .modinfo section", MODULE_FIX);

    damaged_compressed(name, ko);
}

/// Damaged .ko.xz and .ko.zst files made with the real xz and zstd.
fn damaged_compressed(name: &str, ko: &Path) {
    let dir = scratch(&format!("damaged-compressed-{name}"));
    let xz = compress(ko, &dir.join("xz"), "xz-kbuild");
    let zst = compress(ko, &dir.join("zst"), "zstd");
    let xz_len = fs::metadata(&xz).unwrap().len() as usize;
    let zst_len = fs::metadata(&zst).unwrap().len() as usize;
    let cases = [
        (flipped(&xz, &dir.join("flipped.ko.xz")), "corrupt xz data"),
        (
            truncated(&xz, &dir.join("short.ko.xz"), xz_len / 2),
            "corrupt xz data",
        ),
        (
            flipped(&zst, &dir.join("flipped.ko.zst")),
            "corrupt zstd data",
        ),
        (
            truncated(&zst, &dir.join("short.ko.zst"), zst_len / 2),
            "corrupt zstd data",
        ),
        (
            truncated(&zst, &dir.join("magic.ko.zst"), 4),
            "corrupt zstd data",
        ),
    ];
    for (file, fragment) in &cases {
        assert_one_line_error("--module", file, fragment, MODULE_FIX);
    }

    // Incompressible bytes are stored uncompressed, where damage still
    // decodes: only the stream's checksum can tell.
    let noise: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let noise_ko = dir.join("noise.ko");
    fs::write(&noise_ko, noise).unwrap();
    for (tool, fragment) in [
        (
            "zstd",
            "corrupt zstd data: the content checksum does not match",
        ),
        ("xz-kbuild", "corrupt xz data"),
    ] {
        let packed = compress(&noise_ko, &dir.join(format!("noise-{tool}")), tool);
        let damaged = dir.join(format!("noise-flipped-{tool}.ko"));
        assert_one_line_error(
            "--module",
            &flipped(&packed, &damaged),
            fragment,
            MODULE_FIX,
        );
    }

    // Intact compression around a damaged module: the module's error.
    let garbage = patched(
        ko,
        &dir.join("garbage-api.ko"),
        "api_version=1.0.0",
        "api_version=1.x.0",
    );
    for tool in ["xz-kbuild", "zstd"] {
        let packed = compress(&garbage, &dir.join(format!("garbage-{tool}")), tool);
        assert_one_line_error(
            "--module",
            &packed,
            ".modinfo api_version: \"1.x.0\" is not a version",
            MODULE_FIX,
        );
    }

    let gz = dir.join("scap.ko.gz");
    let out = run(Command::new("gzip").arg("-c").arg(ko));
    fs::write(&gz, out.stdout).unwrap();
    assert_one_line_error(
        "--module",
        &gz,
        "gzip-compressed: scap-compat reads plain, xz and zstd objects",
        "check it with modinfo, or recompress it with xz or zstd",
    );
}

#[test]
fn wrong_probes() {
    let dir = scratch("wrong-probes");
    let short = probe(1, 1, ProbeVariant::ShortSections);
    assert_one_line_error(
        "--probe",
        &short,
        "section api_version has 4 bytes, expected 8",
        PROBE_FIX,
    );
    let no_schema = probe(code("1.0.0"), 0, ProbeVariant::NoSchemaSection);
    assert_one_line_error(
        "--probe",
        &no_schema,
        "no schema_version section",
        PROBE_FIX,
    );
    let bit63 = probe(1 << 63 | code("1.0.0"), code("1.0.0"), ProbeVariant::Good);
    assert_one_line_error(
        "--probe",
        &bit63,
        "section api_version: 0x8000100000000000 is not a version code",
        PROBE_FIX,
    );
    // min_kernel is optional (objects from before it lack it), but one
    // that is there must be a version code like the others.
    let short_min = probe(code("1.0.0"), code("1.0.0"), ProbeVariant::ShortMinKernel);
    assert_one_line_error(
        "--probe",
        &short_min,
        "section min_kernel has 4 bytes, expected 8 (the packed 64-bit version code)",
        PROBE_FIX,
    );
    let bit63_min = probe(
        code("1.0.0"),
        code("1.0.0"),
        ProbeVariant::MinKernel(1 << 63 | code("5.10.0")),
    );
    assert_one_line_error(
        "--probe",
        &bit63_min,
        "section min_kernel: 0x800050000a000000 is not a version code",
        PROBE_FIX,
    );
    let host = probe(code("1.0.0"), code("1.0.0"), ProbeVariant::HostObject);
    assert_one_line_error("--probe", &host, "not an eBPF object", PROBE_FIX);
    let ko = module("1.0.0", "1.0.0");
    assert_one_line_error("--probe", &ko, "not an eBPF object", PROBE_FIX);
    let good = probe(code("1.0.0"), code("1.0.0"), ProbeVariant::Good);
    let len = fs::metadata(&good).unwrap().len() as usize;
    let cut = truncated(&good, &dir.join("cut.o"), len / 2);
    assert_one_line_error(
        "--probe",
        &cut,
        "damaged or truncated ELF object",
        PROBE_FIX,
    );
}
