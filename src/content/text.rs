//! Checks on the shape of strings: plain text (no HTML, no control characters) and the formats of
//! identifiers the content carries (索引号, SHA-256, organisation codes, language tags, postcodes).
//!
//! Every check is hand-written (no regex engine) and returns a message saying what was expected.
//! Pure: never performs I/O.

use serde_json::Value;

use super::problem::{Reader, index, join};

/// Checks that `s` is plain text: no HTML tag (`<` followed by a letter, `/` or `!`) and no
/// control character other than `\n` and `\t`. The error names what was found.
pub fn check_plain_text(s: &str) -> Result<(), String> {
    let mut chars = s.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '<' {
            if let Some(&(_, next)) = chars.peek()
                && (next.is_ascii_alphabetic() || next == '/' || next == '!')
            {
                let tag: String = s[at..].chars().take_while(|&t| t != '>').take(24).collect();
                let closed = if s[at..].starts_with(&format!("{tag}>")) {
                    ">"
                } else {
                    ""
                };
                return Err(format!(
                    "expected plain text, found an HTML tag \"{tag}{closed}\" (a feed never carries HTML)"
                ));
            }
        } else if c.is_control() && c != '\n' && c != '\t' {
            return Err(format!(
                "expected plain text, found the control character U+{:04X} (only line feeds and tabs are allowed)",
                u32::from(c)
            ));
        }
    }
    Ok(())
}

/// Walks every string in `value` (object keys excepted) and reports those that are not plain
/// text, each at its own path (`sections[2].paragraphs[0].text`).
pub(crate) fn check_strings(reader: &mut Reader, value: &Value) {
    walk_strings(reader, &mut Vec::new(), value);
}

/// One step of a path into a JSON value.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Walks `value`, keeping the path as a stack of steps and spelling it out only for a problem.
fn walk_strings<'a>(reader: &mut Reader, path: &mut Vec<Step<'a>>, value: &'a Value) {
    match value {
        Value::String(s) => {
            if let Err(message) = check_plain_text(s) {
                let mut field = String::new();
                for step in path.iter() {
                    field = match step {
                        Step::Key(key) => join(&field, key),
                        Step::Index(i) => index(&field, *i),
                    };
                }
                reader.report(field, message);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                walk_strings(reader, path, item);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                path.push(Step::Key(key));
                walk_strings(reader, path, item);
                path.pop();
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn is_code_char(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase()
}

/// Checks a 索引号 (index number), "前段码/后段码":
/// - a 9-character organisation code: `^[0-9A-Z]{9}/\d{4}-\d{5}$` (e.g. `000000019/2012-00001`);
/// - or, after 2015, an 18-character unified social credit code: `^[0-9A-Z]{18}/\d{4,6}-\d{5}$`
///   (e.g. `11341702486344515H/202110-00013`).
pub fn check_index_no(s: &str) -> Result<(), String> {
    let expected = || {
        format!(
            "expected an index number \"<9-character organisation code>/<4-digit year>-<5-digit serial>\" \
             (e.g. \"000000019/2012-00001\") or \"<18-character credit code>/<4–6 digits>-<5-digit serial>\", found {s:?}"
        )
    };
    let Some((prefix, suffix)) = s.split_once('/') else {
        return Err(expected());
    };
    let Some((period, serial)) = suffix.split_once('-') else {
        return Err(expected());
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let prefix_ok = prefix.bytes().all(is_code_char);
    let shape_ok = match prefix.len() {
        9 => period.len() == 4,
        18 => (4..=6).contains(&period.len()),
        _ => false,
    };
    if prefix_ok && shape_ok && all_digits(period) && serial.len() == 5 && all_digits(serial) {
        Ok(())
    } else {
        Err(expected())
    }
}

/// Checks a lowercase hexadecimal SHA-256 digest (64 characters `0-9a-f`).
pub fn check_sha256(s: &str) -> Result<(), String> {
    if s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(format!(
            "expected a SHA-256 digest of 64 lowercase hexadecimal digits, found {s:?}"
        ))
    }
}

/// Checks an organisation code: 9 characters `[0-9A-Z]` (组织机构代码) or 18 (统一社会信用代码).
pub fn check_org_code(s: &str) -> Result<(), String> {
    if (s.len() == 9 || s.len() == 18) && s.bytes().all(is_code_char) {
        Ok(())
    } else {
        Err(format!(
            "expected a 9-character organisation code or an 18-character unified social credit code (digits and capital letters), found {s:?}"
        ))
    }
}

/// Checks the shape of a BCP 47 language tag: subtags of 1–8 ASCII letters or digits separated
/// by `-`, the first being 2–8 letters (`zh-Hans`, `zh-Hans-CN`, `en`).
pub fn check_language_tag(s: &str) -> Result<(), String> {
    let mut subtags = s.split('-');
    let first_ok = subtags
        .next()
        .is_some_and(|t| (2..=8).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok =
        subtags.all(|t| (1..=8).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric()));
    if first_ok && rest_ok {
        Ok(())
    } else {
        Err(format!(
            "expected a BCP 47 language tag such as \"zh-Hans\", found {s:?}"
        ))
    }
}

/// Checks a mainland postcode: exactly 6 ASCII digits.
pub fn check_postcode(s: &str) -> Result<(), String> {
    if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("expected a postcode of 6 digits, found {s:?}"))
    }
}

/// Checks a media type such as `application/pdf`: `type/subtype`, no spaces.
pub fn check_media_type(s: &str) -> Result<(), String> {
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match s.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => Ok(()),
        _ => Err(format!(
            "expected a media type such as \"application/pdf\", found {s:?}"
        )),
    }
}

/// Checks an attachment's display file name: not empty, no path separators, not `.` or `..`.
pub fn check_file_name(s: &str) -> Result<(), String> {
    if s.trim().is_empty() || s.contains(['/', '\\']) || s == "." || s == ".." {
        Err(format!(
            "expected a file name without directories, found {s:?}"
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_rejects_tags_and_controls() {
        assert!(check_plain_text("第一条\n\t正文 a < b, 3<5, <<").is_ok());
        assert!(check_plain_text("").is_ok());
        let err = check_plain_text("见<script>alert(1)</script>").unwrap_err();
        assert!(err.contains("\"<script>\""), "{err}");
        let err = check_plain_text("段落</p>").unwrap_err();
        assert!(err.contains("\"</p>\""), "{err}");
        assert!(check_plain_text("<!-- x -->").is_err());
        assert!(check_plain_text("<p").is_err());
        let err = check_plain_text("a\u{7}b").unwrap_err();
        assert!(err.contains("U+0007"), "{err}");
        assert!(check_plain_text("a\r\nb").is_err());
    }

    #[test]
    fn index_numbers() {
        assert!(check_index_no("000000019/2012-00001").is_ok());
        assert!(check_index_no("11341702486344515H/202110-00013").is_ok());
        assert!(check_index_no("11341702486344515H/2021-00013").is_ok());
        for bad in [
            "",
            "000000019-2012-00001",
            "00000019/2012-00001",
            "000000019/12-00001",
            "000000019/2012-0001",
            "000000019/2012-000001",
            "00000001a/2012-00001",
            "000000019/202110-00001",
            "11341702486344515H/2021100-00013",
            "000000019/2012-00001/",
            "０００000019/2012-00001",
        ] {
            let err = check_index_no(bad).unwrap_err();
            assert!(err.starts_with("expected an index number"), "{bad}: {err}");
        }
    }

    #[test]
    fn identifiers() {
        let digest = "a".repeat(64);
        assert!(check_sha256(&digest).is_ok());
        assert!(check_sha256(&"A".repeat(64)).is_err());
        assert!(check_sha256(&"a".repeat(63)).is_err());
        assert!(check_org_code("000000019").is_ok());
        assert!(check_org_code("11341702486344515H").is_ok());
        assert!(check_org_code("0000-0019").is_err());
        assert!(check_language_tag("zh-Hans").is_ok());
        assert!(check_language_tag("zh-Hans-CN").is_ok());
        assert!(check_language_tag("zh_Hans").is_err());
        assert!(check_language_tag("").is_err());
        assert!(check_postcode("614000").is_ok());
        assert!(check_postcode("61400").is_err());
        assert!(check_media_type("application/pdf").is_ok());
        assert!(check_media_type("pdf").is_err());
        assert!(check_file_name("2012年度报告.pdf").is_ok());
        assert!(check_file_name("../x.pdf").is_err());
    }
}
