//! The search box: what a visitor types, through query planning (terms, tokens, the FTS5 MATCH
//! expressions, pinyin), to a real search with highlighted snippets and the facet counts, over
//! an in-memory cache holding the bundled sample content (built once per process).
#![no_main]

use libfuzzer_sys::fuzz_target;
use readpoint::import;
use readpoint::store::{SearchRequest, Store};

thread_local! {
    static STORE: Store = {
        let mut store = Store::open_in_memory().expect("in-memory cache");
        import::load_bundled(&mut store).expect("bundled content loads");
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
        limit: 10,
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
