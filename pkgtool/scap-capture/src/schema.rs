//! The numbers of schema 1 that userspace needs; `driver-src/scap_abi.h`
//! is their source, and a test holds these to it.

/// `struct scap_evt_hdr`: ts u64, tid u64, len u32, type u16, nparams u32.
pub const EVT_HDR_LEN: usize = 26;
/// Event types at or above this are not in the schema.
pub const EVENT_MAX: u16 = 336;
/// PPM_SC codes at or above this are not in the schema.
pub const SC_MAX: u16 = 329;
/// No event of the schema has more parameters.
pub const MAX_PARAMS: u32 = 32;

/// The event types the driver emits (enter = even, exit = odd).
pub mod types {
    pub const GENERIC_E: u16 = 0;
    pub const GENERIC_X: u16 = 1;
    pub const OPEN_E: u16 = 2;
    pub const OPEN_X: u16 = 3;
    pub const CLOSE_E: u16 = 4;
    pub const CLOSE_X: u16 = 5;
    pub const READ_E: u16 = 6;
    pub const READ_X: u16 = 7;
    pub const WRITE_E: u16 = 8;
    pub const WRITE_X: u16 = 9;
    pub const DROP_E: u16 = 148;
    pub const DROP_X: u16 = 149;
    pub const OPENAT_2_E: u16 = 306;
    pub const OPENAT_2_X: u16 = 307;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `#define NAME value` and `NAME = value,` lines of the C header.
    fn abi_value(header: &str, name: &str) -> u64 {
        header
            .lines()
            .find_map(|line| {
                let mut words = line.split_whitespace();
                let first = words.next()?;
                let (key, value) = if first == "#define" {
                    (words.next()?, words.next()?)
                } else {
                    (first, words.nth(1)?)
                };
                (key == name).then(|| value.trim_end_matches(',').parse().ok())?
            })
            .unwrap_or_else(|| panic!("scap_abi.h has no {name}"))
    }

    #[test]
    fn numbers_match_scap_abi_h() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../driver-src/scap_abi.h");
        let header = std::fs::read_to_string(path).unwrap();
        assert_eq!(abi_value(&header, "SCAP_EVT_HDR_LEN"), EVT_HDR_LEN as u64);
        assert_eq!(abi_value(&header, "SCAP_EVENT_MAX"), EVENT_MAX as u64);
        assert_eq!(abi_value(&header, "SCAP_SC_MAX"), SC_MAX as u64);
        for (name, value) in [
            ("SCAPE_GENERIC_E", types::GENERIC_E),
            ("SCAPE_GENERIC_X", types::GENERIC_X),
            ("SCAPE_OPEN_E", types::OPEN_E),
            ("SCAPE_OPEN_X", types::OPEN_X),
            ("SCAPE_CLOSE_E", types::CLOSE_E),
            ("SCAPE_CLOSE_X", types::CLOSE_X),
            ("SCAPE_READ_E", types::READ_E),
            ("SCAPE_READ_X", types::READ_X),
            ("SCAPE_WRITE_E", types::WRITE_E),
            ("SCAPE_WRITE_X", types::WRITE_X),
            ("SCAPE_DROP_E", types::DROP_E),
            ("SCAPE_DROP_X", types::DROP_X),
            ("SCAPE_OPENAT_2_E", types::OPENAT_2_E),
            ("SCAPE_OPENAT_2_X", types::OPENAT_2_X),
        ] {
            assert_eq!(abi_value(&header, name), value as u64, "{name}");
        }
    }
}
