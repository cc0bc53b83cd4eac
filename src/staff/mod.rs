//! Staff access to the kiosk, without any UI: the PIN (rules, argon2id hash, check) and the
//! lockout after wrong PINs. The staff screen itself is `kiosk::staff` and
//! `view_models::staff`; `readpoint config set-pin` writes the hash.
//!
//! Owns the security rules of staff access. Must never: log, print or store a PIN, or touch
//! Slint.

pub mod lockout;
pub mod pin;
