//! `guide_section`: one section of a 政府信息公开指南 (disclosure guide), typed and validated.
//!
//! Pure: never performs I/O.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{AgencyRef, Contact, Provenance};
use super::date::Date;
use super::problem::{FromJson, Reader};

/// Whether a guide edition is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuideStatus {
    /// Written under the current regulation (2019, 国务院令第711号).
    Current,
    /// Written under the 2007 regulation (国务院令第492号); kept for the record, shown with its
    /// `current_law_notes`.
    Historical,
}

/// One section of a disclosure guide.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuideSection {
    /// The guide this section belongs to (`guide-ls-zwzx-2013`); other documents may refer to the
    /// whole guide by this id.
    pub guide_id: String,
    /// The agency whose guide this is.
    pub agency: AgencyRef,
    /// The edition as written, e.g. 2013年1月修订.
    pub edition: String,
    /// The date of the edition.
    pub edition_date: Date,
    /// Current or historical.
    pub status: GuideStatus,
    /// Position of the section within the guide.
    pub order: u32,
    /// Section number as written (一, 二…); may be empty (e.g. for 说明).
    pub section_no: String,
    /// Section title.
    pub title: String,
    /// The text, one string per paragraph.
    pub paragraphs: Vec<String>,
    /// Named lists shown beside the text (e.g. `catalogue_fields`).
    pub lists: BTreeMap<String, Vec<String>>,
    /// The contact block of the office that receives requests.
    pub contact: Option<Contact>,
    /// Which elements required by 条例(2019)第十二条 this section covers.
    pub covers_art12_elements: Vec<String>,
    /// Articles this section rests on, e.g. 条例(2007)第十九条.
    pub legal_refs: Vec<String>,
    /// What the current law says differently, for historical sections.
    pub current_law_notes: Option<String>,
    /// Where the facts come from.
    pub provenance: Option<Provenance>,
}

impl FromJson for GuideSection {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<GuideSection> {
        let guide_id = r.text(obj, path, "guide_id");
        let agency = r.nested(obj, path, "agency");
        let edition = r.text(obj, path, "edition");
        let edition_date = r.required(obj, path, "edition_date");
        let status = r.required(obj, path, "status");
        let order = r.required(obj, path, "order");
        let section_no = r.required(obj, path, "section_no");
        let title = r.text(obj, path, "title");
        let paragraphs = r.list_with(obj, path, "paragraphs", |r, value, at| {
            let text: String = r.convert(at, value)?;
            if text.trim().is_empty() {
                r.report(at, "must not be empty");
            }
            Some(text)
        });
        let lists = r.optional(obj, path, "lists").unwrap_or_default();
        let contact = r.optional_nested(obj, path, "contact");
        let covers_art12_elements = r.list(obj, path, "covers_art12_elements");
        let legal_refs = r.list(obj, path, "legal_refs");
        let current_law_notes = r.optional_text(obj, path, "current_law_notes");
        let provenance = r.optional_nested(obj, path, "provenance");
        Some(GuideSection {
            guide_id: guide_id?,
            agency: agency?,
            edition: edition?,
            edition_date: edition_date?,
            status: status?,
            order: order?,
            section_no: section_no?,
            title: title?,
            paragraphs: paragraphs?,
            lists,
            contact,
            covers_art12_elements: covers_art12_elements?,
            legal_refs: legal_refs?,
            current_law_notes,
            provenance,
        })
    }
}

impl GuideSection {
    /// The heading as shown: `一、主动公开`, or just the title when there is no number.
    pub fn heading(&self) -> String {
        if self.section_no.is_empty() {
            self.title.clone()
        } else {
            format!("{}、{}", self.section_no, self.title)
        }
    }
}
