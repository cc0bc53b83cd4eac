//! `readpoint import FILE`: validates a content file and writes it to the cache in one
//! transaction, or reports every problem and changes nothing.

use std::process::ExitCode;

use super::{CommandError, Context};
use crate::cli::ImportArgs;
use crate::import::ImportReport;

/// Imports the file and prints what changed.
pub fn run(context: &Context, args: &ImportArgs) -> Result<ExitCode, CommandError> {
    let mut store = context.open_store()?;
    let report = crate::import::import_file(&mut store, &args.file)?;
    println!(
        "imported {}: {} added, {} replaced",
        args.file.display(),
        report.added,
        report.replaced
    );
    for (kind, count) in &report.unknown_kinds {
        let hint = ImportReport::suggestion(kind)
            .map(|known| format!(" — did you mean \"{known}\"? fix the `kind` and import again"))
            .unwrap_or_default();
        eprintln!(
            "note: {count} document(s) of kind \"{kind}\" are kept but not shown: this Readpoint \
             does not know that kind{hint}"
        );
    }
    Ok(ExitCode::SUCCESS)
}
