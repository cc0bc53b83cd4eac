//! `readpoint-bench viewer`: the attachment viewer's speed and memory on real rendered pages.
//!
//! Makes two PDFs (50 and 200 A4 pages: the bundled annual reports in large print, repeated) with
//! the kiosk's own print layout, publishes them with the real `feed build` (poppler renders the
//! pages), installs the page sets into a cache as a sync would, then measures:
//! - opening page 1 of the 50-page attachment (cache query, PNG read and decode, the picture
//!   handed to Slint), cold and repeated;
//! - turning to each page of it without the prefetch (the worst case a visitor can meet);
//! - in a child process (so the publisher's memory is not counted), a kiosk window drawn
//!   offscreen while a visitor pages through all 200 pages: each turn's time with the frame,
//!   and the process's resident memory.
//!
//! Writes only inside its work directory (a temporary one unless `--keep`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use readpoint::feed::pages::{PageLimits, PageSet};
use readpoint::kiosk::offscreen::Session;
use readpoint::kiosk::{KioskOptions, Place};
use readpoint::store::Store;
use readpoint::view_models::viewer::{self, Reading};
use slint::ComponentHandle;

use super::{Percentiles, ms};

/// The document the bench attachments hang on (a bundled catalogue entry).
const DOCUMENT: &str = "ce-2012-00001";

/// Options of `readpoint-bench viewer`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Keep the work directory here instead of a temporary one.
    pub keep: Option<PathBuf>,
}

/// Runs the benchmark and prints its figures to `out`.
pub fn run(options: &Options, out: &mut dyn Write) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    let temp;
    let dir = match &options.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            dir.clone()
        }
        None => {
            temp =
                std::env::temp_dir().join(format!("readpoint-bench-viewer-{}", std::process::id()));
            std::fs::create_dir_all(&temp).map_err(|e| e.to_string())?;
            temp.clone()
        }
    };
    let result = prepare_and_measure(&dir, out);
    if options.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result.map_err(|e| {
        let _ = writeln!(out, "failed: {e}").map_err(io);
        e
    })
}

fn prepare_and_measure(dir: &Path, out: &mut dyn Write) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    let started = Instant::now();
    let (fifty, two_hundred) = prepare(dir)?;
    writeln!(
        out,
        "prepared a 50-page and a 200-page attachment (rendered by feed build) in {:.1} s",
        started.elapsed().as_secs_f64()
    )
    .map_err(io)?;
    let store = Store::open(&dir.join("data").join(readpoint::store::CACHE_FILE))
        .map_err(|e| e.to_string())?;
    let reading = |attachment: usize, page: u32| Reading {
        document: DOCUMENT.to_owned(),
        attachment,
        page,
        find: None,
    };
    let open = |r: &Reading| -> Result<Duration, String> {
        let started = Instant::now();
        let data = viewer::load(&store, r, None, Default::default())
            .map_err(|e| e.to_string())?
            .ok_or("the attachment is not in the cache")?;
        let pixels = data.pixels.ok_or("the page is not on disk")?;
        let image = slint::Image::from_rgb8(pixels);
        std::hint::black_box(image);
        Ok(started.elapsed())
    };
    let first = open(&reading(fifty, 1))?;
    let mut opens: Vec<Duration> = (0..30)
        .map(|_| open(&reading(fifty, 1)))
        .collect::<Result<_, _>>()?;
    let opens = Percentiles::of(&mut opens);
    let mut turns: Vec<Duration> = (2..=50)
        .map(|page| open(&reading(fifty, page)))
        .collect::<Result<_, _>>()?;
    let turns = Percentiles::of(&mut turns);
    writeln!(out, "\n| figure | measured | target |\n|---|---|---|").map_err(io)?;
    writeln!(
        out,
        "| open page 1 of 50 (first / p50 / p99 of 30) | {} / {} / {} ms | ≤ 150 ms |",
        ms(first),
        ms(opens.p50),
        ms(opens.p99)
    )
    .map_err(io)?;
    writeln!(
        out,
        "| turn a page, not prefetched (p50 / p99 / max of 49) | {} / {} / {} ms | ≤ 50 ms p99 |",
        ms(turns.p50),
        ms(turns.p99),
        ms(turns.max)
    )
    .map_err(io)?;
    drop(store);
    // Paging through 200 pages in a kiosk window, in a child process.
    let output = crate::bench_command()?
        .args(["viewer-pages", "--data-dir"])
        .arg(dir.join("data"))
        .args(["--attachment", &two_hundred.to_string()])
        .output()
        .map_err(|e| format!("running readpoint-bench viewer-pages: {e}"))?;
    out.write_all(&output.stdout).map_err(io)?;
    if !output.status.success() {
        return Err(format!(
            "readpoint-bench viewer-pages failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// Makes the PDFs, publishes them, and installs them in `dir/data` as a sync would. Returns the
/// attachment indexes of the 50- and 200-page files on [`DOCUMENT`].
fn prepare(dir: &Path) -> Result<(usize, usize), String> {
    let mut bundled = Store::open_in_memory().map_err(|e| e.to_string())?;
    readpoint::import::load_bundled(&mut bundled).map_err(|e| e.to_string())?;
    let context = readpoint::view_models::printables::PrintContext {
        time_zone: jiff::tz::TimeZone::fixed(jiff::tz::offset(8)),
        now: jiff::Timestamp::UNIX_EPOCH,
        portal_url: None,
        large: true,
        display: Default::default(),
    };
    let (report, _) =
        readpoint::view_models::printables::report(&bundled, "ar-ls-zwzx-2012", &context)
            .map_err(|e| e.to_string())?
            .ok_or("the bundled 2012 report is missing")?;
    let input = dir.join("content");
    std::fs::create_dir_all(&input).map_err(|e| e.to_string())?;
    let mut attachments = Vec::new();
    for pages in [50u32, 200] {
        let mut printable = report.clone();
        let mut made = 0;
        let mut bytes = Vec::new();
        // Repeat the report until the PDF has the pages wanted, then trim to exactly that.
        while made < pages {
            printable.blocks.extend(report.blocks.iter().cloned());
            let (pdf, count) = readpoint::print::render_to_pdf(&printable, "bench", None)?;
            made = count;
            bytes = pdf;
        }
        let path = input.join(format!("bench-{pages}.pdf"));
        std::fs::write(&path, &bytes).map_err(|e| e.to_string())?;
        if made > pages {
            let trimmed = input.join(format!("bench-{pages}-trimmed.pdf"));
            let status = Command::new("pdfseparate")
                .arg("-l")
                .arg(pages.to_string())
                .arg(&path)
                .arg(dir.join(format!("p{pages}-%d.pdf")))
                .status()
                .map_err(|e| format!("pdfseparate (poppler-utils): {e}"))?;
            if !status.success() {
                return Err("pdfseparate failed".into());
            }
            let parts: Vec<PathBuf> = (1..=pages)
                .map(|n| dir.join(format!("p{pages}-{n}.pdf")))
                .collect();
            let status = Command::new("pdfunite")
                .args(&parts)
                .arg(&trimmed)
                .status()
                .map_err(|e| format!("pdfunite (poppler-utils): {e}"))?;
            if !status.success() {
                return Err("pdfunite failed".into());
            }
            for part in parts {
                let _ = std::fs::remove_file(part);
            }
            std::fs::rename(&trimmed, &path).map_err(|e| e.to_string())?;
            bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        }
        attachments.push(serde_json::json!({
            "sha256": readpoint::feed::sha256_hex(&bytes),
            "size": bytes.len(),
            "media_type": "application/pdf",
            "file_name": format!("bench-{pages}.pdf"),
        }));
    }
    // The bundled content with the two attachments on DOCUMENT.
    let mut content: serde_json::Value =
        serde_json::from_str(readpoint::import::BUNDLED_CONTENT).map_err(|e| e.to_string())?;
    let documents = content["documents"]
        .as_array_mut()
        .ok_or("bundled content has no documents")?;
    let entry = documents
        .iter_mut()
        .find(|d| d["id"] == DOCUMENT)
        .ok_or("the bench document is not in the bundled content")?;
    entry["attachments"] = serde_json::Value::Array(attachments.clone());
    std::fs::write(input.join("content.json"), content.to_string()).map_err(|e| e.to_string())?;
    let feed = dir.join("feed");
    let secret = minisign::KeyPair::generate_unencrypted_keypair()
        .map_err(|e| e.to_string())?
        .sk;
    readpoint::feed::publish::build(
        &readpoint::feed::publish::BuildOptions {
            input: input.clone(),
            out: feed.clone(),
            version: None,
            feed_id: Some("bench-viewer".into()),
            expires_in_days: 30,
            publisher: None,
            portal_url: None,
            now: jiff::Timestamp::now(),
        },
        &secret,
    )
    .map_err(|e| e.to_string())?;
    let manifest = readpoint::feed::Manifest::parse(
        &std::fs::read(feed.join(readpoint::feed::MANIFEST_FILE)).map_err(|e| e.to_string())?,
        &readpoint::feed::Limits::default(),
    )
    .map_err(|e| e.to_string())?;
    // Install as the sync would: the objects, the document, the page sets.
    let data = dir.join("data");
    copy_tree(
        &feed.join(readpoint::feed::OBJECTS_DIR),
        &data.join(readpoint::feed::OBJECTS_DIR),
    )?;
    let mut store =
        Store::open(&data.join(readpoint::store::CACHE_FILE)).map_err(|e| e.to_string())?;
    readpoint::import::load_bundled(&mut store).map_err(|e| e.to_string())?;
    let entry_json = content["documents"]
        .as_array()
        .and_then(|docs| docs.iter().find(|d| d["id"] == DOCUMENT))
        .cloned()
        .ok_or("the bench document")?;
    let document = readpoint::content::Document::from_value(entry_json)
        .map_err(|problems| format!("{problems:?}"))?;
    store
        .upsert(&[document], readpoint::import::BUNDLED_SHARD, None)
        .map_err(|e| e.to_string())?;
    let mut sets = Vec::new();
    for attachment in &manifest.attachments {
        let pages = attachment.pages.as_ref().ok_or("a PDF without pages")?;
        let bytes = std::fs::read(readpoint::feed::object_path(&feed, &pages.sha256))
            .map_err(|e| e.to_string())?;
        let set = PageSet::decode(&bytes, &PageLimits::default()).map_err(|e| e.to_string())?;
        sets.push((attachment.sha256.clone(), pages.sha256.clone(), set));
    }
    store.replace_page_sets(&sets).map_err(|e| e.to_string())?;
    let index_of = |name: &str| {
        attachments
            .iter()
            .position(|a| a["file_name"] == name)
            .unwrap_or(0)
    };
    Ok((index_of("bench-50.pdf"), index_of("bench-200.pdf")))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// `readpoint-bench viewer-pages`: a kiosk window (offscreen) on the cache at `db_path`; a
/// visitor opens attachment `attachment` of the bench document and turns every page, each turn
/// drawn.
pub fn pages(db_path: &Path, attachment: usize, out: &mut dyn Write) -> Result<(), String> {
    let io = |e: std::io::Error| format!("writing the report: {e}");
    let store = Store::open(db_path).map_err(|e| e.to_string())?;
    let mut session = Session::start(store, KioskOptions::default(), (1920, 1080))?;
    session.frame();
    let before = super::ui::rss_mib().unwrap_or(0.0);
    session.kiosk.go(Place::Viewer(Reading {
        document: DOCUMENT.to_owned(),
        attachment,
        page: 1,
        find: None,
    }));
    session.frame();
    let app = session.app.clone_strong();
    let adapter = app.global::<readpoint::ui::ViewerAdapter>();
    let count = adapter.get_pages();
    let mut turns = Vec::new();
    let mut peak = super::ui::rss_mib().unwrap_or(0.0);
    let mut frames = Vec::new();
    for _ in 1..count {
        // The offscreen session runs the worker inline, so the turn also decodes the next
        // page (the prefetch); on the kiosk that runs on the worker thread. Timed apart.
        let started = Instant::now();
        adapter.invoke_turn(1);
        turns.push(started.elapsed());
        let drawn = Instant::now();
        session.frame();
        frames.push(drawn.elapsed());
        peak = peak.max(super::ui::rss_mib().unwrap_or(0.0));
    }
    let last = adapter.get_page();
    let after = super::ui::rss_mib().unwrap_or(0.0);
    let turns = Percentiles::of(&mut turns);
    let frames = Percentiles::of(&mut frames);
    writeln!(
        out,
        "| in the window: the frame after a turn to a prefetched page ({} turns, p50 / p99 / max) | {} / {} / {} ms | ≤ 50 ms p99 |",
        count.saturating_sub(1),
        ms(frames.p50),
        ms(frames.p99),
        ms(frames.max)
    )
    .map_err(io)?;
    writeln!(
        out,
        "| in the window: the turn itself with the next page's prefetch inline (the kiosk runs it on the worker; p50 / p99) | {} / {} ms | — |",
        ms(turns.p50),
        ms(turns.p99)
    )
    .map_err(io)?;
    writeln!(
        out,
        "| kiosk RSS paging through {count} pages (before / peak / after; reached page {last}) | {before:.1} / {peak:.1} / {after:.1} MiB | ≤ 80 MB |"
    )
    .map_err(io)?;
    Ok(())
}
