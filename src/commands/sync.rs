//! `readpoint sync [--once]`: updates the cache from the portal's signed feed, once (staff,
//! systemd timers) or on the schedule the kiosk uses. Prints what happened; the exit code says
//! whether the feed was applied or current (0), rejected (2) or unreachable (3).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::{CommandError, Context};
use crate::cli::SyncArgs;
use crate::config::format_byte_size;
use crate::fleet::{Collector, Heartbeat, HeartbeatSettings, Producer, send_blocking};
use crate::sync::schedule::{self, SyncEvent};
use crate::sync::{Outcome, SyncSettings, run_with_retries};

/// Longest wait between `--once` attempts.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);

/// Runs the sync.
pub fn run(context: &Context, args: &SyncArgs) -> Result<ExitCode, CommandError> {
    let Some(settings) = SyncSettings::from_config(&context.config, &context.paths.data_dir) else {
        return Err(CommandError::Other(format!(
            "no portal feed is configured — fix: set sync.feed_url, sync.feed_id and sync.trusted_keys in {} (see the [sync] section of kiosk-config/readpoint.toml), then run `readpoint config check`",
            context.paths.config_file.display()
        )));
    };
    let mut store = context.open_store()?;
    let heartbeat = HeartbeatSettings::from_config(&context.config);
    if !args.once {
        drop(store);
        // After each run (and hourly) the heartbeat reports, on its own thread.
        let heartbeat = heartbeat.and_then(|settings| {
            let collector = Collector::new(&context.config, &context.paths, Producer::Sync);
            Heartbeat::spawn(settings, collector, context.cache_path())
                .map_err(|e| eprintln!("warning: the heartbeat did not start: {e}"))
                .ok()
        });
        let after_check = heartbeat.as_ref().map(Heartbeat::notifier);
        println!(
            "checking {} every {}; stop with Ctrl+C",
            settings.feed.url,
            crate::config::format_duration(context.config.sync.interval)
        );
        let handle = schedule::spawn(
            settings,
            context.cache_path(),
            context.config.sync.interval,
            Arc::new(move |event| {
                if let SyncEvent::Finished(result) = event {
                    if let Some(after_check) = &after_check {
                        after_check();
                    }
                    let line = match result {
                        Ok(outcome) => {
                            let line = describe(&outcome);
                            println!("{line}");
                            line
                        }
                        Err(error) => {
                            eprintln!("error ({}): {error}", error.class.as_str());
                            format!(
                                "last check failed ({}): {}",
                                error.class.as_str(),
                                error.check
                            )
                        }
                    };
                    crate::systemd::status(&line);
                }
            }),
        )
        .map_err(|e| CommandError::Other(format!("cannot start the sync thread: {e}")))?;
        // Under systemd (Type=notify) the service is up once the sync thread runs.
        crate::systemd::ready();
        crate::systemd::status("waiting for the first check");
        handle.wait();
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CommandError::Other(format!("cannot start the network runtime: {e}")))?;
    let progress = |p| tracing::debug!(?p, "sync progress");
    let result = run_with_retries(
        &settings,
        &mut store,
        &runtime,
        &progress,
        args.attempts,
        MAX_RETRY_WAIT,
    );
    drop(runtime);
    // The fleet hears how it went, success or not (bounded; a dead receiver only costs its
    // attempts, and never changes the exit code).
    if let Some(heartbeat) = &heartbeat {
        report(context, heartbeat, &store);
    }
    let outcome = result?;
    println!("{}", describe(&outcome));
    if let Outcome::Applied(report) = &outcome
        && report.expired
    {
        eprintln!(
            "warning: the portal's manifest has expired; the content is applied but reported as stale until the portal publishes again"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Sends one heartbeat with the status after the sync; failures are logged by the sender.
fn report(context: &Context, settings: &HeartbeatSettings, store: &crate::store::Store) {
    let collector = Collector::new(&context.config, &context.paths, Producer::Sync);
    match collector.collect(store, jiff::Timestamp::now()) {
        Ok(document) => {
            send_blocking(settings, &document);
        }
        Err(e) => tracing::warn!("no heartbeat: the status could not be read: {e}"),
    }
}

/// One line saying what a sync did.
fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::NotModified => "up to date: the portal's manifest has not changed".to_owned(),
        Outcome::Current { version } => format!("up to date: version {version}"),
        Outcome::Busy => {
            "another sync of this cache is running; nothing to do (it will finish on its own)"
                .to_owned()
        }
        Outcome::Applied(report) => format!(
            "applied version {}{}: {} added, {} replaced, {} removed, {} unchanged; {} shard(s) changed, {} removed; fetched {} object(s), {}{}",
            report.version,
            report
                .from
                .map(|v| format!(" (was {v})"))
                .unwrap_or_default(),
            report.summary.added,
            report.summary.replaced,
            report.summary.removed,
            report.summary.unchanged,
            report.shards_changed,
            report.shards_removed,
            report.objects_fetched,
            format_byte_size(report.bytes_fetched),
            if report.attachments_missing > 0 {
                format!(
                    "; {} attachment(s) not fetched yet",
                    report.attachments_missing
                )
            } else {
                String::new()
            },
        ),
    }
}
