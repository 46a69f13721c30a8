use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

// The pipeline: a command (commands/) makes a plan (plan/), gets the
// artefacts it packages (artefacts/: the module built per kernel, the
// probe object, the helper's binary), turns them into packages of each
// kind (kinds/) and writes those as .deb and .rpm (writers/).
mod artefacts;
mod commands;
mod driver;
mod kinds;
mod meta;
mod package;
mod plan;
mod templates;
mod writers;

/// Builds the scap driver's packages, named by driver API version.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The driver sources (holding API_VERSION and SCHEMA_VERSION); by
    /// default `driver-src/` in the current directory or above it.
    #[arg(long, global = true, env = "SCAP_DRIVER_SRC")]
    source: Option<PathBuf>,
    /// The kernel module's name (the proposal allows overriding it; keep
    /// the default without good reason).
    #[arg(long, global = true, default_value = scap_driver_api::names::DEFAULT_MODULE)]
    module_name: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The API and schema versions, their 64-bit codes and the names they imply.
    Version {
        /// Print JSON for machines.
        #[arg(long)]
        json: bool,
    },
    /// Prints the postinst fragment a consumer package uses to check the
    /// scap driver with scap-compat.
    ConsumerSnippet(commands::snippet::SnippetArgs),
    /// Builds the packages (by default every kind, as .deb and .rpm, for
    /// every kernel whose headers are installed) into dist/.
    Build(commands::build::BuildArgs),
    /// Renders the distro recipes debian/ and rpm/ from templates/.
    Recipes {
        /// Only say whether the committed recipes are up to date.
        #[arg(long)]
        check: bool,
        /// Project directory to write debian/ and rpm/ into [default: the
        /// one holding driver-src/].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// The error every part of pkgtool returns: one line naming the thing at
/// fault, what is wrong with it and the fix (the project's one error type).
pub use scap_driver_api::Problem;

/// A file pkgtool could not write in its output directory, as one line.
pub fn cannot_write<E: std::fmt::Display>(path: &Path) -> impl FnOnce(E) -> Problem + '_ {
    move |e| {
        Problem::at(
            path,
            format!("cannot write: {e}"),
            "pass a writable --out DIR",
        )
    }
}

fn find_source(given: Option<PathBuf>) -> Result<PathBuf, Problem> {
    if let Some(dir) = given {
        return Ok(dir);
    }
    let cwd = std::env::current_dir().map_err(|e| {
        Problem::new(
            "the current directory",
            format!("cannot read it: {e}"),
            "run from an existing directory or pass --source DIR",
        )
    })?;
    cwd.ancestors()
        .map(|dir| dir.join("driver-src"))
        .find(|dir| {
            dir.join(scap_driver_api::source::API_VERSION_FILE)
                .is_file()
        })
        .ok_or_else(|| {
            Problem::at(
                &cwd,
                "no driver-src/API_VERSION here or above it",
                "run from the project or pass --source DIR",
            )
        })
}

fn run(cli: Cli) -> Result<(), Problem> {
    if let Command::ConsumerSnippet(args) = &cli.command {
        // Needs no driver sources: consumers' maintainers run it anywhere.
        return commands::snippet::run(args, &cli.module_name);
    }
    let source = find_source(cli.source)?;
    match cli.command {
        Command::Version { json } => {
            commands::version::run(Path::new(&source), &cli.module_name, json)
        }
        Command::ConsumerSnippet(_) => unreachable!("handled above"),
        Command::Build(args) => commands::build::run(&source, &cli.module_name, args),
        Command::Recipes { check, out } => {
            commands::recipes::run(&source, &cli.module_name, check, out)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pkgtool: error: {err}");
            ExitCode::FAILURE
        }
    }
}
