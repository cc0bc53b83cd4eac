//! The staff PIN: what a PIN may look like, hashing it for the configuration (argon2id, PHC
//! string) and checking a typed PIN against the configured hash.
//!
//! Owns the PIN rules and the argon2 parameters. Must never: log, print or store a PIN, or
//! keep one longer than the call that checks it (callers drop the string right after).

use std::io::Read;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Fewest digits of a PIN. Six, not four: with the lockout's 5 tries per lock, and each lock
/// twice as long as the one before (up to a day), a million PINs cannot be walked through.
pub const MIN_DIGITS: usize = 6;
/// Most digits of a PIN (the number pad shows at most this many dots).
pub const MAX_DIGITS: usize = 12;

/// argon2id memory for new hashes, in KiB (OWASP's minimum with two passes: 19 MiB).
const MEMORY_KIB: u32 = 19_456;
/// argon2id passes for new hashes.
const PASSES: u32 = 2;

/// Why a PIN cannot be used, phrased for staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// Something other than the digits 0–9.
    #[error("the PIN must be digits 0–9 only (the kiosk's number pad has nothing else)")]
    NotDigits,
    /// Too short or too long.
    #[error("the PIN must have {MIN_DIGITS} to {MAX_DIGITS} digits, not {0}")]
    Length(usize),
    /// One digit repeated, or a plain run such as 1234 / 9876.
    #[error(
        "the PIN is too easy to guess (one digit repeated, or a run like 1234); choose another"
    )]
    TooEasy,
    /// The system's random source failed.
    #[error("no random salt could be made ({0})")]
    Random(String),
    /// argon2 refused (never expected with the fixed parameters).
    #[error("the PIN could not be hashed: {0}")]
    Hash(String),
}

/// Checks a new PIN against the rules: 6–12 digits, not trivially guessable.
pub fn check_new_pin(pin: &str) -> Result<(), PinError> {
    if !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PinError::NotDigits);
    }
    let digits: Vec<i16> = pin.bytes().map(|b| i16::from(b - b'0')).collect();
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
        return Err(PinError::Length(digits.len()));
    }
    let steps: Vec<i16> = digits.windows(2).map(|w| w[1] - w[0]).collect();
    let constant_step = steps.windows(2).all(|w| w[0] == w[1]);
    if constant_step && matches!(steps.first(), Some(-1..=1)) {
        return Err(PinError::TooEasy);
    }
    Ok(())
}

/// Hashes `pin` into an argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) with a
/// fresh random salt from the system.
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    check_new_pin(pin)?;
    let mut salt = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut salt))
        .map_err(|err| PinError::Random(err.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|err| PinError::Hash(err.to_string()))?;
    let params =
        Params::new(MEMORY_KIB, PASSES, 1, None).map_err(|err| PinError::Hash(err.to_string()))?;
    let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|err| PinError::Hash(err.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `pin` matches the configured `hash`. A hash that does not pass the configuration's
/// check ([`check_hash`]: argon2id, v=19, parameters strong enough and
/// bounded in memory and time) never matches, and argon2 is not run on it: a hash asking for
/// gigabytes or minutes cannot stall or exhaust the kiosk, however it reached the options.
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    if let Err(reason) = check_hash(hash) {
        tracing::error!(
            "the configured admin.pin_hash is refused: it {reason} — fix: set a new PIN with `readpoint config set-pin`"
        );
        return false;
    }
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_ok(),
        Err(err) => {
            tracing::error!(%err, "the configured admin.pin_hash does not parse — fix: set a new PIN with `readpoint config set-pin`");
            false
        }
    }
}

/// Least argon2id memory accepted for the PIN hash, in KiB (OWASP's minimum with `t=2`).
pub const ARGON2_MIN_MEMORY_KIB: u32 = 19_456;
/// Least argon2id passes accepted for the PIN hash.
pub const ARGON2_MIN_PASSES: u32 = 2;
/// Most argon2id memory accepted, in KiB (256 MiB): a kiosk checks the PIN beside the running
/// UI, and a hash asking for gigabytes would exhaust its memory.
pub const ARGON2_MAX_MEMORY_KIB: u32 = 262_144;
/// Most argon2id work accepted, as memory × passes (KiB): the argon2 crate runs the lanes one
/// after another, so the time of a check grows with `m × t`. 524288 (256 MiB × 2, 64 MiB × 8)
/// takes about 0.6 s on a 2020s x86 core at the build's opt-level 1 — below 2 s with room for a
/// slower kiosk; the default (`m=19456,t=2`) is 1/13 of it, the documented example
/// (`m=65536,t=3`) about 1/3.
pub const ARGON2_MAX_WORK: u64 = 524_288;
/// Most argon2id lanes accepted (argon2 allows 2^24 - 1; PIN hashes use 1 to 4).
pub const ARGON2_MAX_LANES: u32 = 16;
/// Longest salt and hash accepted, in bytes (argon2 tools write 16 and 32).
const ARGON2_MAX_BYTES: usize = 64;

/// Checks that `text` looks like an argon2id PHC string:
/// `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>` (salt and hash in unpadded
/// base64, salt 8 to 64 bytes, hash 16 to 64 bytes), with parameters that are allowed
/// (`m >= 8 * p`), strong enough (`m >= 19456`, `t >= 2`) and bounded, so that checking a PIN
/// against it neither exhausts memory nor takes seconds (`m <= 262144`, `m × t <= 524288`,
/// `p <= 16`). [`verify_pin`] runs argon2 only on hashes that pass this check.
pub fn check_hash(text: &str) -> Result<(), &'static str> {
    let parts: Vec<&str> = text.split('$').collect();
    let [empty, algorithm, version, params, salt, hash] = parts.as_slice() else {
        return Err("does not have the six $-separated parts of an argon2 hash");
    };
    if !empty.is_empty() {
        return Err("does not start with $argon2id$");
    }
    if *algorithm != "argon2id" {
        return Err("is not an argon2id hash (it must start with $argon2id$)");
    }
    if *version != "v=19" {
        return Err("has an unsupported version (expected v=19)");
    }
    let mut seen = [false; 3];
    let mut values = [0u32; 3];
    for (index, param) in params.split(',').enumerate() {
        let Some((name, value)) = param.split_once('=') else {
            return Err("has malformed parameters (expected m=…,t=…,p=…)");
        };
        let expected = ["m", "t", "p"].get(index).copied();
        if expected != Some(name) {
            return Err("has malformed parameters (expected m=…,t=…,p=…)");
        }
        let number = value
            .parse::<u32>()
            .ok()
            .filter(|v| *v > 0 && value.bytes().all(|b| b.is_ascii_digit()));
        let Some(number) = number else {
            return Err("has a parameter that is not a positive number");
        };
        seen[index] = true;
        values[index] = number;
    }
    if !seen.iter().all(|s| *s) {
        return Err("has malformed parameters (expected m=…,t=…,p=…)");
    }
    let [memory, passes, lanes] = values;
    if u64::from(memory) < 8 * u64::from(lanes) {
        return Err("has m (memory) smaller than 8 × p (lanes), which argon2 does not allow");
    }
    if memory < ARGON2_MIN_MEMORY_KIB {
        return Err("uses too little memory to be safe (m must be at least 19456)");
    }
    if passes < ARGON2_MIN_PASSES {
        return Err("uses too few passes to be safe (t must be at least 2)");
    }
    if memory > ARGON2_MAX_MEMORY_KIB {
        return Err(
            "uses too much memory for a kiosk (m must be at most 262144, i.e. 256 MiB; \
             `readpoint config set-pin` uses 19456)",
        );
    }
    if u64::from(memory) * u64::from(passes) > ARGON2_MAX_WORK {
        return Err(
            "would take too long to check on a kiosk (m × t must be at most 524288, e.g. \
             m=65536,t=8 or m=262144,t=2; `readpoint config set-pin` uses m=19456,t=2)",
        );
    }
    if lanes > ARGON2_MAX_LANES {
        return Err("uses too many lanes (p must be at most 16)");
    }
    if salt.contains('=') || hash.contains('=') {
        return Err("has padding in the salt or hash (argon2 hashes use base64 without =)");
    }
    match crate::base64::decode(salt) {
        Ok(bytes) if (8..=ARGON2_MAX_BYTES).contains(&bytes.len()) => {}
        Ok(bytes) if bytes.len() > ARGON2_MAX_BYTES => {
            return Err("has a salt longer than 64 bytes");
        }
        Ok(_) => return Err("has a salt shorter than 8 bytes"),
        Err(_) => return Err("has a salt that is not base64"),
    }
    match crate::base64::decode(hash) {
        Ok(bytes) if (16..=ARGON2_MAX_BYTES).contains(&bytes.len()) => {}
        Ok(bytes) if bytes.len() > ARGON2_MAX_BYTES => {
            return Err("has a hash longer than 64 bytes");
        }
        Ok(_) => return Err("has a hash shorter than 16 bytes"),
        Err(_) => return Err("has a hash that is not base64"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_for_new_pins() {
        assert_eq!(check_new_pin("258036"), Ok(()));
        assert_eq!(check_new_pin("271828182845"), Ok(()));
        assert_eq!(check_new_pin("12a456"), Err(PinError::NotDigits));
        assert_eq!(check_new_pin("１２３４５６"), Err(PinError::NotDigits));
        assert_eq!(check_new_pin("258"), Err(PinError::Length(3)));
        // Four or five digits fall to a patient guesser: at least six.
        assert_eq!(check_new_pin("2580"), Err(PinError::Length(4)));
        assert_eq!(check_new_pin("25803"), Err(PinError::Length(5)));
        assert_eq!(check_new_pin("1234567890123"), Err(PinError::Length(13)));
        for easy in ["000000", "123456", "987654", "7777777"] {
            assert_eq!(check_new_pin(easy), Err(PinError::TooEasy), "{easy}");
        }
        // A constant step of 2 is not a "run" people type by reflex.
        assert_eq!(check_new_pin("246802"), Ok(()));
        assert!(hash_pin("2580").is_err(), "no hash for a short PIN");
    }

    #[test]
    fn a_hash_verifies_its_pin_only_and_passes_the_config_check() {
        let hash = hash_pin("258036").expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(!hash.contains("258036"));
        assert_eq!(check_hash(&hash), Ok(()));
        assert!(verify_pin("258036", &hash));
        assert!(!verify_pin("258037", &hash));
        assert!(!verify_pin("", &hash));
        // Two hashes of one PIN differ (fresh salt).
        assert_ne!(hash, hash_pin("258036").expect("hash"));
    }

    #[test]
    fn a_broken_hash_never_matches() {
        assert!(!verify_pin("258036", "not a hash"));
        assert!(!verify_pin("258036", ""));
    }

    /// Re-encodes `hash` (a real hash of its PIN) with other parameters: argon2 would accept it,
    /// and it would match if argon2 ran with them.
    fn with_params(hash: &str, params: &str) -> String {
        let parts: Vec<&str> = hash.split('$').collect();
        format!(
            "${}${}${params}${}${}",
            parts[1], parts[2], parts[4], parts[5]
        )
    }

    #[test]
    fn out_of_bounds_parameters_are_never_run() {
        let pin = "258036";
        let salt = SaltString::encode_b64(b"sixteen-byte-slt").expect("salt");
        let hash_with = |m, t, p| {
            let params = Params::new(m, t, p, None).expect("params");
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(pin.as_bytes(), &salt)
                .expect("hash")
                .to_string()
        };
        // Weak but cheap parameters argon2 accepts: a hash that really is of this PIN.
        let weak = hash_with(8, 1, 1);
        assert!(
            Argon2::default()
                .verify_password(pin.as_bytes(), &PasswordHash::new(&weak).expect("parses"))
                .is_ok()
        );
        assert!(!verify_pin(pin, &weak), "below the minimums: refused");
        // Above the bounds: refused without running argon2 (which would allocate 4 GiB, or
        // run for hours, and leave this test stuck — nextest's timeout stops it).
        for params in [
            "m=4194304,t=2,p=1",
            "m=19456,t=4294967295,p=1",
            "m=262144,t=1000,p=1",
            "m=65536,t=2,p=64",
        ] {
            assert!(!verify_pin(pin, &with_params(&weak, params)), "{params}");
        }
        // Inside the bounds, a real hash of the PIN with other parameters still verifies.
        let other = hash_with(20_000, 2, 2);
        assert!(verify_pin(pin, &other));
        assert!(!verify_pin("258037", &other));
    }

    const EXAMPLE_HASH: &str = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk";

    #[test]
    fn only_bounded_argon2id_hashes_pass_the_check() {
        assert_eq!(check_hash(EXAMPLE_HASH), Ok(()));
        for bad in [
            "",
            "123456",
            "$argon2i$v=19$m=65536,t=3,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk",
            "$argon2id$v=16$m=65536,t=3,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk",
            "$argon2id$v=19$t=3,m=65536,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk",
            "$argon2id$v=19$m=65536,t=0,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk",
            "$argon2id$v=19$m=65536,t=3$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk",
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk",
            "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQxMjM0$c2hvcnQ",
            "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXX*uJj6Qq1v2FxNxJxH3Pq6tjFvTk",
        ] {
            assert!(check_hash(bad).is_err(), "{bad}");
        }
        let with = |params: &str| {
            check_hash(&format!(
                "$argon2id$v=19${params}$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk"
            ))
        };
        // OWASP minimums: m=19456 with t=2 is the least accepted.
        assert_eq!(with("m=19456,t=2,p=1"), Ok(()));
        assert!(with("m=19455,t=2,p=1").is_err_and(|e| e.contains("19456")));
        assert!(with("m=4096,t=3,p=1").is_err_and(|e| e.contains("19456")));
        assert!(with("m=65536,t=1,p=1").is_err_and(|e| e.contains("at least 2")));
        // argon2 itself needs m >= 8 * p.
        assert!(with("m=19456,t=2,p=4096").is_err_and(|e| e.contains("8 × p")));
        assert!(with("m=32768,t=2,p=4096").is_err_and(|e| e.contains("at most 16")));
        assert_eq!(with("m=32768,t=2,p=16"), Ok(()));
        assert!(with("m=32768,t=2,p=17").is_err_and(|e| e.contains("at most 16")));
        // Upper bounds: memory a kiosk has, and a check well under 2 s.
        assert_eq!(with("m=262144,t=2,p=1"), Ok(()));
        assert!(with("m=262145,t=2,p=1").is_err_and(|e| e.contains("262144")));
        assert!(with("m=4194304,t=2,p=1").is_err_and(|e| e.contains("262144")));
        assert!(with("m=4294967295,t=2,p=1").is_err_and(|e| e.contains("262144")));
        assert_eq!(with("m=65536,t=8,p=4"), Ok(()));
        assert!(with("m=65536,t=9,p=4").is_err_and(|e| e.contains("m × t")));
        assert!(with("m=19456,t=4294967295,p=1").is_err_and(|e| e.contains("m × t")));
        // What `config set-pin` writes and the documented example stay inside.
        assert_eq!(with("m=19456,t=2,p=1"), Ok(()));
        assert_eq!(with("m=65536,t=3,p=4"), Ok(()));
        // Salt and hash lengths are bounded too (64 bytes each).
        let long = crate::base64::encode(&[7u8; 65]).replace('=', "");
        let fits = crate::base64::encode(&[7u8; 64]).replace('=', "");
        let salted = |salt: &str, hash: &str| {
            check_hash(&format!("$argon2id$v=19$m=19456,t=2,p=1${salt}${hash}"))
        };
        assert_eq!(salted(&fits, &fits), Ok(()));
        assert!(salted(&long, &fits).is_err_and(|e| e.contains("salt longer")));
        assert!(salted(&fits, &long).is_err_and(|e| e.contains("hash longer")));
    }
}
