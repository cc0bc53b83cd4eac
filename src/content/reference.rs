//! Reference kinds that other documents point to and that are never shown on their own:
//! `agency` (publishers and reporting organs) and `taxonomy` (classification code lists).
//! (`report_format` lives in `template`.) Pure: never performs I/O.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};

use super::common::Contact;
use super::problem::{FromJson, Reader, index, join};
use super::text::check_org_code;

/// An internal unit of an agency (e.g. the office that handles disclosure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InternalUnit {
    /// Name of the unit.
    pub name: String,
    /// What it does.
    pub role: Option<String>,
    /// Id of the dataset source that names it.
    pub source: Option<String>,
}

/// A government agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agency {
    /// Full official name.
    pub name: String,
    /// Short names used in texts (市政务中心…), for search.
    pub short_names: Vec<String>,
    /// Administrative level (中央, 市级…).
    pub level: String,
    /// The parent organ, by name.
    pub parent: Option<String>,
    /// Organisation code (9 characters) or unified social credit code (18).
    pub org_code: Option<String>,
    /// True when `org_code` is a placeholder.
    pub org_code_is_placeholder: bool,
    /// A remark on the code.
    pub org_code_note: Option<String>,
    /// Internal units.
    pub internal_units: Vec<InternalUnit>,
    /// Contact block.
    pub contact: Option<Contact>,
    /// A free remark.
    pub note: Option<String>,
}

impl FromJson for InternalUnit {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<InternalUnit> {
        let name = r.text(obj, path, "name");
        let role = r.optional_text(obj, path, "role");
        let source = r.optional_text(obj, path, "source");
        Some(InternalUnit {
            name: name?,
            role,
            source,
        })
    }
}

impl FromJson for Agency {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Agency> {
        let name = r.text(obj, path, "name");
        let short_names = r.list(obj, path, "short_names");
        let level = r.text(obj, path, "level");
        let parent = r.optional_text(obj, path, "parent");
        let org_code = r.optional_checked(obj, path, "org_code", check_org_code);
        let org_code_is_placeholder = r.flag(obj, path, "org_code_is_placeholder");
        let org_code_note = r.optional_text(obj, path, "org_code_note");
        let internal_units = r.objects(obj, path, "internal_units");
        let contact = r.optional_nested(obj, path, "contact");
        let note = r.optional_text(obj, path, "note");
        Some(Agency {
            name: name?,
            short_names: short_names?,
            level: level?,
            parent,
            org_code,
            org_code_is_placeholder,
            org_code_note,
            internal_units: internal_units?,
            contact,
            note,
        })
    }
}

/// One term of a taxonomy, possibly with sub-terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    /// The code stored in documents (JGZN, 概况信息…).
    pub code: String,
    /// The label shown.
    pub label: String,
    /// Sub-terms (the next classification level).
    pub children: Vec<Term>,
}

/// A classification code list (document id `tax-<taxonomy>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Taxonomy {
    /// Name of the list, e.g. `kiosk_category`.
    pub taxonomy: String,
    /// Top-level terms in order.
    pub terms: Vec<Term>,
    /// A remark on where the list comes from.
    pub note: Option<String>,
}

impl FromJson for Term {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Term> {
        let code = r.text(obj, path, "code");
        let label = r.text(obj, path, "label");
        let children: Option<Vec<Term>> = r.objects(obj, path, "children");
        if let Some(children) = &children {
            check_unique_codes(r, &join(path, "children"), children);
        }
        Some(Term {
            code: code?,
            label: label?,
            children: children?,
        })
    }
}

impl FromJson for Taxonomy {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Taxonomy> {
        let taxonomy = r.text(obj, path, "taxonomy");
        let terms: Option<Vec<Term>> = r.objects(obj, path, "terms");
        if let Some(terms) = &terms {
            check_unique_codes(r, &join(path, "terms"), terms);
        }
        let note = r.optional_text(obj, path, "note");
        Some(Taxonomy {
            taxonomy: taxonomy?,
            terms: terms?,
            note,
        })
    }
}

impl Taxonomy {
    /// The document id a taxonomy must have: `tax-<taxonomy>`.
    pub fn document_id(&self) -> String {
        format!("tax-{}", self.taxonomy)
    }

    /// The term with this code at any level.
    pub fn find(&self, code: &str) -> Option<&Term> {
        fn find_in<'a>(terms: &'a [Term], code: &str) -> Option<&'a Term> {
            terms.iter().find_map(|t| {
                if t.code == code {
                    Some(t)
                } else {
                    find_in(&t.children, code)
                }
            })
        }
        find_in(&self.terms, code)
    }
}

/// Reports sibling terms that share a code.
fn check_unique_codes(r: &mut Reader, path: &str, terms: &[Term]) {
    let mut codes = HashSet::new();
    for (i, term) in terms.iter().enumerate() {
        if !codes.insert(term.code.as_str()) {
            r.report(
                join(&index(path, i), "code"),
                format!("duplicate code {:?} among its siblings", term.code),
            );
        }
    }
}
