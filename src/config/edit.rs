//! Edits of the staff configuration file that keep everything staff wrote: comments, order,
//! blank lines. Today one edit: setting `[admin] pin_hash` (`readpoint config set-pin`).
//!
//! Owns: turning the file's text into the edited text, and checking that the result is a valid
//! configuration. Must never: write files (the command does, through a temporary file and a
//! rename), or accept an edit that makes the file invalid.

use std::path::Path;

use super::{ConfigErrors, parse};

/// The text of a configuration file with `[admin] pin_hash` set to `hash`:
/// an existing `pin_hash = …` line (in `[admin]`, or `admin.pin_hash` before any table) is
/// replaced; otherwise the key goes into `[admin]` after its commented example (or its header),
/// and a file without `[admin]` gets the table at its end. The result is parsed and validated
/// as a whole; an error means the file had errors already (`origin` names it in messages).
pub fn set_pin_hash(text: &str, hash: &str, origin: &Path) -> Result<String, ConfigErrors> {
    let line_value = format!("pin_hash = \"{hash}\"");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut table: Option<String> = None;
    let mut admin_header = None;
    let mut replace = None;
    let mut after_example = None;
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            // `[admin]  # staff` is a header with a comment.
            let header = trimmed.split('#').next().unwrap_or(trimmed).trim();
            table = Some(header.trim_matches(['[', ']']).trim().to_owned());
            if table.as_deref() == Some("admin") {
                admin_header = Some(index);
            }
            continue;
        }
        let in_admin = table.as_deref() == Some("admin");
        let assigns = (in_admin && is_key_line(trimmed, "pin_hash"))
            || (table.is_none() && is_key_line(trimmed, "admin.pin_hash"));
        if assigns && replace.is_none() {
            replace = Some(index);
        } else if in_admin
            && let Some(comment) = trimmed.strip_prefix('#')
            && is_key_line(comment.trim(), "pin_hash")
        {
            after_example = Some(index);
        }
    }
    match (replace, admin_header) {
        (Some(index), _) => {
            let indent: String = lines[index]
                .chars()
                .take_while(|c| c.is_whitespace())
                .collect();
            let key = if table_of_line(&lines, index).is_none() {
                "admin.pin_hash"
            } else {
                "pin_hash"
            };
            lines[index] = format!("{indent}{key} = \"{hash}\"");
        }
        (None, Some(header)) => {
            let at = after_example.unwrap_or(header) + 1;
            lines.insert(at, line_value);
        }
        (None, None) => {
            if lines.last().is_some_and(|l| !l.trim().is_empty()) {
                lines.push(String::new());
            }
            lines.push("[admin]".to_owned());
            lines.push(
                "# The staff PIN's argon2id hash, written by `readpoint config set-pin`."
                    .to_owned(),
            );
            lines.push(line_value);
        }
    }
    let mut edited = lines.join("\n");
    edited.push('\n');
    parse(&edited, origin)?;
    Ok(edited)
}

/// Whether `line` assigns `key` (`key = …`, spaces optional).
fn is_key_line(line: &str, key: &str) -> bool {
    line.strip_prefix(key)
        .is_some_and(|rest| rest.trim_start().starts_with('='))
}

/// The table a line belongs to (`None` before the first header).
fn table_of_line(lines: &[String], index: usize) -> Option<String> {
    lines[..index]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(|l| {
            let header = l.split('#').next().unwrap_or(l).trim();
            header.trim_matches(['[', ']']).trim().to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQxMjM0NTY3OA$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk";

    fn set(text: &str) -> String {
        set_pin_hash(text, HASH, Path::new("readpoint.toml")).expect("valid edit")
    }

    #[test]
    fn the_example_file_gets_the_key_after_its_commented_example() {
        let example = include_str!("../../kiosk-config/readpoint.toml");
        let edited = set(example);
        let config = parse(&edited, Path::new("x")).expect("valid");
        assert_eq!(config.admin.pin_hash.as_deref(), Some(HASH));
        // Every original line is still there, in order.
        let mut kept = edited.lines();
        for line in example.lines() {
            assert!(kept.any(|l| l == line), "lost line {line:?}");
        }
        assert_eq!(edited.lines().count(), example.lines().count() + 1);
        // Setting again replaces the line instead of adding one.
        let again =
            set_pin_hash(&edited, &HASH.replace("5pYx", "6pYx"), Path::new("x")).expect("valid");
        assert_eq!(again.lines().count(), edited.lines().count());
        assert!(
            again.contains("6pYx")
                && !again.contains("\"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQxMjM0NTY3OA$5pYx")
        );
    }

    #[test]
    fn replaces_an_existing_hash_and_keeps_comments_and_other_tables() {
        let text = "# mine\n[kiosk]\nterminal_id = \"a-1\"\n\n[admin]\n  pin_hash = \"old\" # old\nlockout_attempts = 3\n";
        let edited = set(text);
        assert_eq!(
            edited,
            format!(
                "# mine\n[kiosk]\nterminal_id = \"a-1\"\n\n[admin]\n  pin_hash = \"{HASH}\"\nlockout_attempts = 3\n"
            )
        );
    }

    #[test]
    fn a_file_without_admin_gets_the_table_at_its_end() {
        let edited = set("[kiosk]\nterminal_id = \"a-1\"");
        assert!(edited.ends_with(&format!("\n\n[admin]\n# The staff PIN's argon2id hash, written by `readpoint config set-pin`.\npin_hash = \"{HASH}\"\n")), "{edited}");
        let empty = set("");
        assert_eq!(
            parse(&empty, Path::new("x"))
                .expect("valid")
                .admin
                .pin_hash
                .as_deref(),
            Some(HASH)
        );
    }

    #[test]
    fn a_header_with_a_comment_is_the_admin_table() {
        let edited = set("[admin]  # staff\nlockout_attempts = 3\n");
        assert_eq!(
            edited,
            format!("[admin]  # staff\npin_hash = \"{HASH}\"\nlockout_attempts = 3\n")
        );
    }

    #[test]
    fn a_dotted_key_before_any_table_is_replaced_in_place() {
        let edited = set("admin.pin_hash = \"old\"\n[kiosk]\n");
        assert_eq!(edited, format!("admin.pin_hash = \"{HASH}\"\n[kiosk]\n"));
    }

    #[test]
    fn a_file_with_errors_is_not_edited() {
        let errors = set_pin_hash("[kiosk]\nterminal_id = 5\n", HASH, Path::new("bad.toml"))
            .expect_err("invalid");
        assert!(errors.to_string().contains("kiosk.terminal_id"), "{errors}");
    }
}
