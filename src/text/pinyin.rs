//! Pinyin keys for titles and keywords, so that `shebao` and `sb` find 社保.
//!
//! Every reading of a polyphonic character counts (重庆 is chong qing, 银行 yin hang, 厦门 xia men),
//! because the `pinyin` crate's first reading is often the wrong one for names. Tokens, in the
//! `search_terms` table (no positions: each token once per document):
//! - `s<syllable>` for each reading of each character (`sshe`),
//! - `f<syllable><syllable>` for each reading pair of adjacent characters (`fshebao`),
//! - `i<initial><initial>` for each initial pair of adjacent characters (`isb`),
//! - `t<initial><initial><initial>` for each initial triple of adjacent characters (`tgjj`),
//! - `q<initial>…` for each initial quadruple of adjacent characters (`qxxgk`).
//!
//! Each token starts with [`MARK`], a private-use character: literal word tokens never start
//! with it, so a literal prefix query such as `sb*` never drags in thousands of pinyin tokens
//! (`sbao`, `sbai` …) that merely share its letters.
//!
//! A query of letters is read both as initials and as every split into syllables (the last one
//! may be unfinished while the visitor types). Syllable pairs are exact for two characters and
//! initials for up to four (the length of most set phrases: `xxgk` 信息公开, `yyzz` 营业执照);
//! longer queries are confirmed against the text with [`find_match`]. Initials alone say little
//! (there are 676 pairs), so queries of five or more initials look up quadruples: few candidates
//! to confirm instead of every title with each pair somewhere in it. Pure: no I/O.

use std::collections::{HashMap, HashSet};
use std::ops::{Range, RangeInclusive};
use std::sync::OnceLock;

use pinyin::ToPinyinMulti;

use super::fold::{fold_char, is_cjk};

/// First character of every pinyin token (private use: folding never produces it from a query).
pub const MARK: char = '\u{E001}';

/// The toneless readings of one character, `ü` written `v` (as typed on a keyboard); empty for
/// non-Han characters. Readings that cannot be typed in ASCII (the interjection ê, syllabic m̀
/// and n̄) are left out. Looked up in a table built once, so indexing and confirming matches
/// allocate nothing per character.
pub fn readings(c: char) -> &'static [&'static str] {
    static TABLE: OnceLock<Readings> = OnceLock::new();
    TABLE.get_or_init(Readings::build).of(c)
}

/// The Han blocks whose characters have readings: Extension A, the main block, the
/// compatibility ideographs and Extension B.
const HAN_BLOCKS: [RangeInclusive<u32>; 4] = [
    0x3400..=0x4DBF,
    0x4E00..=0x9FFF,
    0xF900..=0xFAFF,
    0x20000..=0x2A6DF,
];

/// Every Han character's readings, compactly (about 0.3 MiB; a map of strings per character
/// took 3.4 MiB of the kiosk's memory, a list of readings per character 1.3 MiB): each distinct
/// set of readings is stored once (most characters share theirs, such as the many read only
/// `yi`), and each code point of [`HAN_BLOCKS`] holds the number of its set.
struct Readings {
    /// The distinct sets of readings; set 0 is the empty one.
    sets: Vec<&'static [&'static str]>,
    /// Per code point of the blocks, in order: the number of its set in `sets`.
    of_code: Vec<u16>,
}

impl Readings {
    fn build() -> Readings {
        // The readings and their sets live as long as the process, as the table does.
        let mut readings: HashMap<String, &'static str> = HashMap::new();
        let mut numbers: HashMap<&'static [&'static str], u16> = HashMap::from([(&[][..], 0)]);
        let mut sets: Vec<&'static [&'static str]> = vec![&[]];
        let mut of_code = Vec::with_capacity(HAN_BLOCKS.iter().map(|b| b.clone().count()).sum());
        for code in HAN_BLOCKS.into_iter().flatten() {
            let set: Vec<&'static str> = char::from_u32(code)
                .map(compute_readings)
                .unwrap_or_default()
                .into_iter()
                .map(|reading| {
                    *readings
                        .entry(reading)
                        .or_insert_with_key(|r| Box::leak(r.clone().into_boxed_str()))
                })
                .collect();
            let number = match numbers.get(set.as_slice()) {
                Some(&number) => number,
                None => {
                    // Fewer than 65,536 distinct sets (a test checks); past that a character
                    // would read as having none rather than another's.
                    let Ok(number) = u16::try_from(sets.len()) else {
                        of_code.push(0);
                        continue;
                    };
                    let set: &'static [&'static str] = Box::leak(set.into_boxed_slice());
                    sets.push(set);
                    numbers.insert(set, number);
                    number
                }
            };
            of_code.push(number);
        }
        sets.shrink_to_fit();
        Readings { sets, of_code }
    }

    fn of(&self, c: char) -> &'static [&'static str] {
        let code = u32::from(c);
        let mut offset = 0;
        for block in &HAN_BLOCKS {
            if block.contains(&code) {
                return self
                    .of_code
                    .get(offset + (code - block.start()) as usize)
                    .and_then(|&number| self.sets.get(usize::from(number)))
                    .copied()
                    .unwrap_or(&[]);
            }
            offset += (block.end() - block.start() + 1) as usize;
        }
        &[]
    }
}

/// One character's readings from the `pinyin` crate, as [`readings`] gives them (the table is
/// built from this; tests compare the two).
fn compute_readings(c: char) -> Vec<String> {
    let Some(multi) = c.to_pinyin_multi() else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::with_capacity(multi.count());
    for p in multi {
        let plain = p.plain().replace('ü', "v");
        if plain.is_ascii() && !plain.is_empty() && !out.contains(&plain) {
            out.push(plain);
        }
    }
    out
}

/// All syllables that occur as a reading, and all their prefixes.
struct Syllables {
    whole: HashSet<String>,
    /// Whole syllables and every prefix of one.
    prefixes: HashSet<String>,
    /// Prefixes of a longer syllable (`xin` of `xing`, `s` of `shi`).
    proper_prefixes: HashSet<String>,
}

/// The longest syllable (`zhuang`, `chuang`, `shuang`).
const MAX_SYLLABLE: usize = 6;

fn syllables() -> &'static Syllables {
    static CELL: OnceLock<Syllables> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut whole = HashSet::new();
        for c in (0x4E00u32..=0x9FFF).filter_map(char::from_u32) {
            whole.extend(readings(c).iter().map(|r| (*r).to_owned()));
        }
        let proper_prefixes: HashSet<String> = whole
            .iter()
            .flat_map(|s: &String| (1..s.len()).map(move |n| s[..n].to_owned()))
            .collect();
        let prefixes = proper_prefixes.iter().chain(&whole).cloned().collect();
        Syllables {
            whole,
            prefixes,
            proper_prefixes,
        }
    })
}

/// Pinyin index tokens of a text (title and keywords), space separated and deduplicated.
/// Runs for every document a sync stores, so it builds each token in place (no formatting).
pub fn index_tokens(text: &str) -> String {
    let mut tokens: Vec<String> = Vec::new();
    let token = |kind: char, parts: &[&str]| {
        let mut t = String::with_capacity(3 + parts.iter().map(|p| p.len()).sum::<usize>());
        t.push(MARK);
        t.push(kind);
        parts.iter().for_each(|p| t.push_str(p));
        t
    };
    // The distinct initials of the last four characters, newest last (empty for a non-CJK one).
    let mut initials: [Vec<char>; 4] = Default::default();
    let mut previous: &[&str] = &[];
    for c in text.chars().map(fold_char) {
        let current = if is_cjk(c) { readings(c) } else { &[] };
        for r in current {
            tokens.push(token('s', &[r]));
            for p in previous {
                tokens.push(token('f', &[p, r]));
            }
        }
        initials.rotate_left(1);
        let newest = &mut initials[3];
        newest.clear();
        for r in current {
            let i = initial(r);
            if !newest.contains(&i) {
                newest.push(i);
            }
        }
        // Pairs, triples and quadruples of initials ending at this character: every
        // combination of one initial per character.
        for (kind, from) in [('i', 2), ('t', 1), ('q', 0)] {
            let sets = &initials[from..];
            if sets.iter().any(Vec::is_empty) {
                continue;
            }
            let mut pick = vec![0; sets.len()];
            loop {
                let mut t = String::with_capacity(3 + sets.len());
                t.push(MARK);
                t.push(kind);
                t.extend(sets.iter().zip(&pick).map(|(set, &i)| set[i]));
                tokens.push(t);
                // The next combination, like counting with one digit per character.
                let Some(digit) = (0..sets.len()).rev().find(|&d| pick[d] + 1 < sets[d].len())
                else {
                    break;
                };
                pick[digit] += 1;
                pick[digit + 1..].iter_mut().for_each(|i| *i = 0);
            }
        }
        previous = current;
    }
    tokens.sort_unstable();
    tokens.dedup();
    tokens.join(" ")
}

fn initial(syllable: &str) -> char {
    syllable.chars().next().unwrap_or('_')
}

/// One way of reading a query of letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// One initial per character: `sb` → 社保.
    Initials(Vec<char>),
    /// Whole syllables, the last possibly unfinished: `sheb` → 社保.
    Syllables {
        parts: Vec<String>,
        last_partial: bool,
    },
}

impl Reading {
    /// How many characters this reading spans.
    pub fn len(&self) -> usize {
        match self {
            Reading::Initials(letters) => letters.len(),
            Reading::Syllables { parts, .. } => parts.len(),
        }
    }

    /// Always false: a reading spans at least one character.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The FTS5 expression (over the pinyin tokens in `search_terms`) that finds candidates.
    fn fts_expr(&self) -> String {
        match self {
            Reading::Initials(letters) if letters.len() >= 4 => letters
                .windows(4)
                .map(|w| format!("\"{MARK}q{}{}{}{}\"", w[0], w[1], w[2], w[3]))
                .collect::<Vec<_>>()
                .join(" AND "),
            Reading::Initials(letters) if letters.len() == 3 => {
                format!("\"{MARK}t{}{}{}\"", letters[0], letters[1], letters[2])
            }
            Reading::Initials(letters) => letters
                .windows(2)
                .map(|w| format!("\"{MARK}i{}{}\"", w[0], w[1]))
                .collect::<Vec<_>>()
                .join(" AND "),
            Reading::Syllables {
                parts,
                last_partial,
            } => {
                let star = if *last_partial { "*" } else { "" };
                if let [only] = parts.as_slice() {
                    return format!("\"{MARK}s{only}\"{star}");
                }
                let last = parts.len() - 2;
                parts
                    .windows(2)
                    .enumerate()
                    .map(|(i, w)| {
                        let star = if i == last { star } else { "" };
                        format!("\"{MARK}f{}{}\"{star}", w[0], w[1])
                    })
                    .collect::<Vec<_>>()
                    .join(" AND ")
            }
        }
    }

    fn matches_char(&self, index: usize, readings: &[&str]) -> bool {
        match self {
            Reading::Initials(letters) => readings.iter().any(|r| initial(r) == letters[index]),
            Reading::Syllables {
                parts,
                last_partial,
            } => {
                let want = &parts[index];
                if *last_partial && index == parts.len() - 1 {
                    readings.iter().any(|r| r.starts_with(want.as_str()))
                } else {
                    readings.iter().any(|r| r == want)
                }
            }
        }
    }
}

/// A parsed pinyin query: all its readings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinyinQuery {
    /// Every way to read the letters, initials first.
    pub readings: Vec<Reading>,
}

/// At most this many syllable splits are tried (a long run of vowels has many).
const MAX_SPLITS: usize = 16;

impl PinyinQuery {
    /// Reads a query term as pinyin: only ASCII letters (after folding), at least two of them.
    pub fn parse(term: &str) -> Option<PinyinQuery> {
        let letters: String = term
            .chars()
            .map(fold_char)
            .filter(|c| !c.is_whitespace())
            .collect();
        if letters.chars().count() < 2 || !letters.chars().all(|c| c.is_ascii_lowercase()) {
            return None;
        }
        let mut readings = vec![Reading::Initials(letters.chars().collect())];
        readings.extend(split_syllables(&letters));
        Some(PinyinQuery { readings })
    }

    /// The FTS5 expression over the pinyin tokens in `search_terms`: any reading.
    pub fn fts_expr(&self) -> String {
        self.readings
            .iter()
            .map(|r| format!("({})", r.fts_expr()))
            .collect::<Vec<_>>()
            .join(" OR ")
    }

    /// Whether index tokens alone prove a match (every reading is one token: initials of at
    /// most four characters, syllables of at most two), so candidates need no confirmation
    /// against the text.
    pub fn tokens_are_exact(&self) -> bool {
        self.readings.iter().all(|r| match r {
            Reading::Initials(letters) => letters.len() <= 4,
            Reading::Syllables { parts, .. } => parts.len() <= 2,
        })
    }
}

/// Every split of `letters` into whole syllables followed by a last piece that is a syllable or
/// the start of one, up to [`MAX_SPLITS`]. A last piece that could still grow (`xin` → `xing`)
/// is a prefix. Work is bounded: a table of which positions can still be completed keeps the
/// search from exploring dead ends, so a long run of letters that is not pinyin costs only a
/// pass over the letters.
fn split_syllables(letters: &str) -> Vec<Reading> {
    let table = syllables();
    let n = letters.len();
    // completes[i]: letters[i..] is whole syllables followed by a valid last piece.
    let mut completes = vec![false; n + 1];
    for i in (0..n).rev() {
        let last = n - i <= MAX_SYLLABLE && table.prefixes.contains(&letters[i..]);
        completes[i] = last
            || (i + 1..n.min(i + MAX_SYLLABLE + 1))
                .any(|end| completes[end] && table.whole.contains(&letters[i..end]));
    }
    let mut out = Vec::new();
    if n > 0 && completes[0] {
        walk(letters, 0, &completes, &mut Vec::new(), &mut out);
    }
    out
}

fn walk(
    letters: &str,
    at: usize,
    completes: &[bool],
    parts: &mut Vec<String>,
    out: &mut Vec<Reading>,
) {
    let table = syllables();
    let n = letters.len();
    let rest = &letters[at..];
    if rest.len() <= MAX_SYLLABLE && table.prefixes.contains(rest) && out.len() < MAX_SPLITS {
        let mut parts = parts.clone();
        parts.push(rest.to_owned());
        out.push(Reading::Syllables {
            parts,
            last_partial: table.proper_prefixes.contains(rest),
        });
    }
    for end in (at + 1..n.min(at + MAX_SYLLABLE + 1)).rev() {
        if out.len() >= MAX_SPLITS {
            return;
        }
        if completes[end] && table.whole.contains(&letters[at..end]) {
            parts.push(letters[at..end].to_owned());
            walk(letters, end, completes, parts, out);
            parts.pop();
        }
    }
}

/// Finds the first run of characters in `text` that the query reads as, returning its character
/// range in `text` (for highlighting), or `None`.
pub fn find_match(query: &PinyinQuery, text: &str) -> Option<Range<usize>> {
    let per_char: Vec<&[&str]> = text
        .chars()
        .map(|c| {
            let c = fold_char(c);
            if is_cjk(c) { readings(c) } else { &[] }
        })
        .collect();
    let mut best: Option<Range<usize>> = None;
    for reading in &query.readings {
        let n = reading.len();
        if n == 0 || n > per_char.len() {
            continue;
        }
        let found = (0..=per_char.len() - n)
            .find(|&start| (0..n).all(|k| reading.matches_char(k, per_char[start + k])));
        if let Some(start) = found
            && best.as_ref().is_none_or(|b| start < b.start)
        {
            best = Some(start..start + n);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polyphonic_characters_keep_every_reading() {
        assert!(readings('重').contains(&"chong"));
        assert!(readings('行').contains(&"hang"));
        assert!(readings('厦').contains(&"xia"));
        assert_eq!(readings('绿').first().copied(), Some("lv"));
        assert!(readings('a').is_empty());
        // Every block, its first and last code points, and one past the last.
        assert_eq!(
            readings('\u{3400}').is_empty(),
            compute_readings('\u{3400}').is_empty()
        );
        assert_eq!(
            readings('\u{9FA5}'),
            compute_readings('\u{9FA5}').as_slice()
        );
        assert_eq!(
            readings('\u{F900}'),
            compute_readings('\u{F900}').as_slice()
        );
        assert_eq!(
            readings('\u{2A6DF}'),
            compute_readings('\u{2A6DF}').as_slice()
        );
        assert!(readings('\u{2A6E0}').is_empty());
    }

    #[test]
    fn every_han_character_reads_as_computed() {
        // Also proves the distinct sets fit the table's numbers: one past them would read empty.
        for c in HAN_BLOCKS.into_iter().flatten().filter_map(char::from_u32) {
            assert_eq!(readings(c), compute_readings(c).as_slice(), "{c}");
        }
    }

    #[test]
    fn index_tokens_cover_pairs_and_initials() {
        let has =
            |tokens: &str, want: &str| tokens.split(' ').any(|x| x == format!("{MARK}{want}"));
        let t = index_tokens("社保");
        for want in ["sshe", "sbao", "fshebao", "isb"] {
            assert!(has(&t, want), "{want} missing in {t}");
        }
        let t = index_tokens("重庆银行");
        for want in [
            "fchongqing",
            "iyh",
            "fyinhang",
            "icq",
            "tcqy",
            "tqyh",
            "tzqy",
        ] {
            assert!(has(&t, want), "{want} missing in {t}");
        }
        // Quadruples, with every initial of a polyphonic character.
        let t = index_tokens("信息公开");
        assert!(has(&t, "qxxgk"), "{t}");
        let t = index_tokens("重庆银行");
        for want in ["qcqyh", "qzqyh", "qcqyx", "qzqyx"] {
            assert!(has(&t, want), "{want} missing in {t}");
        }
        assert!(!has(&t, "qcqy"), "no partial quadruple: {t}");
        // A keyword boundary (the ideographic space) ends a run: no triple spans it.
        let t = index_tokens("社保\u{3000}卡");
        assert!(!has(&t, "tsbk"), "{t}");
        assert!(has(&index_tokens("社保卡"), "tsbk"));
        let t = index_tokens("信息\u{3000}公开");
        assert!(!has(&t, "qxxgk"), "{t}");
    }

    #[test]
    fn queries_read_as_initials_and_syllables() {
        let q = PinyinQuery::parse("shebao").unwrap();
        assert!(q.readings.contains(&Reading::Syllables {
            parts: vec!["she".into(), "bao".into()],
            last_partial: false
        }));
        let q = PinyinQuery::parse("sheb").unwrap();
        assert!(q.readings.contains(&Reading::Syllables {
            parts: vec!["she".into(), "b".into()],
            last_partial: true
        }));
        // A whole syllable that could still grow is a prefix while typing: xin → 信, 星, 行.
        let q = PinyinQuery::parse("zhengfuxin").unwrap();
        assert!(q.readings.contains(&Reading::Syllables {
            parts: vec!["zheng".into(), "fu".into(), "xin".into()],
            last_partial: true
        }));
        assert_eq!(find_match(&q, "政府信息"), Some(0..3));
        assert_eq!(find_match(&q, "政府行为"), Some(0..3));
        assert!(PinyinQuery::parse("s").is_none());
        assert!(PinyinQuery::parse("社保").is_none());
        assert!(PinyinQuery::parse("2012").is_none());
        assert!(PinyinQuery::parse("ＳＢ").is_some());
    }

    #[test]
    fn long_letter_runs_that_are_not_pinyin_are_cheap() {
        // Exponentially many splits of "xian…xian" would otherwise be tried before the
        // unparseable tail is reached.
        let q = PinyinQuery::parse(&format!("{}vv", "xian".repeat(24))).unwrap();
        assert_eq!(q.readings.len(), 1, "only the initials reading");
        let q = PinyinQuery::parse(&"xian".repeat(25)).unwrap();
        assert!(q.readings.len() <= MAX_SPLITS + 1);
    }

    #[test]
    fn find_match_confirms_runs() {
        let q = PinyinQuery::parse("blsp").unwrap();
        assert_eq!(
            find_match(&q, "2012年全市并联审批工作实施意见"),
            Some(7..11)
        );
        assert_eq!(find_match(&q, "并联工作审批"), None);
        let q = PinyinQuery::parse("chongqing").unwrap();
        assert_eq!(find_match(&q, "重庆"), Some(0..2));
        let q = PinyinQuery::parse("xiamen").unwrap();
        assert_eq!(find_match(&q, "厦门"), Some(0..2));
        let q = PinyinQuery::parse("yinhang").unwrap();
        assert_eq!(find_match(&q, "银行"), Some(0..2));
        let q = PinyinQuery::parse("sb").unwrap();
        assert_eq!(find_match(&q, "医保社保"), Some(2..4));
    }

    #[test]
    fn fts_expressions() {
        let q = PinyinQuery::parse("sb").unwrap();
        assert!(q.fts_expr().starts_with(&format!("(\"{MARK}isb\")")));
        assert!(q.tokens_are_exact());
        let m = MARK;
        let q = PinyinQuery::parse("blsp").unwrap();
        assert!(q.fts_expr().starts_with(&format!("(\"{m}qblsp\")")));
        assert!(q.tokens_are_exact());
        let q = PinyinQuery::parse("blspx").unwrap();
        assert!(
            q.fts_expr()
                .starts_with(&format!("(\"{m}qblsp\" AND \"{m}qlspx\")"))
        );
        assert!(!q.tokens_are_exact());
        let q = PinyinQuery::parse("gjj").unwrap();
        assert!(q.fts_expr().starts_with(&format!("(\"{m}tgjj\")")));
        assert!(q.tokens_are_exact());
    }
}
