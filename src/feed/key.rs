//! The portal's signing key as a kiosk trusts it: a minisign Ed25519 public key, written as the
//! second line of a `.pub` file (`sync.trusted_keys`, `readpoint feed keygen`).
//!
//! Owns: reading and writing that line, with reasons staff can act on. Must never: do I/O or
//! check signatures (that is [`super::signature`]).

/// A minisign Ed25519 public key, as found base64-encoded on the second line of a `.pub` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinisignPublicKey {
    /// The 8-byte key id (signatures name the key that made them by this id).
    pub key_id: [u8; 8],
    /// The 32-byte Ed25519 public key.
    pub public_key: [u8; 32],
}

impl MinisignPublicKey {
    /// Parses the base64 line of a minisign `.pub` file (56 characters, 42 bytes, starting with
    /// `Ed`). Returns a reason a staff member can act on.
    ///
    /// A whole `.pub` file pasted in (the `untrusted comment:` line, then the key line) is
    /// accepted: only its last non-empty line is read.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text
            .lines()
            .map(str::trim)
            .rfind(|line| !line.is_empty())
            .unwrap_or_default();
        if text.starts_with("untrusted comment:") {
            return Err("is the comment line of the .pub file, not the key".to_owned());
        }
        let bytes = crate::base64::decode(text)
            .map_err(|reason| format!("is not a minisign public key ({reason})"))?;
        if bytes.len() != 42 {
            return Err(format!(
                "is not a minisign public key (it decodes to {} bytes, a key has 42; is it cut off?)",
                bytes.len()
            ));
        }
        if &bytes[..2] != b"Ed" {
            return Err(
                "is not a minisign Ed25519 public key (it does not start with \"RW\")".to_owned(),
            );
        }
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&bytes[2..10]);
        let mut public_key = [0u8; 32];
        public_key.copy_from_slice(&bytes[10..42]);
        Ok(Self { key_id, public_key })
    }

    /// The key id as minisign prints it (16 upper-case hex digits).
    pub fn key_id_hex(&self) -> String {
        format!("{:016X}", u64::from_le_bytes(self.key_id))
    }

    /// The key as the second line of a `.pub` file (base64 of `Ed`, key id, key).
    pub fn to_base64(&self) -> String {
        let mut bytes = Vec::with_capacity(42);
        bytes.extend_from_slice(b"Ed");
        bytes.extend_from_slice(&self.key_id);
        bytes.extend_from_slice(&self.public_key);
        crate::base64::encode(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The public key of minisign's own documentation example.
    const EXAMPLE_KEY: &str = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";

    #[test]
    fn minisign_keys() {
        let key = MinisignPublicKey::parse(EXAMPLE_KEY);
        assert!(key.is_ok(), "{key:?}");
        if let Ok(key) = key {
            assert_eq!(key.key_id_hex(), "E7620F1842B4E81F");
        }
        assert!(MinisignPublicKey::parse(&EXAMPLE_KEY[..40]).is_err());
        assert!(MinisignPublicKey::parse("untrusted comment: minisign public key").is_err());
        // A whole .pub file (comment line, key line, trailing newline) is accepted.
        let whole =
            format!("untrusted comment: minisign public key E7620F1842B4E81F\r\n{EXAMPLE_KEY}\n\n");
        assert_eq!(
            MinisignPublicKey::parse(&whole),
            MinisignPublicKey::parse(EXAMPLE_KEY)
        );
        // Only the last line counts: a key followed by junk is still refused.
        assert!(MinisignPublicKey::parse(&format!("{EXAMPLE_KEY}\njunk")).is_err());
        assert!(MinisignPublicKey::parse("not base64!").is_err());
        if let Ok(key) = MinisignPublicKey::parse(EXAMPLE_KEY) {
            assert_eq!(key.to_base64(), EXAMPLE_KEY);
        }
        // 42 bytes but not starting with "Ed".
        let not_ed = "AAAf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";
        assert!(MinisignPublicKey::parse(not_ed).is_err());
    }
}
