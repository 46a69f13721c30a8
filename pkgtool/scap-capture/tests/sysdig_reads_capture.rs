//! Debian's real sysdig reads what the writer writes: a capture of one
//! file's life (openat, write, read, close) shows the file name on every
//! event and the byte counts.

use std::path::PathBuf;
use std::process::Command;

use scap_capture::event::build;
use scap_capture::schema::types;
use scap_capture::{CaptureWriter, Event};

const TID: u64 = 4242;
const PATH: &str = "/tmp/scap-capture-test/hello.txt";
const DATA: &[u8] = b"hello, scap\n";
/// 2023-11-14T22:13:20Z: a fixed epoch keeps sysdig's output stable.
const T0: u64 = 1_700_000_000_000_000_000;

fn events() -> Vec<Vec<u8>> {
    let fd = 3i64.to_le_bytes();
    let cwd = (-100i64).to_le_bytes();
    let name = format!("{PATH}\0");
    // PPM_O_RDWR | PPM_O_CREAT | PPM_O_TRUNC, mode 0644.
    let flags = (3u32 | 4 | 256).to_le_bytes();
    let mode = 0o644u32.to_le_bytes();
    let dev = 0x803u32.to_le_bytes();
    let len = (DATA.len() as i64).to_le_bytes();
    let size = (DATA.len() as u32).to_le_bytes();
    let asked = 4096u32.to_le_bytes();
    let zero = 0i64.to_le_bytes();
    // getpid as a GENERIC event: PPM_SC_GETPID = 16, x86_64 nr 39.
    let getpid = 16u16.to_le_bytes();
    let getpid_nr = 39u16.to_le_bytes();
    let params: Vec<(u16, Vec<&[u8]>)> = vec![
        (
            types::OPENAT_2_E,
            vec![&cwd, name.as_bytes(), &flags, &mode],
        ),
        (
            types::OPENAT_2_X,
            vec![&fd, &cwd, name.as_bytes(), &flags, &mode, &dev],
        ),
        (types::WRITE_E, vec![&fd, &size]),
        (types::WRITE_X, vec![&len, DATA]),
        (types::READ_E, vec![&fd, &asked]),
        (types::READ_X, vec![&len, DATA]),
        (types::CLOSE_E, vec![&fd]),
        (types::CLOSE_X, vec![&zero]),
        (types::GENERIC_E, vec![&getpid, &getpid_nr]),
        (types::GENERIC_X, vec![&getpid]),
    ];
    params
        .iter()
        .enumerate()
        .map(|(i, (ty, p))| build(T0 + 1000 * i as u64, TID, *ty, p))
        .collect()
}

fn capture() -> PathBuf {
    let path = std::env::temp_dir().join(format!("scap-capture-{}.scap", std::process::id()));
    let mut writer = CaptureWriter::new(std::fs::File::create(&path).unwrap()).unwrap();
    for raw in events() {
        writer.write_event(1, &Event::parse(&raw).unwrap()).unwrap();
    }
    writer.finish().unwrap();
    path
}

fn sysdig(file: &PathBuf, args: &[&str]) -> String {
    let out = Command::new("sysdig")
        .arg("-r")
        .arg(file)
        .args(args)
        .output()
        .expect("sysdig is not installed: run tests/install-deps (it is in tests/apt-packages)");
    assert!(
        out.status.success(),
        "sysdig -r failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sysdig_shows_names_and_byte_counts() {
    let file = capture();
    // "*": print events that lack some of the fields too.
    let format = "*%evt.num %evt.cpu %thread.tid %evt.dir %evt.type %fd.name %evt.args";
    let out = sysdig(&file, &["-p", format]);
    let lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    let expected = [
        "1 1 4242 > openat <NA> dirfd=-100(AT_FDCWD) name=/tmp/scap-capture-test/hello.txt flags=263(O_TRUNC|O_CREAT|O_RDWR) mode=0644",
        "2 1 4242 < openat /tmp/scap-capture-test/hello.txt fd=3(<f>/tmp/scap-capture-test/hello.txt) dirfd=-100(AT_FDCWD) name=/tmp/scap-capture-test/hello.txt flags=263(O_TRUNC|O_CREAT|O_RDWR) mode=0644 dev=803",
        "3 1 4242 > write /tmp/scap-capture-test/hello.txt fd=3(<f>/tmp/scap-capture-test/hello.txt) size=12",
        "4 1 4242 < write /tmp/scap-capture-test/hello.txt res=12 data=hello, scap.",
        "5 1 4242 > read /tmp/scap-capture-test/hello.txt fd=3(<f>/tmp/scap-capture-test/hello.txt) size=4096",
        "6 1 4242 < read /tmp/scap-capture-test/hello.txt res=12 data=hello, scap.",
        "7 1 4242 > close /tmp/scap-capture-test/hello.txt fd=3(<f>/tmp/scap-capture-test/hello.txt)",
        "8 1 4242 < close /tmp/scap-capture-test/hello.txt res=0",
        "9 1 4242 > getpid <NA>",
        "10 1 4242 < getpid <NA>",
    ];
    assert_eq!(lines, expected, "sysdig output:\n{out}");

    // Filters see the fields too.
    let out = sysdig(
        &file,
        &[
            "-p",
            "%evt.type %evt.rawarg.res",
            "evt.dir=< and evt.type in (read, write)",
        ],
    );
    assert_eq!(out, "write 12\nread 12\n");
    std::fs::remove_file(&file).unwrap();
}
