//! scap-compat: tells a libscap consumer (and its package's postinst)
//! whether the scap drivers installed and loaded on this machine suit it.
//! It reads versions only; it never loads, unloads or rebuilds a driver
//! (except the probe load of `check --load-test`, which the user asks for).

use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use scap_driver_api::helper::KERNEL_ENV;
use scap_driver_api::names::DEFAULT_MODULE;
use scap_driver_api::{CheckOutcome, Version};

mod check;
mod device;
mod dkms;
#[cfg(feature = "load-test")]
mod load_test;
mod loaded;
mod module_search;
mod object_file;
mod origin;
mod render;
mod report;
mod status;
mod system;

use report::Wanted;
use system::System;

/// Checks whether the installed and loaded scap drivers suit a libscap consumer.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Look at the system installed under DIR (a chroot or image): its
    /// modules, DKMS tree, probes, package database, /sys and /dev.
    #[arg(
        long,
        global = true,
        env = "SCAP_COMPAT_ROOT",
        default_value = "/",
        value_name = "DIR"
    )]
    root: PathBuf,
    /// The kernel module's name (the versioning proposal allows overriding it).
    #[arg(long, global = true, default_value = DEFAULT_MODULE, value_name = "NAME")]
    module_name: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Checks the drivers against what a consumer requires (see the exit codes below).
    #[command(after_help = exit_code_help())]
    Check(CheckCli),
    /// Shows what is installed and loaded: kernel modules, DKMS, probes.
    Status {
        /// Only this kernel release (default: every one in /lib/modules).
        #[arg(long, value_name = "K")]
        kernel: Option<String>,
        /// Print JSON for machines.
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
struct CheckCli {
    /// The driver API version the consumer was built for (MAJOR.MINOR.PATCH).
    #[arg(long, value_name = "X.Y.Z")]
    api: Version,
    /// The schema version the consumer was built for.
    #[arg(long, value_name = "X.Y.Z")]
    schema: Option<Version>,
    /// The consumer's name, for the messages.
    #[arg(long, value_name = "NAME", default_value = "the consumer")]
    consumer: String,
    /// Check for this kernel release instead of the running one: the module
    /// installed for it, the probes' oldest kernel (min_kernel); the loaded
    /// module is then not checked. For installing into a chroot or image
    /// that boots another kernel.
    #[arg(long, value_name = "K", env = KERNEL_ENV)]
    kernel: Option<String>,
    /// An older patch release is an error, not a warning (libscap's rule).
    #[arg(long)]
    strict: bool,
    /// Print JSON for machines.
    #[arg(long)]
    json: bool,
    /// Check this module file (.ko, .ko.xz, .ko.zst) instead of the system
    /// (repeatable).
    #[arg(long, value_name = "FILE")]
    module: Vec<PathBuf>,
    /// Check this probe object instead of the system (repeatable).
    #[arg(long, value_name = "FILE")]
    probe: Vec<PathBuf>,
    /// As root, also load each probe into the kernel (and unload it) so that
    /// the verifier has its say. Nothing is attached.
    #[arg(long)]
    load_test: bool,
}

fn exit_code_help() -> String {
    let mut help = String::from("Exit codes:\n");
    for outcome in CheckOutcome::ALL {
        let _ = writeln!(
            help,
            "  {:>3}  {:<26} {}",
            outcome.exit_code(),
            outcome.name(),
            outcome.meaning()
        );
    }
    help.push_str(
        "\nIn a maintainer script under `set -e`, capture the code explicitly:\n  \
         rc=0; scap-compat check --api 1.0.0 || rc=$?",
    );
    help
}

fn main() -> ExitCode {
    let command = Cli::command().after_help(exit_code_help());
    let cli = match command
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(err) => {
            use clap::error::ErrorKind;
            match err.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = err.print();
                    return ExitCode::SUCCESS;
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = err.print();
                }
                _ => {
                    // One line: clap's first paragraph names the argument and the problem.
                    let text = err.to_string();
                    let first: Vec<&str> = text
                        .lines()
                        .take_while(|l| !l.trim().is_empty())
                        .map(str::trim)
                        .collect();
                    let first = first.join(" ");
                    let first = first.strip_prefix("error: ").unwrap_or(&first);
                    eprintln!("scap-compat: error: {first}; see scap-compat --help");
                }
            }
            return ExitCode::from(CheckOutcome::UsageError.exit_code());
        }
    };
    match cli.command {
        Command::Check(args) => {
            let system = System::new(cli.root, cli.module_name, args.kernel.clone());
            if args.load_test && !cfg!(feature = "load-test") {
                eprintln!(
                    "scap-compat: error: --load-test: this build has no load test; \
                     rebuild scap-compat with the cargo feature load-test"
                );
                return ExitCode::from(CheckOutcome::UsageError.exit_code());
            }
            if args.load_test && !system.is_root {
                eprintln!(
                    "scap-compat: error: --load-test: loading a probe needs root; run it as root"
                );
                return ExitCode::from(CheckOutcome::UsageError.exit_code());
            }
            let check_args = check::CheckArgs {
                wanted: Wanted {
                    consumer: args.consumer,
                    api: args.api,
                    schema: args.schema,
                    strict: args.strict,
                },
                module_files: args.module,
                probe_files: args.probe,
                load_test: args.load_test,
            };
            let report = check::run(&system, &check_args);
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("report serializes")
                );
            } else {
                print!("{}", render::human(&report));
            }
            ExitCode::from(report.exit_code)
        }
        Command::Status { kernel, json } => {
            let system = System::new(cli.root, cli.module_name, kernel);
            let status = status::collect(&system);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&status).expect("status serializes")
                );
            } else {
                print!("{}", status::human(&status, &system.module));
            }
            ExitCode::SUCCESS
        }
    }
}
