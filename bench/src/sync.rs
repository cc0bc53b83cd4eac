//! `readpoint-bench sync`: the feed sync end to end at catalogue scale, against a real nginx on
//! 127.0.0.1 and the product's command line in a child process ([`crate::product_command`]).
//!
//! 1. Generates a synthetic catalogue ([`readpoint_test_support::corpus`]), writes it as one
//!    content file and publishes it with [`readpoint::feed::publish::build`], signed by a
//!    throwaway key pair.
//! 2. Serves the feed with [`Nginx`] and runs `readpoint --config C --data-dir D sync --once`
//!    for a full initial sync into an empty data folder, a no-change check (one `304`), and
//!    incremental syncs after 0.1 % of the documents change: a typical publish (corrections of
//!    the newest documents, half of the change as new documents dated today) and a scattered
//!    worst case (documents picked uniformly at random across all years).
//! 3. Per sync: wall time, requests and body bytes from nginx's access log, objects fetched,
//!    the child's peak RSS (VmHWM polled every 50 ms) and where the time went (from the
//!    child's progress log at debug level).
//!
//! Prints figures and asserts nothing about time. Writes only inside the directory it is
//! given (`--keep`, reused by the next run so it skips generating and publishing the base
//! feed) or a temporary one it removes.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use readpoint::content::{ContentFile, SHARD_FORMAT};
use readpoint::feed::publish::{self, BuildOptions, BuildReport};
use readpoint::feed::{MANIFEST_FILE, SIGNATURE_FILE};
use readpoint_test_support::corpus;
use readpoint_test_support::nginx::{AccessLine, Nginx};
use serde_json::{Value, json};

use super::peak_rss_mib;

/// Options of a run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Catalogue entries in the feed.
    pub docs: usize,
    /// Corpus seed.
    pub seed: u64,
    /// Keep the corpus, the feed and the kiosk's data folder here, and reuse the published
    /// base feed on the next run.
    pub keep: Option<PathBuf>,
}

/// The feed id of the benchmark feed.
const FEED_ID: &str = "bench-sync";
/// What a run leaves for the next one to reuse (written last: a partial run is not reused).
const STAMP_FILE: &str = "bench-sync.json";
/// The throwaway secret key (unencrypted) that signs the benchmark feed.
const KEY_FILE: &str = "bench-sync.key";
/// How often the child's peak RSS is read.
const POLL: Duration = Duration::from_millis(50);
/// The full-sync time and incremental-bytes targets (printed next to the figures, not asserted).
const FULL_SYNC_TARGET: Duration = Duration::from_secs(60);
const INCREMENTAL_TARGET_PERCENT: f64 = 2.0;

const MIB: f64 = 1024.0 * 1024.0;

/// Runs the benchmark, printing figures to `out` as they are measured.
pub fn run(options: &Options, out: &mut dyn Write) -> Result<(), String> {
    super::in_work_dir(options.keep.as_deref(), "sync", |dir| {
        run_in(options, dir, out)
    })
}

fn io(e: std::io::Error) -> String {
    format!("writing the report: {e}")
}

fn run_in(options: &Options, dir: &Path, out: &mut dyn Write) -> Result<(), String> {
    writeln!(
        out,
        "readpoint-bench sync: {} catalogue entries, seed {}, in {}",
        options.docs,
        options.seed,
        dir.display()
    )
    .map_err(io)?;
    let Prepared {
        mut documents,
        secret,
        trusted_key,
        base,
    } = prepare(dir, options, out)?;

    let nginx = Nginx::start(&dir.join("feed")).map_err(|e| e.to_string())?;
    let kiosk = Kiosk::create(dir, &nginx.url(), &trusted_key)?;
    writeln!(
        out,
        "nginx serving {} at {}; kiosk data folder {}",
        dir.join("feed").display(),
        nginx.url(),
        kiosk.data.display()
    )
    .map_err(io)?;

    let mut rows = Vec::new();
    let full = kiosk.sync(&nginx, "full")?;
    full.print("full initial sync", out)?;
    rows.push(("full initial sync".to_owned(), full));

    let unchanged = kiosk.sync(&nginx, "no-change")?;
    unchanged.print("no-change check", out)?;
    let only_304 = unchanged.requests.len() == 1 && unchanged.requests[0].status == 304;
    writeln!(
        out,
        "  new requests in nginx's log: {} ({}) — exactly one 304: {}",
        unchanged.requests.len(),
        statuses(&unchanged.requests),
        if only_304 { "yes" } else { "NO" }
    )
    .map_err(io)?;
    rows.push(("no-change check".to_owned(), unchanged));

    let changed = (options.docs / 1000).max(1);
    let today = jiff::Zoned::now().date();
    let (corrected, added) = typical_publish(&mut documents, changed, today);
    let report = republish(dir, "typical", &documents, &secret, out)?;
    writeln!(
        out,
        "typical publish: {corrected} newest documents corrected + {added} new ones dated {today}; v{}: {} shards, {} new, {} patches",
        report.version, report.shards, report.new_shards, report.patches
    )
    .map_err(io)?;
    let typical = kiosk.sync(&nginx, "typical")?;
    typical.print("typical publish", out)?;
    rows.push((format!("typical: {changed} docs newest"), typical));

    let edited = scattered_publish(&mut documents, changed, options.seed);
    let report = republish(dir, "scattered", &documents, &secret, out)?;
    writeln!(
        out,
        "scattered worst case: {edited} documents picked uniformly across all years; v{}: {} shards, {} new, {} patches",
        report.version, report.shards, report.new_shards, report.patches
    )
    .map_err(io)?;
    let scattered = kiosk.sync(&nginx, "scattered")?;
    scattered.print("scattered worst case", out)?;
    rows.push((format!("scattered: {changed} docs random"), scattered));

    summary(options, &base, &rows, out)
}

/// The base feed and what is needed to publish changes to it.
struct Prepared {
    documents: Vec<Value>,
    secret: minisign::SecretKey,
    trusted_key: String,
    base: Stamp,
}

/// The published base feed, as recorded for the next run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Stamp {
    docs: usize,
    seed: u64,
    trusted_key: String,
    generate_seconds: f64,
    publish_seconds: f64,
    shards: usize,
    bytes: u64,
    content_bytes: u64,
}

/// Reuses the base feed of an earlier run with the same size and seed, or generates and
/// publishes it.
fn prepare(dir: &Path, options: &Options, out: &mut dyn Write) -> Result<Prepared, String> {
    if let Some(prepared) = reuse(dir, options, out)? {
        return Ok(prepared);
    }
    let _ = std::fs::remove_file(dir.join(STAMP_FILE));
    for stale in ["feed", "base", "content"] {
        let path = dir.join(stale);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .map_err(|e| format!("removing {}: {e}", path.display()))?;
        }
    }
    let started = Instant::now();
    let documents = corpus::generate(options.docs, options.seed).documents;
    let generate_seconds = started.elapsed().as_secs_f64();
    let content = dir.join("content").join("base.json");
    let content_bytes = write_content(&content, &documents)?;
    writeln!(
        out,
        "generate corpus: {generate_seconds:.1} s; content file {:.1} MiB",
        content_bytes as f64 / MIB
    )
    .map_err(io)?;

    let pair = minisign::KeyPair::generate_unencrypted_keypair()
        .map_err(|e| format!("cannot generate a key pair: {e}"))?;
    let trusted_key = pair.pk.to_base64();
    let started = Instant::now();
    let report = publish_feed(dir, &content, &pair.sk)?;
    let publish_seconds = started.elapsed().as_secs_f64();
    writeln!(
        out,
        "publish v{}: {publish_seconds:.1} s; {} documents in {} shards, {:.1} MiB",
        report.version,
        report.documents,
        report.shards,
        report.bytes as f64 / MIB
    )
    .map_err(io)?;

    let base = dir.join("base");
    std::fs::create_dir_all(&base).map_err(|e| format!("creating {}: {e}", base.display()))?;
    for name in [MANIFEST_FILE, SIGNATURE_FILE] {
        copy(&dir.join("feed").join(name), &base.join(name))?;
    }
    let key_box = pair
        .sk
        .to_box(None)
        .map_err(|e| format!("cannot encode the bench key: {e}"))?;
    write_file(&dir.join(KEY_FILE), key_box.to_string().as_bytes())?;
    let stamp = Stamp {
        docs: options.docs,
        seed: options.seed,
        trusted_key: trusted_key.clone(),
        generate_seconds,
        publish_seconds,
        shards: report.shards,
        bytes: report.bytes,
        content_bytes,
    };
    let stamp_text =
        serde_json::to_vec_pretty(&stamp).map_err(|e| format!("encoding the stamp: {e}"))?;
    write_file(&dir.join(STAMP_FILE), &stamp_text)?;
    Ok(Prepared {
        documents,
        secret: pair.sk,
        trusted_key,
        base: stamp,
    })
}

/// The base feed of an earlier run, restored into `feed/` (its objects are never deleted), if
/// the directory holds one for the same size and seed.
fn reuse(dir: &Path, options: &Options, out: &mut dyn Write) -> Result<Option<Prepared>, String> {
    let Some(stamp) = std::fs::read(dir.join(STAMP_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Stamp>(&bytes).ok())
    else {
        return Ok(None);
    };
    let content = dir.join("content").join("base.json");
    let base = dir.join("base");
    let complete = [
        content.clone(),
        base.join(MANIFEST_FILE),
        base.join(SIGNATURE_FILE),
        dir.join(KEY_FILE),
    ]
    .iter()
    .all(|p| p.is_file());
    if stamp.docs != options.docs || stamp.seed != options.seed || !complete {
        return Ok(None);
    }
    let started = Instant::now();
    let text = std::fs::read_to_string(&content)
        .map_err(|e| format!("reading {}: {e}", content.display()))?;
    let documents = ContentFile::parse(&text)
        .map_err(|e| format!("{}: {e}", content.display()))?
        .documents;
    drop(text);
    let secret = publish::read_secret_key(&dir.join(KEY_FILE), None).map_err(|e| e.to_string())?;
    for name in [MANIFEST_FILE, SIGNATURE_FILE] {
        copy(&base.join(name), &dir.join("feed").join(name))?;
    }
    writeln!(
        out,
        "reusing the base feed of an earlier run ({} documents in {} shards, {:.1} MiB; it took generate {:.1} s + publish {:.1} s); corpus read back in {:.1} s",
        documents.len(),
        stamp.shards,
        stamp.bytes as f64 / MIB,
        stamp.generate_seconds,
        stamp.publish_seconds,
        started.elapsed().as_secs_f64()
    )
    .map_err(io)?;
    Ok(Some(Prepared {
        documents,
        secret,
        trusted_key: stamp.trusted_key.clone(),
        base: stamp,
    }))
}

/// Writes the documents as one content file; returns its size.
pub(super) fn write_content(path: &Path, documents: &[Value]) -> Result<u64, String> {
    let fail = |e: &dyn std::fmt::Display| format!("writing {}: {e}", path.display());
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| fail(&e))?;
    }
    let file = File::create(path).map_err(|e| fail(&e))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let header = json!({ "format": SHARD_FORMAT }).to_string();
    // `{"format":"…"` + `,"documents":[…]}`: one document at a time, never the whole text.
    let open = header.strip_suffix('}').unwrap_or(&header);
    write!(w, "{open},\"documents\":[").map_err(|e| fail(&e))?;
    for (i, doc) in documents.iter().enumerate() {
        if i > 0 {
            w.write_all(b",\n").map_err(|e| fail(&e))?;
        }
        serde_json::to_writer(&mut w, doc).map_err(|e| fail(&e))?;
    }
    w.write_all(b"]}\n").map_err(|e| fail(&e))?;
    let file = w.into_inner().map_err(|e| fail(&e))?;
    Ok(file.metadata().map_err(|e| fail(&e))?.len())
}

/// Publishes `input` into `DIR/feed` as the next version, then makes sure the manifest's
/// mtime moved to a later second (nginx's ETag is mtime seconds + length).
pub(super) fn publish_feed(
    dir: &Path,
    input: &Path,
    secret: &minisign::SecretKey,
) -> Result<BuildReport, String> {
    let feed = dir.join("feed");
    let manifest = feed.join(MANIFEST_FILE);
    let before = std::fs::metadata(&manifest).and_then(|m| m.modified()).ok();
    let options = BuildOptions {
        input: input.to_owned(),
        out: feed,
        version: None,
        feed_id: Some(FEED_ID.to_owned()),
        expires_in_days: 365,
        publisher: Some("readpoint-bench sync".to_owned()),
        portal_url: None,
        now: jiff::Timestamp::now(),
    };
    let report = publish::build(&options, secret).map_err(|e| e.to_string())?;
    let now = SystemTime::now();
    let mtime = before.map_or(now, |b| now.max(b + Duration::from_secs(1)));
    std::fs::OpenOptions::new()
        .write(true)
        .open(&manifest)
        .and_then(|f| f.set_modified(mtime))
        .map_err(|e| format!("setting the mtime of {}: {e}", manifest.display()))?;
    Ok(report)
}

/// Writes the changed corpus and publishes it, printing the time taken.
fn republish(
    dir: &Path,
    name: &str,
    documents: &[Value],
    secret: &minisign::SecretKey,
    out: &mut dyn Write,
) -> Result<BuildReport, String> {
    let content = dir.join("content").join(format!("{name}.json"));
    let started = Instant::now();
    write_content(&content, documents)?;
    let written = started.elapsed();
    let started = Instant::now();
    let report = publish_feed(dir, &content, secret)?;
    writeln!(
        out,
        "publish {name}: write content {:.1} s + build {:.1} s",
        written.as_secs_f64(),
        started.elapsed().as_secs_f64()
    )
    .map_err(io)?;
    // The base content stays for the next run; a changed one is not needed again.
    let _ = std::fs::remove_file(&content);
    Ok(report)
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    std::fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// The changes
// ---------------------------------------------------------------------------------------------

pub(super) fn str_field<'a>(doc: &'a Value, key: &str) -> &'a str {
    doc.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Indices of the documents, newest first (by published date, then id).
pub(super) fn newest_first(documents: &[Value]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..documents.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| {
            (
                str_field(&documents[i], "published_date"),
                str_field(&documents[i], "id"),
            )
        };
        key(b).cmp(&key(a))
    });
    order
}

/// Appends a correction note to a document's summary.
fn correct_summary(doc: &mut Value, note: &str) {
    let summary = format!("{}（{note}）", str_field(doc, "summary"));
    if let Some(map) = doc.as_object_mut() {
        map.insert("summary".to_owned(), Value::from(summary));
    }
}

/// A typical publish of `changed` documents: the newest `changed - changed / 2` get a corrected
/// summary, and `changed / 2` new documents dated `today` are added (shaped like the newest
/// ones). Returns (corrected, added).
fn typical_publish(
    documents: &mut Vec<Value>,
    changed: usize,
    today: jiff::civil::Date,
) -> (usize, usize) {
    let newest = newest_first(documents);
    if newest.is_empty() {
        return (0, 0);
    }
    let added = changed / 2;
    let corrected = (changed - added).min(newest.len());
    let date = today.strftime("%Y-%m-%d").to_string();
    let note = format!("{date}更正：补充办理时限、咨询电话和办理地点");
    for &i in &newest[..corrected] {
        correct_summary(&mut documents[i], &note);
    }
    let mut new_documents = Vec::with_capacity(added);
    for j in 0..added {
        let mut doc = documents[newest[j % newest.len()]].clone();
        let title = format!("{}（{}年补充）", str_field(&doc, "title"), today.year());
        let org = str_field(&doc, "index_no")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let index_no = format!("{org}/{:04}-{:05}", today.year(), 90_000 + j % 10_000);
        if let Some(map) = doc.as_object_mut() {
            map.insert(
                "id".to_owned(),
                Value::from(format!("bench-new-{:07}", j + 1)),
            );
            map.insert("title".to_owned(), Value::from(title));
            map.insert("index_no".to_owned(), Value::from(index_no));
            map.insert("generated_date".to_owned(), Value::from(date.clone()));
            map.insert("published_date".to_owned(), Value::from(date.clone()));
            map.insert("doc_number".to_owned(), Value::Null);
        }
        new_documents.push(doc);
    }
    documents.extend(new_documents);
    (corrected, added)
}

/// The scattered worst case: `changed` documents picked uniformly at random (from `seed`) get
/// a corrected summary. Returns how many were changed.
pub(super) fn scattered_publish(documents: &mut [Value], changed: usize, seed: u64) -> usize {
    let n = documents.len();
    let wanted = changed.min(n);
    let mut state = seed ^ 0x5CA7_7E4E_D0C5_0001;
    let mut picked = HashSet::with_capacity(wanted);
    while picked.len() < wanted {
        // SplitMix64, multiply-shift into 0..n.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        picked.insert(((u128::from(z) * n as u128) >> 64) as usize);
    }
    for &i in &picked {
        correct_summary(&mut documents[i], "勘误：更正联系电话");
    }
    picked.len()
}

// ---------------------------------------------------------------------------------------------
// The kiosk
// ---------------------------------------------------------------------------------------------

/// A kiosk configuration and an empty data folder, synced by the product's `readpoint sync
/// --once` ([`crate::product_command`]).
struct Kiosk {
    dir: PathBuf,
    config: PathBuf,
    data: PathBuf,
}

/// What one `sync --once` did.
struct SyncRun {
    wall: Duration,
    /// Peak resident memory of the child (KiB), if `/proc` reported it at least twice (the
    /// last growth before exit may fall between two samples).
    peak_rss_kib: Option<u64>,
    /// The requests it made, from nginx's access log.
    requests: Vec<AccessLine>,
    /// What the child printed.
    stdout: String,
    /// Where its time went, from its progress log.
    phases: Vec<(&'static str, Duration)>,
}

impl Kiosk {
    /// `DIR/kiosk` (emptied): the configuration for `feed_url` and a fresh data folder.
    fn create(dir: &Path, feed_url: &str, trusted_key: &str) -> Result<Kiosk, String> {
        let root = dir.join("kiosk");
        if root.exists() {
            std::fs::remove_dir_all(&root)
                .map_err(|e| format!("removing {}: {e}", root.display()))?;
        }
        let data = root.join("data");
        std::fs::create_dir_all(&data).map_err(|e| format!("creating {}: {e}", data.display()))?;
        let config = root.join("readpoint.toml");
        let text = format!(
            "# Written by `readpoint-bench sync`.\n[sync]\nfeed_url = {}\nfeed_id = {}\ntrusted_keys = [{}]\ntimeout = \"60s\"\n",
            toml_string(feed_url),
            toml_string(FEED_ID),
            toml_string(trusted_key)
        );
        write_file(&config, text.as_bytes())?;
        Ok(Kiosk {
            dir: root,
            config,
            data,
        })
    }

    /// Runs `readpoint sync --once` to its end; `name` names its output files in `DIR/kiosk`.
    fn sync(&self, nginx: &Nginx, name: &str) -> Result<SyncRun, String> {
        let before = nginx.access_log().len();
        let stdout_path = self.dir.join(format!("{name}.out"));
        let log_path = self.dir.join(format!("{name}.log"));
        let create = |path: &Path| {
            File::create(path).map_err(|e| format!("creating {}: {e}", path.display()))
        };
        let started_at = jiff::Timestamp::now();
        let started = Instant::now();
        let mut child = crate::product_command()?
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .args(["sync", "--once"])
            .env("RUST_LOG", "readpoint=debug")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(create(&stdout_path)?)
            .stderr(create(&log_path)?)
            .spawn()
            .map_err(|e| format!("cannot run readpoint sync --once: {e}"))?;
        let status_path = PathBuf::from(format!("/proc/{}/status", child.id()));
        let (mut peak, mut samples) = (0u64, 0usize);
        let status = loop {
            if let Some(kib) = vm_hwm_kib(&status_path) {
                peak = peak.max(kib);
                samples += 1;
            }
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) => std::thread::sleep(POLL),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("waiting for the sync child: {e}"));
                }
            }
        };
        let wall = started.elapsed();
        // The first sample is taken just after exec; a child that exits before the second was
        // not measured.
        let peak_rss_kib = (samples >= 2).then_some(peak);
        let ended_at = jiff::Timestamp::now();
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
        if !status.success() {
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            return Err(format!(
                "`readpoint sync --once` ({name}) failed ({status}); the end of its log {}:\n{}",
                log_path.display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
        // nginx writes a request's line just after sending the response.
        std::thread::sleep(Duration::from_millis(200));
        let requests = nginx.access_log().split_off(before);
        Ok(SyncRun {
            wall,
            peak_rss_kib,
            requests,
            stdout: stdout.trim().to_owned(),
            phases: phases(&log, started_at, ended_at),
        })
    }
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    Value::from(text).to_string()
}

/// `VmHWM` of a process from its `/proc/<pid>/status`, in KiB.
fn vm_hwm_kib(status_path: &Path) -> Option<u64> {
    let status = std::fs::read_to_string(status_path).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl SyncRun {
    fn bytes(&self) -> u64 {
        self.requests.iter().map(|r| r.body_bytes_sent).sum()
    }

    /// Objects (shards, attachments) downloaded in full.
    fn objects(&self) -> usize {
        self.requests
            .iter()
            .filter(|r| r.path.starts_with("/objects/") && r.status == 200)
            .count()
    }

    fn print(&self, label: &str, out: &mut dyn Write) -> Result<(), String> {
        writeln!(
            out,
            "{label}: {:.1} s, {} requests, {:.2} MiB, {} objects, peak RSS {}",
            self.wall.as_secs_f64(),
            self.requests.len(),
            self.bytes() as f64 / MIB,
            self.objects(),
            rss_text(self.peak_rss_kib)
        )
        .map_err(io)?;
        if !self.stdout.is_empty() {
            writeln!(out, "  kiosk: {}", self.stdout).map_err(io)?;
        }
        if !self.phases.is_empty() {
            let parts: Vec<String> = self
                .phases
                .iter()
                .map(|(name, d)| format!("{name} {:.1} s", d.as_secs_f64()))
                .collect();
            writeln!(out, "  time: {}", parts.join(" · ")).map_err(io)?;
        }
        Ok(())
    }
}

fn rss_text(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "n/a".to_owned(),
        |k| format!("{:.0} MiB", k as f64 / 1024.0),
    )
}

/// Status codes of requests, counted: `200×3, 304×1`.
fn statuses(requests: &[AccessLine]) -> String {
    let mut counts: std::collections::BTreeMap<u16, usize> = std::collections::BTreeMap::new();
    for r in requests {
        *counts.entry(r.status).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(s, n)| format!("{s}×{n}")).collect();
    parts.join(", ")
}

/// Where a sync's time went, from the `sync progress` lines of its debug log (tracing's default
/// format: an RFC 3339 time first): start-up until `Checking`, then manifest, download, apply,
/// finish. Phases whose progress line is missing merge into the one before.
fn phases(
    log: &str,
    started: jiff::Timestamp,
    ended: jiff::Timestamp,
) -> Vec<(&'static str, Duration)> {
    const MARKS: [(&str, &str); 4] = [
        ("p=Checking", "manifest + signature"),
        ("p=Downloading", "download"),
        ("p=Applying", "decode + apply + commit"),
        ("p=Finishing", "attachments + clean-up + exit"),
    ];
    let mut marks: Vec<(&'static str, jiff::Timestamp)> = vec![("start-up + open cache", started)];
    for (needle, name) in MARKS {
        let first = log.lines().find_map(|line| {
            let line = strip_ansi(line);
            if !line.contains("sync progress") || !line.contains(needle) {
                return None;
            }
            line.split_whitespace()
                .next()?
                .parse::<jiff::Timestamp>()
                .ok()
        });
        if let Some(at) = first {
            marks.push((name, at));
        }
    }
    marks.push(("end", ended));
    marks
        .windows(2)
        .map(|pair| {
            let span = pair[1].1.duration_since(pair[0].1);
            (pair[0].0, Duration::try_from(span).unwrap_or_default())
        })
        .collect()
}

/// `line` without ANSI colour sequences (`ESC [ … m`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The table of every sync, the targets and the command line.
fn summary(
    options: &Options,
    base: &Stamp,
    rows: &[(String, SyncRun)],
    out: &mut dyn Write,
) -> Result<(), String> {
    let full_bytes = rows.first().map_or(0, |(_, r)| r.bytes()).max(1) as f64;
    writeln!(
        out,
        "\n{:<28} {:>8} {:>9} {:>11} {:>8} {:>8} {:>10}",
        "sync", "wall s", "requests", "fetched MiB", "of full", "objects", "peak RSS"
    )
    .map_err(io)?;
    for (name, run) in rows {
        writeln!(
            out,
            "{name:<28} {:>8.1} {:>9} {:>11.2} {:>7.2}% {:>8} {:>10}",
            run.wall.as_secs_f64(),
            run.requests.len(),
            run.bytes() as f64 / MIB,
            run.bytes() as f64 * 100.0 / full_bytes,
            run.objects(),
            rss_text(run.peak_rss_kib)
        )
        .map_err(io)?;
    }
    writeln!(
        out,
        "\nfeed: {} documents in {} shards, {:.1} MiB; fetched = body bytes in nginx's access log (manifest and signature included); peak RSS = the child's VmHWM, polled every {} ms.",
        base.docs,
        base.shards,
        base.bytes as f64 / MIB,
        POLL.as_millis()
    )
    .map_err(io)?;
    if let Some((_, full)) = rows.first() {
        let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
        writeln!(
            out,
            "target full sync ≤ {} s: {:.1} s, {}",
            FULL_SYNC_TARGET.as_secs(),
            full.wall.as_secs_f64(),
            verdict(full.wall <= FULL_SYNC_TARGET)
        )
        .map_err(io)?;
        for (name, run) in rows.iter().skip(2) {
            let percent = run.bytes() as f64 * 100.0 / full_bytes;
            writeln!(
                out,
                "target incremental ≤ {INCREMENTAL_TARGET_PERCENT} % of the full bytes, {name}: {percent:.2} %, {}",
                verdict(percent <= INCREMENTAL_TARGET_PERCENT)
            )
            .map_err(io)?;
        }
    }
    if let Some(rss) = peak_rss_mib() {
        writeln!(out, "bench process peak RSS: {rss:.0} MiB").map_err(io)?;
    }
    let keep = options
        .keep
        .as_ref()
        .map(|dir| format!(" --keep {}", dir.display()))
        .unwrap_or_default();
    writeln!(
        out,
        "reproduce: cargo run -p readpoint-bench -- sync --docs {} --seed {}{keep}",
        options.docs, options.seed
    )
    .map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use readpoint::content::{Document, validate_set};

    fn date(text: &str) -> jiff::civil::Date {
        text.parse().expect("a date")
    }

    fn valid(documents: &[Value]) {
        let parsed: Vec<Document> = documents
            .iter()
            .map(|v| Document::from_value(v.clone()).expect("valid document"))
            .collect();
        assert!(validate_set(&parsed).is_empty());
    }

    #[test]
    fn typical_publish_corrects_the_newest_and_adds_documents_dated_today() {
        let mut documents = corpus::generate(300, 7).documents;
        let original = documents.clone();
        let newest = newest_first(&original);
        let (corrected, added) = typical_publish(&mut documents, 5, date("2026-03-15"));
        assert_eq!((corrected, added), (3, 2));
        assert_eq!(documents.len(), 302);
        let changed: Vec<usize> = (0..300).filter(|&i| documents[i] != original[i]).collect();
        let mut expected = newest[..3].to_vec();
        expected.sort_unstable();
        assert_eq!(changed, expected);
        for new in &documents[300..] {
            assert_eq!(str_field(new, "published_date"), "2026-03-15");
            assert!(str_field(new, "index_no").contains("/2026-9"));
        }
        valid(&documents);
    }

    #[test]
    fn scattered_publish_changes_exactly_the_requested_count_deterministically() {
        let original = corpus::generate(300, 7).documents;
        let mut a = original.clone();
        let mut b = original.clone();
        assert_eq!(scattered_publish(&mut a, 7, 1), 7);
        scattered_publish(&mut b, 7, 1);
        assert_eq!(a, b);
        assert_eq!((0..300).filter(|&i| a[i] != original[i]).count(), 7);
        valid(&a);
    }

    #[test]
    fn content_file_round_trips() {
        let documents = corpus::generate(20, 3).documents;
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("c.json");
        let size = write_content(&path, &documents).expect("written");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(size, text.len() as u64);
        assert_eq!(
            ContentFile::parse(&text).expect("parses").documents,
            documents
        );
    }

    #[test]
    fn phases_come_from_progress_lines() {
        let started: jiff::Timestamp = "2026-03-15T10:00:00Z".parse().expect("time");
        let ended: jiff::Timestamp = "2026-03-15T10:00:10Z".parse().expect("time");
        let log = "\u{1b}[2m2026-03-15T10:00:01.500000Z\u{1b}[0m DEBUG readpoint::commands::sync: sync progress p=Checking\n\
                   2026-03-15T10:00:02Z DEBUG readpoint::commands::sync: sync progress p=Downloading { done: 0, total: 3 }\n\
                   2026-03-15T10:00:03Z DEBUG readpoint::commands::sync: sync progress p=Downloading { done: 3, total: 3 }\n\
                   2026-03-15T10:00:04Z DEBUG readpoint::commands::sync: sync progress p=Applying { done: 0, total: 3 }\n\
                   2026-03-15T10:00:09Z DEBUG readpoint::commands::sync: sync progress p=Finishing\n";
        let got = phases(log, started, ended);
        let secs: Vec<(&str, f64)> = got.iter().map(|(n, d)| (*n, d.as_secs_f64())).collect();
        assert_eq!(
            secs,
            [
                ("start-up + open cache", 1.5),
                ("manifest + signature", 0.5),
                ("download", 2.0),
                ("decode + apply + commit", 5.0),
                ("attachments + clean-up + exit", 1.0),
            ]
        );
        // A 304: only the check.
        let got = phases(
            "2026-03-15T10:00:01Z DEBUG x: sync progress p=Checking\n",
            started,
            ended,
        );
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn toml_strings_are_quoted() {
        assert_eq!(
            toml_string("http://127.0.0.1:1/"),
            "\"http://127.0.0.1:1/\""
        );
    }
}
