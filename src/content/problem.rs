//! Validation problems, and the field reader that turns one JSON object into typed values while
//! collecting every problem (not just the first) with a JSON-path-like field name.
//!
//! Pure: never performs I/O and never prints; problems are returned to the caller.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// One problem found while validating content.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    /// The `id` of the document, or `"(no id)"` when the document has none.
    pub doc_id: String,
    /// Where in the document, e.g. `tables[0].cells.new.total` or `publisher.name`; empty for the
    /// document as a whole.
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl Problem {
    /// Builds a problem.
    pub fn new(
        doc_id: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            doc_id: doc_id.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    /// `doc_id: field: message`, with control and invisible characters escaped (`\u{1b}`): a
    /// problem quotes the content it is about, and that content must not steer a terminal or
    /// forge a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            escape_hidden(&self.doc_id),
            escape_hidden(&self.field),
            escape_hidden(&self.message)
        )
    }
}

/// `text` with every control or invisible character (see `text::check_identifier`) written as
/// a Rust escape (`\n`, `\u{1b}`, `\u{202e}`); other text, Chinese included, unchanged.
pub fn escape_hidden(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(super::text::is_hidden_or_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if super::text::is_hidden_or_control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

impl std::error::Error for Problem {}

/// Joins a field path and a key: `join("publisher", "name")` is `publisher.name`.
pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Appends an array index: `index("tables", 0)` is `tables[0]`.
pub(crate) fn index(prefix: &str, i: usize) -> String {
    format!("{prefix}[{i}]")
}

/// Collects the problems of one document while its fields are read.
///
/// Every reading method records a problem and returns `None` (or an empty list) instead of
/// failing, so that one pass over a document reports all of its problems.
#[derive(Debug)]
pub(crate) struct Reader {
    doc_id: String,
    problems: Vec<Problem>,
}

impl Reader {
    pub(crate) fn new(doc_id: impl Into<String>) -> Reader {
        Reader {
            doc_id: doc_id.into(),
            problems: Vec::new(),
        }
    }

    /// Records a problem at `field`.
    pub(crate) fn report(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems
            .push(Problem::new(self.doc_id.clone(), field, message));
    }

    /// Whether no problem was recorded so far.
    pub(crate) fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems recorded so far.
    pub(crate) fn into_problems(self) -> Vec<Problem> {
        self.problems
    }

    /// `Ok(value)` when no problem was recorded, else all problems.
    pub(crate) fn finish<T>(self, value: Option<T>) -> Result<T, Vec<Problem>> {
        match value {
            Some(value) if self.problems.is_empty() => Ok(value),
            Some(_) => Err(self.problems),
            None if self.problems.is_empty() => {
                // Unreachable by construction: every `None` comes with a problem. Keep a problem
                // anyway rather than accepting half a document.
                let doc_id = self.doc_id;
                Err(vec![Problem::new(
                    doc_id,
                    "",
                    "the document could not be read",
                )])
            }
            None => Err(self.problems),
        }
    }

    /// Converts `value` (found at `field`) to `T`, recording serde's message on failure.
    pub(crate) fn convert<T: DeserializeOwned>(&mut self, field: &str, value: &Value) -> Option<T> {
        match T::deserialize(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.report(field, e.to_string());
                None
            }
        }
    }

    /// The value of `key`, which must be present and not `null`; else the problem is recorded
    /// at `field`.
    fn present<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        field: &str,
        key: &str,
    ) -> Option<&'v Value> {
        match obj.get(key) {
            None => {
                self.report(field, "required field is missing");
                None
            }
            Some(Value::Null) => {
                self.report(field, "required field is null");
                None
            }
            Some(value) => Some(value),
        }
    }

    /// A field that must be present and not `null`.
    pub(crate) fn required<T: DeserializeOwned>(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Option<T> {
        let field = join(prefix, key);
        let value = self.present(obj, &field, key)?;
        self.convert(&field, value)
    }

    /// A required string that must not be empty or only white space.
    pub(crate) fn text(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Option<String> {
        let value: String = self.required(obj, prefix, key)?;
        self.not_blank(value, prefix, key, "must not be empty")
    }

    /// `value`, unless it is empty or only white space (then `message` is recorded).
    fn not_blank(
        &mut self,
        value: String,
        prefix: &str,
        key: &str,
        message: &str,
    ) -> Option<String> {
        if value.trim().is_empty() {
            self.report(join(prefix, key), message);
            return None;
        }
        Some(value)
    }

    /// A field that may be absent or `null` (both give `None`). A present value of the wrong
    /// type is a problem and also gives `None`.
    pub(crate) fn optional<T: DeserializeOwned>(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Option<T> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(value) => self.convert(&join(prefix, key), value),
        }
    }

    /// An optional string that, when present, must not be empty or only white space.
    pub(crate) fn optional_text(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Option<String> {
        let value: String = self.optional(obj, prefix, key)?;
        self.not_blank(value, prefix, key, "must be null or a non-empty text")
    }

    /// A required string whose format `check` validates (an index number, a digest…). A value
    /// of the wrong format is reported and still returned, since its type is right.
    pub(crate) fn checked(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        key: &str,
        check: fn(&str) -> Result<(), String>,
    ) -> Option<String> {
        let value: String = self.required(obj, prefix, key)?;
        self.apply_check(prefix, key, &value, check);
        Some(value)
    }

    /// An optional string whose format `check` validates when present.
    pub(crate) fn optional_checked(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        key: &str,
        check: fn(&str) -> Result<(), String>,
    ) -> Option<String> {
        let value: String = self.optional(obj, prefix, key)?;
        self.apply_check(prefix, key, &value, check);
        Some(value)
    }

    fn apply_check(
        &mut self,
        prefix: &str,
        key: &str,
        value: &str,
        check: fn(&str) -> Result<(), String>,
    ) {
        if let Err(message) = check(value) {
            self.report(join(prefix, key), message);
        }
    }

    /// A boolean flag; absent or `null` is `false`.
    pub(crate) fn flag(&mut self, obj: &Map<String, Value>, prefix: &str, key: &str) -> bool {
        self.optional(obj, prefix, key).unwrap_or(false)
    }

    /// A list whose elements are converted one by one, so that a bad element is reported at its
    /// own index (`keywords[3]`). Absent or `null` is an empty list. Returns `None` when the
    /// value is not an array or any element is bad.
    pub(crate) fn list<T: DeserializeOwned>(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Option<Vec<T>> {
        self.list_with(obj, prefix, key, |reader, value, path| {
            reader.convert(path, value)
        })
    }

    /// A list of objects, each read with [`FromJson`] at its own path (`steps[3].title`).
    pub(crate) fn objects<T: FromJson>(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Option<Vec<T>> {
        self.list_with(obj, prefix, key, |reader, value, path| {
            let map = reader.object(path, value)?;
            T::from_json(reader, map, path)
        })
    }

    /// A list whose elements are read by `read(reader, element, path_of_element)`. Absent or
    /// `null` is an empty list; returns `None` when the value is not an array or any element
    /// gives `None` (every element is read either way, so every problem is reported).
    pub(crate) fn list_with<T>(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        key: &str,
        mut read: impl FnMut(&mut Reader, &Value, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let field = join(prefix, key);
        let items = match obj.get(key) {
            None | Some(Value::Null) => return Some(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.report(field, format!("expected a list, found {}", describe(other)));
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match read(self, item, &index(&field, i)) {
                Some(v) => out.push(v),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A nested object that must be present, read with [`FromJson`] (`publisher.name`).
    pub(crate) fn nested<T: FromJson>(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Option<T> {
        let field = join(prefix, key);
        let value = self.present(obj, &field, key)?;
        let map = self.object(&field, value)?;
        T::from_json(self, map, &field)
    }

    /// A nested object that may be absent or `null` (both give `None`); a bad one is reported
    /// and also gives `None`.
    pub(crate) fn optional_nested<T: FromJson>(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Option<T> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(_) => self.nested(obj, prefix, key),
        }
    }

    /// The object at `field`, or a problem naming what was found instead.
    pub(crate) fn object<'v>(
        &mut self,
        field: &str,
        value: &'v Value,
    ) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.report(
                    field,
                    format!("expected an object, found {}", describe(other)),
                );
                None
            }
        }
    }
}

/// A type read field by field from a JSON object, reporting each problem at its own path.
///
/// Implementations read every field (so that all problems are reported), validate the values,
/// and return `None` when any required part is unusable; a `None` always comes with a problem.
pub(crate) trait FromJson: Sized {
    /// Reads `obj`, found at `path` (`""` for a whole document).
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Self>;
}

/// A short description of a JSON value for messages: `a string "x"`, `a number 1.5`, `a list`.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            if short.len() < s.len() {
                format!("the string {short:?}…")
            } else {
                format!("the string {s:?}")
            }
        }
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::content::Date;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn problem_display() {
        let p = Problem::new("ce-1", "publisher.name", "required field is missing");
        assert_eq!(
            p.to_string(),
            "ce-1: publisher.name: required field is missing"
        );
    }

    #[test]
    fn reader_collects_every_problem() {
        let obj = map(json!({"title": "", "date": "2012-13-01", "n": "x", "list": [1, "a", 2]}));
        let mut r = Reader::new("d");
        assert_eq!(r.text(&obj, "", "title"), None);
        assert_eq!(r.required::<Date>(&obj, "", "date"), None);
        assert_eq!(r.required::<String>(&obj, "", "missing"), None);
        assert_eq!(r.optional::<u32>(&obj, "x", "n"), None);
        assert_eq!(r.list::<u32>(&obj, "", "list"), None);
        assert_eq!(r.list::<u32>(&obj, "", "absent"), Some(vec![]));
        let problems = r.into_problems();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["title", "date", "missing", "x.n", "list[1]"]);
        assert_eq!(
            problems[1].message,
            "expected a date YYYY-MM-DD, found \"2012-13-01\" (there is no month 13)"
        );
    }

    #[test]
    fn describe_values() {
        assert_eq!(describe(&json!(1.5)), "the number 1.5");
        assert_eq!(describe(&json!("a")), "the string \"a\"");
        assert_eq!(describe(&json!([])), "a list");
    }
}
