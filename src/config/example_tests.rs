//! Tests of the shipped example `kiosk-config/readpoint.toml`: it is exactly what the key table
//! generates, it parses, its documented defaults are the real defaults, its examples are valid
//! and the parser accepts exactly the keys of the table.
//!
//! Owns: keeping the example, the key table and the serde shape in step. Must never: write the
//! example file.

use std::path::Path;

use super::{Config, keys, parse, raw::RawConfig};

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
fn the_shipped_file_is_what_the_key_table_generates() {
    let generated = keys::commented_file();
    let first_difference = EXAMPLE
        .lines()
        .zip(generated.lines())
        .enumerate()
        .find(|(_, (shipped, made))| shipped != made);
    assert!(
        EXAMPLE == generated,
        "kiosk-config/readpoint.toml differs from the key table (src/config/keys.rs) at {:?}: \
         edit the table, then run `cargo run -- config example > kiosk-config/readpoint.toml`",
        first_difference.map(|(line, pair)| (line + 1, pair))
    );
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
    // Every key with a default shows it, and no other.
    let with_default: Vec<&str> = keys::ALL
        .iter()
        .filter(|key| {
            let mut out = String::new();
            key.write_to(&mut out);
            out.contains(&format!("\n# {} = ", key.name()))
        })
        .map(|key| key.name())
        .collect();
    assert_eq!(keys, with_default);
    assert!(keys.len() >= 25, "{keys:?}");
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
            "redirect_hosts",
            "data_dir",
            "pin_hash",
            "report_url",
            "font"
        ]
    );
    // A key shown at its default and with an example would be a duplicate: keep the example.
    let everything: String = everything
        .lines()
        .filter(|l| {
            !l.starts_with("schedule = { mon = \"00:00-24:00\"") && *l != "redirect_hosts = []"
        })
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
    assert_eq!(config.sync.redirect_hosts, ["cdn.example.gov.cn"]);
    assert!(!config.display.schedule.is_always_on());
}

#[test]
fn the_parser_accepts_exactly_the_keys_of_the_table() {
    let tables = accepted_keys(None);
    let listed: Vec<&str> = keys::TABLES.iter().map(|(table, _)| *table).collect();
    assert_eq!(tables, listed);
    for table in &tables {
        let accepted = accepted_keys(Some(table));
        let listed: Vec<&str> = keys::ALL
            .iter()
            .filter(|key| key.table() == table)
            .map(|key| key.name())
            .collect();
        assert_eq!(accepted, listed, "[{table}] in raw.rs and keys.rs");
    }
}
