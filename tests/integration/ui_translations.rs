//! The bundled UI translations cover every `@tr` string of the UI: zh-Hant is generated from
//! the Simplified source with OpenCC (and checked in, so it can be reviewed), en is written by
//! hand. `UPDATE_TRANSLATIONS=1 cargo test --test integration ui_translations` rewrites the
//! zh-Hant file and adds any missing en entries (with an empty msgstr, which still fails until
//! someone translates it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every `@tr("…")` message id in the `.slint` files under `ui/`.
fn message_ids() -> BTreeSet<String> {
    let mut files = Vec::new();
    collect_slint_files(&Path::new(ROOT).join("ui"), &mut files);
    let mut ids = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable .slint file");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("@tr(\"") {
            rest = &rest[at + 5..];
            let mut id = String::new();
            let mut chars = rest.char_indices();
            let mut end = rest.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            id.push(escaped);
                        }
                    }
                    '"' => {
                        end = i;
                        break;
                    }
                    c => id.push(c),
                }
            }
            rest = &rest[end..];
            ids.insert(id);
        }
    }
    ids
}

fn collect_slint_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("ui directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_slint_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            out.push(path);
        }
    }
}

fn po_path(lang: &str) -> PathBuf {
    Path::new(ROOT).join(format!("ui/lang/{lang}/LC_MESSAGES/readpoint-ui.po"))
}

/// A gettext string literal.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn unquote(line: &str) -> String {
    let inner = line.trim().trim_start_matches('"').trim_end_matches('"');
    inner
        .replace("\\\"", "\"")
        .replace("\\n", "\n")
        .replace("\\\\", "\\")
}

/// msgid → msgstr of a .po file (single-line entries, as this test writes them).
fn read_po(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut entries = BTreeMap::new();
    let mut id: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("msgid ") {
            id = Some(unquote(rest));
        } else if let Some(rest) = line.strip_prefix("msgstr ")
            && let Some(id) = id.take()
            && !id.is_empty()
        {
            entries.insert(id, unquote(rest));
        }
    }
    entries
}

fn write_po(lang: &str, entries: &BTreeMap<String, String>) -> String {
    let mut text = format!(
        "# Readpoint UI strings, {lang}. Source strings are zh-Hans.\n\
         msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\
         \"Language: {lang}\\n\"\n"
    );
    for (id, translation) in entries {
        text.push_str(&format!(
            "\nmsgid {}\nmsgstr {}\n",
            quote(id),
            quote(translation)
        ));
    }
    text
}

#[test]
fn every_ui_string_has_zh_hant_and_en_translations() {
    let ids = message_ids();
    assert!(
        ids.len() > 40,
        "found only {} @tr strings: is the extractor broken?",
        ids.len()
    );
    let update = std::env::var_os("UPDATE_TRANSLATIONS").is_some();

    let hant: BTreeMap<String, String> = ids
        .iter()
        .map(|id| (id.clone(), readpoint::text::script::to_traditional(id)))
        .collect();
    let hant_text = write_po("zh-Hant", &hant);
    let hant_file = po_path("zh-Hant");
    if update {
        std::fs::write(&hant_file, &hant_text).expect("write zh-Hant");
    }
    let on_disk = std::fs::read_to_string(&hant_file).unwrap_or_default();
    assert!(
        on_disk == hant_text,
        "{} is out of date with the UI's @tr strings — fix: run \
         UPDATE_TRANSLATIONS=1 cargo test --test integration ui_translations",
        hant_file.display()
    );

    let en_file = po_path("en");
    let mut en = read_po(&en_file);
    en.retain(|id, _| ids.contains(id));
    for id in &ids {
        en.entry(id.clone()).or_default();
    }
    if update {
        std::fs::write(&en_file, write_po("en", &en)).expect("write en");
    }
    let missing: Vec<&String> = en
        .iter()
        .filter(|(_, t)| t.is_empty())
        .map(|(id, _)| id)
        .collect();
    assert!(
        missing.is_empty(),
        "{} lacks English for: {missing:?} — fix: fill in their msgstr",
        en_file.display()
    );
    let placeholders = |s: &str| s.matches("{}").count();
    for (id, translation) in &en {
        assert_eq!(
            placeholders(id),
            placeholders(translation),
            "the English for {id:?} must keep its {{}} placeholders: {translation:?}"
        );
    }
}
