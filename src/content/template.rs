//! `report_format`: the versioned annual-report formats (gov-2021, gov-2019-trial,
//! pre-2019-free-text) with their table templates: columns with header paths, rows with label
//! paths, and consistency checks (`row_sum`, `col_sum`, `balance`), validated for structure.
//!
//! A report stores only `cells[row_key][col_key]`; everything about the table's shape lives here.
//! Evaluating the checks on cells is `checks`' job. Pure: never performs I/O.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::date::Date;
use super::problem::{FromJson, Reader, index, join};

/// The type of a template column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// A column of row labels (e.g. 信息内容); it holds no cells.
    Label,
    /// Whole numbers (counts).
    Int,
    /// Decimal numbers (amounts, e.g. 万元).
    Decimal,
}

/// One column of a table template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnSpec {
    /// The key of the column in a report's cells.
    pub key: String,
    /// The header, outermost first: `["申请人情况", "法人或其他组织", "商业企业"]`.
    pub header_path: Vec<String>,
    /// Label, int or decimal.
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// The unit of the values, e.g. 万元.
    pub unit: Option<String>,
    /// True for a total column (shown emphasised).
    pub is_total: bool,
    /// True when values may be negative (optional `signed` field, default false). A column whose
    /// header says 增/减 (a change from last year) is treated as signed anyway, see
    /// [`ColumnSpec::allows_negative`].
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub signed: bool,
}

impl ColumnSpec {
    /// True for columns that carry cells (int and decimal).
    pub fn holds_values(&self) -> bool {
        self.column_type != ColumnType::Label
    }

    /// The innermost header text, e.g. 商业企业.
    pub fn leaf_label(&self) -> &str {
        self.header_path.last().map_or("", String::as_str)
    }

    /// Whether a value in this column may be negative: counts and amounts may not, a change from
    /// last year (本年增/减, gov-2019-trial) may.
    pub fn allows_negative(&self) -> bool {
        self.signed
            || self
                .header_path
                .iter()
                .any(|h| h.contains("增/减") || h.contains("增减"))
    }
}

/// One row of a table template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowSpec {
    /// The key of the row in a report's cells.
    pub key: String,
    /// The row label, outermost first: `["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"]`.
    /// Empty for a table without row labels.
    pub label_path: Vec<String>,
    /// True for a total row (shown emphasised).
    pub is_total: bool,
}

impl RowSpec {
    /// The innermost label, e.g. 1.属于国家秘密; empty when the row has no label.
    pub fn leaf_label(&self) -> &str {
        self.label_path.last().map_or("", String::as_str)
    }
}

/// Which rows or columns a check applies to: `"*"` (all) or a list of keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every row, or every value column.
    All,
    /// These keys.
    Keys(Vec<String>),
}

impl Serialize for Selection {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Selection::All => serializer.serialize_str("*"),
            Selection::Keys(keys) => keys.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Selection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Selection, D::Error> {
        struct SelectionVisitor;

        impl<'de> Visitor<'de> for SelectionVisitor {
            type Value = Selection;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"*\" or a list of keys")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Selection, E> {
                if s == "*" {
                    Ok(Selection::All)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(s), &self))
                }
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Selection, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = seq.next_element::<String>()? {
                    keys.push(key);
                }
                Ok(Selection::Keys(keys))
            }
        }

        deserializer.deserialize_any(SelectionVisitor)
    }
}

/// A consistency rule of a table template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Check {
    /// In each selected row, `target_col` equals the sum of `source_cols`
    /// (e.g. 总计 = 自然人 + 各类法人或其他组织).
    RowSum {
        /// The check's id, e.g. `total_col`.
        id: String,
        /// The total column.
        target_col: String,
        /// The columns that add up to it.
        source_cols: Vec<String>,
        /// The rows where the rule holds.
        rows: Selection,
        /// What the rule says, for people.
        description: Option<String>,
    },
    /// In each selected column, `target_row` equals the sum of `source_rows`
    /// (e.g. （七）总计 = （一）至（六）).
    ColSum {
        /// The check's id.
        id: String,
        /// The total row.
        target_row: String,
        /// The rows that add up to it.
        source_rows: Vec<String>,
        /// The columns where the rule holds.
        cols: Selection,
        /// What the rule says, for people.
        description: Option<String>,
    },
    /// In each selected column, the sum of `lhs_rows` equals the sum of `rhs_rows`
    /// (勾稽关系: 一 + 二 = 三 + 四).
    Balance {
        /// The check's id.
        id: String,
        /// Rows on the left-hand side.
        lhs_rows: Vec<String>,
        /// Rows on the right-hand side.
        rhs_rows: Vec<String>,
        /// The columns where the rule holds.
        cols: Selection,
        /// What the rule says, for people.
        description: Option<String>,
    },
}

impl Check {
    /// The check's id.
    pub fn id(&self) -> &str {
        match self {
            Check::RowSum { id, .. } | Check::ColSum { id, .. } | Check::Balance { id, .. } => id,
        }
    }

    /// The description, when the template gives one.
    pub fn description(&self) -> Option<&str> {
        match self {
            Check::RowSum { description, .. }
            | Check::ColSum { description, .. }
            | Check::Balance { description, .. } => description.as_deref(),
        }
    }

    /// `check "id" (description)`, for messages.
    pub(super) fn name(&self) -> String {
        match self.description() {
            Some(description) => format!("check {:?} ({description})", self.id()),
            None => format!("check {:?}", self.id()),
        }
    }
}

/// The deepest row-label hierarchy a table may have (the national format uses 3); a bound so
/// that bad content cannot make a table layout allocate without limit.
pub const MAX_ROW_LABEL_COLUMNS: usize = 8;

/// The template of one report table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableTemplate {
    /// Id within its format, e.g. `t3_applications`.
    pub table_id: String,
    /// The section heading the table belongs to.
    pub title: String,
    /// A caption above the table, e.g. 第二十条第（一）项.
    pub caption: Option<String>,
    /// Text of the top-left corner cell when the row labels have no column of their own.
    pub corner_text: Option<String>,
    /// How many grid columns the row labels take.
    pub row_label_columns: usize,
    /// Columns, left to right (label columns first).
    pub columns: Vec<ColumnSpec>,
    /// Rows, top to bottom.
    pub rows: Vec<RowSpec>,
    /// Consistency rules on the cells.
    pub checks: Vec<Check>,
}

impl TableTemplate {
    /// The column with this key.
    pub fn column(&self, key: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.key == key)
    }

    /// The row with this key.
    pub fn row(&self, key: &str) -> Option<&RowSpec> {
        self.rows.iter().find(|r| r.key == key)
    }

    /// The columns that hold values (not label columns), left to right.
    pub fn value_columns(&self) -> impl Iterator<Item = &ColumnSpec> {
        self.columns.iter().filter(|c| c.holds_values())
    }

    /// Structural checks of the template itself, reported under `path` (`tables[2]`).
    fn check(&self, r: &mut Reader, path: &str) {
        self.check_columns(r, path);
        self.check_rows(r, path);
        self.check_checks(r, path);
    }

    fn check_columns(&self, r: &mut Reader, path: &str) {
        let mut seen = HashSet::new();
        let mut label_columns = 0;
        let mut values_started = false;
        for (i, column) in self.columns.iter().enumerate() {
            let at = index(&join(path, "columns"), i);
            if column.key.trim().is_empty() {
                r.report(join(&at, "key"), "must not be empty");
            } else if !seen.insert(column.key.as_str()) {
                r.report(
                    join(&at, "key"),
                    format!("duplicate column key {:?}", column.key),
                );
            }
            if column.column_type == ColumnType::Label {
                label_columns += 1;
                if values_started {
                    r.report(
                        join(&at, "type"),
                        "label columns must come before value columns",
                    );
                }
            } else {
                values_started = true;
            }
            // A header that is a leaf for one column cannot be a group over another.
            for other in &self.columns {
                if strictly_extends(&other.header_path, &column.header_path) {
                    r.report(
                        join(&at, "header_path"),
                        format!(
                            "the header {:?} is both a column and a group over column {:?}",
                            column.header_path.join("/"),
                            other.key
                        ),
                    );
                    break;
                }
            }
        }
        if label_columns > 0 && label_columns != self.row_label_columns {
            r.report(
                join(path, "row_label_columns"),
                format!(
                    "expected {label_columns} (the number of label columns), found {}",
                    self.row_label_columns
                ),
            );
        }
        if self.row_label_columns > MAX_ROW_LABEL_COLUMNS {
            r.report(
                join(path, "row_label_columns"),
                format!(
                    "expected at most {MAX_ROW_LABEL_COLUMNS} levels of row labels, found {}",
                    self.row_label_columns
                ),
            );
        }
    }

    fn check_rows(&self, r: &mut Reader, path: &str) {
        let mut seen = HashSet::new();
        for (i, row) in self.rows.iter().enumerate() {
            let at = index(&join(path, "rows"), i);
            if row.key.trim().is_empty() {
                r.report(join(&at, "key"), "must not be empty");
            } else if !seen.insert(row.key.as_str()) {
                r.report(join(&at, "key"), format!("duplicate row key {:?}", row.key));
            }
            let depth = row.label_path.len();
            if depth > self.row_label_columns {
                r.report(
                    join(&at, "label_path"),
                    format!(
                        "expected at most {} levels (row_label_columns), found {depth}",
                        self.row_label_columns
                    ),
                );
            } else if depth == 0 && self.row_label_columns > 0 {
                r.report(join(&at, "label_path"), "expected a row label");
            }
            // A label that is a leaf for one row cannot be a group over another.
            if depth > 0
                && let Some(other) = self
                    .rows
                    .iter()
                    .find(|other| strictly_extends(&other.label_path, &row.label_path))
            {
                r.report(
                    join(&at, "label_path"),
                    format!(
                        "the label {:?} is both a row and a group over row {:?}",
                        row.label_path.join("/"),
                        other.key
                    ),
                );
            }
        }
    }

    fn check_checks(&self, r: &mut Reader, path: &str) {
        let mut seen = HashSet::new();
        for (i, check) in self.checks.iter().enumerate() {
            let at = index(&join(path, "checks"), i);
            if !seen.insert(check.id()) {
                r.report(
                    join(&at, "id"),
                    format!("duplicate check id {:?}", check.id()),
                );
            }
            let listed = |field: &str, keys: &'_ [String]| -> Vec<(String, String)> {
                keys.iter()
                    .enumerate()
                    .map(|(i, key)| (index(field, i), key.clone()))
                    .collect()
            };
            let selected = |field: &str, selection: &Selection| match selection {
                Selection::All => Vec::new(),
                Selection::Keys(keys) => listed(field, keys),
            };
            // An empty list would make the check vacuous: it could never fail.
            let mut not_empty = |field: &str, empty: bool| {
                if empty {
                    let hint = if matches!(field, "rows" | "cols") {
                        " (write \"*\" for all)"
                    } else {
                        ""
                    };
                    r.report(
                        join(&at, field),
                        format!("expected at least one key{hint}, found an empty list"),
                    );
                }
            };
            let no_keys =
                |selection: &Selection| matches!(selection, Selection::Keys(k) if k.is_empty());
            let mut own_source: Option<(&str, &str, &String)> = None;
            let (cols, rows) = match check {
                Check::RowSum {
                    target_col,
                    source_cols,
                    rows,
                    ..
                } => {
                    not_empty("source_cols", source_cols.is_empty());
                    not_empty("rows", no_keys(rows));
                    if source_cols.contains(target_col) {
                        own_source = Some(("target_col", "column", target_col));
                    }
                    let mut cols = vec![("target_col".to_string(), target_col.clone())];
                    cols.extend(listed("source_cols", source_cols));
                    (cols, selected("rows", rows))
                }
                Check::ColSum {
                    target_row,
                    source_rows,
                    cols,
                    ..
                } => {
                    not_empty("source_rows", source_rows.is_empty());
                    not_empty("cols", no_keys(cols));
                    if source_rows.contains(target_row) {
                        own_source = Some(("target_row", "row", target_row));
                    }
                    let mut rows = vec![("target_row".to_string(), target_row.clone())];
                    rows.extend(listed("source_rows", source_rows));
                    (selected("cols", cols), rows)
                }
                Check::Balance {
                    lhs_rows,
                    rhs_rows,
                    cols,
                    ..
                } => {
                    not_empty("lhs_rows", lhs_rows.is_empty());
                    not_empty("rhs_rows", rhs_rows.is_empty());
                    not_empty("cols", no_keys(cols));
                    let mut rows = listed("lhs_rows", lhs_rows);
                    rows.extend(listed("rhs_rows", rhs_rows));
                    (selected("cols", cols), rows)
                }
            };
            if let Some((field, what, key)) = own_source {
                r.report(
                    join(&at, field),
                    format!("the target {what} {key:?} is also one of its own sources"),
                );
            }
            for (field, key) in cols {
                if !self.column(&key).is_some_and(ColumnSpec::holds_values) {
                    r.report(
                        join(&at, &field),
                        format!("names no value column {key:?} of this table"),
                    );
                }
            }
            for (field, key) in rows {
                if self.row(&key).is_none() {
                    r.report(
                        join(&at, &field),
                        format!("names no row {key:?} of this table"),
                    );
                }
            }
        }
    }

    pub(super) fn row_name(&self, key: &str) -> String {
        match self.row(key).map(RowSpec::leaf_label) {
            Some(label) if !label.is_empty() => format!("row {key:?} ({label})"),
            _ => format!("row {key:?}"),
        }
    }

    pub(super) fn column_name(&self, key: &str) -> String {
        match self.column(key).map(ColumnSpec::leaf_label) {
            Some(label) if !label.is_empty() => format!("column {key:?} ({label})"),
            _ => format!("column {key:?}"),
        }
    }

    pub(super) fn select_rows<'a>(&'a self, selection: &'a Selection) -> Vec<&'a str> {
        match selection {
            Selection::All => self.rows.iter().map(|r| r.key.as_str()).collect(),
            Selection::Keys(keys) => keys.iter().map(String::as_str).collect(),
        }
    }

    pub(super) fn select_cols<'a>(&'a self, selection: &'a Selection) -> Vec<&'a str> {
        match selection {
            Selection::All => self.value_columns().map(|c| c.key.as_str()).collect(),
            Selection::Keys(keys) => keys.iter().map(String::as_str).collect(),
        }
    }
}

impl FromJson for ColumnSpec {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<ColumnSpec> {
        let key = r.text(obj, path, "key");
        let header_path: Option<Vec<String>> = r.list(obj, path, "header_path");
        if header_path
            .as_ref()
            .is_some_and(|p| p.is_empty() || p.iter().any(|h| h.trim().is_empty()))
        {
            r.report(
                join(path, "header_path"),
                "expected a list of non-empty header texts",
            );
        }
        let column_type = r.required(obj, path, "type");
        let unit = r.optional_text(obj, path, "unit");
        let is_total = r.flag(obj, path, "is_total");
        let signed = r.flag(obj, path, "signed");
        Some(ColumnSpec {
            key: key?,
            header_path: header_path?,
            column_type: column_type?,
            unit,
            is_total,
            signed,
        })
    }
}

impl FromJson for RowSpec {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<RowSpec> {
        let key = r.text(obj, path, "key");
        let label_path: Option<Vec<String>> = r.list(obj, path, "label_path");
        if label_path
            .as_ref()
            .is_some_and(|p| p.iter().any(|l| l.trim().is_empty()))
        {
            r.report(join(path, "label_path"), "expected non-empty label texts");
        }
        let is_total = r.flag(obj, path, "is_total");
        Some(RowSpec {
            key: key?,
            label_path: label_path?,
            is_total,
        })
    }
}

impl FromJson for Check {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Check> {
        let check_type: Option<String> = r.required(obj, path, "type");
        let id = r.text(obj, path, "id");
        let description = r.optional_text(obj, path, "description");
        let check = match check_type?.as_str() {
            "row_sum" => {
                let target_col = r.text(obj, path, "target_col");
                let source_cols = r.list(obj, path, "source_cols");
                let rows = r.required(obj, path, "rows");
                Check::RowSum {
                    id: id?,
                    target_col: target_col?,
                    source_cols: source_cols?,
                    rows: rows?,
                    description,
                }
            }
            "col_sum" => {
                let target_row = r.text(obj, path, "target_row");
                let source_rows = r.list(obj, path, "source_rows");
                let cols = r.required(obj, path, "cols");
                Check::ColSum {
                    id: id?,
                    target_row: target_row?,
                    source_rows: source_rows?,
                    cols: cols?,
                    description,
                }
            }
            "balance" => {
                let lhs_rows = r.list(obj, path, "lhs_rows");
                let rhs_rows = r.list(obj, path, "rhs_rows");
                let cols = r.required(obj, path, "cols");
                Check::Balance {
                    id: id?,
                    lhs_rows: lhs_rows?,
                    rhs_rows: rhs_rows?,
                    cols: cols?,
                    description,
                }
            }
            other => {
                r.report(
                    join(path, "type"),
                    format!("expected one of row_sum, col_sum, balance, found {other:?}"),
                );
                return None;
            }
        };
        Some(check)
    }
}

impl FromJson for TableTemplate {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<TableTemplate> {
        let table_id = r.text(obj, path, "table_id");
        let title = r.text(obj, path, "title");
        let caption = r.optional_text(obj, path, "caption");
        let corner_text = r.optional_text(obj, path, "corner_text");
        let row_label_columns = r.required(obj, path, "row_label_columns");
        let columns = r.objects(obj, path, "columns");
        let rows = r.objects(obj, path, "rows");
        let checks = r.objects(obj, path, "checks");
        let template = TableTemplate {
            table_id: table_id?,
            title: title?,
            caption,
            corner_text,
            row_label_columns: row_label_columns?,
            columns: columns?,
            rows: rows?,
            checks: checks?,
        };
        template.check(r, path);
        Some(template)
    }
}

/// One annual-report format (a `report_format` document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportFormat {
    /// Equal to the document id, e.g. `gov-2021`.
    pub format_id: String,
    /// Name of the format.
    pub name: String,
    /// Issuing office.
    pub issued_by: Option<String>,
    /// 文号 of the notice that issued it, e.g. 国办公开办函〔2021〕30号.
    pub doc_number: Option<String>,
    /// Date of issue.
    pub issued_date: Option<Date>,
    /// Which report years use it, as written (2021年度报告起).
    pub applies_to_years: Option<String>,
    /// Section headings, in order.
    pub sections: Vec<String>,
    /// What each section must contain, by heading.
    pub section_requirements: BTreeMap<String, String>,
    /// Table templates (none for free-text formats).
    pub tables: Vec<TableTemplate>,
    /// Ids of the dataset's sources.
    pub source_refs: Vec<String>,
    /// What still has to be verified against the original.
    pub verify_note: Option<String>,
    /// Legal basis, for formats defined by a regulation.
    pub legal_basis: Option<String>,
    /// The items required by 条例(2007)第三十二条 (pre-2019 format).
    pub required_items_2007_art32: Vec<String>,
    /// A free remark.
    pub note: Option<String>,
}

impl FromJson for ReportFormat {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<ReportFormat> {
        let format_id = r.text(obj, path, "format_id");
        let name = r.text(obj, path, "name");
        let issued_by = r.optional_text(obj, path, "issued_by");
        let doc_number = r.optional_text(obj, path, "doc_number");
        let issued_date = r.optional(obj, path, "issued_date");
        let applies_to_years = r.optional_text(obj, path, "applies_to_years");
        let sections = r.list(obj, path, "sections");
        let section_requirements = r
            .optional(obj, path, "section_requirements")
            .unwrap_or_default();
        let tables: Option<Vec<TableTemplate>> = r.objects(obj, path, "tables");
        if let Some(tables) = &tables {
            let mut seen = HashSet::new();
            for (i, table) in tables.iter().enumerate() {
                if !seen.insert(table.table_id.as_str()) {
                    r.report(
                        join(&index(&join(path, "tables"), i), "table_id"),
                        format!("duplicate table id {:?}", table.table_id),
                    );
                }
            }
        }
        let source_refs = r.list(obj, path, "source_refs");
        let verify_note = r.optional(obj, path, "verify_note");
        let legal_basis = r.optional(obj, path, "legal_basis");
        let required_items_2007_art32 = r.list(obj, path, "required_items_2007_art32");
        let note = r.optional(obj, path, "note");
        Some(ReportFormat {
            format_id: format_id?,
            name: name?,
            issued_by,
            doc_number,
            issued_date,
            applies_to_years,
            sections: sections?,
            section_requirements,
            tables: tables?,
            source_refs: source_refs?,
            verify_note,
            legal_basis,
            required_items_2007_art32: required_items_2007_art32?,
            note,
        })
    }
}

impl ReportFormat {
    /// The table template with this id.
    pub fn table(&self, table_id: &str) -> Option<&TableTemplate> {
        self.tables.iter().find(|t| t.table_id == table_id)
    }
}

/// Whether `path` continues below `prefix`: `prefix` would then be both a leaf and a group.
fn strictly_extends(path: &[String], prefix: &[String]) -> bool {
    path.len() > prefix.len() && path.starts_with(prefix)
}
