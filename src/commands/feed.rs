//! `readpoint feed keygen` and `readpoint feed build`: the portal side of the feed. Gets the
//! key password (environment or terminal), calls `feed::publish`, and prints what was made.
//!
//! Never reads the kiosk configuration or touches a cache: publishing runs on the portal.
//! Never asks for a password without a terminal (automation sets the environment variable or
//! uses an unencrypted key), so a publishing job fails instead of hanging.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use super::CommandError;
use crate::cli::{FeedBuildArgs, FeedCommand, FeedKeygenArgs};
use crate::feed::publish::{self, BuildOptions, PASSWORD_ENV, PublishError};
use crate::feed::{MANIFEST_FILE, SIGNATURE_FILE};

/// Runs `readpoint feed …`.
pub fn run(command: &FeedCommand) -> Result<ExitCode, CommandError> {
    match command {
        FeedCommand::Keygen(args) => keygen(args),
        FeedCommand::Build(args) => build(args),
    }
}

fn keygen(args: &FeedKeygenArgs) -> Result<ExitCode, CommandError> {
    let password = if args.no_password {
        None
    } else {
        Some(new_password()?)
    };
    let keys = publish::keygen(&args.out, password).map_err(publish_error)?;
    println!("public key: {}", keys.public.display());
    println!(
        "secret key: {} (keep it on the portal, never on a kiosk)",
        keys.secret.display()
    );
    println!("key id:     {}", keys.key_id);
    println!();
    println!("Put this line into [sync] of every kiosk's configuration:");
    println!("trusted_keys = [\"{}\"]", keys.trusted_key);
    Ok(ExitCode::SUCCESS)
}

/// The password for a new secret key: the environment variable, else asked twice on the
/// terminal.
fn new_password() -> Result<String, CommandError> {
    if let Some(password) = env_password()? {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CommandError::Other(format!(
            "no password for the new secret key and no terminal to ask on — fix: set \
             {PASSWORD_ENV}, or pass --no-password for an unencrypted key"
        )));
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt).map_err(|e| {
            CommandError::Other(format!(
                "cannot read the password from the terminal ({e}) — fix: set {PASSWORD_ENV}, \
                 or pass --no-password"
            ))
        })
    };
    let first = ask("Password for the new secret key: ")?;
    if first.is_empty() {
        return Err(CommandError::Other(
            "the password is empty; nothing was written — fix: run again and type a password, \
             or pass --no-password for an unencrypted key"
                .to_owned(),
        ));
    }
    let second = ask("The same password again: ")?;
    if first != second {
        return Err(CommandError::Other(
            "the two passwords differ; nothing was written — fix: run feed keygen again".to_owned(),
        ));
    }
    Ok(first)
}

/// The password in the environment; an empty variable counts as not set.
fn env_password() -> Result<Option<String>, CommandError> {
    match std::env::var(PASSWORD_ENV) {
        Ok(password) if !password.is_empty() => Ok(Some(password)),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(CommandError::Other(format!(
            "{PASSWORD_ENV} is not valid UTF-8 — fix: set it to the key's password as text"
        ))),
    }
}

fn build(args: &FeedBuildArgs) -> Result<ExitCode, CommandError> {
    let secret = secret_key(&args.key)?;
    let options = BuildOptions {
        input: args.input.clone(),
        out: args.out.clone(),
        version: args.version,
        feed_id: args.feed_id.clone(),
        expires_in_days: args.expires_in,
        publisher: args.publisher.clone(),
        portal_url: args.portal_url.clone(),
        now: jiff::Timestamp::now(),
    };
    let report = publish::build(&options, &secret).map_err(publish_error)?;
    println!(
        "published feed {} version {} into {}",
        report.feed_id,
        report.version,
        args.out.display()
    );
    println!("  documents:   {}", report.documents);
    println!(
        "  shards:      {} ({} new, {} unchanged)",
        report.shards,
        report.new_shards,
        report.shards - report.new_shards
    );
    println!("  attachments: {}", report.attachments);
    println!(
        "  patches:     {} (kiosks on a recent version fetch only the change)",
        report.patches
    );
    println!("  bytes:       {}", report.bytes);
    println!(
        "  signed:      {SIGNATURE_FILE} by key {}",
        key_id(secret.keynum())
    );
    println!(
        "Copy {} to the web server: objects first, then {MANIFEST_FILE} and {SIGNATURE_FILE} \
         (docs/feed.md, \"Publishing with nginx\").",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Opens the secret key: the password of an encrypted key comes from the environment, else
/// minisign asks on the terminal. Without either, an encrypted key fails cleanly.
fn secret_key(path: &Path) -> Result<minisign::SecretKey, CommandError> {
    let from_env = env_password()?;
    let no_password = from_env.is_none() && !std::io::stdin().is_terminal();
    // An empty password never prompts: an unencrypted key opens as before, an encrypted one
    // fails (explained below) instead of waiting for a terminal that is not there.
    let password = if no_password {
        Some(String::new())
    } else {
        from_env
    };
    publish::read_secret_key(path, password).map_err(|e| {
        let mut message = e.to_string();
        if no_password && matches!(e, PublishError::Key(_)) {
            message.push_str(&format!(
                "\nnote: no password was given ({PASSWORD_ENV} is not set and there is no \
                 terminal to ask on)"
            ));
        }
        CommandError::Other(message)
    })
}

/// The key id as minisign prints it (16 upper-case hex digits).
fn key_id(keynum: &[u8]) -> String {
    keynum
        .try_into()
        .map(|bytes: [u8; 8]| format!("{:016X}", u64::from_le_bytes(bytes)))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn publish_error(error: PublishError) -> CommandError {
    CommandError::Other(error.to_string())
}
