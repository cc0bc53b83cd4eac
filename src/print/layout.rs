//! The A4 layout of a print: paginates a [`Printable`] (title, fields, paragraphs, a report
//! table, page images, write-in lines) onto A4 sheets, each with the provenance header and
//! footer (索引号, 发布机构, 公开日期, content version, cache date, 本页打印于, page N/M, and a QR
//! code to the document on the portal).
//!
//! Pure: measures text through [`Measure`] and returns positioned drawing operations
//! ([`Sheet`]); it never touches a font file, a PDF writer or a printer (`print::pdf` draws the
//! sheets). Units are PDF points (1/72 in), origin at the top left, y growing down.

use std::sync::Arc;

/// A4 portrait, in points.
pub const PAGE_WIDTH: f32 = 595.28;
/// A4 portrait, in points.
pub const PAGE_HEIGHT: f32 = 841.89;
/// Margin on every side (about 18 mm: inside every printer's unprintable border).
pub const MARGIN: f32 = 51.0;
/// The header band above the body.
const HEADER_HEIGHT: f32 = 40.0;
/// The footer band below the body (provenance lines and the QR code).
const FOOTER_HEIGHT: f32 = 66.0;
/// Side of the footer's QR code.
const QR_SIDE: f32 = 58.0;
/// The smallest text a table is shrunk to before it is split across pages by columns: below
/// this, 7 pt CJK glyphs blur on an office laser printer.
const MIN_TABLE_TEXT: f32 = 7.0;
/// Characters that never start a line (they hang into the margin instead): closing
/// punctuation and the pause marks of Chinese typesetting (GB/T 15834).
const NO_LINE_START: &str = "，。、；：？！）》」』】〕”’%,.;:?!)]}·…—";

/// Width of text, in points, at a size: the printer's font metrics.
pub trait Measure {
    /// Advance of `ch` at `size` points.
    fn advance(&self, ch: char, size: f32) -> f32;

    /// Advance of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c, size)).sum()
    }
}

/// The text sizes of a print.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    /// Body text size.
    pub body: f32,
    /// Title size.
    pub title: f32,
    /// Heading size.
    pub heading: f32,
    /// Header and footer text size.
    pub small: f32,
}

impl Style {
    /// Ordinary print: 11 pt body.
    pub const NORMAL: Style = Style {
        body: 11.0,
        title: 17.0,
        heading: 13.0,
        small: 7.5,
    };
    /// 大字打印: 16 pt body (the floor), 22 pt title.
    pub const LARGE: Style = Style {
        body: 16.0,
        title: 22.0,
        heading: 18.0,
        small: 9.0,
    };

    /// Line pitch of text at `size`.
    fn leading(size: f32) -> f32 {
        size * 1.55
    }
}

/// A raster image (an attachment page), already decoded enough to know its pixel size.
#[derive(Debug, Clone, PartialEq)]
pub struct PageImage {
    /// The encoded file.
    pub bytes: Arc<Vec<u8>>,
    /// PNG or JPEG.
    pub format: ImageFormat,
    /// Pixel size.
    pub width: u32,
    /// Pixel size.
    pub height: u32,
}

/// Encodings the printer embeds as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// image/png
    Png,
    /// image/jpeg
    Jpeg,
}

/// One cell of a printed table, on a grid (from the report screen's table layout).
#[derive(Debug, Clone, PartialEq)]
pub struct TableCell {
    /// Text, one line or wrapped.
    pub text: String,
    /// Grid position.
    pub row: usize,
    /// Grid position.
    pub col: usize,
    /// Rows covered (≥ 1).
    pub row_span: usize,
    /// Columns covered (≥ 1).
    pub col_span: usize,
    /// Header band or total: drawn bold-ish (shaded).
    pub shaded: bool,
    /// Numbers are right-aligned.
    pub numeric: bool,
}

/// A report table on paper.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Caption above the table.
    pub caption: String,
    /// Column widths in em of the table text (from the screen layout).
    pub column_em: Vec<f32>,
    /// Header rows, repeated on every page the table runs onto.
    pub header_rows: usize,
    /// All rows (header rows first).
    pub rows: usize,
    /// The cells.
    pub cells: Vec<TableCell>,
    /// The least height of a row, in text lines (2 leaves room to write by hand on a form).
    pub row_lines: f32,
}

/// One piece of a printable, laid out top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document title.
    Title(String),
    /// A section heading.
    Heading(String),
    /// Running text; `\n` starts a new paragraph.
    Paragraph(String),
    /// Label–value rows (the metadata of a catalogue entry, an agency's address …).
    Fields(Vec<(String, String)>),
    /// A report table.
    Table(Table),
    /// An attachment page: fills the body of its own sheet.
    Image(PageImage),
    /// A labelled box for the visitor to write in by hand (`lines` lines high).
    WriteIn {
        /// What goes in the box.
        label: String,
        /// Height in body lines.
        lines: u32,
    },
}

/// Where a printed page comes from: printed in its header and footer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Provenance {
    /// 索引号, when the print is a catalogue entry.
    pub index_no: Option<String>,
    /// 发布机构.
    pub publisher: String,
    /// 公开日期.
    pub published: Option<String>,
    /// The applied content version (feed version or import stamp).
    pub content_version: String,
    /// When the cache last changed (kiosk local time).
    pub cache_updated: String,
    /// 本页打印于 (kiosk local time, to the minute).
    pub printed_at: String,
    /// The document on the portal (the QR code), when known.
    pub portal_url: Option<String>,
}

/// Everything to print: made by the screens, laid out by [`paginate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Printable {
    /// The job's blocks, in order.
    pub blocks: Vec<Block>,
    /// Header and footer facts.
    pub provenance: Provenance,
    /// 大字打印.
    pub large: bool,
}

/// A text run's weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Body text.
    Regular,
    /// Titles, headings, labels: drawn with a thin outline (one font file, no bold face).
    Strong,
}

/// One drawing operation on a sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Text on one line; `y` is the baseline.
    Text {
        /// Left edge.
        x: f32,
        /// Baseline.
        y: f32,
        /// Size in points.
        size: f32,
        /// Weight.
        weight: Weight,
        /// The text (no line breaks).
        text: String,
    },
    /// A straight line.
    Line {
        /// Start.
        x1: f32,
        /// Start.
        y1: f32,
        /// End.
        x2: f32,
        /// End.
        y2: f32,
        /// Stroke width.
        width: f32,
    },
    /// A light grey rectangle behind shaded cells.
    Shade {
        /// Top left.
        x: f32,
        /// Top left.
        y: f32,
        /// Size.
        w: f32,
        /// Size.
        h: f32,
    },
    /// An image scaled into the box.
    Image {
        /// Top left.
        x: f32,
        /// Top left.
        y: f32,
        /// Size.
        w: f32,
        /// Size.
        h: f32,
        /// The image.
        image: PageImage,
    },
    /// A QR code: dark modules of a `side`-square grid, drawn `module` points each.
    Qr {
        /// Top left.
        x: f32,
        /// Top left.
        y: f32,
        /// Points per module.
        module: f32,
        /// Modules per side.
        side: usize,
        /// Dark modules, row-major.
        dark: Vec<bool>,
    },
}

/// One A4 page: its drawing operations and the text it carries (for the tests and for
/// accessibility of the produced PDF).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    /// Drawing operations, in painting order.
    pub items: Vec<Item>,
}

impl Sheet {
    /// Every text run on the sheet, in drawing order, joined by newlines.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for item in &self.items {
            if let Item::Text { text, .. } = item {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(text);
            }
        }
        out
    }
}

/// The body box of every sheet.
fn body_top() -> f32 {
    MARGIN + HEADER_HEIGHT
}

fn body_bottom() -> f32 {
    PAGE_HEIGHT - MARGIN - FOOTER_HEIGHT
}

fn body_width() -> f32 {
    PAGE_WIDTH - 2.0 * MARGIN
}

/// Lays `printable` out on A4 sheets, header and footer included. `qr` gives the dark modules
/// of the portal link's QR code (side, modules), when there is a link.
pub fn paginate(
    printable: &Printable,
    measure: &dyn Measure,
    qr: Option<(usize, Vec<bool>)>,
) -> Vec<Sheet> {
    let style = if printable.large {
        Style::LARGE
    } else {
        Style::NORMAL
    };
    let mut flow = Flow {
        measure,
        style,
        sheets: vec![Sheet::default()],
        y: body_top(),
    };
    for block in &printable.blocks {
        flow.block(block);
    }
    let mut sheets = flow.sheets;
    let count = sheets.len();
    for (i, sheet) in sheets.iter_mut().enumerate() {
        decorate(
            sheet,
            &printable.provenance,
            style,
            measure,
            i + 1,
            count,
            qr.as_ref(),
        );
    }
    sheets
}

/// The running state of the layout: the sheet being filled and the pen's y.
struct Flow<'a> {
    measure: &'a dyn Measure,
    style: Style,
    sheets: Vec<Sheet>,
    y: f32,
}

impl Flow<'_> {
    fn sheet(&mut self) -> &mut Sheet {
        // `sheets` starts with one sheet and only grows.
        let last = self.sheets.len() - 1;
        &mut self.sheets[last]
    }

    fn new_sheet(&mut self) {
        self.sheets.push(Sheet::default());
        self.y = body_top();
    }

    /// Starts a new sheet unless `height` still fits below the pen.
    fn ensure(&mut self, height: f32) {
        if self.y + height > body_bottom() && self.y > body_top() {
            self.new_sheet();
        }
    }

    fn is_fresh(&self) -> bool {
        self.y <= body_top() && self.sheets.last().is_some_and(|s| s.items.is_empty())
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Title(text) => {
                let size = self.style.title;
                self.lines(text, size, Weight::Strong, 0.0);
                self.y += size * 0.6;
            }
            Block::Heading(text) => {
                let size = self.style.heading;
                // Keep a heading with at least two lines of what follows.
                self.ensure(Style::leading(size) + 2.0 * Style::leading(self.style.body));
                self.y += size * 0.4;
                self.lines(text, size, Weight::Strong, 0.0);
            }
            Block::Paragraph(text) => {
                let size = self.style.body;
                for paragraph in text.split('\n') {
                    let paragraph = paragraph.trim_end();
                    if paragraph.trim().is_empty() {
                        continue;
                    }
                    self.lines(paragraph, size, Weight::Regular, 0.0);
                    self.y += size * 0.45;
                }
            }
            Block::Fields(rows) => self.fields(rows),
            Block::Table(table) => self.table(table),
            Block::Image(image) => self.image(image),
            Block::WriteIn { label, lines } => self.write_in(label, *lines),
        }
    }

    /// Wrapped lines of `text` at `size`, indented by `indent`.
    fn lines(&mut self, text: &str, size: f32, weight: Weight, indent: f32) {
        let pitch = Style::leading(size);
        for line in wrap(text, body_width() - indent, size, self.measure) {
            self.ensure(pitch);
            let baseline = self.y + size * 1.1;
            self.sheet().items.push(Item::Text {
                x: MARGIN + indent,
                y: baseline,
                size,
                weight,
                text: line,
            });
            self.y += pitch;
        }
    }

    fn fields(&mut self, rows: &[(String, String)]) {
        let size = self.style.body;
        let pitch = Style::leading(size);
        let label_width = rows
            .iter()
            .map(|(label, _)| self.measure.width(label, size))
            .fold(0.0f32, f32::max)
            .min(body_width() * 0.35)
            + size;
        for (label, value) in rows {
            let value_lines = wrap(value, body_width() - label_width, size, self.measure);
            let label_lines = wrap(label, label_width - size * 0.5, size, self.measure);
            let count = value_lines.len().max(label_lines.len()).max(1);
            self.ensure(pitch * count.min(3) as f32);
            for i in 0..count {
                self.ensure(pitch);
                let baseline = self.y + size * 1.1;
                if let Some(text) = label_lines.get(i) {
                    self.sheet().items.push(Item::Text {
                        x: MARGIN,
                        y: baseline,
                        size,
                        weight: Weight::Strong,
                        text: text.clone(),
                    });
                }
                if let Some(text) = value_lines.get(i) {
                    self.sheet().items.push(Item::Text {
                        x: MARGIN + label_width,
                        y: baseline,
                        size,
                        weight: Weight::Regular,
                        text: text.clone(),
                    });
                }
                self.y += pitch;
            }
        }
        self.y += size * 0.45;
    }

    fn write_in(&mut self, label: &str, lines: u32) {
        let size = self.style.body;
        let pitch = Style::leading(size) * 1.3;
        let height = pitch * (lines.max(1) as f32) + Style::leading(size);
        self.ensure(height);
        let top = self.y;
        self.lines(label, size, Weight::Strong, size * 0.4);
        for _ in 0..lines.max(1) {
            self.y += pitch;
            let y = self.y;
            self.sheet().items.push(Item::Line {
                x1: MARGIN + size * 0.4,
                y1: y,
                x2: MARGIN + body_width() - size * 0.4,
                y2: y,
                width: 0.5,
            });
        }
        self.y += size * 0.5;
        let bottom = self.y;
        let sheet = self.sheet();
        for (x1, y1, x2, y2) in [
            (MARGIN, top, MARGIN + body_width(), top),
            (MARGIN, bottom, MARGIN + body_width(), bottom),
            (MARGIN, top, MARGIN, bottom),
            (MARGIN + body_width(), top, MARGIN + body_width(), bottom),
        ] {
            sheet.items.push(Item::Line {
                x1,
                y1,
                x2,
                y2,
                width: 0.8,
            });
        }
        self.y += size * 0.6;
    }

    fn image(&mut self, image: &PageImage) {
        if !self.is_fresh() {
            self.new_sheet();
        }
        let (w, h) = fit(
            image.width as f32,
            image.height as f32,
            body_width(),
            body_bottom() - body_top(),
        );
        let x = MARGIN + (body_width() - w) / 2.0;
        let y = body_top();
        self.sheet().items.push(Item::Image {
            x,
            y,
            w,
            h,
            image: image.clone(),
        });
        self.y = body_bottom();
    }

    fn table(&mut self, table: &Table) {
        if !table.caption.is_empty() {
            self.lines(&table.caption, self.style.body, Weight::Strong, 0.0);
        }
        let columns = table.column_em.len();
        if columns == 0 || table.rows == 0 {
            return;
        }
        let total_em: f32 = table.column_em.iter().sum::<f32>().max(1.0);
        // Text size: the style's body size, shrunk until the table fits the width.
        let size = (body_width() / (total_em + columns as f32 * 0.8))
            .min(self.style.body)
            .max(MIN_TABLE_TEXT);
        let pad = size * 0.4;
        let mut col_x = Vec::with_capacity(columns + 1);
        let mut x = MARGIN;
        let scale = if total_em * size + columns as f32 * 2.0 * pad > body_width() {
            (body_width() - columns as f32 * 2.0 * pad) / (total_em * size)
        } else {
            1.0
        };
        for em in &table.column_em {
            col_x.push(x);
            x += em * size * scale + 2.0 * pad;
        }
        col_x.push(x);

        // Row heights: the tallest wrapped cell that starts and ends in the row.
        let pitch = Style::leading(size) * 0.85;
        let mut row_h = vec![pitch * table.row_lines.max(1.0) + pad; table.rows];
        for cell in &table.cells {
            let (Some(&left), Some(&right)) = (
                col_x.get(cell.col),
                col_x.get((cell.col + cell.col_span.max(1)).min(columns)),
            ) else {
                continue;
            };
            let lines = wrap(&cell.text, right - left - 2.0 * pad, size, self.measure).len();
            let need = lines.max(1) as f32 * pitch + pad;
            let span = cell.row_span.max(1);
            if cell.row < table.rows {
                let end = (cell.row + span).min(table.rows);
                let have: f32 = row_h[cell.row..end].iter().sum();
                if need > have {
                    let extra = (need - have) / (end - cell.row) as f32;
                    for h in &mut row_h[cell.row..end] {
                        *h += extra;
                    }
                }
            }
        }
        let header_rows = table.header_rows.min(table.rows);
        let header_h: f32 = row_h[..header_rows].iter().sum();

        // Break points: a body row can start a page only when no cell spans across it.
        let mut breakable = vec![true; table.rows + 1];
        for cell in &table.cells {
            let inside = cell.row + 1..(cell.row + cell.row_span.max(1)).min(table.rows);
            for flag in breakable.iter_mut().take(inside.end).skip(inside.start) {
                *flag = false;
            }
        }
        let mut start = header_rows;
        let mut first = true;
        while start < table.rows || first {
            // How many body rows fit on this page (at least one unbreakable group).
            let overflows =
                self.y + header_h + row_h.get(start).copied().unwrap_or(0.0) > body_bottom();
            if !first || (overflows && !self.is_fresh()) {
                self.new_sheet();
            }
            first = false;
            let top = self.y;
            let mut end = start;
            let mut used = header_h;
            let mut last_break = start;
            while end < table.rows {
                if used + row_h[end] > body_bottom() - top && last_break > start {
                    break;
                }
                used += row_h[end];
                end += 1;
                if breakable[end.min(table.rows)] {
                    last_break = end;
                }
            }
            let end = if end < table.rows {
                last_break.max(start + 1)
            } else {
                end
            };
            self.draw_rows(table, &col_x, &row_h, top, 0..header_rows, size, pad, pitch);
            self.draw_rows(
                table,
                &col_x,
                &row_h,
                top + header_h,
                start..end,
                size,
                pad,
                pitch,
            );
            self.y = top + header_h + row_h[start..end].iter().sum::<f32>() + size;
            start = end;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_rows(
        &mut self,
        table: &Table,
        col_x: &[f32],
        row_h: &[f32],
        top: f32,
        rows: std::ops::Range<usize>,
        size: f32,
        pad: f32,
        pitch: f32,
    ) {
        let columns = col_x.len() - 1;
        let row_top = |r: usize| top + row_h[rows.start..r].iter().sum::<f32>();
        let measure = self.measure;
        let mut items = Vec::new();
        for cell in &table.cells {
            if !rows.contains(&cell.row) {
                continue;
            }
            let end_row = (cell.row + cell.row_span.max(1)).min(rows.end);
            let end_col = (cell.col + cell.col_span.max(1)).min(columns);
            let (Some(&x1), Some(&x2)) = (col_x.get(cell.col), col_x.get(end_col)) else {
                continue;
            };
            let y1 = row_top(cell.row);
            let y2 = row_top(end_row);
            if cell.shaded {
                items.push(Item::Shade {
                    x: x1,
                    y: y1,
                    w: x2 - x1,
                    h: y2 - y1,
                });
            }
            for (a, b, c, d) in [
                (x1, y1, x2, y1),
                (x1, y2, x2, y2),
                (x1, y1, x1, y2),
                (x2, y1, x2, y2),
            ] {
                items.push(Item::Line {
                    x1: a,
                    y1: b,
                    x2: c,
                    y2: d,
                    width: 0.5,
                });
            }
            let lines = wrap(&cell.text, x2 - x1 - 2.0 * pad, size, measure);
            let block = lines.len() as f32 * pitch;
            let mut baseline = y1 + ((y2 - y1) - block) / 2.0 + size * 1.05;
            for line in lines {
                let w = measure.width(&line, size);
                let x = if cell.numeric {
                    x2 - pad - w
                } else if cell.shaded {
                    x1 + ((x2 - x1) - w) / 2.0
                } else {
                    x1 + pad
                };
                items.push(Item::Text {
                    x,
                    y: baseline,
                    size,
                    weight: if cell.shaded {
                        Weight::Strong
                    } else {
                        Weight::Regular
                    },
                    text: line,
                });
                baseline += pitch;
            }
        }
        self.sheet().items.extend(items);
    }
}

/// Scales `w × h` to fit in `max_w × max_h`, keeping its aspect ratio.
fn fit(w: f32, h: f32, max_w: f32, max_h: f32) -> (f32, f32) {
    if w <= 0.0 || h <= 0.0 {
        return (max_w, max_h);
    }
    let scale = (max_w / w).min(max_h / h);
    (w * scale, h * scale)
}

/// The header (title facts) and footer (provenance, page N/M, QR code) of one sheet.
fn decorate(
    sheet: &mut Sheet,
    provenance: &Provenance,
    style: Style,
    measure: &dyn Measure,
    page: usize,
    pages: usize,
    qr: Option<&(usize, Vec<bool>)>,
) {
    let size = style.small;
    let pitch = Style::leading(size);
    let mut header = Vec::new();
    if let Some(index_no) = &provenance.index_no {
        header.push(format!("索引号：{index_no}"));
    }
    if !provenance.publisher.is_empty() {
        header.push(format!("发布机构：{}", provenance.publisher));
    }
    if let Some(published) = &provenance.published {
        header.push(format!("公开日期：{published}"));
    }
    let mut items = Vec::new();
    // Small regular lines from `y` down, one pitch apart; returns the y below them.
    let lines = |items: &mut Vec<Item>, lines: Vec<String>, mut y: f32| {
        for text in lines {
            items.push(Item::Text {
                x: MARGIN,
                y: y + size * 1.1,
                size,
                weight: Weight::Regular,
                text,
            });
            y += pitch;
        }
        y
    };
    // A thin rule across the text width at `y`.
    let rule = |y: f32| Item::Line {
        x1: MARGIN,
        y1: y,
        x2: PAGE_WIDTH - MARGIN,
        y2: y,
        width: 0.6,
    };
    let header_lines = wrap(&header.join("　　"), body_width(), size, measure);
    lines(
        &mut items,
        header_lines.into_iter().take(2).collect(),
        MARGIN,
    );
    items.push(rule(MARGIN + HEADER_HEIGHT - 8.0));

    let top = PAGE_HEIGHT - MARGIN - FOOTER_HEIGHT + 8.0;
    items.push(rule(top));
    let text_width = body_width() - QR_SIDE - 12.0;
    let footer = [
        format!(
            "内容版本：{}　　缓存更新于：{}",
            provenance.content_version, provenance.cache_updated
        ),
        format!(
            "本页打印于 {}　　第 {page}/{pages} 页",
            provenance.printed_at
        ),
        match &provenance.portal_url {
            Some(url) => format!("网上查看：{url}"),
            None => String::new(),
        },
        "本打印件由政府信息查阅点免费提供，内容以发布机构公开的为准。".to_owned(),
    ];
    let mut y = top + 4.0;
    for text in footer.iter().filter(|t| !t.is_empty()) {
        y = lines(&mut items, wrap(text, text_width, size, measure), y);
    }
    if let Some((side, dark)) = qr
        && *side > 0
    {
        items.push(Item::Qr {
            x: PAGE_WIDTH - MARGIN - QR_SIDE,
            y: top + 4.0,
            module: QR_SIDE / *side as f32,
            side: *side,
            dark: dark.clone(),
        });
    }
    sheet.items.extend(items);
}

/// Whether a line may break before `c` (CJK text breaks between any two characters; Latin
/// words and numbers stay whole).
fn is_wordish(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '_' | '/' | '.' | ':' | '@' | '#' | '&' | '=' | '?' | '%' | '+' | '~'
        )
}

/// Wraps `text` into lines no wider than `width` at `size`: breaks between CJK characters and
/// at spaces, keeps Latin words and numbers whole unless one alone is wider than a line, and
/// never starts a line with closing punctuation (it hangs at the end of the line before).
/// Always returns at least one line (maybe empty).
pub fn wrap(text: &str, width: f32, size: f32, measure: &dyn Measure) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        wrap_paragraph(paragraph, width.max(size), size, measure, &mut lines);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

fn wrap_paragraph(text: &str, width: f32, size: f32, measure: &dyn Measure, out: &mut Vec<String>) {
    // Tokens: a Latin word/number run, a space run, or one other character.
    let mut tokens: Vec<&str> = Vec::new();
    let mut start = None::<usize>;
    for (i, c) in text.char_indices() {
        if is_wordish(c) {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        if let Some(s) = start.take() {
            tokens.push(&text[s..i]);
        }
        tokens.push(&text[i..i + c.len_utf8()]);
    }
    if let Some(s) = start {
        tokens.push(&text[s..]);
    }

    let mut line = String::new();
    let mut line_w = 0.0f32;
    for token in tokens {
        let w = measure.width(token, size);
        let hangs = token.chars().all(|c| NO_LINE_START.contains(c));
        if line_w + w > width && !line.is_empty() && !hangs {
            out.push(line.trim_end().to_owned());
            line.clear();
            line_w = 0.0;
        }
        if line.is_empty() && token.trim().is_empty() {
            continue; // no leading spaces on a wrapped line
        }
        if w > width && line.is_empty() {
            // One word wider than a line: split it by characters.
            for c in token.chars() {
                let cw = measure.advance(c, size);
                if line_w + cw > width && !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
            continue;
        }
        line.push_str(token);
        line_w += w;
    }
    out.push(line.trim_end().to_owned());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CJK 1 em, ASCII half an em: close to Noto Sans CJK.
    struct Em;
    impl Measure for Em {
        fn advance(&self, ch: char, size: f32) -> f32 {
            if ch.is_ascii() { size * 0.5 } else { size }
        }
    }

    #[test]
    fn chinese_wraps_between_characters_and_punctuation_hangs() {
        // 10 characters per line at 10 pt in 100 pt.
        let lines = wrap("一二三四五六七八九十，一二三", 100.0, 10.0, &Em);
        assert_eq!(lines, ["一二三四五六七八九十，", "一二三"]);
    }

    #[test]
    fn latin_words_and_numbers_stay_whole() {
        let lines = wrap("电话0833-2418888转", 60.0, 10.0, &Em);
        assert_eq!(lines, ["电话", "0833-2418888", "转"]);
        let long = wrap("https://example.gov.cn/very/long/path", 50.0, 10.0, &Em);
        assert!(long.len() > 1 && long.iter().all(|l| Em.width(l, 10.0) <= 50.0));
        assert_eq!(long.concat(), "https://example.gov.cn/very/long/path");
    }

    #[test]
    fn empty_text_is_one_empty_line() {
        assert_eq!(wrap("", 100.0, 10.0, &Em), [""]);
    }

    fn provenance() -> Provenance {
        Provenance {
            index_no: Some("008176219/2013-00012".into()),
            publisher: "乐山市政务服务中心".into(),
            published: Some("2013-03-28".into()),
            content_version: "42".into(),
            cache_updated: "2026-12-05 08:00".into(),
            printed_at: "2026-12-06 10:15".into(),
            portal_url: Some("https://portal.example/doc/x".into()),
        }
    }

    #[test]
    fn every_sheet_carries_the_provenance_and_its_page_number() {
        let printable = Printable {
            blocks: vec![
                Block::Title("乐山市政务服务中心2012年政府信息公开工作年度报告".into()),
                Block::Paragraph("根据《中华人民共和国政府信息公开条例》的规定。".repeat(200)),
            ],
            provenance: provenance(),
            large: false,
        };
        let sheets = paginate(&printable, &Em, Some((21, vec![true; 441])));
        assert!(sheets.len() >= 3, "{} sheets", sheets.len());
        for (i, sheet) in sheets.iter().enumerate() {
            let text = sheet.text();
            assert!(text.contains("索引号：008176219/2013-00012"), "{text}");
            assert!(text.contains("本页打印于 2026-12-06 10:15"));
            assert!(text.contains(&format!("第 {}/{} 页", i + 1, sheets.len())));
            assert!(text.contains("内容版本：42"));
            assert!(sheet.items.iter().any(|i| matches!(i, Item::Qr { .. })));
            for item in &sheet.items {
                if let Item::Text { y, .. } = item {
                    assert!(*y > MARGIN && *y < PAGE_HEIGHT - MARGIN, "text at y {y}");
                }
            }
        }
    }

    #[test]
    fn large_print_is_at_least_16_points() {
        let printable = Printable {
            blocks: vec![Block::Paragraph("正文".into())],
            provenance: provenance(),
            large: true,
        };
        let sheets = paginate(&printable, &Em, None);
        let body = sheets[0].items.iter().find_map(|i| match i {
            Item::Text { size, text, .. } if text == "正文" => Some(*size),
            _ => None,
        });
        assert_eq!(body, Some(16.0));
    }

    #[test]
    fn each_image_fills_its_own_sheet() {
        let image = PageImage {
            bytes: Arc::new(vec![]),
            format: ImageFormat::Png,
            width: 1240,
            height: 1754,
        };
        let printable = Printable {
            blocks: vec![
                Block::Image(image.clone()),
                Block::Image(image.clone()),
                Block::Image(image),
            ],
            provenance: provenance(),
            large: false,
        };
        let sheets = paginate(&printable, &Em, None);
        assert_eq!(sheets.len(), 3);
        for sheet in &sheets {
            let images: Vec<_> = sheet
                .items
                .iter()
                .filter_map(|i| match i {
                    Item::Image { x, y, w, h, .. } => Some((*x, *y, *w, *h)),
                    _ => None,
                })
                .collect();
            assert_eq!(images.len(), 1);
            let (x, y, w, h) = images[0];
            assert!(x >= MARGIN && x + w <= PAGE_WIDTH - MARGIN + 0.01);
            assert!(y >= body_top() && y + h <= body_bottom() + 0.01);
            assert!((w / h - 1240.0 / 1754.0).abs() < 0.01);
        }
    }

    fn long_table(rows: usize) -> Table {
        let mut cells = vec![
            TableCell {
                text: "项目".into(),
                row: 0,
                col: 0,
                row_span: 1,
                col_span: 1,
                shaded: true,
                numeric: false,
            },
            TableCell {
                text: "数量".into(),
                row: 0,
                col: 1,
                row_span: 1,
                col_span: 1,
                shaded: true,
                numeric: false,
            },
        ];
        for r in 1..=rows {
            cells.push(TableCell {
                text: format!("第{r}项"),
                row: r,
                col: 0,
                row_span: 1,
                col_span: 1,
                shaded: false,
                numeric: false,
            });
            cells.push(TableCell {
                text: format!("{r}"),
                row: r,
                col: 1,
                row_span: 1,
                col_span: 1,
                shaded: false,
                numeric: true,
            });
        }
        Table {
            caption: "表一".into(),
            column_em: vec![8.0, 4.0],
            header_rows: 1,
            rows: rows + 1,
            cells,
            row_lines: 1.0,
        }
    }

    #[test]
    fn a_long_table_repeats_its_header_on_every_sheet_and_loses_no_row() {
        let printable = Printable {
            blocks: vec![Block::Table(long_table(120))],
            provenance: provenance(),
            large: false,
        };
        let sheets = paginate(&printable, &Em, None);
        assert!(sheets.len() >= 2);
        let mut seen = Vec::new();
        for sheet in &sheets {
            let text = sheet.text();
            assert!(
                text.contains("项目") && text.contains("数量"),
                "header repeated"
            );
            for line in text.lines() {
                if let Some(n) = line.strip_prefix('第').and_then(|l| l.strip_suffix('项')) {
                    seen.push(n.parse::<usize>().unwrap_or(0));
                }
            }
        }
        assert_eq!(seen, (1..=120).collect::<Vec<_>>());
    }

    #[test]
    fn a_row_span_is_never_split_across_sheets() {
        let mut table = long_table(120);
        // Rows 40..=43 share one label cell spanning 4 rows.
        table
            .cells
            .retain(|c| !(c.col == 0 && (41..=43).contains(&c.row)));
        if let Some(c) = table.cells.iter_mut().find(|c| c.col == 0 && c.row == 40) {
            c.row_span = 4;
        }
        let printable = Printable {
            blocks: vec![Block::Table(table)],
            provenance: provenance(),
            large: true,
        };
        let sheets = paginate(&printable, &Em, None);
        let holder = sheets
            .iter()
            .position(|s| s.text().lines().any(|l| l == "第40项"))
            .unwrap_or(usize::MAX);
        for n in ["41", "42", "43"] {
            let on = sheets
                .iter()
                .position(|s| s.text().lines().any(|l| l == n))
                .unwrap_or(usize::MAX - 1);
            assert_eq!(on, holder, "value {n} with its spanning label");
        }
    }

    #[test]
    fn write_in_boxes_draw_their_lines() {
        let printable = Printable {
            blocks: vec![Block::WriteIn {
                label: "姓名".into(),
                lines: 2,
            }],
            provenance: provenance(),
            large: false,
        };
        let sheets = paginate(&printable, &Em, None);
        let lines = sheets[0]
            .items
            .iter()
            .filter(|i| matches!(i, Item::Line { .. }))
            .count();
        // 2 write-in lines + 4 box sides + header rule + footer rule.
        assert_eq!(lines, 8);
    }
}
