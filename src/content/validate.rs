//! Validation of a set of documents together (a whole feed or content file): what no single
//! document can check on its own — unique ids, references between documents, and annual-report
//! tables against the templates of their `report_format`.
//!
//! Pure: never performs I/O; returns problems, never prints them.

use std::collections::{HashMap, HashSet};

use super::catalogue::CatalogueEntry;
use super::checks::check_table;
use super::document::{Document, DocumentData};
use super::problem::{Problem, index, join};
use super::reference::Taxonomy;
use super::report::{AnnualReport, ReportTable};
use super::template::{ColumnType, ReportFormat, TableTemplate};

/// Validates documents together (after [`Document::from_value`] on each) and returns every
/// problem, in document order:
/// - duplicate ids;
/// - references that point to no document of the right kind: `related_ids` (a document id or a
///   guide's `guide_id`) and `catalogue_entry_id` (agency references are not resolved: a shard
///   of catalogue entries is valid without the agency documents, which carry no display data
///   the entries lack);
/// - catalogue entries whose `category`, `genre`, `audience` or `disclosure_channels` name no
///   term of the taxonomy `tax-kiosk_category`, `tax-genre`, `tax-audience` or
///   `tax-disclosure_channel` — checked only when that taxonomy is in the set, so that a partial
///   import without the taxonomies stays valid;
/// - guide sections of one guide with the same `order`;
/// - annual reports whose `format_id` names no `report_format`, whose tables are not in that
///   format or lack some of its tables, whose cells name unknown rows or columns, have the wrong
///   type (a decimal in an `int` column, a negative count) or are missing, and whose cells
///   violate the template's `checks[]`.
pub fn validate_set(documents: &[Document]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut by_id: HashMap<&str, &Document> = HashMap::new();
    for document in documents {
        match by_id.get(document.id.as_str()) {
            Some(first) => problems.push(Problem::new(
                &document.id,
                "id",
                format!(
                    "duplicate id: a {} document already uses {:?}",
                    first.kind_name, document.id
                ),
            )),
            None => {
                by_id.insert(&document.id, document);
            }
        }
    }
    let set = Set {
        by_id,
        guide_ids: documents
            .iter()
            .filter_map(|d| d.as_guide_section().map(|g| g.guide_id.as_str()))
            .collect(),
    };

    let mut guide_orders: HashMap<(&str, u32), &str> = HashMap::new();
    for document in documents {
        let mut out = Out {
            doc_id: &document.id,
            problems: &mut problems,
        };
        match &document.data {
            DocumentData::CatalogueEntry(entry) => {
                set.check_catalogue_codes(&mut out, entry);
                for (i, id) in entry.related_ids.iter().enumerate() {
                    if !set.by_id.contains_key(id.as_str()) && !set.guide_ids.contains(id.as_str())
                    {
                        out.report(
                            index("related_ids", i),
                            format!("points to no document: there is no document or guide with id {id:?}"),
                        );
                    }
                }
            }
            DocumentData::GuideSection(section) => {
                let key = (section.guide_id.as_str(), section.order);
                match guide_orders.get(&key) {
                    Some(other) => out.report(
                        "order",
                        format!(
                            "guide {:?} already has a section with order {} ({other})",
                            section.guide_id, section.order
                        ),
                    ),
                    None => {
                        guide_orders.insert(key, &document.id);
                    }
                }
            }
            DocumentData::AnnualReport(report) => {
                set.check_catalogue_link(&mut out, report);
                match set.by_id.get(report.format_id.as_str()).map(|d| &d.data) {
                    Some(DocumentData::ReportFormat(format)) => {
                        check_report_tables(&mut out, report, format);
                    }
                    _ => out.report(
                        "format_id",
                        format!(
                            "names no report_format document: {:?} (expected the id of a report_format in the set)",
                            report.format_id
                        ),
                    ),
                }
            }
            _ => {}
        }
    }
    problems
}

/// The documents by id (first occurrence) and the ids of whole guides.
struct Set<'a> {
    by_id: HashMap<&'a str, &'a Document>,
    guide_ids: HashSet<&'a str>,
}

impl Set<'_> {
    /// The taxonomy with document id `tax-<name>`, when the set has it.
    fn taxonomy(&self, name: &str) -> Option<&Taxonomy> {
        match &self.by_id.get(format!("tax-{name}").as_str())?.data {
            DocumentData::Taxonomy(taxonomy) => Some(taxonomy),
            _ => None,
        }
    }

    /// Checks the classification codes of a catalogue entry against the taxonomies present.
    fn check_catalogue_codes(&self, out: &mut Out<'_>, entry: &CatalogueEntry) {
        let fields = [
            ("kiosk_category", single("category", &entry.category)),
            ("genre", single("genre", &entry.genre)),
            ("audience", listed("audience", &entry.audience)),
            (
                "disclosure_channel",
                listed("disclosure_channels", &entry.disclosure_channels),
            ),
        ];
        for (name, codes) in fields {
            let Some(taxonomy) = self.taxonomy(name) else {
                continue;
            };
            for (field, code) in codes {
                if taxonomy.find(code).is_none() {
                    let known: Vec<&str> = taxonomy.terms.iter().map(|t| t.code.as_str()).collect();
                    out.report(
                        field,
                        format!(
                            "{code:?} is not a code of the taxonomy {name:?} (expected one of {})",
                            known.join(", ")
                        ),
                    );
                }
            }
        }
    }

    fn check_catalogue_link(&self, out: &mut Out<'_>, report: &AnnualReport) {
        let Some(id) = &report.catalogue_entry_id else {
            return;
        };
        match self.by_id.get(id.as_str()).map(|d| &d.data) {
            Some(DocumentData::CatalogueEntry(entry)) => {
                if let Some(index_no) = &report.index_no
                    && index_no != &entry.index_no
                {
                    out.report(
                            "index_no",
                            format!(
                                "expected the index number of catalogue entry {id:?} ({:?}), found {index_no:?}",
                                entry.index_no
                            ),
                        );
                }
            }
            Some(_) => out.report(
                "catalogue_entry_id",
                format!(
                    "expected the id of a catalogue_entry document, found {id:?} of another kind"
                ),
            ),
            None => out.report(
                "catalogue_entry_id",
                format!("points to no document: there is no catalogue entry with id {id:?}"),
            ),
        }
    }
}

/// One code at its field path (`category`).
fn single<'a>(field: &str, code: &'a str) -> Vec<(String, &'a str)> {
    vec![(field.to_string(), code)]
}

/// Each code of a list at its field path (`audience[1]`).
fn listed<'a>(field: &str, codes: &'a [String]) -> Vec<(String, &'a str)> {
    codes
        .iter()
        .enumerate()
        .map(|(i, code)| (index(field, i), code.as_str()))
        .collect()
}

/// Where the problems of one document go.
struct Out<'a> {
    doc_id: &'a str,
    problems: &'a mut Vec<Problem>,
}

impl Out<'_> {
    fn report(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems
            .push(Problem::new(self.doc_id, field, message));
    }
}

fn check_report_tables(out: &mut Out<'_>, report: &AnnualReport, format: &ReportFormat) {
    for (i, table) in report.tables.iter().enumerate() {
        let at = index("tables", i);
        match format.table(&table.template_table_id) {
            Some(template) => check_cells(out, &at, table, template),
            None => {
                let known: Vec<&str> = format.tables.iter().map(|t| t.table_id.as_str()).collect();
                let expected = if known.is_empty() {
                    format!("format {:?} has no tables", format.format_id)
                } else {
                    format!("expected one of {}", known.join(", "))
                };
                out.report(
                    join(&at, "template_table_id"),
                    format!(
                        "the format {:?} has no table {:?} ({expected})",
                        format.format_id, table.template_table_id
                    ),
                );
            }
        }
    }
    for template in &format.tables {
        if report.table(&template.table_id).is_none() {
            out.report(
                "tables",
                format!(
                    "the format {:?} requires table {:?} ({}), which the report lacks",
                    format.format_id,
                    template.table_id,
                    template.caption.as_deref().unwrap_or(&template.title)
                ),
            );
        }
    }
}

fn check_cells(out: &mut Out<'_>, at: &str, table: &ReportTable, template: &TableTemplate) {
    let cells_at = join(at, "cells");
    let mut complete = true;
    for (row_key, row) in &table.cells {
        let row_at = join(&cells_at, row_key);
        if template.row(row_key).is_none() {
            let rows: Vec<&str> = template.rows.iter().map(|r| r.key.as_str()).collect();
            out.report(
                &row_at,
                format!(
                    "unknown row key {row_key:?} (expected a row of table {:?}: {})",
                    template.table_id,
                    rows.join(", ")
                ),
            );
            continue;
        }
        for (col_key, value) in row {
            let cell_at = join(&row_at, col_key);
            let Some(column) = template.column(col_key) else {
                let cols: Vec<&str> = template.value_columns().map(|c| c.key.as_str()).collect();
                out.report(
                    &cell_at,
                    format!(
                        "unknown column key {col_key:?} (expected a column of table {:?}: {})",
                        template.table_id,
                        cols.join(", ")
                    ),
                );
                continue;
            };
            match column.column_type {
                ColumnType::Label => out.report(
                    &cell_at,
                    format!("column {col_key:?} is a label column and holds no values"),
                ),
                ColumnType::Int if !value.is_int() => out.report(
                    &cell_at,
                    format!("expected a whole number in int column {col_key:?}, found {value}"),
                ),
                ColumnType::Int | ColumnType::Decimal => {}
            }
            if value.as_f64() < 0.0 && !column.allows_negative() {
                out.report(
                    &cell_at,
                    format!("expected a number ≥ 0 in column {col_key:?} (a count or amount), found {value}"),
                );
            }
        }
    }
    for row in &template.rows {
        let present = table.cells.get(&row.key);
        let missing: Vec<&str> = template
            .value_columns()
            .filter(|c| present.is_none_or(|cells| !cells.contains_key(&c.key)))
            .map(|c| c.key.as_str())
            .collect();
        if missing.is_empty() {
            continue;
        }
        complete = false;
        let row_at = join(&cells_at, &row.key);
        if present.is_none() {
            out.report(
                row_at,
                "missing row: every row of the template needs its cells (write 0 for none)",
            );
        } else {
            for col in missing {
                out.report(
                    join(&row_at, col),
                    "missing cell: every value column of the template needs a value (write 0 for none)",
                );
            }
        }
    }
    // The checks always run: a missing cell must not hide a wrong total elsewhere. What a
    // missing cell keeps from being evaluated is dropped, since the cell is reported above.
    for failure in check_table(template, &table.cells) {
        if !complete && (failure.expected.is_none() || failure.found.is_none()) {
            continue;
        }
        let field = if template.row(&failure.row).is_some() {
            join(&join(&cells_at, &failure.row), &failure.col)
        } else {
            cells_at.clone()
        };
        out.report(field, failure.message);
    }
}
