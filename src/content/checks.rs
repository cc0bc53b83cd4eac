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

/// Float comparison, used only when a sum is too large or too fine for exact arithmetic.
fn nearly_equal(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// The value of a cell.
pub fn cell(cells: &Cells, row: &str, col: &str) -> Option<f64> {
    cells.get(row)?.get(col).map(CellValue::as_f64)
}

/// A sum of cells, kept exact where possible so that a total that is off by one is caught at
/// any size: whole numbers are added as integers, decimals as integers of their last written
/// decimal place (a decimal is written in the JSON with the shortest digits that give back its
/// value, which are the digits the report wrote). `Float` only when that overflows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Total {
    /// `units × 10^-scale`.
    Exact { units: i128, scale: u32 },
    /// A float sum, compared with a relative tolerance of 1e-9.
    Float(f64),
}

/// At most this many decimal places are kept exactly (beyond, sums are floats).
const MAX_SCALE: u32 = 30;

impl Total {
    /// A cell value as an exact decimal, when it fits.
    fn of(value: CellValue) -> Total {
        let exact = match value {
            CellValue::Int(v) => Some((i128::from(v), 0)),
            CellValue::Decimal(v) => exact_decimal(v),
        };
        match exact {
            Some((units, scale)) => Total::Exact { units, scale },
            None => Total::Float(value.as_f64()),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            // Parsing the decimal text rounds correctly, as the JSON parser did.
            Total::Exact { .. } => self.to_string().parse().unwrap_or(f64::NAN),
            Total::Float(v) => v,
        }
    }

    /// Both exact totals in units of the finer of their two last decimal places.
    fn aligned(self, other: Total) -> Option<(i128, i128, u32)> {
        let (
            Total::Exact {
                units: a,
                scale: sa,
            },
            Total::Exact {
                units: b,
                scale: sb,
            },
        ) = (self, other)
        else {
            return None;
        };
        let scale = sa.max(sb);
        Some((rescale(a, sa, scale)?, rescale(b, sb, scale)?, scale))
    }

    fn add(self, other: Total) -> Total {
        if let Some((a, b, scale)) = self.aligned(other)
            && let Some(units) = a.checked_add(b)
        {
            return Total::Exact { units, scale };
        }
        Total::Float(self.as_f64() + other.as_f64())
    }

    /// Exact equality of exact sums (a difference of one unit in the last decimal place of
    /// either is a difference); a relative tolerance of 1e-9 otherwise.
    fn equals(self, other: Total) -> bool {
        if let Some((a, b, _)) = self.aligned(other) {
            return a == b;
        }
        nearly_equal(self.as_f64(), other.as_f64())
    }
}

impl fmt::Display for Total {
    /// `12`, `-3`, `0.5`, `3600.25`: the exact decimal without trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Total::Exact { units, scale } => {
                let sign = if units < 0 { "-" } else { "" };
                let digits = units.unsigned_abs().to_string();
                let scale = scale as usize;
                if scale == 0 {
                    return write!(f, "{sign}{digits}");
                }
                let padded = format!("{digits:0>width$}", width = scale + 1);
                let (whole, fraction) = padded.split_at(padded.len() - scale);
                let fraction = fraction.trim_end_matches('0');
                if fraction.is_empty() {
                    write!(f, "{sign}{whole}")
                } else {
                    write!(f, "{sign}{whole}.{fraction}")
                }
            }
            Total::Float(v) => f.write_str(&format_number(v)),
        }
    }
}

/// `units × 10^-from` as units of `10^-to` (`to ≥ from`), when it fits.
fn rescale(units: i128, from: u32, to: u32) -> Option<i128> {
    units.checked_mul(10i128.checked_pow(to - from)?)
}

/// A float as `(units, scale)` with `v = units × 10^-scale`, from its shortest decimal text.
fn exact_decimal(v: f64) -> Option<(i128, u32)> {
    if !v.is_finite() {
        return None;
    }
    // `Display` for f64 never uses an exponent and gives the shortest digits that round-trip.
    let text = v.to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let scale = u32::try_from(fraction.len())
        .ok()
        .filter(|&s| s <= MAX_SCALE)?;
    let units: i128 = format!("{whole}{fraction}").parse().ok()?;
    Some((units, scale))
}

/// Sums the named cells; `Err` lists the missing ones (`row.col`).
fn sum(cells: &Cells, keys: &[(&str, &str)]) -> Result<Total, Vec<String>> {
    let mut total = Total::Exact { units: 0, scale: 0 };
    let mut missing = Vec::new();
    for &(row, col) in keys {
        match cells.get(row).and_then(|r| r.get(col)) {
            Some(&v) => total = total.add(Total::of(v)),
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
                (Ok(e), Ok(f)) if e.equals(*f) => continue,
                (Ok(e), Ok(f)) => {
                    let found_how = if instance.found_how.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", instance.found_how)
                    };
                    format!(
                        "{}: {place}: expected {e} ({}), found {f}{found_how}",
                        check.name(),
                        instance.expected_how,
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
                expected: expected.ok().map(Total::as_f64),
                found: found.ok().map(Total::as_f64),
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

    fn total(values: &[CellValue]) -> Total {
        values
            .iter()
            .fold(Total::Exact { units: 0, scale: 0 }, |t, &v| {
                t.add(Total::of(v))
            })
    }

    #[test]
    fn whole_numbers_add_up_exactly_at_any_size() {
        use CellValue::{Decimal, Int};
        let big = total(&[Int(999_999_999), Int(1)]);
        assert!(big.equals(Total::of(Int(1_000_000_000))));
        assert!(!big.equals(Total::of(Int(1_000_000_001))));
        let huge = total(&[
            Int(9_000_000_000_000_000_000),
            Int(9_000_000_000_000_000_000),
        ]);
        assert_eq!(huge.to_string(), "18000000000000000000");
        assert!(huge.equals(Total::of(Decimal(1.8e19))));
        assert!(!total(&[Int(i64::MAX), Int(1)]).equals(Total::of(Int(i64::MAX))));
        assert!(!Total::of(Int(1 << 53)).equals(Total::of(Int((1 << 53) + 1))));
    }

    #[test]
    fn decimals_add_up_in_their_written_places() {
        use CellValue::{Decimal, Int};
        let sum = total(&[Decimal(0.1), Decimal(0.2)]);
        assert_eq!(sum.to_string(), "0.3");
        assert!(sum.equals(Total::of(Decimal(0.3))));
        assert_eq!(sum.as_f64(), 0.3);
        let sum = total(&[Decimal(1.25), Int(2), Decimal(-0.5)]);
        assert_eq!(sum.to_string(), "2.75");
        assert!(!sum.equals(Total::of(Decimal(2.76))));
        assert!(!sum.equals(Total::of(Decimal(2.7501))));
        assert_eq!(total(&[Decimal(-0.25)]).to_string(), "-0.25");
        assert_eq!(total(&[Decimal(3600.0)]).to_string(), "3600");
        assert_eq!(exact_decimal(0.05), Some((5, 2)));
        assert_eq!(exact_decimal(1e-40), None);
        // Beyond exact arithmetic, sums fall back to floats.
        assert!(matches!(total(&[Decimal(1e-40)]), Total::Float(_)));
        assert!(total(&[Decimal(1e-40), Int(1)]).equals(Total::of(Int(1))));
    }

    #[test]
    fn decimal_sums_tolerate_rounding() {
        assert!(nearly_equal(0.1 + 0.2, 0.3));
        assert!(!nearly_equal(12.0, 13.0));
        assert!(!nearly_equal(0.01, 0.02));
    }
}
