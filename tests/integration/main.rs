//! Readpoint's integration tests, linked into one binary (ripgrep style). Each module tests
//! one area through the library's public API or the real `readpoint` binary.

mod support;
mod ui_support;
// Support: a private CUPS scheduler on 127.0.0.1 with raw queues that keep every job's PDF.
mod cups_server;
// Support: a heartbeat receiver on 127.0.0.1 (records POSTs; a silent one; a refused port).
mod report_server;

// Command line end to end through the real binary.
mod cli;
// Under `READPOINT_TEST_AT` (libfaketime) the tests and the processes they start see that date.
mod clock;
// Configuration files: the example, and errors staff will make.
mod config_check;
// Fleet status: `status --json` and the heartbeat against docs/status.schema.json, bounded
// deliveries, dead receivers.
mod fleet;
// Publishing a feed (feed keygen, feed build) and minisign CLI interop in both directions.
mod feed_publish;
// The loopback feed servers (FeedServer with its faults, nginx) checked on the wire.
mod http_harness;
// systemd: the watchdog on the event loop, the shipped units, the timer's watch-only kiosk.
mod ops;
// Importing content files: good files, bad files that must change nothing.
mod import;
// Free printing through real CUPS: provenance read back from the spooled PDF, caps, printing
// off, a stopped queue, no paper, the staff's queue, cancel and release.
mod print;
// Golden search queries over the bundled content, and recall against brute force.
mod search;
// The cache file: corruption, recovery, schema versions.
mod store;
// The feed sync against nginx and the fault-injecting server on 127.0.0.1.
mod sync;
// The catalogue and document screens, headless: chips, list, document, QR, Back.
mod ui_catalogue;
// Staff, headless: emblem hold + PIN, lockout across kiosks, auto-close, reload, leave; the
// display schedule's black screen with a mock clock.
mod ui_staff;
// The kiosk as a visitor uses it, headless: navigation, accessibility bar, idle reset.
mod ui_kiosk;
// Every screen rendered offscreen in every variant (and Chinese glyphs really drawn).
mod ui_screenshots;
// Annual reports: the list, tables read cell by cell, 查看原文, the year-over-year chart.
mod ui_reports;
// The search screen: on-screen keyboard, as-you-type results, chips, empty states.
mod ui_search;
// 打印 on the kiosk, headless, against a real CUPS scheduler on 127.0.0.1.
mod ui_print;
// Every screen at six hall screen sizes in four modes: nothing overlaps or is cut off.
mod ui_layout;
// The attachment viewer, headless, on a kiosk synced from nginx.
mod ui_viewer;
// The Slint theme against the UI norms (sizes, contrast).
mod ui_theme;
// Every UI string has its zh-Hant and en translation.
mod ui_translations;
// The real binary full-screen under Xvfb + openbox, tapped with real X events.
mod ui_xvfb;
// Source hygiene (module docs).
mod tidy;
// Usage statistics: a scripted visitor session counted exactly; `readpoint stats` text and CSV.
mod usage_stats;
