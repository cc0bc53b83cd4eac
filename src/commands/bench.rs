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

/// `readpoint bench viewer`.
pub fn viewer(args: &crate::cli::BenchViewerArgs) -> Result<ExitCode, CommandError> {
    let options = crate::bench::viewer::Options {
        keep: args.keep.clone(),
    };
    let mut stdout = std::io::stdout().lock();
    crate::bench::viewer::run(&options, &mut stdout).map_err(CommandError::Other)?;
    Ok(ExitCode::SUCCESS)
}

/// `readpoint bench viewer-pages` (run by `bench viewer` in a child process).
pub fn viewer_pages(context: &super::Context, attachment: usize) -> Result<ExitCode, CommandError> {
    let mut stdout = std::io::stdout().lock();
    crate::bench::viewer::pages(&context.cache_path(), attachment, &mut stdout)
        .map_err(CommandError::Other)?;
    Ok(ExitCode::SUCCESS)
}

/// `readpoint bench ui-screens` (run by `bench ui` in a child process).
pub fn ui_screens(context: &super::Context, screens: usize) -> Result<ExitCode, CommandError> {
    let mut stdout = std::io::stdout().lock();
    crate::bench::ui::screens(&context.cache_path(), screens, &mut stdout)
        .map_err(CommandError::Other)?;
    Ok(ExitCode::SUCCESS)
}

/// `readpoint bench soak`: exit 1 when a figure grew more than allowed, a version was lost, the
/// cache failed its integrity check or the run did not finish in time.
pub fn soak(args: &crate::cli::BenchSoakArgs) -> Result<ExitCode, CommandError> {
    let dir =
        crate::bench::soak::prepare_work_dir(args.keep.as_deref()).map_err(CommandError::Other)?;
    let options = crate::bench::soak::Options {
        hours: args.hours,
        warm_up_hours: args.warm_up_hours,
        seed: args.seed,
        docs: args.docs,
        max_minutes: args.max_minutes,
        dir: dir.clone(),
        exe: None,
    };
    let mut stdout = std::io::stdout().lock();
    let result = crate::bench::soak::run(&options, &mut stdout);
    if args.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let report = result.map_err(CommandError::Other)?;
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `readpoint bench soak-publish` (run by `bench soak` once per simulated hour).
pub fn soak_publish(args: &crate::cli::SoakPublishArgs) -> Result<ExitCode, CommandError> {
    let now: jiff::Timestamp = args
        .now
        .parse()
        .map_err(|e| CommandError::Other(format!("--now {:?}: {e}", args.now)))?;
    let mut stdout = std::io::stdout().lock();
    crate::bench::soak::publisher::publish_hour(
        &args.dir,
        args.docs,
        args.seed,
        args.hour,
        now,
        &mut stdout,
    )
    .map_err(CommandError::Other)?;
    Ok(ExitCode::SUCCESS)
}
