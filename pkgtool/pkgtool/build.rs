//! The copyright holder every package states, from the workspace's
//! Cargo.toml (`[workspace.metadata.scap-driver] copyright-holder`), where
//! the maintainer and homepage are too: one file for the project's facts.

use std::path::Path;

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    println!("cargo:rerun-if-changed={}", manifest.display());
    let text = std::fs::read_to_string(&manifest)
        .unwrap_or_else(|err| panic!("{}: {err}", manifest.display()));
    let holder = table_string(&text, "workspace.metadata.scap-driver", "copyright-holder")
        .unwrap_or_else(|| {
            panic!(
                "{}: no copyright-holder = \"...\" in [workspace.metadata.scap-driver]; add it",
                manifest.display()
            )
        });
    println!("cargo:rustc-env=SCAP_COPYRIGHT_HOLDER={holder}");
}

/// The basic string `key = "..."` of `[table]` (no escapes: a name).
fn table_string(toml: &str, table: &str, key: &str) -> Option<String> {
    let header = format!("[{table}]");
    toml.lines()
        .skip_while(|line| line.trim() != header)
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('['))
        .find_map(|line| {
            let (name, value) = line.split_once('=')?;
            let value = value.trim();
            (name.trim() == key
                && value.len() >= 2
                && value.starts_with('"')
                && value.ends_with('"'))
            .then(|| value[1..value.len() - 1].to_string())
        })
}
