//! `readpoint-bench search`: builds a synthetic corpus, indexes it into a real cache file, and
//! prints build time, database size, open time, and per query class the search latency (top 20
//! with highlighted snippets), the facet-count latency and the measured recall; under the chip
//! counts of each class of phrases, SQLite's bare count of the same phrases in the same run
//! (the floor that FTS5 and the machine set).
//!
//! Recall is measured, not assumed: for a sample of queries of every class the expected set is
//! computed by brute force over the generated text (substring match after folding; pinyin by
//! confirming against titles and keywords) and compared with every id the index returns.
//!
//! Owns the benchmark's cache file. Prints figures and asserts nothing about time; writes only
//! in the directory it is given (`--keep`) or a temporary one it removes.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use readpoint::content::Document;
use readpoint::store::{CatalogueFilter, ContentVersion, MAX_DEPTH, SearchRequest, Store};
use readpoint::text::fold_str;
use readpoint_test_support::corpus::{self, Corpus};

use super::{Percentiles, ms, peak_rss_mib};
use floor::BareCount;

mod floor;

/// Options of a run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Documents to generate.
    pub docs: usize,
    /// Timed searches per class.
    pub samples: usize,
    /// Corpus seed.
    pub seed: u64,
    /// Keep the database here instead of a temporary directory.
    pub keep: Option<PathBuf>,
    /// Search the database an earlier run kept there instead of building it.
    pub reuse: bool,
    /// List this many slowest searches and facet counts per class.
    pub slowest: usize,
    /// Time only these queries on the reused cache (empty: every class).
    pub queries: Vec<String>,
}

/// Documents written per transaction while building.
const BATCH: usize = 5_000;
/// Queries per class whose recall is checked by brute force.
const RECALL_QUERIES: usize = 8;
/// Timed facet counts per class (cycling through the class's queries).
const FACET_SAMPLES: usize = 100;

/// Runs the benchmark, printing figures to `out` as they are measured.
pub fn run(options: &Options, out: &mut dyn Write) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    let dir = match &options.keep {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("readpoint-bench-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let db_path = dir.join(readpoint::store::CACHE_FILE);
    if !options.reuse {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
        }
    }
    let result = run_in(options, &db_path, out);
    if options.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result?;
    if let Some(rss) = peak_rss_mib() {
        writeln!(out, "peak RSS: {rss:.0} MiB").map_err(io)?;
    }
    Ok(())
}

fn run_in(options: &Options, db_path: &Path, out: &mut dyn Write) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    writeln!(
        out,
        "readpoint-bench search: {} documents, seed {}",
        options.docs, options.seed
    )
    .map_err(io)?;

    if !options.queries.is_empty() {
        check_reusable(db_path, options.docs)?;
        return time_queries(options, db_path, out);
    }
    let started = Instant::now();
    let Corpus { documents, queries } = corpus::generate(options.docs, options.seed);
    writeln!(
        out,
        "generate corpus: {:.1} s",
        started.elapsed().as_secs_f64()
    )
    .map_err(io)?;

    // Texts for brute-force recall: what the index covers, per document.
    let texts: Vec<(String, String, String)> = documents.iter().map(searchable_text).collect();

    if options.reuse {
        check_reusable(db_path, options.docs)?;
        writeln!(out, "build: reused {}", db_path.display()).map_err(io)?;
    } else {
        build(db_path, &documents, out)?;
    }

    let started = Instant::now();
    let (store, _) = Store::open_or_recover(db_path).map_err(|e| e.to_string())?;
    let open = started.elapsed();
    // Queries run as on the kiosk's screens' connection, with its page cache.
    store
        .limit_page_cache(readpoint::view_models::worker::READING_CACHE_KIB)
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    store.verify_integrity().map_err(|e| e.to_string())?;
    writeln!(
        out,
        "open (with the open-time check): {} ms; full quick_check: {} ms",
        ms(open),
        ms(started.elapsed())
    )
    .map_err(io)?;

    // The first search facet count after a commit reads every document's facets into memory.
    let started = Instant::now();
    store
        .search_facets(&SearchRequest {
            query: "信息".into(),
            ..Default::default()
        })
        .map_err(|e| e.to_string())?;
    writeln!(
        out,
        "search facet counts, first after a commit (every document's facets read into memory): {} ms",
        ms(started.elapsed())
    )
    .map_err(io)?;

    let classes: [(&str, &[String]); 6] = [
        ("1-char", &queries.one_char),
        ("2-char heavy", &queries.two_char_heavy),
        ("2-char rare", &queries.two_char_rare),
        ("4+ chars", &queries.long),
        ("pinyin initials", &queries.pinyin_initials),
        ("Traditional", &queries.traditional),
    ];
    writeln!(
        out,
        "\n{:<16} {:>7} {:>9} {:>9} {:>9} {:>11} {:>11} {:>8}",
        "class", "queries", "p50 ms", "p99 ms", "max ms", "facets p50", "facets p99", "recall"
    )
    .map_err(io)?;
    let bare = BareCount::open(db_path)?;
    for (name, list) in classes {
        if list.is_empty() {
            continue;
        }
        let mut search_times = Vec::with_capacity(options.samples);
        // Per query: its longest search.
        let mut slowest_search = vec![Duration::ZERO; list.len()];
        for i in 0..options.samples {
            let request = SearchRequest {
                query: list[i % list.len()].clone(),
                limit: 20,
                ..Default::default()
            };
            let t = Instant::now();
            store.search(&request).map_err(|e| e.to_string())?;
            let took = t.elapsed();
            search_times.push(took);
            let slot = &mut slowest_search[i % list.len()];
            *slot = (*slot).max(took);
        }
        let mut facet_times = Vec::with_capacity(FACET_SAMPLES);
        // Per query: its longest facet count, and how many documents it matched.
        let mut per_query: Vec<(Duration, u64)> = vec![(Duration::ZERO, 0); list.len()];
        for i in 0..FACET_SAMPLES {
            let request = SearchRequest {
                query: list[i % list.len()].clone(),
                ..Default::default()
            };
            let t = Instant::now();
            let facets = store.search_facets(&request).map_err(|e| e.to_string())?;
            let took = t.elapsed();
            facet_times.push(took);
            let slot = &mut per_query[i % list.len()];
            *slot = (slot.0.max(took), facets.total);
        }
        // The floor under a class of phrases' chip counts: SQLite alone, the same phrases, the
        // same halves.
        let floor = match list.iter().all(|query| BareCount::phrase(query).is_some()) {
            true => bare.percentiles((0..FACET_SAMPLES).map(|i| list[i % list.len()].as_str()))?,
            false => None,
        };
        let (mut expected_total, mut found_total) = (0usize, 0usize);
        let mut extra_total = 0usize;
        let mut paged_mismatches = 0usize;
        for query in list.iter().take(RECALL_QUERIES) {
            let request = SearchRequest {
                query: query.clone(),
                ..Default::default()
            };
            let found: HashSet<String> = store
                .search_all_ids(&request)
                .map_err(|e| e.to_string())?
                .into_iter()
                .collect();
            let expected: HashSet<&str> =
                brute_force(query, &documents, &texts).into_iter().collect();
            expected_total += expected.len();
            found_total += expected.iter().filter(|id| found.contains(**id)).count();
            extra_total += found
                .iter()
                .filter(|id| !expected.contains(id.as_str()))
                .count();
            // The ranked, paged list a visitor scrolls must hold the same documents.
            if found.len() <= MAX_DEPTH {
                let paged = page_through(&store, query)?;
                if paged != found {
                    paged_mismatches += 1;
                }
            }
        }
        let search = Percentiles::of(&mut search_times);
        let facets = Percentiles::of(&mut facet_times);
        if extra_total > 0 || paged_mismatches > 0 {
            writeln!(
                out,
                "  {name}: {extra_total} results the brute force did not expect; {paged_mismatches} queries whose paged list differs"
            )
            .map_err(io)?;
        }
        let recall = if expected_total == 0 {
            1.0
        } else {
            found_total as f64 / expected_total as f64
        };
        if options.slowest > 0 {
            let mut order: Vec<usize> = (0..list.len()).collect();
            order.sort_by_key(|&i| std::cmp::Reverse(slowest_search[i]));
            for &i in order.iter().take(options.slowest) {
                writeln!(
                    out,
                    "  search of {:?}: {} ms",
                    list[i],
                    ms(slowest_search[i])
                )
                .map_err(io)?;
            }
            order.sort_by_key(|&i| std::cmp::Reverse(per_query[i].0));
            for &i in order.iter().take(options.slowest) {
                let (took, matches) = per_query[i];
                writeln!(
                    out,
                    "  facets of {:?}: {} ms, {matches} matches",
                    list[i],
                    ms(took)
                )
                .map_err(io)?;
            }
        }
        writeln!(
            out,
            "{name:<16} {:>7} {:>9} {:>9} {:>9} {:>11} {:>11} {:>8.4}",
            list.len(),
            ms(search.p50),
            ms(search.p99),
            ms(search.max),
            ms(facets.p50),
            ms(facets.p99),
            recall
        )
        .map_err(io)?;
        if let Some(floor) = floor {
            writeln!(
                out,
                "  floor under its facets (SQLite's bare count(*) of the same phrases, read as the kiosk reads them): p50 {} p99 {} max {} ms",
                ms(floor.p50),
                ms(floor.p99),
                ms(floor.max)
            )
            .map_err(io)?;
        }
    }
    writeln!(
        out,
        "\nsearch = top 20 with highlighted title and snippet ({} samples per class, warm cache);\n\
         facets = the chip row as the kiosk counts it: the total and per-category/year/publisher counts over every match, in one pass ({FACET_SAMPLES} samples per class, after the first);\n\
         recall = matches found / matches expected by brute force over the generated text.",
        options.samples
    )
    .map_err(io)?;
    browse(&store, out)
}

/// Whether the cache at `db_path` is a finished build of `docs` documents, indexed by this build.
/// `--query`: each query's search (top 20) and facet counts, `samples` times each after one
/// untimed run, on the kept cache.
fn time_queries(options: &Options, db_path: &Path, out: &mut dyn Write) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    let store = Store::open(db_path).map_err(|e| e.to_string())?;
    store
        .limit_page_cache(readpoint::view_models::worker::READING_CACHE_KIB)
        .map_err(|e| e.to_string())?;
    let timed = |run: &mut dyn FnMut() -> Result<(), String>| -> Result<Percentiles, String> {
        run()?;
        let mut times = Vec::with_capacity(options.samples);
        for _ in 0..options.samples {
            let t = Instant::now();
            run()?;
            times.push(t.elapsed());
        }
        Ok(Percentiles::of(&mut times))
    };
    let bare = BareCount::open(db_path)?;
    for query in &options.queries {
        let request = SearchRequest {
            query: query.clone(),
            limit: 20,
            ..Default::default()
        };
        let search = timed(&mut || store.search(&request).map(drop).map_err(|e| e.to_string()))?;
        let facets = timed(&mut || {
            store
                .search_facets(&request)
                .map(drop)
                .map_err(|e| e.to_string())
        })?;
        let floor = match bare.percentiles(std::iter::repeat_n(query.as_str(), options.samples))? {
            Some(floor) => format!(
                "; floor (SQLite's bare count(*)) p50 {} p99 {} max {} ms",
                ms(floor.p50),
                ms(floor.p99),
                ms(floor.max)
            ),
            None => String::new(),
        };
        writeln!(
            out,
            "{query}: search p50 {} p99 {} max {} ms; facets p50 {} p99 {} max {} ms{floor}",
            ms(search.p50),
            ms(search.p99),
            ms(search.max),
            ms(facets.p50),
            ms(facets.p99),
            ms(facets.max)
        )
        .map_err(io)?;
    }
    Ok(())
}

fn check_reusable(db_path: &Path, docs: usize) -> Result<(), String> {
    let unusable = |why: String| {
        format!(
            "cannot reuse {}: {why}; run once without --reuse to build it",
            db_path.display()
        )
    };
    if !db_path.exists() {
        return Err(unusable("there is no cache".into()));
    }
    let store = Store::open(db_path).map_err(|e| unusable(e.to_string()))?;
    let held: u64 = store
        .status()
        .map_err(|e| unusable(e.to_string()))?
        .documents
        .iter()
        .map(|k| k.count)
        .sum();
    if held != docs as u64 {
        return Err(unusable(format!("it holds {held} documents, not {docs}")));
    }
    if !store.index_ready().map_err(|e| unusable(e.to_string()))? {
        return Err(unusable("its search index is not this build's".into()));
    }
    Ok(())
}

/// Writes `documents` into a new cache at `db_path` as an import would, and merges the index.
fn build(
    db_path: &Path,
    documents: &[serde_json::Value],
    out: &mut dyn Write,
) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    let started = Instant::now();
    let mut store = Store::open(db_path).map_err(|e| e.to_string())?;
    let version = ContentVersion {
        version: "bench".into(),
        published_at: None,
        source: "bench".into(),
    };
    let mut parse_time = Duration::ZERO;
    for (n, chunk) in documents.chunks(BATCH).enumerate() {
        let t = Instant::now();
        let docs: Vec<Document> = chunk
            .iter()
            .map(|v| Document::from_value(v.clone()))
            .collect::<Result<_, _>>()
            .map_err(|problems| format!("generated document invalid: {}", problems[0]))?;
        parse_time += t.elapsed();
        store
            .upsert(&docs, &format!("bench-{n}"), Some(&version))
            .map_err(|e| e.to_string())?;
    }
    let insert = started.elapsed();
    let started = Instant::now();
    store.optimize().map_err(|e| e.to_string())?;
    let optimize = started.elapsed();
    let size = store.file_size().map_err(|e| e.to_string())?;
    writeln!(
        out,
        "build: {:.1} s (of which validation {:.1} s) + optimize {:.1} s = {:.1} docs/s; database {:.1} MiB",
        insert.as_secs_f64(),
        parse_time.as_secs_f64(),
        optimize.as_secs_f64(),
        documents.len() as f64 / (insert + optimize).as_secs_f64(),
        size as f64 / (1024.0 * 1024.0)
    )
    .map_err(io)?;
    Ok(())
}

/// Catalogue browsing: a page at the top, one far down reached by jumping, the keyset page after
/// it, and the facet counts, unfiltered and within one category.
fn browse(store: &Store, out: &mut dyn Write) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    let all = CatalogueFilter::default();
    // The first count after a commit reads the facet cube into memory; later ones reuse it.
    let started = Instant::now();
    let facets = store.catalogue_facets(&all).map_err(|e| e.to_string())?;
    let first_facets = started.elapsed();
    let total = usize::try_from(facets.total).unwrap_or(usize::MAX);
    let category = CatalogueFilter {
        category: facets.category.first().map(|f| f.value.clone()),
        ..Default::default()
    };
    let deep = total.saturating_sub(50);
    let e = |e: readpoint::store::StoreError| e.to_string();
    let middle_key = store
        .catalogue_page_at(&all, total / 2, 50)
        .map_err(e)?
        .last()
        .map(|r| r.key);
    let time = |f: &dyn Fn() -> Result<(), String>| -> Result<Percentiles, String> {
        let mut samples = Vec::with_capacity(50);
        for _ in 0..50 {
            let t = Instant::now();
            f()?;
            samples.push(t.elapsed());
        }
        Ok(Percentiles::of(&mut samples))
    };
    let rows = [
        (
            "first page (50 rows)",
            time(&|| store.catalogue_page(&all, None, 50).map(drop).map_err(e))?,
        ),
        (
            "jump to the middle",
            time(&|| {
                store
                    .catalogue_page_at(&all, total / 2, 50)
                    .map(drop)
                    .map_err(e)
            })?,
        ),
        (
            "jump to the end",
            time(&|| store.catalogue_page_at(&all, deep, 50).map(drop).map_err(e))?,
        ),
        (
            "next page (keyset) there",
            time(&|| {
                store
                    .catalogue_page(&all, middle_key, 50)
                    .map(drop)
                    .map_err(e)
            })?,
        ),
        (
            "facet counts, all",
            time(&|| store.catalogue_facets(&all).map(drop).map_err(e))?,
        ),
        (
            "facet counts, one category",
            time(&|| store.catalogue_facets(&category).map(drop).map_err(e))?,
        ),
    ];
    writeln!(out, "\ncatalogue of {total} entries ({} samples each)", 50).map_err(io)?;
    writeln!(
        out,
        "facet counts, first after a commit (the cube read into memory): {:.1} ms",
        first_facets.as_secs_f64() * 1000.0
    )
    .map_err(io)?;
    for (name, p) in rows {
        writeln!(
            out,
            "{name:<28} p50 {:>7} ms  p99 {:>7} ms",
            ms(p.p50),
            ms(p.p99)
        )
        .map_err(io)?;
    }
    Ok(())
}

/// (folded title side, folded body side, raw title + keywords for pinyin) of a generated document.
fn searchable_text(doc: &serde_json::Value) -> (String, String, String) {
    let s = |key: &str| {
        doc.get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let keywords: Vec<String> = doc
        .get("keywords")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let title_side = format!(
        "{}\n{}\n{}\n{}",
        s("title"),
        keywords.join("\n"),
        s("index_no"),
        s("doc_number")
    );
    // A catalogue entry's readable text: summary, body, the reason it is not proactively
    // disclosed, and notes (see content::IndexFields).
    let body_side = format!(
        "{}\n{}\n{}\n{}",
        s("summary"),
        s("body"),
        s("disclosure_mode_reason"),
        s("notes")
    );
    let pinyin_side = format!("{}\n{}", s("title"), keywords.join("\n"));
    (fold_str(&title_side), fold_str(&body_side), pinyin_side)
}

/// Every id of the ranked list, page by page, as the kiosk would scroll it.
fn page_through(store: &Store, query: &str) -> Result<HashSet<String>, String> {
    let mut ids = HashSet::new();
    let mut offset = 0;
    loop {
        let request = SearchRequest {
            query: query.to_owned(),
            offset,
            limit: 200,
            ..Default::default()
        };
        let page = store.search(&request).map_err(|e| e.to_string())?;
        offset += page.hits.len();
        ids.extend(page.hits.into_iter().map(|h| h.id));
        if !page.has_more {
            return Ok(ids);
        }
    }
}

/// Ids of the documents a query should match, by brute force: the folded query as a substring
/// of the title side or the body side, or — for letters — initials of consecutive characters of
/// the title or a keyword, read straight from the `pinyin` crate's heteronym table (independent
/// of the index's own pinyin code).
fn brute_force<'a>(
    query: &str,
    documents: &'a [serde_json::Value],
    texts: &[(String, String, String)],
) -> Vec<&'a str> {
    let needle = fold_str(query);
    let letters: Option<Vec<char>> = (needle.len() >= 2
        && needle.chars().all(|c| c.is_ascii_lowercase()))
    .then(|| needle.chars().collect());
    documents
        .iter()
        .zip(texts)
        .filter(|(_, (title, body, raw))| {
            title.contains(&needle)
                || body.contains(&needle)
                || letters
                    .as_ref()
                    .is_some_and(|l| raw.lines().any(|line| initials_match(l, line)))
        })
        .filter_map(|(doc, _)| doc.get("id").and_then(|v| v.as_str()))
        .collect()
}

/// Whether consecutive characters of `text` have readings starting with `letters`.
fn initials_match(letters: &[char], text: &str) -> bool {
    use pinyin::ToPinyinMulti;
    let initials: Vec<Vec<char>> = text
        .chars()
        .map(|c| {
            c.to_pinyin_multi()
                .map(|m| {
                    m.into_iter()
                        .filter_map(|p| p.plain().chars().next())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    initials
        .windows(letters.len())
        .any(|w| w.iter().zip(letters).all(|(set, l)| set.contains(l)))
}
