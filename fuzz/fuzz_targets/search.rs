//! The search box: what a visitor types, through query planning (terms, tokens, the FTS5 MATCH
//! expressions, pinyin), to a real search with highlighted snippets and the facet counts, over
//! an in-memory cache built once per process.
//!
//! The cache holds part of the bundled sample content: its agencies, the 2013 catalogue entries
//! and one guide section. With all 63 documents a search costs milliseconds (every hit's JSON is
//! read back for its snippet), too slow to run millions; these few keep every code path (title,
//! pinyin and body tiers, snippets, facets) at a fraction of the cost.
#![no_main]

use libfuzzer_sys::fuzz_target;
use readpoint::content::{ContentFile, Document};
use readpoint::import::BUNDLED_CONTENT;
use readpoint::store::{SearchRequest, Store};

/// Which bundled documents the cache holds.
fn kept(id: &str) -> bool {
    id.starts_with("ag-") || id.starts_with("ce-2013-") || id == "guide-ls-zwzx-2013-s01"
}

thread_local! {
    static STORE: Store = {
        let file = ContentFile::parse(BUNDLED_CONTENT).expect("bundled content parses");
        let documents: Vec<Document> = file
            .documents
            .into_iter()
            .filter(|value| value.get("id").and_then(|id| id.as_str()).is_some_and(kept))
            .map(|value| Document::from_value(value).expect("bundled documents are valid"))
            .collect();
        let mut store = Store::open_in_memory().expect("in-memory cache");
        store.upsert(&documents, "bundled", None).expect("documents stored");
        assert!(store.index_ready().expect("index state"), "the index is built");
        store
    };
}

fuzz_target!(|data: &[u8]| {
    // The kiosk's keyboard and the CLI hand over text.
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let request = SearchRequest {
        query: query.to_owned(),
        limit: 3,
        ..SearchRequest::default()
    };
    STORE.with(|store| {
        let Ok(results) = store.search(&request) else {
            return;
        };
        for hit in &results.hits {
            let _ = hit.title.marked("[", "]");
            let _ = hit.snippet.marked("[", "]");
        }
        let facets = store
            .search_facets(&request)
            .expect("a query that searched counts");
        assert!(
            facets.total >= results.hits.len() as u64,
            "the facets count fewer matches than one page shows"
        );
    });
});
