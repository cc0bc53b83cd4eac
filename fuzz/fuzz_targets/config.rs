//! `readpoint.toml` as the kiosk and `readpoint config check` read it: `config::parse` (TOML,
//! unknown keys, types, then every value and cross-key rule). A file that parses must also take
//! `readpoint config set-pin`'s edit (`config::edit::set_pin_hash`): the edited text parses and
//! holds exactly the new hash (the PIN that staff just set is the one the kiosk checks).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use readpoint::config;

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQxMjM0NTY3OA$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk";

fuzz_target!(|data: &[u8]| {
    // The file is read as UTF-8 text (one that is not is rejected by `config::load`).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let origin = Path::new("readpoint.toml");
    if config::parse(text, origin).is_err() {
        return;
    }
    if let Ok(edited) = config::edit::set_pin_hash(text, HASH, origin) {
        let config = config::parse(&edited, origin).expect("set_pin_hash returned a valid file");
        assert_eq!(
            config.admin.pin_hash.as_deref(),
            Some(HASH),
            "set_pin_hash reported success but the file holds another PIN hash"
        );
    }
});
