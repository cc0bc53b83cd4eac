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
/// check (`config::values::check_argon2_phc`: argon2id, v=19, parameters strong enough and
/// bounded in memory and time) never matches, and argon2 is not run on it: a hash asking for
/// gigabytes or minutes cannot stall or exhaust the kiosk, however it reached the options.
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    if let Err(reason) = crate::config::values::check_argon2_phc(hash) {
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
        assert_eq!(crate::config::values::check_argon2_phc(&hash), Ok(()));
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
}
