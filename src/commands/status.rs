//! `readpoint status`: the configuration file in effect, the cache's path, schema version,
//! documents by kind, content version, and the sync's record (checks, errors, staleness).

use std::process::ExitCode;

use serde::Serialize;

use super::{CommandError, Context};
use crate::cli::StatusArgs;
use crate::store::KindCount;
use crate::sync::{SyncStatus, sync_status};

/// `--json` output: the cache, the sync's record, and the configuration file it runs with.
#[derive(Serialize)]
struct StatusOutput<'a> {
    /// The configuration file in effect; `null` when none exists and defaults apply.
    config_file: Option<String>,
    /// The cache file.
    cache_path: &'a str,
    /// The cache's schema version.
    schema_version: u32,
    /// Documents by kind.
    documents: &'a [KindCount],
    /// When the content on display was applied to this cache.
    content_applied_at: Option<&'a str>,
    /// Where it came from (`bundled`, the feed URL).
    content_source: Option<&'a str>,
    /// Content version and date, check times, last error, next check, stale.
    #[serde(flatten)]
    sync: &'a SyncStatus,
}

/// Prints the status, as text or JSON.
pub fn run(context: &Context, args: &StatusArgs) -> Result<ExitCode, CommandError> {
    let store = context.open_store()?;
    let status = store.status()?;
    let feed_url = context.config.sync.feed.as_ref().map(|f| f.url.as_str());
    let sync = sync_status(
        &store,
        feed_url,
        context.config.display.stale_after,
        jiff::Timestamp::now(),
    )?;
    let config_file = context
        .paths
        .config_file
        .exists()
        .then(|| context.paths.config_file.display().to_string());
    if args.json {
        let output = StatusOutput {
            config_file,
            cache_path: &status.cache_path,
            schema_version: status.schema_version,
            documents: &status.documents,
            content_applied_at: status.content_applied_at.as_deref(),
            content_source: status.content_source.as_deref(),
            sync: &sync,
        };
        let line =
            serde_json::to_string(&output).map_err(|e| CommandError::Other(e.to_string()))?;
        println!("{line}");
        return Ok(ExitCode::SUCCESS);
    }
    let total: u64 = status.documents.iter().map(|k| k.count).sum();
    println!(
        "configuration   {}",
        config_file.as_deref().unwrap_or("none (defaults)")
    );
    println!("cache           {}", status.cache_path);
    println!("schema version  {}", status.schema_version);
    println!(
        "content         {} (published {}, applied {}, from {})",
        status.content_version.as_deref().unwrap_or("none"),
        status.content_published_at.as_deref().unwrap_or("unknown"),
        status.content_applied_at.as_deref().unwrap_or("never"),
        status.content_source.as_deref().unwrap_or("nowhere"),
    );
    println!(
        "feed            {}",
        sync.feed_url.as_deref().unwrap_or("none (never syncs)")
    );
    let or_never = |v: &Option<String>| v.clone().unwrap_or_else(|| "never".to_owned());
    println!("last check      {}", or_never(&sync.last_check));
    println!("last success    {}", or_never(&sync.last_success));
    if let Some(error) = &sync.last_error {
        println!(
            "last error      {} ({}): {}",
            error.at, error.class, error.message
        );
    }
    if let Some(next) = &sync.next_check {
        println!("next check      {next}");
    }
    match &sync.stale_reason {
        Some(reason) => println!("stale           yes: {reason}"),
        None => println!("stale           no"),
    }
    println!("documents       {total}");
    for kind in &status.documents {
        println!("  {:<22}{:>8}", kind.kind, kind.count);
    }
    Ok(ExitCode::SUCCESS)
}
