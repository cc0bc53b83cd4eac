//! Readpoint: kiosk software for government information reading points (政府信息查阅点).
//!
//! Data flows feed → sync → store → view models → ui (see `ARCHITECTURE.md`):
//!
//! - [`content`]: the document kinds (guide, catalogue, annual reports with their tables,
//!   procedure, form, reading points, reference data) and their validation. Pure.
//! - [`text`]: Chinese text folding, Simplified/Traditional, segmentation, pinyin. Pure.
//! - [`store`]: the offline SQLite cache with Chinese full-text search. The only module with SQL.
//! - [`import`]: content files → validated documents → one store transaction.
//! - [`feed`]: the feed's wire format (manifest, shards, page sets, signatures) and the
//!   publisher (`feed keygen`, `feed build`).
//! - [`sync`]: the kiosk's feed client: fetch, verify, apply atomically, on a schedule.
//! - [`print`](mod@print): A4 layout with provenance, PDF drawing, the IPP client and the print caps.
//! - [`config`]: the staff configuration file, raw and validated.
//! - [`cli`] and [`commands`]: the command line.
//! - [`systemd`]: `sd_notify` (ready, watchdog from the UI event loop, status, stopping).
//! - [`base64`]: standard base64 (minisign keys and signatures, argon2 salts and hashes).
//! - [`net`]: the one HTTP client builder (rustls with ring) and the text of an HTTP error.
//! - [`logging`]: where log lines go (journald, rotating files, stderr) and the recent-lines ring.
//! - [`view_models`]: store rows → plain screen data (worker thread) → Slint models (UI thread);
//!   the store worker.
//! - [`usage`]: anonymous usage statistics: what is counted, and the recorder that stores it.
//! - [`fleet`]: the status document (`status --json`) and the heartbeat to `stats.report_url`.
//! - [`staff`]: the staff PIN (argon2id) and its lockout; the staff screen is in `kiosk`.
//! - [`kiosk`]: the running kiosk: session, back stack, one controller per screen, idle reset,
//!   read-aloud, staff screen, print dialog.
//! - [`ui`]: the Slint UI compiled from `ui/`.
//!
//! The benchmarks (`bench/`, `cargo run -p readpoint-bench -- …`) and what tests and
//! benchmarks share (`tests/support/`: the synthetic corpus, the loopback feed servers) are
//! crates of their own on this library's public API; the library depends on neither.

pub mod base64;
pub mod cli;
pub mod commands;
pub mod config;
pub mod content;
pub mod feed;
pub mod fleet;
pub mod import;
pub mod kiosk;
pub mod logging;
pub mod net;
pub mod print;
pub mod staff;
pub mod store;
pub mod sync;
pub mod systemd;
pub mod text;
pub mod usage;
pub mod view_models;

/// The wall clock as the background threads read it (sync, usage recorder, heartbeat):
/// `jiff::Timestamp::now` in the product, a fixed or moved instant in tests.
pub type Clock = std::sync::Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>;

/// The Slint UI, compiled from `ui/app_window.slint` by the `readpoint-ui` crate (`ui/`).
pub use readpoint_ui as ui;
