//! The command line end to end, through the real binary on a temporary kiosk.

use serde_json::Value;

use crate::support::{TempKiosk, stderr, stdout};

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn search_json_prints_one_object_per_hit() {
    let kiosk = TempKiosk::new();
    for (query, expected) in [
        ("社保", "ce-2012-00013"),
        ("醫保", "ce-2012-00013"),
        ("blsp", "ce-2012-00009"),
    ] {
        let output = kiosk.run(&["search", query, "--json"]);
        assert!(output.status.success(), "{query}: {}", stderr(&output));
        let hits = json_lines(&stdout(&output));
        assert!(
            hits.iter().any(|h| h["id"] == expected),
            "{query}: {hits:?}"
        );
        for hit in &hits {
            for key in ["id", "kind", "title", "snippet", "score"] {
                assert!(hit.get(key).is_some(), "{query}: {key} missing in {hit}");
            }
        }
    }
    let output = kiosk.run(&["search", "2012", "--json", "--limit", "3"]);
    assert_eq!(json_lines(&stdout(&output)).len(), 3);
}

#[test]
fn human_search_output_and_clear_answers() {
    let kiosk = TempKiosk::new();
    let output = kiosk.run(&["search", "社保"]);
    assert!(output.status.success());
    assert!(stdout(&output).contains("【社保】"), "{}", stdout(&output));

    let output = kiosk.run(&["search", "量子纠缠"]);
    assert!(output.status.success());
    assert!(stdout(&output).is_empty());
    assert!(stderr(&output).contains("no results"));

    for absurd in ["", "！！！", &"长".repeat(300)] {
        let output = kiosk.run(&["search", absurd]);
        assert_eq!(output.status.code(), Some(1), "{absurd:?}");
        assert!(
            stderr(&output).starts_with("error: cannot search"),
            "{}",
            stderr(&output)
        );
    }
    let output = kiosk.run(&["search", "社保", "--limit", "0"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "usage errors exit 1 (2 means a rejected feed)"
    );
}

#[test]
fn show_status_and_kiosk() {
    let kiosk = TempKiosk::new();
    let output = kiosk.run(&["show", "ce-2012-00009"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("乐市政务发〔2012〕9号") && text.contains("索引号"),
        "{text}"
    );

    let output = kiosk.run(&["show", "ce-2012-00009", "--json"]);
    let doc: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(doc["index_no"], "000000019/2012-00009");

    let output = kiosk.run(&["show", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("no document with id"));

    let output = kiosk.run(&["status", "--json"]);
    let status: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(status["disk"]["cache_schema_version"], 7);
    assert!(
        status["content"]["version"]
            .as_str()
            .unwrap()
            .starts_with("bundled-")
    );
    let catalogue = status["content"]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "catalogue_entry")
        .unwrap();
    assert_eq!(catalogue["count"], 34);
    assert!(
        status["disk"]["cache_path"]
            .as_str()
            .unwrap()
            .ends_with("cache.db")
    );
    assert!(
        status["config_file"].is_null(),
        "no configuration file: defaults"
    );

    let output = kiosk.run(&["status"]);
    assert!(stdout(&output).contains("catalogue_entry"));

    // No command runs the kiosk; with no display it says how to fix that. (Only X11 and
    // Wayland are tried: on a machine with a free DRM device the KMS backend would take it.)
    let output = kiosk
        .command()
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("SLINT_BACKEND", "winit")
        .output();
    let output = output.expect("readpoint runs");
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("graphical display"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn help_documents_every_command() {
    let kiosk = TempKiosk::new();
    let output = kiosk.run(&["--help"]);
    let help = stdout(&output);
    for command in [
        "search",
        "show",
        "import",
        "status",
        "config",
        "screenshot",
        "stats",
    ] {
        assert!(help.contains(command), "{command} in --help");
    }
}
