//! `readpoint-bench soak`: a simulated day of kiosk life on mock time, compressed into minutes,
//! watching for anything that grows.
//!
//! One process holds the kiosk as it runs in production — the window (offscreen, Slint's
//! software renderer, timers on mock time), the store worker's connection, the sync's own
//! connection and tokio runtime, the usage thread, the heartbeat thread and the rotating log
//! files — and drives its day from a mock clock: `visitors` use every screen, staff open
//! the staff screen with the PIN, the display schedule switches the screen off and on, idle
//! resets end every session, usage counts are flushed, heartbeats go to a receiver on
//! 127.0.0.1, and the sync checks a portal ([`readpoint_test_support::feed_server`] on
//! 127.0.0.1) that flaps ([`flaps`]) and publishes a new signed version every simulated hour
//! ([`publisher`], in a child process). The sync is scheduled as `sync::schedule` does
//! (interval with jitter, backoff and `Retry-After` for transient failures), on the mock clock.
//!
//! Every few simulated minutes it samples the process's resident memory, file descriptors
//! and threads and the data folder's log, cache and WAL sizes ([`figures`]); it compares the
//! hour that ends the warm-up with the last hour and fails when any figure grew more than 5 %,
//! when a published version was never applied (each hour's version must be applied before the
//! next one is published; the kiosk must end on the last one with exactly its content), or
//! when the cache fails [`Store::verify_integrity`] at the end. Asserts nothing about time but
//! the wall-clock limit. Writes only inside the folder it is given.

pub mod figures;
pub mod flaps;
pub mod publisher;
mod visitors;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use readpoint::config::{Config, Paths};
use readpoint::fleet::{Collector, Heartbeat, HeartbeatSettings, Producer};
use readpoint::kiosk::KioskOptions;
use readpoint::kiosk::offscreen::{MockTime, Session};
use readpoint::store::{CACHE_FILE, Store};
use readpoint::sync::schedule::{FIRST_CHECK_MAX, regular_delay, retry_delay_with};
use readpoint::sync::{Check, Outcome, Progress, SyncError, SyncSettings};
use readpoint::usage::recorder::{Recorder, RecorderSettings, RecorderThread};
use readpoint_test_support::corpus::Rng;
use readpoint_test_support::feed_server::FeedServer;

use self::figures::{Comparison, Hour, Sample};
use self::flaps::{PortalState, SLOT, SLOTS};
use self::publisher::{Portal, Published};

/// Options of a run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Simulated hours.
    pub hours: u32,
    /// Simulated hours before the figures compared with the end.
    pub warm_up_hours: u32,
    /// Seed of the corpus, the edits, the flapping, the visitors and the jitter.
    pub seed: u64,
    /// Synthetic catalogue entries on top of the bundled content.
    pub docs: usize,
    /// Wall-clock limit in minutes.
    pub max_minutes: u32,
    /// The working folder (portal, kiosk); see [`prepare_work_dir`].
    pub dir: PathBuf,
    /// The `readpoint-bench` binary that publishes (its `soak-publish`); default: this one.
    pub exe: Option<PathBuf>,
}

/// When the simulated day starts: Monday 1 March 2027, 10:00 in Shanghai (a fixed date, so a
/// run never depends on the day it is made).
pub const START: &str = "2027-03-01T02:00:00Z";
/// The kiosk's display schedule: office hours with a lunch break, every day.
pub const SCHEDULE: &str = "08:00-12:00,13:30-18:00";
/// The staff PIN of the soak's kiosk.
pub const PIN: &str = "258036";
/// How often the figures are sampled, in simulated time.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(300);
/// How often usage counts are flushed (the recorder's own period).
pub const FLUSH_EVERY: Duration = readpoint::usage::recorder::FLUSH_EVERY;
/// The soak's log cap: files of 4 KiB, one rotated file kept (8 KiB in all, far below what a
/// configuration may set: a kiosk writes a few KiB an hour), so the log reaches its cap within
/// the warm-up and the figure shows whether rotation holds it there.
pub const LOG_MAX_SIZE: u64 = 4 * 1024;
/// Rotated log files kept.
pub const LOG_MAX_FILES: u32 = 1;
/// The mock clock's step: Slint timers fire at most once per step.
const STEP: Duration = Duration::from_secs(1);
/// Real time left to pass, with the simulation holding still, before the last sample of each
/// simulated hour: tokio's idle blocking-pool threads end after 10 s and kept-alive
/// connections are closed by the servers after 10 s, as an hour of real time would have seen
/// to. The hour's figures are then those of a quiet kiosk.
pub const QUIET: Duration = Duration::from_secs(12);

/// The working folder of a run: `keep` (emptied), or a new temporary one.
pub fn prepare_work_dir(keep: Option<&Path>) -> Result<PathBuf, String> {
    let dir = match keep {
        Some(dir) => dir.to_owned(),
        None => std::env::temp_dir().join(format!("readpoint-bench-soak-{}", std::process::id())),
    };
    // Emptied once per process: the command line prepares it before logging starts there.
    let marker = dir.join(".soak-prepared-by");
    let this_process = std::process::id().to_string();
    if std::fs::read_to_string(&marker).is_ok_and(|pid| pid == this_process) {
        return Ok(dir);
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("emptying {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(data_dir(&dir))
        .map_err(|e| format!("creating {}: {e}", dir.display()))?;
    std::fs::write(&marker, this_process)
        .map_err(|e| format!("writing in {}: {e}", dir.display()))?;
    Ok(dir)
}

/// The kiosk's data folder inside the working folder.
pub fn data_dir(dir: &Path) -> PathBuf {
    dir.join("kiosk").join("data")
}

/// Where the soak's kiosk logs: rotating files in its data folder, capped small.
pub fn log_output(dir: &Path) -> readpoint::logging::Output {
    readpoint::logging::Output::Files {
        dir: data_dir(dir).join("logs"),
        max_size: LOG_MAX_SIZE,
        max_files: LOG_MAX_FILES,
        also_stderr: false,
    }
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct Report {
    /// Figures per simulated hour.
    pub hours: Vec<Hour>,
    /// End of the warm-up against the end (empty when the run did not get that far).
    pub comparisons: Vec<Comparison>,
    /// Versions published.
    pub published: u64,
    /// Versions applied.
    pub applied: u64,
    /// Versions published but never applied before the next one (or the end).
    pub lost: Vec<u64>,
    /// The version the kiosk ended on.
    pub final_version: Option<u64>,
    /// Whether the kiosk's documents are exactly the last version's.
    pub content_ok: Result<(), String>,
    /// [`Store::verify_integrity`] at the end.
    pub integrity: Result<(), String>,
    /// Wall time.
    pub wall: Duration,
    /// The simulated hours did not finish within the wall-clock limit.
    pub timed_out: bool,
    /// What happened, counted.
    pub counts: Counts,
    /// Threads and file descriptors by kind at the end of the warm-up and at the end (what
    /// grew, if anything did).
    pub threads_warm: BTreeMap<String, u64>,
    pub threads_end: BTreeMap<String, u64>,
    pub fds_warm: BTreeMap<String, u64>,
    pub fds_end: BTreeMap<String, u64>,
}

impl Report {
    /// Every figure within its limit, no version lost, the content and the cache sound, and
    /// finished in time.
    pub fn passed(&self) -> bool {
        !self.timed_out
            && !self.comparisons.is_empty()
            && self.comparisons.iter().all(Comparison::passed)
            && self.lost.is_empty()
            && self.content_ok.is_ok()
            && self.integrity.is_ok()
    }
}

/// What happened during a run.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Visitor sessions in opening hours.
    pub visitors: u64,
    /// Visitors who woke the black screen outside opening hours.
    pub night_visitors: u64,
    /// Screens shown (frames drawn after a visitor's step).
    pub screens: u64,
    /// Visitors who walked away, and how many of those sessions were found reset afterwards.
    pub walk_aways: u64,
    pub idle_resets: u64,
    /// Staff visits, and how many got the staff screen open with the PIN.
    pub staff_visits: u64,
    pub staff_opened: u64,
    /// Screen off/on switches of the display schedule.
    pub schedule_changes: u64,
    /// Sync checks by outcome (`applied`, `304`, `transient:http` …).
    pub checks: BTreeMap<String, u64>,
    /// Requests the portal saw, by answer (`200`, `304`, `503`, `reset`).
    pub requests: BTreeMap<String, u64>,
    /// Heartbeats the receiver got.
    pub heartbeats: u64,
    /// Usage flushes, and those that failed (kept for the next one).
    pub flushes: u64,
    pub flush_errors: u64,
    /// Portal slots by state.
    pub portal_states: BTreeMap<&'static str, u64>,
}

fn io(e: std::io::Error) -> String {
    format!("writing the report: {e}")
}

/// Runs the soak in `options.dir` (see [`prepare_work_dir`]), printing progress and the
/// figures to `out`. `Err` only when the run could not be set up or carried on (a publish
/// failed, the window could not start); what it measured is in the [`Report`].
pub fn run(options: &Options, out: &mut dyn Write) -> Result<Report, String> {
    if options.hours <= options.warm_up_hours || options.warm_up_hours == 0 {
        return Err(format!(
            "--hours ({}) must be more than --warm-up-hours ({}), which must be at least 1",
            options.hours, options.warm_up_hours
        ));
    }
    let started = Instant::now();
    // As every readpoint process does at start (`commands::main`; again for callers of the
    // library, such as the tests).
    readpoint::kiosk::keep_returning_freed_memory();
    let mut sim = Sim::start(options, started, out)?;
    let result = sim.run_day();
    let timed_out = matches!(&result, Err(e) if e == TIMED_OUT);
    if let Err(e) = result
        && !timed_out
    {
        return Err(e);
    }
    let mut report = sim.finish(timed_out)?;
    report.wall = started.elapsed();
    print_report(options, &report, out)?;
    Ok(report)
}

/// The error that ends a run at the wall-clock limit.
const TIMED_OUT: &str = "the wall-clock limit was reached";

/// The mock clock shared by the kiosk's parts: milliseconds since [`START`] for jiff (the
/// sync, the usage recorder, the status collector, the display schedule) and the same time
/// for Slint's timers.
#[derive(Clone)]
struct SimClock {
    start: Timestamp,
    millis: Arc<AtomicI64>,
    slint: MockTime,
}

impl SimClock {
    fn now(&self) -> Timestamp {
        self.start
            .checked_add(SignedDuration::from_millis(
                self.millis.load(Ordering::SeqCst),
            ))
            .unwrap_or(self.start)
    }

    fn advance(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.millis.fetch_add(millis, Ordering::SeqCst);
        self.slint.advance(by);
    }

    /// The same clock for the parts that take a `readpoint::Clock` (other threads).
    fn shared(&self) -> readpoint::Clock {
        let (start, millis) = (self.start, Arc::clone(&self.millis));
        Arc::new(move || {
            start
                .checked_add(SignedDuration::from_millis(millis.load(Ordering::SeqCst)))
                .unwrap_or(start)
        })
    }
}

/// A scheduled visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visit {
    /// A visitor during opening hours (or one who wakes the black screen outside them).
    Visitor,
    /// Staff open the staff screen with the PIN.
    Staff,
}

/// The running simulation.
struct Sim<'a> {
    options: Options,
    out: &'a mut dyn Write,
    clock: SimClock,
    start: Timestamp,
    end: Timestamp,
    wall_started: Instant,
    wall_limit: Duration,
    data_dir: PathBuf,
    // The kiosk.
    session: Session,
    config: Config,
    recorder: Recorder,
    recorder_thread: Option<RecorderThread>,
    heartbeat: Option<Heartbeat>,
    _marker: Option<readpoint::fleet::uptime::Marker>,
    // The sync, as the kiosk's sync thread holds it.
    sync_settings: SyncSettings,
    sync_store: Store,
    runtime: tokio::runtime::Runtime,
    attempt: u32,
    // The portal and the heartbeat receiver.
    portal: Portal,
    feed_server: FeedServer,
    receiver: FeedServer,
    plan: [PortalState; SLOTS],
    published: Vec<Published>,
    kiosk_version: Option<u64>,
    applied: u64,
    lost: Vec<u64>,
    // Schedules (mock time).
    next_check: Timestamp,
    next_flush: Timestamp,
    next_sample: Timestamp,
    next_slot: Timestamp,
    next_heartbeat: Timestamp,
    hour: u32,
    slot: usize,
    // Randomness: one stream per concern, so a change in one leaves the others alone.
    jitter: Rng,
    portal_rng: Rng,
    visitor_rng: Rng,
    // Figures.
    samples: Vec<Sample>,
    /// The WAL's size right after each apply of the current hour.
    wal_after_apply: Vec<u64>,
    hours: Vec<Hour>,
    log_high: u64,
    asleep: bool,
    /// The hour of the last visitor outside opening hours (one an hour).
    night_visit_hour: Option<u32>,
    counts: Counts,
    /// Threads and descriptors by kind at the end of the warm-up, and now.
    threads_warm: BTreeMap<String, u64>,
    fds_warm: BTreeMap<String, u64>,
}

impl<'a> Sim<'a> {
    fn start(
        options: &Options,
        wall_started: Instant,
        out: &'a mut dyn Write,
    ) -> Result<Sim<'a>, String> {
        let dir = &options.dir;
        let data_dir = data_dir(dir);
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| format!("creating {}: {e}", data_dir.display()))?;
        let start: Timestamp = START.parse().map_err(|e| format!("{START}: {e}"))?;
        let end = start
            .checked_add(SignedDuration::from_hours(i64::from(options.hours)))
            .map_err(|e| e.to_string())?;
        let exe = match &options.exe {
            Some(exe) => exe.clone(),
            None => std::env::current_exe()
                .map_err(|e| format!("cannot find the readpoint-bench binary: {e}"))?,
        };
        writeln!(
            out,
            "readpoint-bench soak: {} simulated hours from {START} (warm-up {} h), {} catalogue entries + the bundled content, seed {}, in {}",
            options.hours,
            options.warm_up_hours,
            options.docs,
            options.seed,
            dir.display()
        )
        .map_err(io)?;

        // The portal: key, first version, the flapping server, the heartbeat receiver.
        let (portal, trusted_key) =
            Portal::create(&dir.join("portal"), exe, options.docs, options.seed)?;
        let first = portal.publish(0, start)?;
        writeln!(
            out,
            "portal: v{} with {} documents in {} shards",
            first.version, first.documents, first.shards
        )
        .map_err(io)?;
        let feed_server = FeedServer::start(&portal.feed_dir())
            .map_err(|e| format!("starting the portal on 127.0.0.1: {e}"))?;
        let receiver_root = dir.join("receiver");
        std::fs::create_dir_all(&receiver_root)
            .map_err(|e| format!("creating {}: {e}", receiver_root.display()))?;
        let receiver = FeedServer::start(&receiver_root)
            .map_err(|e| format!("starting the heartbeat receiver on 127.0.0.1: {e}"))?;
        receiver.accept_posts("/heartbeat");

        // The kiosk's configuration, written and loaded as staff would.
        let pin_hash = readpoint::staff::pin::hash_pin(PIN).map_err(|e| e.to_string())?;
        let config_path = dir.join("kiosk").join("readpoint.toml");
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .map(|day| format!("{day} = \"{SCHEDULE}\""))
            .join(", ");
        let text = format!(
            "# Written by `readpoint-bench soak`.\n\
             [kiosk]\nterminal_id = \"soak-01\"\nlocation = \"一楼大厅\"\n\n\
             [display]\nschedule = {{ {days} }}\ntime_zone = \"Asia/Shanghai\"\n\n\
             [sync]\nfeed_url = {}\nfeed_id = {}\ntrusted_keys = [{}]\ntimeout = \"2s\"\ninterval = \"15m\"\n\n\
             [admin]\npin_hash = {}\n\n\
             [stats]\nreport_url = {}\n\n\
             [log]\nlevel = \"info\"\n",
            toml_string(&feed_server.url()),
            toml_string(publisher::FEED_ID),
            toml_string(&trusted_key),
            toml_string(&pin_hash),
            toml_string(&format!("{}heartbeat", receiver.url())),
        );
        std::fs::write(&config_path, &text)
            .map_err(|e| format!("writing {}: {e}", config_path.display()))?;
        let config = readpoint::config::load(&config_path).map_err(|e| e.to_string())?;
        let paths = Paths::resolve(Some(&config_path), Some(&data_dir), &|_| None);

        // The clock, then the kiosk on it.
        let clock = SimClock {
            start,
            millis: Arc::new(AtomicI64::new(0)),
            slint: MockTime::default(),
        };
        let shared_clock = clock.shared();
        let cache_path = data_dir.join(CACHE_FILE);
        let (mut store, _) = Store::open_or_recover(&cache_path).map_err(|e| e.to_string())?;
        if store.is_empty().map_err(|e| e.to_string())? {
            readpoint::import::load_bundled(&mut store).map_err(|e| e.to_string())?;
        }
        let marker = readpoint::fleet::uptime::Marker::record(&data_dir, start).ok();
        let mut collector =
            Collector::new(&config, &paths, Producer::Kiosk).with_clock(Arc::clone(&shared_clock));
        if let Some(marker) = &marker {
            collector = collector.with_kiosk_start(marker.start.clone());
        }
        let kiosk_options = KioskOptions {
            state_dir: Some(data_dir.clone()),
            config_file: Some(config_path.clone()),
            status: Some(collector.clone()),
            ..KioskOptions::from_config(&config)
        };
        let session =
            Session::start_with_mock_time(store, kiosk_options, (1920, 1080), clock.slint.clone())?;
        let power_clock = clock.clone();
        session.kiosk.set_clock(Rc::new(move || power_clock.now()));
        let (recorder, recorder_thread) = Recorder::spawn(RecorderSettings {
            clock: Arc::clone(&shared_clock),
            ..RecorderSettings::from_config(&config, cache_path.clone())
        })
        .map_err(|e| format!("the usage thread did not start: {e}"))?;
        session.kiosk.set_usage(recorder.clone());

        // The heartbeat's own thread: sent after every sync check and every simulated hour
        // (its real-time timer is pushed out of the way; mock time drives it).
        let heartbeat = HeartbeatSettings::from_config(&config)
            .map(|settings| HeartbeatSettings {
                interval: Duration::from_secs(365 * 24 * 3600),
                first_delay: Duration::from_secs(365 * 24 * 3600),
                ..settings
            })
            .map(|settings| Heartbeat::spawn(settings, collector, cache_path.clone()))
            .transpose()
            .map_err(|e| format!("the heartbeat thread did not start: {e}"))?;

        // The sync's connection and runtime, as the kiosk's sync thread holds them.
        let mut sync_settings = SyncSettings::from_config(&config, &data_dir)
            .ok_or("the soak's configuration has no feed")?;
        sync_settings.clock = Arc::clone(&shared_clock);
        let sync_store = Store::open(&cache_path).map_err(|e| e.to_string())?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sync-io")
            .enable_all()
            .build()
            .map_err(|e| format!("the sync runtime did not start: {e}"))?;

        let mut jitter = Rng::new(options.seed ^ 0x51AC_0001);
        let first_check = FIRST_CHECK_MAX.mul_f64(0.25 + 0.75 * jitter.unit());
        let mut portal_rng = Rng::new(options.seed ^ 0x51AC_0002);
        let plan = flaps::hour_plan(&mut portal_rng);
        let mut sim = Sim {
            options: options.clone(),
            out,
            clock,
            start,
            end,
            wall_started,
            wall_limit: Duration::from_secs(u64::from(options.max_minutes) * 60),
            data_dir,
            session,
            config,
            recorder,
            recorder_thread: Some(recorder_thread),
            heartbeat,
            _marker: marker,
            sync_settings,
            sync_store,
            runtime,
            attempt: 0,
            portal,
            feed_server,
            receiver,
            plan,
            published: vec![first],
            kiosk_version: None,
            applied: 0,
            lost: Vec::new(),
            next_check: after(start, first_check),
            next_flush: after(start, FLUSH_EVERY),
            next_sample: after(start, SAMPLE_EVERY),
            next_slot: start,
            // Half a minute past each hour: the hour's last sample is taken in quiet.
            next_heartbeat: after(start, Duration::from_secs(30)),
            hour: 0,
            slot: 0,
            jitter,
            portal_rng,
            visitor_rng: Rng::new(options.seed ^ 0x51AC_0003),
            samples: Vec::new(),
            wal_after_apply: Vec::new(),
            hours: Vec::new(),
            log_high: 0,
            asleep: false,
            night_visit_hour: None,
            counts: Counts::default(),
            threads_warm: BTreeMap::new(),
            fds_warm: BTreeMap::new(),
        };
        sim.session.frame();
        sim.asleep = sim.is_asleep();
        Ok(sim)
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn is_asleep(&self) -> bool {
        use slint::ComponentHandle;
        self.session
            .app
            .global::<readpoint::ui::Power>()
            .get_asleep()
    }

    /// The day: each hour's visits at their times, the background running in between.
    fn run_day(&mut self) -> Result<(), String> {
        for hour in 0..self.options.hours {
            let base = after(self.start, Duration::from_secs(u64::from(hour) * 3600));
            for (minute, visit) in self.plan_visits(hour) {
                let at = after(base, Duration::from_secs(minute * 60));
                self.advance_to(at)?;
                match visit {
                    Visit::Visitor => visitors::visitor(self)?,
                    Visit::Staff => visitors::staff(self)?,
                }
            }
        }
        let end = self.end;
        self.advance_to(end)
    }

    /// The visits of the coming hour: four visitors, and staff every third hour (minutes after
    /// the hour, with a little jitter).
    fn plan_visits(&mut self, hour: u32) -> Vec<(u64, Visit)> {
        let mut visits: Vec<(u64, Visit)> = [1u64, 14, 27, 40]
            .iter()
            .map(|m| (m + self.visitor_rng.below(2) as u64, Visit::Visitor))
            .collect();
        if hour % 3 == 1 {
            visits.push((54, Visit::Staff));
        }
        visits
    }

    /// Moves the mock clock to `target` one step at a time, firing Slint's timers and running
    /// whatever the background has due (sync checks, flushes, heartbeats, samples, the hour's
    /// publication, the portal's flaps).
    fn advance_to(&mut self, target: Timestamp) -> Result<(), String> {
        while self.now() < target {
            if self.wall_started.elapsed() > self.wall_limit {
                return Err(TIMED_OUT.to_owned());
            }
            let left = Duration::try_from(target.duration_since(self.now())).unwrap_or_default();
            self.clock.advance(left.min(STEP));
            slint::platform::update_timers_and_animations();
            let asleep = self.is_asleep();
            if asleep != self.asleep {
                self.asleep = asleep;
                self.counts.schedule_changes += 1;
                self.session.frame();
            }
            self.background()?;
        }
        Ok(())
    }

    /// Waits `seconds` of simulated time (a visitor reading), then draws a frame.
    fn wait(&mut self, seconds: u64) -> Result<(), String> {
        let target = after(self.now(), Duration::from_secs(seconds));
        self.advance_to(target)?;
        self.session.frame();
        self.counts.screens += 1;
        Ok(())
    }

    fn background(&mut self) -> Result<(), String> {
        let now = self.now();
        if now >= self.next_slot && now < self.end {
            self.next_portal_slot();
        }
        if now >= self.next_flush {
            self.next_flush = after(self.next_flush, FLUSH_EVERY);
            self.counts.flushes += 1;
            if self.recorder.flush_now().is_err() {
                self.counts.flush_errors += 1;
            }
        }
        if now >= self.next_check {
            self.sync_check();
        }
        if now >= self.next_heartbeat {
            self.next_heartbeat = after(self.next_heartbeat, Duration::from_secs(3600));
            if let Some(heartbeat) = &self.heartbeat {
                heartbeat.notify();
            }
        }
        if now >= self.next_sample {
            self.next_sample = after(self.next_sample, SAMPLE_EVERY);
            let since_start = now.duration_since(self.start).as_secs();
            let hour_ends = since_start > 0 && since_start % 3600 == 0;
            if hour_ends {
                std::thread::sleep(QUIET);
            }
            self.samples.push(Sample::take(&self.data_dir));
            if hour_ends {
                self.end_of_hour()?;
            }
        }
        Ok(())
    }

    /// The portal's next 10-minute slot (a new plan every hour).
    fn next_portal_slot(&mut self) {
        if self.slot == SLOTS {
            self.plan = flaps::hour_plan(&mut self.portal_rng);
            self.slot = 0;
        }
        let state = self.plan[self.slot];
        flaps::apply(&self.feed_server, state);
        *self.counts.portal_states.entry(state.name()).or_default() += 1;
        self.slot += 1;
        self.next_slot = after(self.next_slot, SLOT);
    }

    /// One check, as the sync thread runs it, then the next one scheduled as it schedules it.
    fn sync_check(&mut self) {
        let committed = AtomicBool::new(false);
        let progress = |p: Progress| {
            if p == Progress::Committed {
                committed.store(true, Ordering::SeqCst);
            }
        };
        let result = readpoint::sync::run_once(
            &self.sync_settings,
            &mut self.sync_store,
            &self.runtime,
            &progress,
        );
        if committed.load(Ordering::SeqCst) {
            self.session.kiosk.content_changed();
        }
        self.session.kiosk.refresh_status();
        if let Some(heartbeat) = &self.heartbeat {
            heartbeat.notify();
        }
        let interval = self.config.sync.interval;
        let delay = match &result {
            Err(error) if error.is_transient() && !matches!(error.check, Check::Internal) => {
                let wait = retry_delay_with(self.attempt, error, interval, self.jitter.unit());
                self.attempt += 1;
                wait
            }
            _ => {
                self.attempt = 0;
                regular_delay(interval, self.jitter.unit())
            }
        };
        let key = match &result {
            Ok(Outcome::Applied(report)) => {
                self.kiosk_version = Some(report.version);
                self.applied += 1;
                self.wal_after_apply.push(Sample::take(&self.data_dir).wal);
                "applied".to_owned()
            }
            Ok(Outcome::NotModified) => "304".to_owned(),
            Ok(Outcome::Current { .. }) => "current".to_owned(),
            Ok(Outcome::Busy) => "busy".to_owned(),
            Err(error) => error_key(error),
        };
        *self.counts.checks.entry(key).or_default() += 1;
        self.next_check = after(self.now(), delay);
        let next = readpoint::fleet::status::rfc3339(self.next_check);
        if let Err(e) = self.sync_store.record_next_check(Some(&next)) {
            tracing::warn!("cannot record the next check: {e}");
        }
    }

    /// The end of a simulated hour: its figures, whether the hour's version arrived, and the
    /// next version published.
    fn end_of_hour(&mut self) -> Result<(), String> {
        self.hour += 1;
        let hour = Hour::of(
            self.hour,
            &self.samples,
            &self.wal_after_apply,
            self.log_high,
        );
        self.log_high = hour.log_high;
        self.samples.clear();
        self.wal_after_apply.clear();
        self.hours.push(hour);
        if self.hour == self.options.warm_up_hours {
            self.threads_warm = figures::thread_names();
            self.fds_warm = figures::descriptor_kinds(&self.options.dir);
        }
        // The portal's and the receiver's request logs, counted and forgotten.
        for request in self.feed_server.take_requests() {
            let key = request
                .status
                .map_or_else(|| "reset".to_owned(), |s| s.to_string());
            *self.counts.requests.entry(key).or_default() += 1;
        }
        self.counts.heartbeats += self
            .receiver
            .take_requests()
            .iter()
            .filter(|r| r.method == "POST" && r.status == Some(200))
            .count() as u64;
        let latest = self.published.last().map(|p| p.version);
        let missed = latest.filter(|&v| self.kiosk_version != Some(v));
        if let Some(version) = missed {
            self.lost.push(version);
        }
        let wall = self.wall_started.elapsed().as_secs_f64();
        writeln!(
            self.out,
            "h{:>2} {} wall {:>5.0} s  kiosk v{} of v{}{}  visitors {} staff {}/{}  RSS {:.1}–{:.1} MiB (anon {:.1}, heap {:.1}, SQLite {:.1})  fds {}  threads {}–{}  log {} KiB  cache {:.2} MiB  WAL {:.2} after apply, ≤ {:.2} MiB",
            hour.hour,
            self.now()
                .to_zoned(self.config_zone())
                .strftime("%H:%M"),
            wall,
            self.kiosk_version.map_or_else(|| "-".to_owned(), |v| v.to_string()),
            latest.unwrap_or(0),
            if missed.is_some() { " MISSED" } else { "" },
            self.counts.visitors + self.counts.night_visitors,
            self.counts.staff_opened,
            self.counts.staff_visits,
            hour.rss_min as f64 / 1024.0,
            hour.rss_max as f64 / 1024.0,
            hour.rss_anon_min as f64 / 1024.0,
            hour.heap_min as f64 / 1048576.0,
            hour.sqlite_min as f64 / 1048576.0,
            hour.fds_min,
            hour.threads_min,
            hour.threads_max,
            hour.log_high / 1024,
            hour.cache as f64 / 1048576.0,
            hour.wal_after_apply as f64 / 1048576.0,
            hour.wal_max as f64 / 1048576.0,
        )
        .map_err(io)?;
        if self.hour < self.options.hours {
            let published = self.portal.publish(self.hour, self.now())?;
            self.published.push(published);
        }
        Ok(())
    }

    fn config_zone(&self) -> jiff::tz::TimeZone {
        self.session.kiosk.options().zone.clone()
    }

    /// Stops the kiosk's threads, checks the versions, the content and the cache.
    fn finish(mut self, timed_out: bool) -> Result<Report, String> {
        let threads_end = figures::thread_names();
        let fds_end = figures::descriptor_kinds(&self.options.dir);
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.stop();
        }
        if let Some(thread) = self.recorder_thread.take() {
            thread.shutdown();
        }
        let published = self.published.len() as u64;
        let last = self.published.last().map(|p| p.version);
        if !timed_out
            && let Some(last) = last
            && self.kiosk_version != Some(last)
            && !self.lost.contains(&last)
        {
            self.lost.push(last);
        }
        let content_ok = if timed_out {
            Err("not checked: the run did not finish".to_owned())
        } else {
            self.content_matches()
        };
        let integrity = Store::open(&self.data_dir.join(CACHE_FILE))
            .and_then(|store| store.verify_integrity())
            .map_err(|e| e.to_string());
        let warm = self
            .hours
            .iter()
            .find(|h| h.hour == self.options.warm_up_hours);
        let end = self.hours.last().filter(|h| h.hour == self.options.hours);
        let comparisons = match (warm, end) {
            (Some(warm), Some(end)) => figures::compare(warm, end),
            _ => Vec::new(),
        };
        Ok(Report {
            hours: self.hours.clone(),
            comparisons,
            published,
            applied: self.applied,
            lost: self.lost.clone(),
            final_version: self.kiosk_version,
            content_ok,
            integrity,
            wall: Duration::ZERO,
            timed_out,
            counts: self.counts.clone(),
            threads_warm: std::mem::take(&mut self.threads_warm),
            threads_end,
            fds_warm: std::mem::take(&mut self.fds_warm),
            fds_end,
        })
    }

    /// The kiosk holds exactly the documents of the last version (by id and stored JSON).
    fn content_matches(&self) -> Result<(), String> {
        let expected = self.portal.content()?;
        let store = Store::open(&self.data_dir.join(CACHE_FILE)).map_err(|e| e.to_string())?;
        let mut wrong = Vec::new();
        for doc in &expected {
            let id = doc
                .get("id")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            let stored = store.document(id).map_err(|e| e.to_string())?;
            let same = stored.as_ref().is_some_and(|row| row.document.raw.is(doc));
            if !same {
                wrong.push(id.to_owned());
            }
        }
        let stored = store.status().map_err(|e| e.to_string())?;
        let total: u64 = stored.documents.iter().map(|k| k.count).sum();
        if !wrong.is_empty() || total != expected.len() as u64 {
            return Err(format!(
                "{} of {} documents differ from the last version ({}…); the cache holds {total}",
                wrong.len(),
                expected.len(),
                wrong.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        Ok(())
    }
}

/// `at + by`.
fn after(at: Timestamp, by: Duration) -> Timestamp {
    at.checked_add(SignedDuration::try_from(by).unwrap_or(SignedDuration::MAX))
        .unwrap_or(at)
}

/// A sync error's class and check, e.g. `transient:http`.
fn error_key(error: &SyncError) -> String {
    format!("{}:{}", error.class.as_str(), error.check)
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

fn counted<K: std::fmt::Display>(map: &BTreeMap<K, u64>) -> String {
    map.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table and the verdict.
fn print_report(options: &Options, report: &Report, out: &mut dyn Write) -> Result<(), String> {
    let c = &report.counts;
    writeln!(out).map_err(io)?;
    writeln!(
        out,
        "activity: {} visitors + {} outside opening hours, {} screens drawn, {} walked away / {} sessions found reset, staff screen opened {} of {} times with the PIN, {} display schedule switches",
        c.visitors, c.night_visitors, c.screens, c.walk_aways, c.idle_resets, c.staff_opened, c.staff_visits, c.schedule_changes
    )
    .map_err(io)?;
    writeln!(out, "portal slots: {}", counted(&c.portal_states)).map_err(io)?;
    writeln!(out, "portal requests: {}", counted(&c.requests)).map_err(io)?;
    writeln!(out, "sync checks: {}", counted(&c.checks)).map_err(io)?;
    writeln!(
        out,
        "heartbeats received: {}; usage flushes: {} ({} kept for later: cache busy)",
        c.heartbeats, c.flushes, c.flush_errors
    )
    .map_err(io)?;
    writeln!(out).map_err(io)?;
    writeln!(
        out,
        "{:<36} {:>14} {:>14} {:>9}  ≤ 5 %",
        format!(
            "figure (hour {} vs hour {})",
            options.warm_up_hours, options.hours
        ),
        "end of warm-up",
        "end",
        "growth",
    )
    .map_err(io)?;
    for row in &report.comparisons {
        let unit = if row.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", row.unit)
        };
        writeln!(
            out,
            "{:<36} {:>14} {:>14} {:>8.1}%  {}",
            row.name,
            format!("{}{unit}", row.shown(row.warm)),
            format!("{}{unit}", row.shown(row.end)),
            row.growth(),
            match (row.info, row.passed()) {
                (true, _) => "(info)",
                (false, true) => "PASS",
                (false, false) => "FAIL",
            }
        )
        .map_err(io)?;
    }
    writeln!(
        out,
        "threads at the end of the warm-up: {}\nthreads at the end: {}",
        figures::listed(&report.threads_warm),
        figures::listed(&report.threads_end)
    )
    .map_err(io)?;
    writeln!(
        out,
        "open files at the end of the warm-up: {}\nopen files at the end: {}",
        figures::listed(&report.fds_warm),
        figures::listed(&report.fds_end)
    )
    .map_err(io)?;
    if report.comparisons.is_empty() {
        writeln!(out, "(no comparison: the run did not reach the end)").map_err(io)?;
    }
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    writeln!(
        out,
        "versions: {} published, {} applied, kiosk ended on v{}, lost {} {}",
        report.published,
        report.applied,
        report
            .final_version
            .map_or_else(|| "-".to_owned(), |v| v.to_string()),
        if report.lost.is_empty() {
            "none".to_owned()
        } else {
            format!("{:?}", report.lost)
        },
        verdict(report.lost.is_empty())
    )
    .map_err(io)?;
    writeln!(
        out,
        "content of the last version: {} {}",
        report
            .content_ok
            .as_ref()
            .map_or_else(|e| e.clone(), |()| "identical".to_owned()),
        verdict(report.content_ok.is_ok())
    )
    .map_err(io)?;
    writeln!(
        out,
        "cache integrity check: {} {}",
        report
            .integrity
            .as_ref()
            .map_or_else(|e| e.clone(), |()| "ok".to_owned()),
        verdict(report.integrity.is_ok())
    )
    .map_err(io)?;
    writeln!(
        out,
        "wall time: {:.1} min for {} simulated hours (limit {} min) {}",
        report.wall.as_secs_f64() / 60.0,
        options.hours,
        options.max_minutes,
        verdict(!report.timed_out)
    )
    .map_err(io)?;
    writeln!(
        out,
        "verdict: {}\nreproduce: cargo run -p readpoint-bench -- soak --hours {} --warm-up-hours {} --seed {} --docs {} --max-minutes {}",
        verdict(report.passed()),
        options.hours,
        options.warm_up_hours,
        options.seed,
        options.docs,
        options.max_minutes
    )
    .map_err(io)?;
    Ok(())
}
