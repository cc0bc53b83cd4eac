//! The text-only projection of a document that the search index and the catalogue browser use.
//!
//! Plain text only, Simplified only (Traditional originals stay out of the index). Pure: never
//! performs I/O; the index itself lives in the store.

use serde::Serialize;

use super::date::Date;
use super::document::{Document, DocumentData};

/// Text-only fields for search and lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndexFields {
    /// Title.
    pub title: String,
    /// Catalogue summary, report preamble, first paragraph…; may be empty.
    pub summary: String,
    /// All other readable text joined with `\n`.
    pub body: String,
    /// Keywords.
    pub keywords: Vec<String>,
    /// 索引号 and 文号, when present.
    pub codes: Vec<String>,
    /// The date a visitor thinks of as "when": published, else generated, else edition date.
    pub date: Option<Date>,
    /// Catalogue: year of generated_date; annual report: its year; guide: edition year.
    pub year: Option<i32>,
    /// Catalogue category code (JGZN…), `NDBG` for annual reports, `None` otherwise.
    pub category: Option<String>,
    /// Catalogue topic path, e.g. 概况信息/机构职能; `None` otherwise.
    pub topic: Option<String>,
    /// Publisher or agency display name.
    pub publisher: Option<String>,
    /// 主动公开 / 依申请公开 / 不予公开, for catalogue entries; `None` for kinds without one.
    pub disclosure_mode: Option<String>,
}

/// The category code of annual reports in the kiosk's navigation.
pub const ANNUAL_REPORT_CATEGORY: &str = "NDBG";

/// Collects lines of body text, skipping empty ones.
#[derive(Default)]
struct Lines(Vec<String>);

impl Lines {
    fn push(&mut self, line: impl Into<String>) {
        let line = line.into();
        if !line.trim().is_empty() {
            self.0.push(line);
        }
    }

    fn extend<S: Into<String>>(&mut self, lines: impl IntoIterator<Item = S>) {
        for line in lines {
            self.push(line);
        }
    }

    fn join(self) -> String {
        self.0.join("\n")
    }
}

impl Document {
    /// The fields the search index and the catalogue browser need, derived from the typed data.
    pub fn index_fields(&self) -> IndexFields {
        let mut body = Lines::default();
        let fields = match &self.data {
            DocumentData::CatalogueEntry(e) => {
                body.extend(e.body.iter().cloned());
                body.extend(e.disclosure_mode_reason.iter().cloned());
                body.extend(e.notes.iter().cloned());
                IndexFields {
                    title: e.title.clone(),
                    summary: e.summary.clone(),
                    keywords: e.keywords.clone(),
                    codes: std::iter::once(e.index_no.clone())
                        .chain(e.doc_number.iter().cloned())
                        .collect(),
                    date: Some(e.published_date),
                    year: Some(e.generated_date.year()),
                    category: Some(e.category.clone()),
                    topic: e.topic_path(),
                    publisher: Some(e.publisher.name.clone()),
                    disclosure_mode: Some(e.disclosure_mode.as_str().to_string()),
                    ..IndexFields::default()
                }
            }
            DocumentData::AnnualReport(a) => {
                for section in &a.sections {
                    body.push(section.heading());
                    body.extend(section.paragraphs.iter().map(|p| p.text.clone()));
                    for sub in &section.subsections {
                        body.push(format!("（{}）{}", sub.no, sub.title));
                        body.push(sub.text.clone());
                    }
                }
                IndexFields {
                    title: a.title.clone(),
                    summary: a
                        .preamble
                        .as_ref()
                        .map(|p| p.text.clone())
                        .unwrap_or_default(),
                    codes: a.index_no.iter().cloned().collect(),
                    date: Some(a.published_date),
                    year: Some(a.year),
                    category: Some(ANNUAL_REPORT_CATEGORY.to_string()),
                    publisher: Some(a.agency.name.clone()),
                    ..IndexFields::default()
                }
            }
            DocumentData::GuideSection(g) => {
                let mut paragraphs = g.paragraphs.iter();
                let summary = paragraphs.next().cloned().unwrap_or_default();
                body.extend(paragraphs.cloned());
                for items in g.lists.values() {
                    body.extend(items.iter().cloned());
                }
                if let Some(contact) = &g.contact {
                    body.extend(
                        contact
                            .lines()
                            .into_iter()
                            .map(|(label, value)| format!("{label}：{value}")),
                    );
                }
                body.extend(g.current_law_notes.iter().cloned());
                IndexFields {
                    title: g.title.clone(),
                    summary,
                    keywords: g.covers_art12_elements.clone(),
                    date: Some(g.edition_date),
                    year: Some(g.edition_date.year()),
                    publisher: Some(g.agency.name.clone()),
                    ..IndexFields::default()
                }
            }
            DocumentData::Procedure(p) => {
                for step in &p.steps {
                    body.push(format!("{}. {}", step.order, step.title));
                    body.push(step.text.clone());
                }
                body.extend(p.time_limits.iter().map(|t| t.event.clone()));
                body.extend(p.assistance.iter().cloned());
                body.extend(p.changes_from_2007.iter().cloned());
                IndexFields {
                    title: p.title.clone(),
                    ..IndexFields::default()
                }
            }
            DocumentData::FormTemplate(f) => {
                for group in &f.groups {
                    body.push(group.label.clone());
                    for field in &group.fields {
                        body.push(field.label.clone());
                        body.extend(field.note.iter().cloned());
                    }
                }
                body.extend(f.delivery_on_kiosk.iter().cloned());
                body.extend(f.privacy.iter().cloned());
                IndexFields {
                    title: f.title.clone(),
                    ..IndexFields::default()
                }
            }
            DocumentData::ReadingPointGroup(g) => {
                body.extend(g.members.iter().cloned());
                body.extend(g.features.iter().cloned());
                body.extend(g.count_candidates.iter().map(|c| c.quote.clone()));
                IndexFields {
                    title: g.name.clone(),
                    summary: g.level.clone(),
                    ..IndexFields::default()
                }
            }
            DocumentData::ReportFormat(f) => IndexFields {
                title: f.name.clone(),
                codes: f.doc_number.iter().cloned().collect(),
                date: f.issued_date,
                year: f.issued_date.map(|d| d.year()),
                publisher: f.issued_by.clone(),
                ..IndexFields::default()
            },
            DocumentData::Taxonomy(t) => IndexFields {
                title: t.taxonomy.clone(),
                ..IndexFields::default()
            },
            DocumentData::Agency(a) => IndexFields {
                title: a.name.clone(),
                keywords: a.short_names.clone(),
                publisher: Some(a.name.clone()),
                ..IndexFields::default()
            },
            DocumentData::Unknown => IndexFields::default(),
        };
        IndexFields {
            body: body.join(),
            ..fields
        }
    }
}
