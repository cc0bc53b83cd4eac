//! `readpoint status`: the cache's path, schema version, documents by kind and content version.

use std::process::ExitCode;

use super::{CommandError, Context};
use crate::cli::StatusArgs;

/// Prints the status, as text or JSON.
pub fn run(context: &Context, args: &StatusArgs) -> Result<ExitCode, CommandError> {
    let store = context.open_store()?;
    let status = store.status()?;
    if args.json {
        let line =
            serde_json::to_string(&status).map_err(|e| CommandError::Other(e.to_string()))?;
        println!("{line}");
        return Ok(ExitCode::SUCCESS);
    }
    let total: u64 = status.documents.iter().map(|k| k.count).sum();
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
