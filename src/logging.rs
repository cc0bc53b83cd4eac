//! Where the process's log lines go: the `tracing` subscriber of the binary.
//!
//! Owns: choosing the output (journald under systemd, size-capped rotating files for the
//! kiosk and the foreground `readpoint sync`, stderr for staff commands), the rotation of
//! `<data_dir>/logs/readpoint.log`, and the in-memory ring of the most recent lines that the
//! staff screen shows ([`recent_lines`]).
//!
//! Must never: panic or block the caller on a failed or slow write (a line that cannot be
//! written is dropped and counted, see [`dropped_lines`]), let the log files grow beyond
//! `log.max_size × (log.max_files + 1)` (plus one line), or print anything itself.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread;
use std::time::{Duration, Instant};

use tracing::{Level, Metadata};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Lines kept in the in-memory ring.
pub const RECENT_CAPACITY: usize = 200;
/// Longest line kept in the ring, in characters (longer lines end with `…`).
pub const RECENT_LINE_CHARS: usize = 300;
/// Longest line written to a log file, in bytes (longer lines are cut at a character boundary).
pub const FILE_LINE_BYTES: usize = 16 * 1024;
/// Name of the current log file inside `<data_dir>/logs`; rotated files add `.1`, `.2`, ….
pub const LOG_FILE_NAME: &str = "readpoint.log";
/// Lines waiting for the file writer thread; beyond this, lines are dropped (and counted).
const FILE_QUEUE_LINES: usize = 1024;
/// After a failed write or open, how long the file writer waits before trying the file again.
const FILE_RETRY_AFTER: Duration = Duration::from_secs(30);
/// How long dropping the [`LogGuard`] waits for queued lines to reach the file.
const FLUSH_ON_EXIT: Duration = Duration::from_secs(2);

/// The most recent log lines of the process.
static RECENT: Mutex<Ring> = Mutex::new(Ring::new());
/// Lines that could not be written to their output (queue full, disk full, read-only, …).
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The `limit` most recent log lines (every output mode keeps them), newest last.
pub fn recent_lines(limit: usize) -> Vec<String> {
    match RECENT.lock() {
        Ok(ring) => ring.last(limit),
        Err(poisoned) => poisoned.into_inner().last(limit),
    }
}

/// Adds one formatted line to the process's ring.
fn push_recent(line: &str) {
    match RECENT.lock() {
        Ok(mut ring) => ring.push(line),
        Err(poisoned) => poisoned.into_inner().push(line),
    }
}

/// A bounded list of recent lines, oldest first.
struct Ring {
    lines: VecDeque<String>,
}

impl Ring {
    const fn new() -> Self {
        Ring {
            lines: VecDeque::new(),
        }
    }

    /// Adds one line, cut to [`RECENT_LINE_CHARS`] (ending with `…`), dropping the oldest
    /// beyond [`RECENT_CAPACITY`]. Empty lines are skipped.
    fn push(&mut self, line: &str) {
        let line = line.trim_end();
        if line.is_empty() {
            return;
        }
        let bounded = match line.char_indices().nth(RECENT_LINE_CHARS) {
            Some((cut, _)) => format!("{}…", &line[..cut]),
            None => line.to_owned(),
        };
        while self.lines.len() >= RECENT_CAPACITY {
            self.lines.pop_front();
        }
        self.lines.push_back(bounded);
    }

    /// The `limit` newest lines, newest last.
    fn last(&self, limit: usize) -> Vec<String> {
        let skip = self.lines.len().saturating_sub(limit);
        self.lines.iter().skip(skip).cloned().collect()
    }
}

/// Log lines dropped since the process started because their output failed or was too slow.
pub fn dropped_lines() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Where the log lines of this process go (besides the ring, which every mode keeps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Human-readable lines on stderr (staff commands, `-v`).
    Stderr,
    /// journald's stream protocol on stderr: `<N>` syslog priority prefixes, no timestamps.
    Journald,
    /// Size-capped rotating files in `dir`, plus stderr when `also_stderr` (`-v`).
    Files {
        /// The log folder (`<data_dir>/logs`).
        dir: PathBuf,
        /// Size at which the current file is rotated, in bytes.
        max_size: u64,
        /// Rotated files kept.
        max_files: u32,
        /// Also write to stderr (asked for with `-v`).
        also_stderr: bool,
    },
}

/// Which kind of process is logging, for [`choose_output`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessKind {
    /// The kiosk (no command).
    Kiosk,
    /// `readpoint sync` on its schedule (a long-running foreground process).
    SyncLoop,
    /// `readpoint sync --once` (a systemd timer or staff at a shell).
    SyncOnce,
    /// Any other command: staff at a shell.
    Staff,
}

/// The output for a process: journald when systemd captures stderr for the kiosk or a sync;
/// rotating files for the kiosk and the sync loop otherwise; stderr for everything else.
/// `log` is `None` when the configuration could not be loaded (then stderr).
pub fn choose_output(
    kind: ProcessKind,
    journald: bool,
    verbose: u8,
    data_dir: &Path,
    log: Option<&crate::config::LogConfig>,
) -> Output {
    match (kind, log) {
        (ProcessKind::Kiosk | ProcessKind::SyncLoop | ProcessKind::SyncOnce, _) if journald => {
            Output::Journald
        }
        (ProcessKind::Kiosk | ProcessKind::SyncLoop, Some(log)) => Output::Files {
            dir: data_dir.join("logs"),
            max_size: log.max_size,
            max_files: log.max_files,
            also_stderr: verbose > 0,
        },
        _ => Output::Stderr,
    }
}

/// Whether stderr is connected to journald: systemd sets `JOURNAL_STREAM=<dev>:<inode>` for
/// a service whose output goes to the journal, and stderr must still be that very stream (a
/// child with redirected stderr inherits the variable but not the stream).
pub fn stderr_is_journal() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Ok(stream) = std::env::var("JOURNAL_STREAM") else {
        return false;
    };
    let Some((dev, ino)) = parse_journal_stream(&stream) else {
        return false;
    };
    let Ok(fd) = io::stderr().as_fd().try_clone_to_owned() else {
        return false;
    };
    match File::from(fd).metadata() {
        Ok(meta) => meta.dev() == dev && meta.ino() == ino,
        Err(_) => false,
    }
}

/// `JOURNAL_STREAM`'s `<device>:<inode>`, both decimal.
fn parse_journal_stream(value: &str) -> Option<(u64, u64)> {
    let (dev, ino) = value.trim().split_once(':')?;
    Some((dev.parse().ok()?, ino.parse().ok()?))
}

/// The syslog priority journald reads from a `<N>` prefix.
fn syslog_priority(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    }
}

/// Keeps the file writer running; dropping it lets queued lines reach the file (waiting at
/// most a moment, so a stuck disk never keeps the process from exiting).
#[must_use = "dropping the guard stops file logging"]
pub struct LogGuard {
    /// The file writer's queue and its end signal, when writing files.
    file: Option<(SyncSender<Vec<u8>>, Receiver<()>)>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        if let Some((queue, done)) = self.file.take() {
            // The subscriber keeps its own sender; this one asks the writer to finish.
            let _ = queue.try_send(Vec::new());
            let _ = done.recv_timeout(FLUSH_ON_EXIT);
        }
    }
}

/// Installs the process's subscriber: `filter` (targets and levels such as `info` or
/// `warn,readpoint::sync=debug`; a valid `RUST_LOG` wins) for every output, the ring always,
/// plus `output`. A second call does nothing.
pub fn init(output: &Output, filter: &str) -> LogGuard {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse::<Targets>().ok())
        .or_else(|| filter.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::WARN));
    let ring = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_timer(LocalTime)
        .with_writer(RingWriter);
    let mut guard = LogGuard { file: None };
    let (stderr, journald, file) = match output {
        Output::Stderr => (true, false, None),
        Output::Journald => (false, true, None),
        Output::Files {
            dir,
            max_size,
            max_files,
            also_stderr,
        } => {
            let (queue, done) = spawn_file_writer(RotatingFile::new(dir, *max_size, *max_files));
            guard.file = Some((queue.clone(), done));
            (*also_stderr, false, Some(QueueWriter(queue)))
        }
    };
    let stderr_layer = stderr.then(|| tracing_subscriber::fmt::layer().with_writer(io::stderr));
    let journald_layer = journald.then(|| {
        tracing_subscriber::fmt::layer()
            .without_time()
            .with_ansi(false)
            .with_level(false)
            .with_writer(JournaldWriter)
    });
    let file_layer = file.map(|writer| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_timer(LocalTime)
            .with_writer(writer)
    });
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(ring)
        .with(stderr_layer)
        .with(journald_layer)
        .with(file_layer)
        .try_init();
    guard
}

/// Local date and time with the UTC offset, to the millisecond (files and the ring are read
/// by staff in their own time zone).
struct LocalTime;

impl FormatTime for LocalTime {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        let now = jiff::Zoned::now();
        write!(w, "{}", now.strftime("%Y-%m-%d %H:%M:%S%.3f %:z"))
    }
}

/// One formatted event on its way to the ring (pushed when the formatter drops it).
struct RingLine(Vec<u8>);

impl Write for RingLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for RingLine {
    fn drop(&mut self) {
        for line in String::from_utf8_lossy(&self.0).lines() {
            push_recent(line);
        }
    }
}

/// Makes [`RingLine`]s.
struct RingWriter;

impl<'a> MakeWriter<'a> for RingWriter {
    type Writer = RingLine;
    fn make_writer(&'a self) -> RingLine {
        RingLine(Vec::new())
    }
}

/// One formatted event for journald: written to stderr when dropped, each line with the
/// event's `<N>` priority prefix, in one write.
struct JournaldLine {
    priority: u8,
    buffer: Vec<u8>,
}

impl Write for JournaldLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for JournaldLine {
    fn drop(&mut self) {
        let text = journald_lines(self.priority, &String::from_utf8_lossy(&self.buffer));
        if io::stderr().lock().write_all(text.as_bytes()).is_err() {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// `text` as journald stream lines: every line prefixed with `<priority>`.
fn journald_lines(priority: u8, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for line in text.lines().filter(|line| !line.is_empty()) {
        out.push_str(&format!("<{priority}>{line}\n"));
    }
    out
}

/// Makes [`JournaldLine`]s with the priority of the event's level.
struct JournaldWriter;

impl<'a> MakeWriter<'a> for JournaldWriter {
    type Writer = JournaldLine;
    fn make_writer(&'a self) -> JournaldLine {
        JournaldLine {
            priority: 6,
            buffer: Vec::new(),
        }
    }
    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> JournaldLine {
        JournaldLine {
            priority: syslog_priority(meta.level()),
            buffer: Vec::new(),
        }
    }
}

/// One formatted event for the log file: queued for the writer thread when dropped, or
/// dropped and counted when the queue is full (the caller never waits for the disk).
struct QueuedLine {
    queue: SyncSender<Vec<u8>>,
    buffer: Vec<u8>,
}

impl Write for QueuedLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for QueuedLine {
    fn drop(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let line = std::mem::take(&mut self.buffer);
        match self.queue.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Makes [`QueuedLine`]s.
struct QueueWriter(SyncSender<Vec<u8>>);

impl<'a> MakeWriter<'a> for QueueWriter {
    type Writer = QueuedLine;
    fn make_writer(&'a self) -> QueuedLine {
        QueuedLine {
            queue: self.0.clone(),
            buffer: Vec::new(),
        }
    }
}

/// Starts the thread that owns the log file. An empty line asks it to stop (see
/// [`LogGuard`]); it signals on the returned receiver when it has.
fn spawn_file_writer(mut file: RotatingFile) -> (SyncSender<Vec<u8>>, Receiver<()>) {
    let (queue, lines) = mpsc::sync_channel::<Vec<u8>>(FILE_QUEUE_LINES);
    let (done_tx, done) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || {
            while let Ok(line) = lines.recv() {
                if line.is_empty() {
                    break;
                }
                if file.write_line(&line, Instant::now()).is_err() {
                    DROPPED.fetch_add(1, Ordering::Relaxed);
                }
            }
            let _ = done_tx.send(());
        });
    if spawned.is_err() {
        // No writer: every queued line will count as dropped once the queue is full.
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
    (queue, done)
}

/// `<dir>/readpoint.log`, rotated by size: when a line would take the current file past
/// `max_size`, `readpoint.log.N` is deleted, `.N-1` … `.1` move up by one and the current file
/// becomes `.1`. Files beyond `max_files` (left by a larger earlier setting) are deleted.
/// A failed open or write is reported to the caller, and the file is not tried again for
/// [`FILE_RETRY_AFTER`] (a full or read-only disk costs one failed call per half minute).
#[derive(Debug)]
pub(crate) struct RotatingFile {
    dir: PathBuf,
    max_size: u64,
    max_files: u32,
    current: Option<File>,
    size: u64,
    retry_at: Option<Instant>,
}

impl RotatingFile {
    /// A writer for `dir`; nothing is opened or created until the first line.
    pub(crate) fn new(dir: &Path, max_size: u64, max_files: u32) -> Self {
        RotatingFile {
            dir: dir.to_path_buf(),
            max_size: max_size.max(1),
            max_files,
            current: None,
            size: 0,
            retry_at: None,
        }
    }

    /// The current file.
    pub(crate) fn path(&self) -> PathBuf {
        self.dir.join(LOG_FILE_NAME)
    }

    /// The rotated file number `n` (1 is the newest).
    fn rotated(&self, n: u32) -> PathBuf {
        self.dir.join(format!("{LOG_FILE_NAME}.{n}"))
    }

    /// Appends one line (cut to [`FILE_LINE_BYTES`]), rotating first when it would not fit.
    pub(crate) fn write_line(&mut self, line: &[u8], now: Instant) -> io::Result<()> {
        if let Some(at) = self.retry_at {
            if now < at {
                return Err(io::Error::other("log file unavailable; retrying later"));
            }
            self.retry_at = None;
        }
        let result = match cut_line(line) {
            Some(cut) => {
                let mut bounded = cut.to_vec();
                bounded.extend_from_slice("…\n".as_bytes());
                self.try_write(&bounded)
            }
            None => self.try_write(line),
        };
        if result.is_err() {
            self.current = None;
            self.retry_at = Some(now + FILE_RETRY_AFTER);
        }
        result
    }

    fn try_write(&mut self, line: &[u8]) -> io::Result<()> {
        if self.current.is_none() {
            self.open()?;
        }
        if self.size > 0 && self.size + line.len() as u64 > self.max_size {
            self.current = None;
            self.rotate()?;
            self.open()?;
        }
        let Some(file) = self.current.as_mut() else {
            return Err(io::Error::other("log file not open"));
        };
        file.write_all(line)?;
        self.size += line.len() as u64;
        Ok(())
    }

    /// Opens (creating) the current file for appending and deletes rotated files beyond
    /// `max_files`.
    fn open(&mut self) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path())?;
        self.size = file.metadata()?.len();
        self.current = Some(file);
        self.delete_beyond_max();
        Ok(())
    }

    /// Moves every file up by one and the current file to `.1`; with `max_files = 0` the
    /// current file is deleted instead.
    fn rotate(&mut self) -> io::Result<()> {
        if self.max_files == 0 {
            return match fs::remove_file(self.path()) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let oldest = self.rotated(self.max_files);
        if let Err(e) = fs::remove_file(&oldest)
            && e.kind() != io::ErrorKind::NotFound
        {
            return Err(e);
        }
        for n in (1..self.max_files).rev() {
            let from = self.rotated(n);
            if from.exists() {
                fs::rename(&from, self.rotated(n + 1))?;
            }
        }
        fs::rename(self.path(), self.rotated(1))
    }

    /// Deletes `readpoint.log.N` for every N above `max_files` (best effort).
    fn delete_beyond_max(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let prefix = format!("{LOG_FILE_NAME}.");
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(number) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
                continue;
            };
            if number.parse::<u32>().is_ok_and(|n| n > self.max_files) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// `line` cut to [`FILE_LINE_BYTES`] at a UTF-8 boundary when it is longer (else `None`).
fn cut_line(line: &[u8]) -> Option<&[u8]> {
    if line.len() <= FILE_LINE_BYTES {
        return None;
    }
    let mut cut = FILE_LINE_BYTES;
    while cut > 0 && (line[cut] & 0b1100_0000) == 0b1000_0000 {
        cut -= 1;
    }
    Some(&line[..cut])
}

#[cfg(test)]
mod tests;
