//! `readpoint status`: the terminal's status document (`docs/heartbeat.md`: the same JSON the
//! heartbeat sends) with `--json`, or the same facts as text: first a warning when the
//! configuration file is invalid (the kiosk then runs on the last one that loaded), then the
//! configuration file, cache, content version, the sync's record (checks, errors, staleness),
//! uptime, disk and today's usage.

use std::process::ExitCode;

use super::{CommandError, Context};
use crate::cli::StatusArgs;
use crate::fleet::{Collector, Producer};

/// Prints the status, as text or JSON.
pub fn run(context: &Context, args: &StatusArgs) -> Result<ExitCode, CommandError> {
    let store = context.open_store()?;
    let document = Collector::new(&context.config, &context.paths, Producer::Status)
        .with_config_fallback(context.config_fallback.as_ref())
        .collect(&store, jiff::Timestamp::now())?;
    if args.json {
        let line =
            serde_json::to_string(&document).map_err(|e| CommandError::Other(e.to_string()))?;
        println!("{line}");
        return Ok(ExitCode::SUCCESS);
    }
    // First, where staff cannot miss it.
    if let Some(fallback) = &document.config_fallback {
        println!(
            "WARNING         {}",
            fallback.message.replace('\n', "\n                ")
        );
    }
    let content = &document.content;
    let sync = &document.sync;
    let disk = &document.disk;
    let total: u64 = content.documents.iter().map(|k| k.count).sum();
    println!(
        "terminal        {}{}",
        document.terminal.id.as_deref().unwrap_or("unnamed"),
        document
            .terminal
            .location
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default()
    );
    println!("version         readpoint {}", document.app.version);
    println!(
        "configuration   {}",
        document.config_file.as_deref().unwrap_or("none (defaults)")
    );
    println!("cache           {}", disk.cache_path);
    println!("schema version  {}", disk.cache_schema_version);
    println!(
        "content         {} (published {}, applied {}, from {})",
        content.version.as_deref().unwrap_or("none"),
        content.published_at.as_deref().unwrap_or("unknown"),
        content.applied_at.as_deref().unwrap_or("never"),
        content.source.as_deref().unwrap_or("nowhere"),
    );
    println!(
        "feed            {}",
        sync.feed_url.as_deref().unwrap_or("none (never syncs)")
    );
    let or_never = |v: &Option<String>| v.clone().unwrap_or_else(|| "never".to_owned());
    println!("last check      {}", or_never(&sync.last_check));
    println!(
        "last manifest   {} (the last signed manifest fetched and verified; a 304 does not count)",
        or_never(&sync.last_success)
    );
    if let Some(error) = &sync.last_error {
        println!(
            "last error      {} ({}): {}",
            error.at, error.class, error.message
        );
    }
    if let Some(next) = &sync.next_check {
        println!("next check      {next}");
    }
    match &content.stale_reason {
        Some(reason) => println!("stale           yes: {reason}"),
        None => println!("stale           no"),
    }
    match &document.uptime.kiosk {
        Some(kiosk) => println!(
            "kiosk           running since {} (pid {})",
            kiosk.started_at, kiosk.pid
        ),
        None => println!("kiosk           not running"),
    }
    if let (Some(free), Some(total)) = (disk.free_bytes, disk.total_bytes) {
        println!(
            "disk            cache {}, objects {}; {} free of {}",
            human(disk.cache_bytes),
            human(disk.objects_bytes),
            human(free),
            human(total)
        );
    }
    let usage = &document.usage_today;
    println!(
        "usage today     {}: {} sessions, {} screens, {} documents, {} searches ({} without results), {} toggles, {} prints ({} pages)",
        usage.date,
        usage.sessions,
        usage.screens_opened,
        usage.documents_opened,
        usage.searches,
        usage.searches_no_hits,
        usage.toggles,
        usage.print_jobs,
        usage.print_pages
    );
    println!("documents       {total}");
    for kind in &content.documents {
        println!("  {:<22}{:>8}", kind.kind, kind.count);
    }
    Ok(ExitCode::SUCCESS)
}

/// Bytes for people: `512 B`, `3.4 MiB`, `117.2 GiB`.
fn human(bytes: u64) -> String {
    let mut value = bytes as f64;
    for unit in ["B", "KiB", "MiB", "GiB"] {
        if value < 1024.0 {
            return if unit == "B" {
                format!("{bytes} B")
            } else {
                format!("{value:.1} {unit}")
            };
        }
        value /= 1024.0;
    }
    format!("{value:.1} TiB")
}
