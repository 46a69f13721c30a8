//! Boots the guest under qemu's TCG (never KVM: the machines' /dev/kvm is a
//! nested backend the Debian kernel crashes on) with a hard timeout. The
//! kernel console goes to the first serial port, the guest runner's results
//! to the second, each into a file.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{missing_tool, Problem, Result};

pub const QEMU: &str = "qemu-system-x86_64";
/// `no_timer_check`: under TCG on a loaded host the kernel's check that the
/// 8254 timer reaches the IO-APIC can time out, and 5.10 then panics at
/// boot ("IO-APIC + timer doesn't work"); the emulated timer is fine.
const KERNEL_CMDLINE: &str = "console=ttyS0 panic=-1 quiet no_timer_check";

/// How TCG emulates the guest's CPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tcg {
    /// A host thread per guest CPU (qemu's default, MTTCG).
    ThreadPerCpu,
    /// All guest CPUs in one host thread, taking turns.
    SingleThread,
}

#[derive(Debug, Clone)]
pub struct Boot {
    pub console: String,
    pub results: String,
    pub timed_out: bool,
    pub elapsed: Duration,
}

/// What a boot runs: the kernel, its initrd, and optionally a root disk
/// (a raw image, the guest's /dev/vda) with more kernel arguments.
#[derive(Debug, Clone)]
pub struct Machine<'a> {
    pub vmlinux: &'a Path,
    pub initrd: &'a Path,
    pub disk: Option<&'a Path>,
    /// Appended to the harness's own kernel arguments.
    pub append: &'a str,
    pub cpus: u32,
    pub tcg: Tcg,
    /// qemu's instruction counting (`-icount shift=0,sleep=off`): the
    /// guest's clocks advance 1 ns per guest instruction, so a guest time
    /// difference is an instruction count (tests/bench/capture-overhead).
    /// One TCG thread (qemu refuses more with icount); give it one CPU.
    pub icount: bool,
    pub timeout: Duration,
}

/// Runs the VM until it powers off or its timeout passes; `on_results`
/// sees the results port's text as it grows; the serial logs go to `scratch`.
pub fn boot_machine(
    machine: &Machine,
    scratch: &Path,
    on_results: &mut dyn FnMut(&str),
) -> Result<Boot> {
    let Machine {
        vmlinux,
        initrd,
        disk,
        append,
        cpus,
        tcg,
        icount,
        timeout,
    } = *machine;
    let mut cmdline = KERNEL_CMDLINE.to_string();
    if !append.is_empty() {
        cmdline = format!("{cmdline} {append}");
    }
    let console_log = scratch.join("console.log");
    let results_log = scratch.join("results.log");
    let qemu_log = scratch.join("qemu.log");
    let log = File::create(&qemu_log).map_err(Problem::io(
        &qemu_log,
        "make the scratch directory writable",
    ))?;
    let log_err = log.try_clone().map_err(Problem::io(
        &qemu_log,
        "make the scratch directory writable",
    ))?;
    let serial = |path: &PathBuf| format!("file:{}", path.display());
    let started = Instant::now();
    let mut qemu = Command::new("nice");
    qemu.args(["-n", "10", QEMU]);
    if let Some(disk) = disk {
        qemu.arg("-drive")
            .arg(format!("file={},if=virtio,format=raw", disk.display()));
    }
    let mut child = qemu
        .arg("-accel")
        .arg(match tcg {
            Tcg::ThreadPerCpu if !icount => "tcg",
            _ => "tcg,thread=single",
        })
        .args(match icount {
            true => &["-icount", "shift=0,sleep=off"][..],
            false => &[][..],
        })
        .args(["-cpu", "max", "-m", "1024", "-smp"])
        .arg(cpus.to_string())
        .args([
            "-nographic",
            "-no-reboot",
            "-nic",
            "none",
            "-monitor",
            "none",
        ])
        .arg("-kernel")
        .arg(vmlinux)
        .arg("-initrd")
        .arg(initrd)
        .arg("-append")
        .arg(&cmdline)
        .args([
            "-serial",
            &serial(&console_log),
            "-serial",
            &serial(&results_log),
        ])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|_| missing_tool("nice"))?;
    let mut seen = 0;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|err| Problem::new(QEMU, err.to_string(), "check the qemu process"))?
        {
            break status;
        }
        seen = report_growth(&results_log, seen, on_results);
        if started.elapsed() > timeout {
            timed_out = true;
            // The VM is hung or too slow; what it printed so far is kept.
            let _ = child.kill();
            break child
                .wait()
                .map_err(|err| Problem::new(QEMU, err.to_string(), "check the qemu process"))?;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    report_growth(&results_log, seen, on_results);
    let read =
        |path: &Path| String::from_utf8_lossy(&fs::read(path).unwrap_or_default()).into_owned();
    let qemu_output = read(&qemu_log);
    if !timed_out && !status.success() {
        let said = qemu_output
            .lines()
            .map(str::trim)
            .rfind(|line| !line.is_empty());
        let missing = status.code() == Some(127) || qemu_output.contains("No such file");
        if missing {
            return Err(missing_tool(QEMU));
        }
        return Err(Problem::failed(
            QEMU,
            status,
            said,
            "see the qemu message; the harness needs qemu-system-x86 with TCG",
        ));
    }
    Ok(Boot {
        console: read(&console_log),
        results: read(&results_log),
        timed_out,
        elapsed: started.elapsed(),
    })
}

fn report_growth(path: &Path, seen: usize, on_results: &mut dyn FnMut(&str)) -> usize {
    let text = fs::read(path).unwrap_or_default();
    if text.len() > seen {
        // Only whole lines; the rest waits for the next poll.
        if let Some(end) = text[seen..].iter().rposition(|&b| b == b'\n') {
            on_results(&String::from_utf8_lossy(&text[seen..seen + end + 1]));
            return seen + end + 1;
        }
    }
    seen
}
