//! `readpoint screenshot`: renders one kiosk screen to a PNG offscreen (no display needed).

use std::process::ExitCode;

use super::{CommandError, Context};
use crate::cli::ScreenshotArgs;
use crate::kiosk::KioskOptions;
use crate::kiosk::offscreen::{Shot, render, write_png};

/// Renders the screen named in `args` from the configured cache.
pub fn run(context: &Context, args: &ScreenshotArgs) -> Result<ExitCode, CommandError> {
    let store = context.open_store()?;
    let shot = Shot {
        screen: args.screen,
        size: args.size,
        large_text: args.large_text,
        high_contrast: args.high_contrast,
        traditional: args.traditional,
        document: args.document.clone(),
        query: args.query.clone(),
        page: args.page,
    };
    let options = KioskOptions {
        status: Some(crate::fleet::Collector::new(
            &context.config,
            &context.paths,
            crate::fleet::Producer::Status,
        )),
        ..KioskOptions::from_config(&context.config)
    };
    let pixels = render(&shot, store, options).map_err(CommandError::Other)?;
    write_png(&pixels, &args.out).map_err(CommandError::Other)?;
    println!("{}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
