//! The command line: clap types only. Doc comments here are the `--help` text. Dispatch lives
//! in `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Readpoint — the kiosk for government information reading points (政府信息查阅点).
///
/// With no command, runs the kiosk on the configured cache (the bundled sample content on first
/// start). The commands below are for staff and maintenance.
#[derive(Debug, Parser)]
#[command(name = "readpoint", version, propagate_version = true)]
pub struct Cli {
    /// Configuration file [default: /etc/readpoint/readpoint.toml for a system install
    /// (READPOINT_SYSTEM=1 or under systemd), else ~/.config/readpoint/readpoint.toml].
    #[arg(long, global = true, env = "READPOINT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Data directory holding the offline cache [default: `cache.data_dir` from the
    /// configuration, else /var/lib/readpoint (system) or ~/.local/share/readpoint (user)].
    #[arg(long, global = true, env = "READPOINT_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// More log output on stderr (-v: info, -vv: debug, -vvv: trace). RUST_LOG overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Run the kiosk in a window of this size (e.g. 1280x720) instead of full screen, for
    /// development. A window can be closed; the full-screen kiosk cannot.
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub windowed: Option<(u32, u32)>,

    /// What to do; nothing runs the kiosk.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Parses `WIDTHxHEIGHT` in pixels, each 320–8192.
pub fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text
        .split_once(['x', 'X', '×'])
        .ok_or_else(|| format!("expected WIDTHxHEIGHT such as 1920x1080, found {text:?}"))?;
    let side = |v: &str| -> Result<u32, String> {
        match v.trim().parse::<u32>() {
            Ok(n) if (320..=8192).contains(&n) => Ok(n),
            _ => Err(format!(
                "expected a whole number of pixels from 320 to 8192, found {v:?}"
            )),
        }
    };
    Ok((side(w)?, side(h)?))
}

/// Staff and maintenance commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Search the cached content the way the kiosk does (Chinese, Traditional, pinyin, initials).
    Search(SearchArgs),
    /// Show one document by its id.
    Show(ShowArgs),
    /// Import a content file (the feed's shard format) into the cache: validated, all or nothing.
    Import(ImportArgs),
    /// Show the cache: path, schema version, document counts, content version and date, and the
    /// sync's record (last check, last success, last error, next check, stale).
    Status(StatusArgs),
    /// Update the cache from the portal's signed feed (sync.feed_url in the configuration).
    ///
    /// Exit codes of `sync --once`: 0 the new content was applied, or the cache is already
    /// current (or another sync of this cache is running); 1 usage or configuration error (no
    /// feed configured, invalid configuration, unusable data folder); 2 the feed was rejected
    /// (signature, rollback, equivocation, hash, format, limits, feed id, clock) and the kiosk
    /// keeps its content; 3 a transient failure (network, timeout, server error) after retries.
    Sync(SyncArgs),
    /// Work with the configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Render one kiosk screen to a PNG file offscreen (software renderer, no display needed).
    Screenshot(ScreenshotArgs),
    /// Publish content for kiosks: make a signing key, build a signed feed directory (portal
    /// side; see docs/feed.md).
    #[command(subcommand)]
    Feed(FeedCommand),
    /// Print the anonymous usage statistics of this kiosk for a period, for the annual report:
    /// visits, screens, documents read (by category, top 20), top searches, searches with no
    /// result, display settings switched.
    Stats(StatsArgs),
    /// Print a document or an annual report as the kiosk's 打印 does (A4, provenance on every
    /// page; caps and printer checks; counted in the statistics), write that PDF to a file, or
    /// show the printer's state and queue and cancel or release jobs ([print] in the
    /// configuration).
    Print(PrintArgs),
}

/// Arguments of `readpoint print`.
#[derive(Debug, Args)]
pub struct PrintArgs {
    /// The document or report id, e.g. ce-2012-00001 (find ids with `readpoint search`).
    pub id: Option<String>,
    /// Print the 政府信息公开申请表 instead, with this as the information wanted (as the kiosk
    /// does after a search that found nothing).
    #[arg(long, value_name = "WANTED", conflicts_with = "id")]
    pub application: Option<String>,
    /// Print pages of the document's attachment number N (1 = its first) instead, as the
    /// viewer's 打印 does; with --pages.
    #[arg(long, value_name = "N", requires = "id", requires = "pages")]
    pub attachment: Option<usize>,
    /// The attachment's pages to print: `7` or `7-9`.
    #[arg(long, value_name = "FROM[-TO]", requires = "attachment", value_parser = parse_page_range)]
    pub pages: Option<(u32, u32)>,
    /// 大字打印: body text 16 pt.
    #[arg(long)]
    pub large: bool,
    /// Print in Traditional characters.
    #[arg(long)]
    pub traditional: bool,
    /// Write the PDF to this file instead of printing (no printer, no caps).
    #[arg(long, value_name = "FILE")]
    pub to_file: Option<PathBuf>,
    /// Show the printer's state, paper and queue.
    #[arg(long, conflicts_with_all = ["id", "cancel", "release", "to_file"])]
    pub status: bool,
    /// Cancel the job with this number (see --status).
    #[arg(long, value_name = "JOB", conflicts_with_all = ["id", "release", "to_file"])]
    pub cancel: Option<i32>,
    /// Release the held job with this number (print.hold_jobs = true).
    #[arg(long, value_name = "JOB", conflicts_with_all = ["id", "to_file"])]
    pub release: Option<i32>,
}

/// `7` or `7-9` (also with an en dash): a page range, 1 = the first page.
fn parse_page_range(text: &str) -> Result<(u32, u32), String> {
    let page = |s: &str| {
        s.trim()
            .parse::<u32>()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| format!("{s:?} is not a page number (1 = the first page)"))
    };
    let (from, to) = match text.split_once(['-', '–']) {
        Some((from, to)) => (page(from)?, page(to)?),
        None => (page(text)?, page(text)?),
    };
    if to < from {
        return Err(format!("{text:?}: the last page comes before the first"));
    }
    Ok((from, to))
}

pub use crate::kiosk::offscreen::ScreenName;

/// Parses the command line into `T`, or says why not: `--help` and `--version` print and give
/// exit code 0, a usage error prints and gives 1.
pub fn parse<T: clap::Parser>() -> Result<T, std::process::ExitCode> {
    T::try_parse().map_err(|err| {
        let _ = err.print();
        if err.use_stderr() {
            std::process::ExitCode::FAILURE
        } else {
            std::process::ExitCode::SUCCESS
        }
    })
}

/// Arguments of `readpoint screenshot`.
#[derive(Debug, Args)]
pub struct ScreenshotArgs {
    /// Which screen.
    #[arg(long, value_enum)]
    pub screen: ScreenName,
    /// Where to write the PNG.
    #[arg(long, value_name = "FILE.png")]
    pub out: PathBuf,
    /// Window size in pixels.
    #[arg(long, value_name = "WxH", default_value = "1920x1080", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Large-text mode (大字).
    #[arg(long)]
    pub large_text: bool,
    /// High-contrast mode (高对比).
    #[arg(long)]
    pub high_contrast: bool,
    /// Content and UI in Traditional characters (繁).
    #[arg(long)]
    pub traditional: bool,
    /// The document (or report) to show on `document` and `report` [default: the newest].
    #[arg(long, value_name = "ID")]
    pub document: Option<String>,
    /// The search text on `search`.
    #[arg(long, value_name = "Q")]
    pub query: Option<String>,
    /// The page to show on `viewer` (1 = the first).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub page: u32,
}

/// Arguments of `readpoint search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to search for: Chinese (Simplified or Traditional), digits, words, pinyin (shebao) or
    /// pinyin initials (sb). Several words separated by spaces must all match.
    pub query: String,
    /// How many results to print.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub limit: u16,
    /// Print one JSON object per line: id, kind, title, snippet (highlights in 【】), score.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `readpoint show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The document id, e.g. ce-2012-00001.
    pub id: String,
    /// Print the document as stored (JSON).
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `readpoint import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A content file: `{"format": "readpoint-shard/1", "documents": [...]}`.
    pub file: PathBuf,
}

/// Arguments of `readpoint sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Check the portal once (retrying transient failures a few times) and exit; for staff and
    /// systemd timers. Without it, checks every sync.interval until stopped, like the kiosk.
    #[arg(long)]
    pub once: bool,
    /// Attempts in all for transient failures with --once.
    #[arg(long, default_value_t = 3, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10))]
    pub attempts: u32,
}

/// Arguments of `readpoint stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// First day (local date, YYYY-MM-DD) [default: the first day of the current month].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<String>,
    /// Last day, included (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<String>,
    /// Print one CSV table (UTF-8, header `section,key,label,count`) instead of text.
    #[arg(long)]
    pub csv: bool,
    /// Print the unmet demand instead: one CSV row per day and search that found nothing
    /// (header `date,query,count`), for the agency (条例 art. 44).
    #[arg(long, conflicts_with = "csv")]
    pub demand: bool,
}

/// Arguments of `readpoint status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `readpoint config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check a configuration file; exit 0 when valid, 1 with every error listed.
    Check {
        /// The file to check [default: the configuration file in use].
        file: Option<PathBuf>,
    },
    /// Set the staff PIN: asks for it twice (6–12 digits) and writes only its argon2id hash
    /// into `[admin] pin_hash` of the configuration file, keeping every comment. Also clears a
    /// staff-screen lockout (the PIN forgotten case). Restart the kiosk, or use 重新载入配置 on
    /// the staff screen, for the new PIN to count.
    SetPin {
        /// The file to change [default: the configuration file in use; created if missing].
        file: Option<PathBuf>,
        /// Read the PIN from one line of standard input instead of asking (for scripts).
        #[arg(long)]
        stdin: bool,
    },
    /// Print the commented example configuration: every setting with what it does, its
    /// default and its allowed values (the file the package installs as
    /// /etc/readpoint/readpoint.toml).
    Example,
}

/// `readpoint feed …`: the portal side of the feed. Neither touches the configuration nor a
/// kiosk's cache.
#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// Make a minisign key pair for signing the feed: PREFIX.pub (goes into every kiosk's
    /// `sync.trusted_keys`) and PREFIX.key (stays on the portal).
    ///
    /// The secret key is encrypted with a password from READPOINT_FEED_PASSWORD, else asked
    /// twice on the terminal; --no-password leaves it unencrypted (for unattended publishing on
    /// a protected machine). Existing files are never overwritten. Keys made by
    /// `minisign -G` work as well.
    Keygen(FeedKeygenArgs),
    /// Build a signed feed directory from content files, ready for a plain web server.
    ///
    /// Documents are split into shards by kind and year; each shard and attachment is stored
    /// once under objects/AA/SHA256 (AA: the hash's first two hex digits), so building again
    /// writes only what changed.
    /// manifest.json is written last, then manifest.json.minisig. Nothing is ever deleted:
    /// kiosks in the middle of a sync may still fetch the previous version's objects.
    /// The password of an encrypted key comes from READPOINT_FEED_PASSWORD, else it is asked
    /// on the terminal.
    // `--version` is the feed's version here, not the program's.
    #[command(disable_version_flag = true)]
    Build(FeedBuildArgs),
}

/// Arguments of `readpoint feed keygen`.
#[derive(Debug, Args)]
pub struct FeedKeygenArgs {
    /// Path and name prefix of the key files: writes PREFIX.pub and PREFIX.key.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    /// Leave the secret key unencrypted (no password). Protect the file instead: it is written
    /// readable by its owner only.
    #[arg(long)]
    pub no_password: bool,
}

/// Arguments of `readpoint feed build`.
#[derive(Debug, Args)]
pub struct FeedBuildArgs {
    /// A content file (`{"format": "readpoint-shard/1", "documents": [...]}`), or a directory
    /// of them: every `*.json` below it is content, every other file a candidate attachment
    /// (matched to documents by SHA-256).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// The feed directory to publish into (created if needed). A feed already there is the
    /// previous version: its id, publisher and portal URL carry over, and its objects stay.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The minisign secret key (from `readpoint feed keygen` or `minisign -G`).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Version number of this publish; must be above the version in DIR [default: the previous
    /// version + 1, or 1 for a new feed].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub version: Option<u64>,
    /// Feed id, the `sync.feed_id` every kiosk is configured with (1 to 64 characters, no
    /// spaces). Required for a new feed; defaults to the id of the feed in DIR.
    #[arg(long, value_name = "ID", value_parser = parse_feed_id)]
    pub feed_id: Option<String>,
    /// Days until kiosks report the content as stale if nothing newer is published.
    #[arg(long, value_name = "DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub expires_in: u32,
    /// Publisher name shown on kiosks [default: the previous version's].
    #[arg(long, value_name = "NAME")]
    pub publisher: Option<String>,
    /// Base of the "continue on your phone" links (http:// or https://) [default: the previous
    /// version's].
    #[arg(long, value_name = "URL", value_parser = parse_portal_url)]
    pub portal_url: Option<String>,
}

/// A feed id as kiosks accept it: 1 to 64 bytes, no spaces or control characters.
pub fn parse_feed_id(text: &str) -> Result<String, String> {
    if text.is_empty()
        || text.len() > 64
        || text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "expected 1 to 64 characters without spaces, such as leshan-zwgk, found {text:?}"
        ));
    }
    Ok(text.to_owned())
}

/// A portal URL: starts with http:// or https://.
pub fn parse_portal_url(text: &str) -> Result<String, String> {
    if text.starts_with("http://") || text.starts_with("https://") {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "expected an address starting with http:// or https://, found {text:?}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
