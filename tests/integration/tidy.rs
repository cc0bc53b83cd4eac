//! Source hygiene: every Rust file says what it owns in a `//!` doc on its first line, and the
//! layers hold: SQL in `store`, HTTP in `sync`/`fleet` (and the IPP client), Slint in the UI
//! layers, no clock or I/O in `content` and `text`, no thread-locals in the UI layers, no import
//! from `kiosk` into `view_models`, no JSON in the UI layers.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("readable source directory")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 40);
    let missing: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            !text.starts_with("//!")
        })
        .map(|path| {
            path.strip_prefix(root)
                .unwrap_or(path)
                .display()
                .to_string()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading `//!` doc: {missing:?}"
    );
}

/// A file's product code: everything before its `#[cfg(test)]` module, without comment lines.
fn product_code(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Product files under `src/` (relative paths with `/`) whose code contains any of `needles`.
fn files_using(needles: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut found: Vec<String> = files
        .iter()
        .filter(|path| {
            let code = product_code(&std::fs::read_to_string(path).unwrap_or_default());
            needles.iter().any(|needle| code.contains(needle))
        })
        .map(|path| {
            path.strip_prefix(root)
                .unwrap_or(path)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    found.sort();
    found
}

/// Fails on files using `needles` outside the folders or files in `allowed`.
fn only_in(what: &str, needles: &[&str], allowed: &[&str]) {
    let outside: Vec<String> = files_using(needles)
        .into_iter()
        .filter(|file| !allowed.iter().any(|place| file.starts_with(place)))
        .collect();
    assert!(
        outside.is_empty(),
        "{what} is used outside {allowed:?}: {outside:?}"
    );
}

// The layers, checked. `src/bench/` is allowed where it drives the product as a whole (it
// leaves the product library with issue 14's next step).

#[test]
fn sql_stays_in_the_store() {
    // (bench: SQLite's own memory counter for the soak's figures.)
    only_in("rusqlite", &["rusqlite"], &["src/store/", "src/bench/"]);
}

#[test]
fn http_stays_in_sync_fleet_and_the_printer_client() {
    // IPP is HTTP: the print client speaks it to the printer. (bench: the fault-injecting feed
    // server.)
    only_in(
        "reqwest",
        &["reqwest"],
        &[
            "src/net.rs",
            "src/sync/",
            "src/fleet/",
            "src/print/ipp.rs",
            "src/bench/",
        ],
    );
}

#[test]
fn slint_stays_in_the_ui_layers() {
    // run_kiosk starts the window; systemd's watchdog pings from the UI thread's event loop.
    only_in(
        "slint",
        &["slint::", "use slint"],
        &[
            "src/kiosk/",
            "src/view_models/",
            "src/commands/run_kiosk.rs",
            "src/systemd.rs",
            "src/bench/",
        ],
    );
}

#[test]
fn content_and_text_read_no_clock_and_do_no_io() {
    let clock_or_io = [
        "Timestamp::now",
        "Zoned::now",
        "SystemTime",
        "Instant::now",
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "tokio",
    ];
    let found: Vec<String> = files_using(&clock_or_io)
        .into_iter()
        .filter(|file| file.starts_with("src/content/") || file.starts_with("src/text/"))
        .collect();
    assert!(
        found.is_empty(),
        "clock or I/O in content or text: {found:?}"
    );
}

#[test]
fn the_ui_layers_keep_no_thread_locals() {
    // Allowed: the worker's table of replies waiting for their query (not visitor state) and
    // the headless window of offscreen rendering (Slint's platform is per thread).
    let found: Vec<String> = files_using(&["thread_local!"])
        .into_iter()
        .filter(|file| file.starts_with("src/kiosk/") || file.starts_with("src/view_models/"))
        .filter(|file| file != "src/view_models/worker.rs" && file != "src/kiosk/offscreen.rs")
        .collect();
    assert!(
        found.is_empty(),
        "thread_local! in the UI layers: {found:?}"
    );
}

#[test]
fn view_models_do_not_reach_into_the_kiosk() {
    let found: Vec<String> = files_using(&["crate::kiosk", "super::super::kiosk"])
        .into_iter()
        .filter(|file| file.starts_with("src/view_models/"))
        .collect();
    assert!(
        found.is_empty(),
        "view models import the kiosk (a cycle): {found:?}"
    );
}

#[test]
fn the_ui_layers_get_typed_documents_not_json() {
    // Documents reach screens, printing and the kiosk as typed `content` values; their source
    // JSON is opaque (`content::SourceJson`).
    let found: Vec<String> = files_using(&["serde_json"])
        .into_iter()
        .filter(|file| {
            ["src/kiosk/", "src/view_models/", "src/print/"]
                .iter()
                .any(|layer| file.starts_with(layer))
        })
        .collect();
    assert!(found.is_empty(), "JSON in the UI layers: {found:?}");
}
