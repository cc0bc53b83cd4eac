//! Readpoint's integration tests, linked into one binary (ripgrep style). Each module tests
//! one area through the library's public API or the real `readpoint` binary.

mod support;
mod ui_support;

// Command line end to end through the real binary.
mod cli;
// Configuration files: the example, and errors staff will make.
mod config_check;
// Importing content files: good files, bad files that must change nothing.
mod import;
// Golden search queries over the bundled content, and recall against brute force.
mod search;
// The cache file: corruption, recovery, schema versions.
mod store;
// The kiosk as a visitor uses it, headless: navigation, accessibility bar, idle reset.
mod ui_kiosk;
// Annual reports: the list, tables read cell by cell, 查看原文, the year-over-year chart.
mod ui_reports;
// The Slint theme against the UI norms (sizes, contrast).
mod ui_theme;
// Source hygiene (module docs).
mod tidy;
