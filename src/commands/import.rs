//! `readpoint import FILE`: validates a content file and writes it to the cache in one
//! transaction, or reports every problem and changes nothing.

use std::process::ExitCode;

use super::{CommandError, Context};
use crate::cli::ImportArgs;

/// Imports the file and prints what changed.
pub fn run(context: &Context, args: &ImportArgs) -> Result<ExitCode, CommandError> {
    let mut store = context.open_store()?;
    let summary = crate::import::import_file(&mut store, &args.file)?;
    println!(
        "imported {}: {} added, {} replaced",
        args.file.display(),
        summary.added,
        summary.replaced
    );
    Ok(ExitCode::SUCCESS)
}
