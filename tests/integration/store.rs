//! The cache file: a corrupt or foreign file is moved aside and rebuilt, never a crash loop;
//! a cache from a newer schema is not silently reused; content survives reopening.

use readpoint::store::{Store, StoreError};

use crate::support::{TempKiosk, stderr, stdout};

#[test]
fn garbage_file_is_moved_aside_and_rebuilt_from_bundled_content() {
    let kiosk = TempKiosk::new();
    std::fs::create_dir_all(&kiosk.data_dir).unwrap();
    std::fs::write(
        kiosk.cache_path(),
        b"this is not a database, it is a shopping list".repeat(200),
    )
    .unwrap();
    let output = kiosk.run(&["search", "社保", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("moved to"),
        "the recovery is reported: {}",
        stderr(&output)
    );
    assert!(stdout(&output).contains("ce-2012-00013"));
    let aside: Vec<_> = std::fs::read_dir(&kiosk.data_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("cache.db.corrupt-")
        })
        .collect();
    assert_eq!(aside.len(), 1, "the bad file is kept for inspection");
    // A second start finds a healthy cache: no second recovery.
    let output = kiosk.run(&["status"]);
    assert!(output.status.success());
    assert!(!stderr(&output).contains("moved to"));
}

#[test]
fn damaged_pages_fail_the_integrity_check_and_are_recovered() {
    let kiosk = TempKiosk::new();
    drop(kiosk.store());
    // Overwrite pages in the middle of a valid database with noise.
    let path = kiosk.cache_path();
    {
        let store = Store::open(&path).unwrap();
        drop(store);
    }
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes.len() > 16 * 4096,
        "the bundled content spans many pages"
    );
    for (i, b) in bytes[8 * 4096..14 * 4096].iter_mut().enumerate() {
        *b = (i * 7919 % 251) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();
    let (store, report) = Store::open_or_recover(&path).unwrap();
    assert!(report.moved_aside.is_some(), "corruption detected at open");
    assert!(
        store.is_empty().unwrap(),
        "a fresh cache, ready for the bundled content"
    );
}

#[test]
fn newer_schema_is_moved_aside_not_downgraded() {
    let kiosk = TempKiosk::new();
    drop(kiosk.store());
    set_user_version(&kiosk.cache_path(), 999);
    let (_, report) = Store::open_or_recover(&kiosk.cache_path()).unwrap();
    assert!(report.reason.unwrap_or_default().contains("newer"));
}

/// Writes `PRAGMA user_version` straight into the file header (big-endian u32 at offset 60), as
/// a newer Readpoint would have left it. The last connection closed, so the WAL is checkpointed.
fn set_user_version(path: &std::path::Path, version: u32) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[60..64].copy_from_slice(&version.to_be_bytes());
    std::fs::write(path, &bytes).unwrap();
}

#[test]
fn content_survives_reopening() {
    let kiosk = TempKiosk::new();
    let before = kiosk.store().status().unwrap();
    let after = Store::open(&kiosk.cache_path()).unwrap().status().unwrap();
    assert_eq!(before.documents, after.documents);
    assert_eq!(
        after
            .content_version
            .as_deref()
            .map(|v| v.starts_with("bundled-")),
        Some(true)
    );
}

#[test]
fn browsing_queries_serve_every_screen() {
    let store = crate::support::bundled_store();
    let guide = store.guide_sections().unwrap();
    assert_eq!(
        guide.iter().map(|g| g.title.as_str()).collect::<Vec<_>>(),
        [
            "说明",
            "政府信息的分类与编排体系",
            "主动公开",
            "依申请公开",
            "监督和救济"
        ]
    );
    let reports = store.annual_reports().unwrap();
    assert_eq!(
        reports.iter().map(|r| r.year).collect::<Vec<_>>(),
        [Some(2022), Some(2012)]
    );

    // Keyset pages, newest first, cover the catalogue exactly once.
    let filter = readpoint::store::CatalogueFilter::default();
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = store.catalogue_page(&filter, after, 10).unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|r| r.key);
        rows.extend(page);
    }
    assert_eq!(rows.len(), 34);
    // Jumping to any position gives the same rows as paging there.
    for offset in [0, 7, 20, 33, 34] {
        let jumped = store.catalogue_page_at(&filter, offset, 10).unwrap();
        let expected: Vec<_> = rows.iter().skip(offset).take(10).cloned().collect();
        assert_eq!(jumped, expected, "offset {offset}");
    }
    assert!(
        rows.windows(2).all(|w| w[0].date >= w[1].date),
        "newest first"
    );
    assert!(rows.iter().all(|r| {
        r.index_no
            .as_deref()
            .is_some_and(|i| i.starts_with("000000019/"))
    }));

    let facets = store.catalogue_facets(&filter).unwrap();
    assert_eq!(facets.total, 34);
    // Years of the entries' 生成日期: the superior regulations keep their own years.
    assert_eq!(
        facets
            .year
            .iter()
            .map(|f| (f.value.as_str(), f.count))
            .collect::<Vec<_>>(),
        [
            ("2013", 9),
            ("2012", 22),
            ("2010", 1),
            ("2008", 1),
            ("2007", 1)
        ]
    );
    let blsp = readpoint::store::CatalogueFilter {
        category: Some("BLSP".into()),
        ..Default::default()
    };
    let page = store.catalogue_page(&blsp, None, 100).unwrap();
    assert_eq!(
        page.len() as u64,
        store.catalogue_facets(&blsp).unwrap().total
    );
    assert!(page.iter().all(|r| r.category.as_deref() == Some("BLSP")));
    // Facets of other dimensions respect the selected category; the category facet itself
    // still offers every category.
    let f = store.catalogue_facets(&blsp).unwrap();
    assert!(f.category.len() > 5);
    assert_eq!(f.year.iter().map(|y| y.count).sum::<u64>(), f.total);

    let doc = store.document("ce-2012-00009").unwrap().expect("document");
    assert_eq!(
        doc.document.raw.text("doc_number"),
        Some("乐市政务发〔2012〕9号")
    );
    assert!(store.document("no-such-id").unwrap().is_none());
    let related = store.related("ce-2012-00009", 4).unwrap();
    assert_eq!(related.len(), 4);
    assert!(related.iter().all(|r| r.id != "ce-2012-00009"));
}

#[test]
fn another_programs_database_is_not_taken_over() {
    let kiosk = TempKiosk::new();
    std::fs::create_dir_all(&kiosk.data_dir).unwrap();
    {
        let conn = rusqlite::Connection::open(kiosk.cache_path()).unwrap();
        conn.execute_batch("CREATE TABLE document (x); INSERT INTO document VALUES (1);")
            .unwrap();
    }
    let (store, report) = Store::open_or_recover(&kiosk.cache_path()).unwrap();
    assert!(
        report
            .reason
            .unwrap_or_default()
            .contains("another program")
    );
    assert!(store.is_empty().unwrap());
    let aside = report.moved_aside.expect("moved aside");
    let conn = rusqlite::Connection::open(aside).unwrap();
    let kept: i64 = conn
        .query_row("SELECT x FROM document", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 1, "the other program's data is kept intact");
}

#[test]
fn a_stale_search_index_is_scanned_at_open_and_rebuilt_later() {
    let kiosk = TempKiosk::new();
    let request = |query: &str| readpoint::store::SearchRequest {
        query: query.into(),
        limit: 50,
        ..Default::default()
    };
    let ids = |store: &Store, query: &str| {
        let mut ids: Vec<String> = store
            .search(&request(query))
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.id)
            .collect();
        ids.sort();
        ids
    };
    let queries = [
        "blsp",
        "社保",
        "信息公开",
        "乐市政务发",
        "2012",
        "社",
        "醫",
        "社 审批",
    ];
    let indexed: Vec<Vec<String>> = queries.iter().map(|q| ids(&kiosk.store(), q)).collect();
    let facets = kiosk.store().search_facets(&request("信息")).unwrap();
    {
        // As an older build would have left it: another index version, other tokens.
        let conn = rusqlite::Connection::open(kiosk.cache_path()).unwrap();
        conn.execute_batch(
            "UPDATE meta SET value = 'old' WHERE key = 'index_version';
             INSERT INTO search_index(search_index) VALUES ('delete-all');
             INSERT INTO search_terms(search_terms) VALUES ('delete-all');",
        )
        .unwrap();
    }
    // Opening does not rebuild (a large cache would keep the kiosk from starting for minutes):
    // searches scan meanwhile, with the same results.
    let mut store = Store::open(&kiosk.cache_path()).unwrap();
    assert!(!store.index_ready().unwrap());
    for (query, expected) in queries.iter().zip(&indexed) {
        assert!(!expected.is_empty(), "{query} finds something");
        assert_eq!(&ids(&store, query), expected, "scan of {query}");
    }
    assert_eq!(store.search_facets(&request("信息")).unwrap(), facets);
    // The rebuild, as the kiosk runs it after start-up.
    assert!(store.reindex_if_stale().unwrap() > 0);
    assert!(store.index_ready().unwrap());
    for (query, expected) in queries.iter().zip(&indexed) {
        assert_eq!(&ids(&store, query), expected, "index of {query}");
    }
    assert_eq!(store.reindex_if_stale().unwrap(), 0, "once");
}

#[test]
fn full_integrity_check_passes_on_a_healthy_cache() {
    let kiosk = TempKiosk::new();
    kiosk.store().verify_integrity().expect("healthy");
}

#[test]
fn a_damaged_search_index_fails_the_full_check_and_the_check_at_open() {
    for table in ["search_index", "search_terms"] {
        let kiosk = TempKiosk::new();
        let store = kiosk.store();
        store.verify_integrity().expect("healthy");
        {
            // A leaf of the inverted index overwritten, as a bad sector would leave it: the
            // b-trees stay sound, so only FTS5's own check can see it.
            let conn = rusqlite::Connection::open(kiosk.cache_path()).unwrap();
            conn.execute_batch(&format!(
                "UPDATE {table}_data SET block = zeroblob(length(block))
                 WHERE id = (SELECT max(id) FROM {table}_data);"
            ))
            .unwrap();
        }
        let err = store.verify_integrity().expect_err("damaged");
        assert!(
            matches!(&err, StoreError::Unusable { reason, .. } if reason.contains(table)),
            "{table}: {err}"
        );
        drop(store);
        // A small cache gets the full check at open too: it is moved aside and started anew.
        assert!(matches!(
            Store::open(&kiosk.cache_path()),
            Err(StoreError::Unusable { .. })
        ));
        let (fresh, report) = Store::open_or_recover(&kiosk.cache_path()).unwrap();
        assert!(report.moved_aside.is_some(), "{table}: {report:?}");
        assert!(fresh.is_empty().unwrap());
    }
}

#[test]
fn an_unopenable_cache_path_is_moved_aside() {
    let kiosk = TempKiosk::new();
    // Something that exists where the cache should be but cannot be opened as a file.
    std::fs::create_dir_all(kiosk.cache_path().join("oops")).unwrap();
    let (store, report) = Store::open_or_recover(&kiosk.cache_path()).unwrap();
    assert!(report.moved_aside.is_some(), "{report:?}");
    assert!(store.is_empty().unwrap());
}

/// The moved-aside copies next to the cache.
fn corrupt_copies(kiosk: &TempKiosk) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(&kiosk.data_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("cache.db.corrupt-"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_busy_cache_is_not_a_corrupt_cache() {
    let kiosk = TempKiosk::new();
    let before = kiosk.store().status().unwrap().documents;
    // Another process applying a feed: an open write transaction on the cache.
    let writer = rusqlite::Connection::open(kiosk.cache_path()).unwrap();
    writer
        .execute_batch(
            "BEGIN IMMEDIATE; UPDATE meta SET value = value WHERE key = 'content_version';",
        )
        .unwrap();
    let (store, report) = Store::open_or_recover(&kiosk.cache_path()).expect("opens while busy");
    assert_eq!(
        report,
        readpoint::store::OpenReport::default(),
        "nothing moved"
    );
    assert!(corrupt_copies(&kiosk).is_empty());
    assert_eq!(
        store.status().unwrap().documents,
        before,
        "the same content"
    );
    writer.execute_batch("COMMIT").unwrap();
}

#[test]
fn a_cache_this_user_may_not_open_is_reported_not_moved() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        eprintln!("skipped: root opens files whatever their mode");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let kiosk = TempKiosk::new();
    drop(kiosk.store());
    let path = kiosk.cache_path();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let result = Store::open_or_recover_waiting(&path, std::time::Duration::from_secs(1));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = result.err().expect("not opened").to_string();
    assert!(error.contains("nothing was moved"), "{error}");
    assert!(error.contains("chown"), "the fix is named: {error}");
    assert!(corrupt_copies(&kiosk).is_empty());
    assert!(
        !Store::open(&path).unwrap().is_empty().unwrap(),
        "content kept"
    );
}

#[test]
fn an_unusable_cache_moves_only_under_the_writer_lock() {
    let kiosk = TempKiosk::new();
    std::fs::create_dir_all(&kiosk.data_dir).unwrap();
    std::fs::write(kiosk.cache_path(), b"not a database ".repeat(300)).unwrap();
    let held = readpoint::store::lock::WriterLock::try_acquire(&kiosk.data_dir)
        .unwrap()
        .expect("lock");
    let result =
        Store::open_or_recover_waiting(&kiosk.cache_path(), std::time::Duration::from_millis(300));
    let error = result
        .err()
        .expect("not recovered while a sync holds the lock")
        .to_string();
    assert!(error.contains("sync.lock"), "{error}");
    assert!(corrupt_copies(&kiosk).is_empty(), "nothing moved");
    drop(held);
    let (_, report) = Store::open_or_recover(&kiosk.cache_path()).unwrap();
    assert!(report.moved_aside.is_some());
    assert_eq!(corrupt_copies(&kiosk).len(), 1);
}

#[test]
fn only_the_newest_moved_aside_copies_are_kept() {
    let kiosk = TempKiosk::new();
    std::fs::create_dir_all(&kiosk.data_dir).unwrap();
    let mut moved = Vec::new();
    for round in 0..5 {
        std::fs::write(kiosk.cache_path(), format!("garbage {round} ").repeat(300)).unwrap();
        let (store, report) = Store::open_or_recover(&kiosk.cache_path()).unwrap();
        drop(store);
        moved.push(report.moved_aside.expect("moved"));
    }
    let kept = corrupt_copies(&kiosk);
    let keep = readpoint::store::KEEP_CORRUPT_COPIES;
    assert_eq!(kept.len(), keep, "{kept:?}");
    for newest in &moved[moved.len() - keep..] {
        assert!(newest.exists(), "{} kept", newest.display());
    }
    assert!(!moved[0].exists(), "the oldest copy is deleted");
}
