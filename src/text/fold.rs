//! Character folding for search: full-width → half-width, ASCII case, Traditional → Simplified.
//!
//! Folding maps one `char` to exactly one `char`, so a folded text is aligned with its original
//! character by character; highlights found in folded text land on the same characters of the
//! original. Never allocate per character here: this runs over every indexed text.

use super::script;

/// Folds one character for matching: full-width ASCII forms and the ideographic space become
/// their half-width forms, ASCII letters become lower case, and Traditional characters become
/// their Simplified form (character-level OpenCC `t2s`).
pub fn fold_char(c: char) -> char {
    let c = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        script::simplify_char(c)
    }
}

/// Folds a whole string with [`fold_char`]; the result has the same number of characters.
pub fn fold_str(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// True for characters written in runs without spaces: Han ideographs (all blocks), 〇, kana and
/// Hangul. These are indexed as bigrams; everything else alphanumeric is indexed as words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3007
        | 0x3040..=0x30FF   // Hiragana, Katakana
        | 0x3400..=0x4DBF   // Ext A
        | 0x4E00..=0x9FFF   // Unified Ideographs
        | 0xAC00..=0xD7AF   // Hangul syllables
        | 0xF900..=0xFAFF   // Compatibility Ideographs
        | 0x20000..=0x3134F // Ext B–G
    )
}

/// True for characters that belong to a word token (letters and digits outside CJK runs).
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_case_and_script() {
        assert_eq!(fold_str("２０１２年ＡＢＣ"), "2012年abc");
        assert_eq!(fold_str("醫保　社會"), "医保 社会");
        assert_eq!(fold_str("政務服務中心"), "政务服务中心");
        // Simplified text is unchanged.
        assert_eq!(fold_str("先后广场社保"), "先后广场社保");
    }

    #[test]
    fn folding_keeps_character_count() {
        let text = "根據《中華人民共和國政府信息公開條例》(試行)，ＱＲ碼";
        assert_eq!(fold_str(text).chars().count(), text.chars().count());
    }

    #[test]
    fn classifies_characters() {
        assert!(is_cjk('社') && is_cjk('〇') && is_cjk('カ'));
        assert!(is_word_char('a') && is_word_char('7') && !is_word_char('社'));
        assert!(!is_word_char('，') && !is_cjk('，'));
    }
}
