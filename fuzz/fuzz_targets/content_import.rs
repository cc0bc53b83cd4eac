//! A content file as `readpoint import` reads it: `import::parse_and_validate` (JSON, format,
//! every document's validation, then the set's, with references checked against a cache that
//! holds the bundled sample content, built once per process), then the search index fields of
//! every accepted document (what the import writes next).
#![no_main]

use libfuzzer_sys::fuzz_target;
use readpoint::import;
use readpoint::store::Store;

thread_local! {
    static STORE: Store = {
        let mut store = Store::open_in_memory().expect("in-memory cache");
        import::load_bundled(&mut store).expect("bundled content loads");
        store
    };
}

fuzz_target!(|data: &[u8]| {
    // `import` reads the file as UTF-8 text (a file that is not is rejected there).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    STORE.with(|store| {
        if let Ok(documents) = import::parse_and_validate(text, "fuzz.json", Some(store)) {
            for document in &documents {
                let _ = document.index_fields();
            }
        }
    });
});
