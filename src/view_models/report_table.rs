//! Report tables laid out for drawing: a template's merged header and row-label cells (from
//! `content::grid`) and a report's values, as a flat list of positioned cells in em units, so the
//! page draws the official table natively at any text size.
//!
//! Owns the table geometry (column widths, wrapped row heights, which cells stay fixed on the
//! left), number formatting (thousands separators, `—` for a missing cell) and each value cell's
//! spoken label. Runs on the store worker and returns plain `Send` data; must never build Slint
//! values (that is `to_view`, on the UI thread) or read the store.

use slint::SharedString;

use super::{Display, model};
use crate::content::{
    CellValue, Cells, ColumnType, HeaderCell, TableTemplate, format_number, header_grid,
    row_label_grid,
};
use crate::ui::{TableCellView, TableView};

/// Horizontal padding inside a cell, each side, in em.
const PAD_X: f32 = 0.5;
/// Vertical padding inside a cell, each side, in em.
const PAD_Y: f32 = 0.4;
/// Height of one line of cell text, in em.
const LINE: f32 = 1.4;
/// Row-label columns are at least this wide (em, text only).
const MIN_LABEL: f32 = 4.0;
/// … and at most this wide; longer labels wrap.
const MAX_LABEL: f32 = 12.0;
/// A label spanning several rows (三、本年度办理结果) wraps at this width at most.
const MAX_TALL_LABEL: f32 = 7.0;
/// Value columns are at least this wide (em, text only)…
const MIN_VALUE: f32 = 3.0;
/// … and their headers wrap at this width.
const MAX_VALUE_HEADER: f32 = 5.0;

/// What a cell is, which decides how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// The top-left cell over the row labels (holds the template's `corner_text`).
    Corner,
    /// A column header (a group or a leaf).
    ColumnHeader,
    /// A row label (a group or a leaf).
    RowLabel,
    /// A number.
    Value,
    /// A number in a total row or column (emphasised).
    Total,
}

/// One positioned cell. Positions and sizes are in em of the table's text size.
#[derive(Debug, Clone, PartialEq)]
pub struct LaidCell {
    pub kind: CellKind,
    pub text: String,
    /// Spoken label: for values `<row label> <column header> <value>`.
    pub label: String,
    /// Grid position and span (column/row units), kept for tests and checks.
    pub col: usize,
    pub row: usize,
    pub col_span: usize,
    pub row_span: usize,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl LaidCell {
    /// Column headers and the corner: the header band.
    pub fn is_header(&self) -> bool {
        matches!(self.kind, CellKind::Corner | CellKind::ColumnHeader)
    }
}

/// A table ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct TableLayout {
    /// The caption above the table (e.g. 第二十条第（一）项), may be empty.
    pub caption: String,
    /// Grid columns, of which the first `fixed_columns` are row labels (they stay on screen
    /// while the values scroll sideways).
    pub columns: usize,
    pub fixed_columns: usize,
    /// Header rows and body rows.
    pub header_rows: usize,
    pub body_rows: usize,
    /// Whole table size in em.
    pub width: f32,
    pub height: f32,
    /// Height of the header band and width of the fixed label columns, in em.
    pub header_height: f32,
    pub fixed_width: f32,
    /// Every cell, header rows first.
    pub cells: Vec<LaidCell>,
}

/// Estimated width of `text` in em: CJK and full-width characters 1, ASCII about half.
pub fn text_em(text: &str) -> f32 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.56 } else { 1.0 })
        .sum()
}

/// Lines `text` needs when wrapped at `width` em (at least 1).
fn lines(text: &str, width: f32) -> f32 {
    let em = text_em(text);
    if width <= 0.0 {
        return 1.0;
    }
    // A little slack: real glyph widths and word-wrap break points differ from the estimate.
    (em / (width * 0.95)).ceil().max(1.0)
}

/// `1234567` → `1,234,567`; decimals keep their written fraction: `12345.5` → `12,345.5`.
pub fn group_thousands(value: f64) -> String {
    let plain = format_number(value);
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    let (int, fraction) = match digits.split_once('.') {
        Some((int, fraction)) => (int, Some(fraction)),
        None => (digits, None),
    };
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return plain; // inf, NaN or an exponent: leave as is
    }
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Text of a cell value: grouped digits; decimal columns keep their written decimals.
fn value_text(value: Option<&CellValue>) -> String {
    match value {
        Some(value) => group_thousands(value.as_f64()),
        None => "—".to_owned(),
    }
}

/// Lays out `template` with the values in `cells`, text in the visitor's script.
pub fn layout(template: &TableTemplate, cells: &Cells, display: Display) -> TableLayout {
    let header = header_grid(template);
    let labels = row_label_grid(template);
    // Validated content never exceeds the bound; the clamp keeps a bad cache from hurting.
    let fixed = template
        .row_label_columns
        .min(crate::content::MAX_ROW_LABEL_COLUMNS);
    let has_label_column = template
        .columns
        .iter()
        .any(|c| c.column_type == ColumnType::Label);
    let corner_width = if has_label_column { 0 } else { fixed };
    let columns = header.width;
    let header_rows = header.depth;
    let body_rows = template.rows.len();

    // Column widths (text only, em).
    let mut widths = vec![0.0f32; columns];
    for (c, width) in widths.iter_mut().enumerate() {
        *width = if c < fixed { MIN_LABEL } else { MIN_VALUE };
    }
    let mut widen = |col: usize, want: f32| {
        if let Some(w) = widths.get_mut(col) {
            *w = w.max(want);
        }
    };
    for cell in labels.iter().filter(|c| c.col_span == 1) {
        let cap = if cell.row_span >= 3 {
            MAX_TALL_LABEL
        } else {
            MAX_LABEL
        };
        widen(cell.col, text_em(&cell.text).min(cap));
    }
    for cell in header.cells.iter().filter(|c| c.col_span == 1) {
        let cap = if cell.col < fixed {
            MAX_LABEL
        } else {
            MAX_VALUE_HEADER
        };
        widen(cell.col, text_em(&cell.text).min(cap));
    }
    for (i, column) in template.columns.iter().enumerate() {
        if !column.holds_values() {
            continue;
        }
        let col = corner_width + i;
        for row in &template.rows {
            let text = value_text(cells.get(&row.key).and_then(|r| r.get(&column.key)));
            widen(col, text_em(&text) + 0.5);
        }
    }
    // A group header wider than the columns it spans widens them evenly.
    for cell in header.cells.iter().filter(|c| c.col_span > 1) {
        let span = cell.col..(cell.col + cell.col_span).min(columns);
        let have: f32 =
            widths[span.clone()].iter().sum::<f32>() + 2.0 * PAD_X * (cell.col_span as f32 - 1.0);
        let want = text_em(&cell.text).min(MAX_LABEL * 2.0);
        if have < want {
            let extra = (want - have) / cell.col_span as f32;
            for w in &mut widths[span] {
                *w += extra;
            }
        }
    }
    let outer: Vec<f32> = widths.iter().map(|w| w + 2.0 * PAD_X).collect();
    let x_of: Vec<f32> = prefix_sums(&outer);
    let span_width = |col: usize, span: usize| -> f32 {
        let end = (col + span).min(columns);
        outer[col.min(end)..end].iter().sum::<f32>() - 2.0 * PAD_X
    };

    // Row heights: header rows first, then body rows.
    let mut heights = vec![LINE + 2.0 * PAD_Y; header_rows + body_rows];
    let fit = |heights: &mut [f32], first: usize, span: usize, text: &str, width: f32| {
        let need = lines(text, width) * LINE + 2.0 * PAD_Y;
        let end = (first + span).min(heights.len());
        if first >= end {
            return;
        }
        let have: f32 = heights[first..end].iter().sum();
        if have < need {
            heights[end - 1] += need - have;
        }
    };
    // Single-row cells first, so spanning cells only add what is still missing.
    let display_header: Vec<(HeaderCell, String)> = header
        .cells
        .iter()
        .map(|c| (c.clone(), display.text(&c.text)))
        .collect();
    let display_labels: Vec<(HeaderCell, String)> = labels
        .iter()
        .map(|c| (c.clone(), display.text(&c.text)))
        .collect();
    for single in [true, false] {
        for (cell, text) in &display_header {
            if (cell.row_span == 1) == single {
                let width = span_width(cell.col, cell.col_span);
                fit(&mut heights, cell.row, cell.row_span, text, width);
            }
        }
        for (cell, text) in &display_labels {
            if (cell.row_span == 1) == single {
                let width = span_width(cell.col, cell.col_span);
                fit(
                    &mut heights,
                    header_rows + cell.row,
                    cell.row_span,
                    text,
                    width,
                );
            }
        }
    }
    let y_of = prefix_sums(&heights);
    let rect = |col: usize, row: usize, col_span: usize, row_span: usize| {
        let col_end = (col + col_span).min(columns);
        let row_end = (row + row_span).min(heights.len());
        (
            x_of[col.min(columns)],
            y_of[row.min(heights.len())],
            x_of[col_end] - x_of[col.min(col_end)],
            y_of[row_end] - y_of[row.min(row_end)],
        )
    };

    let mut out = Vec::new();
    for (cell, text) in display_header {
        let (x, y, width, height) = rect(cell.col, cell.row, cell.col_span, cell.row_span);
        let kind = if corner_width > 0 && cell.col == 0 && cell.row == 0 {
            CellKind::Corner
        } else {
            CellKind::ColumnHeader
        };
        out.push(LaidCell {
            kind,
            label: text.clone(),
            text,
            col: cell.col,
            row: cell.row,
            col_span: cell.col_span,
            row_span: cell.row_span,
            x,
            y,
            width,
            height,
        });
    }
    for (cell, text) in display_labels {
        let (x, y, width, height) = rect(
            cell.col,
            header_rows + cell.row,
            cell.col_span,
            cell.row_span,
        );
        out.push(LaidCell {
            kind: CellKind::RowLabel,
            label: text.clone(),
            text,
            col: cell.col,
            row: header_rows + cell.row,
            col_span: cell.col_span,
            row_span: cell.row_span,
            x,
            y,
            width,
            height,
        });
    }
    for (r, row) in template.rows.iter().enumerate() {
        let row_label = display.text(&row.label_path.join(" "));
        for (i, column) in template.columns.iter().enumerate() {
            if !column.holds_values() {
                continue;
            }
            let col = corner_width + i;
            let text = value_text(cells.get(&row.key).and_then(|v| v.get(&column.key)));
            let column_label = display.text(&column.header_path.join(" "));
            let label = [row_label.as_str(), column_label.as_str(), text.as_str()]
                .iter()
                .filter(|part| !part.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            let (x, y, width, height) = rect(col, header_rows + r, 1, 1);
            out.push(LaidCell {
                kind: if row.is_total || column.is_total {
                    CellKind::Total
                } else {
                    CellKind::Value
                },
                text,
                label,
                col,
                row: header_rows + r,
                col_span: 1,
                row_span: 1,
                x,
                y,
                width,
                height,
            });
        }
    }
    TableLayout {
        caption: template
            .caption
            .as_deref()
            .map(|c| display.text(c))
            .unwrap_or_default(),
        columns,
        fixed_columns: fixed,
        header_rows,
        body_rows,
        width: x_of[columns],
        height: y_of[heights.len()],
        header_height: y_of[header_rows],
        fixed_width: x_of[fixed.min(columns)],
        cells: out,
    }
}

/// `[a, b, c]` → `[0, a, a+b, a+b+c]`.
fn prefix_sums(values: &[f32]) -> Vec<f32> {
    let mut sums = Vec::with_capacity(values.len() + 1);
    let mut total = 0.0;
    sums.push(0.0);
    for v in values {
        total += v;
        sums.push(total);
    }
    sums
}

impl TableLayout {
    /// The Slint value of the table (UI thread only). Cells are split into the four layers the
    /// widget draws: scrolling body, scrolling header, fixed labels, fixed header.
    pub fn to_view(&self) -> TableView {
        let view = |cell: &LaidCell| TableCellView {
            x: cell.x,
            y: cell.y,
            width: cell.width,
            height: cell.height,
            text: SharedString::from(cell.text.as_str()),
            label: SharedString::from(cell.label.as_str()),
            header: cell.is_header(),
            row_label: cell.kind == CellKind::RowLabel,
            numeric: matches!(cell.kind, CellKind::Value | CellKind::Total),
            total: cell.kind == CellKind::Total,
        };
        let fixed = |cell: &&LaidCell| cell.col < self.fixed_columns;
        let layer = |header: bool, in_fixed: bool| {
            model(
                self.cells
                    .iter()
                    .filter(|c| c.is_header() == header && fixed(c) == in_fixed)
                    .map(view)
                    .collect(),
            )
        };
        TableView {
            caption: SharedString::from(self.caption.as_str()),
            width: self.width,
            height: self.height,
            header_height: self.header_height,
            fixed_width: self.fixed_width,
            body: layer(false, false),
            header: layer(true, false),
            fixed_body: layer(false, true),
            fixed_header: layer(true, true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{DocumentData, ReportFormat};
    use crate::view_models::bundled_store;

    fn bundled() -> (ReportFormat, crate::content::AnnualReport) {
        let store = bundled_store();
        let format = match store.document("gov-2021").unwrap().unwrap().document.data {
            DocumentData::ReportFormat(f) => f,
            other => panic!("not a format: {other:?}"),
        };
        let report = match store
            .document("ar-ls-zwzx-2022-sample")
            .unwrap()
            .unwrap()
            .document
            .data
        {
            DocumentData::AnnualReport(r) => r,
            other => panic!("not a report: {other:?}"),
        };
        (format, report)
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(group_thousands(0.0), "0");
        assert_eq!(group_thousands(999.0), "999");
        assert_eq!(group_thousands(1234.0), "1,234");
        assert_eq!(group_thousands(12486.0), "12,486");
        assert_eq!(group_thousands(1234567.0), "1,234,567");
        assert_eq!(group_thousands(-1234.0), "-1,234");
        assert_eq!(group_thousands(12345.5), "12,345.5");
        assert_eq!(value_text(None), "—");
    }

    #[test]
    fn the_applications_table_keeps_the_merged_header_and_label_spans() {
        let (format, report) = bundled();
        let template = format.table("t3_applications").unwrap();
        let cells = &report.table("t3_applications").unwrap().cells;
        let table = layout(template, cells, Display::default());
        let grid = header_grid(template);
        assert_eq!(table.header_rows, grid.depth);
        assert_eq!(table.columns, grid.width);
        assert_eq!(table.fixed_columns, 3);
        // Every header cell of the grid is drawn with the same span, and its width is the sum of
        // the columns it spans.
        let headers: Vec<&LaidCell> = table.cells.iter().filter(|c| c.is_header()).collect();
        assert_eq!(headers.len(), grid.cells.len());
        for (laid, cell) in headers.iter().zip(&grid.cells) {
            assert_eq!(
                (laid.row, laid.col, laid.row_span, laid.col_span),
                (cell.row, cell.col, cell.row_span, cell.col_span),
                "{}",
                cell.text
            );
        }
        let group = headers.iter().find(|c| c.text == "法人或其他组织").unwrap();
        assert_eq!(group.col_span, 5);
        let leaves: f32 = headers
            .iter()
            .filter(|c| c.row == group.row + 1 && c.col >= group.col && c.col < group.col + 5)
            .map(|c| c.width)
            .sum();
        assert!((group.width - leaves).abs() < 1e-3, "{group:?} vs {leaves}");
        let corner = headers.iter().find(|c| c.kind == CellKind::Corner).unwrap();
        assert_eq!((corner.row_span, corner.col_span), (3, 3));
        // 三、本年度办理结果 spans the 22 result rows, drawn as tall as they are together.
        let results = table
            .cells
            .iter()
            .find(|c| c.kind == CellKind::RowLabel && c.text == "三、本年度办理结果")
            .unwrap();
        assert_eq!(results.row_span, 22);
        let rows_height: f32 = table
            .cells
            .iter()
            .filter(|c| {
                c.col == 3 && c.row >= results.row && c.row < results.row + 22 && !c.is_header()
            })
            .map(|c| c.height)
            .sum();
        assert!((results.height - rows_height).abs() < 1e-3);
        // No two cells overlap.
        for (i, a) in table.cells.iter().enumerate() {
            for b in &table.cells[i + 1..] {
                let overlap = a.x + 1e-3 < b.x + b.width
                    && b.x + 1e-3 < a.x + a.width
                    && a.y + 1e-3 < b.y + b.height
                    && b.y + 1e-3 < a.y + a.height;
                assert!(!overlap, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn totals_are_flagged_and_values_are_labelled_with_row_and_column() {
        let (format, report) = bundled();
        let template = format.table("t3_applications").unwrap();
        let cells = &report.table("t3_applications").unwrap().cells;
        let table = layout(template, cells, Display::default());
        let new_total = table
            .cells
            .iter()
            .find(|c| c.label == "一、本年新收政府信息公开申请数量 申请人情况 总计 12")
            .unwrap();
        assert_eq!(new_total.kind, CellKind::Total, "总计 is a total column");
        let natural = table
            .cells
            .iter()
            .find(|c| c.label == "一、本年新收政府信息公开申请数量 申请人情况 自然人 9")
            .unwrap();
        assert_eq!(natural.kind, CellKind::Value);
        assert_eq!(natural.text, "9");
        let result_row: Vec<&LaidCell> = table
            .cells
            .iter()
            .filter(|c| c.label.starts_with("三、本年度办理结果 （七）总计 "))
            .collect();
        assert_eq!(result_row.len(), 7);
        assert!(result_row.iter().all(|c| c.kind == CellKind::Total));

        let licensing = format.table("t2_art20_5").unwrap();
        let cells = &report.table("t2_art20_5").unwrap().cells;
        let table = layout(licensing, cells, Display::default());
        let value = table
            .cells
            .iter()
            .find(|c| c.kind == CellKind::Value)
            .unwrap();
        assert_eq!(value.text, "12,486");
        assert_eq!(value.label, "行政许可 本年处理决定数量 12,486");
    }

    #[test]
    fn a_missing_cell_shows_a_dash_and_a_table_without_labels_has_no_fixed_columns() {
        let (format, _) = bundled();
        let template = format.table("t4_review_litigation").unwrap();
        let table = layout(template, &Cells::new(), Display::default());
        assert_eq!(table.fixed_columns, 0);
        assert_eq!(table.fixed_width, 0.0);
        let values: Vec<&LaidCell> = table.cells.iter().filter(|c| !c.is_header()).collect();
        assert_eq!(values.len(), 15);
        assert!(values.iter().all(|c| c.text == "—"));
        assert!(values.iter().filter(|c| c.kind == CellKind::Total).count() == 3);
    }
}
