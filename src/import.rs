//! Loading content files (the feed's shard format, `readpoint-shard/1`) into the cache:
//! parse, validate every document and the set as a whole, then write all of it in one
//! transaction — or nothing at all. Used for the bundled sample content on first start and for
//! `readpoint import`; the sync applies feed shards through the same validation.

use std::fmt;
use std::path::Path;

use std::collections::BTreeMap;

use crate::content::{ContentFile, Document, Intake, Kind, Problem, validate_set};
use crate::store::{ApplySummary, ContentVersion, Store, StoreError};

/// The sample content shipped inside the binary, so a fresh kiosk shows real content with no
/// portal: the Leshan City Government Service Centre's reading point (2012 report, guide,
/// catalogue, procedure, form). See `content/README.md`.
pub const BUNDLED_CONTENT: &str = include_str!("../content/sample-content.json");

/// Shard name under which the bundled content is stored.
pub const BUNDLED_SHARD: &str = "bundled";

/// Why a content file was not imported. Nothing was written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a content file (JSON syntax, wrong format).
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong, with line and column for JSON errors.
        message: String,
    },
    /// Documents failed validation; every problem is listed.
    #[error("{}", ProblemList { path, problems })]
    Invalid {
        /// The file.
        path: String,
        /// Every problem found.
        problems: Vec<Problem>,
    },
    /// Writing to the cache failed (the transaction was rolled back).
    #[error(transparent)]
    Store(#[from] StoreError),
}

struct ProblemList<'a> {
    path: &'a str,
    problems: &'a [Problem],
}

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} problem(s); nothing was imported — fix them and import the file again:",
            self.path,
            self.problems.len()
        )?;
        for problem in self.problems {
            writeln!(f, "  {problem}")?;
        }
        Ok(())
    }
}

/// Parses and validates a content file's text. `origin` names it in messages. Cross-document
/// references may point to documents already in `store` (a report's format, related ids).
pub fn parse_and_validate(
    text: &str,
    origin: &str,
    store: Option<&Store>,
) -> Result<Vec<Document>, ImportError> {
    let file = ContentFile::parse(text).map_err(|e| ImportError::Format {
        path: origin.to_owned(),
        message: e.to_string(),
    })?;
    validate_file(file, origin, store)
}

/// Validates every document of a parsed file, then the set as a whole.
fn validate_file(
    file: ContentFile,
    origin: &str,
    store: Option<&Store>,
) -> Result<Vec<Document>, ImportError> {
    let documents = validate_documents(file, origin)?;
    rejected_if_any(origin, validate_against(&documents, store)?)?;
    Ok(documents)
}

/// `Err(Invalid)` listing `problems`, or `Ok` when there are none.
fn rejected_if_any(origin: &str, problems: Vec<Problem>) -> Result<(), ImportError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ImportError::Invalid {
            path: origin.to_owned(),
            problems,
        })
    }
}

/// Validates each document on its own, reporting every problem of every document.
fn validate_documents(file: ContentFile, origin: &str) -> Result<Vec<Document>, ImportError> {
    let intake = Intake::of(file.documents);
    rejected_if_any(origin, intake.problems)?;
    Ok(intake.documents)
}

/// Validates the set together with the documents it refers to that are already cached.
fn validate_against(
    documents: &[Document],
    store: Option<&Store>,
) -> Result<Vec<Problem>, ImportError> {
    let Some(store) = store else {
        return Ok(validate_set(documents));
    };
    let own: std::collections::HashSet<&str> = documents.iter().map(|d| d.id.as_str()).collect();
    let mut context: Vec<Document> = Vec::new();
    let mut guide_sections = None;
    for id in referenced_ids(documents) {
        if own.contains(id.as_str()) {
            continue;
        }
        if let Some(row) = store.document(&id)? {
            context.push(row.document);
            continue;
        }
        // `related_ids` may name a whole guide by its `guide_id`: its sections are the context.
        let sections = match &mut guide_sections {
            Some(rows) => rows,
            None => guide_sections.insert(store.guide_sections()?),
        };
        for row in sections
            .iter()
            .filter(|row| row.document.raw.text("guide_id") == Some(id.as_str()))
        {
            context.push(row.document.clone());
        }
    }
    let context_ids: std::collections::HashSet<String> =
        context.iter().map(|d| d.id.clone()).collect();
    let mut all: Vec<Document> = documents.to_vec();
    all.extend(context);
    // Problems of the cached context documents are not this file's problems.
    Ok(validate_set(&all)
        .into_iter()
        .filter(|p| !context_ids.contains(&p.doc_id))
        .collect())
}

/// Ids a set of documents refers to: report formats and related documents.
fn referenced_ids(documents: &[Document]) -> Vec<String> {
    let mut ids = Vec::new();
    for doc in documents {
        for key in ["format_id", "catalogue_entry_id"] {
            if let Some(id) = doc.raw.text(key) {
                ids.push(id.to_owned());
            }
        }
        ids.extend(doc.raw.texts("related_ids").into_iter().map(str::to_owned));
    }
    ids.sort();
    ids.dedup();
    ids
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Documents that did not exist before.
    pub added: usize,
    /// Documents that replaced one with the same id.
    pub replaced: usize,
    /// Documents of kinds this build does not know, by kind: kept, but not shown. A misspelt
    /// kind lands here, so staff are told.
    pub unknown_kinds: BTreeMap<String, usize>,
}

impl ImportReport {
    /// For an unknown kind, the known kind it was probably meant to be (edit distance ≤ 2).
    pub fn suggestion(kind: &str) -> Option<&'static str> {
        let kind = kind.to_ascii_lowercase();
        Kind::KNOWN
            .iter()
            .map(|k| k.as_str())
            .find(|known| edit_distance(&kind, known) <= 2)
    }
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Imports a content file into the cache: validated, all or nothing.
pub fn import_file(store: &mut Store, path: &Path) -> Result<ImportReport, ImportError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: origin.clone(),
        source,
    })?;
    let file = ContentFile::parse(&text).map_err(|e| ImportError::Format {
        path: origin.clone(),
        message: e.to_string(),
    })?;
    let documents = validate_documents(file, &origin)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The set is checked against the cache inside the write transaction, so the documents it
    // refers to cannot change in between. An import adds documents; it does not change the
    // cache's content version (that belongs to the bundled content and the feed).
    let summary = store.upsert_checked(&documents, &format!("import:{name}"), None, |store| {
        rejected_if_any(&origin, validate_against(&documents, Some(store))?)
    })?;
    let mut unknown_kinds = BTreeMap::new();
    for doc in documents.iter().filter(|d| d.kind == Kind::Unknown) {
        *unknown_kinds.entry(doc.kind_name.clone()).or_default() += 1;
    }
    Ok(ImportReport {
        added: summary.added,
        replaced: summary.replaced,
        unknown_kinds,
    })
}

/// Loads the bundled sample content into the cache.
pub fn load_bundled(store: &mut Store) -> Result<ApplySummary, ImportError> {
    let origin = "bundled content";
    let file = ContentFile::parse(BUNDLED_CONTENT).map_err(|e| ImportError::Format {
        path: origin.to_owned(),
        message: e.to_string(),
    })?;
    let generated = file.dataset.as_ref().and_then(|d| {
        d.get("generated_on")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    });
    let documents = validate_file(file, origin, None)?;
    let version = ContentVersion {
        version: format!("bundled-{}", generated.as_deref().unwrap_or("unknown")),
        published_at: generated.map(|date| format!("{date}T00:00:00Z")),
        source: BUNDLED_SHARD.to_owned(),
    };
    Ok(store.upsert(&documents, BUNDLED_SHARD, Some(&version))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_kinds_get_a_suggestion() {
        assert_eq!(
            ImportReport::suggestion("catalog_entry"),
            Some("catalogue_entry")
        );
        assert_eq!(
            ImportReport::suggestion("Catalogue_Entry"),
            Some("catalogue_entry")
        );
        assert_eq!(ImportReport::suggestion("video_clip"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
