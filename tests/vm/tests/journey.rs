//! The user's journeys (`scap-vm journey NAME`, the rows of
//! `journey::JOURNEYS`): on bookworm the driver package (DKMS, the
//! prebuilt module, or the eBPF probe) and sysdig installed with apt, the
//! system booted under qemu, the module loaded with modprobe (the probe
//! by scap-probe), a live capture, an upgrade under the loaded driver, a
//! reboot and a purge, each step asserted in the guest
//! (tests/journey/steps.sh). One test per journey: the steps build on each
//! other. A failure shows the failed step's output and the guest's
//! console. The journeys run one at a time (each VM takes both cores).

#![cfg(feature = "system-tests")]

use std::sync::Mutex;

use scap_vm::{journey, Config};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn bookworm_dkms_journey() {
    assert_journey("bookworm");
}

#[test]
fn bookworm_prebuilt_journey() {
    assert_journey("bookworm-prebuilt");
}

#[test]
fn bookworm_probe_journey() {
    assert_journey("bookworm-probe");
}

/// sid's kernel, sid's sysdig 0.41 and falcosecurity-libs' API-8 driver,
/// prebuilt. About 8 minutes more than CI's 40 have room for (the README,
/// "The user's journey, booted"): `--ignored` runs it.
#[test]
#[ignore = "CI's time: run with --ignored"]
fn sid_journey() {
    assert_journey("sid");
}

fn assert_journey(name: &str) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let config = Config::from_env().expect("the harness's configuration");
    let run = journey::run(
        &config,
        journey::find(name).unwrap(),
        &mut |text| eprintln!("scap-vm: {text}"),
        &mut |phase, result| {
            eprintln!(
                "{} {phase}/{} {}",
                if result.passed { "PASS" } else { "FAIL" },
                result.name,
                result.detail
            )
        },
    )
    .unwrap_or_else(|err| panic!("the journey could not run: {err}"));
    assert!(
        run.all_passed(),
        "the {name} journey failed:\n{}",
        run.failures()
    );
    eprintln!(
        "scap-vm: journey {name} on {} in {:.0} s",
        run.kernel_release,
        run.elapsed.as_secs_f64()
    );
}

#[test]
fn every_phase_names_steps_that_steps_sh_has() {
    let config = Config::from_env().unwrap();
    let script = std::fs::read_to_string(config.repo_root.join("tests/journey/steps.sh")).unwrap();
    for (phase, steps) in journey::PHASES {
        for step in *steps {
            assert!(
                script.contains(&format!("\nstep_{step}() {{\n")),
                "{phase}: steps.sh has no step_{step}"
            );
        }
    }
}
