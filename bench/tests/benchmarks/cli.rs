//! The `readpoint-bench` binary end to end: benchmarks on a small input print their figures,
//! `--help` lists every benchmark, and started as `readpoint` the binary is the product (how
//! the sync and UI benchmarks run `readpoint sync --once` and the kiosk).

use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

const BENCH: &str = env!("CARGO_BIN_EXE_readpoint-bench");

/// Runs `readpoint-bench ARGS…` to its end.
fn bench(args: &[&str]) -> Output {
    Command::new(BENCH)
        .args(args)
        .output()
        .expect("running readpoint-bench")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn search_runs_on_a_small_corpus() {
    let dir = tempfile::tempdir().expect("temp dir");
    let keep = dir.path().to_str().expect("a UTF-8 path");
    let output = bench(&[
        "search",
        "--docs",
        "3000",
        "--samples",
        "20",
        "--keep",
        keep,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output);
    // The kept cache is searched again without building it, with the slowest queries named;
    // a cache of another size is refused.
    let again = bench(&[
        "search",
        "--docs",
        "3000",
        "--samples",
        "5",
        "--keep",
        keep,
        "--reuse",
        "--slowest",
        "2",
    ]);
    assert!(again.status.success(), "{}", stderr(&again));
    let again = stdout(&again);
    assert!(again.contains("build: reused"), "{again}");
    assert!(again.contains("facets of"), "{again}");
    assert!(again.contains("floor under its facets"), "{again}");
    // One query alone, timed on the kept cache.
    let one = bench(&[
        "search",
        "--docs",
        "3000",
        "--samples",
        "3",
        "--keep",
        keep,
        "--reuse",
        "--query",
        "社保",
    ]);
    assert!(one.status.success(), "{}", stderr(&one));
    let one = stdout(&one);
    assert!(one.contains("社保: search p50"), "{one}");
    assert!(one.contains("facets p50"), "{one}");
    assert!(one.contains("floor (SQLite's bare count(*)) p50"), "{one}");
    assert!(!one.contains("1-char"), "no classes: {one}");
    let other = bench(&["search", "--docs", "2000", "--keep", keep, "--reuse"]);
    assert!(!other.status.success());
    assert!(
        stderr(&other).contains("holds 3000 documents, not 2000"),
        "{}",
        stderr(&other)
    );
    for line in [
        "build:",
        "database",
        "1-char",
        "2-char heavy",
        "pinyin initials",
        "Traditional",
    ] {
        assert!(report.contains(line), "{line} in {report}");
    }
    // Recall is measured by brute force and must be complete.
    for row in report
        .lines()
        .filter(|l| l.starts_with(char::is_alphanumeric) && l.contains("  "))
    {
        if let Some(recall) = row
            .split_whitespace()
            .last()
            .and_then(|r| r.parse::<f64>().ok())
            && recall <= 1.0
        {
            assert_eq!(recall, 1.0, "{row}");
        }
    }
}

#[test]
fn a_small_fleet_checks_with_304s_and_every_kiosk_takes_the_patch() {
    let output = bench(&[
        "fleet",
        "--kiosks",
        "40",
        "--docs",
        "300",
        "--interval",
        "3",
        "--steady-intervals",
        "1",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output);
    for line in [
        "100.00 % answered 304",
        "40 of 40 kiosks hold v2 (40 by patch, 0 by shards), 0 errors",
        "1 patch(es)",
        "nginx CPU",
    ] {
        assert!(report.contains(line), "{line:?} in {report}");
    }
}

#[test]
fn help_lists_every_benchmark_and_hides_the_child_entries() {
    let output = bench(&["--help"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let help = stdout(&output);
    for command in ["search", "ui", "sync", "fleet", "soak", "viewer"] {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "{command} in --help: {help}"
        );
    }
    for hidden in ["ui-screens", "bare-window", "viewer-pages", "soak-publish"] {
        assert!(!help.contains(hidden), "{hidden} in --help: {help}");
    }
    let output = bench(&["search", "--docs", "not-a-number"]);
    assert_eq!(output.status.code(), Some(1), "usage errors exit 1");
}

#[test]
fn started_as_readpoint_the_binary_is_the_product() {
    let output = Command::new(BENCH)
        .arg0("readpoint")
        .arg("--help")
        .output()
        .expect("running readpoint-bench as readpoint");
    assert!(output.status.success(), "{}", stderr(&output));
    let help = stdout(&output);
    assert!(help.contains("Usage: readpoint "), "{help}");
    for command in ["sync", "status", "feed", "screenshot"] {
        assert!(help.contains(command), "{command} in {help}");
    }
    assert!(
        !help.contains("soak"),
        "the product has no benchmarks: {help}"
    );
}
