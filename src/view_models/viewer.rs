//! Viewer (阅读附件): one page of an attachment at a time. PDF attachments are shown as the pages
//! the publisher rendered ([`crate::feed::pages`]); pictures (JPEG, PNG) as themselves.
//!
//! Owns: finding the attachment and its page in the cache, decoding the page's picture on the
//! worker, and the marks of a search match (the viewer's screen controller keeps the decoded
//! pages). Must never: parse a PDF, or decode a picture on the UI thread.

use std::path::{Path, PathBuf};

use slint::{Rgb8Pixel, SharedPixelBuffer};

use super::Display;
use super::qr::{QrMatrix, portal_link};
use crate::content::Attachment;
use crate::feed::pages::Highlight;
use crate::store::{Store, StoreError};

/// Largest picture side the viewer decodes (a page set allows 6,000; a photo may be larger).
const MAX_SIDE: u32 = 8_000;

/// Most bytes a decoded picture may take (8,000 × 8,000 RGB would be 192 MB).
const MAX_PIXEL_BYTES: u64 = 96 * 1024 * 1024;

/// Which attachment of which document, at which page, and what to mark on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The document the attachment belongs to.
    pub document: String,
    /// Its place in the document's attachments (0 = first).
    pub attachment: usize,
    /// 1 = the first page.
    pub page: u32,
    /// Text to mark on the page (what the visitor searched for).
    pub find: Option<String>,
}

/// One page, made on the worker (plain `Send` data).
#[derive(Debug, Clone)]
pub struct PageData {
    /// The attachment's file name.
    pub title: String,
    /// The document's title.
    pub document_title: String,
    /// 1 = first.
    pub number: u32,
    /// Pages in the attachment.
    pub count: u32,
    /// The page's picture; `None` when it is not on this kiosk.
    pub pixels: Option<SharedPixelBuffer<Rgb8Pixel>>,
    /// The page's text (for 朗读), in the visitor's script.
    pub text: String,
    /// Where the searched text is on the page.
    pub marks: Vec<Highlight>,
    /// The document on the portal.
    pub qr: Option<QrMatrix>,
    /// The attachment's hash (its pages' key in the cache).
    pub sha256: String,
}

/// The attachment `reading` names, with the folder its objects are in.
fn find_attachment(
    store: &Store,
    reading: &Reading,
) -> Result<Option<(String, Attachment, Option<PathBuf>)>, StoreError> {
    let Some(row) = store.document(&reading.document)? else {
        return Ok(None);
    };
    let title = row.title.clone();
    let attachment = row
        .document
        .as_catalogue_entry()
        .and_then(|entry| entry.attachments.get(reading.attachment).cloned());
    let data_dir = store.path().parent().map(Path::to_path_buf);
    Ok(attachment.map(|a| (title, a, data_dir)))
}

/// Loads page `reading.page` (worker side); `None` when the document or attachment is gone.
pub fn load(
    store: &Store,
    reading: &Reading,
    portal_url: Option<&str>,
    display: Display,
) -> Result<Option<PageData>, StoreError> {
    let Some((document_title, attachment, data_dir)) = find_attachment(store, reading)? else {
        return Ok(None);
    };
    let qr = portal_url
        .filter(|url| !url.trim().is_empty())
        .and_then(|url| portal_link(url, &reading.document))
        .and_then(|link| QrMatrix::encode(&link));
    let mut data = PageData {
        title: display.text(&attachment.file_name),
        document_title: display.text(&document_title),
        number: 1,
        count: 1,
        pixels: None,
        text: String::new(),
        marks: Vec::new(),
        qr,
        sha256: attachment.sha256.clone(),
    };
    if let Some(count) = store.page_count(&attachment.sha256)?.filter(|&n| n > 0) {
        data.count = count;
        data.number = reading.page.clamp(1, count);
        if let Some(row) = store.attachment_page(&attachment.sha256, data.number)? {
            data.pixels = data_dir
                .as_deref()
                .and_then(|dir| read_object(dir, &row.page.image, row.page.size))
                .and_then(|bytes| decode(&bytes).ok());
            if let Some(find) = reading.find.as_deref() {
                data.marks = marks(&row.page, find);
            }
            data.text = display.text(&row.page.text);
        }
    } else if attachment.media_type.starts_with("image/") {
        data.pixels = data_dir
            .as_deref()
            .and_then(|dir| read_object(dir, &attachment.sha256, attachment.size))
            .and_then(|bytes| decode(&bytes).ok());
    }
    if data.text.is_empty() {
        data.text = format!("{}，{}", data.document_title, data.title);
    }
    Ok(Some(data))
}

/// A page's picture file and its pixel size.
pub type PageFile = (Vec<u8>, u32, u32);

/// The picture files of pages `from..=to` of the attachment `reading` names, with their pixel
/// sizes (for printing). `None` when the attachment or any of those pages is not on the kiosk.
pub fn page_files(
    store: &Store,
    reading: &Reading,
    from: u32,
    to: u32,
) -> Result<Option<Vec<PageFile>>, StoreError> {
    let Some((_, attachment, Some(data_dir))) = find_attachment(store, reading)? else {
        return Ok(None);
    };
    if from == 0 || to < from {
        return Ok(None);
    }
    let mut files = Vec::new();
    if store.page_count(&attachment.sha256)?.is_some() {
        for number in from..=to {
            let Some(row) = store.attachment_page(&attachment.sha256, number)? else {
                return Ok(None);
            };
            let Some(bytes) = read_object(&data_dir, &row.page.image, row.page.size) else {
                return Ok(None);
            };
            files.push((bytes, row.page.width, row.page.height));
        }
    } else if attachment.media_type.starts_with("image/") && (from, to) == (1, 1) {
        let Some(bytes) = read_object(&data_dir, &attachment.sha256, attachment.size) else {
            return Ok(None);
        };
        // The picture's size, checked by decoding it as the viewer does.
        let Ok(pixels) = decode(&bytes) else {
            return Ok(None);
        };
        files.push((bytes, pixels.width(), pixels.height()));
    } else {
        return Ok(None);
    }
    Ok(Some(files))
}

/// Whether attachment `a` can open in the viewer on this kiosk, and how many pages it has.
pub fn readable(store: &Store, a: &Attachment) -> Result<(bool, u32), StoreError> {
    let data_dir = store.path().parent().map(Path::to_path_buf);
    if let Some(count) = store.page_count(&a.sha256)? {
        // Readable once its first page is here (the sync fetches pages first page first).
        let first = store.attachment_page(&a.sha256, 1)?;
        let here = first.zip(data_dir.as_deref()).is_some_and(|(row, dir)| {
            crate::store::attachment_present(dir, &row.page.image, row.page.size)
        });
        return Ok((here, count));
    }
    let picture = a.media_type.starts_with("image/")
        && data_dir
            .as_deref()
            .is_some_and(|dir| crate::store::attachment_present(dir, &a.sha256, a.size));
    Ok((picture, if picture { 1 } else { 0 }))
}

/// The bytes of object `sha256` when it is on disk with its size (the sync checked its hash).
fn read_object(data_dir: &Path, sha256: &str, size: u64) -> Option<Vec<u8>> {
    if !crate::store::attachment_present(data_dir, sha256, size) {
        return None;
    }
    std::fs::read(crate::feed::object_path(data_dir, sha256))
        .ok()
        .filter(|bytes| bytes.len() as u64 == size)
}

/// Decodes a PNG or JPEG into RGB pixels, at most 8,000 pixels a side and 96 MiB decoded.
pub fn decode(bytes: &[u8]) -> Result<SharedPixelBuffer<Rgb8Pixel>, String> {
    if bytes.starts_with(b"\x89PNG") {
        return decode_png(bytes);
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXEL_BYTES);
    reader.limits(limits);
    let rgb = reader.decode().map_err(|e| e.to_string())?.into_rgb8();
    Ok(SharedPixelBuffer::clone_from_slice(
        rgb.as_raw(),
        rgb.width(),
        rgb.height(),
    ))
}

/// PNG straight into the pixel buffer (greyscale pages expand to RGB): the hot path of a turn.
fn decode_png(bytes: &[u8]) -> Result<SharedPixelBuffer<Rgb8Pixel>, String> {
    let mut decoder = png::Decoder::new_with_limits(
        std::io::Cursor::new(bytes),
        png::Limits {
            bytes: MAX_PIXEL_BYTES as usize,
        },
    );
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let (width, height) = {
        let info = reader.info();
        (info.width, info.height)
    };
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!("{width} × {height} pixels is too large"));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| "too large".to_owned())?;
    let mut raw = vec![0; size];
    let info = reader.next_frame(&mut raw).map_err(|e| e.to_string())?;
    let raw = &raw[..info.buffer_size()];
    let channels = info.color_type.samples();
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(width, height);
    let out = buffer.make_mut_bytes();
    match channels {
        1 | 2 => {
            for (pixel, source) in out.chunks_exact_mut(3).zip(raw.chunks_exact(channels)) {
                pixel.fill(source[0]);
            }
        }
        3 => out.copy_from_slice(&raw[..out.len()]),
        _ => {
            for (pixel, source) in out.chunks_exact_mut(3).zip(raw.chunks_exact(channels)) {
                pixel.copy_from_slice(&source[..3]);
            }
        }
    }
    Ok(buffer)
}

/// Where the words of `find` (typed in either script, any width) are on `page`; a word may run
/// over a line break.
fn marks(page: &crate::feed::pages::Page, find: &str) -> Vec<Highlight> {
    use crate::text::fold::fold_char;
    // The page's characters without line breaks, each with its place in the text.
    let chars: Vec<(usize, char)> = page
        .text
        .chars()
        .enumerate()
        .filter(|(_, c)| *c != '\n')
        .map(|(i, c)| (i, fold_char(c)))
        .collect();
    let mut marks = Vec::new();
    for term in find.split_whitespace() {
        let wanted: Vec<char> = term.chars().map(fold_char).collect();
        let mut at = 0;
        while !wanted.is_empty() && at + wanted.len() <= chars.len() && marks.len() < 50 {
            if chars[at..at + wanted.len()]
                .iter()
                .map(|(_, c)| *c)
                .eq(wanted.iter().copied())
            {
                let start = chars[at].0;
                let end = chars[at + wanted.len() - 1].0 + 1;
                marks.extend(page.highlights(start, end - start));
                at += wanted.len();
            } else {
                at += 1;
            }
        }
    }
    marks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pngs_decode_to_rgb_whatever_their_colour_type() {
        let encode = |color: png::ColorType, data: &[u8]| {
            let mut out = Vec::new();
            let mut encoder = png::Encoder::new(&mut out, 2, 1);
            encoder.set_color(color);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().expect("header");
            writer.write_image_data(data).expect("data");
            writer.finish().expect("finish");
            out
        };
        let grey = decode(&encode(png::ColorType::Grayscale, &[10, 200])).expect("grey");
        assert_eq!(grey.as_bytes(), &[10, 10, 10, 200, 200, 200]);
        let rgb = decode(&encode(png::ColorType::Rgb, &[1, 2, 3, 4, 5, 6])).expect("rgb");
        assert_eq!(rgb.as_bytes(), &[1, 2, 3, 4, 5, 6]);
        let rgba = decode(&encode(png::ColorType::Rgba, &[1, 2, 3, 9, 4, 5, 6, 9])).expect("rgba");
        assert_eq!(rgba.as_bytes(), &[1, 2, 3, 4, 5, 6]);
        assert!(decode(b"not a picture").is_err());
    }

    #[test]
    fn a_search_is_marked_in_either_script() {
        let page = crate::feed::pages::Page {
            image: "a".repeat(64),
            size: 1,
            width: 100,
            height: 100,
            text: "统计期限\n统计期限".into(),
            boxes: vec![[0, 4, 0, 0, 4000, 1000], [5, 4, 0, 2000, 4000, 3000]],
        };
        assert_eq!(marks(&page, "期限").len(), 2);
        assert_eq!(marks(&page, "統計").len(), 2, "Traditional input");
        assert_eq!(marks(&page, "统计 期限").len(), 4, "each word");
        assert_eq!(
            marks(&page, "期限统计").len(),
            2,
            "over the line break: one box each side"
        );
        assert!(marks(&page, "  ").is_empty());
    }
}
