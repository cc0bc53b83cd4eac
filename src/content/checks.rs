//! Table cells and the evaluation of a template's consistency checks on them: each violated
//! rule becomes a `CheckFailure` naming the check, row, column, expected and found values.
//!
//! Pure: never performs I/O.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::problem::describe;
use super::template::{Check, TableTemplate};

/// One number in a report table: whole for `int` columns, decimal for `decimal` columns.
///
/// The distinction is kept as written in the JSON (`3` vs `3.0`) so that a decimal written into
/// a count column is caught.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellValue {
    /// Written as a JSON integer.
    Int(i64),
    /// Written with a fraction or exponent (or an integer beyond `i64`).
    Decimal(f64),
}

impl CellValue {
    /// The value as a float, for sums and comparisons.
    pub fn as_f64(&self) -> f64 {
        match *self {
            // Counts in a report are far below 2^53: the conversion is exact.
            CellValue::Int(v) => v as f64,
            CellValue::Decimal(v) => v,
        }
    }

    /// True when the JSON value was an integer.
    pub fn is_int(&self) -> bool {
        matches!(self, CellValue::Int(_))
    }

    /// Converts a JSON value; `None` for anything but a number.
    pub fn from_json(value: &Value) -> Option<CellValue> {
        let Value::Number(n) = value else { return None };
        match n.as_i64() {
            Some(v) => Some(CellValue::Int(v)),
            None => n.as_f64().map(CellValue::Decimal),
        }
    }
}

impl fmt::Display for CellValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CellValue::Int(v) => write!(f, "{v}"),
            // Debug keeps the fraction of whole decimals (`1.0`), which is the point of the
            // distinction when reporting a decimal written into an int column.
            CellValue::Decimal(v) => write!(f, "{v:?}"),
        }
    }
}

impl Serialize for CellValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            CellValue::Int(v) => serializer.serialize_i64(v),
            CellValue::Decimal(v) => serializer.serialize_f64(v),
        }
    }
}

impl<'de> Deserialize<'de> for CellValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CellValue, D::Error> {
        let value = Value::deserialize(deserializer)?;
        CellValue::from_json(&value).ok_or_else(|| {
            de::Error::custom(format!("expected a number, found {}", describe(&value)))
        })
    }
}

/// A report's table values: `cells[row_key][col_key]`.
pub type Cells = BTreeMap<String, BTreeMap<String, CellValue>>;

/// One violated consistency rule, for one row or column.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckFailure {
    /// The check's id, e.g. `total_col`.
    pub check_id: String,
    /// The check's description, when the template gives one.
    pub description: Option<String>,
    /// The row key of the cell that is wrong (for `balance`, the equation, e.g.
    /// `new + carried_in = result_total + carried_out`).
    pub row: String,
    /// The column key of the cell that is wrong.
    pub col: String,
    /// What the rule computes (`None` when a cell it needs is missing).
    pub expected: Option<f64>,
    /// What the table says (`None` when that cell is missing).
    pub found: Option<f64>,
    /// The whole story for people, naming the check, row, column, expected and found values.
    pub message: String,
}

/// Formats a number without a trailing `.0` for whole values: `12`, `0.5`, `3600.25`.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

fn nearly_equal(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// The value of a cell.
pub fn cell(cells: &Cells, row: &str, col: &str) -> Option<f64> {
    cells.get(row)?.get(col).map(CellValue::as_f64)
}

/// Sums the named cells; `Err` lists the missing ones (`row.col`).
fn sum(cells: &Cells, keys: &[(&str, &str)]) -> Result<f64, Vec<String>> {
    let mut total = 0.0;
    let mut missing = Vec::new();
    for &(row, col) in keys {
        match cell(cells, row, col) {
            Some(v) => total += v,
            None => missing.push(format!("{row}.{col}")),
        }
    }
    if missing.is_empty() {
        Ok(total)
    } else {
        Err(missing)
    }
}

/// One place where a check is evaluated: a row (row_sum), a column (col_sum, balance).
struct Instance<'a> {
    row: String,
    col: String,
    /// Cells whose sum is the expected value.
    expected_cells: Vec<(&'a str, &'a str)>,
    /// Cells whose sum is the value found in the table.
    found_cells: Vec<(&'a str, &'a str)>,
    /// How the expected value is made, for the message.
    expected_how: String,
    /// How the found value is made, for the message (empty for a single cell).
    found_how: String,
}

fn instances<'a>(template: &'a TableTemplate, check: &'a Check) -> Vec<Instance<'a>> {
    match check {
        Check::RowSum {
            target_col,
            source_cols,
            rows,
            ..
        } => template
            .select_rows(rows)
            .into_iter()
            .map(|row| Instance {
                row: row.to_string(),
                col: target_col.clone(),
                expected_cells: source_cols.iter().map(|c| (row, c.as_str())).collect(),
                found_cells: vec![(row, target_col.as_str())],
                expected_how: format!("the sum of columns {}", source_cols.join(", ")),
                found_how: String::new(),
            })
            .collect(),
        Check::ColSum {
            target_row,
            source_rows,
            cols,
            ..
        } => template
            .select_cols(cols)
            .into_iter()
            .map(|col| Instance {
                row: target_row.clone(),
                col: col.to_string(),
                expected_cells: source_rows.iter().map(|r| (r.as_str(), col)).collect(),
                found_cells: vec![(target_row.as_str(), col)],
                expected_how: format!("the sum of rows {}", source_rows.join(", ")),
                found_how: String::new(),
            })
            .collect(),
        Check::Balance {
            lhs_rows,
            rhs_rows,
            cols,
            ..
        } => {
            let lhs = lhs_rows.join(" + ");
            let rhs = rhs_rows.join(" + ");
            template
                .select_cols(cols)
                .into_iter()
                .map(|col| Instance {
                    row: format!("{lhs} = {rhs}"),
                    col: col.to_string(),
                    expected_cells: lhs_rows.iter().map(|r| (r.as_str(), col)).collect(),
                    found_cells: rhs_rows.iter().map(|r| (r.as_str(), col)).collect(),
                    expected_how: lhs.clone(),
                    found_how: rhs.clone(),
                })
                .collect()
        }
    }
}

/// Evaluates every check of `template` on `cells` and returns each violation.
///
/// A check whose cells are missing is reported as a failure ("cannot be evaluated"), never
/// silently passed.
pub fn check_table(template: &TableTemplate, cells: &Cells) -> Vec<CheckFailure> {
    let mut failures = Vec::new();
    for check in &template.checks {
        for instance in instances(template, check) {
            let expected = sum(cells, &instance.expected_cells);
            let found = sum(cells, &instance.found_cells);
            let place = match check {
                Check::Balance { .. } => {
                    format!(
                        "rows {}, {}",
                        instance.row,
                        template.column_name(&instance.col)
                    )
                }
                _ => format!(
                    "{}, {}",
                    template.row_name(&instance.row),
                    template.column_name(&instance.col)
                ),
            };
            let message = match (&expected, &found) {
                (Ok(e), Ok(f)) if nearly_equal(*e, *f) => continue,
                (Ok(e), Ok(f)) => {
                    let found_how = if instance.found_how.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", instance.found_how)
                    };
                    format!(
                        "{}: {place}: expected {} ({}), found {}{found_how}",
                        check.name(),
                        format_number(*e),
                        instance.expected_how,
                        format_number(*f),
                    )
                }
                _ => {
                    let missing: Vec<String> = [&expected, &found]
                        .into_iter()
                        .filter_map(|r| r.as_ref().err())
                        .flatten()
                        .cloned()
                        .collect();
                    format!(
                        "{}: {place}: cannot be evaluated, missing cells: {}",
                        check.name(),
                        missing.join(", ")
                    )
                }
            };
            failures.push(CheckFailure {
                check_id: check.id().to_string(),
                description: check.description().map(str::to_string),
                row: instance.row,
                col: instance.col,
                expected: expected.ok(),
                found: found.ok(),
                message,
            });
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cell_values_keep_how_they_were_written() {
        assert_eq!(CellValue::from_json(&json!(3)), Some(CellValue::Int(3)));
        assert_eq!(
            CellValue::from_json(&json!(3.0)),
            Some(CellValue::Decimal(3.0))
        );
        assert_eq!(CellValue::from_json(&json!(-2)), Some(CellValue::Int(-2)));
        assert_eq!(CellValue::from_json(&json!("3")), None);
        assert_eq!(CellValue::from_json(&json!(null)), None);
        assert_eq!(CellValue::Decimal(1.0).to_string(), "1.0");
        assert_eq!(CellValue::Decimal(0.25).to_string(), "0.25");
        assert_eq!(CellValue::Int(12).to_string(), "12");
        assert_eq!(
            serde_json::to_string(&CellValue::Decimal(0.0))
                .ok()
                .as_deref(),
            Some("0.0")
        );
        let parsed: Result<CellValue, _> = serde_json::from_str("\"x\"");
        assert!(parsed.is_err_and(|e| e.to_string().contains("expected a number")));
    }

    #[test]
    fn numbers_are_formatted_without_spurious_fractions() {
        assert_eq!(format_number(12.0), "12");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(3600.25), "3600.25");
    }

    #[test]
    fn decimal_sums_tolerate_rounding() {
        assert!(nearly_equal(0.1 + 0.2, 0.3));
        assert!(!nearly_equal(12.0, 13.0));
        assert!(!nearly_equal(0.01, 0.02));
    }
}
