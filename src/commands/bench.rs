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
