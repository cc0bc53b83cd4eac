//! Configuration errors: [`ConfigError`] (one problem, with file:line:column, dotted key, what is
//! wrong and how to fix it) and [`ConfigErrors`] (all problems found in one file), plus the
//! translation of the toml crate's syntax and type errors into that form.
//!
//! Owns: positions (byte offset → 1-based line and character column), wording of syntax, type
//! and unknown-key errors, key suggestions. Must never: read files or decide what a valid value is.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

/// One problem in a configuration file.
///
/// Displays as `FILE:LINE:COLUMN: KEY: MESSAGE — fix: FIX`; `:LINE:COLUMN` is left out when
/// `line` is 0 (the problem is with the file as a whole) and `KEY: ` when `key` is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file the problem is in, as given to [`super::parse`] or [`super::load`].
    pub file: PathBuf,
    /// 1-based line, 0 when the problem has no position.
    pub line: usize,
    /// 1-based column in characters (not bytes), 0 when the problem has no position.
    pub column: usize,
    /// Dotted key, e.g. `sync.interval`; empty when not known.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it, in plain words.
    pub fix: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {} — fix: {}", self.message, self.fix)
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found in one configuration file (never empty), in file order.
///
/// Displays one [`ConfigError`] per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors {
    errors: Vec<ConfigError>,
}

impl ConfigErrors {
    /// Wraps a list of problems, sorted by position. Returns `None` for an empty list.
    pub fn new(mut errors: Vec<ConfigError>) -> Option<Self> {
        if errors.is_empty() {
            return None;
        }
        errors.sort_by_key(|e| (e.line, e.column));
        Some(Self { errors })
    }

    /// The problems, in file order.
    pub fn errors(&self) -> &[ConfigError] {
        &self.errors
    }

    /// How many problems there are (at least one).
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Always `false`: there is at least one problem. Present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Iterates over the problems.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.errors.iter()
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(error: ConfigError) -> Self {
        Self {
            errors: vec![error],
        }
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// 1-based (line, column) of byte `offset` in `text`; the column counts characters.
/// Offsets past the end or inside a character are clamped.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Builds a [`ConfigError`] located at the start of `span`.
pub(crate) fn error_at(
    text: &str,
    file: &Path,
    span: Option<Range<usize>>,
    key: &str,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> ConfigError {
    let (line, column) = span.map_or((0, 0), |span| line_column(text, span.start));
    ConfigError {
        file: file.to_path_buf(),
        line,
        column,
        key: key.to_owned(),
        message: message.into(),
        fix: fix.into(),
    }
}

/// Translates an error of the toml crate (a syntax error, an unknown key or a wrong type) into
/// a [`ConfigError`] with position, dotted key and fix.
pub(crate) fn from_toml_error(error: &toml::de::Error, text: &str, file: &Path) -> ConfigError {
    let span = error.span();
    let offset = span.as_ref().map_or(0, |s| s.start);
    let message = error.message();
    match DeTable::parse(text) {
        // The document is not TOML at all: a syntax error.
        Err(_) => {
            let key = key_on_line(text, offset);
            let first_line = message.lines().next().unwrap_or(message);
            let fix = if first_line.starts_with("duplicate key") {
                "remove or rename one of the two; each key and each [table] may appear only once"
            } else if first_line.starts_with("string values must be quoted") {
                "put text in double quotes, e.g. location = \"一楼大厅\""
            } else {
                "check this line: every setting is `key = value`, text goes in double quotes, \
                 table names in [brackets]; see the example readpoint.toml"
            };
            error_at(
                text,
                file,
                span,
                &key,
                format!("this is not valid TOML ({first_line})"),
                fix,
            )
        }
        Ok(document) => {
            let (key, is_table) = key_path_at(document.get_ref(), offset);
            if let Some(rest) = message.strip_prefix("unknown field ") {
                return unknown_key(text, file, span, &key, is_table, rest);
            }
            let (what, example) = expected_form(&key);
            if example.is_empty() && is_array_of_tables(document.get_ref(), &key) {
                // `[[sync]]` makes a list of tables; serde then says "expected a table, found
                // map", which contradicts itself to a reader.
                return error_at(
                    text,
                    file,
                    span,
                    &key,
                    format!(
                        "[[{key}]] (double brackets) makes a list of tables, but there is only one {key} table"
                    ),
                    format!("write [{key}], not [[{key}]]"),
                );
            }
            let fix = if example.is_empty() {
                format!("write [{key}] on a line of its own, with its settings on the lines below")
            } else {
                format!("write it like {example}")
            };
            let found = message
                .strip_prefix("invalid type: ")
                .and_then(|rest| rest.split_once(", expected "))
                .map(|(found, _)| found);
            let message = match found {
                Some(found) => format!("expected {what}, found {found}"),
                None => format!("expected {what} ({message})"),
            };
            error_at(text, file, span, &key, message, fix)
        }
    }
}

/// Whether the top-level `key` holds an array of tables (`[[key]]` headers).
fn is_array_of_tables(table: &DeTable<'_>, key: &str) -> bool {
    table.iter().any(|(name, value)| {
        name.get_ref() == key
            && matches!(value.get_ref(), DeValue::Array(items)
                if items.iter().all(|item| matches!(item.get_ref(), DeValue::Table(_))))
    })
}

/// `rest` is serde's "`name`, expected one of `a`, `b`" (or "expected `a` or `b`", or
/// "there are no fields").
fn unknown_key(
    text: &str,
    file: &Path,
    span: Option<Range<usize>>,
    key: &str,
    is_table: bool,
    rest: &str,
) -> ConfigError {
    let mut quoted = rest.split('`').skip(1).step_by(2);
    let name = quoted.next().unwrap_or_default().to_owned();
    let known: Vec<&str> = quoted.collect();
    let listed = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let suggestion = known
        .iter()
        .map(|k| (edit_distance(&name, k), *k))
        // Close enough to be a typo, and not a mere coincidence of two short words.
        .filter(|(d, k)| *d <= 2 && *d * 2 < k.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k);
    let top_level = !key.contains('.');
    let (message, what) = match (top_level, is_table) {
        (true, true) => (format!("unknown table `{name}`"), "table"),
        (true, false) => (format!("unknown key `{name}` outside any [table]"), "table"),
        (false, _) => (format!("unknown key `{name}`"), "key"),
    };
    let fix = match suggestion {
        Some(s) => format!("did you mean `{s}`? The known {what}s are: {listed}"),
        None if known.is_empty() => "remove it".to_owned(),
        None if top_level && !is_table => format!(
            "move it below the [table] it belongs to, or remove it; the tables are: {listed}"
        ),
        None => format!("remove it or use one of the known {what}s: {listed}"),
    };
    error_at(text, file, span, key, message, fix)
}

/// Levenshtein distance in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            let insert = current[j] + 1;
            let delete = previous[j + 1] + 1;
            current.push(substitute.min(insert).min(delete));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The dotted path of the deepest key whose name or value contains byte `offset`, and whether
/// that key's value is a table.
fn key_path_at(table: &DeTable<'_>, offset: usize) -> (String, bool) {
    fn covers(span: Range<usize>, offset: usize) -> bool {
        span.contains(&offset) || (span.is_empty() && span.start == offset)
    }
    fn walk(
        table: &DeTable<'_>,
        offset: usize,
        path: &mut Vec<String>,
        best: &mut (Vec<String>, bool),
    ) {
        for (key, value) in table {
            path.push(key.get_ref().to_string());
            if (covers(key.span(), offset) || covers(value.span(), offset))
                && path.len() > best.0.len()
            {
                best.0.clone_from(path);
                best.1 = matches!(value.get_ref(), DeValue::Table(_));
            }
            match value.get_ref() {
                DeValue::Table(inner) => walk(inner, offset, path, best),
                DeValue::Array(items) => {
                    for item in items {
                        if let DeValue::Table(inner) = item.get_ref() {
                            walk(inner, offset, path, best);
                        }
                    }
                }
                _ => {}
            }
            path.pop();
        }
    }
    let mut best = (Vec::new(), false);
    walk(table, offset, &mut Vec::new(), &mut best);
    (best.0.join("."), best.1)
}

/// Best guess of the dotted key for a syntax error at `offset`: the last `[table]` header
/// before it plus the `key =` on its line.
fn key_on_line(text: &str, offset: usize) -> String {
    let (line_number, _) = line_column(text, offset);
    let mut table = String::new();
    let mut key = String::new();
    for (index, line) in text.lines().enumerate().take(line_number) {
        let trimmed = line.trim();
        if index + 1 == line_number
            && let Some((left, _)) = trimmed.split_once('=')
        {
            let left = left.trim();
            if !left.is_empty()
                && left
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            {
                key = left.to_owned();
            }
        }
        if trimmed.starts_with('[') {
            let name = trimmed
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .trim();
            table = name.to_owned();
        }
    }
    match (table.is_empty(), key.is_empty()) {
        (_, true) => table,
        (true, false) => key,
        (false, false) => format!("{table}.{key}"),
    }
}

/// What a key's value must look like, and an example line to copy, for type errors (from the
/// key table). An empty example asks for the table-specific fix.
fn expected_form(key: &str) -> (&'static str, String) {
    if let Some(entry) = super::keys::find(key) {
        return (entry.form(), entry.example_line());
    }
    if super::keys::TABLES.iter().any(|(table, _)| *table == key) {
        return ("a table", String::new());
    }
    if key.starts_with("display.schedule.") {
        return (
            "time ranges in double quotes",
            "mon = \"08:00-12:00,13:30-17:30\" or mon = \"off\"".to_owned(),
        );
    }
    (
        "a different kind of value",
        "the example readpoint.toml shows".to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        let text = "a = 1\n名称 = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 4), (1, 5));
        assert_eq!(line_column(text, 6), (2, 1));
        // "名称 = " is 2 characters + 3 = 5 characters, but 6 + 3 bytes.
        assert_eq!(line_column(text, 6 + "名称 = ".len()), (2, 6));
        // Inside a multi-byte character and past the end are clamped.
        assert_eq!(line_column(text, 7), (2, 1));
        assert_eq!(line_column(text, 1000), (3, 1));
        assert_eq!(line_column("", 0), (1, 1));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("idle_timout", "idle_timeout"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("同步", "同步"), 0);
    }

    #[test]
    fn display_without_position_or_key() {
        let error = ConfigError {
            file: PathBuf::from("/etc/readpoint/readpoint.toml"),
            line: 0,
            column: 0,
            key: String::new(),
            message: "cannot read the file".to_owned(),
            fix: "check it".to_owned(),
        };
        assert_eq!(
            error.to_string(),
            "/etc/readpoint/readpoint.toml: cannot read the file — fix: check it"
        );
    }

    #[test]
    fn errors_are_sorted_and_never_empty() {
        let at = |line| ConfigError {
            file: PathBuf::from("f"),
            line,
            column: 1,
            key: String::new(),
            message: "m".to_owned(),
            fix: "f".to_owned(),
        };
        assert!(ConfigErrors::new(Vec::new()).is_none());
        let errors = ConfigErrors::new(vec![at(3), at(1)]);
        let lines: Vec<usize> = errors
            .iter()
            .flat_map(|e| e.iter().map(|e| e.line))
            .collect();
        assert_eq!(lines, [1, 3]);
        assert_eq!(
            errors.map(|e| e.to_string()).unwrap_or_default(),
            "f:1:1: m — fix: f\nf:3:1: m — fix: f"
        );
    }

    #[test]
    fn array_of_tables_says_single_brackets() {
        for text in ["[[sync]]\ninterval = \"1m\"\n", "[[sync]]\n[[sync]]\n"] {
            let error = crate::config::parse(text, Path::new("f")).map_err(|e| e.to_string());
            let Err(error) = error else {
                panic!("{text:?} was accepted");
            };
            assert!(
                error.contains("sync: [[sync]]")
                    && error.contains("fix: write [sync], not [[sync]]"),
                "{error}"
            );
            assert!(!error.contains("found map"), "{error}");
        }
    }

    #[test]
    fn syntax_error_key_guess() {
        assert_eq!(key_on_line("[sync]\ninterval = 15m\n", 18), "sync.interval");
        assert_eq!(key_on_line("[kiosk\n", 6), "kiosk");
        assert_eq!(key_on_line("a = \n", 4), "a");
    }
}
