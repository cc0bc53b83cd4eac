//! `readpoint config check [FILE]`: parses and validates a configuration file; exit 0 when
//! valid, 1 with every error listed (file:line:column, key, what is wrong, the fix).

use std::path::Path;
use std::process::ExitCode;

use super::CommandError;
use crate::cli::Cli;
use crate::config::{self, Paths};

/// Checks `file`, or the configuration file in use.
pub fn run(cli: &Cli, file: Option<&Path>) -> Result<ExitCode, CommandError> {
    let path = match file {
        Some(file) => file.to_path_buf(),
        None => Paths::from_process_env(cli.config.as_deref(), cli.data_dir.as_deref()).config_file,
    };
    if !path.exists() {
        return Err(CommandError::Other(format!(
            "{} does not exist — fix: give the path of the file to check, or copy \
             kiosk-config/readpoint.toml there (without a file the kiosk runs on defaults)",
            path.display()
        )));
    }
    match config::load(&path) {
        Ok(_) => {
            println!("{}: ok", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            eprintln!("{errors}");
            Ok(ExitCode::FAILURE)
        }
    }
}
