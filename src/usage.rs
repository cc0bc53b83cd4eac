//! Anonymous usage statistics: what the kiosk counts ([`Event`]), how a visitor's actions become
//! per-day counts ([`Tally`]), and the [`recorder`] that keeps them in the cache.
//!
//! Counted, per local day: visitor sessions that had any activity (a session ends with an idle
//! reset), screens opened, documents opened (by id, kind and category), settled searches of the
//! search box (the folded query, hits or no hits), and switches of large text, high contrast,
//! script and read-aloud. Never counted: anything typed outside the search box (the staff PIN pad
//! never reaches this module), anything that identifies a visitor, any time finer than the day.
//! Long digit runs in a query (phone and ID-card numbers) are masked before they are counted.
//!
//! This module is pure: no clock, no threads, no I/O; the recorder does those.

pub mod recorder;

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::store::{OVERFLOW_KEY, UsageCount, UsageEvent};

pub use recorder::{Recorder, RecorderThread};

/// Distinct keys kept per day and event (documents, queries…); further keys are counted under
/// [`OVERFLOW_KEY`]. Bounds memory and the table whatever visitors type.
pub const MAX_KEYS_PER_DAY: usize = 1000;

/// Characters of a query kept (longer ones are cut).
pub const MAX_QUERY_CHARS: usize = 40;

/// A run of this many digits or more in a query is masked (phone, ID-card, bank numbers).
const MASK_DIGITS: usize = 7;

/// A display or speech setting a visitor can switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// 大字.
    LargeText,
    /// 高对比.
    HighContrast,
    /// 繁 (Traditional characters).
    Traditional,
    /// 朗读.
    Speech,
}

impl Setting {
    fn name(self) -> &'static str {
        match self {
            Setting::LargeText => "large_text",
            Setting::HighContrast => "high_contrast",
            Setting::Traditional => "traditional",
            Setting::Speech => "speech",
        }
    }
}

/// Something a visitor did, as the kiosk reports it (UI thread).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A touch that counts as activity but nothing else (scrolling, Back, Home, 继续浏览).
    Activity,
    /// The idle reset: the visitor's session is over.
    SessionEnded,
    /// A screen was opened (its name: `catalogue`, `search`…).
    ScreenOpened(&'static str),
    /// A document was opened.
    DocumentOpened {
        /// Its id.
        id: String,
        /// Its kind's wire name.
        kind: String,
        /// Its category code, if it has one.
        category: Option<String>,
    },
    /// A settled search of the search box (see `view_models::search`: once per query).
    Search {
        /// The text in the box, as typed (folded and masked here).
        query: String,
        /// Whether it found anything.
        hits: bool,
    },
    /// A setting was switched on or off.
    Toggle {
        /// Which one.
        setting: Setting,
        /// Its new state.
        on: bool,
    },
}

/// The key a search box query is counted under: folded like the search index (width, case,
/// Traditional → Simplified), spaces collapsed, digit runs of 7 or more replaced by `#`, cut
/// to [`MAX_QUERY_CHARS`]. Empty when nothing is left.
pub fn query_key(query: &str) -> String {
    let folded = crate::text::fold::fold_str(query);
    let mut out = String::new();
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.chars().count() >= MASK_DIGITS {
            out.push('#');
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in folded
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
    {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out.chars()
        .take(MAX_QUERY_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Counts not yet stored: per day, event and key, with the visitor session's state.
#[derive(Debug, Default)]
pub struct Tally {
    counts: BTreeMap<(Date, UsageEvent), BTreeMap<String, u64>>,
    /// The current visitor session has done something (it is counted once, at its first
    /// action).
    in_session: bool,
}

impl Tally {
    /// Counts `event` on `day`.
    pub fn record(&mut self, day: Date, event: Event) {
        if event == Event::SessionEnded {
            self.in_session = false;
            return;
        }
        if !self.in_session {
            self.in_session = true;
            self.add(day, UsageEvent::Session, "", 1);
        }
        match event {
            Event::Activity | Event::SessionEnded => {}
            Event::ScreenOpened(name) => self.add(day, UsageEvent::Screen, name, 1),
            Event::DocumentOpened { id, kind, category } => {
                self.add(day, UsageEvent::Document, &id, 1);
                self.add(day, UsageEvent::DocumentKind, &kind, 1);
                let category = category.unwrap_or_default();
                self.add(day, UsageEvent::DocumentCategory, &category, 1);
            }
            Event::Search { query, hits } => {
                let key = query_key(&query);
                if key.is_empty() {
                    return;
                }
                self.add(day, UsageEvent::Search, &key, 1);
                if !hits {
                    self.add(day, UsageEvent::SearchNoHits, &key, 1);
                }
            }
            Event::Toggle { setting, on } => {
                let key = format!("{}:{}", setting.name(), if on { "on" } else { "off" });
                self.add(day, UsageEvent::Toggle, &key, 1);
            }
        }
    }

    /// Adds `n` to a count, filing a new key beyond [`MAX_KEYS_PER_DAY`] under
    /// [`OVERFLOW_KEY`].
    fn add(&mut self, day: Date, event: UsageEvent, key: &str, n: u64) {
        let keys = self.counts.entry((day, event)).or_default();
        let key = if keys.contains_key(key) || keys.len() < MAX_KEYS_PER_DAY {
            key
        } else {
            OVERFLOW_KEY
        };
        let count = keys.entry(key.to_owned()).or_default();
        *count = count.saturating_add(n);
    }

    /// Whether there is nothing to store.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Takes the counts out to be stored (the session state stays).
    pub fn take(&mut self) -> Vec<UsageCount> {
        std::mem::take(&mut self.counts)
            .into_iter()
            .flat_map(|((day, event), keys)| {
                keys.into_iter().map(move |(key, count)| UsageCount {
                    day,
                    event,
                    key,
                    count,
                })
            })
            .collect()
    }

    /// Puts back counts that could not be stored, so none is lost.
    pub fn restore(&mut self, counts: Vec<UsageCount>) {
        for count in counts {
            self.add(count.day, count.event, &count.key, count.count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn totals(tally: &mut Tally) -> Vec<(UsageEvent, String, u64)> {
        tally
            .take()
            .into_iter()
            .map(|c| (c.event, c.key, c.count))
            .collect()
    }

    #[test]
    fn a_session_is_counted_once_at_its_first_action() {
        let day = date(2026, 11, 29);
        let mut tally = Tally::default();
        tally.record(day, Event::SessionEnded); // a reset with nobody there
        assert!(tally.is_empty());
        tally.record(day, Event::ScreenOpened("catalogue"));
        tally.record(day, Event::Activity);
        tally.record(day, Event::ScreenOpened("catalogue"));
        tally.record(day, Event::SessionEnded);
        tally.record(day, Event::Activity);
        tally.record(day, Event::SessionEnded);
        assert_eq!(
            totals(&mut tally),
            vec![
                (UsageEvent::Session, String::new(), 2),
                (UsageEvent::Screen, "catalogue".into(), 2),
            ]
        );
    }

    #[test]
    fn documents_searches_and_toggles() {
        let day = date(2026, 11, 29);
        let mut tally = Tally::default();
        tally.record(
            day,
            Event::DocumentOpened {
                id: "ce-1".into(),
                kind: "catalogue_entry".into(),
                category: Some("BMFW".into()),
            },
        );
        tally.record(
            day,
            Event::Search {
                query: " 醫保 ".into(),
                hits: true,
            },
        );
        tally.record(
            day,
            Event::Search {
                query: "ZZQX".into(),
                hits: false,
            },
        );
        tally.record(
            day,
            Event::Search {
                query: "   ".into(),
                hits: false,
            },
        );
        tally.record(
            day,
            Event::Toggle {
                setting: Setting::LargeText,
                on: true,
            },
        );
        let got = totals(&mut tally);
        for expected in [
            (UsageEvent::Document, "ce-1".to_owned(), 1),
            (UsageEvent::DocumentKind, "catalogue_entry".to_owned(), 1),
            (UsageEvent::DocumentCategory, "BMFW".to_owned(), 1),
            (UsageEvent::Search, "医保".to_owned(), 1),
            (UsageEvent::Search, "zzqx".to_owned(), 1),
            (UsageEvent::SearchNoHits, "zzqx".to_owned(), 1),
            (UsageEvent::Toggle, "large_text:on".to_owned(), 1),
        ] {
            assert!(got.contains(&expected), "{expected:?} in {got:?}");
        }
        assert_eq!(got.len(), 8, "with the session: {got:?}");
    }

    #[test]
    fn query_keys_are_folded_cut_and_mask_long_numbers() {
        assert_eq!(query_key("  ＰＤＦ   申請 "), "pdf 申请");
        assert_eq!(query_key("2012年 报告"), "2012年 报告");
        assert_eq!(query_key("电话13912345678"), "电话#");
        assert_eq!(query_key("51110019800101123X"), "#x");
        assert_eq!(
            query_key(&"社".repeat(100)).chars().count(),
            MAX_QUERY_CHARS
        );
        assert_eq!(query_key(" \t"), "");
    }

    #[test]
    fn keys_per_day_are_capped_and_restored_counts_are_kept() {
        let day = date(2026, 1, 1);
        let mut tally = Tally::default();
        for i in 0..MAX_KEYS_PER_DAY + 5 {
            tally.record(
                day,
                Event::ScreenOpened(if i == 0 { "search" } else { "x" }),
            );
            tally.record(
                day,
                Event::Search {
                    query: format!("q{i}"),
                    hits: true,
                },
            );
        }
        let batch = tally.take();
        assert!(tally.is_empty());
        let searches: Vec<&UsageCount> = batch
            .iter()
            .filter(|c| c.event == UsageEvent::Search)
            .collect();
        assert_eq!(searches.len(), MAX_KEYS_PER_DAY + 1);
        let overflow = searches.iter().find(|c| c.key == OVERFLOW_KEY).unwrap();
        assert_eq!(overflow.count, 5);
        let total: u64 = batch.iter().map(|c| c.count).sum();
        tally.restore(batch);
        tally.record(day, Event::ScreenOpened("search"));
        let again = tally.take();
        assert_eq!(again.iter().map(|c| c.count).sum::<u64>(), total + 1);
    }
}
