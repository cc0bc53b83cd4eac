//! Draws laid-out [`Sheet`]s into a PDF with `krilla`, embedding a subset of the system's CJK
//! font (only the glyphs printed), so any printer or viewer shows the same text. Text stays
//! text: `pdftotext` (and a screen reader) read the printed words back.
//!
//! Finds the font through fontconfig (`fc-match`), as the kiosk's screen does, or takes the
//! configured file. Never decodes an image itself: PNG and JPEG bytes go to krilla as they are.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};

use super::layout::{ImageFormat, Item, Measure, PAGE_HEIGHT, PAGE_WIDTH, Sheet, Weight};

/// Characters every printing font must have: a font without them prints empty boxes.
const PROBE: &[char] = &['政', '府', '信', '息', '公', '开', '號', '页'];

/// Fonts tried when fontconfig is not there (Debian's fonts-noto-cjk, then WenQuanYi).
const FALLBACK_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
];

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No usable CJK font.
    #[error("{0}")]
    Font(String),
    /// krilla refused the document (a broken image, most likely).
    #[error("cannot write the PDF: {0}")]
    Write(String),
}

/// The font a print is set in: a file's bytes and the face index in it (collections).
#[derive(Clone)]
pub struct PrintFont {
    data: Arc<Vec<u8>>,
    index: u32,
    path: PathBuf,
}

impl std::fmt::Debug for PrintFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrintFont")
            .field("path", &self.path)
            .field("index", &self.index)
            .finish()
    }
}

impl PrintFont {
    /// The configured font file, or the system's Simplified Chinese sans-serif face.
    pub fn find(configured: Option<&Path>) -> Result<PrintFont, PdfError> {
        if let Some(path) = configured {
            return PrintFont::load(path, None).map_err(|why| {
                PdfError::Font(format!(
                    "the print font {} cannot be used: {why} (fix print.font in the configuration, or remove it to use the system font)",
                    path.display()
                ))
            });
        }
        let mut tried = Vec::new();
        if let Some((path, index)) = fc_match() {
            match PrintFont::load(&path, Some(index)) {
                Ok(font) => return Ok(font),
                Err(why) => tried.push(format!("{} ({why})", path.display())),
            }
        }
        for path in FALLBACK_FONTS {
            let path = Path::new(path);
            if !path.exists() {
                continue;
            }
            match PrintFont::load(path, None) {
                Ok(font) => return Ok(font),
                Err(why) => tried.push(format!("{} ({why})", path.display())),
            }
        }
        Err(PdfError::Font(format!(
            "no Chinese font to print with{}: install fonts-noto-cjk (sudo apt install fonts-noto-cjk), or set print.font to a .ttf/.otf/.ttc file",
            if tried.is_empty() {
                String::new()
            } else {
                format!(" (tried {})", tried.join(", "))
            }
        )))
    }

    /// Loads `path`; `index` picks the face of a collection, else the first Simplified Chinese
    /// face (family name ending in `SC`), else the first face with the [`PROBE`] glyphs.
    fn load(path: &Path, index: Option<u32>) -> Result<PrintFont, String> {
        let data = std::fs::read(path).map_err(|e| e.to_string())?;
        let faces = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
        let candidates: Vec<u32> = match index {
            Some(i) => vec![i],
            None => {
                let mut all: Vec<u32> = (0..faces).collect();
                // Prefer SC faces: same glyphs for both scripts, mainland shapes.
                all.sort_by_key(|&i| !is_sc_face(&data, i));
                all
            }
        };
        for i in candidates {
            let Ok(face) = ttf_parser::Face::parse(&data, i) else {
                continue;
            };
            if PROBE.iter().all(|&c| face.glyph_index(c).is_some()) {
                return Ok(PrintFont {
                    data: Arc::new(data),
                    index: i,
                    path: path.to_owned(),
                });
            }
        }
        Err("it has no Chinese glyphs".to_owned())
    }

    /// The font file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with this font's metrics.
    pub fn with_measure<T>(&self, f: impl FnOnce(&dyn Measure) -> T) -> Result<T, PdfError> {
        let face = ttf_parser::Face::parse(&self.data, self.index)
            .map_err(|e| PdfError::Font(format!("{}: {e}", self.path.display())))?;
        let measure = FaceMeasure {
            units: f32::from(face.units_per_em()).max(1.0),
            face,
            cache: RefCell::new(HashMap::new()),
        };
        Ok(f(&measure))
    }
}

fn is_sc_face(data: &[u8], index: u32) -> bool {
    let Ok(face) = ttf_parser::Face::parse(data, index) else {
        return false;
    };
    face.names().into_iter().any(|n| {
        n.name_id == ttf_parser::name_id::FAMILY
            && n.to_string()
                .is_some_and(|s| s.ends_with(" SC") || s.ends_with("SC Regular"))
    })
}

/// `fc-match` for a Simplified Chinese sans-serif face: its file and face index.
fn fc_match() -> Option<(PathBuf, u32)> {
    let output = std::process::Command::new("fc-match")
        .args(["--format=%{file}\n%{index}", "sans-serif:lang=zh-cn"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let mut lines = text.lines();
    let file = PathBuf::from(lines.next()?.trim());
    let index = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    Some((file, index))
}

/// Advances from the font's `hmtx`, cached per character.
struct FaceMeasure<'a> {
    face: ttf_parser::Face<'a>,
    units: f32,
    cache: RefCell<HashMap<char, f32>>,
}

impl Measure for FaceMeasure<'_> {
    fn advance(&self, ch: char, size: f32) -> f32 {
        if let Some(em) = self.cache.borrow().get(&ch) {
            return em * size;
        }
        let em = self
            .face
            .glyph_index(ch)
            .and_then(|g| self.face.glyph_hor_advance(g))
            .map(|a| f32::from(a) / self.units)
            // A missing glyph prints as .notdef, about one em wide.
            .unwrap_or(1.0);
        self.cache.borrow_mut().insert(ch, em);
        em * size
    }
}

/// Draws `sheets` into a PDF titled `title`.
pub fn render(sheets: &[Sheet], font: &PrintFont, title: &str) -> Result<Vec<u8>, PdfError> {
    let krilla_font = Font::new(krilla::Data::from(font.data.clone()), font.index)
        .ok_or_else(|| PdfError::Font(format!("{}: unreadable face", font.path.display())))?;
    let mut document = Document::new_with(SerializeSettings::default());
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(title.to_owned())
            .creator("Readpoint".to_owned())
            .language("zh-CN".to_owned()),
    );
    for sheet in sheets {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| PdfError::Write("A4 page size".to_owned()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for item in &sheet.items {
            draw(&mut surface, item, &krilla_font)?;
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

fn black_fill() -> Fill {
    Fill {
        paint: luma::Color::black().into(),
        ..Fill::default()
    }
}

fn draw(surface: &mut krilla::surface::Surface, item: &Item, font: &Font) -> Result<(), PdfError> {
    match item {
        Item::Text {
            x,
            y,
            size,
            weight,
            text,
        } => {
            surface.set_fill(Some(black_fill()));
            surface.set_stroke(match weight {
                Weight::Regular => None,
                Weight::Strong => Some(Stroke {
                    width: size * 0.035,
                    ..Stroke::default()
                }),
            });
            surface.draw_text(
                Point::from_xy(*x, *y),
                font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
            surface.set_stroke(None);
        }
        Item::Line {
            x1,
            y1,
            x2,
            y2,
            width,
        } => {
            let mut path = PathBuilder::new();
            path.move_to(*x1, *y1);
            path.line_to(*x2, *y2);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    width: *width,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        Item::Shade { x, y, w, h } => {
            if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                let mut path = PathBuilder::new();
                path.push_rect(rect);
                if let Some(path) = path.finish() {
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill {
                        paint: luma::Color::new(232).into(),
                        ..Fill::default()
                    }));
                    surface.draw_path(&path);
                }
            }
        }
        Item::Image { x, y, w, h, image } => {
            let data = krilla::Data::from(image.bytes.clone());
            let decoded = match image.format {
                ImageFormat::Png => Image::from_png(data, true),
                ImageFormat::Jpeg => Image::from_jpeg(data, true),
            }
            .map_err(|e| PdfError::Write(format!("an attachment page image: {e}")))?;
            if let Some(size) = Size::from_wh(*w, *h) {
                surface.push_transform(&Transform::from_translate(*x, *y));
                surface.draw_image(decoded, size);
                surface.pop();
            }
        }
        Item::Qr {
            x,
            y,
            module,
            side,
            dark,
        } => {
            let mut path = PathBuilder::new();
            for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
                let (row, col) = (i / side, i % side);
                if let Some(rect) = Rect::from_xywh(
                    x + col as f32 * module,
                    y + row as f32 * module,
                    *module,
                    *module,
                ) {
                    path.push_rect(rect);
                }
            }
            if let Some(path) = path.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(black_fill()));
                surface.draw_path(&path);
            }
        }
    }
    Ok(())
}
