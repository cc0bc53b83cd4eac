//! Anonymous usage statistics: what the kiosk counts ([`Event`]), how a visitor's actions become
//! per-day counts ([`Tally`]), and the [`recorder`] that keeps them in the cache.
//!
//! Counted, per local day: visitor sessions that had any activity (a session ends with an idle
//! reset), screens opened, documents opened (by id, kind and category), settled searches of the
//! search box (the folded query, hits or no hits), and switches of large text, high contrast,
//! script and read-aloud. Never counted: anything typed outside the search box (the staff PIN pad
//! never reaches this module), anything that identifies a visitor, any time finer than the day.
//!
//! Query texts are the one place a visitor could type something personal (a name, a phone
//! number), so they get three protections before anything is stored:
//! - digit groups are masked ([`query_key`]): digits, full-width digits and Chinese numerals,
//!   joined across spaces, dashes, dots and slashes, become `#` once a group holds
//!   [`MASK_DIGITS`] digits (phone, ID-card, bank numbers and dates of birth, however written);
//! - a query's text is kept only once [`QUERY_MIN_SESSIONS`] different visitor sessions searched
//!   it on that day (k-anonymity); until then its searches are counted under [`OVERFLOW_KEY`],
//!   and they move to the text when it reaches the threshold, so totals never change. The
//!   sessions are told apart by an in-memory number that is never stored;
//! - query texts are kept at most [`QUERY_RETENTION_DAYS`] days (the recorder folds older ones
//!   into [`OVERFLOW_KEY`]).
//!
//! This module is pure: no clock, no threads, no I/O; the recorder does those.

pub mod recorder;

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;

use crate::store::{OVERFLOW_KEY, UsageCount, UsageEvent};

pub use recorder::{Recorder, RecorderSettings, RecorderThread};

/// Distinct keys kept per day and event (documents, queries…); further keys are counted under
/// [`OVERFLOW_KEY`]. Bounds memory and the table whatever visitors type.
pub const MAX_KEYS_PER_DAY: usize = 1000;

/// Characters of a query kept (longer ones are cut).
pub const MAX_QUERY_CHARS: usize = 40;

/// A digit group of this many digits or more in a query is masked (phone, ID-card and bank
/// numbers, dates of birth); shorter ones (a year, a document number) are kept.
pub const MASK_DIGITS: usize = 5;

/// Different visitor sessions that must have searched a query on one day before its text is
/// stored (k-anonymity); until then its searches are counted under [`OVERFLOW_KEY`].
pub const QUERY_MIN_SESSIONS: usize = 3;

/// Days a query text is kept at most, today included (or `stats.retention_days` when that is
/// shorter); the counts themselves stay, under [`OVERFLOW_KEY`].
pub const QUERY_RETENTION_DAYS: u32 = 90;

/// Separator characters a digit group may run across (at most [`MAX_SEPARATORS`] in a row):
/// spaces, dashes, dots and slashes (`139 1234 5678`, `139-1234-5678`, `1980.01.01`).
const MAX_SEPARATORS: usize = 3;

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
    /// The printer accepted a print job.
    Printed {
        /// What was printed (`crate::print::PrintKind::as_str`).
        kind: &'static str,
        /// Its pages.
        pages: u32,
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
/// Traditional → Simplified), spaces collapsed, every digit group of [`MASK_DIGITS`] or more
/// digits replaced by `#` (see [`mask_digit_groups`]), cut to [`MAX_QUERY_CHARS`]. Empty when
/// nothing is left.
pub fn query_key(query: &str) -> String {
    let folded = crate::text::fold::fold_str(query);
    let collapsed = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    mask_digit_groups(&collapsed)
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A digit for masking: any Unicode number (ASCII and full-width digits, ①, Ⅻ, 〇) and the
/// Chinese numerals a number is spelt or read out with (一…九, 零, 两, 幺, 壹…玖, and ○ for zero).
/// Positional characters (十, 百, 千, 万) are not: they make amounts, not identifiers.
fn is_digit(c: char) -> bool {
    c.is_numeric()
        || matches!(
            c,
            '零' | '一'
                | '二'
                | '三'
                | '四'
                | '五'
                | '六'
                | '七'
                | '八'
                | '九'
                | '两'
                | '幺'
                | '壹'
                | '贰'
                | '叁'
                | '肆'
                | '伍'
                | '陆'
                | '柒'
                | '捌'
                | '玖'
                | '○'
                | '◯'
        )
}

/// A character a digit group runs across: spaces, dashes (ASCII, Unicode, the minus sign), dots
/// and slashes.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '.' | '/' | '·'
        )
}

/// Replaces every digit group of [`MASK_DIGITS`] or more digits by `#`. A group is a run of
/// digits (`is_digit`) that may continue across up to `MAX_SEPARATORS` separators between
/// two digits: `139 1234 5678`, `139-1234-5678`, `一三九一二三四五六七八` and `1980/01/01` are
/// each one group. Separators outside a group are kept.
pub fn mask_digit_groups(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = 0;
        let mut end;
        let mut j = i;
        loop {
            while j < chars.len() && is_digit(chars[j]) {
                digits += 1;
                j += 1;
            }
            end = j;
            let mut k = j;
            while k < chars.len() && k - j < MAX_SEPARATORS && is_separator(chars[k]) {
                k += 1;
            }
            if k > j && k < chars.len() && is_digit(chars[k]) {
                j = k;
            } else {
                break;
            }
        }
        if digits >= MASK_DIGITS {
            out.push('#');
        } else {
            out.extend(&chars[start..end]);
        }
        i = end;
    }
    out
}

/// A query whose text may not be stored yet: counted under [`OVERFLOW_KEY`] so far.
#[derive(Debug, Default)]
struct PendingQuery {
    /// The in-memory numbers of the sessions that searched it (at most
    /// [`QUERY_MIN_SESSIONS`]).
    sessions: BTreeSet<u64>,
    /// Its searches so far.
    searches: u64,
    /// Its searches with no result so far.
    no_hits: u64,
}

/// What a flush stores: counts to add, and counts to move from [`OVERFLOW_KEY`] to their own
/// key (queries that reached [`QUERY_MIN_SESSIONS`]; see `Store::usage_add_promoted`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Counts to add.
    pub counts: Vec<UsageCount>,
    /// Counts already added under [`OVERFLOW_KEY`] that now belong to their own key.
    pub promoted: Vec<UsageCount>,
}

impl Batch {
    /// Whether there is nothing to store.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty() && self.promoted.is_empty()
    }
}

/// Counts not yet stored: per day, event and key, with the visitor session's state and the
/// queries that have not yet reached [`QUERY_MIN_SESSIONS`].
#[derive(Debug, Default)]
pub struct Tally {
    counts: BTreeMap<(Date, UsageEvent), BTreeMap<String, u64>>,
    /// Counts to move from [`OVERFLOW_KEY`] to their own key at the next flush.
    promoted: BTreeMap<(Date, UsageEvent, String), u64>,
    /// The current visitor session has done something (it is counted once, at its first
    /// action).
    in_session: bool,
    /// The current session's number: in memory only, to tell sessions apart for
    /// [`QUERY_MIN_SESSIONS`].
    session: u64,
    /// Queries of the latest day below the threshold (at most [`MAX_KEYS_PER_DAY`]).
    pending: BTreeMap<(Date, String), PendingQuery>,
    /// Queries of the latest day whose text may be stored.
    known: BTreeSet<(Date, String)>,
    /// The latest day an event was recorded on: older days' queries are forgotten.
    latest: Option<Date>,
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
            self.session = self.session.wrapping_add(1);
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
            Event::Search { query, hits } => self.search(day, query_key(&query), hits),
            Event::Toggle { setting, on } => {
                let key = format!("{}:{}", setting.name(), if on { "on" } else { "off" });
                self.add(day, UsageEvent::Toggle, &key, 1);
            }
            Event::Printed { kind, pages } => {
                self.add(day, UsageEvent::PrintJob, kind, 1);
                self.add(day, UsageEvent::PrintPages, kind, u64::from(pages));
            }
        }
    }

    /// Counts a search under its key when the key may be stored, else under [`OVERFLOW_KEY`]
    /// while noting its session; promotes it when it reaches [`QUERY_MIN_SESSIONS`].
    fn search(&mut self, day: Date, key: String, hits: bool) {
        if key.is_empty() {
            return;
        }
        self.forget_before(day);
        let slot = (day, key);
        let counted_as = if self.known.contains(&slot) {
            slot.1.as_str()
        } else {
            OVERFLOW_KEY
        };
        let counted_as = counted_as.to_owned();
        self.add(day, UsageEvent::Search, &counted_as, 1);
        if !hits {
            self.add(day, UsageEvent::SearchNoHits, &counted_as, 1);
        }
        if counted_as != OVERFLOW_KEY || slot.1 == OVERFLOW_KEY {
            return;
        }
        if !self.pending.contains_key(&slot) && self.pending.len() >= MAX_KEYS_PER_DAY {
            // Beyond the bound: it stays under OVERFLOW_KEY for the day.
            return;
        }
        let session = self.session;
        let pending = self.pending.entry(slot.clone()).or_default();
        pending.searches = pending.searches.saturating_add(1);
        if !hits {
            pending.no_hits = pending.no_hits.saturating_add(1);
        }
        pending.sessions.insert(session);
        if pending.sessions.len() >= QUERY_MIN_SESSIONS {
            self.promote(slot);
        }
    }

    /// The text of `slot` may be stored from now on: its searches counted under
    /// [`OVERFLOW_KEY`] so far move to it at the next flush.
    fn promote(&mut self, slot: (Date, String)) {
        if let Some(pending) = self.pending.remove(&slot) {
            let (day, key) = &slot;
            for (event, count) in [
                (UsageEvent::Search, pending.searches),
                (UsageEvent::SearchNoHits, pending.no_hits),
            ] {
                if count > 0 {
                    let moved = self.promoted.entry((*day, event, key.clone())).or_default();
                    *moved = moved.saturating_add(count);
                }
            }
        }
        if self.known.len() < MAX_KEYS_PER_DAY {
            self.known.insert(slot);
        }
    }

    /// Queries already stored under their own text on `day` (by an earlier run of the kiosk
    /// that day): they reached the threshold, so their searches count under their text.
    pub fn mark_known(&mut self, day: Date, keys: impl IntoIterator<Item = String>) {
        self.forget_before(day);
        if self.latest.is_some_and(|latest| day < latest) {
            return;
        }
        for key in keys {
            if key != OVERFLOW_KEY && !key.is_empty() {
                self.promote((day, key));
            }
        }
    }

    /// Forgets the query state of days before `day` (their searches stay counted).
    fn forget_before(&mut self, day: Date) {
        if self.latest.is_some_and(|latest| latest >= day) {
            return;
        }
        self.latest = Some(day);
        self.pending.retain(|(d, _), _| *d >= day);
        self.known.retain(|(d, _)| *d >= day);
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
        self.counts.is_empty() && self.promoted.is_empty()
    }

    /// Takes the counts out to be stored (the session and query state stay).
    pub fn take(&mut self) -> Batch {
        let counts = std::mem::take(&mut self.counts)
            .into_iter()
            .flat_map(|((day, event), keys)| {
                keys.into_iter().map(move |(key, count)| UsageCount {
                    day,
                    event,
                    key,
                    count,
                })
            })
            .collect();
        let promoted = std::mem::take(&mut self.promoted)
            .into_iter()
            .map(|((day, event, key), count)| UsageCount {
                day,
                event,
                key,
                count,
            })
            .collect();
        Batch { counts, promoted }
    }

    /// Puts back a batch that could not be stored, so none is lost.
    pub fn restore(&mut self, batch: Batch) {
        for count in batch.counts {
            self.add(count.day, count.event, &count.key, count.count);
        }
        for count in batch.promoted {
            let moved = self
                .promoted
                .entry((count.day, count.event, count.key))
                .or_default();
            *moved = moved.saturating_add(count.count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn totals(tally: &mut Tally) -> Vec<(UsageEvent, String, u64)> {
        let batch = tally.take();
        assert!(batch.promoted.is_empty(), "{batch:?}");
        batch
            .counts
            .into_iter()
            .map(|c| (c.event, c.key, c.count))
            .collect()
    }

    fn search(tally: &mut Tally, day: Date, query: &str, hits: bool) {
        tally.record(
            day,
            Event::Search {
                query: query.into(),
                hits,
            },
        );
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
        search(&mut tally, day, " 醫保 ", true);
        search(&mut tally, day, "ZZQX", false);
        search(&mut tally, day, "   ", false);
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
            // One visitor's queries are not kept as text.
            (UsageEvent::Search, OVERFLOW_KEY.to_owned(), 2),
            (UsageEvent::SearchNoHits, OVERFLOW_KEY.to_owned(), 1),
            (UsageEvent::Toggle, "large_text:on".to_owned(), 1),
        ] {
            assert!(got.contains(&expected), "{expected:?} in {got:?}");
        }
        assert_eq!(got.len(), 7, "with the session: {got:?}");
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
    fn digit_groups_are_masked_across_spaces_dashes_and_scripts() {
        for (typed, key) in [
            // Phone numbers however they are typed.
            ("139 1234 5678", "#"),
            ("139-1234-5678", "#"),
            ("139 - 1234 - 5678", "#"),
            ("１３９　１２３４　５６７８", "#"),
            ("１３９－１２３４－５６７８", "#"),
            ("电话 139.1234.5678 张", "电话 # 张"),
            ("0833–2345678", "#"),
            ("+86 139 1234 5678", "+#"),
            // Spelt or read out in Chinese numerals (and mixed with digits).
            ("一三九一二三四五六七八", "#"),
            ("幺三九 幺二三四 五六七八", "#"),
            ("壹叁玖壹贰叁肆伍陆柒捌", "#"),
            ("1三9 1二34 5678", "#"),
            ("二〇〇一〇一〇一", "#"),
            ("二○○一年一月", "二○○一年一月"),
            // Dates of birth and ID-card numbers in pieces.
            ("1980/01/01", "#"),
            ("1980-01-01出生", "#出生"),
            ("身份证 511100 19800101 123X", "身份证 #x"),
            // Short numbers and words with numerals stay.
            ("2012年度报告", "2012年度报告"),
            ("二〇一二年", "二〇一二年"),
            ("三公经费", "三公经费"),
            ("一网通办", "一网通办"),
            ("十四五规划", "十四五规划"),
            ("3号楼 2单元", "3号楼 2单元"),
            ("2012 2013", "#"),
            ("第1234号", "第1234号"),
            ("a-b 12-", "a-b 12-"),
        ] {
            assert_eq!(query_key(typed), key, "{typed:?}");
        }
    }

    #[test]
    fn a_query_is_kept_only_once_three_sessions_searched_it_that_day() {
        let day = date(2026, 11, 29);
        let mut tally = Tally::default();
        // One visitor searching a name three times: one session, never kept.
        for _ in 0..3 {
            search(&mut tally, day, "张三 低保", false);
        }
        tally.record(day, Event::SessionEnded);
        // 医保 by two visitors: not yet.
        search(&mut tally, day, "医保", true);
        tally.record(day, Event::SessionEnded);
        search(&mut tally, day, "醫保", false);
        let batch = tally.take();
        assert!(batch.promoted.is_empty());
        let keys: BTreeSet<&str> = batch.counts.iter().map(|c| c.key.as_str()).collect();
        assert!(
            !keys.contains("张三 低保") && !keys.contains("医保"),
            "{keys:?}"
        );
        let other = |batch: &Batch, event| {
            batch
                .counts
                .iter()
                .find(|c| c.event == event && c.key == OVERFLOW_KEY)
                .map_or(0, |c| c.count)
        };
        assert_eq!(other(&batch, UsageEvent::Search), 5);
        assert_eq!(other(&batch, UsageEvent::SearchNoHits), 4);
        tally.record(day, Event::SessionEnded);

        // The third visitor: 医保's earlier searches move from (other) to its text.
        search(&mut tally, day, "医保", true);
        let batch = tally.take();
        assert_eq!(
            batch.promoted,
            vec![
                UsageCount {
                    day,
                    event: UsageEvent::Search,
                    key: "医保".into(),
                    count: 3
                },
                UsageCount {
                    day,
                    event: UsageEvent::SearchNoHits,
                    key: "医保".into(),
                    count: 1
                },
            ]
        );
        assert_eq!(other(&batch, UsageEvent::Search), 1);
        // From now on it counts under its text, even in the same session.
        search(&mut tally, day, "医保", true);
        let batch = tally.take();
        assert!(batch.promoted.is_empty());
        assert!(
            batch
                .counts
                .iter()
                .any(|c| c.event == UsageEvent::Search && c.key == "医保" && c.count == 1)
        );
        // The next day starts again from zero.
        let next = date(2026, 11, 30);
        search(&mut tally, next, "医保", true);
        let batch = tally.take();
        assert!(
            batch.counts.iter().all(|c| c.key != "医保"),
            "{:?}",
            batch.counts
        );
    }

    #[test]
    fn queries_stored_earlier_that_day_count_under_their_text() {
        let day = date(2026, 11, 29);
        let mut tally = Tally::default();
        search(&mut tally, day, "社保", true);
        search(&mut tally, day, "低保", true);
        tally.mark_known(day, ["社保".to_owned(), OVERFLOW_KEY.to_owned()]);
        search(&mut tally, day, "社保", true);
        let batch = tally.take();
        assert_eq!(
            batch.promoted,
            vec![UsageCount {
                day,
                event: UsageEvent::Search,
                key: "社保".into(),
                count: 1
            }]
        );
        let searches: Vec<(&str, u64)> = batch
            .counts
            .iter()
            .filter(|c| c.event == UsageEvent::Search)
            .map(|c| (c.key.as_str(), c.count))
            .collect();
        assert_eq!(searches, vec![(OVERFLOW_KEY, 2), ("社保", 1)]);
        // A day already over is not marked.
        tally.mark_known(date(2026, 11, 28), ["低保".to_owned()]);
        assert!(tally.take().is_empty());
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
                Event::DocumentOpened {
                    id: format!("d{i}"),
                    kind: "catalogue_entry".into(),
                    category: None,
                },
            );
        }
        for session in 0..QUERY_MIN_SESSIONS {
            search(&mut tally, day, "社保", session == 0);
            tally.record(day, Event::SessionEnded);
        }
        let batch = tally.take();
        assert!(tally.is_empty());
        let documents: Vec<&UsageCount> = batch
            .counts
            .iter()
            .filter(|c| c.event == UsageEvent::Document)
            .collect();
        assert_eq!(documents.len(), MAX_KEYS_PER_DAY + 1);
        let overflow = documents.iter().find(|c| c.key == OVERFLOW_KEY).unwrap();
        assert_eq!(overflow.count, 5);
        let total: u64 = batch.counts.iter().map(|c| c.count).sum();
        let promoted: u64 = batch.promoted.iter().map(|c| c.count).sum();
        assert_eq!(promoted, 3 + 2);
        tally.restore(batch);
        // A new session and its screen.
        tally.record(day, Event::ScreenOpened("search"));
        let again = tally.take();
        assert_eq!(again.counts.iter().map(|c| c.count).sum::<u64>(), total + 2);
        assert_eq!(
            again.promoted.iter().map(|c| c.count).sum::<u64>(),
            promoted
        );
    }
}
