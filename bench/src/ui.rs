//! `readpoint-bench ui`: the kiosk's start-up, memory and drawing figures on a large cache.
//!
//! - first frame: the kiosk (the product's command line, [`crate::product_command`]) started on
//!   a virtual X server (Xvfb + openbox) until its window shows non-black pixels, polled from
//!   outside with `xwd` (the software renderer has no rendering notifier), several runs, each
//!   followed by a bare Slint window (`readpoint-bench bare-window`) timed the same way;
//! - memory: a separate process (`readpoint-bench ui-screens`, so the corpus built here is not
//!   counted) opens 1,000 screens in a row offscreen, searching on each search screen, and
//!   prints its RSS as it goes;
//! - catalogue scrolling: the same process scrolls the catalogue list and times each frame.
//!
//! Writes only in the directory it is given (or a temporary one it removes).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use readpoint::content::Document;
use readpoint::kiosk::offscreen::Session;
use readpoint::kiosk::{KioskOptions, Place};
use readpoint::store::{CatalogueFilter, ContentVersion, Store};
use readpoint_test_support::corpus::{self, Corpus};

use super::{Percentiles, ms};

/// Options of a run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Synthetic catalogue entries (on top of the bundled content).
    pub docs: usize,
    /// Corpus seed.
    pub seed: u64,
    /// Keep (and reuse) the database in this directory.
    pub keep: Option<PathBuf>,
    /// Screens opened in a row for the memory figure.
    pub screens: usize,
    /// Start-up runs for the first-frame figure.
    pub starts: usize,
}

/// Runs the benchmark, printing figures to `out`.
pub fn run(options: &Options, out: &mut dyn Write) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    let dir = match &options.keep {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("readpoint-bench-ui-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let result = (|| {
        writeln!(
            out,
            "readpoint-bench ui: {} documents + the bundled content",
            options.docs
        )
        .map_err(io)?;
        prepare(&dir, options, out)?;
        first_frames(&dir, options.starts, out)?;
        screens_in_child(&dir, options.screens, out)
    })();
    if options.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// Builds the cache (or reuses one with enough documents).
fn prepare(dir: &Path, options: &Options, out: &mut dyn Write) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    let db_path = dir.join(readpoint::store::CACHE_FILE);
    if db_path.exists() {
        let store = Store::open(&db_path).map_err(|e| e.to_string())?;
        let entries = store
            .catalogue_facets(&CatalogueFilter::default())
            .map_err(|e| e.to_string())?
            .total;
        if entries >= options.docs as u64 {
            writeln!(
                out,
                "reusing {} ({entries} catalogue entries)",
                db_path.display()
            )
            .map_err(io)?;
            return Ok(());
        }
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
        }
    }
    let started = Instant::now();
    let mut store = Store::open(&db_path).map_err(|e| e.to_string())?;
    readpoint::import::load_bundled(&mut store).map_err(|e| e.to_string())?;
    let Corpus { documents, .. } = corpus::generate(options.docs, options.seed);
    let version = ContentVersion {
        version: "bench".into(),
        published_at: None,
        source: "bench".into(),
    };
    for (n, chunk) in documents.chunks(5_000).enumerate() {
        let docs: Vec<Document> = chunk
            .iter()
            .map(|v| Document::from_value(v.clone()))
            .collect::<Result<_, _>>()
            .map_err(|problems| format!("generated document invalid: {}", problems[0]))?;
        store
            .upsert(&docs, &format!("bench-{n}"), Some(&version))
            .map_err(|e| e.to_string())?;
    }
    store.optimize().map_err(|e| e.to_string())?;
    writeln!(
        out,
        "built the cache in {:.1} s",
        started.elapsed().as_secs_f64()
    )
    .map_err(io)?;
    Ok(())
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn xwd_root(display: &str) -> Option<Vec<u8>> {
    let output = Command::new("xwd")
        .args(["-root", "-silent"])
        .env("DISPLAY", display)
        .output()
        .ok()?;
    output.status.success().then_some(output.stdout)
}

/// Whether an xwd dump of a black screen has changed: any non-zero byte in the pixel area
/// (the last 1920×1080×4 bytes).
fn painted(dump: &[u8]) -> bool {
    let pixels = 1920 * 1080 * 4;
    dump.len() >= pixels && dump[dump.len() - pixels..].iter().any(|&b| b != 0)
}

/// Time from process start to the first painted frame on a virtual X server, per run.
fn first_frames(dir: &Path, starts: usize, out: &mut dyn Write) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    let missing: Vec<&str> = ["Xvfb", "openbox", "xwd"]
        .into_iter()
        .filter(|tool| !Path::new("/usr/bin").join(tool).exists())
        .collect();
    if !missing.is_empty() {
        writeln!(
            out,
            "first frame: skipped, {} missing — fix: apt-get install xvfb openbox x11-apps",
            missing.join(", ")
        )
        .map_err(io)?;
        return Ok(());
    }
    let number = (240..340)
        .find(|n| !Path::new(&format!("/tmp/.X{n}-lock")).exists())
        .ok_or("no free X display number")?;
    let display = format!(":{number}");
    let _server = Running(
        Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1920x1080x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("Xvfb: {e}"))?,
    );
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        if Instant::now() > deadline {
            return Err("Xvfb did not start within 10 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _wm = Running(
        Command::new("openbox")
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("openbox: {e}"))?,
    );
    std::thread::sleep(Duration::from_millis(500));
    let home = dir.join("home");
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let mut kiosk_times = Vec::new();
    let mut bare_times = Vec::new();
    // Kiosk and bare window take turns, so both see the same machine.
    for _ in 0..starts {
        let mut kiosk = crate::product_command()?;
        kiosk.arg("--data-dir").arg(dir);
        kiosk_times.push(time_to_pixels(&mut kiosk, &display, &home, "the kiosk")?);
        let mut bare = crate::bench_command()?;
        bare.arg("bare-window");
        bare_times.push(time_to_pixels(
            &mut bare,
            &display,
            &home,
            "the bare window",
        )?);
    }
    for (what, times) in [
        ("first frame", &mut kiosk_times),
        (
            "a bare Slint window's first frame, same run",
            &mut bare_times,
        ),
    ] {
        let runs: Vec<String> = times.iter().map(|t| ms(*t)).collect();
        let p = Percentiles::of(times);
        writeln!(
            out,
            "{what} (process start → first painted pixels, polled with xwd): median {} ms; runs: {} ms",
            ms(p.p50),
            runs.join(", ")
        )
        .map_err(io)?;
    }
    Ok(())
}

/// Starts `command` on `display` once the screen is black again, and returns the time until
/// the first painted pixels (the process is stopped afterwards).
fn time_to_pixels(
    command: &mut Command,
    display: &str,
    home: &Path,
    what: &str,
) -> Result<Duration, String> {
    // Wait for a black screen (the previous window gone).
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let _child = Running(
        command
            .env("DISPLAY", display)
            .env("HOME", home)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {what}: {e}"))?,
    );
    loop {
        if xwd_root(display).is_some_and(|dump| painted(&dump)) {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err(format!("{what} drew nothing within 20 s"));
        }
    }
}

// The least a Slint program can show: one full-screen window of one colour.
slint::slint! {
    export component BareWindow inherits Window {
        width: 1920px;
        height: 1080px;
        background: #1d4e89;
    }
}

/// `readpoint-bench bare-window`: a bare Slint window with the kiosk's backend and renderer,
/// the floor under the kiosk's first frame.
pub fn bare_window() -> Result<(), String> {
    let window = BareWindow::new().map_err(|e| format!("creating the window: {e}"))?;
    window.run().map_err(|e| format!("running the window: {e}"))
}

/// Runs `readpoint-bench ui-screens` in a child process and copies its figures.
fn screens_in_child(dir: &Path, screens: usize, out: &mut dyn Write) -> Result<(), String> {
    let output = crate::bench_command()?
        .args(["ui-screens", "--data-dir"])
        .arg(dir)
        .args(["--screens", &screens.to_string()])
        .output()
        .map_err(|e| format!("running readpoint-bench ui-screens: {e}"))?;
    out.write_all(&output.stdout).map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "readpoint-bench ui-screens failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// Resident memory of this process now (VmRSS), in MiB.
pub(crate) fn rss_mib() -> Option<f64> {
    status_mib("VmRSS:")
}

/// A field of `/proc/self/status` given in kB, in MiB.
fn status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn rss_text() -> String {
    rss_mib().map_or_else(|| "?".to_owned(), |m| format!("{m:.1}"))
}

/// `readpoint-bench ui-screens`: opens `screens` screens in a row offscreen on the cache at
/// What the memory figure's visitors search for, in turn: common and rare, one character,
/// phrases found in most documents, pinyin initials and Traditional characters.
const SEARCHES: [&str; 8] = [
    "政务服务",
    "市",
    "信息公开",
    "殡葬",
    "xxgk",
    "社會保險",
    "行政复议",
    "社保",
];

/// `db_path`, printing RSS as it goes, then scrolls the catalogue and times the frames.
pub fn screens(db_path: &Path, screens: usize, out: &mut dyn Write) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    let store = Store::open(db_path).map_err(|e| e.to_string())?;
    let document = store
        .catalogue_page(&CatalogueFilter::default(), None, 1)
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .map(|row| row.id)
        .ok_or("the cache has no catalogue entries")?;
    let report = store
        .annual_reports()
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .map(|row| row.id)
        .ok_or("the cache has no annual reports")?;
    let mut session = Session::start(store, KioskOptions::default(), (1920, 1080))?;
    session.frame();
    writeln!(out, "RSS after the first frame: {} MiB", rss_text()).map_err(io)?;
    let cycle = [
        Place::Guide,
        Place::Catalogue,
        Place::Document(document),
        Place::Reports,
        Place::Report(report),
        Place::Apply,
        Place::Search,
    ];
    let mut marks = Vec::new();
    let mut frame_times = Vec::with_capacity(screens);
    for n in 1..=screens {
        let place = cycle[n % cycle.len()].clone();
        let started = Instant::now();
        session.kiosk.go(place.clone());
        session.frame();
        frame_times.push(started.elapsed());
        if place == Place::Search {
            // A visitor's search, with its chip counts (untimed: the figures above are for
            // opening screens; searches have their own benchmark), so the memory figure
            // includes what searching a large cache keeps.
            session
                .kiosk
                .search_for(SEARCHES[(n / cycle.len()) % SEARCHES.len()]);
            session.frame();
        }
        if n % cycle.len() == 0 {
            session.kiosk.reset_session();
        }
        if [10, 100, 250, 500, 750, 1000].contains(&n) || n == screens {
            marks.push(format!("{n}: {}", rss_text()));
        }
    }
    let p = Percentiles::of(&mut frame_times);
    writeln!(
        out,
        "{screens} screens opened (store queries inline + first frame): p50 {} ms, p99 {} ms, max {} ms",
        ms(p.p50),
        ms(p.p99),
        ms(p.max)
    )
    .map_err(io)?;
    writeln!(out, "RSS (MiB) after N screens: {}", marks.join(", ")).map_err(io)?;
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    writeln!(
        out,
        "of which anonymous: {:.1} MiB (heap in use {:.1} MiB, SQLite's own {:.1} MiB); \
         file-backed (the binary, fonts, shared and reclaimable): {:.1} MiB",
        status_mib("RssAnon:").unwrap_or(0.0),
        mib(crate::soak::figures::heap_in_use()),
        mib(crate::soak::figures::sqlite_memory()),
        status_mib("RssFile:").unwrap_or(0.0)
    )
    .map_err(io)?;
    writeln!(out, "file-backed by file (MiB): {}", file_backed_by_file()).map_err(io)?;
    scroll_catalogue(&mut session, out)
}

/// The resident file-backed pages of this process per mapped file, largest first (from
/// `/proc/self/smaps`): which of the binary, the fonts and the libraries the figure is.
fn file_backed_by_file() -> String {
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return "?".to_owned();
    };
    let mut by_file: Vec<(String, u64)> = Vec::new();
    let mut current: Option<String> = None;
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let first = fields.next().unwrap_or_default();
        if first.contains('-') && !first.ends_with(':') {
            // A mapping's header: range, permissions, offset, device, inode, path.
            let inode = fields.nth(3).unwrap_or("0");
            current = (inode != "0").then(|| fields.collect::<Vec<_>>().join(" "));
        } else if first == "Rss:"
            && let Some(path) = &current
        {
            let kib: u64 = fields.next().and_then(|k| k.parse().ok()).unwrap_or(0);
            match by_file.iter_mut().find(|(p, _)| p == path) {
                Some(entry) => entry.1 += kib,
                None => by_file.push((path.clone(), kib)),
            }
        }
    }
    by_file.sort_by_key(|(_, kib)| std::cmp::Reverse(*kib));
    let shown: Vec<String> = by_file
        .iter()
        .take(6)
        .map(|(path, kib)| {
            let name = path.rsplit('/').next().unwrap_or(path);
            format!("{name} {:.1}", *kib as f64 / 1024.0)
        })
        .collect();
    let rest: u64 = by_file.iter().skip(6).map(|(_, kib)| kib).sum();
    format!("{}, the rest {:.1}", shown.join(", "), rest as f64 / 1024.0)
}

/// Scrolls the catalogue list and times each frame (rows fetched from the store as needed):
/// from the top, then from deep in the list (about row 100,000 of 200,000).
fn scroll_catalogue(session: &mut Session, out: &mut dyn Write) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    session.kiosk.go(Place::Catalogue);
    session.frame();
    for (name, start) in [("from the top", 0.0f32), ("deep in the list", 11_000_000.0)] {
        let mut times = Vec::new();
        for step in 0..=400 {
            readpoint::view_models::catalogue::scroll_to(&session.app, start + step as f32 * 48.0);
            let started = Instant::now();
            session.frame();
            if step > 0 {
                times.push(started.elapsed());
            }
        }
        let p = Percentiles::of(&mut times);
        writeln!(
            out,
            "catalogue scroll {name} (400 frames, 48 px each): frame p50 {} ms, p99 {} ms, max {} ms",
            ms(p.p50),
            ms(p.p99),
            ms(p.max)
        )
        .map_err(io)?;
    }
    Ok(())
}
