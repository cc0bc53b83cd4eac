//! `readpoint-bench`: the benchmarks' command line (`cargo run -p readpoint-bench -- …`). Runs
//! one benchmark of the library (`readpoint_bench`) and prints its figures to stdout; errors go
//! to stderr as `error: …` with exit code 1.
//!
//! Owns the clap types (their doc comments are `--help`), the dispatch, and the child-process
//! entries the benchmarks start: `ui-screens`, `bare-window`, `viewer-pages`, `soak-publish`, and the product
//! itself when started as `readpoint` ([`readpoint_bench::product_command`]). Must never touch
//! the configuration or a kiosk's data folder other than the ones a benchmark made.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use readpoint::logging::{self, LogGuard};
use readpoint_bench::{fleet, search, soak, sync, ui, viewer};

/// Readpoint's benchmarks: measure performance and print the figures. Speed and size targets
/// are checked by reading these figures, never by timed tests.
#[derive(Debug, Parser)]
#[command(name = "readpoint-bench", version, propagate_version = true)]
struct Cli {
    /// More log output on stderr (-v: info, -vv: debug, -vvv: trace). RUST_LOG overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    /// The benchmark to run.
    #[command(subcommand)]
    command: BenchCommand,
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Build a synthetic corpus of realistic Chinese documents, index it, and print build time,
    /// database size, and search latency (p50/p99) and recall per query class.
    Search(BenchSearchArgs),
    /// Start-up time to the first frame (the kiosk on Xvfb), memory after opening 1,000
    /// screens in a row, and catalogue scroll frame times, on a large synthetic cache.
    Ui(BenchUiArgs),
    /// The feed sync end to end: publishes a synthetic feed, serves it with nginx on 127.0.0.1
    /// and times the product's `readpoint sync --once` in a child process — full initial sync,
    /// no-change check (304), and incremental syncs after 0.1 % of the documents change
    /// (typical and scattered) — with bytes, requests and the child's peak RSS.
    Sync(BenchSyncArgs),
    /// A province's kiosks against one portal: thousands of lightweight kiosks (the product's
    /// HTTP, signature and feed code in one process) poll one nginx on 127.0.0.1 over a
    /// compressed 15-minute interval with jitter, then the portal publishes a scattered change
    /// and every kiosk fetches it. Prints the share of 304s, nginx's CPU, bytes served per
    /// kiosk and the time until the fleet holds the new version (p50/p99).
    Fleet(BenchFleetArgs),
    /// A simulated day of kiosk life on mock time, compressed into minutes: scripted visitors
    /// on every screen, staff via the PIN, a portal that flaps (up, down, slow, 503) and
    /// publishes a new signed version every simulated hour, heartbeats, usage flushes, the
    /// display schedule and idle resets. Prints the process's RSS, open files, threads, log,
    /// cache and WAL sizes per simulated hour, and fails (exit 1) unless each grew at most 5 %
    /// after the warm-up, no version was lost and the cache passes its integrity check.
    Soak(BenchSoakArgs),
    /// The attachment viewer: opening page 1 of a 50-page PDF attachment, turning its pages,
    /// and a kiosk window's memory while a visitor pages through 200 pages (the pages rendered
    /// by the real `feed build`).
    Viewer(BenchViewerArgs),
    /// (Used by `viewer`.) Pages through an attachment in a kiosk window offscreen.
    #[command(hide = true)]
    ViewerPages {
        /// The data folder holding the cache.
        #[arg(long, value_name = "DIR")]
        data_dir: PathBuf,
        /// The attachment's place on the bench document.
        #[arg(long)]
        attachment: usize,
    },
    /// (Used by `ui`.) A bare Slint window, to compare the kiosk's first frame with.
    #[command(hide = true)]
    BareWindow,
    /// (Used by `ui`.) Opens screens in a row offscreen and prints memory figures.
    #[command(hide = true)]
    UiScreens {
        /// The data folder holding the cache.
        #[arg(long, value_name = "DIR")]
        data_dir: PathBuf,
        /// How many screens.
        #[arg(long, default_value_t = 1000)]
        screens: usize,
    },
    /// (Used by `soak`.) Publishes the soak feed's version for one simulated hour, in a
    /// process of its own so the publisher's memory is not the kiosk's.
    #[command(hide = true)]
    SoakPublish(SoakPublishArgs),
}

/// Arguments of `readpoint-bench viewer`.
#[derive(Debug, Args)]
struct BenchViewerArgs {
    /// Keep the work directory (PDFs, feed, cache) here instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
}

/// Arguments of `readpoint-bench soak`.
#[derive(Debug, Args)]
struct BenchSoakArgs {
    /// Simulated hours.
    #[arg(long, default_value_t = 24)]
    hours: u32,
    /// Simulated hours before the figures compared with the end are taken.
    #[arg(long, default_value_t = 2)]
    warm_up_hours: u32,
    /// Seed of the corpus, the portal's flapping, the edits and the visitors.
    #[arg(long, default_value_t = 2012)]
    seed: u64,
    /// Synthetic catalogue entries in the feed (on top of the bundled content).
    #[arg(long, default_value_t = 2000)]
    docs: usize,
    /// Wall-clock limit: the run fails when the simulated day is not over by then.
    #[arg(long, default_value_t = 15)]
    max_minutes: u32,
    /// Keep the portal, the kiosk's data folder and the figures in this directory (emptied
    /// first) instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
}

/// Arguments of `readpoint-bench soak-publish`.
#[derive(Debug, Args)]
struct SoakPublishArgs {
    /// The soak's portal folder (content, key, feed).
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// Synthetic catalogue entries (hour 0 generates them).
    #[arg(long)]
    docs: usize,
    /// The soak's seed.
    #[arg(long)]
    seed: u64,
    /// The simulated hour: 0 publishes the first version, later hours edit the content first.
    #[arg(long)]
    hour: u32,
    /// The simulated time of publication (RFC 3339).
    #[arg(long)]
    now: String,
}

/// Arguments of `readpoint-bench ui`.
#[derive(Debug, Args)]
struct BenchUiArgs {
    /// Synthetic catalogue entries (on top of the bundled content).
    #[arg(long, default_value_t = 200_000)]
    docs: usize,
    /// Seed of the synthetic corpus.
    #[arg(long, default_value_t = 2012)]
    seed: u64,
    /// Keep the cache in this directory, and reuse it on the next run.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// Screens opened in a row for the memory figure.
    #[arg(long, default_value_t = 1000)]
    screens: usize,
    /// Start-ups timed for the first-frame figure.
    #[arg(long, default_value_t = 5)]
    starts: usize,
}

/// Arguments of `readpoint-bench sync`.
#[derive(Debug, Args)]
struct BenchSyncArgs {
    /// Synthetic catalogue entries in the feed.
    #[arg(long, default_value_t = 200_000)]
    docs: usize,
    /// Seed of the synthetic corpus.
    #[arg(long, default_value_t = 2012)]
    seed: u64,
    /// Keep the corpus, feed and kiosk data folder in this directory, and reuse the published
    /// feed on the next run with the same --docs and --seed.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
}

/// Arguments of `readpoint-bench fleet`.
#[derive(Debug, Args)]
struct BenchFleetArgs {
    /// Simulated kiosks.
    #[arg(long, default_value_t = 2500)]
    kiosks: usize,
    /// Synthetic catalogue entries in the feed.
    #[arg(long, default_value_t = 20_000)]
    docs: usize,
    /// The compressed polling interval in seconds (standing for a kiosk's 15 minutes).
    #[arg(long, default_value_t = 60)]
    interval: u64,
    /// Intervals of polling before the publish.
    #[arg(long, default_value_t = 2)]
    steady_intervals: u32,
    /// Seed of the synthetic corpus, the change and the jitter.
    #[arg(long, default_value_t = 2012)]
    seed: u64,
    /// Keep the feed and the kiosks' download folders here instead of a temporary directory.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
}

/// Arguments of `readpoint-bench search`.
#[derive(Debug, Args)]
struct BenchSearchArgs {
    /// Number of synthetic documents.
    #[arg(long, default_value_t = 200_000)]
    docs: usize,
    /// Timed searches per query class.
    #[arg(long, default_value_t = 300)]
    samples: usize,
    /// Seed of the synthetic corpus.
    #[arg(long, default_value_t = 2012)]
    seed: u64,
    /// Keep the benchmark database in this directory instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// Search the database an earlier run left in the `--keep` directory (same --docs and
    /// --seed) instead of building it again.
    #[arg(long, requires = "keep")]
    reuse: bool,
    /// Also list, per class, the N queries whose search and whose facet counts took longest.
    #[arg(long, value_name = "N", default_value_t = 0)]
    slowest: usize,
    /// Time only this query (repeatable) on the reused cache: its search and its facet counts,
    /// each run `--samples` times (no classes, no recall).
    #[arg(long, value_name = "TEXT", requires = "reuse")]
    query: Vec<String>,
}

fn main() -> ExitCode {
    // Started by a benchmark as the product (the kiosk, `sync --once`): exactly what the
    // `readpoint` binary's main does.
    if readpoint_bench::started_as_product() {
        return readpoint::commands::main();
    }
    // Before any thread, as the product does: the figures are those of the kiosk's allocator.
    readpoint::kiosk::keep_returning_freed_memory();
    let cli: Cli = match readpoint::cli::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let _log_guard = init_logging(&cli);
    match run(&cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command; its figures go to stdout.
fn run(command: &BenchCommand) -> Result<ExitCode, String> {
    let mut stdout = std::io::stdout().lock();
    match command {
        BenchCommand::Search(args) => {
            let options = search::Options {
                docs: args.docs,
                samples: args.samples,
                seed: args.seed,
                keep: args.keep.clone(),
                reuse: args.reuse,
                slowest: args.slowest,
                queries: args.query.clone(),
            };
            search::run(&options, &mut stdout)?;
        }
        BenchCommand::Ui(args) => {
            let options = ui::Options {
                docs: args.docs,
                seed: args.seed,
                keep: args.keep.clone(),
                screens: args.screens,
                starts: args.starts,
            };
            ui::run(&options, &mut stdout)?;
        }
        BenchCommand::UiScreens { data_dir, screens } => {
            ui::screens(
                &data_dir.join(readpoint::store::CACHE_FILE),
                *screens,
                &mut stdout,
            )?;
        }
        BenchCommand::Sync(args) => {
            let options = sync::Options {
                docs: args.docs,
                seed: args.seed,
                keep: args.keep.clone(),
            };
            sync::run(&options, &mut stdout)?;
        }
        BenchCommand::Fleet(args) => {
            let options = fleet::Options {
                kiosks: args.kiosks,
                docs: args.docs,
                interval: std::time::Duration::from_secs(args.interval.max(1)),
                steady_intervals: args.steady_intervals,
                seed: args.seed,
                keep: args.keep.clone(),
            };
            fleet::run(&options, &mut stdout)?;
        }
        BenchCommand::BareWindow => ui::bare_window()?,
        BenchCommand::Viewer(args) => {
            let options = viewer::Options {
                keep: args.keep.clone(),
            };
            viewer::run(&options, &mut stdout)?;
        }
        BenchCommand::ViewerPages {
            data_dir,
            attachment,
        } => {
            let cache = data_dir.join(readpoint::store::CACHE_FILE);
            viewer::pages(&cache, *attachment, &mut stdout)?;
        }
        BenchCommand::Soak(args) => return run_soak(args, &mut stdout),
        BenchCommand::SoakPublish(args) => {
            let now: jiff::Timestamp = args
                .now
                .parse()
                .map_err(|e| format!("--now {:?}: {e}", args.now))?;
            soak::publisher::publish_hour(
                &args.dir,
                args.docs,
                args.seed,
                args.hour,
                now,
                &mut stdout,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `readpoint-bench soak`: exit 1 when a figure grew more than allowed, a version was lost, the
/// cache failed its integrity check or the run did not finish in time.
fn run_soak(args: &BenchSoakArgs, stdout: &mut dyn std::io::Write) -> Result<ExitCode, String> {
    let dir = soak::prepare_work_dir(args.keep.as_deref())?;
    let options = soak::Options {
        hours: args.hours,
        warm_up_hours: args.warm_up_hours,
        seed: args.seed,
        docs: args.docs,
        max_minutes: args.max_minutes,
        dir: dir.clone(),
        exe: None,
    };
    let result = soak::run(&options, stdout);
    if args.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(if result?.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Starts logging on stderr at `warn` (`-v` and `RUST_LOG` as the product's staff commands);
/// the soak's kiosk logs as a kiosk does, to size-capped files in its data folder, whose size
/// is one of the figures.
fn init_logging(cli: &Cli) -> LogGuard {
    if let BenchCommand::Soak(args) = &cli.command {
        return match soak::prepare_work_dir(args.keep.as_deref()) {
            Ok(dir) => logging::init(&soak::log_output(&dir), "info"),
            Err(err) => {
                eprintln!("error: {err}");
                logging::init(&logging::Output::Stderr, "warn")
            }
        };
    }
    let default = match cli.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    logging::init(&logging::Output::Stderr, default)
}
