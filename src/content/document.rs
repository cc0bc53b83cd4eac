//! One document of the feed: its kind, its typed data, and the exact JSON it came from.
//!
//! `Document::from_value` is the only way in: it checks the envelope (`id`, `kind`), checks that
//! every string is plain text and every id (`id`, `…_id`, `…_ids`) free of control and invisible
//! characters, reads the kind's typed data and validates it, returning every problem at once. Unknown kinds are kept (not shown) so that a newer feed survives an older
//! kiosk. Pure: never performs I/O.

use serde_json::{Map, Value};

use super::catalogue::CatalogueEntry;
use super::guide::GuideSection;
use super::problem::{FromJson, Problem, Reader, describe};
use super::procedure::{FormTemplate, Procedure};
use super::reading_point::ReadingPointGroup;
use super::reference::{Agency, Taxonomy};
use super::report::AnnualReport;
use super::template::ReportFormat;
use super::text::{check_identifier, check_strings};

/// The kind of a document (its `kind` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `guide_section`: a section of the disclosure guide.
    GuideSection,
    /// `catalogue_entry`: an entry of the disclosure catalogue.
    CatalogueEntry,
    /// `annual_report`: an annual disclosure report.
    AnnualReport,
    /// `procedure`: how to apply.
    Procedure,
    /// `form_template`: the blank application form.
    FormTemplate,
    /// `reading_point_group`: reading points at one level.
    ReadingPointGroup,
    /// `report_format` (reference): an annual-report format with its table templates.
    ReportFormat,
    /// `taxonomy` (reference): a classification code list.
    Taxonomy,
    /// `agency` (reference): a government agency.
    Agency,
    /// A kind this version does not know: kept, never shown.
    Unknown,
}

impl Kind {
    /// Every known kind (not `Unknown`).
    pub const KNOWN: [Kind; 9] = [
        Kind::GuideSection,
        Kind::CatalogueEntry,
        Kind::AnnualReport,
        Kind::Procedure,
        Kind::FormTemplate,
        Kind::ReadingPointGroup,
        Kind::ReportFormat,
        Kind::Taxonomy,
        Kind::Agency,
    ];

    /// The wire name (`catalogue_entry`…); `"unknown"` for `Unknown`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::GuideSection => "guide_section",
            Kind::CatalogueEntry => "catalogue_entry",
            Kind::AnnualReport => "annual_report",
            Kind::Procedure => "procedure",
            Kind::FormTemplate => "form_template",
            Kind::ReadingPointGroup => "reading_point_group",
            Kind::ReportFormat => "report_format",
            Kind::Taxonomy => "taxonomy",
            Kind::Agency => "agency",
            Kind::Unknown => "unknown",
        }
    }

    /// The kind with this wire name; `Unknown` for any other name (including `"unknown"`).
    pub fn from_wire(s: &str) -> Kind {
        Kind::KNOWN
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or(Kind::Unknown)
    }

    /// Kinds published in dated series (the feed shards them by year): catalogue entries and
    /// annual reports.
    pub fn is_dated(&self) -> bool {
        matches!(self, Kind::CatalogueEntry | Kind::AnnualReport)
    }

    /// True for kinds a visitor sees; false for `Unknown` and the reference kinds.
    pub fn is_shown(&self) -> bool {
        !matches!(
            self,
            Kind::Unknown | Kind::ReportFormat | Kind::Taxonomy | Kind::Agency
        )
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The typed data of a document, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentData {
    /// A guide section.
    GuideSection(GuideSection),
    /// A catalogue entry.
    CatalogueEntry(CatalogueEntry),
    /// An annual report.
    AnnualReport(AnnualReport),
    /// A procedure.
    Procedure(Procedure),
    /// A form template.
    FormTemplate(FormTemplate),
    /// A reading-point group.
    ReadingPointGroup(ReadingPointGroup),
    /// A report format.
    ReportFormat(ReportFormat),
    /// A taxonomy.
    Taxonomy(Taxonomy),
    /// An agency.
    Agency(Agency),
    /// A document of an unknown kind: only `raw` holds its content.
    Unknown,
}

/// A validated document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Unique, stable id.
    pub id: String,
    /// The kind (`Unknown` for kinds this version does not know).
    pub kind: Kind,
    /// The kind as written in the feed, kept even when `kind` is `Unknown`.
    pub kind_name: String,
    /// The typed data.
    pub data: DocumentData,
    /// The exact JSON the document was read from (unknown fields included).
    pub raw: SourceJson,
}

/// The exact JSON a document was read from, unknown fields included, kept so that a document
/// goes through the cache and the feed unchanged.
///
/// Opaque on purpose: screens and commands read a document's [`DocumentData`]; only a few
/// generic look-ups (a top-level text, a list of texts, a dotted field for `readpoint show`)
/// and the serialised text reach inside. It serialises as the JSON itself.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(transparent)]
pub struct SourceJson(Value);

impl SourceJson {
    /// The top-level text field `key`, if it is a string.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    /// The strings of the top-level list `key` (other items skipped; empty when absent).
    pub fn texts(&self, key: &str) -> Vec<&str> {
        self.0
            .get(key)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// The field at the dotted `path` (`"publisher.name"`) as a person reads it: a non-empty
    /// text, a list of texts joined with " / ", or a number; `None` otherwise.
    pub fn shown_field(&self, path: &str) -> Option<String> {
        let mut value = &self.0;
        for part in path.split('.') {
            value = value.get(part)?;
        }
        match value {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Array(items) if !items.is_empty() => Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" / "),
            ),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The JSON text, compact (what the cache stores).
    pub fn to_json(&self) -> String {
        self.0.to_string()
    }

    /// The JSON text, indented for people.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.0).unwrap_or_else(|_| self.to_json())
    }

    /// Whether this is the JSON `value` (tests and round-trip checks).
    pub fn is(&self, value: &Value) -> bool {
        self.0 == *value
    }
}

/// Reads the typed data of a whole document and wraps it.
fn read<T: FromJson, D>(
    r: &mut Reader,
    obj: &Map<String, Value>,
    wrap: impl FnOnce(T) -> D,
) -> Option<D> {
    T::from_json(r, obj, "").map(wrap)
}

/// The `doc_id` used in problems of a document without a usable id.
pub const NO_ID: &str = "(no id)";

impl Document {
    /// Parses and validates one document, returning all problems found, not just the first.
    ///
    /// A document whose `kind` is not known is accepted as [`Kind::Unknown`] (kept, not shown)
    /// as long as it has a string `id` and `kind`.
    pub fn from_value(value: Value) -> Result<Document, Vec<Problem>> {
        let Value::Object(obj) = &value else {
            return Err(vec![Problem::new(
                NO_ID,
                "",
                format!("expected a document object, found {}", describe(&value)),
            )]);
        };
        let id = match obj.get("id") {
            Some(Value::String(id)) if !id.trim().is_empty() => Some(id.clone()),
            _ => None,
        };
        let mut r = Reader::new(id.as_deref().unwrap_or(NO_ID));
        match obj.get("id") {
            None => r.report("id", "required field is missing"),
            Some(Value::String(s)) if s.trim().is_empty() => r.report("id", "must not be empty"),
            Some(Value::String(_)) => {}
            Some(other) => r.report(
                "id",
                format!("expected a string, found {}", describe(other)),
            ),
        }
        let kind_name = match obj.get("kind") {
            Some(Value::String(kind)) if !kind.trim().is_empty() => Some(kind.clone()),
            None => {
                r.report("kind", "required field is missing");
                None
            }
            Some(other) => {
                let expected = Kind::KNOWN.map(|k| k.as_str()).join(", ");
                r.report(
                    "kind",
                    format!(
                        "expected a kind name ({expected}), found {}",
                        describe(other)
                    ),
                );
                None
            }
        };
        let (Some(id), Some(kind_name)) = (id, kind_name) else {
            return Err(r.into_problems());
        };
        let kind = Kind::from_wire(&kind_name);
        if kind == Kind::Unknown {
            // Kept as it is, unread: its id and kind still reach messages, logs and the cache's
            // keys, so they must be inert.
            for (field, text) in [("id", &id), ("kind", &kind_name)] {
                if let Err(message) = check_identifier(text) {
                    r.report(field, message);
                }
            }
            if !r.is_clean() {
                return Err(r.into_problems());
            }
            return Ok(Document {
                id,
                kind,
                kind_name,
                data: DocumentData::Unknown,
                raw: SourceJson(value),
            });
        }

        check_strings(&mut r, &value);
        let data = match kind {
            Kind::GuideSection => read(&mut r, obj, DocumentData::GuideSection),
            Kind::CatalogueEntry => read(&mut r, obj, DocumentData::CatalogueEntry),
            Kind::AnnualReport => read(&mut r, obj, DocumentData::AnnualReport),
            Kind::Procedure => read(&mut r, obj, DocumentData::Procedure),
            Kind::FormTemplate => read(&mut r, obj, DocumentData::FormTemplate),
            Kind::ReadingPointGroup => read(&mut r, obj, DocumentData::ReadingPointGroup),
            Kind::ReportFormat => {
                let format: Option<ReportFormat> = read(&mut r, obj, |f| f);
                if let Some(format) = &format
                    && format.format_id != id
                {
                    r.report(
                        "format_id",
                        format!(
                            "expected the document id {id:?}, found {:?}",
                            format.format_id
                        ),
                    );
                }
                format.map(DocumentData::ReportFormat)
            }
            Kind::Taxonomy => {
                let taxonomy: Option<Taxonomy> = read(&mut r, obj, |t| t);
                if let Some(taxonomy) = &taxonomy {
                    let expected = taxonomy.document_id();
                    if expected != id {
                        r.report(
                            "id",
                            format!(
                                "expected {expected:?} for taxonomy {:?}, found {id:?}",
                                taxonomy.taxonomy
                            ),
                        );
                    }
                }
                taxonomy.map(DocumentData::Taxonomy)
            }
            Kind::Agency => read(&mut r, obj, DocumentData::Agency),
            Kind::Unknown => Some(DocumentData::Unknown),
        };
        let data = r.finish(data)?;
        Ok(Document {
            id,
            kind,
            kind_name,
            data,
            raw: SourceJson(value),
        })
    }

    /// True when a visitor may see this document (see [`Kind::is_shown`]).
    pub fn is_shown(&self) -> bool {
        self.kind.is_shown()
    }

    /// The catalogue entry, if this is one.
    pub fn as_catalogue_entry(&self) -> Option<&CatalogueEntry> {
        match &self.data {
            DocumentData::CatalogueEntry(entry) => Some(entry),
            _ => None,
        }
    }

    /// The annual report, if this is one.
    pub fn as_annual_report(&self) -> Option<&AnnualReport> {
        match &self.data {
            DocumentData::AnnualReport(report) => Some(report),
            _ => None,
        }
    }

    /// The report format, if this is one.
    pub fn as_report_format(&self) -> Option<&ReportFormat> {
        match &self.data {
            DocumentData::ReportFormat(format) => Some(format),
            _ => None,
        }
    }

    /// The guide section, if this is one.
    pub fn as_guide_section(&self) -> Option<&GuideSection> {
        match &self.data {
            DocumentData::GuideSection(section) => Some(section),
            _ => None,
        }
    }
}
