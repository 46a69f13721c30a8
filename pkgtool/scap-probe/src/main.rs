//! `scap-probe`: checks a scap probe object and records its events.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use scap_capture::CaptureWriter;
use scap_driver_api::names::DEFAULT_MODULE;
use scap_driver_api::{Names, Strictness};
use scap_probe::capture::Recorder;
use scap_probe::sections::ProbeInfo;
use scap_probe::{check, load};

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
        /// The probe object; default: the installed one of this API version.
        probe: Option<PathBuf>,
        /// Treat a driver that lacks patch releases as incompatible (libscap's rule).
        #[arg(long)]
        strict: bool,
    },
    /// Load the probe and write its events to a .scap file until COMMAND exits,
    /// --duration elapses, or SIGINT/SIGTERM.
    Capture {
        /// The probe object; default: the installed one of this API version.
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
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

fn default_probe() -> PathBuf {
    let (api, _) = check::required();
    Names::new(DEFAULT_MODULE, api).probe_path.into()
}

fn strictness(strict: bool) -> Strictness {
    if strict {
        Strictness::Strict
    } else {
        Strictness::Lenient
    }
}

/// Everything that can refuse a probe before it is loaded.
fn preflight(path: &Path, strict: bool) -> Result<(ProbeInfo, Vec<u8>), String> {
    let (info, bytes) = ProbeInfo::read_file(path).map_err(|e| e.to_string())?;
    for warning in check::versions(path, &info, strictness(strict)).map_err(|e| e.to_string())? {
        eprintln!("scap-probe: warning: {warning}");
    }
    check::object(path, &bytes).map_err(|e| e.to_string())?;
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

fn info(probe: &Path, strict: bool) -> Result<(), String> {
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
    println!("minimum kernel  {}", info.min_kernel);
    println!("verdict         compatible");
    Ok(())
}

struct CaptureArgs {
    probe: PathBuf,
    output: PathBuf,
    strict: bool,
    duration: Option<f64>,
    verbose: bool,
    command: Vec<String>,
}

fn capture(args: CaptureArgs) -> Result<ExitCode, String> {
    let (info, bytes) = preflight(&args.probe, args.strict)?;
    check::kernel(&args.probe, &info, &kernel_release()).map_err(|e| e.to_string())?;

    let partial = args.output.with_extension("scap.partial");
    let file = File::create(&partial).map_err(|e| {
        format!(
            "{}: cannot create: {e}; choose a writable place",
            partial.display()
        )
    })?;
    let result = record(&args, &bytes, file);
    match result {
        Ok((code, events)) => {
            std::fs::rename(&partial, &args.output).map_err(|e| {
                format!(
                    "{}: cannot rename to {}: {e}",
                    partial.display(),
                    args.output.display()
                )
            })?;
            eprintln!(
                "scap-probe: wrote {events} events to {}",
                args.output.display()
            );
            Ok(code)
        }
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            Err(err)
        }
    }
}

fn spawn(command: &[String]) -> Result<Option<Child>, String> {
    let Some((program, rest)) = command.split_first() else {
        return Ok(None);
    };
    Command::new(program)
        .args(rest)
        .spawn()
        .map(Some)
        .map_err(|e| format!("{program}: cannot run: {e}; give a command on the PATH"))
}

fn record(args: &CaptureArgs, bytes: &[u8], file: File) -> Result<(ExitCode, u64), String> {
    let writer = CaptureWriter::new(BufWriter::new(file)).map_err(|e| e.to_string())?;
    let mut recorder = Recorder::new(writer);
    let mut attached = load::attach(bytes).map_err(|err| {
        if args.verbose {
            if let Some(detail) = err.detail() {
                eprintln!("{detail}");
            }
        }
        format!("{}: {err}", args.probe.display())
    })?;
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    let deadline = args
        .duration
        .map(|s| Instant::now() + Duration::from_secs_f64(s));
    let mut child = spawn(&args.command)?;
    let mut write_err = None;
    let mut code = ExitCode::SUCCESS;
    loop {
        let last_round = STOP.load(Ordering::Relaxed)
            || deadline.is_some_and(|d| Instant::now() >= d)
            || match child.as_mut().map(Child::try_wait) {
                Some(Ok(Some(status))) => {
                    if !status.success() {
                        eprintln!("scap-probe: {} exited with {status}", args.command[0]);
                        code = ExitCode::FAILURE;
                    }
                    true
                }
                Some(Err(e)) => return Err(format!("{}: {e}", args.command[0])),
                _ => false,
            };
        let timeout = if last_round {
            Duration::ZERO
        } else {
            Duration::from_millis(100)
        };
        attached
            .poll(timeout, |record| {
                if let Err(e) = recorder.record(record) {
                    write_err.get_or_insert(e);
                }
            })
            .map_err(|e| e.to_string())?;
        if let Some(e) = write_err.take() {
            return Err(format!("{}: cannot write: {e}", args.output.display()));
        }
        if last_round {
            break;
        }
    }
    drop(attached);
    if let Some(err) = &recorder.first_malformed {
        return Err(format!(
            "{}: {} malformed events from the probe, the first: {err}; the probe is broken: rebuild or reinstall it",
            args.probe.display(),
            recorder.malformed
        ));
    }
    let events = recorder.writer.events();
    recorder
        .writer
        .finish()
        .map_err(|e| format!("{}: cannot write: {e}", args.output.display()))?;
    Ok((code, events))
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
        } => capture(CaptureArgs {
            probe: probe.unwrap_or_else(default_probe),
            output,
            strict,
            duration,
            verbose,
            command,
        }),
    };
    result.unwrap_or_else(|err| {
        eprintln!("scap-probe: {err}");
        ExitCode::from(2)
    })
}
