//! Loads the checked probe into the kernel and attaches it (aya).

use std::os::fd::{AsFd, AsRawFd};
use std::path::Path;
use std::time::Duration;

use aya::maps::{MapData, PerCpuArray, ProgramArray, RingBuf};
use aya::programs::{BtfTracePoint, ProgramFd};
use aya::{Btf, Ebpf, EbpfLoader};
use scap_driver_api::Problem;

use crate::check::{
    call_slot, CALL_PROGRAMS, CLONE_EXEC_EXIT_PROGRAM, ENTER_PROGRAM, EVENTS_MAP, EXIT_PROGRAM,
    LOST_MAP, PROCEXIT_PROGRAM,
};
use crate::rings::RING_BUF_SIZE;

/// Globals the probe reads, set before loading.
const BOOT_TIME_GLOBAL: &str = "scap_boot_time_ns";
const LOADER_TGID_GLOBAL: &str = "scap_loader_tgid";
/// Where the per-CPU parts of the rss
/// counters are, for the clone and execve exits on 6.2+.
const PER_CPU_OFFSET_GLOBAL: &str = "scap_per_cpu_offset";
const NR_CPUS_GLOBAL: &str = "scap_nr_cpus";
/// Whether CLONE_EXEC_EXIT_PROGRAM is attached (check::preemptible_syscall_programs).
const CLONE_EXEC_APART_GLOBAL: &str = "scap_clone_exec_apart";

#[derive(Debug)]
pub enum LoadError {
    Load {
        summary: String,
        detail: String,
    },
    Attach {
        program: &'static str,
        tracepoint: &'static str,
        summary: String,
        detail: String,
    },
    Poll(std::io::Error),
}

impl LoadError {
    /// The kernel's full answer (verifier log, errno chain).
    pub fn detail(&self) -> Option<&str> {
        match self {
            LoadError::Load { detail, .. } | LoadError::Attach { detail, .. } => Some(detail),
            LoadError::Poll(_) => None,
        }
    }

    /// The one-line error about `probe`, with what to do.
    pub fn problem(&self, probe: &Path) -> Problem {
        match self {
            LoadError::Load { summary, .. } => Problem::at(
                probe,
                format!("the kernel refused the probe: {summary}"),
                "run as root on a kernel with BTF (CONFIG_DEBUG_INFO_BTF), --verbose shows the kernel's log",
            ),
            LoadError::Attach {
                program,
                tracepoint,
                summary,
                ..
            } => Problem::at(
                probe,
                format!("cannot attach {program} to {tracepoint}: {summary}"),
                "--verbose shows why",
            ),
            LoadError::Poll(err) => Problem::at(
                probe,
                format!("waiting for events: {err}"),
                "run the capture again",
            ),
        }
    }
}

/// The error and its causes on one line; the kernel's log stays in detail.
fn summary(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(err) = source {
        parts.push(err.to_string());
        source = err.source();
    }
    let text = parts.join(": ");
    text.lines().next().unwrap_or_default().to_string()
}

/// The probe's one ring, shared by every CPU: the room of the module's
/// rings, one per online CPU (`rings::RING_BUF_SIZE`), but at least
/// `RING_MIN` (the probe reserves each record at its event type's largest
/// size, so a ring holds fewer of its events than a module ring of the same
/// size) and at most `RING_MAX` (the ring is vmalloc'ed whole); a power of
/// two, as a BPF ring buffer's size must be.
fn ring_size(online_cpus: u32) -> u32 {
    (RING_BUF_SIZE as u32)
        .saturating_mul(online_cpus)
        .clamp(RING_MIN, RING_MAX)
        .next_power_of_two()
}

const RING_MIN: u32 = 32 << 20;
const RING_MAX: u32 = 256 << 20;

/// CLOCK_REALTIME - CLOCK_BOOTTIME: turns the probe's boot-based clock into
/// ns since the epoch.
fn boot_time_ns() -> u64 {
    let now = |clock| {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec through a valid pointer.
        unsafe { libc::clock_gettime(clock, &mut ts) };
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    };
    now(libc::CLOCK_REALTIME) - now(libc::CLOCK_BOOTTIME)
}

/// The programs attached, and their tracepoints (tp_btf); CLONE_EXEC_EXIT_PROGRAM
/// only where the clone and execve exits are attached apart.
const ATTACHED: [(&str, &str); 4] = [
    (ENTER_PROGRAM, "sys_enter"),
    (EXIT_PROGRAM, "sys_exit"),
    (PROCEXIT_PROGRAM, "sched_process_exit"),
    (CLONE_EXEC_EXIT_PROGRAM, "sys_exit"),
];

/// The address of the kernel's `__per_cpu_offset` array from
/// /proc/kallsyms; 0 where it is not there or hidden (kptr_restrict).
fn per_cpu_offset() -> u64 {
    let Ok(symbols) = std::fs::read_to_string("/proc/kallsyms") else {
        return 0;
    };
    symbols
        .lines()
        .find_map(|line| {
            let mut fields = line.split_whitespace();
            let addr = fields.next()?;
            let _kind = fields.next()?;
            (fields.next()? == "__per_cpu_offset").then(|| u64::from_str_radix(addr, 16).ok())?
        })
        .unwrap_or(0)
}

/// The CPUs of a kernel CPU list ("0-3", "0,2-5\n").
fn cpu_list(text: &str) -> impl Iterator<Item = u32> + '_ {
    text.trim().split(',').flat_map(|range| {
        let mut ends = range.splitn(2, '-').map(|n| n.parse::<u32>().ok());
        let first = ends.next().flatten();
        let last = ends.next().unwrap_or(first);
        match (first, last) {
            (Some(first), Some(last)) => first..last.saturating_add(1),
            _ => 0..0,
        }
    })
}

/// The number of possible CPUs: the highest in
/// /sys/devices/system/cpu/possible plus one; 0 if unknown.
fn possible_cpus() -> u32 {
    std::fs::read_to_string("/sys/devices/system/cpu/possible")
        .ok()
        .and_then(|text| cpu_list(&text).max())
        .map_or(0, |max| max + 1)
}

/// The number of online CPUs; 0 if unknown.
fn online_cpus() -> u32 {
    std::fs::read_to_string("/sys/devices/system/cpu/online")
        .map_or(0, |text| cpu_list(&text).count() as u32)
}

/// The attached probe; dropping it detaches and unloads everything.
pub struct Attached {
    ebpf: Ebpf,
    ring: RingBuf<MapData>,
    /// The attached programs and their tracepoints.
    attached: Vec<(&'static str, &'static str)>,
}

/// The kernel (or aya) refused to load something: the error and its
/// causes, the whole answer kept for --verbose.
fn load_error(err: &dyn std::error::Error) -> LoadError {
    LoadError::Load {
        summary: summary(err),
        detail: format!("{err:#?}"),
    }
}

/// Loads program `name` of the object for `tracepoint` (tp_btf).
fn load_program<'a>(
    ebpf: &'a mut Ebpf,
    btf: &Btf,
    name: &str,
    tracepoint: &str,
) -> Result<&'a mut BtfTracePoint, LoadError> {
    // check::object made sure every program is there.
    let prog: &mut BtfTracePoint = ebpf
        .program_mut(name)
        .expect("checked before loading")
        .try_into()
        .map_err(|err| load_error(&err))?;
    prog.load(tracepoint, btf).map_err(|err| load_error(&err))?;
    Ok(prog)
}

/// Loads and attaches the probe; `clone_exec_apart`: the clone and execve
/// exits get a program attached of their own, else the exit program
/// tail-calls them (an attached program costs a dispatch on every syscall).
pub fn attach(bytes: &[u8], clone_exec_apart: bool) -> Result<Attached, LoadError> {
    let btf = Btf::from_sys_fs().map_err(|err| load_error(&err))?;
    let boot = boot_time_ns();
    let tgid = std::process::id();
    let per_cpu = per_cpu_offset();
    let cpus = possible_cpus();
    let mut ebpf = EbpfLoader::new()
        .btf(Some(&btf))
        .map_max_entries(EVENTS_MAP, ring_size(online_cpus()))
        .override_global(BOOT_TIME_GLOBAL, &boot, true)
        .override_global(LOADER_TGID_GLOBAL, &tgid, true)
        .override_global(PER_CPU_OFFSET_GLOBAL, &per_cpu, true)
        .override_global(NR_CPUS_GLOBAL, &cpus, true)
        .override_global(CLONE_EXEC_APART_GLOBAL, &u8::from(clone_exec_apart), true)
        .load(bytes)
        .map_err(|err| load_error(&err))?;
    // The tail-call targets first, in their slots before any dispatcher
    // runs: a socket syscall must not find an empty slot.
    for (name, tracepoint) in CALL_PROGRAMS {
        let fd: ProgramFd = load_program(&mut ebpf, &btf, name, tracepoint)?
            .fd()
            .and_then(|fd| Ok(fd.try_clone()?))
            .map_err(|err| load_error(&err))?;
        let slot = call_slot(name);
        ProgramArray::try_from(ebpf.map_mut(&slot).expect("checked before loading"))
            .and_then(|mut array| array.set(0, &fd, 0))
            .map_err(|err| load_error(&err))?;
    }
    let attached: Vec<_> = ATTACHED
        .into_iter()
        .filter(|&(name, _)| clone_exec_apart || name != CLONE_EXEC_EXIT_PROGRAM)
        .collect();
    for &(name, tracepoint) in &attached {
        load_program(&mut ebpf, &btf, name, tracepoint)?
            .attach()
            .map_err(|err| LoadError::Attach {
                program: name,
                tracepoint,
                summary: summary(&err),
                detail: format!("{err:#?}"),
            })?;
    }
    let map = ebpf.take_map(EVENTS_MAP).expect("checked before loading");
    let ring = RingBuf::try_from(map).map_err(|err| load_error(&err))?;
    Ok(Attached {
        ebpf,
        ring,
        attached,
    })
}

/// `BPF_OBJ_GET_INFO_BY_FD`, the bpf(2) command aya's ProgramInfo uses
/// but whose `recursion_misses` it does not expose.
const BPF_OBJ_GET_INFO_BY_FD: libc::c_long = 15;

/// The program's `recursion_misses`: how often the kernel skipped it on a
/// CPU where an instance of it was still running (from 6.13 a preempted
/// one, on the syscall tracepoints). None where the kernel has no such
/// count (before 5.12) or the call fails.
fn recursion_misses(prog: &ProgramFd) -> Option<u64> {
    let fd = prog.as_fd().as_raw_fd();
    // SAFETY: bpf_prog_info is plain integers; all zero is its empty value.
    let mut info: aya_obj::generated::bpf_prog_info = unsafe { std::mem::zeroed() };
    // bpf_attr.info: bpf_fd u32, info_len u32, info u64.
    #[repr(C)]
    struct InfoAttr {
        bpf_fd: u32,
        info_len: u32,
        info: u64,
    }
    let mut attr = InfoAttr {
        bpf_fd: fd as u32,
        info_len: std::mem::size_of_val(&info) as u32,
        info: &mut info as *mut _ as u64,
    };
    // SAFETY: bpf(2) writes at most info_len bytes into `info`, which
    // lives until the call returns; the attr is read only.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            BPF_OBJ_GET_INFO_BY_FD,
            &mut attr as *mut InfoAttr,
            std::mem::size_of::<InfoAttr>(),
        )
    };
    // The kernel says how much of the struct it filled: the count is there
    // only if its offset is.
    let filled = attr.info_len as usize;
    let needed = std::mem::offset_of!(aya_obj::generated::bpf_prog_info, recursion_misses) + 8;
    (ret == 0 && filled >= needed).then_some(info.recursion_misses)
}

impl Attached {
    /// How often the kernel skipped the probe's programs because an
    /// instance was still running on that CPU (see recursion_misses), in
    /// all; None where the kernel does not count it.
    pub fn skipped(&mut self) -> Option<u64> {
        let mut total = 0;
        // A tail-called program runs under its caller's guard: the
        // attached programs' counts are all of them.
        for &(program, _) in &self.attached {
            let prog = self.ebpf.program(program)?;
            total += recursion_misses(prog.fd().ok()?)?;
        }
        Some(total)
    }

    /// The events the probe could not write because the ring was full, on
    /// all CPUs; None for a probe without the counter (older objects).
    pub fn lost(&self) -> Option<u64> {
        let map = self.ebpf.map(LOST_MAP)?;
        let counts = PerCpuArray::<_, u64>::try_from(map).ok()?;
        let per_cpu = counts.get(&0, 0).ok()?;
        Some(per_cpu.iter().sum())
    }

    /// Waits up to `timeout` for records, then hands each one to `sink`.
    pub fn poll(
        &mut self,
        timeout: Duration,
        mut sink: impl FnMut(&[u8]),
    ) -> Result<(), LoadError> {
        let mut fd = libc::pollfd {
            fd: self.ring.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut fd, 1, timeout.as_millis() as libc::c_int) };
        if n < 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(LoadError::Poll(err));
            }
        }
        while let Some(item) = self.ring.next() {
            sink(&item);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_has_a_module_ring_per_cpu() {
        let mib = |n: u32| n << 20;
        assert_eq!(ring_size(1), mib(32));
        assert_eq!(ring_size(4), mib(32));
        assert_eq!(ring_size(5), mib(64));
        assert_eq!(ring_size(9), mib(128));
        assert_eq!(ring_size(32), mib(256));
        assert_eq!(ring_size(4096), mib(256));
        // Unknown (0): the least.
        assert_eq!(ring_size(0), mib(32));
    }

    #[test]
    fn cpu_lists() {
        let cpus = |text| cpu_list(text).collect::<Vec<_>>();
        assert_eq!(cpus("0\n"), [0]);
        assert_eq!(cpus("0-3"), [0, 1, 2, 3]);
        assert_eq!(cpus("0,2-4,7\n"), [0, 2, 3, 4, 7]);
        assert_eq!(cpus(""), Vec::<u32>::new());
        assert_eq!(cpus("x-2"), Vec::<u32>::new());
    }
}
