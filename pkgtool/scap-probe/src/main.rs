//! `scap-probe`: checks a scap probe object and records its events.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use scap_capture::{CaptureWriter, Event};
use scap_driver_api::names::{DEFAULT_MODULE, PROBE_DIR};
use scap_driver_api::sections::ProbeSections;
use scap_driver_api::{Names, Problem, Strictness};
use scap_probe::capture::Recorder;
use scap_probe::{check, load, rings};

#[derive(Parser)]
#[command(
    version,
    about = "Checks the scap eBPF probe and records its events as a .scap capture"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Print a probe object's versions and whether this loader accepts it (loads nothing).
    Info {
        /// The probe object; default: the newest installed one of this API major, at least this version.
        probe: Option<PathBuf>,
        /// Treat a driver that lacks patch releases as incompatible (libscap's rule).
        #[arg(long)]
        strict: bool,
    },
    /// Load the probe and write its events to a .scap file until COMMAND exits,
    /// --duration elapses, or SIGINT/SIGTERM.
    Capture {
        /// The probe object; default: the newest installed one of this API major, at least this version.
        #[arg(long)]
        probe: Option<PathBuf>,
        /// The capture file to write (replaced only once the capture ends).
        #[arg(short = 'w', long = "write")]
        output: PathBuf,
        #[arg(long)]
        strict: bool,
        /// Stop after this many seconds.
        #[arg(long)]
        duration: Option<f64>,
        /// Print the kernel's full answer when loading fails.
        #[arg(long)]
        verbose: bool,
        /// A command to run while capturing; the capture ends when it exits.
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Read the loaded scap module's per-CPU rings (/dev/scapN) and write
    /// their events to a .scap file, like `capture`.
    Record {
        /// Device path without the CPU number.
        #[arg(long, default_value_t = format!("/dev/{DEFAULT_MODULE}"))]
        devices: String,
        #[arg(short = 'w', long = "write")]
        output: PathBuf,
        #[arg(long)]
        strict: bool,
        #[arg(long)]
        duration: Option<f64>,
        #[arg(last = true)]
        command: Vec<String>,
    },
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// The installed probe of this loader's API major and at least its
/// version (check::installed_probe); when there is none, the path of the
/// exact version, which the error then names.
fn default_probe() -> PathBuf {
    let (api, _) = check::required();
    let names = Names::new(DEFAULT_MODULE, api);
    let files: Vec<String> = std::fs::read_dir(PROBE_DIR)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    match check::installed_probe(DEFAULT_MODULE, api, files.iter().map(String::as_str)) {
        Some(name) => Path::new(PROBE_DIR).join(name),
        None => names.probe_path.into(),
    }
}

fn strictness(strict: bool) -> Strictness {
    if strict {
        Strictness::Strict
    } else {
        Strictness::Lenient
    }
}

/// Everything that can refuse a probe before it is loaded.
fn preflight(path: &Path, strict: bool) -> Result<(ProbeSections, Vec<u8>), Problem> {
    let (info, bytes) = check::read_probe(path)?;
    for warning in check::versions(path, &info, strictness(strict))? {
        eprintln!("scap-probe: warning: {warning}");
    }
    check::object(path, &bytes)?;
    Ok((info, bytes))
}

fn kernel_release() -> String {
    // SAFETY: uname fills a zeroed utsname; release is NUL-terminated.
    unsafe {
        let mut uts: libc::utsname = std::mem::zeroed();
        libc::uname(&mut uts);
        std::ffi::CStr::from_ptr(uts.release.as_ptr())
            .to_string_lossy()
            .into_owned()
    }
}

fn info(probe: &Path, strict: bool) -> Result<(), Problem> {
    let (info, _) = preflight(probe, strict)?;
    let (api, schema) = check::required();
    println!("probe           {}", probe.display());
    println!(
        "API version     {} (0x{:016x}), required {api}",
        info.api,
        info.api.encode()
    );
    println!(
        "schema version  {} (0x{:016x}), required {schema}",
        info.schema,
        info.schema.encode()
    );
    if let Some(min) = info.min_kernel {
        println!("minimum kernel  {min}");
    }
    println!("verdict         compatible");
    Ok(())
}

/// What to do when the capture file cannot be written.
const WRITE_FIX: &str = "choose a writable place with room for the capture (-w FILE)";

fn cannot_write(path: &Path, err: std::io::Error) -> Problem {
    Problem::at(path, format!("cannot write: {err}"), WRITE_FIX)
}

/// When a capture ends and where it goes; shared by `capture` and `record`.
struct RunArgs {
    output: PathBuf,
    duration: Option<f64>,
    command: Vec<String>,
}

/// Writes `OUTPUT.scap.partial` and renames it only when the capture ended
/// well: a failed capture leaves no file behind.
fn with_output(
    output: &Path,
    record: impl FnOnce(&mut Recorder<BufWriter<File>>) -> Result<ExitCode, Problem>,
) -> Result<ExitCode, Problem> {
    let partial = output.with_extension("scap.partial");
    let file = File::create(&partial)
        .map_err(|e| Problem::at(&partial, format!("cannot create: {e}"), WRITE_FIX))?;
    let result = CaptureWriter::new(BufWriter::new(file))
        .map_err(|e| cannot_write(&partial, e))
        .and_then(|writer| {
            let mut recorder = Recorder::new(writer);
            let code = record(&mut recorder)?;
            let events = recorder.writer.events();
            recorder
                .writer
                .finish()
                .map_err(|e| cannot_write(output, e))?;
            Ok((code, events))
        });
    match result {
        Ok((code, events)) => {
            std::fs::rename(&partial, output).map_err(|e| {
                Problem::at(
                    &partial,
                    format!("cannot rename to {}: {e}", output.display()),
                    WRITE_FIX,
                )
            })?;
            eprintln!("scap-probe: wrote {events} events to {}", output.display());
            Ok(code)
        }
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            Err(err)
        }
    }
}

fn spawn(command: &[String]) -> Result<Option<Child>, Problem> {
    let Some((program, rest)) = command.split_first() else {
        return Ok(None);
    };
    Command::new(program)
        .args(rest)
        .spawn()
        .map(Some)
        .map_err(|e| {
            Problem::new(
                program,
                format!("cannot run: {e}"),
                "give a command on the PATH",
            )
        })
}

/// Runs COMMAND (if any) and calls `round(last)` until it exits, the
/// duration elapses or a signal arrives; the last round drains what is left.
fn run_until(
    args: &RunArgs,
    mut round: impl FnMut(bool) -> Result<(), Problem>,
) -> Result<ExitCode, Problem> {
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    let deadline = args
        .duration
        .map(|s| Instant::now() + Duration::from_secs_f64(s));
    let mut child = spawn(&args.command)?;
    let mut code = ExitCode::SUCCESS;
    loop {
        let last = STOP.load(Ordering::Relaxed)
            || deadline.is_some_and(|d| Instant::now() >= d)
            || match child.as_mut().map(Child::try_wait) {
                Some(Ok(Some(status))) => {
                    if !status.success() {
                        eprintln!("scap-probe: {} exited with {status}", args.command[0]);
                        code = ExitCode::FAILURE;
                    }
                    true
                }
                Some(Err(e)) => {
                    return Err(Problem::new(
                        &args.command[0],
                        format!("cannot wait for it: {e}"),
                        "run the capture again",
                    ))
                }
                _ => false,
            };
        round(last)?;
        if last {
            return Ok(code);
        }
    }
}

fn malformed<W: std::io::Write>(recorder: &Recorder<W>, source: &Path) -> Result<(), Problem> {
    match &recorder.first_malformed {
        None => Ok(()),
        Some(err) => Err(Problem::at(
            source,
            format!(
                "{} malformed events from the probe, the first: {err}",
                recorder.malformed
            ),
            "the probe is broken: rebuild or reinstall it",
        )),
    }
}

fn capture(probe: &Path, strict: bool, verbose: bool, run: RunArgs) -> Result<ExitCode, Problem> {
    let (info, bytes) = preflight(probe, strict)?;
    let release = kernel_release();
    check::kernel(probe, &info, &release)?;
    let clone_exec_apart = check::preemptible_syscall_programs(&release)?;
    with_output(&run.output, |recorder| {
        let mut attached = load::attach(&bytes, clone_exec_apart).map_err(|err| {
            if verbose {
                if let Some(detail) = err.detail() {
                    eprintln!("{detail}");
                }
            }
            err.problem(probe)
        })?;
        let output = run.output.clone();
        let code = run_until(&run, |last| {
            let timeout = if last {
                Duration::ZERO
            } else {
                Duration::from_millis(100)
            };
            let mut write_err = None;
            attached
                .poll(timeout, |record| {
                    if let Err(e) = recorder.record(record) {
                        write_err.get_or_insert(e);
                    }
                })
                .map_err(|e| e.problem(probe))?;
            match write_err {
                Some(e) => Err(cannot_write(&output, e)),
                None => Ok(()),
            }
        })?;
        let lost = attached.lost().unwrap_or(0);
        let skipped = attached.skipped().unwrap_or(0);
        drop(attached);
        malformed(recorder, probe)?;
        if skipped > 0 {
            eprintln!(
                "scap-probe: warning: {skipped} events not captured: the kernel skipped the probe on a CPU where a preempted instance of it was still running (its programs' recursion_misses; syscall tracepoints are preemptible from 6.13)"
            );
        }
        if lost > 0 {
            eprintln!(
                "scap-probe: warning: {lost} events lost: the probe's ring buffer was full (this reader fell behind the traced system)"
            );
        }
        Ok(code)
    })
}

fn record(devices: &str, strict: bool, run: RunArgs) -> Result<ExitCode, Problem> {
    let opened = rings::open_devices(devices)?;
    for (_, _, _, versions) in &opened {
        let warnings = check::driver_versions(
            &versions.path,
            versions.api,
            versions.schema,
            strictness(strict),
        )?;
        for warning in warnings {
            eprintln!("scap-probe: warning: {warning}");
        }
    }
    with_output(&run.output, |recorder| {
        let rings = opened
            .into_iter()
            .map(|(cpu, path, file, _)| rings::Ring::start(cpu, &path, file))
            .collect::<Result<Vec<_>, _>>()?;
        let output = run.output.clone();
        run_until(&run, |last| {
            if !last {
                std::thread::sleep(Duration::from_millis(50));
            }
            // libscap merges the rings by timestamp; so does the file.
            let mut batch: Vec<(u64, u16, Vec<u8>)> = Vec::new();
            for ring in &rings {
                ring.drain(|cpu, event| batch.push((event.ts(), cpu, event.as_bytes().to_vec())))?;
            }
            batch.sort_by_key(|(ts, cpu, _)| (*ts, *cpu));
            for (_, cpu, raw) in &batch {
                let event = Event::parse(raw).expect("parsed when drained");
                recorder
                    .writer
                    .write_event(*cpu, &event)
                    .map_err(|e| cannot_write(&output, e))?;
            }
            Ok(())
        })
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Info { probe, strict } => {
            info(&probe.unwrap_or_else(default_probe), strict).map(|()| ExitCode::SUCCESS)
        }
        Cmd::Capture {
            probe,
            output,
            strict,
            duration,
            verbose,
            command,
        } => capture(
            &probe.unwrap_or_else(default_probe),
            strict,
            verbose,
            RunArgs {
                output,
                duration,
                command,
            },
        ),
        Cmd::Record {
            devices,
            output,
            strict,
            duration,
            command,
        } => record(
            &devices,
            strict,
            RunArgs {
                output,
                duration,
                command,
            },
        ),
    };
    result.unwrap_or_else(|err| {
        eprintln!("scap-probe: {err}");
        ExitCode::from(2)
    })
}
