//! `annual_report`: a 政府信息公开工作年度报告, typed and validated: sections with Simplified text
//! and the Traditional original, key figures (with approximation qualifiers such as 余), and table
//! cells keyed by the rows and columns of a `report_format` template.
//!
//! Checks that need the template (cell types, the template's `checks[]`) run in
//! `validate_set`. Pure: never performs I/O.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use serde_json::{Map, Value};

use super::checks::{CellValue, Cells, format_number};
use super::common::{AgencyRef, Provenance};
use super::date::Date;
use super::problem::{FromJson, Reader, describe, index, join};
use super::text::check_index_no;

/// A passage of Simplified text, with the Traditional original it was converted from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Passage {
    /// The text shown (Simplified).
    pub text: String,
    /// The original Traditional text, exactly as in the source.
    pub original_zh_hant: Option<String>,
}

/// A numbered subsection of a report section ((一), (二)…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subsection {
    /// Number as written (一, 二…).
    pub no: String,
    /// Title (Simplified).
    pub title: String,
    /// Title in the Traditional original.
    pub title_original_zh_hant: Option<String>,
    /// Body (Simplified).
    pub text: String,
    /// The whole subsection in the Traditional original, heading included.
    pub original_zh_hant: Option<String>,
}

/// One section of a report (一、总体情况…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportSection {
    /// Number as written (一, 二…).
    pub no: String,
    /// Title (Simplified).
    pub title: String,
    /// Title in the Traditional original.
    pub title_original_zh_hant: Option<String>,
    /// Which item of 条例(2007)第三十二条 the section reports on, for pre-2019 reports.
    pub maps_to_2007_art32: Option<String>,
    /// Why the section maps (or does not map) to an item of Art. 32.
    pub maps_note: Option<String>,
    /// Paragraphs directly under the heading.
    pub paragraphs: Vec<Passage>,
    /// Numbered subsections.
    pub subsections: Vec<Subsection>,
    /// Template ids of the tables shown in this section, in order.
    pub tables: Vec<String>,
    /// An editor's remark on how the text was restored.
    pub editorial_note: Option<String>,
}

impl ReportSection {
    /// The heading as shown: 一、总体情况.
    pub fn heading(&self) -> String {
        format!("{}、{}", self.no, self.title)
    }
}

/// The statistical period of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

/// A figure quoted from a free-text report, kept exactly as the report states it.
///
/// Old reports write approximations such as 20万余条 (“over 200 000 items”): `value` is the lower
/// bound, `qualifier` says it is approximate (余, 约, 多…), and `display` is the original wording,
/// which is what the kiosk shows. Approximate figures must never be summed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyFigure {
    /// Stable key, e.g. `proactive_items`.
    pub key: String,
    /// What is counted.
    pub label: String,
    /// The number (for approximations, the stated lower bound).
    pub value: f64,
    /// Unit, e.g. 条, 件, 万元.
    pub unit: String,
    /// Approximation marker such as 余; `None` for an exact figure.
    pub qualifier: Option<String>,
    /// The figure as the report writes it, e.g. 20万余条.
    pub display: String,
    /// The sentence of the report it comes from.
    pub source_quote: String,
    /// The number of the section it comes from.
    pub section: String,
    /// Id of a data-quality note about the figure.
    pub data_quality_ref: Option<String>,
}

impl FromJson for Passage {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Passage> {
        let text = r.text(obj, path, "text");
        let original_zh_hant = r.optional(obj, path, "original_zh_hant");
        Some(Passage {
            text: text?,
            original_zh_hant,
        })
    }
}

impl FromJson for Subsection {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Subsection> {
        let no = r.text(obj, path, "no");
        let title = r.text(obj, path, "title");
        let title_original_zh_hant = r.optional(obj, path, "title_original_zh_hant");
        let text = r.text(obj, path, "text");
        let original_zh_hant = r.optional(obj, path, "original_zh_hant");
        Some(Subsection {
            no: no?,
            title: title?,
            title_original_zh_hant,
            text: text?,
            original_zh_hant,
        })
    }
}

impl FromJson for ReportSection {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<ReportSection> {
        let no = r.text(obj, path, "no");
        let title = r.text(obj, path, "title");
        let title_original_zh_hant = r.optional(obj, path, "title_original_zh_hant");
        let maps_to_2007_art32 = r.optional(obj, path, "maps_to_2007_art32");
        let maps_note = r.optional(obj, path, "maps_note");
        let paragraphs = r.objects(obj, path, "paragraphs");
        let subsections = r.objects(obj, path, "subsections");
        let tables = r.list(obj, path, "tables");
        let editorial_note = r.optional(obj, path, "editorial_note");
        Some(ReportSection {
            no: no?,
            title: title?,
            title_original_zh_hant,
            maps_to_2007_art32,
            maps_note,
            paragraphs: paragraphs?,
            subsections: subsections?,
            tables: tables?,
            editorial_note,
        })
    }
}

impl FromJson for Period {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Period> {
        let from: Option<Date> = r.required(obj, path, "from");
        let to: Option<Date> = r.required(obj, path, "to");
        let period = Period {
            from: from?,
            to: to?,
        };
        if period.from > period.to {
            r.report(
                join(path, "to"),
                format!(
                    "expected a date on or after {}, found {}",
                    period.from, period.to
                ),
            );
        }
        Some(period)
    }
}

impl FromJson for KeyFigure {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<KeyFigure> {
        let key = r.text(obj, path, "key");
        let label = r.text(obj, path, "label");
        let value = r.required(obj, path, "value");
        let unit = r.required(obj, path, "unit");
        let qualifier = r.optional_text(obj, path, "qualifier");
        let display = r.text(obj, path, "display");
        let source_quote = r.text(obj, path, "source_quote");
        let section = r.text(obj, path, "section");
        let data_quality_ref = r.optional(obj, path, "data_quality_ref");
        let figure = KeyFigure {
            key: key?,
            label: label?,
            value: value?,
            unit: unit?,
            qualifier,
            display: display?,
            source_quote: source_quote?,
            section: section?,
            data_quality_ref,
        };
        figure.check(r, path);
        Some(figure)
    }
}

impl KeyFigure {
    /// True when the report states the figure approximately (a qualifier such as 余).
    ///
    /// A parsed figure's qualifier is never empty: an empty or blank one is a problem when the
    /// document is read.
    pub fn is_approximate(&self) -> bool {
        self.qualifier.is_some()
    }

    /// The figure as the report writes it (e.g. 20万余条); never reformatted.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The value when it is exact; `None` for approximations, which must not enter sums.
    pub fn exact_value(&self) -> Option<f64> {
        (!self.is_approximate()).then_some(self.value)
    }

    fn check(&self, r: &mut Reader, path: &str) {
        if !display_shows_value(&self.display, self.value, &self.unit) {
            r.report(
                join(path, "display"),
                format!(
                    "expected the wording to show the value {} (as digits, or as 万/亿 digits), found {:?}",
                    format_number(self.value),
                    self.display
                ),
            );
        }
        match &self.qualifier {
            Some(qualifier) if !self.display.contains(qualifier.as_str()) => r.report(
                join(path, "qualifier"),
                format!(
                    "expected the display {:?} to contain the qualifier {qualifier:?}",
                    self.display
                ),
            ),
            Some(_) => {}
            None => {
                if let Some(word) = APPROXIMATION_WORDS
                    .iter()
                    .find(|w| self.display.contains(*w))
                {
                    r.report(
                        join(path, "qualifier"),
                        format!(
                            "the display {:?} says the figure is approximate ({word:?}): set the qualifier to {word:?}",
                            self.display
                        ),
                    );
                }
            }
        }
    }
}

/// Words by which a report marks a figure as approximate (20万余条, 约300件, 近百人…).
const APPROXIMATION_WORDS: [&str; 9] =
    ["余", "约", "多", "近", "左右", "以上", "逾", "超过", "上下"];

/// True when `display` shows `value` written in digits, directly (5879, 0.5, 5,879, ５８７９) or
/// scaled by 万 or 亿 (200000 → 20万, 2620000000 → 26.2亿). The number must stand alone: no
/// digit or `.` directly before or after it, and a plain number must not be followed by 万 or 亿
/// unless the unit starts with it (262亿元 for 262 in the unit 亿元). A display without any digit
/// (二十万余条, in Chinese numerals) is not checked.
fn display_shows_value(display: &str, value: f64, unit: &str) -> bool {
    let digits = normalise_digits(display);
    if !digits.bytes().any(|b| b.is_ascii_digit()) {
        return true;
    }
    let plain = format_number(value);
    let scaled = [
        format!("{}万", format_number(value / 1e4)),
        format!("{}亿", format_number(value / 1e8)),
    ];
    let unit_scale = unit.chars().next().filter(|c| matches!(c, '万' | '亿'));
    shows_number(&digits, &plain, Some(unit_scale))
        || scaled.iter().any(|form| shows_number(&digits, form, None))
}

/// `display` with full-width digits and points folded to ASCII and thousands separators
/// (`,` or `，` between a digit and a group of exactly three digits) removed.
fn normalise_digits(display: &str) -> String {
    let folded: Vec<char> = display
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (u32::from(c) - u32::from('０')) as u8),
            '．' => '.',
            _ => c,
        })
        .collect();
    let mut out = String::with_capacity(display.len());
    for (i, &c) in folded.iter().enumerate() {
        let separator = matches!(c, ',' | '，')
            && i > 0
            && folded[i - 1].is_ascii_digit()
            && folded.len() >= i + 4
            && folded[i + 1..i + 4].iter().all(char::is_ascii_digit)
            && folded.get(i + 4).is_none_or(|n| !n.is_ascii_digit());
        if !separator {
            out.push(c);
        }
    }
    out
}

/// True when `number` occurs in `text` standing alone (no digit or `.` on either side). For a
/// plain number, `plain` is `Some` with the scale its unit starts with: the number must not be
/// followed by 万 or 亿 except that one.
fn shows_number(text: &str, number: &str, plain: Option<Option<char>>) -> bool {
    text.match_indices(number).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + number.len()..].chars().next();
        let joined = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '.');
        let rescaled = plain
            .is_some_and(|unit_scale| matches!(after, Some('万' | '亿')) && after != unit_scale);
        !joined(before) && !joined(after) && !rescaled
    })
}

/// The Traditional original of a converted report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginalText {
    /// Script of the original, e.g. `zh-Hant`.
    pub script: String,
    /// Title as in the original.
    pub title: Option<String>,
    /// Full original text without the mirror site's boilerplate.
    pub text: String,
    /// Full original text as fetched, boilerplate included.
    pub text_with_source_boilerplate: Option<String>,
    /// Where the original comes from.
    pub source: Option<String>,
    /// The boilerplate lines that were removed.
    pub boilerplate_removed: Vec<String>,
}

/// One replacement made while converting: a phrase or a punctuation mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replacement {
    /// What the converter produced (or the original had).
    pub from: String,
    /// What it was replaced with.
    pub to: String,
    /// How often it occurs in the source, when counted.
    pub count_in_source: Option<u32>,
}

/// How the displayed Simplified text was produced from the original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conversion {
    /// Direction, e.g. `zh-Hant(TW phrases) -> zh-Hans`.
    pub direction: Option<String>,
    /// Engine and tables used.
    pub engine: String,
    /// Regional phrases changed back (视窗 → 窗口…).
    pub phrase_fixes_applied: Vec<Replacement>,
    /// Punctuation normalised to full width.
    pub punctuation_normalised: Vec<Replacement>,
    /// An engine that was tried and rejected, and why.
    pub rejected_engine: Option<String>,
    /// Review state, e.g. `machine_converted_human_reviewed`.
    pub review_status: String,
}

impl FromJson for OriginalText {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<OriginalText> {
        let script = r.text(obj, path, "script");
        let title = r.optional(obj, path, "title");
        let text = r.text(obj, path, "text");
        let text_with_source_boilerplate = r.optional(obj, path, "text_with_source_boilerplate");
        let source = r.optional(obj, path, "source");
        let boilerplate_removed = r.list(obj, path, "boilerplate_removed");
        Some(OriginalText {
            script: script?,
            title,
            text: text?,
            text_with_source_boilerplate,
            source,
            boilerplate_removed: boilerplate_removed?,
        })
    }
}

impl FromJson for Replacement {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Replacement> {
        let from = r.text(obj, path, "from");
        let to = r.text(obj, path, "to");
        let count_in_source = r.optional(obj, path, "count_in_source");
        Some(Replacement {
            from: from?,
            to: to?,
            count_in_source,
        })
    }
}

impl FromJson for Conversion {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Conversion> {
        let direction = r.optional(obj, path, "direction");
        let engine = r.text(obj, path, "engine");
        let phrase_fixes_applied = r.objects(obj, path, "phrase_fixes_applied");
        let punctuation_normalised = r.objects(obj, path, "punctuation_normalised");
        let rejected_engine = r.optional(obj, path, "rejected_engine");
        let review_status = r.text(obj, path, "review_status");
        Some(Conversion {
            direction,
            engine: engine?,
            phrase_fixes_applied: phrase_fixes_applied?,
            punctuation_normalised: punctuation_normalised?,
            rejected_engine,
            review_status: review_status?,
        })
    }
}

/// The cells of one report table, laid out by a template of the report's format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportTable {
    /// The template's `table_id` in the report's format.
    pub template_table_id: String,
    /// `cells[row_key][col_key]`.
    pub cells: Cells,
}

/// An annual report on government information disclosure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnualReport {
    /// The reporting agency.
    pub agency: AgencyRef,
    /// The year reported on.
    pub year: i32,
    /// Title as shown (completed where the source lacks the agency name).
    pub title: String,
    /// Title exactly as in the source.
    pub title_as_in_source: Option<String>,
    /// The `report_format` document that defines the tables.
    pub format_id: String,
    /// Legal basis, as written.
    pub legal_basis: Option<String>,
    /// The catalogue entry that lists this report.
    pub catalogue_entry_id: Option<String>,
    /// 索引号.
    pub index_no: Option<String>,
    /// 公开日期.
    pub published_date: Date,
    /// The period the figures cover.
    pub statistical_period: Period,
    /// True when the content is invented (a format example).
    pub illustrative: bool,
    /// Why the report is illustrative.
    pub illustrative_note: Option<String>,
    /// The opening paragraph.
    pub preamble: Option<Passage>,
    /// Sections in order.
    pub sections: Vec<ReportSection>,
    /// Figures quoted from free text.
    pub key_figures: Vec<KeyFigure>,
    /// Table cells.
    pub tables: Vec<ReportTable>,
    /// The Traditional original, for converted reports.
    pub original: Option<OriginalText>,
    /// How the Simplified text was produced.
    pub conversion: Option<Conversion>,
    /// Where the facts come from.
    pub provenance: Option<Provenance>,
    /// Ids of the dataset's data-quality notes that concern this report.
    pub data_quality_refs: Vec<String>,
}

impl FromJson for AnnualReport {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<AnnualReport> {
        let agency = r.nested(obj, path, "agency");
        let year: Option<i32> = r.required(obj, path, "year");
        let title = r.text(obj, path, "title");
        let title_as_in_source = r.optional(obj, path, "title_as_in_source");
        let format_id = r.text(obj, path, "format_id");
        let legal_basis = r.optional(obj, path, "legal_basis");
        let catalogue_entry_id = r.optional_text(obj, path, "catalogue_entry_id");
        let index_no = r.optional_checked(obj, path, "index_no", check_index_no);
        let published_date: Option<Date> = r.required(obj, path, "published_date");
        let statistical_period: Option<Period> = r.nested(obj, path, "statistical_period");
        if let Some(period) = statistical_period {
            check_period(r, path, period, year, published_date);
        }
        let illustrative = r.flag(obj, path, "illustrative");
        let illustrative_note = r.optional(obj, path, "illustrative_note");
        let preamble = r.optional_nested(obj, path, "preamble");
        let sections: Option<Vec<ReportSection>> = r.objects(obj, path, "sections");
        let key_figures: Option<Vec<KeyFigure>> = r.objects(obj, path, "key_figures");
        let tables: Option<Vec<ReportTable>> = r.objects(obj, path, "tables");
        if let Some(sections) = &sections {
            check_sections(r, path, sections, tables.as_deref());
            if let Some(figures) = &key_figures {
                check_key_figures(r, path, figures, sections);
            }
        }
        if let Some(tables) = &tables {
            let mut seen = HashSet::new();
            for (i, table) in tables.iter().enumerate() {
                if !seen.insert(table.template_table_id.as_str()) {
                    r.report(
                        join(&index(&join(path, "tables"), i), "template_table_id"),
                        format!("the table {:?} appears twice", table.template_table_id),
                    );
                }
            }
        }
        let original = r.optional_nested(obj, path, "original");
        let conversion = r.optional_nested(obj, path, "conversion");
        let provenance = r.optional_nested(obj, path, "provenance");
        let data_quality_refs = r.list(obj, path, "data_quality_refs");
        Some(AnnualReport {
            agency: agency?,
            year: year?,
            title: title?,
            title_as_in_source,
            format_id: format_id?,
            legal_basis,
            catalogue_entry_id,
            index_no,
            published_date: published_date?,
            statistical_period: statistical_period?,
            illustrative,
            illustrative_note,
            preamble,
            sections: sections?,
            key_figures: key_figures?,
            tables: tables?,
            original,
            conversion,
            provenance,
            data_quality_refs: data_quality_refs?,
        })
    }
}

impl AnnualReport {
    /// The cells of the table with this template id.
    pub fn table(&self, template_table_id: &str) -> Option<&ReportTable> {
        self.tables
            .iter()
            .find(|t| t.template_table_id == template_table_id)
    }

    /// The key figure with this key.
    pub fn key_figure(&self, key: &str) -> Option<&KeyFigure> {
        self.key_figures.iter().find(|f| f.key == key)
    }
}

/// One value of a report table, e.g. for year-over-year comparison:
/// `table_value(&report, "t3_applications", "new", "total")`.
pub fn table_value(report: &AnnualReport, table_id: &str, row: &str, col: &str) -> Option<f64> {
    let table = report.table(table_id)?;
    table.cells.get(row)?.get(col).map(CellValue::as_f64)
}

fn check_period(
    r: &mut Reader,
    path: &str,
    period: Period,
    year: Option<i32>,
    published: Option<Date>,
) {
    if let Some(year) = year
        && period.from.year() != year
    {
        r.report(
            join(path, "statistical_period.from"),
            format!(
                "expected a date in the report year {year}, found {}",
                period.from
            ),
        );
    }
    if let Some(published) = published
        && published < period.to
    {
        r.report(
            join(path, "published_date"),
            format!(
                "expected a date after the statistical period (ends {}), found {published}",
                period.to
            ),
        );
    }
}

fn check_sections(
    r: &mut Reader,
    path: &str,
    sections: &[ReportSection],
    tables: Option<&[ReportTable]>,
) {
    let mut numbers = HashSet::new();
    for (i, section) in sections.iter().enumerate() {
        let at = index(&join(path, "sections"), i);
        if !numbers.insert(section.no.as_str()) {
            r.report(
                join(&at, "no"),
                format!("duplicate section number {:?}", section.no),
            );
        }
        let Some(tables) = tables else { continue };
        for (j, id) in section.tables.iter().enumerate() {
            if !tables.iter().any(|t| &t.template_table_id == id) {
                r.report(
                    index(&join(&at, "tables"), j),
                    format!(
                        "the report has no table {id:?} (expected one of its tables[].template_table_id)"
                    ),
                );
            }
        }
    }
}

fn check_key_figures(
    r: &mut Reader,
    path: &str,
    figures: &[KeyFigure],
    sections: &[ReportSection],
) {
    let mut keys = HashSet::new();
    for (i, figure) in figures.iter().enumerate() {
        let at = index(&join(path, "key_figures"), i);
        if !keys.insert(figure.key.as_str()) {
            r.report(
                join(&at, "key"),
                format!("duplicate key figure {:?}", figure.key),
            );
        }
        if !sections.iter().any(|s| s.no == figure.section) {
            r.report(
                join(&at, "section"),
                format!("names no section of this report: {:?}", figure.section),
            );
        }
    }
}

impl FromJson for ReportTable {
    /// Reads `{template_table_id, cells: {row: {col: number}}}`, reporting each bad cell at its
    /// path (`tables[0].cells.new.total`).
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<ReportTable> {
        let template_table_id = r.text(obj, path, "template_table_id");
        let cells_path = join(path, "cells");
        let cells = match obj.get("cells") {
            None | Some(Value::Null) => {
                r.report(&cells_path, "required field is missing");
                None
            }
            Some(value) => read_cells(r, value, &cells_path),
        };
        Some(ReportTable {
            template_table_id: template_table_id?,
            cells: cells?,
        })
    }
}

fn read_cells(r: &mut Reader, value: &Value, path: &str) -> Option<Cells> {
    let rows = r.object(path, value)?;
    let mut cells = BTreeMap::new();
    let mut ok = true;
    for (row_key, row_value) in rows {
        let row_path = join(path, row_key);
        let Some(columns) = r.object(&row_path, row_value) else {
            ok = false;
            continue;
        };
        let mut row = BTreeMap::new();
        for (col_key, cell) in columns {
            match CellValue::from_json(cell) {
                Some(v) => {
                    row.insert(col_key.clone(), v);
                }
                None => {
                    ok = false;
                    r.report(
                        join(&row_path, col_key),
                        format!("expected a number, found {}", describe(cell)),
                    );
                }
            }
        }
        cells.insert(row_key.clone(), row);
    }
    ok.then_some(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_the_value_in_digits() {
        for (display, value, unit) in [
            ("5879件", 5879.0, "件"),
            ("5,879件", 5879.0, "件"),
            ("5，879件", 5879.0, "件"),
            ("1,234,567元", 1_234_567.0, "元"),
            ("５８７９件", 5879.0, "件"),
            ("０．５万元", 0.5, "万元"),
            ("20万余条", 200_000.0, "条"),
            ("26.2亿元", 2_620_000_000.0, "元"),
            ("262亿元", 262.0, "亿元"),
            ("3600万元", 3600.0, "万元"),
            ("0.5万元", 0.5, "万元"),
            ("共12件", 12.0, "件"),
            ("二十万余条", 200_000.0, "条"),
            ("近百人", 100.0, "人"),
        ] {
            assert!(
                display_shows_value(display, value, unit),
                "{display:?} should show {value}"
            );
        }
    }

    #[test]
    fn display_needs_the_number_standing_alone() {
        for (display, value, unit) in [
            ("151人", 15.0, "人"),
            ("151人", 51.0, "人"),
            ("10.5万元", 0.5, "万元"),
            ("1.50元", 1.5, "元"),
            ("20万余条", 20.0, "条"),
            ("21万余条", 200_000.0, "条"),
            ("12，34件", 1234.0, "件"),
            ("5,8790件", 5879.0, "件"),
            ("2.6亿元", 262.0, "亿元"),
        ] {
            assert!(
                !display_shows_value(display, value, unit),
                "{display:?} should not show {value}"
            );
        }
    }

    #[test]
    fn thousands_separators_are_removed_only_between_digit_groups() {
        assert_eq!(normalise_digits("5,879件，共3件"), "5879件，共3件");
        assert_eq!(normalise_digits("１２，３４５"), "12345");
        assert_eq!(normalise_digits("1,23"), "1,23");
    }
}
