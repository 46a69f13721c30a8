//! The module loaded in the running kernel: its versions from sysfs and,
//! as root, from the device; and whether it is the one installed.

use scap_driver_api::modinfo::ModuleInfo;
use scap_driver_api::Version;

use crate::loaded::{self, DeviceFailure, LoadedModule};
use crate::report::{Driver, DriverKind, Level, Verdict, Wanted};
use crate::system::System;

use super::install_fix;

pub(super) fn loaded_module(
    system: &System,
    found: LoadedModule,
    installed: Option<&ModuleInfo>,
    wanted: &Wanted,
) -> Driver {
    let mut d = Driver::new(
        DriverKind::LoadedModule,
        found.sysfs_dir.display().to_string(),
    );
    let module = &system.module;
    let reload = format!("modprobe -r {module} && modprobe {module} (when no consumer runs)");
    // Our module's sysfs version is its API version; a falcosecurity-libs
    // driver's is its release (sid's 0.23.2 is API 8.0.4), which may parse
    // as one: the installed file tells, when its MODULE_VERSION is the
    // loaded one's and is not its api_version.
    let versioned_otherwise = installed.is_some_and(|info| {
        found.version.is_some()
            && info.version == found.version
            && info.version != Some(info.api.to_string())
    });
    let sysfs_api: Option<Version> = found
        .version
        .as_deref()
        .filter(|_| !versioned_otherwise)
        .and_then(|v| v.parse().ok());
    match (&found.version, sysfs_api) {
        (_, Some(api)) => {
            d.api = Some(api);
            d.versions_from = Some("sysfs version".into());
        }
        (Some(text), None) => d.add(
            Level::Note,
            format!(
                "its sysfs version {text:?} is not an API version (a driver versioned another way)"
            ),
        ),
        (None, None) => d.add(Level::Note, "it has no version in sysfs"),
    }
    if system.is_root {
        match loaded::query_device(&system.dev(), module) {
            Ok(versions) => {
                if let Some(api) = sysfs_api.filter(|api| *api != versions.api) {
                    d.add(
                        Level::Error,
                        format!(
                            "sysfs says API {api} but the device's ioctl says {}: the module is inconsistent",
                            versions.api
                        ),
                    );
                    d.fix(format!("reinstall the module, then {reload}"));
                }
                d.api = Some(versions.api);
                d.schema = Some(versions.schema);
                d.versions_from =
                    Some(format!("ioctl on {}0", system.dev().join(module).display()));
            }
            Err(DeviceFailure::PredatesVersioning(problem)) => {
                d.api = None;
                d.problem(Level::Error, problem);
                d.fix(install_fix(system, wanted, false));
                d.fix(reload.clone());
            }
            Err(DeviceFailure::Other(problem)) => {
                d.add(Level::Note, format!("the device was not asked: {problem}"))
            }
        }
    } else {
        d.add(
            Level::Note,
            "run as root to also ask the device (schema version, ioctl cross-check)",
        );
    }
    if d.api.is_none() && !d.messages.iter().any(|m| m.level == Level::Error) {
        d.add(Level::Warning, "its API version is unknown");
    }
    d.apply_rules(wanted);
    if d.verdict == Verdict::Incompatible && installed.is_none() {
        d.fix(install_fix(system, wanted, false));
    }
    stale_check(&mut d, &found, installed, &system.kernel, &reload);
    d
}

/// An upgrade leaves the old module loaded until someone reloads it.
fn stale_check(
    d: &mut Driver,
    found: &LoadedModule,
    installed: Option<&ModuleInfo>,
    kernel: &str,
    reload: &str,
) {
    let Some(installed) = installed else {
        d.add(
            Level::Warning,
            format!("no module file is installed for {kernel}: it is gone after a reboot"),
        );
        return;
    };
    let differs = match (d.api, d.schema) {
        (Some(api), _) if api != installed.api => {
            let how = if api < installed.api {
                "older"
            } else {
                "newer"
            };
            Some(format!(
                "API {api}, {how} than the installed API {}",
                installed.api
            ))
        }
        (Some(_), Some(schema)) if schema != installed.schema => Some(format!(
            "schema {schema}, not the installed schema {}",
            installed.schema
        )),
        (Some(_), _) => None,
        (None, _) => (found.version.is_some() && found.version != installed.version).then(|| {
            format!(
                "version {:?}, not the installed {:?}",
                found.version.as_deref().unwrap_or(""),
                installed.version.as_deref().unwrap_or("")
            )
        }),
    };
    if let Some(differs) = differs {
        let users = match found.refcnt {
            Some(n) if n > 0 => format!(" ({n} users hold it now: stop the consumers first)"),
            _ => String::new(),
        };
        d.add(
            Level::Warning,
            format!("stale: the loaded module is {differs}; reload it{users}"),
        );
        d.fix(reload.to_string());
    }
}

#[cfg(test)]
mod tests {
    //! The decisions on a loaded module, from a sysfs-like reading; the real
    //! /sys and device of a loaded module are the VM tests' business.
    use std::path::PathBuf;

    use super::*;

    fn system(is_root: bool) -> System {
        System {
            // No device nodes here: as root, opening /dev/scap0 fails.
            root: std::env::temp_dir().join("scap-compat-no-such-root"),
            module: "scap".into(),
            kernel: "6.1.0-56-amd64".into(),
            kernel_given: false,
            running_kernel: "6.1.0-56-amd64".into(),
            is_root,
        }
    }

    fn found(version: Option<&str>, refcnt: u64) -> LoadedModule {
        LoadedModule {
            sysfs_dir: PathBuf::from("/sys/module/scap"),
            version: version.map(str::to_string),
            refcnt: Some(refcnt),
        }
    }

    fn installed(api: &str, version: &str) -> ModuleInfo {
        ModuleInfo {
            version: Some(version.into()),
            api: api.parse().unwrap(),
            schema: "1.0.0".parse().unwrap(),
            vermagic: Some("6.1.0-56-amd64 SMP mod_unload modversions ".into()),
        }
    }

    fn wanted(api: &str) -> Wanted {
        Wanted {
            consumer: "sysdig".into(),
            api: api.parse().unwrap(),
            schema: None,
            strict: false,
        }
    }

    fn texts(d: &Driver) -> Vec<String> {
        d.messages.iter().map(|m| m.text.clone()).collect()
    }

    #[test]
    fn stale_older_and_newer_with_the_reload_command() {
        let d = loaded_module(
            &system(false),
            found(Some("1.0.0"), 0),
            Some(&installed("1.3.0", "1.3.0")),
            &wanted("1.0.0"),
        );
        assert_eq!(d.verdict, Verdict::Warning, "{d:?}");
        assert!(texts(&d).contains(
            &"stale: the loaded module is API 1.0.0, older than the installed API 1.3.0; reload it"
                .to_string()
        ));
        assert_eq!(
            d.fixes,
            ["modprobe -r scap && modprobe scap (when no consumer runs)"]
        );

        let d = loaded_module(
            &system(false),
            found(Some("1.3.0"), 2),
            Some(&installed("1.0.0", "1.0.0")),
            &wanted("1.0.0"),
        );
        assert!(texts(&d).iter().any(|t| t.contains(
            "newer than the installed API 1.0.0; reload it (2 users hold it now: stop the consumers first)"
        )));
    }

    #[test]
    fn loaded_incompatible_but_installed_fine_says_reload() {
        let d = loaded_module(
            &system(false),
            found(Some("1.0.0"), 0),
            Some(&installed("1.2.0", "1.2.0")),
            &wanted("1.2.0"),
        );
        assert_eq!(d.verdict, Verdict::Incompatible);
        assert!(texts(&d)[0].starts_with("run as root"));
        assert!(texts(&d)[1].starts_with("driver API version 1.0.0, required 1.2.0"));
        assert_eq!(
            d.fixes,
            ["modprobe -r scap && modprobe scap (when no consumer runs)"]
        );
    }

    #[test]
    fn same_as_installed_is_not_stale() {
        let d = loaded_module(
            &system(false),
            found(Some("1.2.0"), 1),
            Some(&installed("1.2.0", "1.2.0")),
            &wanted("1.0.0"),
        );
        assert_eq!(d.verdict, Verdict::Compatible, "{d:?}");
        assert_eq!(d.api, Some("1.2.0".parse().unwrap()));
    }

    #[test]
    fn driver_versioned_another_way_compares_version_strings() {
        let peer = "0.1.1dev+git20220316.e5c53d64";
        let d = loaded_module(
            &system(false),
            found(Some(peer), 0),
            Some(&installed("1.0.0", peer)),
            &wanted("1.0.0"),
        );
        assert_eq!(d.verdict, Verdict::Warning);
        assert_eq!(d.api, None);
        assert!(texts(&d).contains(&"its API version is unknown".to_string()));
        assert!(!texts(&d).iter().any(|t| t.starts_with("stale")));

        let d = loaded_module(
            &system(false),
            found(Some(peer), 0),
            Some(&installed("1.0.0", "1.0.0")),
            &wanted("1.0.0"),
        );
        assert!(texts(&d).iter().any(|t| t.starts_with(
            "stale: the loaded module is version \"0.1.1dev+git20220316.e5c53d64\", not the installed \"1.0.0\""
        )));
    }

    #[test]
    fn a_release_in_sysfs_is_no_api_when_the_installed_file_says_so() {
        // sid's falcosecurity-libs 0.23.2 driver: MODULE_VERSION 0.23.2,
        // api_version 8.0.4.
        let d = loaded_module(
            &system(false),
            found(Some("0.23.2"), 0),
            Some(&installed("8.0.4", "0.23.2")),
            &wanted("8.0.0"),
        );
        assert_eq!(d.api, None, "{d:?}");
        assert!(texts(&d).iter().any(|t| t.contains(
            "its sysfs version \"0.23.2\" is not an API version (a driver versioned another way)"
        )));
        assert!(!texts(&d).iter().any(|t| t.starts_with("stale")), "{d:?}");
        // Without that file's word, a version that parses is the API.
        let d = loaded_module(
            &system(false),
            found(Some("0.23.2"), 0),
            Some(&installed("0.23.2", "0.23.2")),
            &wanted("8.0.0"),
        );
        assert_eq!(d.api, Some("0.23.2".parse().unwrap()));
        assert_eq!(d.verdict, Verdict::Incompatible);
    }

    #[test]
    fn nothing_installed_and_device_unreachable() {
        let d = loaded_module(
            &system(true),
            found(Some("1.0.0"), 0),
            None,
            &wanted("1.0.0"),
        );
        assert_eq!(d.verdict, Verdict::Warning);
        let texts = texts(&d);
        assert!(
            texts[0].starts_with("the device was not asked: "),
            "{texts:?}"
        );
        assert!(texts[0].contains("/dev/scap0: cannot open"), "{texts:?}");
        assert!(texts[1].starts_with("no module file is installed for 6.1.0-56-amd64"));
    }
}
