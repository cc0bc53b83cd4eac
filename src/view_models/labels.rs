//! Names of classification codes (category JGZN → 机构职能, topics, disclosure modes) from the
//! taxonomy documents in the cache, and the chip data the catalogue and search screens share.
//! Pure lookups over store rows; runs on the worker.

use std::collections::HashMap;

use crate::content::{DocumentData, Term};
use crate::store::{Store, StoreError};

/// Taxonomies whose labels name facet values (codes → names shown).
const TAXONOMIES: [&str; 4] = [
    "tax-kiosk_category",
    "tax-topic_sichuan_level3_4",
    "tax-topic_gov_cn_level1",
    "tax-disclosure_mode",
];

/// Names of classification codes, from the taxonomies in the cache.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    category: HashMap<String, String>,
    topic: HashMap<String, String>,
    disclosure_mode: HashMap<String, String>,
}

impl Labels {
    /// Reads the bundled taxonomies (missing ones leave codes as they are).
    pub fn load(store: &Store) -> Result<Labels, StoreError> {
        let mut labels = Labels::default();
        for id in TAXONOMIES {
            let Some(row) = store.document(id)? else {
                continue;
            };
            let DocumentData::Taxonomy(taxonomy) = row.document.data else {
                continue;
            };
            let target = match taxonomy.taxonomy.as_str() {
                "kiosk_category" => &mut labels.category,
                "disclosure_mode" => &mut labels.disclosure_mode,
                _ => &mut labels.topic,
            };
            collect(&taxonomy.terms, target);
        }
        Ok(labels)
    }

    /// The name of a category code (JGZN → 机构职能).
    pub fn category(&self, code: &str) -> String {
        self.category
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }

    /// A topic path with each level named (概况信息/机构职能).
    pub fn topic(&self, path: &str) -> String {
        path.split('/')
            .map(|level| self.topic.get(level).map_or(level, String::as_str))
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The name of a disclosure mode (主动公开).
    pub fn disclosure_mode(&self, code: &str) -> String {
        self.disclosure_mode
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }
}

fn collect(terms: &[Term], into: &mut HashMap<String, String>) {
    for term in terms {
        into.entry(term.code.clone())
            .or_insert_with(|| term.label.clone());
        collect(&term.children, into);
    }
}

/// One chip as plain data: the facet value (a code) and its name in the visitor's script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipData {
    pub value: String,
    pub label: String,
    pub count: u64,
}
