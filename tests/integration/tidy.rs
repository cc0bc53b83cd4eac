//! Source hygiene: every Rust file says what it owns in a `//!` doc on its first line, and the
//! layers hold: SQL in `store`, HTTP in `sync`/`fleet` (and the IPP client), Slint in the UI
//! layers, no clock or I/O in `content` and `text` (nor in the synthetic corpus), no
//! thread-locals in the UI layers, no import from `kiosk` into `view_models`, no JSON in the UI
//! layers. The rules cover the product (`src/`) and the crates beside it, the test support
//! (`tests/support/`) and the benchmarks (`bench/`), whose few exemptions are named file by
//! file; the product depends on neither, and all of them build with one set of dependency
//! features.

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
    for dir in ["src", "tests", "bench"] {
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

/// The library code the layer rules cover: the product, the test support, the benchmarks.
const LIBRARY_DIRS: [&str; 3] = ["src", "tests/support/src", "bench/src"];

/// Files under [`LIBRARY_DIRS`] (relative paths with `/`) whose code, tests left out, contains
/// any of `needles`.
fn files_using(needles: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in LIBRARY_DIRS {
        rust_files(&root.join(dir), &mut files);
    }
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

// The layers, checked in the product and in the crates beside it. The benchmarks drive the
// product as a whole; where that crosses a layer, the file is named with its reason.

#[test]
fn sql_stays_in_the_store() {
    // The soak's figures read SQLite's own memory counter (no SQL); the search benchmark's
    // floor counts a phrase with SQLite alone, to show what the store's code adds.
    only_in(
        "rusqlite",
        &["rusqlite"],
        &[
            "src/store/",
            "bench/src/soak/figures.rs",
            "bench/src/search/floor.rs",
        ],
    );
}

#[test]
fn http_stays_in_sync_fleet_and_the_printer_client() {
    // IPP is HTTP: the print client speaks it to the printer. (The test support's feed server
    // speaks HTTP over raw sockets, without an HTTP crate.)
    only_in(
        "reqwest",
        &["reqwest"],
        &["src/net.rs", "src/sync/", "src/fleet/", "src/print/ipp.rs"],
    );
}

#[test]
fn slint_stays_in_the_ui_layers() {
    // run_kiosk starts the window; systemd's watchdog pings from the UI thread's event loop.
    // The viewer benchmark pages through an attachment and the soak's visitors use every
    // screen, both through the window's callbacks, as a finger would; the UI benchmark times a
    // bare Slint window's first frame next to the kiosk's.
    only_in(
        "slint",
        &["slint::", "use slint"],
        &[
            "src/kiosk/",
            "src/view_models/",
            "src/commands/run_kiosk.rs",
            "src/systemd.rs",
            "bench/src/viewer.rs",
            "bench/src/ui.rs",
            "bench/src/soak/",
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
    // The synthetic corpus is pure too: the same count and seed give the same documents.
    let found: Vec<String> = files_using(&clock_or_io)
        .into_iter()
        .filter(|file| {
            file.starts_with("src/content/")
                || file.starts_with("src/text/")
                || file == "tests/support/src/corpus.rs"
        })
        .collect();
    assert!(
        found.is_empty(),
        "clock or I/O in content, text or the corpus: {found:?}"
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

/// A manifest's dependency tables (`dependencies`, `dev-dependencies`, `build-dependencies`).
fn dependency_tables(manifest: &str) -> Vec<(String, toml::Table)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(manifest)).expect("readable manifest");
    let table: toml::Table = text.parse().expect("a valid manifest");
    ["dependencies", "dev-dependencies", "build-dependencies"]
        .into_iter()
        .filter_map(|kind| {
            let deps = table.get(kind)?.as_table()?.clone();
            Some((format!("{manifest} [{kind}]"), deps))
        })
        .collect()
}

#[test]
fn the_product_depends_on_neither_the_benchmarks_nor_the_test_support() {
    // Only the product's tests may use the test support (a dev-dependency).
    let product: Vec<String> = dependency_tables("Cargo.toml")
        .into_iter()
        .filter(|(table, _)| !table.ends_with("[dev-dependencies]"))
        .flat_map(|(table, deps)| {
            deps.into_iter()
                .map(move |(name, _)| format!("{table} {name}"))
        })
        .filter(|dep| dep.ends_with(" readpoint-bench") || dep.ends_with(" readpoint-test-support"))
        .collect();
    assert!(product.is_empty(), "the product depends on {product:?}");
    let in_src: Vec<String> = files_using(&["readpoint_bench", "readpoint_test_support"])
        .into_iter()
        .filter(|file| file.starts_with("src/"))
        .collect();
    assert!(in_src.is_empty(), "product code uses them: {in_src:?}");
    // The test support stands alone: the library's unit tests could use it, and the
    // benchmarks build on it, not it on them.
    let support: Vec<String> = dependency_tables("tests/support/Cargo.toml")
        .into_iter()
        .flat_map(|(table, deps)| {
            deps.into_iter()
                .map(move |(name, _)| format!("{table} {name}"))
        })
        .filter(|dep| dep.contains(" readpoint"))
        .collect();
    assert!(
        support.is_empty(),
        "the test support depends on {support:?}"
    );
}

#[test]
fn every_crate_asks_for_the_same_dependency_features() {
    // A crate that asked for other features of a shared dependency would give the tests and
    // the benchmarks two builds of it (and of everything above it, Slint included). So the
    // UI, the benchmarks and the test support take every registry dependency from
    // `[workspace.dependencies]`, adding no features, and the product takes those from there
    // too.
    let mut shared = std::collections::BTreeSet::new();
    let mut wrong = Vec::new();
    for manifest in [
        "ui/Cargo.toml",
        "bench/Cargo.toml",
        "tests/support/Cargo.toml",
    ] {
        for (table, deps) in dependency_tables(manifest) {
            for (name, spec) in deps {
                let spec = spec.as_table().cloned().unwrap_or_default();
                if spec.contains_key("path") {
                    continue;
                }
                let from_workspace = spec.get("workspace").and_then(toml::Value::as_bool);
                if from_workspace != Some(true) || spec.contains_key("features") {
                    wrong.push(format!("{table} {name}"));
                }
                shared.insert(name);
            }
        }
    }
    for (table, deps) in dependency_tables("Cargo.toml") {
        for (name, spec) in deps {
            let from_workspace = spec
                .as_table()
                .and_then(|spec| spec.get("workspace"))
                .and_then(toml::Value::as_bool);
            if shared.contains(&name) && from_workspace != Some(true) {
                wrong.push(format!("{table} {name}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "not `{{ workspace = true }}` (or with features of their own): {wrong:?}"
    );
}
