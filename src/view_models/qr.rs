//! QR codes for "continue on your phone": a link → a module matrix (any thread) → a
//! `slint::Image` (UI thread).

use qrcode::{EcLevel, QrCode};
use slint::{Image, Rgb8Pixel, SharedPixelBuffer};

/// Light border around the code, in modules (the QR standard asks for 4).
const QUIET_ZONE: usize = 4;

/// A QR code as plain data: `width × width` modules, `true` = dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `text` (medium error correction); `None` if it is too long for a QR code.
    pub fn encode(text: &str) -> Option<QrMatrix> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
        let width = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        Some(QrMatrix { width, dark })
    }

    /// Modules per side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at (`x`, `y`) is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// The code as an image: one pixel per module plus the quiet zone (scale it up with
    /// `image-rendering: pixelated`).
    pub fn to_image(&self) -> Image {
        let side = self.width + 2 * QUIET_ZONE;
        let Ok(side_u32) = u32::try_from(side) else {
            return Image::default();
        };
        let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(side_u32, side_u32);
        let pixels = buffer.make_mut_slice();
        for y in 0..side {
            for x in 0..side {
                let dark = x >= QUIET_ZONE
                    && y >= QUIET_ZONE
                    && self.is_dark(x - QUIET_ZONE, y - QUIET_ZONE);
                let v = if dark { 0x1a } else { 0xff };
                pixels[y * side + x] = Rgb8Pixel { r: v, g: v, b: v };
            }
        }
        Image::from_rgb8(buffer)
    }
}

/// The portal address of a document: `portal_url` + `/` + the id as one percent-encoded path
/// segment (everything but `A–Z a–z 0–9 - . _ ~` is encoded as UTF-8 bytes, so `/`, `?`, `#`,
/// spaces and control characters in an id cannot change where the link goes). `None` for the
/// ids `.` and `..`, which a browser would resolve as "this folder" and "the folder above".
pub fn portal_link(portal_url: &str, id: &str) -> Option<String> {
    if id.is_empty() || id == "." || id == ".." {
        return None;
    }
    Some(format!(
        "{}/{}",
        portal_url.trim_end_matches('/'),
        percent_encode_segment(id)
    ))
}

/// `text` as a URL path segment: unreserved characters (RFC 3986) as they are, every other byte
/// of its UTF-8 as `%XX`.
fn percent_encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_encodes_to_a_square_code_with_finder_patterns() {
        let matrix = QrMatrix::encode("https://www.leshan.gov.cn/ce-2012-00001").unwrap();
        assert!(matrix.width() >= 21);
        // The top-left finder pattern: a dark 7×7 ring.
        assert!((0..7).all(|i| matrix.is_dark(i, 0) && matrix.is_dark(0, i)));
        assert!(!matrix.is_dark(1, 1));
        let image = matrix.to_image();
        assert_eq!(image.size().width as usize, matrix.width() + 2 * QUIET_ZONE);
    }

    #[test]
    fn portal_links_join_with_one_slash() {
        assert_eq!(
            portal_link("https://a.gov.cn/", "x-1").as_deref(),
            Some("https://a.gov.cn/x-1")
        );
        assert_eq!(
            portal_link("https://a.gov.cn/gk", "x-1").as_deref(),
            Some("https://a.gov.cn/gk/x-1")
        );
    }

    #[test]
    fn ids_are_one_percent_encoded_path_segment() {
        let link = |id| portal_link("https://a.gov.cn/gk", id);
        assert_eq!(
            link("../../evil.example/x?a=1#f").as_deref(),
            Some("https://a.gov.cn/gk/..%2F..%2Fevil.example%2Fx%3Fa%3D1%23f")
        );
        assert_eq!(
            link("ce 1\n\u{1b}").as_deref(),
            Some("https://a.gov.cn/gk/ce%201%0A%1B")
        );
        assert_eq!(
            link("公开-1").as_deref(),
            Some("https://a.gov.cn/gk/%E5%85%AC%E5%BC%80-1")
        );
        assert_eq!(
            link("a.b_c~d").as_deref(),
            Some("https://a.gov.cn/gk/a.b_c~d")
        );
        for id in ["", ".", ".."] {
            assert_eq!(link(id), None, "{id:?}");
        }
    }
}
