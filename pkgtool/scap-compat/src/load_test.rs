//! `check --load-test`: loads a probe's programs into the kernel with aya
//! and drops them again (closing the last fd unloads them), so that the
//! kernel's verifier judges the object. Nothing is attached.

use std::collections::HashMap;
use std::path::Path;

use aya::programs::Program;
use aya::{Btf, EbpfLoader};
use object::read::elf::ElfFile64;
use object::{Endianness, Object, ObjectSection, ObjectSymbol, SymbolKind};

use crate::object_file;
use crate::report::{Driver, Level, Verdict};

pub fn run(driver: &mut Driver) {
    if driver.verdict == Verdict::Incompatible && driver.api.is_none() {
        // An unreadable object: already reported, nothing to load.
        return;
    }
    let path = Path::new(&driver.location).to_path_buf();
    match load(&path) {
        Ok(loaded) => driver.add(
            Level::Note,
            format!("load test: the kernel accepted its {loaded} programs (loaded, then unloaded)"),
        ),
        Err(what) => {
            driver.add(Level::Error, format!("load test: {what}"));
            driver.fix("rebuild the probe for this kernel (CO-RE needs /sys/kernel/btf/vmlinux)");
        }
    }
}

/// Loads every program; returns how many, or why the kernel refused.
fn load(path: &Path) -> Result<usize, String> {
    let data = object_file::read(path, "").map_err(|p| p.what)?;
    let targets = attach_targets(&data)?;
    let btf = Btf::from_sys_fs().ok();
    let mut ebpf = EbpfLoader::new()
        .btf(btf.as_ref())
        .load(&data)
        .map_err(|err| one_line(&format!("the kernel refused the object: {err}")))?;
    let mut loaded = 0;
    for (name, program) in ebpf.programs_mut() {
        let target = targets.get(name).map(String::as_str).unwrap_or("");
        let needs_btf = || {
            btf.as_ref().ok_or_else(|| {
                format!("program {name} needs the kernel's BTF (/sys/kernel/btf/vmlinux)")
            })
        };
        let result = match program {
            Program::TracePoint(p) => p.load(),
            Program::RawTracePoint(p) => p.load(),
            Program::KProbe(p) => p.load(),
            Program::PerfEvent(p) => p.load(),
            Program::BtfTracePoint(p) => p.load(target, needs_btf()?),
            Program::FEntry(p) => p.load(target, needs_btf()?),
            Program::FExit(p) => p.load(target, needs_btf()?),
            other => {
                return Err(format!(
                    "program {name} is of a type a capture probe does not use ({:?})",
                    other.prog_type()
                ))
            }
        };
        result.map_err(|err| one_line(&format!("program {name}: {err}")))?;
        loaded += 1;
    }
    Ok(loaded)
}

/// The attach target of each program that needs one: `tp_btf/sys_enter`
/// loads program NAME for the tracepoint sys_enter.
fn attach_targets(data: &[u8]) -> Result<HashMap<String, String>, String> {
    // eBPF objects are 64-bit ELF; ELF alone keeps the other formats'
    // readers out of the static binary.
    let elf = ElfFile64::<Endianness>::parse(data).map_err(|err| err.to_string())?;
    let mut targets = HashMap::new();
    for symbol in elf.symbols().filter(|s| s.kind() == SymbolKind::Text) {
        let Some(section) = symbol
            .section_index()
            .and_then(|i| elf.section_by_index(i).ok())
        else {
            continue;
        };
        let (Ok(name), Ok(section)) = (symbol.name(), section.name()) else {
            continue;
        };
        if let Some((_, target)) = section.split_once('/') {
            targets.insert(name.to_string(), target.to_string());
        }
    }
    Ok(targets)
}

/// The verifier's log is many lines; its last ones say why, followed by
/// its statistics (aya asks for them: log level BPF_LOG_STATS) and, for
/// some verdicts, a dump of the states compared. Keep the report one line:
/// the first line, then the last three that are neither.
fn one_line(text: &str) -> String {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        return String::new();
    };
    let rest: Vec<&str> = lines.filter(|l| !is_after_verdict(l)).collect();
    let mut kept = vec![first];
    if rest.len() > 3 {
        kept.push("...");
        kept.extend_from_slice(&rest[rest.len() - 3..]);
    } else {
        kept.extend_from_slice(&rest);
    }
    kept.join(" | ")
}

/// The lines the kernel writes after the verdict: print_verification_stats()
/// whether the program was accepted or not, and from 6.9 on the two states
/// of an "infinite loop detected" ("cur state:", "old state:").
fn is_after_verdict(line: &str) -> bool {
    line.starts_with("verification time ")
        || line.starts_with("stack depth ")
        || (line.starts_with("processed ") && line.contains(" insns (limit "))
        || line.starts_with("cur state:")
        || line.starts_with("old state:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_logs_become_one_line() {
        let log =
            "the BPF_PROG_LOAD syscall returned Permission denied. Verifier output: 0: R1=ctx\n\
                   1: (b7) r0 = 0\n2: ...\n3: ...\n\ninvalid mem access 'scalar'\n\
                   processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0\n";
        assert_eq!(
            one_line(log),
            "the BPF_PROG_LOAD syscall returned Permission denied. Verifier output: 0: R1=ctx | ... \
             | 2: ... | 3: ... | invalid mem access 'scalar'"
        );
        assert_eq!(one_line("short\nlog"), "short | log");
        assert_eq!(one_line(""), "");
    }

    /// What 6.1's verifier wrote for tests/guest/support/rejected_probe
    /// (out of bounds) under aya's log level: the reason comes before the
    /// statistics.
    #[test]
    fn the_reason_survives_the_statistics() {
        let log = "the BPF_PROG_LOAD syscall returned Permission denied (os error 13). \
                   Verifier output: 0: R1=ctx(off=0,imm=0) R10=fp0\n\
                   0: (79) r0 = *(u64 *)(r1 +8000)\n\
                   invalid bpf_context access off=8000 size=8\n\
                   verification time 190 usec\n\
                   stack depth 0\n\
                   processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 \
                   peak_states 0 mark_read 0\n";
        assert_eq!(
            one_line(log),
            "the BPF_PROG_LOAD syscall returned Permission denied (os error 13). Verifier output: \
             0: R1=ctx(off=0,imm=0) R10=fp0 | 0: (79) r0 = *(u64 *)(r1 +8000) | \
             invalid bpf_context access off=8000 size=8"
        );
    }

    /// 7.3's verdict on the unbounded loop of tests/guest/support/rejected_probe:
    /// the states it compared follow the reason.
    #[test]
    fn the_reason_survives_the_state_dump() {
        let log = "the BPF_PROG_LOAD syscall returned Invalid argument (os error 22). \
                   Verifier output: 0: R1=ctx() R10=fp0\n\
                   0: (b7) r1 = 0\n\
                   1: (07) r1 += 1\n\
                   2: (05) goto pc-2\n\
                   infinite loop detected at insn 1\n\
                   cur state: R1=scalar(smin=0,smax=umax=0xffffffff) R10=fp0\n\
                   old state: R1=scalar(smin=0,smax=umax=0xffffffff) R10=fp0\n\
                   verification time 95 usec\n\
                   stack depth 0\n\
                   processed 5 insns (limit 1000000) max_states_per_insn 0 total_states 1\n";
        assert_eq!(
            one_line(log),
            "the BPF_PROG_LOAD syscall returned Invalid argument (os error 22). Verifier output: \
             0: R1=ctx() R10=fp0 | ... | 1: (07) r1 += 1 | 2: (05) goto pc-2 | \
             infinite loop detected at insn 1"
        );
    }
}
