//! `scap-vm bench`: the capture-overhead benchmark (tests/bench/capture-overhead).
//! The guest program `tests/bench/guest/capture_overhead.c` is built and
//! packed once like a guest test; the VM then boots once per
//! configuration ([`CONFIGS`], `scap_bench=NAME` on the kernel command line)
//! under qemu's instruction counting, one CPU, and once more per
//! configuration without it for the wall-clock column. The guest's
//! `SCAP-BENCH` lines (on the results port) are parsed here into the
//! report: per workload, guest instructions per syscall, the cost added
//! over no driver, and its ratios to the peer's and to the floor's.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Problem, Result};
use crate::{boot_once, prepare, BootOptions, Config, Outcome, Progress, Report};

/// The guest program's directory and name.
pub const BENCH_TESTS: &str = "tests/bench/guest";
pub const BENCH_PROGRAM: &str = "capture_overhead";
/// One boot's limit: the slowest configuration under icount on a loaded
/// 2-core machine.
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(2400);

/// The configurations, in boot and table order: (name, what it is).
pub const CONFIGS: [(&str, &str); 7] = [
    ("none", "no driver"),
    (
        "floor",
        "limit: empty sys_enter/sys_exit probes (tests/bench/floor)",
    ),
    (
        "peer",
        "falcosecurity-scap-dkms (Debian 12), default tracepoints",
    ),
    ("module", "scap module (driver-src)"),
    ("probe", "scap probe (probe/)"),
    (
        "peer_masked",
        "peer, its consumer's event mask empty: dispatch without recording",
    ),
    (
        "module_masked",
        "scap module, its consumer's event mask empty: dispatch without recording",
    ),
];
const NONE: &str = "none";
const FLOOR: &str = "floor";
const PEER: &str = "peer";

/// One `SCAP-BENCH` line of the guest program.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// One timed repetition of a workload.
    Run {
        config: String,
        workload: String,
        rep: u32,
        syscalls: u64,
        ns: u64,
    },
    /// The consumer's totals over a workload's runs.
    Consumer {
        config: String,
        workload: String,
        events: u64,
        dropped: u64,
    },
    /// A paced producer at `target` events per second.
    Rate {
        config: String,
        target: u64,
        syscalls: u64,
        ns: u64,
        events: u64,
        dropped: u64,
    },
    /// Tight producers against a throttled consumer.
    Flood {
        config: String,
        producers: u32,
        syscalls: u64,
        ns: u64,
        events: u64,
        dropped: u64,
    },
}

/// Parses one line of the results port; None for other lines.
pub fn parse_line(line: &str) -> Option<Line> {
    let rest = line.trim_end().strip_prefix("SCAP-BENCH ")?;
    let f: Vec<&str> = rest.split(' ').collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    let s = |i: usize| f.get(i).map(|v| v.to_string());
    match (f.first().copied(), f.len()) {
        (Some("run"), 6) => Some(Line::Run {
            config: s(1)?,
            workload: s(2)?,
            rep: n(3)? as u32,
            syscalls: n(4)?,
            ns: n(5)?,
        }),
        (Some("consumer"), 5) => Some(Line::Consumer {
            config: s(1)?,
            workload: s(2)?,
            events: n(3)?,
            dropped: n(4)?,
        }),
        (Some("rate"), 7) => Some(Line::Rate {
            config: s(1)?,
            target: n(2)?,
            syscalls: n(3)?,
            ns: n(4)?,
            events: n(5)?,
            dropped: n(6)?,
        }),
        (Some("flood"), 7) => Some(Line::Flood {
            config: s(1)?,
            producers: n(2)? as u32,
            syscalls: n(3)?,
            ns: n(4)?,
            events: n(5)?,
            dropped: n(6)?,
        }),
        _ => None,
    }
}

pub fn parse(results_port: &str) -> Vec<Line> {
    results_port.lines().filter_map(parse_line).collect()
}

/// The figures of one mode (icount or wall-clock), per configuration.
#[derive(Debug, Default, Clone)]
pub struct Figures {
    /// (config, workload) -> the repetitions' ns per syscall.
    per_syscall: BTreeMap<(String, String), Vec<f64>>,
    /// (config, workload) -> the events the consumer saw over the warm-up
    /// and the repetitions.
    events: BTreeMap<(String, String), u64>,
    /// Workloads in the order the guest ran them.
    workloads: Vec<String>,
    lines: Vec<Line>,
}

impl Figures {
    /// Checks the overhead runs had no drops: a run with drops is an error.
    pub fn from_lines(lines: Vec<Line>) -> Result<Self> {
        let mut figures = Figures::default();
        for line in &lines {
            match line {
                Line::Run {
                    config,
                    workload,
                    syscalls,
                    ns,
                    ..
                } if *syscalls > 0 => {
                    if !figures.workloads.contains(workload) {
                        figures.workloads.push(workload.clone());
                    }
                    figures
                        .per_syscall
                        .entry((config.clone(), workload.clone()))
                        .or_default()
                        .push(*ns as f64 / *syscalls as f64);
                }
                Line::Consumer {
                    config,
                    workload,
                    dropped,
                    ..
                } if *dropped > 0 => {
                    return Err(Problem::new(
                        format!("the benchmark's {config} runs of {workload}"),
                        format!(
                            "dropped {dropped} events: an overhead run with drops is not a figure"
                        ),
                        "look for what starved the consumer (the guest's load)",
                    ))
                }
                Line::Consumer {
                    config,
                    workload,
                    events,
                    ..
                } => {
                    figures
                        .events
                        .insert((config.clone(), workload.clone()), *events);
                }
                _ => {}
            }
        }
        figures.lines = lines;
        Ok(figures)
    }

    /// The median of the repetitions (3: the middle one).
    pub fn median(&self, config: &str, workload: &str) -> Option<f64> {
        let mut values = self
            .per_syscall
            .get(&(config.to_string(), workload.to_string()))?
            .clone();
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied()
    }

    /// The largest relative spread of a configuration's repetitions.
    pub fn spread(&self) -> f64 {
        self.per_syscall
            .values()
            .filter(|v| !v.is_empty())
            .map(|v| {
                let min = v.iter().copied().fold(f64::INFINITY, f64::min);
                let max = v.iter().copied().fold(0.0, f64::max);
                (max - min) / min
            })
            .fold(0.0, f64::max)
    }

    /// Cost added over no driver, per syscall.
    pub fn delta(&self, config: &str, workload: &str) -> Option<f64> {
        Some(self.median(config, workload)? - self.median(NONE, workload)?)
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b.abs() > f64::EPSILON => format!("{:.2}", a / b),
        _ => "-".into(),
    }
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map(|v| format!("{v:.decimals$}"))
        .unwrap_or_else(|| "-".into())
}

/// The markdown report: a table per workload, then rates and floods.
pub fn report(icount: &Figures, wall: Option<&Figures>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Guest instructions per syscall under `-icount shift=0,sleep=off` (1 vCPU; median of the repetitions, \
         largest spread between repetitions {:.2} %). Δ = added over no driver; \
         Δ/peer and Δ/limit are ratios of Δ; above-limit = (Δ − Δlimit) / (Δpeer − Δlimit).",
        icount.spread() * 100.0
    );
    if let Some(wall) = wall {
        let _ = writeln!(
            out,
            "Wall-clock (secondary): ns per syscall in plain TCG (no icount, 1 vCPU), largest spread {:.0} %.",
            wall.spread() * 100.0
        );
    }
    for workload in &icount.workloads {
        let _ = writeln!(out, "\n### {workload}\n");
        let _ = writeln!(
            out,
            "| configuration | instructions/syscall | Δ | Δ/peer | Δ/limit | above-limit/peer's | events seen | wall ns/syscall | wall Δ |"
        );
        let _ = writeln!(
            out,
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for (config, what) in CONFIGS {
            let Some(per) = icount.median(config, workload) else {
                continue;
            };
            let delta = icount.delta(config, workload);
            let floor = icount.delta(FLOOR, workload);
            let peer = icount.delta(PEER, workload);
            let above = match (delta, floor, peer) {
                (Some(d), Some(f), Some(p)) if config != NONE && config != FLOOR => {
                    ratio(Some(d - f), Some(p - f))
                }
                _ => "-".into(),
            };
            let (dp, df) = match config {
                NONE => ("-".into(), "-".into()),
                _ => (ratio(delta, peer), ratio(delta, floor)),
            };
            let wall_per = wall.and_then(|w| w.median(config, workload));
            let wall_delta = wall.and_then(|w| w.delta(config, workload));
            let _ = writeln!(
                out,
                "| {config}: {what} | {per:.1} | {} | {dp} | {df} | {above} | {} | {} | {} |",
                if config == NONE {
                    "-".into()
                } else {
                    num(delta, 1)
                },
                icount
                    .events
                    .get(&(config.to_string(), workload.clone()))
                    .map_or("-".into(), u64::to_string),
                num(wall_per, 0),
                if config == NONE {
                    "-".into()
                } else {
                    num(wall_delta, 0)
                },
            );
        }
    }
    let _ = writeln!(
        out,
        "\n### Event rates (getppid producers, events = 2 per syscall, per virtual second = 10⁹ guest instructions)\n"
    );
    let _ = writeln!(
        out,
        "| driver | highest rate without drops (events/s) | paced steps (target → achieved, dropped) | flood: producers | flood: instructions/syscall | flood: drop fraction |"
    );
    let _ = writeln!(out, "| --- | ---: | --- | ---: | ---: | ---: |");
    for (config, _) in CONFIGS {
        let mut best: Option<f64> = None;
        let mut steps = Vec::new();
        let mut flood = None;
        for line in &icount.lines {
            match line {
                Line::Rate {
                    config: c,
                    target,
                    syscalls,
                    ns,
                    dropped,
                    ..
                } if c == config && *ns > 0 => {
                    let rate = 2.0 * *syscalls as f64 * 1e9 / *ns as f64;
                    if *dropped == 0 {
                        best = Some(best.map_or(rate, |b: f64| b.max(rate)));
                    }
                    steps.push(format!(
                        "{}k → {:.0}k, {dropped}",
                        target / 1000,
                        rate / 1000.0
                    ));
                }
                Line::Flood {
                    config: c,
                    producers,
                    syscalls,
                    ns,
                    events,
                    dropped,
                } if c == config && *syscalls > 0 => {
                    let fraction = *dropped as f64 / (*events + *dropped).max(1) as f64;
                    flood = Some((
                        *producers,
                        *ns as f64 / *syscalls as f64,
                        format!("{:.3} ({dropped} of {})", fraction, events + dropped),
                    ));
                }
                _ => {}
            }
        }
        if steps.is_empty() && flood.is_none() {
            continue;
        }
        let (producers, per, fraction) = flood.unwrap_or((0, f64::NAN, "-".into()));
        let _ = writeln!(
            out,
            "| {config} | {} | {} | {producers} | {per:.1} | {fraction} |",
            best.map(|b| format!("{b:.0}"))
                .unwrap_or_else(|| "-".into()),
            steps.join("; ")
        );
    }
    out
}

/// What went wrong in a boot, for the error message.
fn boot_failure(config: &str, report: &Report) -> Option<String> {
    if report.timed_out {
        return Some(format!("{config}: the VM timed out"));
    }
    match report.outcome(BENCH_PROGRAM) {
        Outcome::Passed(_) => None,
        Outcome::Failed(result) => Some(format!(
            "{config}: {}\n{}",
            result.detail,
            report.log(BENCH_PROGRAM).unwrap_or_default()
        )),
        Outcome::NotReported => Some(format!(
            "{config}: the guest never reported\n{}",
            report.kernel_log()
        )),
    }
}

/// The report again from the serial logs a `--keep` run left in `dir`
/// (`<config>-icount/results.log`, `<config>-wall/results.log`).
pub fn report_from(dir: &Path) -> Result<String> {
    let mut modes: Vec<Vec<Line>> = vec![Vec::new(), Vec::new()];
    for (name, _) in CONFIGS {
        for (index, mode) in ["icount", "wall"].iter().enumerate() {
            let path = dir.join(format!("{name}-{mode}")).join("results.log");
            if let Ok(bytes) = std::fs::read(&path) {
                modes[index].extend(parse(&String::from_utf8_lossy(&bytes)));
            }
        }
    }
    let wall_lines = modes.pop().unwrap_or_default();
    let icount = Figures::from_lines(modes.pop().unwrap_or_default())?;
    if icount.workloads.is_empty() {
        return Err(Problem::at(
            dir,
            "no <config>-icount/results.log with figures",
            "give the scratch directory a `scap-vm bench --keep` run kept",
        ));
    }
    let wall = match wall_lines.is_empty() {
        true => None,
        false => Some(Figures::from_lines(wall_lines)?),
    };
    Ok(report(&icount, wall.as_ref()))
}

/// Builds once, boots every configuration (under icount, then in plain
/// TCG when `wall`), returns the report's markdown.
pub fn run(
    config: &Config,
    wall: bool,
    only: &[String],
    progress: &mut dyn FnMut(&str),
) -> Result<String> {
    let mut config = config.clone();
    config.tests_dir = Some(config.repo_root.join(BENCH_TESTS));
    config.only = vec![BENCH_PROGRAM.to_string()];
    config.timeout = config.timeout.max(BOOT_TIMEOUT);
    let prepared = prepare(&config, &mut |p| {
        if let Progress::Step(text) = p {
            progress(text)
        }
    })?;
    let configs: Vec<&str> = CONFIGS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| only.is_empty() || only.iter().any(|o| o == name))
        .collect();
    let mut modes = vec![true];
    if wall {
        modes.push(false);
    }
    let mut figures: Vec<Vec<Line>> = vec![Vec::new(), Vec::new()];
    for (index, icount) in modes.into_iter().enumerate() {
        for name in &configs {
            let mode = if icount { "icount" } else { "wall-clock" };
            progress(&format!("booting {name} ({mode})"));
            let log_dir: PathBuf = prepared
                .scratch
                .dir
                .join(format!("{name}-{}", if icount { "icount" } else { "wall" }));
            let boot = boot_once(
                &config,
                &prepared.kernel,
                &prepared.initrd,
                &prepared.scratch.dir,
                &BootOptions {
                    append: format!("scap_bench={name}"),
                    icount,
                    cpus: Some(1),
                    log_dir: Some(log_dir),
                },
                &mut |_| {},
            )?;
            let mut report = Report::parse(prepared.expected.clone(), &boot.results);
            report.console = boot.console;
            report.timed_out = boot.timed_out;
            if let Some(why) = boot_failure(name, &report) {
                return Err(Problem::new(
                    format!("the benchmark's {name} boot ({mode})"),
                    format!("failed in {why}"),
                    "see the guest's output above (SCAP_VM_KEEP=1 keeps the serial logs)",
                ));
            }
            let lines = parse(&boot.results);
            progress(&format!(
                "{name} ({mode}): {} lines in {:.0} s",
                lines.len(),
                boot.elapsed.as_secs_f64()
            ));
            figures[index].extend(lines);
        }
    }
    let wall_lines = figures.pop().unwrap_or_default();
    let icount = Figures::from_lines(figures.pop().unwrap_or_default())?;
    let wall = match wall {
        true => Some(Figures::from_lines(wall_lines)?),
        false => None,
    };
    Ok(format!(
        "Guest kernel {} ({} {}), driver {}.\n\n{}",
        prepared.kernel.release,
        prepared.kernel.origin,
        prepared.kernel.package_version,
        prepared.driver_src.display(),
        report(&icount, wall.as_ref())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Line> {
        parse(text)
    }

    const SAMPLE: &str = "\
SCAP-TEST other PASS fine
SCAP-BENCH run none getppid 0 1000 338000
SCAP-BENCH run none getppid 1 1000 338100
SCAP-BENCH run none getppid 2 1000 337900
SCAP-BENCH run floor getppid 0 1000 509000
SCAP-BENCH run floor getppid 1 1000 509000
SCAP-BENCH run floor getppid 2 1000 509000
SCAP-BENCH run peer getppid 0 1000 2338000
SCAP-BENCH run peer getppid 1 1000 2338000
SCAP-BENCH run peer getppid 2 1000 2338000
SCAP-BENCH consumer peer getppid 6000 0
SCAP-BENCH run module getppid 0 1000 1338000
SCAP-BENCH run module getppid 1 1000 1338000
SCAP-BENCH run module getppid 2 1000 1338000
SCAP-BENCH consumer module getppid 6000 0
SCAP-BENCH rate module 100000 25000 250000000 50010 0
SCAP-BENCH rate module 200000 30000 250000000 60010 0
SCAP-BENCH flood module 4 400000 900000000 300000 100000
SCAP-BENCH bogus line
";

    #[test]
    fn lines_are_parsed_and_others_ignored() {
        let parsed = lines(SAMPLE);
        assert_eq!(parsed.len(), 17);
        assert_eq!(
            parsed[0],
            Line::Run {
                config: "none".into(),
                workload: "getppid".into(),
                rep: 0,
                syscalls: 1000,
                ns: 338000
            }
        );
        assert!(parse_line("SCAP-BENCH run none getppid x 1 2").is_none());
        assert!(parse_line("SCAP-BENCH run none getppid 1 2").is_none());
    }

    #[test]
    fn deltas_and_ratios_come_from_the_medians() {
        let figures = Figures::from_lines(lines(SAMPLE)).unwrap();
        assert_eq!(figures.median("none", "getppid"), Some(338.0));
        assert_eq!(figures.delta("peer", "getppid"), Some(2000.0));
        assert_eq!(figures.delta("module", "getppid"), Some(1000.0));
        let text = report(&figures, None);
        // Module: Δ 1000, half the peer's, 1000/171 of the floor's; above
        // the floor (1000-171)/(2000-171).
        assert!(
            text.contains(
                "| module: scap module (driver-src) | 1338.0 | 1000.0 | 0.50 | 5.85 | 0.45 |"
            ),
            "{text}"
        );
        assert!(
            text.contains("| none: no driver | 338.0 | - | - | - | - |"),
            "{text}"
        );
        // 60010 events... rate: 2 * 30000 / 0.25 s = 240k/s, no drops.
        assert!(text.contains("| module | 240000 |"), "{text}");
        assert!(text.contains("0.250 (100000 of 400000)"), "{text}");
        assert!(text.contains("repetitions 0.06 %"), "{text}");
    }

    #[test]
    fn a_run_with_drops_is_an_error() {
        let text = SAMPLE.replace(
            "consumer module getppid 6000 0",
            "consumer module getppid 6000 12",
        );
        let err = Figures::from_lines(lines(&text)).unwrap_err().to_string();
        assert!(
            err.starts_with("the benchmark's module runs of getppid: dropped 12 events"),
            "{err}"
        );
    }

    #[test]
    fn wall_clock_is_a_second_column() {
        let icount = Figures::from_lines(lines(SAMPLE)).unwrap();
        let wall = Figures::from_lines(lines(
            "SCAP-BENCH run none getppid 0 1000 500000\nSCAP-BENCH run module getppid 0 1000 900000\n",
        ))
        .unwrap();
        let text = report(&icount, Some(&wall));
        assert!(text.contains("| - | 500 | - |"), "{text}");
        assert!(text.contains("| 900 | 400 |"), "{text}");
    }
}
