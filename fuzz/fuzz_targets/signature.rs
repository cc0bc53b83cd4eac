//! `manifest.json.minisig` checked as the sync checks it: `signature::verify` against trusted
//! keys, then `Manifest::parse` of the bytes it vouched for.
//!
//! Input: the signature text, then a NUL byte, then the manifest bytes. Without a NUL the whole
//! input is the signature and the manifest is the seed feed's (`seeds/feed/manifest.json`), so a
//! plain `.minisig` file is a valid input. The trusted keys are the fuzzing-only test key
//! (`seeds/fuzz-test-key.pub`, which signed the seed feed) and one other key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use readpoint::config::MinisignPublicKey;
use readpoint::feed::{Limits, Manifest, signature};

const SEED_MANIFEST: &[u8] = include_bytes!("../seeds/feed/manifest.json");
const TEST_KEY: &str = "RWRx5gpL5/nybgwp5wvB3G9kRlsB+AE7jxncJ3gSygLSTj4loT36bbV7";
const OTHER_KEY: &str = "RWQN7QSd4ZIDAgniPmfutEFZCwktsNOscvG3wsmEl1a9zFwXvXA/MChD";

fuzz_target!(|data: &[u8]| {
    let (signature, manifest) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, SEED_MANIFEST),
    };
    // The sync reads the signature file as UTF-8 text (a file that is not is rejected there).
    let Ok(signature) = std::str::from_utf8(signature) else {
        return;
    };
    let trusted = [
        MinisignPublicKey::parse(TEST_KEY).expect("the test key parses"),
        MinisignPublicKey::parse(OTHER_KEY).expect("the other key parses"),
    ];
    if let Ok(key_id) = signature::verify(manifest, signature, &trusted) {
        assert_eq!(key_id, trusted[0].key_id_hex(), "only the test key signs");
        let _ = Manifest::parse(manifest, &Limits::default());
    }
});
