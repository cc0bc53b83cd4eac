//! Checks on the shape of strings: plain text (no HTML, no control characters) and the formats of
//! identifiers the content carries (索引号, SHA-256, organisation codes, language tags, postcodes).
//!
//! Every check is hand-written (no regex engine) and returns a message saying what was expected.
//! Pure: never performs I/O.

use serde_json::Value;

use super::problem::{Reader, index, join};

/// Checks that `s` is plain text: no HTML markup and no control character other than line
/// breaks (`\n`, `\r\n`, `\r`) and `\t`. The error names what was found.
///
/// Markup is flagged only when it is unmistakable, so that ordinary text such as `x<y`,
/// `PM2.5<X`, `a < b` or `当x<y时` stays valid:
/// - a complete tag: `<`, an optional `/`, an ASCII letter and then ASCII letters or digits,
///   followed by white space, `/` or `>`, with a closing `>` before the next `<` or line break
///   (`<p>`, `</div>`, `<br/>`, `<script src=x>`);
/// - the start of a comment, `<!--`;
/// - a character reference: `&name;`, `&#160;` or `&#xA0;`.
pub fn check_plain_text(s: &str) -> Result<(), String> {
    let bytes = s.as_bytes();
    for (at, c) in s.char_indices() {
        match c {
            '<' => {
                if let Some(end) = html_tag_end(bytes, at) {
                    return Err(format!(
                        "expected plain text, found an HTML tag \"{}\" (a feed never carries HTML)",
                        excerpt(&s[at..end])
                    ));
                }
            }
            '&' => {
                if let Some(end) = entity_end(bytes, at) {
                    return Err(format!(
                        "expected plain text, found an HTML character reference \"{}\" (a feed never carries HTML)",
                        excerpt(&s[at..end])
                    ));
                }
            }
            '\n' | '\r' | '\t' => {}
            c if c.is_control() => {
                return Err(format!(
                    "expected plain text, found the control character U+{:04X} (only line breaks and tabs are allowed)",
                    u32::from(c)
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks an identifier (a document's `id` and `kind`, and every `…_id` / `…_ids` field that
/// refers to one): not a single control character (not even a line break or a tab), and none of
/// the invisible characters that reorder or hide text (bidirectional controls, zero-width
/// characters, line and paragraph separators, the byte-order mark). Ids end up in log lines,
/// messages, file-like keys and portal addresses, where such characters would forge or hide
/// text.
pub fn check_identifier(s: &str) -> Result<(), String> {
    match s.chars().find(|&c| is_hidden_or_control(c)) {
        None => Ok(()),
        Some(c) => Err(format!(
            "expected an identifier without control or invisible characters, found U+{:04X}",
            u32::from(c)
        )),
    }
}

/// A control character, or an invisible one that reorders or hides text.
pub(crate) fn is_hidden_or_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// Whether the string at `path` is an identifier: a field `id`, `…_id`, or an item of a list
/// `…_ids`.
fn is_identifier_path(path: &[Step<'_>]) -> bool {
    let is_id = |key: &str| key == "id" || key.ends_with("_id");
    match path {
        [.., Step::Key(key)] => is_id(key),
        [.., Step::Key(key), Step::Index(_)] => key.ends_with("_ids"),
        _ => false,
    }
}

/// At most this many characters of a tag or reference are quoted in a message.
const EXCERPT_CHARS: usize = 40;

/// The start of `s`, cut at [`EXCERPT_CHARS`] characters (with `…` when cut).
fn excerpt(s: &str) -> String {
    match s.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// When an HTML tag or comment starts at `bytes[at]` (a `<`), the byte offset just past its
/// closing `>` (or past `<!--` for a comment); `None` when the `<` is ordinary text.
///
/// Works on bytes: every byte the shape is made of is ASCII, and the bytes of a multi-byte
/// UTF-8 character are never ASCII, so the offsets returned are character boundaries.
fn html_tag_end(bytes: &[u8], at: usize) -> Option<usize> {
    let rest = &bytes[at + 1..];
    if rest.starts_with(b"!--") {
        return Some(at + 4);
    }
    let mut i = at + 1;
    if bytes.get(i) == Some(&b'/') {
        i += 1;
    }
    if !bytes.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    i += 1;
    while bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
        i += 1;
    }
    match bytes.get(i)? {
        b'>' => return Some(i + 1),
        b'/' | b' ' | b'\t' => {}
        // A line break (or any other character) right after the name: not a tag.
        _ => return None,
    }
    while let Some(&b) = bytes.get(i) {
        match b {
            b'>' => return Some(i + 1),
            b'<' | b'\n' | b'\r' => return None,
            _ => i += 1,
        }
    }
    None
}

/// When a character reference (`&nbsp;`, `&#160;`, `&#xA0;`) starts at `bytes[at]` (a `&`),
/// the byte offset just past its `;`; `None` when the `&` is ordinary text.
fn entity_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    let digit: fn(&u8) -> bool = if bytes.get(i) == Some(&b'#') {
        i += 1;
        if matches!(bytes.get(i), Some(b'x' | b'X')) {
            i += 1;
            u8::is_ascii_hexdigit
        } else {
            u8::is_ascii_digit
        }
    } else {
        u8::is_ascii_alphabetic
    };
    let start = i;
    while bytes.get(i).is_some_and(digit) {
        i += 1;
    }
    (i > start && bytes.get(i) == Some(&b';')).then_some(i + 1)
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
            let checked = check_plain_text(s).and_then(|()| {
                if is_identifier_path(path) {
                    check_identifier(s)
                } else {
                    Ok(())
                }
            });
            if let Err(message) = checked {
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
        let err = check_plain_text("<!-- x -->").unwrap_err();
        assert!(err.contains("\"<!--\""), "{err}");
        let err = check_plain_text("a\u{7}b").unwrap_err();
        assert!(err.contains("U+0007"), "{err}");
        let err = check_plain_text("a\u{0}b").unwrap_err();
        assert!(err.contains("U+0000"), "{err}");
    }

    #[test]
    fn plain_text_accepts_comparisons_and_book_titles() {
        for ok in [
            "x<y",
            "PM2.5<X",
            "a < b",
            "当x<y时",
            "《书名》",
            "<p",
            "a<b\nc>d",
            "a <b\n>",
            "<b <i",
            "1<2>3",
            "AT&T, R&D",
            "& nbsp;",
            "&#;",
            "&#x;",
            "a&b",
            "<",
            "&",
            "<!-",
        ] {
            assert_eq!(check_plain_text(ok), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn plain_text_rejects_complete_tags_and_references() {
        for (bad, quoted) in [
            ("<p>", "<p>"),
            ("</div>", "</div>"),
            ("换行<br/>", "<br/>"),
            ("<br />", "<br />"),
            ("<script src=x>", "<script src=x>"),
            ("<h1 class=\"t\">标题", "<h1 class=\"t\">"),
            ("<!-- x -->", "<!--"),
            ("a&nbsp;b", "&nbsp;"),
            ("&#160;", "&#160;"),
            ("&#xA0;", "&#xA0;"),
            ("&#Xa0;", "&#Xa0;"),
        ] {
            let err = check_plain_text(bad).unwrap_err();
            assert!(err.contains(&format!("\"{quoted}\"")), "{bad:?}: {err}");
        }
        let long = format!("<a {}>", "x".repeat(100));
        let err = check_plain_text(&long).unwrap_err();
        assert!(err.contains("…\""), "{err}");
    }

    #[test]
    fn plain_text_accepts_all_line_breaks() {
        assert_eq!(check_plain_text("第一行\r\n第二行\r第三行\n"), Ok(()));
        // A line break ends a would-be tag.
        assert_eq!(check_plain_text("a <b\r\n>"), Ok(()));
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
