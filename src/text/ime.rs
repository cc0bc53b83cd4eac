//! Pinyin input for the on-screen keyboard: the Chinese characters a typed syllable can stand
//! for, most likely first, so a visitor can write a few words (the information wanted on a
//! 申请表) without a physical keyboard or a system input method.
//!
//! Candidates come from the readings of every common character (U+4E00–U+9FFF); characters
//! that government texts use come first, by how often a sample text uses them (the kiosk gives
//! its bundled content), the rest follow in code-point order. Character by character, no
//! phrases. Pure: no I/O; the caller keeps the [`Ime`] it built.

use std::collections::HashMap;

use super::pinyin::readings;

/// Most candidates offered for one syllable.
pub const MAX_CANDIDATES: usize = 60;

/// The pinyin input: syllable → characters, most used first.
pub struct Ime {
    table: HashMap<String, Vec<char>>,
}

impl Ime {
    /// An input whose candidates rank characters by how often `sample` uses them.
    pub fn ranked_by(sample: &str) -> Ime {
        let mut uses: HashMap<char, u32> = HashMap::new();
        for c in sample.chars() {
            if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
                *uses.entry(c).or_default() += 1;
            }
        }
        let mut table: HashMap<String, Vec<char>> = HashMap::new();
        for c in ('\u{4E00}'..='\u{9FFF}').filter(|c| !readings(*c).is_empty()) {
            for reading in readings(c) {
                table.entry((*reading).to_owned()).or_default().push(c);
            }
        }
        for chars in table.values_mut() {
            // Used characters by count (most first), then the rest in code-point order.
            chars.sort_by_key(|c| (std::cmp::Reverse(uses.get(c).copied().unwrap_or(0)), *c));
        }
        Ime { table }
    }

    /// The characters `typed` (lower-case letters, `v` for ü) can stand for: an exact
    /// syllable's characters first, then those of syllables it begins (`zh` offers 政, 中 …),
    /// at most [`MAX_CANDIDATES`].
    pub fn candidates(&self, typed: &str) -> Vec<char> {
        candidates(&self.table, typed)
    }
}

fn candidates(table: &HashMap<String, Vec<char>>, typed: &str) -> Vec<char> {
    let typed = typed.trim().to_ascii_lowercase();
    if typed.is_empty() || !typed.bytes().all(|b| b.is_ascii_lowercase()) {
        return Vec::new();
    }
    let mut out: Vec<char> = table.get(&typed).cloned().unwrap_or_default();
    if out.len() < MAX_CANDIDATES {
        let mut longer: Vec<(&String, &Vec<char>)> = table
            .iter()
            .filter(|(syllable, _)| syllable.len() > typed.len() && syllable.starts_with(&typed))
            .collect();
        longer.sort();
        // Interleave the longer syllables' best characters, so each shows early.
        let mut rank = 0;
        while out.len() < MAX_CANDIDATES && longer.iter().any(|(_, chars)| rank < chars.len()) {
            for (_, chars) in &longer {
                if let Some(c) = chars.get(rank)
                    && !out.contains(c)
                {
                    out.push(*c);
                }
            }
            rank += 1;
        }
    }
    out.truncate(MAX_CANDIDATES);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syllable_offers_the_characters_government_texts_use_first() {
        let ime = Ime::ranked_by(crate::import::BUNDLED_CONTENT);
        let candidates = |typed: &str| ime.candidates(typed);
        let zheng = candidates("zheng");
        assert!(zheng.len() > 10);
        let first: String = zheng[..8].iter().collect();
        assert!(first.contains('政'), "{first}");
        let gong = candidates("gong");
        assert!(gong[..8].contains(&'公'), "{gong:?}");
        let xin = candidates("xin");
        assert!(xin[..8].contains(&'信'), "{xin:?}");
        // An unfinished syllable offers the syllables it begins.
        let zh = candidates("zh");
        assert!(
            zh[..20].contains(&'政') && zh[..20].contains(&'中'),
            "{zh:?}"
        );
        assert!(candidates("lv").contains(&'绿'), "ü typed as v");
        assert!(candidates("").is_empty());
        assert!(candidates("x1").is_empty());
        assert!(candidates("zzzz").is_empty());
        assert!(candidates("a").len() <= MAX_CANDIDATES);
    }
}
