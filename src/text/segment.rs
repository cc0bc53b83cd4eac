//! Segmentation of folded text into search-index tokens, and of queries into FTS5 phrases.
//!
//! FTS5's own tokenizers fail on Chinese (unicode61 makes a whole run of Han characters one token;
//! trigram cannot match fewer than three characters), so text is segmented here and handed to an
//! FTS5 table with the `ascii` tokenizer as space-separated tokens.
//!
//! Layout, per field, in two streams:
//! - the **main** stream: word tokens (`2012`, `pdf`) and, for each CJK run `c0 c1 … cn`, the
//!   tokens `c0`, the bigrams `c0c1 c1c2 …`, then `cn` (a one-character run is just `c0`). Bigrams
//!   of a run are consecutive, so a query of n ≥ 2 characters is the phrase of its bigrams; the
//!   first and last characters sit right after and before the neighbouring words, so mixed terms
//!   such as `311件` or `2012年度` are phrases too.
//! - the **unigram** stream: every CJK character, for one-character queries (`社`). Where a
//!   character only needs to be found in a field, not placed, [`push_main`] hands each one to the
//!   caller instead, which keeps it once per document in an index without positions.
//!
//! Tokens never contain spaces or quotes, so building FTS5 query syntax from them is safe.

use super::fold::{fold_char, is_cjk, is_word_char};

/// A run of folded characters of one class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// A run of CJK characters.
    Cjk(Vec<char>),
    /// A word of letters and digits.
    Word(String),
}

/// Splits text into runs after folding; punctuation and spaces end a run.
pub fn runs(text: &str) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut adjacent = false;
    for c in text.chars().map(fold_char) {
        if is_cjk(c) {
            match out.last_mut() {
                Some(Run::Cjk(chars)) if adjacent => chars.push(c),
                _ => out.push(Run::Cjk(vec![c])),
            }
            adjacent = true;
        } else if is_word_char(c) {
            match out.last_mut() {
                // Letters and digits are separate words (`iso9001` → `iso` `9001`), so a number
                // is found on its own and a letter–digit term is a phrase of both.
                Some(Run::Word(word))
                    if adjacent
                        && word.ends_with(|l: char| l.is_ascii_digit()) == c.is_ascii_digit() =>
                {
                    word.push(c)
                }
                _ => out.push(Run::Word(c.to_string())),
            }
            adjacent = true;
        } else {
            adjacent = false;
        }
    }
    out
}

/// A token between two fields of one stream. It is a private-use character, which folding never
/// produces from a query, so no query phrase can match across it.
const FIELD_BOUNDARY: &str = "\u{E000}";

/// The two token streams of one text field.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IndexStreams {
    /// Words, and per CJK run its first character, bigrams and last character.
    pub main: String,
    /// Every CJK character.
    pub unigrams: String,
}

impl IndexStreams {
    /// Appends the tokens of `text`. Fields appended one after another are separated by a
    /// boundary, so a phrase never spans two fields.
    pub fn push_text(&mut self, text: &str) {
        let unigrams = &mut self.unigrams;
        push_main(&mut self.main, text, |c| {
            push_token(unigrams, c.encode_utf8(&mut [0; 4]))
        });
    }

    /// Segments one text into fresh streams.
    pub fn of(text: &str) -> IndexStreams {
        let mut streams = IndexStreams::default();
        streams.push_text(text);
        streams
    }
}

/// Appends the main-stream tokens of `text` to `main` (after a field boundary when `main` already
/// holds a field), and calls `each_char` with every CJK character of it, in order. For text whose
/// single characters are only looked up, not placed: the caller keeps each character once, in an
/// index without positions.
pub fn push_main(main: &mut String, text: &str, mut each_char: impl FnMut(char)) {
    if !main.is_empty() {
        push_token(main, FIELD_BOUNDARY);
    }
    for run in runs(text) {
        match run {
            Run::Word(word) => push_token(main, &word),
            Run::Cjk(chars) => {
                push_cjk_run(main, &chars);
                chars.into_iter().for_each(&mut each_char);
            }
        }
    }
}

fn push_token(out: &mut String, token: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(token);
}

fn push_cjk_run(out: &mut String, chars: &[char]) {
    let mut buf = [0u8; 8];
    let first = chars[0];
    push_token(out, first.encode_utf8(&mut buf[..4]));
    if chars.len() == 1 {
        return;
    }
    for pair in chars.windows(2) {
        let mut bigram = String::with_capacity(8);
        bigram.push(pair[0]);
        bigram.push(pair[1]);
        push_token(out, &bigram);
    }
    let last = chars[chars.len() - 1];
    push_token(out, last.encode_utf8(&mut buf[..4]));
}

/// One search term (a whitespace-separated piece of the query) as FTS5 tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermTokens {
    /// Tokens that must appear as a phrase (consecutive positions). A single CJK character is
    /// a one-token phrase, found through the unigram stream.
    pub phrase: Vec<String>,
    /// The phrase's last token may be a prefix (the visitor is still typing a word or number).
    pub prefix: bool,
}

/// Turns one query term into tokens laid out exactly as [`IndexStreams`] lays out text: a CJK run
/// that follows a word starts with its first character, one that precedes a word ends with its
/// last character, and runs in between contribute their bigrams.
pub fn term_tokens(term: &str) -> Option<TermTokens> {
    let parts = runs(term);
    if parts.is_empty() {
        return None;
    }
    let mut phrase = Vec::new();
    let last_index = parts.len() - 1;
    for (i, run) in parts.iter().enumerate() {
        match run {
            Run::Word(word) => phrase.push(word.clone()),
            Run::Cjk(chars) => {
                let after_word = i > 0;
                let before_word = i < last_index;
                if chars.len() == 1 {
                    phrase.push(chars[0].to_string());
                    continue;
                }
                if after_word {
                    phrase.push(chars[0].to_string());
                }
                phrase.extend(chars.windows(2).map(|p| p.iter().collect::<String>()));
                if before_word {
                    phrase.push(chars[chars.len() - 1].to_string());
                }
            }
        }
    }
    let prefix = matches!(parts.last(), Some(Run::Word(_)));
    Some(TermTokens { phrase, prefix })
}

/// Quotes a token list as one FTS5 phrase, with `*` when the last token is a prefix.
pub fn fts_phrase(tokens: &[String], prefix: bool) -> String {
    let mut out = String::from("\"");
    out.push_str(&tokens.join(" "));
    out.push('"');
    if prefix {
        out.push('*');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<&str> {
        s.split(' ').filter(|t| !t.is_empty()).collect()
    }

    #[test]
    fn cjk_runs_become_edges_and_bigrams() {
        let s = IndexStreams::of("办理社保卡。2012年度报告ＰＤＦ");
        assert_eq!(
            tokens(&s.main),
            [
                "办", "办理", "理社", "社保", "保卡", "卡", "2012", "年", "年度", "度报", "报告",
                "告", "pdf"
            ]
        );
        assert_eq!(
            tokens(&s.unigrams),
            ["办", "理", "社", "保", "卡", "年", "度", "报", "告"]
        );
    }

    #[test]
    fn traditional_text_is_indexed_simplified() {
        let s = IndexStreams::of("醫保");
        assert_eq!(tokens(&s.main), ["医", "医保", "保"]);
    }

    #[test]
    fn query_terms_match_the_index_layout() {
        let t = term_tokens("社保").unwrap();
        assert_eq!(t.phrase, ["社保"]);
        assert!(!t.prefix);
        let t = term_tokens("社").unwrap();
        assert_eq!(t.phrase, ["社"]);
        let t = term_tokens("311件").unwrap();
        assert_eq!(t.phrase, ["311", "件"]);
        let t = term_tokens("2012年度").unwrap();
        assert_eq!(t.phrase, ["2012", "年", "年度"]);
        let t = term_tokens("年度2012").unwrap();
        assert_eq!(t.phrase, ["年度", "度", "2012"]);
        assert!(t.prefix);
        let t = term_tokens("ISO9001").unwrap();
        assert_eq!(t.phrase, ["iso", "9001"]);
        let t = term_tokens("000000019/2012-00001").unwrap();
        assert_eq!(t.phrase, ["000000019", "2012", "00001"]);
        let t = term_tokens("信息公开").unwrap();
        assert_eq!(t.phrase, ["信息", "息公", "公开"]);
        assert!(term_tokens("，。!").is_none());
    }

    #[test]
    fn mixed_term_is_a_phrase_of_the_indexed_text() {
        // Every query phrase must occur as consecutive tokens of the indexed text it came from.
        for (text, term) in [
            ("全市投资建设项目并联审批311件，投资总额", "311件"),
            ("全市投资建设项目并联审批311件，投资总额", "审批311"),
            ("2012年度报告", "2012年度报"),
            ("第3号文件", "第3号"),
        ] {
            let main = IndexStreams::of(text).main;
            let t = term_tokens(term).unwrap();
            let hay = format!(" {main} ");
            let needle = format!(" {} ", t.phrase.join(" "));
            assert!(
                hay.contains(&needle),
                "{term:?} → {needle:?} not in {hay:?}"
            );
        }
    }

    #[test]
    fn phrase_quoting() {
        assert_eq!(fts_phrase(&["社保".into()], false), "\"社保\"");
        assert_eq!(
            fts_phrase(&["2012".into(), "00".into()], true),
            "\"2012 00\"*"
        );
    }
}
