//! The merged-cell layout of a report table's header and row labels, computed from a template's
//! `header_path`s and `label_path`s so that the UI can draw the official layout natively.
//!
//! Rules: adjacent columns whose header paths share a prefix merge into one group cell (colspan);
//! a header leaf shallower than the header depth spans down to the bottom (rowspan). Row labels
//! work the same way across the `row_label_columns` label columns: adjacent rows sharing a label
//! prefix merge (rowspan), and a label path shorter than `row_label_columns` spans the remaining
//! label columns (colspan). Pure: never performs I/O and knows nothing of drawing.

use serde::Serialize;

use super::template::{ColumnType, TableTemplate};

/// One merged cell of a header or row-label grid. Coordinates are 0-based grid positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderCell {
    /// The text to show.
    pub text: String,
    /// Top row of the cell.
    pub row: usize,
    /// Leftmost column of the cell.
    pub col: usize,
    /// How many rows the cell covers (≥ 1).
    pub row_span: usize,
    /// How many columns the cell covers (≥ 1).
    pub col_span: usize,
}

/// The header of a table: `depth` rows spanning the table's full width.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderGrid {
    /// Number of header rows.
    pub depth: usize,
    /// Total number of grid columns: row-label columns plus value columns.
    pub width: usize,
    /// The cells, ordered by row then column.
    pub cells: Vec<HeaderCell>,
}

/// Lays out the header of `table`.
///
/// When the table has row labels (`row_label_columns > 0`) but no label column of its own (table
/// 三), the grid starts with a corner cell, holding `corner_text`, that spans all header rows and
/// all row-label columns; the template's columns follow it. Label columns (`type: label`, e.g.
/// 信息内容) are ordinary leaf columns.
pub fn header_grid(table: &TableTemplate) -> HeaderGrid {
    let has_label_column = table
        .columns
        .iter()
        .any(|c| c.column_type == ColumnType::Label);
    let corner_width = if has_label_column {
        0
    } else {
        table.row_label_columns
    };
    let paths: Vec<&[String]> = table
        .columns
        .iter()
        .map(|c| c.header_path.as_slice())
        .collect();
    let depth = paths.iter().map(|p| p.len()).max().unwrap_or(0).max(1);

    let mut cells = Vec::new();
    if corner_width > 0 {
        cells.push(HeaderCell {
            text: table.corner_text.clone().unwrap_or_default(),
            row: 0,
            col: 0,
            row_span: depth,
            col_span: corner_width,
        });
    }
    for span in merge(&paths, depth) {
        cells.push(HeaderCell {
            text: span.text,
            row: span.level,
            col: corner_width + span.start,
            row_span: span.across,
            col_span: span.along,
        });
    }
    cells.sort_by_key(|c| (c.row, c.col));
    HeaderGrid {
        depth,
        width: corner_width + table.columns.len(),
        cells,
    }
}

/// Lays out the row labels of `table`: `row` is the body row (the index in `rows`), `col` the
/// label column (`0..row_label_columns`). Empty when the table has no row-label columns.
///
/// A label path longer than `row_label_columns` (an invalid template) has its extra levels
/// joined into the last label column, so no text is lost.
pub fn row_label_grid(table: &TableTemplate) -> Vec<HeaderCell> {
    let columns = table.row_label_columns;
    if columns == 0 {
        return Vec::new();
    }
    let clipped: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| {
            let path = &row.label_path;
            if path.len() <= columns {
                path.clone()
            } else {
                let mut kept = path[..columns - 1].to_vec();
                kept.push(path[columns - 1..].join(" "));
                kept
            }
        })
        .collect();
    let paths: Vec<&[String]> = clipped.iter().map(Vec::as_slice).collect();
    let mut cells: Vec<HeaderCell> = merge(&paths, columns)
        .into_iter()
        .map(|span| HeaderCell {
            text: span.text,
            row: span.start,
            col: span.level,
            row_span: span.along,
            col_span: span.across,
        })
        .collect();
    cells.sort_by_key(|c| (c.row, c.col));
    cells
}

/// A merged cell in tree terms: at `level` of the paths, starting at item `start`, covering
/// `along` items and `across` levels.
struct Span {
    text: String,
    level: usize,
    start: usize,
    along: usize,
    across: usize,
}

/// Merges a sequence of paths (columns' header paths or rows' label paths) into spans.
///
/// At each level, adjacent items whose paths agree up to and including that level, and that
/// both continue below it, form one group span. An item whose path ends at a level gets a leaf
/// span reaching down to `depth`; leaves never merge. An empty path gets nothing.
fn merge(paths: &[&[String]], depth: usize) -> Vec<Span> {
    let mut spans = Vec::new();
    for level in 0..depth {
        let mut i = 0;
        while i < paths.len() {
            let path = paths[i];
            if path.len() <= level {
                i += 1;
                continue;
            }
            let is_leaf = path.len() == level + 1;
            let mut end = i + 1;
            if !is_leaf {
                while end < paths.len()
                    && paths[end].len() > level + 1
                    && paths[end][..=level] == path[..=level]
                {
                    end += 1;
                }
            }
            spans.push(Span {
                text: path[level].clone(),
                level,
                start: i,
                along: end - i,
                across: if is_leaf { depth - level } else { 1 },
            });
            i = end;
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::template::{ColumnSpec, RowSpec};

    fn cell(text: &str, row: usize, col: usize, row_span: usize, col_span: usize) -> HeaderCell {
        HeaderCell {
            text: text.to_string(),
            row,
            col,
            row_span,
            col_span,
        }
    }

    fn column(key: &str, path: &[&str], column_type: ColumnType) -> ColumnSpec {
        ColumnSpec {
            key: key.to_string(),
            header_path: path.iter().map(|s| s.to_string()).collect(),
            column_type,
            unit: None,
            is_total: false,
            signed: false,
        }
    }

    fn row(key: &str, path: &[&str]) -> RowSpec {
        RowSpec {
            key: key.to_string(),
            label_path: path.iter().map(|s| s.to_string()).collect(),
            is_total: false,
        }
    }

    fn template(
        row_label_columns: usize,
        columns: Vec<ColumnSpec>,
        rows: Vec<RowSpec>,
    ) -> TableTemplate {
        TableTemplate {
            table_id: "t".into(),
            title: "t".into(),
            caption: None,
            corner_text: None,
            row_label_columns,
            columns,
            rows,
            checks: Vec::new(),
        }
    }

    #[test]
    fn label_column_is_an_ordinary_leaf() {
        let t = template(
            1,
            vec![
                column("label", &["信息内容"], ColumnType::Label),
                column("issued", &["本年制发件数"], ColumnType::Int),
            ],
            vec![
                row("rules", &["规章"]),
                row("normative", &["行政规范性文件"]),
            ],
        );
        let grid = header_grid(&t);
        assert_eq!(grid.depth, 1);
        assert_eq!(grid.width, 2);
        assert_eq!(
            grid.cells,
            vec![
                cell("信息内容", 0, 0, 1, 1),
                cell("本年制发件数", 0, 1, 1, 1)
            ]
        );
        assert_eq!(
            row_label_grid(&t),
            vec![cell("规章", 0, 0, 1, 1), cell("行政规范性文件", 1, 0, 1, 1)]
        );
    }

    #[test]
    fn groups_merge_only_when_adjacent() {
        let t = template(
            0,
            vec![
                column("a", &["G", "a"], ColumnType::Int),
                column("x", &["X"], ColumnType::Int),
                column("b", &["G", "b"], ColumnType::Int),
                column("c", &["G", "c"], ColumnType::Int),
            ],
            vec![row("r", &[])],
        );
        let grid = header_grid(&t);
        assert_eq!(
            grid.cells,
            vec![
                cell("G", 0, 0, 1, 1),
                cell("X", 0, 1, 2, 1),
                cell("G", 0, 2, 1, 2),
                cell("a", 1, 0, 1, 1),
                cell("b", 1, 2, 1, 1),
                cell("c", 1, 3, 1, 1),
            ]
        );
        assert!(row_label_grid(&t).is_empty());
    }

    #[test]
    fn overlong_label_path_keeps_its_text() {
        let t = template(
            1,
            vec![column("v", &["V"], ColumnType::Int)],
            vec![row("r", &["A", "B"])],
        );
        assert_eq!(row_label_grid(&t), vec![cell("A B", 0, 0, 1, 1)]);
    }

    #[test]
    fn empty_template_has_a_one_row_header() {
        let t = template(2, vec![], vec![]);
        let grid = header_grid(&t);
        assert_eq!(grid.depth, 1);
        assert_eq!(grid.width, 2);
        assert_eq!(grid.cells, vec![cell("", 0, 0, 1, 2)]);
        assert!(row_label_grid(&t).is_empty());
    }
}
