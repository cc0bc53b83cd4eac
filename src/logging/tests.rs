//! Tests of the log ring, the output choice, journald's line format and file rotation.

use std::time::{Duration, Instant};

use super::*;
use crate::config::LogConfig;

#[test]
fn the_ring_keeps_the_newest_lines_bounded_in_count_and_length() {
    let mut ring = Ring::new();
    for i in 0..(RECENT_CAPACITY + 50) {
        ring.push(&format!("line {i}"));
    }
    ring.push("   \n");
    let long = "长".repeat(RECENT_LINE_CHARS * 2);
    ring.push(&long);
    let lines = ring.last(RECENT_CAPACITY * 2);
    assert_eq!(lines.len(), RECENT_CAPACITY);
    assert_eq!(lines[0], "line 51", "the oldest were dropped");
    let last = lines.last().cloned().unwrap_or_default();
    assert_eq!(
        last.chars().count(),
        RECENT_LINE_CHARS + 1,
        "cut and marked"
    );
    assert!(last.ends_with('…'));
    let two = ring.last(2);
    assert_eq!(two, [format!("line {}", RECENT_CAPACITY + 49), last]);
    assert!(ring.last(0).is_empty());
}

#[test]
fn events_reach_the_ring_through_the_formatter() {
    let subscriber = tracing_subscriber::registry().with(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_timer(LocalTime)
            .with_writer(RingWriter),
    );
    tracing::subscriber::with_default(subscriber, || {
        tracing::warn!(code = 7, "ring event from the formatter");
    });
    let lines = recent_lines(RECENT_CAPACITY);
    let line = lines
        .iter()
        .find(|l| l.contains("ring event from the formatter"))
        .cloned()
        .unwrap_or_default();
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains("code=7"), "{line}");
}

#[test]
fn the_kiosk_and_the_sync_loop_log_to_files_unless_journald_captures_stderr() {
    let log = LogConfig::default();
    let dir = Path::new("/var/lib/readpoint");
    let files = choose_output(ProcessKind::Kiosk, false, 0, dir, Some(&log));
    assert_eq!(
        files,
        Output::Files {
            dir: dir.join("logs"),
            max_size: log.max_size,
            max_files: log.max_files,
            also_stderr: false,
        }
    );
    assert!(matches!(
        choose_output(ProcessKind::SyncLoop, false, 1, dir, Some(&log)),
        Output::Files {
            also_stderr: true,
            ..
        }
    ));
    for kind in [
        ProcessKind::Kiosk,
        ProcessKind::SyncLoop,
        ProcessKind::SyncOnce,
    ] {
        assert_eq!(
            choose_output(kind, true, 0, dir, Some(&log)),
            Output::Journald
        );
    }
    assert_eq!(
        choose_output(ProcessKind::SyncOnce, false, 0, dir, Some(&log)),
        Output::Stderr
    );
    assert_eq!(
        choose_output(ProcessKind::Staff, true, 0, dir, Some(&log)),
        Output::Stderr
    );
    assert_eq!(
        choose_output(ProcessKind::Kiosk, false, 0, dir, None),
        Output::Stderr,
        "a broken configuration reports its error on stderr"
    );
}

#[test]
fn journald_lines_carry_the_syslog_priority_and_no_time() {
    assert_eq!(syslog_priority(&Level::ERROR), 3);
    assert_eq!(syslog_priority(&Level::WARN), 4);
    assert_eq!(syslog_priority(&Level::INFO), 6);
    assert_eq!(syslog_priority(&Level::DEBUG), 7);
    assert_eq!(
        journald_lines(4, "readpoint::sync: retry\n  detail\n"),
        "<4>readpoint::sync: retry\n<4>  detail\n"
    );
    assert_eq!(parse_journal_stream("8:12345"), Some((8, 12345)));
    assert_eq!(parse_journal_stream("8-12345"), None);
    assert_eq!(parse_journal_stream(":1"), None);
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn files_rotate_by_size_and_never_exceed_max_files() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("logs");
    // A leftover from a larger max_files is deleted on open.
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("readpoint.log.9"), "old").unwrap();
    let mut file = RotatingFile::new(&dir, 100, 2);
    let now = Instant::now();
    for i in 0..40 {
        file.write_line(
            format!("line {i:02} ........................\n").as_bytes(),
            now,
        )
        .unwrap();
    }
    assert_eq!(
        names(&dir),
        ["readpoint.log", "readpoint.log.1", "readpoint.log.2"]
    );
    for name in names(&dir) {
        let size = fs::metadata(dir.join(&name)).unwrap().len();
        assert!(size <= 100, "{name}: {size}");
    }
    let current = fs::read_to_string(file.path()).unwrap();
    assert!(
        current.ends_with("line 39 ........................\n"),
        "{current}"
    );
    let newest_rotated = fs::read_to_string(dir.join("readpoint.log.1")).unwrap();
    assert!(newest_rotated.contains("line 36"), "{newest_rotated}");
}

#[test]
fn max_files_zero_keeps_only_the_current_file_and_long_lines_are_cut() {
    let temp = tempfile::tempdir().unwrap();
    let mut file = RotatingFile::new(temp.path(), 1000, 0);
    let now = Instant::now();
    for _ in 0..10 {
        file.write_line(&[b'x'; 300], now).unwrap();
    }
    assert_eq!(names(temp.path()), ["readpoint.log"]);
    let long = "日".repeat(FILE_LINE_BYTES);
    let mut big = RotatingFile::new(&temp.path().join("big"), u64::MAX, 1);
    big.write_line(long.as_bytes(), now).unwrap();
    let written = fs::read_to_string(big.path()).unwrap();
    assert!(written.len() <= FILE_LINE_BYTES + "…\n".len());
    assert!(written.ends_with("…\n"));
}

#[test]
fn a_failing_disk_is_reported_then_left_alone_until_the_retry_time() {
    let temp = tempfile::tempdir().unwrap();
    // The log folder's place is taken by a file: opening fails like a read-only disk.
    let blocked = temp.path().join("logs");
    fs::write(&blocked, "not a folder").unwrap();
    let mut file = RotatingFile::new(&blocked, 1000, 2);
    let now = Instant::now();
    assert!(file.write_line(b"one\n", now).is_err());
    assert!(
        file.write_line(b"two\n", now + Duration::from_secs(1))
            .is_err()
    );
    // The disk is fixed: the next try after the pause succeeds.
    fs::remove_file(&blocked).unwrap();
    assert!(
        file.write_line(b"three\n", now + Duration::from_secs(1))
            .is_err()
    );
    file.write_line(b"four\n", now + FILE_RETRY_AFTER + Duration::from_secs(1))
        .unwrap();
    assert_eq!(fs::read_to_string(file.path()).unwrap(), "four\n");
}

#[test]
fn a_full_queue_drops_and_counts_lines_instead_of_waiting() {
    let (queue, _lines) = mpsc::sync_channel::<Vec<u8>>(1);
    let writer = QueueWriter(queue);
    let before = dropped_lines();
    for _ in 0..3 {
        let mut line = writer.make_writer();
        line.write_all(b"queued\n").unwrap();
    }
    assert!(dropped_lines() >= before + 2);
}

#[test]
fn the_file_writer_thread_writes_queued_lines_and_finishes_on_drop_of_the_guard() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("logs");
    let (queue, done) = spawn_file_writer(RotatingFile::new(&dir, 1 << 20, 3));
    let writer = QueueWriter(queue.clone());
    {
        let mut line = writer.make_writer();
        line.write_all(b"through the thread\n").unwrap();
    }
    drop(LogGuard {
        file: Some((queue, done)),
    });
    let text = fs::read_to_string(dir.join(LOG_FILE_NAME)).unwrap();
    assert_eq!(text, "through the thread\n");
}
