//! `readpoint-bench fleet`: a province's kiosks polling one portal. Thousands of kiosks check
//! one nginx on 127.0.0.1 over a compressed polling interval with jitter, the portal publishes
//! a scattered change, and every kiosk fetches what changed.
//!
//! Each kiosk is a lightweight client in this process running the product's own feed code:
//! a fresh [`FeedHttp`] per check (a new connection, as a kiosk checking every 15 minutes
//! makes), the conditional manifest GET with its ETag, the signature check against the trusted
//! key ([`signature::verify`]), [`Manifest::parse`] within the kiosk's limits, then the patch
//! from its version ([`patch::decode`], every document read as a typed document) or, without
//! one, the changed shards ([`shard::decode`]), each downloaded and hashed by
//! [`FeedHttp::download`]. It keeps no SQLite cache: what is measured is the portal's side
//! (requests, 304s, bytes, nginx's CPU) and how soon the fleet holds a verified new version.
//!
//! Prints figures and asserts nothing about time. Writes only inside the directory it is given
//! (`--keep`) or a temporary one it removes.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use readpoint::content::Intake;
use readpoint::feed::{
    Limits, MANIFEST_FILE, MAX_MANIFEST_SIZE, MAX_SIGNATURE_SIZE, Manifest, MinisignPublicKey,
    SIGNATURE_FILE, object_path, patch, shard, signature,
};
use readpoint::sync::http::{FeedHttp, Fetched};
use readpoint_test_support::corpus;
use readpoint_test_support::nginx::Nginx;

use super::{Percentiles, ms};

/// Options of a run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Simulated kiosks.
    pub kiosks: usize,
    /// Synthetic catalogue entries in the feed.
    pub docs: usize,
    /// The polling interval, compressed (a real kiosk checks every 15 minutes).
    pub interval: Duration,
    /// Intervals of polling before the publish.
    pub steady_intervals: u32,
    /// Corpus and jitter seed.
    pub seed: u64,
    /// Keep the feed and the kiosks' downloads here instead of a temporary directory.
    pub keep: Option<PathBuf>,
}

/// The real interval the compressed one stands for.
const REAL_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// Goal: share of `304 Not Modified` among manifest checks while nothing changes.
const NOT_MODIFIED_GOAL: f64 = 99.0;
const MIB: f64 = 1024.0 * 1024.0;

/// Runs the benchmark, printing figures to `out` as they are measured.
pub fn run(options: &Options, out: &mut dyn Write) -> Result<(), String> {
    super::in_work_dir(options.keep.as_deref(), "fleet", |dir| {
        // A kept directory's feed is from an earlier run: publish afresh.
        if dir.join("feed").exists() {
            std::fs::remove_dir_all(dir.join("feed"))
                .map_err(|e| format!("emptying {}: {e}", dir.display()))?;
        }
        run_in(options, dir, out)
    })
}

fn io(e: std::io::Error) -> String {
    format!("writing the figures: {e}")
}

fn run_in(options: &Options, dir: &Path, out: &mut dyn Write) -> Result<(), String> {
    writeln!(
        out,
        "readpoint-bench fleet: {} kiosks, {} catalogue entries, one check per {:.0} s (standing for {} min) with ±10 % jitter, seed {}, in {}",
        options.kiosks,
        options.docs,
        options.interval.as_secs_f64(),
        REAL_INTERVAL.as_secs() / 60,
        options.seed,
        dir.display()
    )
    .map_err(io)?;
    let mut documents = corpus::generate(options.docs, options.seed).documents;
    let content = dir.join("content.json");
    super::sync::write_content(&content, &documents)?;
    let pair = minisign::KeyPair::generate_unencrypted_keypair()
        .map_err(|e| format!("cannot generate a key pair: {e}"))?;
    let trusted = MinisignPublicKey::parse(&pair.pk.to_base64()).map_err(|e| e.to_string())?;
    let first = super::sync::publish_feed(dir, &content, &pair.sk)?;
    writeln!(
        out,
        "publish v1: {} documents in {} shards, {:.1} MiB",
        first.documents,
        first.shards,
        first.bytes as f64 / MIB
    )
    .map_err(io)?;
    let nginx = Nginx::start(&dir.join("feed")).map_err(|e| e.to_string())?;
    let url = nginx.url();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    // Every kiosk starts on version 1, as after its first sync: the manifest's ETag and shards.
    let start = runtime.block_on(Kiosk::synced(&url, &trusted, dir))?;
    let fleet = Arc::new(Fleet {
        url,
        trusted,
        published: Mutex::new(None),
        stop: AtomicBool::new(false),
        checks: AtomicU64::new(0),
        not_modified: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        applied: Mutex::new(Vec::new()),
        fetch_times: Mutex::new(Vec::new()),
        patched: AtomicU64::new(0),
        by_shards: AtomicU64::new(0),
    });
    let start_log = nginx.access_log().len();
    let mut tasks = Vec::with_capacity(options.kiosks);
    let mut seed = options.seed;
    for i in 0..options.kiosks {
        let mut kiosk = start.clone();
        kiosk.root = dir.join("kiosks").join(i.to_string());
        let fleet = Arc::clone(&fleet);
        let interval = options.interval;
        seed = splitmix(seed);
        let offset = interval.mul_f64(unit(seed));
        let jitter_seed = splitmix(seed ^ 0xA5A5);
        tasks.push(runtime.spawn(async move {
            kiosk.poll(&fleet, offset, interval, jitter_seed).await;
        }));
    }

    // Nothing changes: every check should be a 304.
    let steady = options.interval * options.steady_intervals;
    let cpu_before = nginx.cpu_time();
    std::thread::sleep(steady);
    let cpu_steady = delta(nginx.cpu_time(), cpu_before);
    let steady_log = nginx.access_log();
    let checks = fleet.checks.load(Ordering::Relaxed);
    let not_modified = fleet.not_modified.load(Ordering::Relaxed);
    let share = 100.0 * not_modified as f64 / checks.max(1) as f64;
    let steady_bytes: u64 = steady_log[start_log.min(steady_log.len())..]
        .iter()
        .map(|l| l.body_bytes_sent)
        .sum();
    writeln!(
        out,
        "steady, {:.0} s: {checks} manifest checks ({:.1}/s), {share:.2} % answered 304 (goal ≥ {NOT_MODIFIED_GOAL} %: {}), {} errors, {:.1} KiB served",
        steady.as_secs_f64(),
        checks as f64 / steady.as_secs_f64(),
        if share >= NOT_MODIFIED_GOAL { "met" } else { "NOT met" },
        fleet.errors.load(Ordering::Relaxed),
        steady_bytes as f64 / 1024.0
    )
    .map_err(io)?;
    report_cpu(out, "steady", cpu_steady, steady, options.interval)?;

    // The portal publishes a scattered change (0.1 % of the documents, across all years).
    let changed = (options.docs / 1000).max(1);
    super::sync::scattered_publish(&mut documents, changed, options.seed);
    super::sync::write_content(&content, &documents)?;
    let log_before = nginx.access_log().len();
    let cpu_before = nginx.cpu_time();
    // Kiosks may see the new manifest before the build returns: the clock starts with it.
    let started = Instant::now();
    *fleet.published.lock().map_err(|_| "poisoned")? = Some(started);
    let second = super::sync::publish_feed(dir, &content, &pair.sk)?;
    writeln!(
        out,
        "publish v2: {changed} documents changed across all years in {:.1} s; {} of {} shards new, {} patch(es)",
        started.elapsed().as_secs_f64(),
        second.new_shards,
        second.shards,
        second.patches
    )
    .map_err(io)?;
    let deadline = Instant::now() + options.interval * 3;
    let publish_started = Instant::now();
    while Instant::now() < deadline
        && fleet.applied.lock().map_err(|_| "poisoned")?.len() < options.kiosks
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let publish_wall = publish_started.elapsed();
    let cpu_publish = delta(nginx.cpu_time(), cpu_before);
    fleet.stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.abort();
    }
    let log = nginx.access_log();
    let after = &log[log_before.min(log.len())..];
    let bytes: u64 = after.iter().map(|l| l.body_bytes_sent).sum();
    let objects = after
        .iter()
        .filter(|l| l.path.contains("/objects/"))
        .count();
    let mut applied = fleet.applied.lock().map_err(|_| "poisoned")?.clone();
    let mut fetch_times = fleet.fetch_times.lock().map_err(|_| "poisoned")?.clone();
    let done = applied.len();
    let p = Percentiles::of(&mut applied);
    let fetch = Percentiles::of(&mut fetch_times);
    writeln!(
        out,
        "after the publish: {done} of {} kiosks hold v2 ({} by patch, {} by shards), {} errors; {:.1} KiB and {:.2} objects served per kiosk ({:.1} MiB in all)",
        options.kiosks,
        fleet.patched.load(Ordering::Relaxed),
        fleet.by_shards.load(Ordering::Relaxed),
        fleet.errors.load(Ordering::Relaxed),
        bytes as f64 / 1024.0 / options.kiosks.max(1) as f64,
        objects as f64 / options.kiosks.max(1) as f64,
        bytes as f64 / MIB
    )
    .map_err(io)?;
    writeln!(
        out,
        "time from the start of the publish (its build included) to a verified v2 on a kiosk: p50 {} ms, p99 {} ms, max {} ms (a kiosk learns of it at its next check: at most one interval ± 10 %, {:.0} s here, 15 min for real)",
        ms(p.p50),
        ms(p.p99),
        ms(p.max),
        options.interval.as_secs_f64()
    )
    .map_err(io)?;
    writeln!(
        out,
        "a kiosk's check that finds v2, to the new version verified and decoded: p50 {} ms, p99 {} ms, max {} ms",
        ms(fetch.p50),
        ms(fetch.p99),
        ms(fetch.max)
    )
    .map_err(io)?;
    report_cpu(
        out,
        "after the publish",
        cpu_publish,
        publish_wall,
        options.interval,
    )?;
    Ok(())
}

fn report_cpu(
    out: &mut dyn Write,
    phase: &str,
    cpu: Option<Duration>,
    wall: Duration,
    interval: Duration,
) -> Result<(), String> {
    let Some(cpu) = cpu else {
        return writeln!(out, "{phase}: nginx CPU time unknown (no /proc)").map_err(io);
    };
    let cores = cpu.as_secs_f64() / wall.as_secs_f64().max(1e-9);
    let real = cores * interval.as_secs_f64() / REAL_INTERVAL.as_secs_f64();
    writeln!(
        out,
        "{phase}: nginx CPU {:.2} s in {:.0} s = {:.3} cores on average (goal < 1: {}); at the real 15-minute interval {:.4} cores",
        cpu.as_secs_f64(),
        wall.as_secs_f64(),
        cores,
        if cores < 1.0 { "met" } else { "NOT met" },
        real
    )
    .map_err(io)
}

fn delta(now: Option<Duration>, before: Option<Duration>) -> Option<Duration> {
    Some(now?.saturating_sub(before?))
}

/// SplitMix64.
fn splitmix(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number in [0, 1) from `state`.
fn unit(state: u64) -> f64 {
    (state >> 11) as f64 / (1u64 << 53) as f64
}

/// What the fleet shares: the portal, the clock of the publish and the tallies.
struct Fleet {
    url: String,
    trusted: MinisignPublicKey,
    /// When version 2 was published (`None` before).
    published: Mutex<Option<Instant>>,
    stop: AtomicBool,
    checks: AtomicU64,
    not_modified: AtomicU64,
    errors: AtomicU64,
    /// Per kiosk that holds version 2: the time from the publish.
    applied: Mutex<Vec<Duration>>,
    /// Per kiosk that holds version 2: its check that found it, start to end.
    fetch_times: Mutex<Vec<Duration>>,
    patched: AtomicU64,
    by_shards: AtomicU64,
}

/// One kiosk: the version it holds, the manifest's ETag, its shards, and a folder for
/// downloads.
#[derive(Debug, Clone)]
struct Kiosk {
    version: u64,
    etag: Option<String>,
    shards: HashMap<String, String>,
    root: PathBuf,
}

impl Kiosk {
    /// A kiosk that has applied the feed's current version.
    async fn synced(url: &str, trusted: &MinisignPublicKey, dir: &Path) -> Result<Kiosk, String> {
        let http = client(url)?;
        let Fetched::Body { bytes, etag } = http
            .fetch(MANIFEST_FILE, None, MAX_MANIFEST_SIZE)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Err("the manifest answered 304 without an ETag".into());
        };
        let manifest = verified(&http, &bytes, trusted).await?;
        Ok(Kiosk {
            version: manifest.version,
            etag,
            shards: manifest
                .shards
                .into_iter()
                .map(|s| (s.name, s.sha256))
                .collect(),
            root: dir.join("kiosks"),
        })
    }

    /// Checks at `offset`, then once per `interval` ± 10 %, until the fleet stops.
    async fn poll(&mut self, fleet: &Fleet, offset: Duration, interval: Duration, mut seed: u64) {
        tokio::time::sleep(offset).await;
        while !fleet.stop.load(Ordering::Relaxed) {
            match self.check(fleet).await {
                Ok(()) => {}
                Err(error) => {
                    fleet.errors.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!("a fleet kiosk's check failed: {error}");
                }
            }
            seed = splitmix(seed);
            tokio::time::sleep(interval.mul_f64(0.9 + 0.2 * unit(seed))).await;
        }
    }

    /// One check, as a kiosk's sync makes it.
    async fn check(&mut self, fleet: &Fleet) -> Result<(), String> {
        let started = Instant::now();
        let http = client(&fleet.url)?;
        fleet.checks.fetch_add(1, Ordering::Relaxed);
        let fetched = http
            .fetch(MANIFEST_FILE, self.etag.as_deref(), MAX_MANIFEST_SIZE)
            .await
            .map_err(|e| e.to_string())?;
        let (bytes, etag) = match fetched {
            Fetched::NotModified => {
                fleet.not_modified.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            Fetched::Body { bytes, etag } => (bytes, etag),
        };
        let manifest = verified(&http, &bytes, &fleet.trusted).await?;
        if manifest.version <= self.version {
            self.etag = etag;
            return Ok(());
        }
        let limits = Limits::default();
        match manifest.patches.iter().find(|p| p.from == self.version) {
            Some(patch_ref) => {
                let bytes = self
                    .object(&http, &patch_ref.sha256, patch_ref.size)
                    .await?;
                let patch = patch::decode(&bytes, &limits).map_err(|e| e.to_string())?;
                for shard in &patch.shards {
                    let intake = Intake::of(shard.put.iter().cloned());
                    if let Some(problem) = intake.problems.first() {
                        return Err(format!("the patch holds an invalid document: {problem}"));
                    }
                }
                fleet.patched.fetch_add(1, Ordering::Relaxed);
            }
            None => {
                for shard_ref in &manifest.shards {
                    if self.shards.get(&shard_ref.name) == Some(&shard_ref.sha256) {
                        continue;
                    }
                    let bytes = self
                        .object(&http, &shard_ref.sha256, shard_ref.size)
                        .await?;
                    let mut problems = 0;
                    shard::decode(&bytes, shard_ref.documents, &limits, |doc| {
                        problems += Intake::of([doc]).problems.len();
                    })
                    .map_err(|e| e.to_string())?;
                    if problems > 0 {
                        return Err(format!("shard {} holds invalid documents", shard_ref.name));
                    }
                }
                fleet.by_shards.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.version = manifest.version;
        self.etag = etag;
        self.shards = manifest
            .shards
            .into_iter()
            .map(|s| (s.name, s.sha256))
            .collect();
        let published = *fleet.published.lock().map_err(|_| "poisoned")?;
        if let Some(published) = published {
            fleet
                .applied
                .lock()
                .map_err(|_| "poisoned")?
                .push(published.elapsed());
            fleet
                .fetch_times
                .lock()
                .map_err(|_| "poisoned")?
                .push(started.elapsed());
        }
        Ok(())
    }

    /// Downloads and verifies an object, returns its bytes and removes the file.
    async fn object(&self, http: &FeedHttp, sha256: &str, size: u64) -> Result<Vec<u8>, String> {
        http.download(&self.root, sha256, size)
            .await
            .map_err(|e| e.to_string())?;
        let path = object_path(&self.root, sha256);
        let bytes = std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let _ = std::fs::remove_file(&path);
        Ok(bytes)
    }
}

/// A kiosk's HTTP client for the feed (a new one per check: a new connection).
fn client(url: &str) -> Result<FeedHttp, String> {
    FeedHttp::new(url, Duration::from_secs(30), "readpoint-bench fleet", &[])
        .map_err(|e| e.to_string())
}

/// The signature of `bytes`, fetched and verified, and the manifest parsed within the limits.
async fn verified(
    http: &FeedHttp,
    bytes: &[u8],
    trusted: &MinisignPublicKey,
) -> Result<Manifest, String> {
    let Fetched::Body { bytes: sig, .. } = http
        .fetch(SIGNATURE_FILE, None, MAX_SIGNATURE_SIZE)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Err("the signature answered 304".into());
    };
    signature::verify(
        bytes,
        &String::from_utf8_lossy(&sig),
        std::slice::from_ref(trusted),
    )
    .map_err(|e| e.to_string())?;
    Manifest::parse(bytes, &Limits::default()).map_err(|e| e.to_string())
}
