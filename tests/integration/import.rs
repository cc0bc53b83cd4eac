//! Importing content files: a good file lands completely; a bad one (syntax, format, invalid
//! documents, broken references) is rejected with every problem listed and changes nothing.

use readpoint::import::{ImportError, import_file};
use readpoint::store::SearchRequest;
use serde_json::json;

use crate::support::{TempKiosk, stderr, stdout, write_file};

fn entry(id: &str, title: &str) -> serde_json::Value {
    let mut doc: serde_json::Value =
        serde_json::from_str(readpoint::import::BUNDLED_CONTENT).expect("bundled JSON");
    let mut template = doc["documents"]
        .as_array_mut()
        .and_then(|docs| docs.iter().find(|d| d["id"] == "ce-2012-00001").cloned())
        .expect("template entry");
    template["id"] = json!(id);
    template["title"] = json!(title);
    template["index_no"] = json!("000000019/2014-00001");
    template
}

fn content_file(documents: Vec<serde_json::Value>) -> String {
    json!({ "format": "readpoint-shard/1", "documents": documents }).to_string()
}

#[test]
fn good_file_is_imported_and_searchable() {
    let kiosk = TempKiosk::new();
    let mut store = kiosk.store();
    let path = write_file(
        &kiosk.home,
        "new.json",
        &content_file(vec![entry("ce-2014-00001", "医保电子凭证办理指南")]),
    );
    let summary = import_file(&mut store, &path).unwrap();
    assert_eq!((summary.added, summary.replaced), (1, 0));
    let hits = store
        .search(&SearchRequest {
            query: "電子憑證".into(),
            limit: 5,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(hits.hits[0].id, "ce-2014-00001");
    // Importing again replaces, it does not duplicate.
    let summary = import_file(&mut store, &path).unwrap();
    assert_eq!((summary.added, summary.replaced), (0, 1));
}

#[test]
fn bad_files_change_nothing_and_list_every_problem() {
    let kiosk = TempKiosk::new();
    let mut store = kiosk.store();
    let before = store.status().unwrap();
    let mut bad_date = entry("ce-2014-00002", "有效标题");
    bad_date["published_date"] = json!("2014-02-30");
    let mut html = entry("ce-2014-00003", "<script>alert(1)</script>");
    html["summary"] = json!("<p>概述</p>");
    let good = entry("ce-2014-00004", "这一条本身没有问题");
    let cases: Vec<(&str, String)> = vec![
        (
            "syntax.json",
            "{\"format\": \"readpoint-shard/1\", \"documents\": [".into(),
        ),
        (
            "format.json",
            json!({ "format": "something-else/9", "documents": [] }).to_string(),
        ),
        (
            "invalid.json",
            content_file(vec![good.clone(), bad_date, html]),
        ),
        (
            "duplicate.json",
            content_file(vec![good.clone(), good.clone()]),
        ),
    ];
    for (name, text) in cases {
        let path = write_file(&kiosk.home, name, &text);
        let err = import_file(&mut store, &path).expect_err(name);
        let message = err.to_string();
        assert!(
            message.contains(name),
            "{name}: the message names the file: {message}"
        );
        if name == "invalid.json" {
            let ImportError::Invalid { problems, .. } = &err else {
                panic!("{name}: {err:?}")
            };
            assert!(
                problems
                    .iter()
                    .any(|p| p.doc_id == "ce-2014-00002" && p.field.contains("published_date")),
                "{problems:?}"
            );
            assert!(
                problems
                    .iter()
                    .any(|p| p.doc_id == "ce-2014-00003" && p.field.contains("title")),
                "{problems:?}"
            );
            assert!(
                problems
                    .iter()
                    .any(|p| p.doc_id == "ce-2014-00003" && p.field.contains("summary")),
                "{problems:?}"
            );
        }
        if name == "syntax.json" {
            assert!(message.contains("line"), "{message}");
        }
        assert_eq!(
            store.status().unwrap().documents,
            before.documents,
            "{name} changed nothing"
        );
        assert!(
            store.document("ce-2014-00004").unwrap().is_none(),
            "{name}: not even the good document"
        );
    }
}

#[test]
fn import_through_the_binary_reports_problems_and_exit_code() {
    let kiosk = TempKiosk::new();
    let mut broken = entry("ce-2014-00009", "");
    broken["generated_date"] = json!("yesterday");
    let path = write_file(&kiosk.home, "broken.json", &content_file(vec![broken]));
    let output = kiosk.run(&["import", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(err.contains("ce-2014-00009"), "{err}");
    let path = write_file(
        &kiosk.home,
        "fine.json",
        &content_file(vec![entry("ce-2014-00010", "政务服务事项目录")]),
    );
    let output = kiosk.run(&["import", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("1 added"));
}

#[test]
fn unknown_kinds_are_kept_but_not_shown() {
    let kiosk = TempKiosk::new();
    let mut store = kiosk.store();
    let doc = json!({ "kind": "video_clip", "id": "vid-1", "title": "社保宣传片", "url": "x" });
    let path = write_file(&kiosk.home, "future.json", &content_file(vec![doc]));
    import_file(&mut store, &path).unwrap();
    let row = store.document("vid-1").unwrap().expect("kept");
    assert!(!row.shown);
    assert_eq!(
        row.document.raw.text("url"),
        Some("x"),
        "unknown fields survive"
    );
    let ids = store
        .search_all_ids(&SearchRequest {
            query: "宣传片".into(),
            ..Default::default()
        })
        .unwrap();
    assert!(ids.is_empty(), "not shown, not searchable");
}

#[test]
fn references_resolve_against_the_cache() {
    let kiosk = TempKiosk::new();
    let mut store = kiosk.store();
    // A related document and a whole guide (by guide_id) that are only in the cache.
    let mut linked = entry("ce-2014-00020", "关联文件");
    linked["related_ids"] = json!(["ce-2012-00009", "guide-ls-zwzx-2013"]);
    let path = write_file(&kiosk.home, "linked.json", &content_file(vec![linked]));
    import_file(&mut store, &path).expect("references to cached documents are fine");

    let mut dangling = entry("ce-2014-00021", "悬空引用");
    dangling["related_ids"] = json!(["ce-1999-99999"]);
    let path = write_file(&kiosk.home, "dangling.json", &content_file(vec![dangling]));
    let err = import_file(&mut store, &path).expect_err("dangling reference");
    assert!(err.to_string().contains("ce-1999-99999"), "{err}");
    assert!(store.document("ce-2014-00021").unwrap().is_none());
}

#[test]
fn a_misspelt_kind_is_kept_and_reported() {
    let kiosk = TempKiosk::new();
    let mut doc = entry("ce-2014-00030", "拼错类型的目录条目");
    doc["kind"] = json!("catalog_entry");
    let path = write_file(&kiosk.home, "typo.json", &content_file(vec![doc]));
    let output = kiosk.run(&["import", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("\"catalog_entry\" are kept but not shown"),
        "{err}"
    );
    assert!(err.contains("did you mean \"catalogue_entry\""), "{err}");
}

#[test]
fn control_characters_in_ids_and_kinds_are_refused_and_shown_escaped() {
    let kiosk = TempKiosk::new();
    let forged = "ce-2014-00040\u{1b}[2J\nINFO forged line";
    let unknown = json!({ "kind": "video\u{1b}]0;title\u{7}", "id": "vid-2" });
    let mut tab = entry("ce-2014-00041", "标题");
    tab["related_ids"] = json!(["ce-2012-00009\t"]);
    let path = write_file(
        &kiosk.home,
        "forged.json",
        &content_file(vec![entry(forged, "伪造的日志行"), unknown, tab]),
    );
    let output = kiosk.run(&["import", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        !err.chars().any(|c| c.is_control() && c != '\n'),
        "only the message's own line breaks: {err:?}"
    );
    assert!(
        err.contains("ce-2014-00040\\u{1b}[2J\\nINFO forged line: id: "),
        "{err}"
    );
    assert!(err.contains("vid-2: kind: "), "{err}");
    assert!(err.contains("ce-2014-00041: related_ids[0]: "), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("INFO")).count(),
        0,
        "no forged line: {err}"
    );
    let store = kiosk.store();
    for id in [forged, "vid-2", "ce-2014-00041"] {
        assert!(store.document(id).unwrap().is_none(), "{id:?} was imported");
    }
}

#[test]
fn root_refuses_a_data_folder_owned_by_another_user() {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        // Only root can give the folder away; the rule itself is unit-tested in
        // config::paths.
        eprintln!("not running as root: the refusal cannot be exercised here");
        return;
    }
    let kiosk = TempKiosk::new();
    std::fs::create_dir_all(&kiosk.data_dir).expect("data folder");
    // nobody (65534) stands in for the `readpoint` user.
    std::os::unix::fs::chown(&kiosk.data_dir, Some(65534), Some(65534)).expect("chown");
    let path = write_file(
        &kiosk.home,
        "fine.json",
        &content_file(vec![entry("ce-2014-00050", "政务服务事项目录")]),
    );
    for args in [vec!["import", path.to_str().unwrap()], vec!["status"]] {
        let output = kiosk.run(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let err = stderr(&output);
        assert!(
            err.starts_with("error: refusing to run as root: the data folder ")
                && err.contains(&kiosk.data_dir.display().to_string())
                && err.contains("(uid 65534)")
                && err.contains("fix: run the command as the folder's owner"),
            "{err}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(&kiosk.data_dir)
        .expect("data folder")
        .collect();
    assert!(left.is_empty(), "root created {left:?}");

    // Given back to root, the same command works.
    std::os::unix::fs::chown(&kiosk.data_dir, Some(0), Some(0)).expect("chown");
    let output = kiosk.run(&["import", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
}
