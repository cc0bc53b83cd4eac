//! `readpoint status`: the configuration file in effect, the cache's path, schema version,
//! documents by kind and content version.

use std::process::ExitCode;

use serde::Serialize;

use super::{CommandError, Context};
use crate::cli::StatusArgs;
use crate::store::Status;

/// `--json` output: the cache's status and the configuration file it runs with.
#[derive(Serialize)]
struct StatusOutput<'a> {
    /// The configuration file in effect; `null` when none exists and defaults apply.
    config_file: Option<String>,
    #[serde(flatten)]
    cache: &'a Status,
}

/// Prints the status, as text or JSON.
pub fn run(context: &Context, args: &StatusArgs) -> Result<ExitCode, CommandError> {
    let store = context.open_store()?;
    let status = store.status()?;
    let config_file = context
        .paths
        .config_file
        .exists()
        .then(|| context.paths.config_file.display().to_string());
    if args.json {
        let output = StatusOutput {
            config_file,
            cache: &status,
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
    println!("documents       {total}");
    for kind in &status.documents {
        println!("  {:<22}{:>8}", kind.kind, kind.count);
    }
    Ok(ExitCode::SUCCESS)
}
