//! `pkgtool consumer-snippet`: the postinst fragment a consumer package
//! (sysdig, falco, an agent) includes to check the scap driver with
//! scap-compat when it is configured, from templates/consumer-postinst.sh.

use std::collections::BTreeMap;

use handlebars::Handlebars;
use scap_driver_api::helper::{HELPER, KERNEL_ENV};
use scap_driver_api::{CheckOutcome, Names, Version};
use serde::Serialize;

use crate::Problem;

const TEMPLATE: &str = include_str!("../../../../templates/consumer-postinst.sh");

#[derive(clap::Args)]
pub struct SnippetArgs {
    /// The driver API version the consumer was built for (MAJOR.MINOR.PATCH).
    #[arg(long, value_name = "X.Y.Z")]
    api: Version,
    /// The schema version the consumer was built for, if it checks it.
    #[arg(long, value_name = "X.Y.Z")]
    schema: Option<Version>,
    /// The consumer's package name.
    #[arg(long, value_name = "NAME")]
    name: String,
    /// Seconds after which the fragment stops a helper that has not
    /// finished (with coreutils timeout, SIGTERM, then SIGKILL 5 s later),
    /// so that a hung check cannot hang the package's configuration.
    #[arg(long, value_name = "SECONDS", default_value_t = 120, value_parser = parse_timeout)]
    timeout: u32,
}

/// Whole seconds, 1 to 3600 (0 would be coreutils timeout's "no limit").
fn parse_timeout(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(seconds @ 1..=3600) => Ok(seconds),
        _ => Err(format!(
            "{text:?} is not a time the helper may take: give whole seconds, 1 to 3600, e.g. --timeout 120"
        )),
    }
}

#[derive(Serialize)]
struct Vars {
    consumer: String,
    api: String,
    schema: Option<String>,
    helper: &'static str,
    helper_package: &'static str,
    /// The variable naming the kernel to check instead of the running one.
    kernel_env: &'static str,
    dkms_package: String,
    deb_modules_prefix: String,
    probe_package: String,
    /// Exit codes of `scap-compat check` by outcome name.
    exit: BTreeMap<&'static str, u8>,
    /// Seconds before the helper is stopped.
    timeout: u32,
}

/// Debian Policy 5.6.1: lowercase letters, digits, `+ - .`, two or more
/// characters, starting with a letter or digit. This also keeps the name
/// safe to paste into shell code.
fn is_package_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.len() >= 2
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
}

pub fn render(args: &SnippetArgs, module: &str) -> Result<String, Problem> {
    if !is_package_name(&args.name) {
        return Err(Problem::new(
            "--name",
            format!("{:?} is not a Debian package name", args.name),
            "give the consumer's package name (lowercase letters, digits, + - ., at least two characters)",
        ));
    }
    let names = Names::new(module, args.api);
    let vars = Vars {
        consumer: args.name.clone(),
        api: args.api.to_string(),
        schema: args.schema.map(|s| s.to_string()),
        helper: HELPER,
        helper_package: HELPER,
        kernel_env: KERNEL_ENV,
        dkms_package: names.dkms_package,
        deb_modules_prefix: names.deb_modules_prefix,
        probe_package: names.probe_package,
        exit: CheckOutcome::ALL
            .iter()
            .map(|o| (o.name(), o.exit_code()))
            .collect(),
        timeout: args.timeout,
    };
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    // The template is part of the program: a failure here is a bug.
    Ok(hb
        .render_template(TEMPLATE, &vars)
        .unwrap_or_else(|e| panic!("templates/consumer-postinst.sh: {e}")))
}

pub fn run(args: &SnippetArgs, module: &str) -> Result<(), Problem> {
    print!("{}", render(args, module)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        for good in ["sysdig", "falco", "agent2", "a+b", "x.y-z", "0ad"] {
            assert!(is_package_name(good), "{good}");
        }
        for bad in ["", "s", "Sysdig", "-x", "a b", "a;rm", "a$(x)", "é"] {
            assert!(!is_package_name(bad), "{bad}");
        }
    }
}
