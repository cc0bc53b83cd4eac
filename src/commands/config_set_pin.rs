//! `readpoint config set-pin [FILE] [--stdin]`: asks for a new staff PIN, writes its argon2id
//! hash into `[admin] pin_hash` (comments and layout kept; through a temporary file and a
//! rename) and clears a staff-screen lockout. The PIN itself is never printed, logged or written.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::CommandError;
use crate::cli::Cli;
use crate::config;
use crate::staff::{lockout::LOCKOUT_FILE, pin};

/// Sets the PIN in `file`, or in the configuration file in effect.
pub fn run(cli: &Cli, file: Option<&Path>, stdin: bool) -> Result<ExitCode, CommandError> {
    let paths = super::resolve_paths(cli);
    let path = file.map_or_else(|| paths.config_file.clone(), Path::to_path_buf);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => {
            return Err(CommandError::Other(format!(
                "cannot read {}: {err} — fix: run as a user who may read and write it (e.g. \
                 with sudo)",
                path.display()
            )));
        }
    };
    // A broken file is reported before anyone types a PIN.
    config::parse(&text, &path)?;
    let new_pin = if stdin {
        pin_from_stdin()?
    } else {
        pin_from_terminal()?
    };
    pin::check_new_pin(&new_pin)
        .map_err(|e| CommandError::Other(format!("{e}; nothing was written")))?;
    let hash = pin::hash_pin(&new_pin).map_err(|e| CommandError::Other(e.to_string()))?;
    drop(new_pin);
    let edited = config::edit::set_pin_hash(&text, &hash, &path)?;
    write_replacing(&path, &edited)?;
    println!(
        "{}: the staff PIN is set (only its argon2id hash is stored)",
        path.display()
    );

    // The PIN-forgotten case: a new PIN also lifts a lockout.
    let data_dir = match config::parse(&edited, &path) {
        Ok(config) => paths.with_config(&config, cli.data_dir.as_deref()).data_dir,
        Err(_) => paths.data_dir,
    };
    clear_lockout(&data_dir.join(LOCKOUT_FILE))?;
    println!(
        "Restart the kiosk (systemctl restart readpoint), or tap 重新载入配置 on its staff \
         screen, for the new PIN to count."
    );
    Ok(ExitCode::SUCCESS)
}

fn pin_from_stdin() -> Result<String, CommandError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        CommandError::Other(format!("cannot read the PIN from standard input: {e}"))
    })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn pin_from_terminal() -> Result<String, CommandError> {
    if !std::io::stdin().is_terminal() {
        return Err(CommandError::Other(
            "no terminal to ask for the PIN on — fix: run it in a terminal, or pass --stdin and \
             pipe the PIN in"
                .to_owned(),
        ));
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt).map_err(|e| {
            CommandError::Other(format!(
                "cannot read the PIN from the terminal ({e}) — fix: pass --stdin and pipe it in"
            ))
        })
    };
    let first = ask(&format!(
        "New staff PIN ({}–{} digits): ",
        pin::MIN_DIGITS,
        pin::MAX_DIGITS
    ))?;
    pin::check_new_pin(&first)
        .map_err(|e| CommandError::Other(format!("{e}; nothing was written")))?;
    let second = ask("The same PIN again: ")?;
    if first != second {
        return Err(CommandError::Other(
            "the two PINs differ; nothing was written — fix: run config set-pin again".to_owned(),
        ));
    }
    Ok(first)
}

/// Writes `text` to `path` through a temporary file in the same folder and a rename, keeping
/// the old file's owner, group and permissions (so `root:readpoint 0640` stays readable by the
/// service); a new file gets 0640: the hash is not for everyone's eyes.
fn write_replacing(path: &Path, text: &str) -> Result<(), CommandError> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    let fail = |what: &str, err: std::io::Error| {
        CommandError::Other(format!(
            "cannot {what} {}: {err}; the configuration is unchanged — fix: run as a user who \
             may write it (e.g. with sudo)",
            path.display()
        ))
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| fail("create the folder of", e))?;
    }
    let old = std::fs::metadata(path).ok();
    let mode = old.as_ref().map_or(0o640, |m| m.permissions().mode());
    let mut temporary = PathBuf::from(path);
    temporary.as_mut_os_string().push(".set-pin.tmp");
    // Created readable by the owner only; its final mode is set before the rename.
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .and_then(|mut file| {
            use std::io::Write;
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .map_err(|e| fail("write", e))?;
    let renamed = std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(mode))
        .and_then(|()| match &old {
            // Only root can give a file away; anyone else already owns what they replace.
            Some(m) if m.uid() != current_uid() || m.gid() != current_gid() => {
                std::os::unix::fs::chown(&temporary, Some(m.uid()), Some(m.gid()))
            }
            _ => Ok(()),
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(err) = renamed {
        let _ = std::fs::remove_file(&temporary);
        return Err(fail("replace", err));
    }
    Ok(())
}

fn current_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

fn current_gid() -> u32 {
    // SAFETY: getgid has no preconditions and cannot fail.
    unsafe { libc::getgid() }
}

fn clear_lockout(file: &Path) -> Result<(), CommandError> {
    match std::fs::remove_file(file) {
        Ok(()) => {
            println!("The staff-screen lockout was cleared ({}).", file.display());
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(CommandError::Other(format!(
            "the PIN is set, but the lockout file {} could not be removed: {err} — fix: delete \
             it by hand (e.g. with sudo)",
            file.display()
        ))),
    }
}
