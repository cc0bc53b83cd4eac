//! Page sets: an attachment made readable on a kiosk that never parses a PDF.
//!
//! `feed build` (on the portal) renders each page of a PDF attachment to a PNG with Debian's
//! poppler tools (`pdftoppm`, `pdftotext -bbox`) and publishes, as ordinary content-addressed
//! objects, one PNG per page and one *page set*: gzip JSON
//! `{"format": "readpoint-pages/1", "pages": [{image, size, width, height, text, boxes}]}`
//! that the manifest names in the attachment's `pages`. A kiosk only ever decodes PNGs it
//! fetched by hash and JSON it parses within [`PageLimits`].
//!
//! `boxes` place the text on the picture: `[start, len, x0, y0, x1, y1]` says that the `len`
//! characters of `text` from character `start` were drawn in that rectangle, in ten-thousandths
//! of the page's width and height (so a match can be highlighted on the page).
//!
//! This module owns the format (encode, bounded decode) and the portal-side rendering. It never
//! touches the network or a kiosk's cache, and the rendering runs only on the publisher's side.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The page set format id.
pub const PAGES_FORMAT: &str = "readpoint-pages/1";

/// Resolution of rendered pages: an A4 page is 1240 × 1754 pixels, sharp at 300 % zoom on a
/// 1080-line screen held at arm's length.
pub const RENDER_DPI: u32 = 150;

/// Coordinates in boxes are in `1 / BOX_SCALE` of the page's width and height.
pub const BOX_SCALE: u32 = 10_000;

/// What the manifest says about an attachment's page set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagesRef {
    /// SHA-256 of the page set object.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Number of pages.
    pub count: u32,
}

/// A page set object, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageSet {
    /// [`PAGES_FORMAT`].
    pub format: String,
    /// The pages, first to last.
    pub pages: Vec<Page>,
}

/// One page: its picture (an object) and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// SHA-256 of the page's PNG object.
    pub image: String,
    /// Size of the PNG in bytes.
    pub size: u64,
    /// Width of the picture in pixels.
    pub width: u32,
    /// Height of the picture in pixels.
    pub height: u32,
    /// The page's text, lines separated by `\n` (empty for a scanned page).
    #[serde(default)]
    pub text: String,
    /// Where runs of `text` are on the picture: `[start, len, x0, y0, x1, y1]`.
    #[serde(default)]
    pub boxes: Vec<[u32; 6]>,
}

/// What a kiosk accepts in a page set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimits {
    /// Largest page set object (compressed).
    pub max_object: u64,
    /// Largest decompressed JSON.
    pub max_json: u64,
    /// Most pages.
    pub max_pages: usize,
    /// Largest page picture in bytes.
    pub max_image: u64,
    /// Largest width or height in pixels.
    pub max_side: u32,
    /// Longest page text in bytes.
    pub max_text: usize,
    /// Most boxes on a page.
    pub max_boxes: usize,
}

impl Default for PageLimits {
    fn default() -> Self {
        PageLimits {
            max_object: 8 * 1024 * 1024,
            max_json: 32 * 1024 * 1024,
            max_pages: 2_000,
            max_image: 16 * 1024 * 1024,
            max_side: 6_000,
            max_text: 256 * 1024,
            max_boxes: 20_000,
        }
    }
}

/// Why a page set was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("page set: {0}")]
pub struct PagesError(pub String);

impl PageSet {
    /// Encodes as a deterministic gzip JSON object (no time or name in the header).
    pub fn encode(&self) -> Vec<u8> {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let mut encoder = flate2::GzBuilder::new()
            .mtime(0)
            .operating_system(255)
            .write(
                Vec::with_capacity(json.len() / 3),
                flate2::Compression::new(6),
            );
        let _ = encoder.write_all(&json);
        encoder.finish().unwrap_or_default()
    }

    /// Decodes and checks a page set object within `limits`: the format, every hash, size and
    /// side, and every box inside its page and its text.
    pub fn decode(bytes: &[u8], limits: &PageLimits) -> Result<PageSet, PagesError> {
        if bytes.len() as u64 > limits.max_object {
            return Err(PagesError(format!(
                "the object is {} bytes, more than {}",
                bytes.len(),
                limits.max_object
            )));
        }
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(limits.max_json + 1)
            .read_to_end(&mut json)
            .map_err(|e| PagesError(format!("is not a gzip file ({e})")))?;
        if json.len() as u64 > limits.max_json {
            return Err(PagesError(format!(
                "decompresses to more than {} bytes",
                limits.max_json
            )));
        }
        let set: PageSet = serde_json::from_slice(&json)
            .map_err(|e| PagesError(format!("is not a readpoint page set ({e})")))?;
        set.check(limits)?;
        Ok(set)
    }

    /// The rules [`PageSet::decode`] applies after parsing.
    pub fn check(&self, limits: &PageLimits) -> Result<(), PagesError> {
        if self.format != PAGES_FORMAT {
            return Err(PagesError(format!(
                "format {:?} is not {PAGES_FORMAT:?} — fix: update the kiosk software",
                self.format
            )));
        }
        if self.pages.is_empty() || self.pages.len() > limits.max_pages {
            return Err(PagesError(format!(
                "{} pages; a page set has 1 to {}",
                self.pages.len(),
                limits.max_pages
            )));
        }
        for (i, page) in self.pages.iter().enumerate() {
            let at = |what: String| PagesError(format!("pages[{i}]: {what}"));
            super::check_sha256(&page.image).map_err(|p| at(format!("image {p}")))?;
            if page.size == 0 || page.size > limits.max_image {
                return Err(at(format!(
                    "size {} is not between 1 and {}",
                    page.size, limits.max_image
                )));
            }
            if page.width == 0
                || page.height == 0
                || page.width > limits.max_side
                || page.height > limits.max_side
            {
                return Err(at(format!(
                    "{} × {} pixels; each side must be 1 to {}",
                    page.width, page.height, limits.max_side
                )));
            }
            if page.text.len() > limits.max_text {
                return Err(at(format!(
                    "text of {} bytes, more than {}",
                    page.text.len(),
                    limits.max_text
                )));
            }
            if page.text.chars().any(|c| c.is_control() && c != '\n') {
                return Err(at("text holds control characters".to_owned()));
            }
            if page.boxes.len() > limits.max_boxes {
                return Err(at(format!(
                    "{} boxes, more than {}",
                    page.boxes.len(),
                    limits.max_boxes
                )));
            }
            let chars = page.text.chars().count() as u64;
            for [start, len, x0, y0, x1, y1] in &page.boxes {
                let inside = u64::from(*start) + u64::from(*len) <= chars
                    && x0 <= x1
                    && y0 <= y1
                    && *x1 <= BOX_SCALE
                    && *y1 <= BOX_SCALE;
                if !inside {
                    return Err(at(format!(
                        "box {:?} is outside the page or its text",
                        [start, len, x0, y0, x1, y1]
                    )));
                }
            }
        }
        Ok(())
    }
}

/// A rectangle on a page, in fractions (0–1) of its width and height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Highlight {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

impl Page {
    /// Where characters `start..start + len` of the page's text are drawn: one rectangle per box
    /// they touch, narrowed to the matched characters (a box's width is shared out with Chinese
    /// and full-width characters twice as wide as Latin letters and digits).
    pub fn highlights(&self, start: usize, len: usize) -> Vec<Highlight> {
        let end = start + len;
        let scale = BOX_SCALE as f32;
        let weights: Vec<f32> = self
            .text
            .chars()
            .map(|c| if is_cjk(c) { 2.0 } else { 1.0 })
            .collect();
        self.boxes
            .iter()
            .filter_map(|&[b_start, b_len, x0, y0, x1, y1]| {
                let (b_start, b_len) = (b_start as usize, b_len as usize);
                let from = start.max(b_start);
                let to = end.min(b_start + b_len);
                if from >= to || b_len == 0 {
                    return None;
                }
                let weight = |range: std::ops::Range<usize>| -> f32 {
                    weights.get(range).map_or(0.0, |w| w.iter().sum())
                };
                let total = weight(b_start..b_start + b_len).max(f32::EPSILON);
                let per = (x1 - x0) as f32 / total;
                let left = x0 as f32 + per * weight(b_start..from);
                Some(Highlight {
                    x: left / scale,
                    y: y0 as f32 / scale,
                    width: per * weight(from..to) / scale,
                    height: (y1 - y0) as f32 / scale,
                })
            })
            .collect()
    }
}

/// One rendered page, before its picture becomes an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedPage {
    /// The PNG.
    pub png: Vec<u8>,
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// The text.
    pub text: String,
    /// Where the text is.
    pub boxes: Vec<[u32; 6]>,
}

/// Longest a poppler tool may run on one PDF.
const TOOL_TIMEOUT: Duration = Duration::from_secs(300);

/// Renders every page of the PDF at `pdf` with poppler (`pdfinfo`, `pdftoppm`, `pdftotext`),
/// using `work` (an empty folder) for the tools' output. Pages without colour are stored as
/// greyscale PNGs (a third of the bytes). Publisher side only.
pub fn render_pdf(pdf: &Path, work: &Path, max_pages: usize) -> Result<Vec<RenderedPage>, String> {
    let info = run_tool(Command::new("pdfinfo").arg(pdf))?;
    let count: usize = String::from_utf8_lossy(&info)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("pdfinfo found no page count in {}", pdf.display()))?;
    if count == 0 || count > max_pages {
        return Err(format!(
            "{} has {count} pages; an attachment may have 1 to {max_pages}",
            pdf.display()
        ));
    }
    let prefix = work.join("page");
    run_tool(
        Command::new("pdftoppm")
            .args(["-r", &RENDER_DPI.to_string(), "-png"])
            .arg(pdf)
            .arg(&prefix),
    )?;
    let words_file = work.join("words.html");
    run_tool(
        Command::new("pdftotext")
            .args(["-bbox", "-enc", "UTF-8"])
            .arg(pdf)
            .arg(&words_file),
    )?;
    let words = std::fs::read_to_string(&words_file)
        .map_err(|e| format!("cannot read pdftotext's output: {e}"))?;
    let texts = page_texts(&words);
    let mut pictures: Vec<(usize, std::path::PathBuf)> = std::fs::read_dir(work)
        .map_err(|e| format!("cannot list {}: {e}", work.display()))?
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let number = name
                .strip_prefix("page-")?
                .strip_suffix(".png")?
                .parse()
                .ok()?;
            Some((number, entry.path()))
        })
        .collect();
    pictures.sort();
    if pictures.len() != count {
        return Err(format!(
            "pdftoppm made {} pictures of {} pages from {}",
            pictures.len(),
            count,
            pdf.display()
        ));
    }
    pictures
        .into_iter()
        .enumerate()
        .map(|(i, (_, path))| {
            let png = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let (png, width, height) = compact_png(&png)
                .map_err(|e| format!("page {} of {}: {e}", i + 1, pdf.display()))?;
            let (text, boxes) = texts.get(i).cloned().unwrap_or_default();
            Ok(RenderedPage {
                png,
                width,
                height,
                text,
                boxes,
            })
        })
        .collect()
}

/// Runs a poppler tool with a time limit; its stdout, or an error naming it.
fn run_tool(command: &mut Command) -> Result<Vec<u8>, String> {
    let name = command.get_program().to_string_lossy().into_owned();
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("cannot run {name} ({e}) — fix: install Debian's poppler-utils on the publishing machine")
        })?;
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut stdout) = stdout {
            let _ = stdout.read_to_end(&mut out);
        }
        out
    });
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > TOOL_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{name} took over {} s", TOOL_TIMEOUT.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("{name}: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        return Err(format!("{name} failed ({status}): {}", err.trim()));
    }
    Ok(out)
}

/// Re-encodes a PNG compactly: greyscale when every pixel is grey, else RGB. Returns the new
/// bytes and the size in pixels.
fn compact_png(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), String> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| "picture too large".to_owned())?;
    let mut buffer = vec![0; size];
    let info = reader.next_frame(&mut buffer).map_err(|e| e.to_string())?;
    let (width, height) = (info.width, info.height);
    let pixels = &buffer[..info.buffer_size()];
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Grayscale => 1,
        other => return Err(format!("unexpected colour type {other:?}")),
    };
    if info.bit_depth != png::BitDepth::Eight {
        return Err(format!("unexpected bit depth {:?}", info.bit_depth));
    }
    let grey = channels == 1
        || pixels
            .chunks_exact(channels)
            .all(|p| p[0] == p[1] && p[1] == p[2]);
    let (color, data): (png::ColorType, Vec<u8>) = if grey {
        (
            png::ColorType::Grayscale,
            pixels.chunks_exact(channels).map(|p| p[0]).collect(),
        )
    } else {
        (
            png::ColorType::Rgb,
            pixels
                .chunks_exact(channels)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect(),
        )
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&data).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok((out, width, height))
}

/// Parses `pdftotext -bbox` output into each page's text and boxes. Words on one line (their
/// tops within half a word's height) are joined, with a space only between two non-CJK
/// characters; lines are separated by `\n`.
pub fn page_texts(html: &str) -> Vec<(String, Vec<[u32; 6]>)> {
    /// The page being read.
    #[derive(Default)]
    struct Reading {
        text: String,
        boxes: Vec<[u32; 6]>,
        width: f64,
        height: f64,
        last_top: Option<f64>,
    }
    let mut pages = Vec::new();
    let mut current: Option<Reading> = None;
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            if let Some(done) = current.take() {
                pages.push((done.text, done.boxes));
            }
            current = Some(Reading {
                width: attribute(line, "width").unwrap_or(0.0),
                height: attribute(line, "height").unwrap_or(0.0),
                ..Reading::default()
            });
        } else if line.starts_with("<word ") {
            let Some(page) = current.as_mut() else {
                continue;
            };
            let (Some(x0), Some(y0), Some(x1), Some(y1)) = (
                attribute(line, "xMin"),
                attribute(line, "yMin"),
                attribute(line, "xMax"),
                attribute(line, "yMax"),
            ) else {
                continue;
            };
            let Some(word) = line
                .split_once('>')
                .and_then(|(_, rest)| rest.rsplit_once("</word>"))
                .map(|(word, _)| unescape(word))
            else {
                continue;
            };
            let word: String = word.chars().filter(|c| !c.is_control()).collect();
            if word.is_empty() || page.width <= 0.0 || page.height <= 0.0 {
                continue;
            }
            let same_line = page
                .last_top
                .is_some_and(|top| (top - y0).abs() < (y1 - y0) / 2.0);
            if !page.text.is_empty() {
                if !same_line {
                    page.text.push('\n');
                } else if page.text.chars().last().is_some_and(|c| !is_cjk(c))
                    && word.chars().next().is_some_and(|c| !is_cjk(c))
                {
                    page.text.push(' ');
                }
            }
            page.last_top = Some(y0);
            let start = page.text.chars().count() as u32;
            let len = word.chars().count() as u32;
            page.text.push_str(&word);
            let scale = |v: f64, of: f64| ((v / of).clamp(0.0, 1.0) * f64::from(BOX_SCALE)) as u32;
            page.boxes.push([
                start,
                len,
                scale(x0, page.width),
                scale(y0, page.height),
                scale(x1, page.width),
                scale(y1, page.height),
            ]);
        }
    }
    if let Some(done) = current {
        pages.push((done.text, done.boxes));
    }
    pages
}

/// A numeric attribute `name="…"` of an XHTML tag line.
fn attribute(line: &str, name: &str) -> Option<f64> {
    let key = format!(" {name}=\"");
    let from = line.find(&key)? + key.len();
    let rest = &line[from..];
    rest[..rest.find('"')?].parse().ok()
}

/// Undoes XHTML's character escapes.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Whether `c` is a CJK ideograph or CJK punctuation (written without spaces).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BBOX: &str = r#"<doc>
  <page width="600.000000" height="800.000000">
    <word xMin="60.000000" yMin="80.000000" xMax="180.000000" yMax="96.000000">索引号：0001</word>
    <word xMin="200.000000" yMin="80.000000" xMax="260.000000" yMax="96.000000">A&amp;B</word>
    <word xMin="270.000000" yMin="81.000000" xMax="300.000000" yMax="97.000000">C</word>
    <word xMin="60.000000" yMin="120.000000" xMax="124.000000" yMax="136.000000">注册资金</word>
  </page>
  <page width="600.000000" height="800.000000">
  </page>
</doc>"#;

    #[test]
    fn pdftotext_words_become_lines_and_boxes() {
        let pages = page_texts(BBOX);
        assert_eq!(pages.len(), 2, "an empty page is still a page");
        let (text, boxes) = &pages[0];
        assert_eq!(text, "索引号：0001 A&B C\n注册资金");
        assert_eq!(boxes[0], [0, 8, 1000, 1000, 3000, 1200]);
        assert_eq!(boxes[1][..2], [9, 3]);
        assert_eq!(boxes[3][..2], [15, 4]);
        assert_eq!(pages[1], (String::new(), Vec::new()));
    }

    #[test]
    fn a_match_is_highlighted_on_its_characters_only() {
        let (text, boxes) = page_texts(BBOX).remove(0);
        let page = Page {
            image: "a".repeat(64),
            size: 1,
            width: 600,
            height: 800,
            text,
            boxes,
        };
        // "资金": characters 17–18, the second half of the 4-character box 60–124 pt.
        let found = page.highlights(17, 2);
        assert_eq!(found.len(), 1);
        let h = found[0];
        assert!((h.x - 0.1533).abs() < 0.001, "{h:?}");
        assert!((h.width - 0.0533).abs() < 0.001, "{h:?}");
        assert!((h.y - 0.15).abs() < 0.001, "{h:?}");
        assert!(page.highlights(40, 2).is_empty());
    }

    fn one_page() -> PageSet {
        PageSet {
            format: PAGES_FORMAT.to_owned(),
            pages: vec![Page {
                image: "b".repeat(64),
                size: 10,
                width: 1240,
                height: 1754,
                text: "公开指南".to_owned(),
                boxes: vec![[0, 4, 100, 100, 900, 200]],
            }],
        }
    }

    #[test]
    fn a_page_set_round_trips_and_encodes_deterministically() {
        let set = one_page();
        let bytes = set.encode();
        assert_eq!(bytes, set.encode());
        assert_eq!(PageSet::decode(&bytes, &PageLimits::default()), Ok(set));
    }

    #[test]
    fn hostile_page_sets_are_refused_with_the_place() {
        let limits = PageLimits::default();
        let refuse = |edit: &dyn Fn(&mut PageSet)| {
            let mut set = one_page();
            edit(&mut set);
            PageSet::decode(&set.encode(), &limits)
                .expect_err("refused")
                .to_string()
        };
        assert!(refuse(&|s| s.format = "readpoint-pages/9".into()).contains("update the kiosk"));
        assert!(refuse(&|s| s.pages.clear()).contains("0 pages"));
        assert!(refuse(&|s| s.pages[0].image = "../x".into()).contains("pages[0]: image"));
        assert!(refuse(&|s| s.pages[0].width = 60_000).contains("pixels"));
        assert!(refuse(&|s| s.pages[0].boxes[0][1] = 5).contains("outside"));
        assert!(refuse(&|s| s.pages[0].boxes[0][4] = 10_001).contains("outside"));
        assert!(refuse(&|s| s.pages[0].text = "a\u{1b}b".into()).contains("control"));
        assert!(
            PageSet::decode(b"not gzip", &limits)
                .expect_err("refused")
                .to_string()
                .contains("gzip")
        );
        // A gzip bomb stops at the limit.
        let small = PageLimits {
            max_json: 1000,
            ..limits
        };
        let mut big = one_page();
        big.pages[0].text = "公".repeat(2000);
        assert!(
            PageSet::decode(&big.encode(), &small)
                .expect_err("refused")
                .to_string()
                .contains("decompresses")
        );
    }
}
