//! A whole content file or feed shard (`{"format": "readpoint-shard/1", "documents": […]}`) after
//! JSON parsing, before its documents are validated.
//!
//! Takes text that someone else has read (from a file, a decompressed shard…). Pure: never
//! performs I/O itself.

use serde_json::Value;

use super::document::Document;
use super::problem::{Problem, describe};

/// The `format` of a content file and of every feed shard.
pub const SHARD_FORMAT: &str = "readpoint-shard/1";

/// Why a content file could not be parsed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    /// The text is not JSON.
    #[error("JSON syntax error at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error, in characters (not bytes) of its line.
        column: usize,
        /// What the parser found wrong.
        message: String,
    },
    /// The `format` field is missing or names another format.
    #[error("unsupported content format: expected \"format\": \"{expected}\", found {found}")]
    Format {
        /// The supported format, [`SHARD_FORMAT`].
        expected: &'static str,
        /// What was there instead (`missing`, `the string "…"`, …).
        found: String,
    },
    /// The JSON has the wrong shape (not an object, no `documents` list…).
    #[error("invalid content file: {0}")]
    Shape(String),
}

/// A whole content file / feed shard after JSON parsing.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentFile {
    /// Always [`SHARD_FORMAT`] once parsed.
    pub format: String,
    /// Dataset metadata (sources, data-quality notes, schema), when present.
    pub dataset: Option<Value>,
    /// The documents, not yet validated.
    pub documents: Vec<Value>,
}

impl ContentFile {
    /// Parses JSON text. A syntax error reports line and column; a wrong or missing `format` is
    /// an error naming the expected value.
    pub fn parse(text: &str) -> Result<ContentFile, ContentError> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            let full = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            ContentError::Syntax {
                line: e.line(),
                column: char_column(text, e.line(), e.column()),
                message: full.strip_suffix(&suffix).unwrap_or(&full).to_string(),
            }
        })?;
        let Value::Object(mut obj) = value else {
            return Err(ContentError::Shape(format!(
                "expected a JSON object with \"format\" and \"documents\", found {}",
                describe(&value)
            )));
        };
        match obj.get("format") {
            Some(Value::String(format)) if format == SHARD_FORMAT => {}
            other => {
                return Err(ContentError::Format {
                    expected: SHARD_FORMAT,
                    found: other.map_or_else(|| "no \"format\" field".to_string(), describe),
                });
            }
        }
        let documents = match obj.remove("documents") {
            Some(Value::Array(documents)) => documents,
            Some(other) => {
                return Err(ContentError::Shape(format!(
                    "expected \"documents\" to be a list, found {}",
                    describe(&other)
                )));
            }
            None => {
                return Err(ContentError::Shape(
                    "the \"documents\" list is missing".into(),
                ));
            }
        };
        let dataset = obj.remove("dataset").filter(|d| !d.is_null());
        Ok(ContentFile {
            format: SHARD_FORMAT.to_string(),
            dataset,
            documents,
        })
    }

    /// Runs [`Document::from_value`] on every document: the valid documents, in file order, and
    /// the problems of the invalid ones. (Cross-document checks are [`super::validate_set`]'s.)
    pub fn into_documents(self) -> (Vec<Document>, Vec<Problem>) {
        let mut documents = Vec::with_capacity(self.documents.len());
        let mut problems = Vec::new();
        for value in self.documents {
            match Document::from_value(value) {
                Ok(document) => documents.push(document),
                Err(mut found) => problems.append(&mut found),
            }
        }
        (documents, problems)
    }
}

/// Converts the parser's column, a count of bytes into `line` (1-based), into a count of
/// characters, so that an error after Chinese text points at the right place in an editor. The
/// result is the 1-based position of the character holding byte `column` of the line (0 stays 0,
/// the parser's way of pointing just before the first character).
fn char_column(text: &str, line: usize, column: usize) -> usize {
    let Some(line_text) = text.split('\n').nth(line.saturating_sub(1)) else {
        return column;
    };
    let within = line_text
        .char_indices()
        .take_while(|&(at, _)| at < column)
        .count();
    // Past the end of the line (the parser may point one beyond it): count those as characters.
    within + column.saturating_sub(line_text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_has_line_and_column() {
        let err =
            ContentFile::parse("{\n  \"format\": \"readpoint-shard/1\",\n  \"documents\": [,]\n}")
                .unwrap_err();
        let ContentError::Syntax {
            line,
            column,
            message,
        } = &err
        else {
            panic!("expected a syntax error, got {err:?}");
        };
        assert_eq!((*line, *column), (3, 17));
        assert!(!message.contains("at line"), "{message}");
        assert!(
            err.to_string()
                .starts_with("JSON syntax error at line 3, column 17: "),
            "{err}"
        );
    }

    #[test]
    fn syntax_error_column_counts_characters() {
        let text = "{\n  \"format\": \"中文格式\", x\n}";
        let err = ContentFile::parse(text).unwrap_err();
        let ContentError::Syntax { line, column, .. } = err else {
            panic!("expected a syntax error, got {err:?}");
        };
        // `  "format": "中文格式", x`: the x is the 21st character (but the 29th byte).
        assert_eq!((line, column), (2, 21));
        assert_eq!(char_column("ab", 1, 0), 0);
        assert_eq!(char_column("中文", 1, 4), 2);
        assert_eq!(char_column("中文", 1, 7), 3);
        assert_eq!(char_column("a\n中", 2, 3), 1);
        assert_eq!(char_column("a", 5, 3), 3);
    }

    #[test]
    fn wrong_or_missing_format_names_the_expected_one() {
        let err =
            ContentFile::parse(r#"{"format": "readpoint-shard/2", "documents": []}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unsupported content format: expected \"format\": \"readpoint-shard/1\", found the string \"readpoint-shard/2\""
        );
        let err = ContentFile::parse(r#"{"documents": []}"#).unwrap_err();
        assert!(
            err.to_string().contains("found no \"format\" field"),
            "{err}"
        );
        let err = ContentFile::parse(r#"{"format": 1, "documents": []}"#).unwrap_err();
        assert!(err.to_string().contains("readpoint-shard/1"), "{err}");
    }

    #[test]
    fn shape_errors() {
        assert!(matches!(
            ContentFile::parse("[]"),
            Err(ContentError::Shape(_))
        ));
        assert!(matches!(
            ContentFile::parse(r#"{"format": "readpoint-shard/1"}"#),
            Err(ContentError::Shape(_))
        ));
        assert!(matches!(
            ContentFile::parse(r#"{"format": "readpoint-shard/1", "documents": {}}"#),
            Err(ContentError::Shape(_))
        ));
    }

    #[test]
    fn minimal_shard_without_dataset() {
        let file = ContentFile::parse(
            r#"{"format": "readpoint-shard/1", "documents": [{"id": "x", "kind": "future"}]}"#,
        )
        .unwrap();
        assert_eq!(file.format, SHARD_FORMAT);
        assert_eq!(file.dataset, None);
        let (documents, problems) = file.into_documents();
        assert_eq!(documents.len(), 1);
        assert!(problems.is_empty());
    }
}
