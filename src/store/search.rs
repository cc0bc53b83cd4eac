//! Chinese full-text search over the cache: query planning, ranking, snippets and facets.
//!
//! Text is segmented in Rust (`text::segment`) into two FTS5 tables with the `ascii` tokenizer, so
//! 1- and 2-character queries match exactly as substrings, Traditional queries find Simplified text
//! (both sides are folded), and letters also search pinyin keys of titles and keywords:
//! - `search_index` keeps positions, for phrases (a term of two or more characters is the phrase
//!   of its bigrams) and for one-character terms in the title side;
//! - `search_terms` keeps no positions: each CJK character of a document once, and the pinyin
//!   keys of its title and keywords. A one-character term found anywhere, and every pinyin
//!   reading, is looked up there. Positions would be most of the index and none of these
//!   lookups reads them.
//!
//! Ranking, in tiers: hits in the title, keywords, 索引号 or 文号 first; then pinyin hits; then
//! hits in summary and body only. Within a tier, by weight (BM25's term-frequency part: how often
//! the terms occur against the length of the tier's columns; see [`super::tier_weight`]), then
//! recency — except when a tier matches more than [`RANKED_LIMIT`] documents: weighing tens of
//! thousands of matches costs more than a visitor can wait, and for such common terms the
//! weight barely separates documents, so that tier is listed newest first.
//! Pinyin hits, and body hits of a query with a one-character term (which `search_terms` cannot
//! weigh), are always ordered by recency. Recall never depends on these choices: every matching
//! document is in the result list.
//!
//! While the index is being rebuilt (a new build changed the token layout; see
//! [`Store::reindex_if_stale`]), searches answer from a scan of the documents instead — slower,
//! with the same tiers and the same recall — so the kiosk never waits for the rebuild to start.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::Serialize;

use super::rowid_list::rowids_of;
use super::write::INDEX_VERSION;
use super::{Result, Store, StoreError, match_facets};
use crate::content::Document;
use crate::text::fold::{fold_char, is_cjk};
use crate::text::pinyin::{self, PinyinQuery};
use crate::text::segment::{Run, fts_phrase, runs, term_tokens};

/// Above this many matches in a tier, the tier is ordered by recency instead of by weight.
pub const RANKED_LIMIT: usize = 2_000;
/// Results beyond this depth are not listed (the visitor is asked to narrow the search).
pub const MAX_DEPTH: usize = 1_000;
/// From this many documents on, a search's row-id list (a facet count) is read in two halves
/// at once (the upper one on a second, read-only connection); below it, a second thread costs
/// more than it saves.
pub const HALVES_FROM: usize = 20_000;
/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// Most whitespace-separated terms accepted.
pub const MAX_TERMS: usize = 8;
/// Characters of context shown in a snippet.
const SNIPPET_CHARS: usize = 60;
/// Characters of context before the first highlight.
const SNIPPET_LEAD: usize = 16;
/// Punctuation after which a snippet may start.
const CLAUSE_ENDS: [char; 8] = ['。', '，', '；', '：', '、', '！', '？', ' '];

/// A search as the kiosk or the CLI asks for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    /// What the visitor typed.
    pub query: String,
    /// Only this category (facet chip), if set.
    pub category: Option<String>,
    /// Only this year, if set.
    pub year: Option<i32>,
    /// Only this publisher, if set.
    pub publisher: Option<String>,
    /// Hits to skip (paging).
    pub offset: usize,
    /// Hits to return.
    pub limit: usize,
}

/// Where a hit matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchTier {
    /// Title, keywords, 索引号 or 文号.
    Title,
    /// Pinyin or pinyin initials of the title or keywords.
    Pinyin,
    /// Summary or body only.
    Body,
}

/// A piece of text with highlighted character ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// The text shown.
    pub text: String,
    /// Highlighted ranges, in characters of `text`, sorted and disjoint.
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The text with each highlight wrapped in `open` … `close`.
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 8 * self.highlights.len());
        let mut ranges = self.highlights.iter().peekable();
        for (i, c) in self.text.chars().enumerate() {
            if ranges.peek().is_some_and(|r| r.start == i) {
                out.push_str(open);
            }
            out.push(c);
            if let Some(r) = ranges.peek()
                && r.end == i + 1
            {
                out.push_str(close);
                ranges.next();
            }
        }
        out
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// Stable document id.
    pub id: String,
    /// Wire kind name.
    pub kind: String,
    /// The title, with the matched characters highlighted.
    pub title: Snippet,
    /// A passage of the summary or body around the first match.
    pub snippet: Snippet,
    /// Higher is better: 3 + relevance for title hits, 2 for pinyin, 1 + relevance for body
    /// hits; relevance is the hit's `tier_weight` mapped into [0, 1), or 0 where recency decided
    /// the order.
    pub score: f64,
    /// Where it matched.
    pub tier: MatchTier,
    /// YYYY-MM-DD, if dated.
    pub date: Option<String>,
    /// Category code, if any.
    pub category: Option<String>,
    /// Publisher name, if any.
    pub publisher: Option<String>,
}

/// One page of results.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchResults {
    /// The hits of this page, best first.
    pub hits: Vec<SearchHit>,
    /// Whether another page follows.
    pub has_more: bool,
}

/// A match in an attachment's text: which document lists it, and on which page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttachmentHit {
    /// The document that lists the attachment.
    pub document: String,
    /// The document's title.
    pub title: String,
    /// The attachment's place in the document's attachments (0 = first).
    pub position: usize,
    /// The attachment's file name.
    pub file_name: String,
    /// The page (1 = first).
    pub page: u32,
    /// A passage of the page around the first match.
    pub snippet: Snippet,
}

/// Counts over every match of a query: how many pass the request's filters, and per category,
/// year and publisher, each under the request's *other* filters (what choosing that value
/// instead would leave).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SearchFacets {
    /// Matching documents, under every filter.
    pub total: u64,
    /// Per category code, under the year and publisher filters.
    pub category: Vec<super::FacetCount>,
    /// Per year, newest first, under the category and publisher filters.
    pub year: Vec<super::FacetCount>,
    /// Per publisher, under the category and year filters.
    pub publisher: Vec<super::FacetCount>,
}

/// A query turned into FTS5 expressions.
#[derive(Debug, Clone)]
struct Plan {
    /// Every term as one FTS5 expression, without columns.
    terms: String,
    /// Every term in title-side columns (`search_index`).
    title: String,
    /// Every term anywhere.
    anywhere: Anywhere,
    /// The pinyin reading of a single letters-only term, and its expression over
    /// `search_terms`.
    pinyin: Option<(PinyinQuery, String)>,
    /// Highlight needles per term: the folded term, then its runs.
    needles: Vec<Vec<Vec<char>>>,
}

impl Plan {
    /// The pinyin query, and where its candidates are found.
    fn pinyin_source(&self) -> Option<(&PinyinQuery, Source<'_>)> {
        self.pinyin.as_ref().map(|(query, expr)| {
            let source = Source {
                table: "search_terms",
                expr,
                chars: None,
            };
            (query, source)
        })
    }
}

/// Where the documents holding every term somewhere are found. A term of one CJK character is
/// looked up in `search_terms` (each character once per document, no positions); every other
/// term is a phrase, in all columns of `search_index`.
#[derive(Debug, Clone)]
enum Anywhere {
    /// Phrases only.
    Phrases(String),
    /// Single characters only.
    Chars(String),
    /// The phrases' matches that also hold the characters.
    Both { phrases: String, chars: String },
}

impl Anywhere {
    fn source(&self) -> Source<'_> {
        match self {
            Anywhere::Phrases(phrases) => Source {
                table: "search_index",
                expr: phrases,
                chars: None,
            },
            Anywhere::Chars(chars) => Source {
                table: "search_terms",
                expr: chars,
                chars: None,
            },
            Anywhere::Both { phrases, chars } => Source {
                table: "search_index",
                expr: phrases,
                chars: Some(chars),
            },
        }
    }
}

/// Matches streamed from one FTS5 table: rows matching `expr` in `table` that, when `chars` is
/// set, also hold those characters in `search_terms`.
struct Source<'p> {
    table: &'static str,
    expr: &'p str,
    chars: Option<&'p str>,
}

impl Source<'_> {
    /// A query of the matches' row ids, joined with the filter's clauses on `document d`
    /// (`filters`, numbered from `?2`, with `filter_values`), followed by `tail` (an order, or
    /// nothing); and its parameters.
    fn sql(&self, filters: &str, filter_values: &[Value], tail: &str) -> (String, Vec<Value>) {
        let t = self.table;
        let join = filter_join(t, filters);
        let mut values = vec![Value::Text(self.expr.to_owned())];
        values.extend_from_slice(filter_values);
        let mut sql = format!("SELECT {t}.rowid FROM {t}{join} WHERE {t} MATCH ?1");
        if let Some(chars) = self.chars {
            values.push(Value::Text(chars.to_owned()));
            sql.push_str(&format!(
                " AND {t}.rowid IN (SELECT rowid FROM search_terms WHERE search_terms MATCH ?{})",
                values.len()
            ));
        }
        sql.push_str(tail);
        (sql, values)
    }
}

const TITLE_COLUMNS: &str = "{title title_uni}";
/// The same columns by number, as `tier_weight` takes them.
const TITLE_COLUMN_NUMBERS: [usize; 2] = [0, 1];

fn plan(query: &str) -> Result<Plan> {
    let chars = query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(StoreError::Query(format!(
            "the search is too long ({chars} characters; at most {MAX_QUERY_CHARS}): use a few key words"
        )));
    }
    let terms: Vec<&str> = query
        .split(|c: char| fold_char(c).is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    if terms.len() > MAX_TERMS {
        return Err(StoreError::Query(format!(
            "too many words ({}; at most {MAX_TERMS}): use fewer key words",
            terms.len()
        )));
    }
    let mut phrases = Vec::new();
    let (mut long, mut chars) = (Vec::new(), Vec::new());
    let mut needles = Vec::new();
    for term in &terms {
        let Some(tokens) = term_tokens(term) else {
            continue;
        };
        let phrase = fts_phrase(&tokens.phrase, tokens.prefix);
        match tokens.phrase.as_slice() {
            [one] if !tokens.prefix && one.chars().count() == 1 && one.chars().all(is_cjk) => {
                chars.push(phrase.clone())
            }
            _ => long.push(phrase.clone()),
        }
        phrases.push(phrase);
        let whole: Vec<char> = term.chars().map(fold_char).collect();
        let mut term_needles = vec![whole];
        let parts = runs(term);
        if parts.len() > 1 {
            term_needles.extend(parts.into_iter().map(|run| match run {
                Run::Cjk(chars) => chars,
                Run::Word(word) => word.chars().collect(),
            }));
        }
        needles.push(term_needles);
    }
    if phrases.is_empty() {
        return Err(StoreError::Query(
            "the search has no Chinese characters, letters or digits: type a word to search for"
                .into(),
        ));
    }
    let joined = phrases.join(" AND ");
    let pinyin = match terms.as_slice() {
        [only] => PinyinQuery::parse(only).map(|q| {
            let expr = q.fts_expr();
            (q, expr)
        }),
        _ => None,
    };
    // Every column of `search_index`, so no column filter: FTS5 then hands each row's
    // positions over as they are stored instead of copying out those of the listed columns.
    let in_all_columns = |phrases: &[String]| format!("({})", phrases.join(" AND "));
    let anywhere = match (long.is_empty(), chars.is_empty()) {
        (_, true) => Anywhere::Phrases(in_all_columns(&long)),
        (true, false) => Anywhere::Chars(chars.join(" AND ")),
        (false, false) => Anywhere::Both {
            phrases: in_all_columns(&long),
            chars: chars.join(" AND "),
        },
    };
    Ok(Plan {
        terms: joined.clone(),
        title: format!("{TITLE_COLUMNS} : ({joined})"),
        anywhere,
        pinyin,
        needles,
    })
}

/// Filter clauses on the joined `document d`, numbered from `?2` (`?1` is the MATCH expression,
/// which may appear after them in the statement text).
fn filter_sql(req: &SearchRequest) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut values = Vec::new();
    let mut push = |column: &str, value: Value| {
        values.push(value);
        sql.push_str(&format!(" AND d.{column} = ?{}", values.len() + 1));
    };
    if let Some(category) = &req.category {
        push("category", Value::Text(category.clone()));
    }
    if let Some(year) = req.year {
        push("year", Value::Integer(year.into()));
    }
    if let Some(publisher) = &req.publisher {
        push("publisher", Value::Text(publisher.clone()));
    }
    (sql, values)
}

/// The join of `document d` that a query of `table` needs for the filter clauses `filters`
/// (none without a filter: the query keeps FTS5's own order).
fn filter_join(table: &str, filters: &str) -> String {
    if filters.is_empty() {
        String::new()
    } else {
        format!(" JOIN document d ON d.recency = {table}.rowid{filters}")
    }
}

/// What the ranking tiers of one search share: how many hits are wanted, the filter, and the
/// hits found so far (each document once).
struct Tally<'f> {
    need: usize,
    filters: &'f str,
    filter_values: &'f [Value],
    ranked: Vec<Ranked>,
    seen: HashSet<i64>,
}

impl Tally<'_> {
    /// The query's parameters: the match expression, then the filter's values.
    fn values(&self, expr: &str) -> Vec<Value> {
        let mut values = vec![Value::Text(expr.to_owned())];
        values.extend_from_slice(self.filter_values);
        values
    }

    /// Whether enough hits are listed.
    fn is_full(&self) -> bool {
        self.ranked.len() >= self.need
    }

    /// Lists the document at `rowid`, unless an earlier tier did.
    fn add(&mut self, rowid: i64, tier: MatchTier, relevance: f64) {
        if self.seen.insert(rowid) {
            self.ranked.push(Ranked {
                rowid,
                tier,
                relevance,
            });
        }
    }
}

/// A ranked candidate before hydration.
struct Ranked {
    /// The search index rowid, which is `document.recency`.
    rowid: i64,
    tier: MatchTier,
    relevance: f64,
}

impl Store {
    /// Runs a search and returns one page of hits with highlighted titles and snippets.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        let plan = plan(&req.query)?;
        // Hits are listed down to MAX_DEPTH; one more tells whether another page follows.
        let end = req.offset.saturating_add(req.limit).min(MAX_DEPTH);
        let need = end + 1;
        if !self.index_ready()? {
            let mut tiers: [Vec<Ranked>; 3] = Default::default();
            self.scan(req, &plan, |rowid, tier, _| {
                let slot = match tier {
                    MatchTier::Title => 0,
                    MatchTier::Pinyin => 1,
                    MatchTier::Body => 2,
                };
                tiers[slot].push(Ranked {
                    rowid,
                    tier,
                    relevance: 0.0,
                });
            })?;
            let ranked: Vec<Ranked> = tiers.into_iter().flatten().take(need).collect();
            let has_more = ranked.len() > end && end < MAX_DEPTH;
            let page: Vec<Ranked> = ranked.into_iter().take(end).skip(req.offset).collect();
            let hits = self.hydrate(&page, &plan)?;
            return Ok(SearchResults { hits, has_more });
        }
        let (filters, filter_values) = filter_sql(req);
        let mut tally = Tally {
            need,
            filters: &filters,
            filter_values: &filter_values,
            ranked: Vec::new(),
            seen: HashSet::new(),
        };

        // Tier 1: title side, weighed against the title side's length.
        self.rank_tier(
            &plan.title,
            &TITLE_COLUMN_NUMBERS,
            MatchTier::Title,
            &mut tally,
        )?;

        // Tiers 2 and 3 list only what the tiers before them did not: a tier is read only when
        // those before it were read to the end, so the hits listed so far are all of theirs.

        // Tier 2: pinyin of title and keywords, confirmed against the text when tokens can't prove it.
        if let Some((query, source)) = plan.pinyin_source()
            && !tally.is_full()
        {
            let confirm = (!query.tokens_are_exact()).then_some(query);
            self.recency_tier(&source, MatchTier::Pinyin, confirm, &mut tally)?;
        }

        // Tier 3: summary and body; weighed where positions are kept (phrases only).
        if !tally.is_full() {
            match &plan.anywhere {
                Anywhere::Phrases(all) => {
                    let expr = format!("({all}) NOT ({})", plan.title);
                    self.rank_tier(&expr, &[], MatchTier::Body, &mut tally)?;
                }
                anywhere => {
                    self.recency_tier(&anywhere.source(), MatchTier::Body, None, &mut tally)?
                }
            }
        }

        let ranked = tally.ranked;
        let has_more = ranked.len() > end && end < MAX_DEPTH;
        let page: Vec<Ranked> = ranked.into_iter().take(end).skip(req.offset).collect();
        let hits = self.hydrate(&page, &plan)?;
        Ok(SearchResults { hits, has_more })
    }

    /// Pages of attachments whose text matches `query` (every term, as the document search
    /// matches them), at most `limit`, each with the document that lists its attachment. Pages
    /// of attachments no shown document lists are skipped.
    pub fn search_attachments(&self, query: &str, limit: usize) -> Result<Vec<AttachmentHit>> {
        let plan = plan(query)?;
        let wrap = |e| self.sqlite_err(e);
        let expr = format!("{{text text_uni}} : ({})", plan.terms);
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT p.attachment, p.page, p.text, d.id, d.title, a.position, a.file_name
                 FROM attachment_index i
                 JOIN attachment_page p ON p.id = i.rowid
                 JOIN document_attachment a ON a.attachment = p.attachment
                 JOIN document d ON d.recency = a.recency AND d.shown
                 WHERE attachment_index MATCH ?1
                 ORDER BY d.recency DESC, a.position, p.page
                 LIMIT ?2",
            )
            .map_err(wrap)?;
        let rows = statement
            .query_map(
                rusqlite::params![expr, i64::try_from(limit).unwrap_or(i64::MAX)],
                |row| {
                    Ok((
                        row.get::<_, String>(2)?,
                        row.get::<_, u32>(1)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, i64>(5)?,
                        row.get::<_, String>(6)?,
                    ))
                },
            )
            .map_err(wrap)?;
        let mut hits = Vec::new();
        for row in rows {
            let (text, page, document, title, position, file_name) = row.map_err(wrap)?;
            let text = super::pages::searchable(&text);
            let ranges = highlight(&text, &plan.needles);
            let first = ranges.first().map_or(0, |r| r.start);
            hits.push(AttachmentHit {
                document,
                title,
                position: usize::try_from(position).unwrap_or(0),
                file_name,
                page,
                snippet: window(&text, first, &ranges),
            });
        }
        Ok(hits)
    }

    /// Appends up to `need` hits of one tier. Up to [`RANKED_LIMIT`] + 1 matches are read first,
    /// in FTS5's own (ascending) order, which is cheapest, each with its
    /// [`tier_weight`](super::tier_weight) (the length of `columns`, every column when empty).
    /// A tier within the limit is then listed by weight, newest first among equals; a larger
    /// one is read again newest first, as many as are needed.
    ///
    /// One pass serves both: finding a small tier costs a scan of every position list of its
    /// terms, most of a long phrase's search (`行政复议`: 65 of 88 million instructions), while
    /// weighing the rows a large tier's first pass reads costs far less (18 million for
    /// `政务服务`).
    fn rank_tier(
        &self,
        expr: &str,
        columns: &[usize],
        tier: MatchTier,
        tally: &mut Tally<'_>,
    ) -> Result<()> {
        let join = filter_join("search_index", tally.filters);
        let values = tally.values(expr);
        let read = |sql: &str| -> Result<Vec<(i64, f64)>> {
            self.conn
                .prepare_cached(sql)
                .and_then(|mut s| {
                    s.query_map(params_from_iter(values.iter()), |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })?
                    .collect()
                })
                .map_err(|e| self.sqlite_err(e))
        };
        let columns: String = columns.iter().map(|c| format!(", {c}")).collect();
        let mut rows = read(&format!(
            "SELECT search_index.rowid, tier_weight(search_index{columns}) FROM search_index{join}
             WHERE search_index MATCH ?1 LIMIT {}",
            RANKED_LIMIT + 1
        ))?;
        if rows.len() <= RANKED_LIMIT {
            // By weight; equal weights newest first.
            rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        } else {
            // `need` rows suffice: at most `ranked.len()` of them are already listed (a body hit
            // may have been listed as a pinyin hit) and `need - ranked.len()` are still wanted.
            rows = read(&format!(
                "SELECT search_index.rowid, 0.0 FROM search_index{join}
                 WHERE search_index MATCH ?1 ORDER BY search_index.rowid DESC LIMIT {}",
                tally.need
            ))?;
        }
        for (rowid, weight) in rows {
            if tally.is_full() {
                break;
            }
            // Weights are positive, higher is better: map them into [0, 1).
            let relevance = if weight > 0.0 {
                weight / (1.0 + weight)
            } else {
                0.0
            };
            tally.add(rowid, tier, relevance);
        }
        Ok(())
    }

    /// Appends the hits of one tier newest first (relevance 0), skipping documents already
    /// listed; with `confirm`, only those whose title or keywords read as that pinyin query.
    fn recency_tier(
        &self,
        source: &Source<'_>,
        tier: MatchTier,
        confirm: Option<&PinyinQuery>,
        tally: &mut Tally<'_>,
    ) -> Result<()> {
        // Matches stream from FTS5 newest first; joining `document` only when a filter needs it
        // keeps that order native (no sort of every match).
        let order = format!(" ORDER BY {}.rowid DESC", source.table);
        let (sql, values) = source.sql(tally.filters, tally.filter_values, &order);
        let err = |e| self.sqlite_err(e);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(err)?;
        let mut rows = stmt.query(params_from_iter(values.iter())).map_err(err)?;
        while !tally.is_full() {
            let Some(row) = rows.next().map_err(err)? else {
                break;
            };
            let rowid: i64 = row.get(0).map_err(err)?;
            if tally.seen.contains(&rowid) {
                continue;
            }
            if match confirm {
                Some(query) => reads_as(&self.conn, query, rowid).map_err(err)?,
                None => true,
            } {
                tally.add(rowid, tier, 0.0);
            }
        }
        Ok(())
    }

    /// Loads the page's documents and builds highlighted titles and snippets.
    fn hydrate(&self, page: &[Ranked], plan: &Plan) -> Result<Vec<SearchHit>> {
        if page.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = vec!["?"; page.len()].join(",");
        let sql = format!(
            "SELECT recency, id, kind, title, json, date, category, publisher, summary
             FROM document WHERE recency IN ({placeholders})"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sqlite_err(e))?;
        let mut rows: Vec<(i64, SearchHit, Value, String)> = stmt
            .query_map(params_from_iter(page.iter().map(|r| r.rowid)), |row| {
                let title: String = row.get(3)?;
                let hit = SearchHit {
                    id: row.get(1)?,
                    kind: row.get(2)?,
                    title: Snippet {
                        text: title,
                        highlights: Vec::new(),
                    },
                    snippet: Snippet::default(),
                    score: 0.0,
                    tier: MatchTier::Body,
                    date: row.get(5)?,
                    category: row.get(6)?,
                    publisher: row.get(7)?,
                };
                Ok((
                    row.get::<_, i64>(0)?,
                    hit,
                    // Unpacked only when the snippet needs the body (below).
                    row.get::<_, Value>(4)?,
                    row.get::<_, String>(8)?,
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.sqlite_err(e))?;
        let mut hits = Vec::with_capacity(page.len());
        for ranked in page {
            let Some(pos) = rows.iter().position(|(rowid, ..)| *rowid == ranked.rowid) else {
                continue;
            };
            let (_, mut hit, json, summary) = rows.swap_remove(pos);
            hit.tier = ranked.tier;
            hit.score = match ranked.tier {
                MatchTier::Title => 3.0 + ranked.relevance,
                MatchTier::Pinyin => 2.0,
                MatchTier::Body => 1.0 + ranked.relevance,
            };
            hit.title.highlights = highlight(&hit.title.text, &plan.needles);
            if let Some((query, _)) = &plan.pinyin
                && hit.title.highlights.is_empty()
                && let Some(range) = pinyin::find_match(query, &hit.title.text)
            {
                hit.title.highlights = vec![range];
            }
            // Snippets come from the document's own text, as its kind defines it: the summary
            // when it holds a match (stored as a column: no need to read the whole document),
            // else the body. A stored document this build no longer reads still gets its stored
            // summary.
            let in_summary = highlight(&summary, &plan.needles);
            hit.snippet = match in_summary.first() {
                Some(first) => window(&summary, first.start, &in_summary),
                None => {
                    let fields = super::packed::unpack((&json).into())
                        .ok()
                        .and_then(|json| serde_json::from_str(&json).ok())
                        .and_then(|value| Document::from_value(value).ok())
                        .map(|doc| doc.index_fields());
                    match fields {
                        Some(fields) => snippet(&fields.summary, &fields.body, &plan.needles),
                        None => snippet(&summary, "", &plan.needles),
                    }
                }
            };
            hits.push(hit);
        }
        Ok(hits)
    }

    /// Counts every match of a query per category, year and publisher, each facet under the
    /// request's other filters (so a chip shows what tapping it would leave, and a selected
    /// chip what tapping another value of its facet would), with the total under all of them:
    /// one pass over the matches answers the whole chip row. Costs time proportional to the
    /// number of matches: the kiosk asks for it after showing the first page. With the index
    /// ready it reads only the index's row ids and looks each one up in the documents' facets
    /// held in memory (`match_facets`); while searches scan, it counts the scan's matches.
    pub fn search_facets(&self, req: &SearchRequest) -> Result<SearchFacets> {
        if !self.index_ready()? {
            return self.search_facets_of_matches(req);
        }
        let plan = plan(&req.query)?;
        let table = self
            .match_facets
            .get(&self.conn)
            .map_err(|e| self.sqlite_err(e))?;
        let year = req.year.map(|y| y.to_string());
        let wanted = [
            req.category.as_deref(),
            year.as_deref(),
            req.publisher.as_deref(),
        ];
        let wanted: [Option<u32>; match_facets::FACETS] =
            std::array::from_fn(|facet| wanted[facet].map(|value| table.values[facet].id(value)));
        let (lower, upper) = self.over_matches(
            &plan,
            &table,
            || FacetTally::new(&table, wanted),
            FacetTally::add,
        )?;
        let FacetTally {
            total,
            counts: tallies,
            ..
        } = match upper {
            Some(upper) => lower.merge(upper),
            None => lower,
        };
        let [category, year, publisher] = tallies.map(|tally| {
            tally
                .into_iter()
                .enumerate()
                .filter(|(_, n)| *n > 0)
                .collect::<Vec<_>>()
        });
        let named = |facet: usize, counts: Vec<(usize, u64)>| {
            counts
                .into_iter()
                .map(|(id, count)| (table.values[facet].value(id).to_owned(), count))
                .collect::<HashMap<_, _>>()
        };
        Ok(SearchFacets {
            total,
            category: sorted_facet(named(0, category), false),
            year: sorted_facet(named(1, year), true),
            publisher: sorted_facet(named(2, publisher), false),
        })
    }

    /// [`Store::search_facets`] over [`Store::for_each_match`] (the scan, before the index is
    /// ready).
    fn search_facets_of_matches(&self, req: &SearchRequest) -> Result<SearchFacets> {
        let mut tallies: [HashMap<String, u64>; match_facets::FACETS] = Default::default();
        let mut total = 0;
        let unfiltered = SearchRequest {
            category: None,
            year: None,
            publisher: None,
            ..req.clone()
        };
        self.for_each_match(&unfiltered, |m| {
            let values = [m.category, m.year.map(|y| y.to_string()), m.publisher];
            let fails = [
                req.category.is_some() && values[0] != req.category,
                req.year.is_some() && m.year != req.year.map(i64::from),
                req.publisher.is_some() && values[2] != req.publisher,
            ];
            let counted = Counted::given(fails);
            if counted == Counted::Everywhere {
                total += 1;
            }
            for (facet, value) in values.into_iter().enumerate() {
                if let Some(value) = value
                    && counted.in_facet(facet)
                {
                    *tallies[facet].entry(value).or_default() += 1;
                }
            }
        })?;
        let [category, year, publisher] = tallies;
        Ok(SearchFacets {
            total,
            category: sorted_facet(category, false),
            year: sorted_facet(year, true),
            publisher: sorted_facet(publisher, false),
        })
    }

    /// The ids of every document the query matches, unordered (tests and benchmarks use it to
    /// measure recall; the kiosk pages through [`Store::search`] instead).
    pub fn search_all_ids(&self, req: &SearchRequest) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        self.for_each_match(req, |m| ids.push(m.id))?;
        Ok(ids)
    }

    /// Calls `visit` for every document the query matches: literal matches anywhere, and pinyin
    /// matches of title or keywords (confirmed against the text where tokens cannot prove them).
    fn for_each_match(&self, req: &SearchRequest, mut visit: impl FnMut(MatchRow)) -> Result<()> {
        let plan = plan(&req.query)?;
        if !self.index_ready()? {
            return self.scan(req, &plan, |_, _, found| visit(found));
        }
        let err = |e| self.sqlite_err(e);
        // Only columns of the covering index `document_match`.
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, category, year, publisher FROM document INDEXED BY document_match
                 WHERE recency = ?1",
            )
            .map_err(err)?;
        let table = self.match_facets.get(&self.conn).map_err(err)?;
        let (lower, upper) = self.over_matches(&plan, &table, Vec::new, Vec::push)?;
        for rowid in lower.into_iter().chain(upper.into_iter().flatten()) {
            let row = stmt
                .query_row([rowid], |row| {
                    Ok(MatchRow {
                        id: row.get(0)?,
                        category: row.get(1)?,
                        year: row.get(2)?,
                        publisher: row.get(3)?,
                    })
                })
                .map_err(err)?;
            let wanted = req
                .category
                .as_ref()
                .is_none_or(|c| row.category.as_ref() == Some(c))
                && req.year.is_none_or(|y| row.year == Some(i64::from(y)))
                && req
                    .publisher
                    .as_ref()
                    .is_none_or(|p| row.publisher.as_ref() == Some(p));
            if wanted {
                visit(row);
            }
        }
        Ok(())
    }

    /// Visits the row ids of every match of `plan` (see [`visit_matches`]): `start` makes a
    /// tally, and `add` adds a row id to it. From [`HALVES_FROM`] documents on (as `table`, the
    /// connection's facet table, counts and splits them), the two halves of the index are read
    /// at once, the upper one on the [second reader](super::second_reader), each half into its
    /// own tally on the thread that read it: the lower half's tally, then the upper half's if
    /// it was read apart.
    fn over_matches<T: Send>(
        &self,
        plan: &Plan,
        table: &match_facets::MatchFacets,
        start: impl Fn() -> T + Sync,
        add: impl Fn(&mut T, i64) + Sync,
    ) -> Result<(T, Option<T>)> {
        let err = |e| self.sqlite_err(e);
        let half = |conn: &rusqlite::Connection, low: i64, high: i64| {
            let mut tally = start();
            visit_matches(conn, plan, low, high, |rowid| add(&mut tally, rowid)).map(|()| tally)
        };
        if let Some(middle) = table.middle_key(self.halves_from)
            && let Some((lower, upper)) = self.second_reader.join(
                &self.path,
                || half(&self.conn, i64::MIN, middle),
                |conn| half(conn, middle, i64::MAX),
            )
        {
            return Ok((lower.map_err(err)?, Some(upper.map_err(err)?)));
        }
        Ok((half(&self.conn, i64::MIN, i64::MAX).map_err(err)?, None))
    }
}

/// Calls `visit` with the index row id (= recency key) of every match of `plan` from `low`
/// (`i64::MIN` for no lower bound) up to (not including) `high` (`i64::MAX` for no upper
/// bound), unfiltered, each once: literal matches anywhere, in ascending order, then pinyin
/// matches that are not literal ones, confirmed against the text when their tokens cannot
/// prove them (the index must be ready).
fn visit_matches(
    conn: &rusqlite::Connection,
    plan: &Plan,
    low: i64,
    high: i64,
    mut visit: impl FnMut(i64),
) -> rusqlite::Result<()> {
    let pinyin = plan.pinyin_source();
    let literal = with_rowid_list(conn, &plan.anywhere.source(), low, high, |list| {
        let mut literal = HashSet::new();
        for rowid in rowids_of(list) {
            if pinyin.is_some() {
                literal.insert(rowid);
            }
            visit(rowid);
        }
        literal
    })?;
    let Some((query, source)) = pinyin else {
        return Ok(());
    };
    let candidates: Vec<i64> = with_rowid_list(conn, &source, low, high, |list| {
        rowids_of(list)
            .filter(|rowid| !literal.contains(rowid))
            .collect()
    })?;
    let exact = query.tokens_are_exact();
    for rowid in candidates {
        if exact || reads_as(conn, query, rowid)? {
            visit(rowid);
        }
    }
    Ok(())
}

/// Whether the title or a keyword of the document at `rowid` really reads as the pinyin query
/// (pair tokens only prove that the pairs occur, not that they are consecutive).
fn reads_as(
    conn: &rusqlite::Connection,
    query: &PinyinQuery,
    rowid: i64,
) -> rusqlite::Result<bool> {
    let (title, keywords): (String, String) = conn
        .prepare_cached("SELECT title, keywords FROM document WHERE recency = ?1")
        .and_then(|mut stmt| stmt.query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?))))?;
    Ok(pinyin::find_match(query, &title).is_some()
        || keywords
            .lines()
            .any(|k| pinyin::find_match(query, k).is_some()))
}

/// Hands `read` the row ids `source` matches from `low` (`i64::MIN` for no lower bound) up to
/// (not including) `high` (`i64::MAX` for no upper bound), as one `rowid_list` BLOB read in
/// place, and returns what it returns.
fn with_rowid_list<T>(
    conn: &rusqlite::Connection,
    source: &Source<'_>,
    low: i64,
    high: i64,
    read: impl FnOnce(&[u8]) -> T,
) -> rusqlite::Result<T> {
    let t = source.table;
    let (mut sql, mut values) = source.sql("", &[], "");
    // FTS5 seeks to the bounds but SQLite still tests each row against them: only the
    // bounds there are go into the statement.
    if low != i64::MIN {
        values.push(Value::Integer(low));
        sql.push_str(&format!(" AND {t}.rowid >= ?{}", values.len()));
    }
    if high != i64::MAX {
        values.push(Value::Integer(high));
        sql.push_str(&format!(" AND {t}.rowid < ?{}", values.len()));
    }
    let mut stmt = conn.prepare_cached(&format!("SELECT rowid_list(rowid) FROM ({sql})"))?;
    stmt.query_row(params_from_iter(values.iter()), |row| {
        Ok(read(row.get_ref(0)?.as_blob()?))
    })
}

/// Facet counts as the kiosk lists them: years newest first, other facets most matches first.
fn sorted_facet(map: HashMap<String, u64>, by_value_desc: bool) -> Vec<super::FacetCount> {
    let mut v: Vec<super::FacetCount> = map
        .into_iter()
        .map(|(value, count)| super::FacetCount { value, count })
        .collect();
    if by_value_desc {
        v.sort_by(|a, b| b.value.cmp(&a.value));
    } else {
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    }
    v
}

impl Store {
    /// Whether the search index holds this build's tokens (`INDEX_VERSION`); until then
    /// searches scan the documents.
    pub fn index_ready(&self) -> Result<bool> {
        Ok(self.meta("index_version")?.as_deref() == Some(INDEX_VERSION))
    }

    /// The stand-in for the index while it is rebuilt: every shown document (after the
    /// request's filters), newest first, matched as the index would — every term in the title
    /// side (title, keywords, 索引号, 文号), else the pinyin of title or keywords, else every
    /// term anywhere — on folded text. Calls `visit` with each match and its tier.
    fn scan(
        &self,
        req: &SearchRequest,
        plan: &Plan,
        mut visit: impl FnMut(i64, MatchTier, MatchRow),
    ) -> Result<()> {
        let (filters, mut values) = filter_sql(req);
        // The filters are numbered from ?2; ?1 (the MATCH expression elsewhere) is unused here.
        values.insert(0, Value::Null);
        let sql = format!(
            "SELECT d.recency, d.id, d.title, d.keywords, d.codes, d.json, d.category, d.year,
                    d.publisher
             FROM document d WHERE d.shown AND ?1 IS NULL{filters} ORDER BY d.recency DESC"
        );
        let terms: Vec<&[char]> = plan
            .needles
            .iter()
            .filter_map(|needle| needle.first().map(Vec::as_slice))
            .collect();
        let has_all = |text: &[char]| terms.iter().all(|term| contains(text, term));
        let err = |e| self.sqlite_err(e);
        let mut stmt = self.conn.prepare(&sql).map_err(err)?;
        let mut rows = stmt.query(params_from_iter(values.iter())).map_err(err)?;
        while let Some(row) = rows.next().map_err(err)? {
            let read = (|| -> rusqlite::Result<_> {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    MatchRow {
                        id: row.get(1)?,
                        category: row.get(6)?,
                        year: row.get(7)?,
                        publisher: row.get(8)?,
                    },
                ))
            })();
            let (rowid, title, keywords, codes, found) = read.map_err(err)?;
            let title_side: Vec<char> = [title.as_str(), &keywords, &codes]
                .join("\n")
                .chars()
                .map(fold_char)
                .collect();
            let tier = if has_all(&title_side) {
                Some(MatchTier::Title)
            } else if plan.pinyin.as_ref().is_some_and(|(query, _)| {
                pinyin::find_match(query, &title).is_some()
                    || keywords
                        .lines()
                        .any(|k| pinyin::find_match(query, k).is_some())
            }) {
                Some(MatchTier::Pinyin)
            } else {
                let json = super::packed::unpack(row.get_ref(5).map_err(err)?).unwrap_or_default();
                let fields = serde_json::from_str(&json)
                    .ok()
                    .and_then(|value| Document::from_value(value).ok())
                    .map(|doc| doc.index_fields());
                let everything: Vec<char> = match fields {
                    Some(fields) => [fields.summary.as_str(), &fields.body]
                        .join("\n")
                        .chars()
                        .map(fold_char)
                        .chain(std::iter::once('\n'))
                        .chain(title_side.iter().copied())
                        .collect(),
                    None => title_side.clone(),
                };
                has_all(&everything).then_some(MatchTier::Body)
            };
            if let Some(tier) = tier {
                visit(rowid, tier, found);
            }
        }
        Ok(())
    }
}

/// Whether `needle` occurs in `hay`.
fn contains(hay: &[char], needle: &[char]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|window| window == needle)
}

/// The chip counts of some of a search's matches ([`Store::search_facets`]): each half of the
/// index is tallied on the thread that read it, and the halves' tallies are added.
struct FacetTally<'t> {
    walk: match_facets::Walk<'t>,
    /// Per facet, the value id its filter asks for.
    wanted: [Option<u32>; match_facets::FACETS],
    /// Matches that pass every filter.
    total: u64,
    /// Per facet, per value id, the matches its chip counts.
    counts: [Vec<u64>; match_facets::FACETS],
}

impl<'t> FacetTally<'t> {
    fn new(
        table: &'t match_facets::MatchFacets,
        wanted: [Option<u32>; match_facets::FACETS],
    ) -> Self {
        FacetTally {
            walk: table.walk(),
            wanted,
            total: 0,
            counts: std::array::from_fn(|facet| vec![0; table.values[facet].len()]),
        }
    }

    /// Counts the match at `rowid` (a document no longer held is skipped).
    fn add(&mut self, rowid: i64) {
        let Some(ids) = self.walk.of(rowid) else {
            return;
        };
        let fails =
            std::array::from_fn(|facet| self.wanted[facet].is_some_and(|want| want != ids[facet]));
        let counted = Counted::given(fails);
        if counted == Counted::Everywhere {
            self.total += 1;
        }
        for (facet, counts) in self.counts.iter_mut().enumerate() {
            if counted.in_facet(facet)
                && let Some(slot) = counts.get_mut(ids[facet] as usize)
            {
                *slot += 1;
            }
        }
    }

    /// Both tallies' counts in one (of the same table and filters).
    fn merge(mut self, other: FacetTally<'_>) -> Self {
        self.total += other.total;
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            for (slot, n) in mine.iter_mut().zip(theirs) {
                *slot += n;
            }
        }
        self
    }
}

/// The counts a match enters in [`Store::search_facets`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counted {
    /// The total and every facet: the match passes every filter.
    Everywhere,
    /// Only this facet (its chips show what choosing another value of it would leave): the
    /// match fails this facet's filter alone.
    Only(usize),
    /// None: the match fails the filters of two facets or more.
    Nowhere,
}

impl Counted {
    /// Where a match counts, given which facets' filters it fails (in the order of
    /// `SearchFacets`).
    fn given(fails: [bool; match_facets::FACETS]) -> Counted {
        let mut failed = (0..fails.len()).filter(|&facet| fails[facet]);
        match (failed.next(), failed.next()) {
            (None, _) => Counted::Everywhere,
            (Some(facet), None) => Counted::Only(facet),
            (Some(_), Some(_)) => Counted::Nowhere,
        }
    }

    /// Whether the match counts in `facet`.
    fn in_facet(self, facet: usize) -> bool {
        match self {
            Counted::Everywhere => true,
            Counted::Only(only) => only == facet,
            Counted::Nowhere => false,
        }
    }
}

/// A matching document's facet fields.
struct MatchRow {
    id: String,
    category: Option<String>,
    year: Option<i64>,
    publisher: Option<String>,
}

/// Character ranges of `text` where any needle occurs (after folding), merged.
fn highlight(text: &str, needles: &[Vec<Vec<char>>]) -> Vec<Range<usize>> {
    let folded: Vec<char> = text.chars().map(fold_char).collect();
    let mut ranges = Vec::new();
    for term in needles {
        // The whole term first; its runs only when the whole term does not occur.
        for (i, needle) in term.iter().enumerate() {
            let found = find_all(&folded, needle);
            let any = !found.is_empty();
            ranges.extend(found);
            if any && i == 0 {
                break;
            }
        }
    }
    merge(ranges)
}

fn find_all(hay: &[char], needle: &[char]) -> Vec<Range<usize>> {
    if needle.is_empty() || needle.len() > hay.len() {
        return Vec::new();
    }
    (0..=hay.len() - needle.len())
        .filter(|&i| hay[i..i + needle.len()] == *needle)
        .map(|i| i..i + needle.len())
        .collect()
}

fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// A window of the summary (preferred) or body around the first match; the start of the
/// summary when neither matches (a title or pinyin hit).
fn snippet(summary: &str, body: &str, needles: &[Vec<Vec<char>>]) -> Snippet {
    for text in [summary, body] {
        let ranges = highlight(text, needles);
        if let Some(first) = ranges.first() {
            return window(text, first.start, &ranges);
        }
    }
    let text = if summary.is_empty() { body } else { summary };
    window(text, 0, &[])
}

fn window(text: &str, first: usize, ranges: &[Range<usize>]) -> Snippet {
    // Line breaks become spaces: one character for one, so ranges stay valid.
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    let first = first.min(chars.len());
    // Start at the beginning of the match's clause when it is near, else a little before it.
    let earliest = first.saturating_sub(2 * SNIPPET_LEAD);
    let start = match chars[earliest..first]
        .iter()
        .rposition(|&c| CLAUSE_ENDS.contains(&c))
    {
        Some(pos) => earliest + pos + 1,
        None => first.saturating_sub(SNIPPET_LEAD),
    };
    let start = start
        + chars[start..first]
            .iter()
            .take_while(|c| c.is_whitespace())
            .count();
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let lead = usize::from(start > 0);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    // Ranges crossing the window's edges are clipped, not dropped.
    let highlights = ranges
        .iter()
        .filter(|r| r.end > start && r.start < end)
        .map(|r| (r.start.max(start) - start + lead)..(r.end.min(end) - start + lead))
        .collect();
    Snippet {
        text: out,
        highlights,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_ids_read_in_two_halves_are_those_read_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("cache.db")).unwrap();
        crate::import::load_bundled(&mut store).unwrap();
        let queries = [
            "信息",
            "社",
            "公开 社",
            "社 审批",
            "blsp",
            "xxgk",
            "2012",
            "乐市",
        ];
        let read = |store: &Store| {
            queries.map(|query| {
                let plan = plan(query).unwrap();
                let request = SearchRequest {
                    query: query.into(),
                    ..Default::default()
                };
                let table = store.match_facets.get(&store.conn).unwrap();
                let (lower, upper) = store
                    .over_matches(&plan, &table, Vec::new, Vec::push)
                    .unwrap();
                let mut rowids: Vec<i64> = lower
                    .into_iter()
                    .chain(upper.into_iter().flatten())
                    .collect();
                rowids.sort_unstable();
                let mut ids = store.search_all_ids(&request).unwrap();
                ids.sort_unstable();
                (rowids, store.search_facets(&request).unwrap(), ids)
            })
        };
        let at_once = read(&store);
        assert!(!store.second_reader.is_open());
        store.halves_from = 0;
        let in_halves = read(&store);
        assert!(
            store.second_reader.is_open(),
            "the halves were read at once"
        );
        for ((query, once), halves) in queries.iter().zip(&at_once).zip(&in_halves) {
            assert!(once.1.total > 0, "{query} matches");
            assert_eq!(once, halves, "{query}");
        }
    }

    #[test]
    fn plans_reject_empty_and_absurd_queries() {
        assert!(matches!(plan(""), Err(StoreError::Query(_))));
        assert!(matches!(plan("，。！？"), Err(StoreError::Query(_))));
        assert!(matches!(plan(&"社".repeat(101)), Err(StoreError::Query(_))));
        assert!(matches!(
            plan("a b c d e f g h i"),
            Err(StoreError::Query(_))
        ));
        let p = plan("社保").unwrap();
        assert_eq!(p.title, "{title title_uni} : (\"社保\")");
        assert!(p.pinyin.is_none());
        let p = plan("sb").unwrap();
        assert!(p.pinyin.is_some());
    }

    #[test]
    fn snippet_windows_and_marks() {
        let needles = vec![vec!["社保".chars().collect::<Vec<_>>()]];
        let s = snippet(
            "",
            &format!("{}社保卡{}", "前".repeat(30), "后".repeat(80)),
            &needles,
        );
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        assert!(s.marked("【", "】").contains("【社保】"));
        let s = snippet("医保与社保", "", &needles);
        assert_eq!(s.marked("[", "]"), "医保与[社保]");
    }

    #[test]
    fn a_match_counts_in_every_facet_whose_chips_it_would_leave() {
        assert_eq!(Counted::given([false; 3]), Counted::Everywhere);
        let failing_year = Counted::given([false, true, false]);
        assert_eq!(failing_year, Counted::Only(1));
        assert_eq!(
            (0..3).map(|f| failing_year.in_facet(f)).collect::<Vec<_>>(),
            [false, true, false]
        );
        assert_eq!(Counted::given([true, false, true]), Counted::Nowhere);
        assert!(!(0..3).any(|f| Counted::Nowhere.in_facet(f)));
    }

    #[test]
    fn highlight_folds_script_and_width() {
        let needles = vec![vec!["医保".chars().collect::<Vec<_>>()]];
        assert_eq!(highlight("社保、醫保", &needles), vec![3..5]);
    }
}
