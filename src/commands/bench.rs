//! `readpoint bench …`: runs a benchmark and prints its figures to stdout.

use std::process::ExitCode;

use super::CommandError;
use crate::bench::search::{self, Options};
use crate::cli::BenchSearchArgs;

/// `readpoint bench search`.
pub fn search(args: &BenchSearchArgs) -> Result<ExitCode, CommandError> {
    let options = Options {
        docs: args.docs,
        samples: args.samples,
        seed: args.seed,
        keep: args.keep.clone(),
    };
    let mut stdout = std::io::stdout().lock();
    search::run(&options, &mut stdout).map_err(CommandError::Other)?;
    Ok(ExitCode::SUCCESS)
}

/// `readpoint bench ui`.
pub fn ui(args: &crate::cli::BenchUiArgs) -> Result<ExitCode, CommandError> {
    let options = crate::bench::ui::Options {
        docs: args.docs,
        seed: args.seed,
        keep: args.keep.clone(),
        screens: args.screens,
        starts: args.starts,
    };
    let mut stdout = std::io::stdout().lock();
    crate::bench::ui::run(&options, &mut stdout).map_err(CommandError::Other)?;
    Ok(ExitCode::SUCCESS)
}

/// `readpoint bench sync`.
pub fn sync(args: &crate::cli::BenchSyncArgs) -> Result<ExitCode, CommandError> {
    let options = crate::bench::sync::Options {
        docs: args.docs,
        seed: args.seed,
        keep: args.keep.clone(),
    };
    let mut stdout = std::io::stdout().lock();
    crate::bench::sync::run(&options, &mut stdout).map_err(CommandError::Other)?;
    Ok(ExitCode::SUCCESS)
}

/// `readpoint bench ui-screens` (run by `bench ui` in a child process).
pub fn ui_screens(context: &super::Context, screens: usize) -> Result<ExitCode, CommandError> {
    let mut stdout = std::io::stdout().lock();
    crate::bench::ui::screens(&context.cache_path(), screens, &mut stdout)
        .map_err(CommandError::Other)?;
    Ok(ExitCode::SUCCESS)
}
