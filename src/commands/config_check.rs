//! `readpoint config check [FILE]`: parses and validates a configuration file; exit 0 when
//! valid, 1 with every error listed (file:line:column, key, what is wrong, the fix).

use std::path::Path;
use std::process::ExitCode;

use super::CommandError;
use crate::cli::Cli;
use crate::config;

/// Checks `file`, or the configuration file in effect (the `--config` file, else the first of
/// the default locations that exists); the path checked is printed either way.
pub fn run(cli: &Cli, file: Option<&Path>) -> Result<ExitCode, CommandError> {
    let (path, looked_in) = match file {
        Some(file) => (file.to_path_buf(), Vec::new()),
        None => {
            let paths = super::resolve_paths(cli);
            (paths.config_file, paths.config_candidates)
        }
    };
    if !path.exists() {
        let message = if looked_in.len() > 1 {
            let list = looked_in
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "no configuration file found (looked for {list}) — fix: copy \
                 kiosk-config/readpoint.toml to {} (without a file the kiosk runs on defaults)",
                path.display()
            )
        } else {
            format!(
                "{} does not exist — fix: give the path of the file to check, or copy \
                 kiosk-config/readpoint.toml there (without a file the kiosk runs on defaults)",
                path.display()
            )
        };
        return Err(CommandError::Other(message));
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
