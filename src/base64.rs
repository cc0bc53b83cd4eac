//! Standard base64 (RFC 4648, `A-Z a-z 0-9 + /`), the encoding of minisign keys and
//! signatures and of argon2 salts and hashes.
//!
//! Owns: encoding and decoding bytes. Must never: do I/O or know what the bytes mean.

/// Encodes standard base64 with `=` padding.
pub fn encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (`A-Z a-z 0-9 + /`), with or without `=` padding.
pub fn decode(text: &str) -> Result<Vec<u8>, &'static str> {
    let body = text.trim_end_matches('=');
    let padding = text.len() - body.len();
    if padding > 2 || (padding > 0 && !text.len().is_multiple_of(4)) {
        return Err("wrong padding");
    }
    if body.len() % 4 == 1 {
        return Err("wrong length");
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in body.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err("contains a character that is not base64"),
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_and_without_padding() {
        assert_eq!(encode(b"ab"), "YWI=");
        assert_eq!(encode(b"a"), "YQ==");
        assert_eq!(decode(&encode(b"hello world")), Ok(b"hello world".to_vec()));
        assert_eq!(decode("YWI"), Ok(b"ab".to_vec()));
        assert!(decode("Y").is_err() && decode("YQ===").is_err() && decode("a*b=").is_err());
    }

    #[test]
    fn base64_decodes() {
        assert_eq!(decode(""), Ok(Vec::new()));
        assert_eq!(decode("TWFu"), Ok(b"Man".to_vec()));
        assert_eq!(decode("TWE="), Ok(b"Ma".to_vec()));
        assert_eq!(decode("TWE"), Ok(b"Ma".to_vec()));
        assert_eq!(decode("TQ=="), Ok(b"M".to_vec()));
        assert_eq!(decode("5LmQ5bGx"), Ok("乐山".as_bytes().to_vec()));
        assert!(decode("TWF*").is_err());
        assert!(decode("T").is_err());
        assert!(decode("TQ===").is_err());
        assert!(decode("TQ=").is_err());
    }
}
