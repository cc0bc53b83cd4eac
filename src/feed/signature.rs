//! minisign signatures of `manifest.json`: verification against the kiosk's trusted keys
//! (`minisign-verify`, prehashed and legacy signatures alike) and signing for the publisher
//! (`minisign`). A signature from the `minisign` command-line tool and one from
//! [`sign`] are interchangeable.
//!
//! Pure: bytes and keys in, a verdict or a signature out. Reading key files is
//! [`super::publish`]'s job.

use super::MinisignPublicKey;

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature file is not a minisign signature.
    #[error("manifest.json.minisig is not a minisign signature ({0})")]
    Malformed(String),
    /// Signed by a key that is not in `sync.trusted_keys`.
    #[error(
        "manifest.json is signed by key {key_id}, which is not one of the trusted keys ({trusted}); if the portal changed its key, add the new public key to sync.trusted_keys"
    )]
    UntrustedKey {
        /// Key id of the signature (16 hex digits, as minisign prints it).
        key_id: String,
        /// Key ids of the trusted keys.
        trusted: String,
    },
    /// The signature does not match the bytes (tampered, or a new manifest beside an old
    /// signature).
    #[error(
        "the signature by key {key_id} does not match manifest.json (the file was changed after signing)"
    )]
    Invalid {
        /// Key id of the signature.
        key_id: String,
    },
}

/// Checks `signature` (the text of `manifest.json.minisig`) over `manifest` against `trusted`.
/// Returns the id of the key that signed.
pub fn verify(
    manifest: &[u8],
    signature: &str,
    trusted: &[MinisignPublicKey],
) -> Result<String, SignatureError> {
    let parsed = minisign_verify::Signature::decode(signature)
        .map_err(|e| SignatureError::Malformed(e.to_string()))?;
    let key_id = signature_key_id(signature).unwrap_or_else(|| "unknown".to_owned());
    let Some(key) = trusted.iter().find(|k| k.key_id_hex() == key_id) else {
        return Err(SignatureError::UntrustedKey {
            key_id,
            trusted: trusted
                .iter()
                .map(MinisignPublicKey::key_id_hex)
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    let public = minisign_verify::PublicKey::from_base64(&key.to_base64())
        .map_err(|e| SignatureError::Malformed(e.to_string()))?;
    public
        .verify(manifest, &parsed, true)
        .map_err(|_| SignatureError::Invalid {
            key_id: key_id.clone(),
        })?;
    Ok(key_id)
}

/// The key id named by a signature file's second line (bytes 2..10 of the decoded signature).
fn signature_key_id(signature: &str) -> Option<String> {
    let line = signature
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))?;
    let bytes = crate::base64::decode(line).ok()?;
    let id: [u8; 8] = bytes.get(2..10)?.try_into().ok()?;
    Some(format!("{:016X}", u64::from_le_bytes(id)))
}

/// Signs `manifest` with `secret` (prehashed, like `minisign -S`), with a trusted comment
/// naming the feed and version. Returns the text of `manifest.json.minisig`.
pub fn sign(
    manifest: &[u8],
    secret: &minisign::SecretKey,
    trusted_comment: &str,
) -> Result<String, String> {
    minisign::sign(
        None,
        secret,
        std::io::Cursor::new(manifest),
        Some(trusted_comment),
        Some("signature from readpoint feed build"),
    )
    .map(|signature| signature.into_string())
    .map_err(|e| e.to_string())
}
