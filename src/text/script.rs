//! Simplified ⇄ Traditional conversion with OpenCC (ferrous-opencc, Apache-2.0).
//!
//! Display conversion (`to_traditional`, `to_simplified`) is phrase-based OpenCC, which converts
//! 先后 → 先後 and 广场 → 廣場 correctly. Search folding uses a character map derived once from
//! OpenCC `t2s`, so folding stays one character to one character. The converters are built lazily
//! on first use and shared; building one never fails with the embedded dictionaries, and if it
//! did, text is returned unchanged (a kiosk must keep showing content) and the failure is logged.

use std::collections::HashMap;
use std::sync::OnceLock;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;

fn converter(
    config: BuiltinConfig,
    cell: &'static OnceLock<Option<OpenCC>>,
) -> Option<&'static OpenCC> {
    cell.get_or_init(|| match OpenCC::from_config(config) {
        Ok(cc) => Some(cc),
        Err(err) => {
            tracing::error!("OpenCC dictionary failed to load ({err}); text is shown unconverted");
            None
        }
    })
    .as_ref()
}

fn s2t() -> Option<&'static OpenCC> {
    static CELL: OnceLock<Option<OpenCC>> = OnceLock::new();
    converter(BuiltinConfig::S2t, &CELL)
}

fn t2s() -> Option<&'static OpenCC> {
    static CELL: OnceLock<Option<OpenCC>> = OnceLock::new();
    converter(BuiltinConfig::T2s, &CELL)
}

/// Converts Simplified text to Traditional (OpenCC `s2t`, phrase-based) for display.
pub fn to_traditional(text: &str) -> String {
    match s2t() {
        Some(cc) => cc.convert(text),
        None => text.to_owned(),
    }
}

/// Converts Traditional text to Simplified (OpenCC `t2s`, phrase-based).
pub fn to_simplified(text: &str) -> String {
    match t2s() {
        Some(cc) => cc.convert(text),
        None => text.to_owned(),
    }
}

/// The Simplified form of one character (character-level `t2s`), or the character itself.
pub fn simplify_char(c: char) -> char {
    static MAP: OnceLock<HashMap<char, char>> = OnceLock::new();
    let map = MAP.get_or_init(build_char_map);
    map.get(&c).copied().unwrap_or(c)
}

/// Runs every Han character of the BMP blocks through `t2s` once and keeps those that change to
/// exactly one other character. Takes a few tens of milliseconds, once per process.
fn build_char_map() -> HashMap<char, char> {
    let mut map = HashMap::new();
    let Some(cc) = t2s() else { return map };
    let ranges = [0x3400u32..=0x4DBF, 0x4E00..=0x9FFF, 0xF900..=0xFAFF];
    // Convert in blocks separated by a neutral separator: far faster than one call per character,
    // and the separator keeps phrase rules from joining neighbours.
    let chars: Vec<char> = ranges
        .into_iter()
        .flatten()
        .filter_map(char::from_u32)
        .collect();
    for chunk in chars.chunks(2048) {
        let joined: String = chunk.iter().flat_map(|&c| [c, '\n']).collect();
        let converted = cc.convert(&joined);
        let parts: Vec<&str> = converted.split('\n').collect();
        if parts.len() < chunk.len() {
            continue;
        }
        for (&from, part) in chunk.iter().zip(parts) {
            let mut it = part.chars();
            if let (Some(to), None) = (it.next(), it.next())
                && to != from
            {
                map.insert(from, to);
            }
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_based_display_conversion() {
        assert_eq!(to_traditional("先后"), "先後");
        assert_eq!(to_traditional("广场"), "廣場");
        assert_eq!(to_traditional("政府信息公开指南"), "政府信息公開指南");
        assert_eq!(to_simplified("醫保與社保"), "医保与社保");
    }

    #[test]
    fn character_map_covers_common_traditional() {
        for (t, s) in [
            ('醫', '医'),
            ('開', '开'),
            ('際', '际'),
            ('後', '后'),
            ('場', '场'),
        ] {
            assert_eq!(simplify_char(t), s, "{t}");
        }
        assert_eq!(simplify_char('社'), '社');
        assert_eq!(simplify_char('a'), 'a');
    }
}
