//! Tests of the shipped example `kiosk-config/readpoint.toml`: it parses, its documented
//! defaults are the real defaults, its examples are valid and it documents every key.
//!
//! Owns: keeping the example and the code in step. Must never: write the example file.

use std::collections::BTreeSet;
use std::path::Path;

use super::{Config, parse, raw::RawConfig};

const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/kiosk-config/readpoint.toml"
));

fn origin() -> &'static Path {
    Path::new("kiosk-config/readpoint.toml")
}

/// `key = value` with a bare lower-case key: what a setting line looks like.
fn setting_key(line: &str) -> Option<&str> {
    let (key, _) = line.split_once(" = ")?;
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')).then_some(key)
}

/// Removes `prefix` from every line that then looks like a setting.
fn uncomment(text: &str, prefix: &str) -> (String, Vec<String>) {
    let mut keys = Vec::new();
    let lines: Vec<&str> = text
        .lines()
        .map(|line| match line.strip_prefix(prefix) {
            Some(rest) if setting_key(rest).is_some() => {
                keys.extend(setting_key(rest).map(str::to_owned));
                rest
            }
            _ => line,
        })
        .collect();
    (lines.join("\n"), keys)
}

/// Every `table.key` set, shown as a default (`# key = …`) or shown as an example
/// (`#     key = …`) in the example file.
fn documented_keys() -> BTreeSet<String> {
    let mut table = String::new();
    let mut keys = BTreeSet::new();
    for line in EXAMPLE.lines() {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            name.clone_into(&mut table);
            continue;
        }
        let setting = line
            .strip_prefix("#     ")
            .or_else(|| line.strip_prefix("# "))
            .unwrap_or(line);
        if let Some(key) = setting_key(setting) {
            keys.insert(format!("{table}.{key}"));
        }
    }
    keys
}

/// The keys the parser accepts, read from serde's own "unknown field" message so the list can
/// never drift from `raw.rs`.
fn accepted_keys(table: Option<&str>) -> Vec<String> {
    let probe = match table {
        Some(table) => format!("[{table}]\nzz_probe = 1\n"),
        None => "zz_probe = 1\n".to_owned(),
    };
    let message = match toml::from_str::<RawConfig>(&probe) {
        Ok(_) => String::new(),
        Err(e) => e.message().to_owned(),
    };
    message
        .split('`')
        .skip(3)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn example_parses_with_no_errors() {
    let config = parse(EXAMPLE, origin());
    assert!(
        config.is_ok(),
        "{}",
        config.err().map(|e| e.to_string()).unwrap_or_default()
    );
    let config = config.unwrap_or_default();
    assert_eq!(config.kiosk.terminal_id, "ls-zwzx-hall-01");
    assert_eq!(config.kiosk.location, "乐山市政务服务中心一楼大厅");
    // Apart from the two keys it sets, the example is the defaults.
    let mut expected = Config::default();
    expected.kiosk.terminal_id = "ls-zwzx-hall-01".to_owned();
    expected.kiosk.location = "乐山市政务服务中心一楼大厅".to_owned();
    assert_eq!(config, expected);
    assert!(config.sync.feed.is_none(), "no portal yet: sync stays off");
}

#[test]
fn documented_defaults_are_the_real_defaults() {
    let (uncommented, keys) = uncomment(EXAMPLE, "# ");
    let expected_keys = [
        "agency_name",
        "language",
        "idle_timeout",
        "reading_idle_timeout",
        "idle_countdown",
        "stale_after",
        "schedule",
        "time_zone",
        "interval",
        "timeout",
        "max_shard_size",
        "max_documents",
        "attachment_budget",
        "disk_reserve",
        "redirect_hosts",
        "in_kiosk",
        "lockout_attempts",
        "lockout",
        "retention_days",
        "enabled",
        "printer",
        "max_pages_per_job",
        "max_pages_per_day",
        "hold_jobs",
        "level",
        "max_size",
        "max_files",
    ];
    assert_eq!(keys, expected_keys, "default lines in the example changed");
    let original = parse(EXAMPLE, origin());
    let with_defaults = parse(&uncommented, origin());
    assert!(
        with_defaults.is_ok(),
        "{}",
        with_defaults
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    );
    assert_eq!(with_defaults, original);
}

#[test]
fn documented_examples_are_valid() {
    let (with_defaults, _) = uncomment(EXAMPLE, "# ");
    let (everything, keys) = uncomment(&with_defaults, "#     ");
    assert_eq!(
        keys,
        [
            "portal_url",
            "staff_desk",
            "schedule",
            "feed_url",
            "feed_id",
            "trusted_keys",
            "data_dir",
            "pin_hash",
            "report_url",
            "font"
        ]
    );
    // The two `schedule` lines would be a duplicate key: keep the example one only.
    let everything: String = everything
        .lines()
        .filter(|l| !l.starts_with("schedule = { mon = \"00:00-24:00\""))
        .collect::<Vec<_>>()
        .join("\n");
    let config = parse(&everything, origin());
    assert!(
        config.is_ok(),
        "{}",
        config
            .as_ref()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    );
    let config = config.unwrap_or_default();
    assert!(config.sync.feed.is_some());
    assert!(config.admin.pin_hash.is_some());
    assert!(config.kiosk.portal_url.is_some() && config.kiosk.staff_desk.is_some());
    assert!(config.stats.report_url.is_some() && config.cache.data_dir.is_some());
    assert!(config.print.font.is_some());
    assert!(!config.display.schedule.is_always_on());
}

#[test]
fn example_documents_every_key() {
    let documented = documented_keys();
    let tables = accepted_keys(None);
    assert_eq!(
        tables,
        [
            "kiosk", "display", "sync", "cache", "admin", "stats", "print", "log"
        ]
    );
    for table in &tables {
        let keys = accepted_keys(Some(table));
        assert!(!keys.is_empty(), "no keys found for [{table}]");
        for key in keys {
            let dotted = format!("{table}.{key}");
            assert!(
                documented.contains(&dotted),
                "{dotted} is not documented in the example"
            );
        }
    }
}
