//! The configuration file exactly as written: serde structs with every key optional, unknown
//! keys rejected and each value's location kept for messages.
//!
//! Owns: the set of tables and keys `readpoint.toml` may contain and their TOML types.
//! Must never: hold defaults or validation rules (those live in `config::validate`).

use serde::Deserialize;
use toml::Spanned;

type Text = Option<Spanned<String>>;
type Integer = Option<Spanned<i64>>;
type Flag = Option<Spanned<bool>>;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub kiosk: RawKiosk,
    pub display: RawDisplay,
    pub sync: RawSync,
    pub cache: RawCache,
    pub admin: RawAdmin,
    pub stats: RawStats,
    pub print: RawPrint,
    pub log: RawLog,
}

/// `[kiosk]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawKiosk {
    pub terminal_id: Text,
    pub location: Text,
    pub agency_name: Text,
    pub portal_url: Text,
    pub staff_desk: Text,
    pub language: Text,
}

/// `[display]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawDisplay {
    pub idle_timeout: Text,
    pub reading_idle_timeout: Text,
    pub idle_countdown: Text,
    pub stale_after: Text,
    pub schedule: Option<Spanned<RawSchedule>>,
    pub time_zone: Text,
}

/// `display.schedule`: weekday → ranges.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawSchedule {
    pub mon: Text,
    pub tue: Text,
    pub wed: Text,
    pub thu: Text,
    pub fri: Text,
    pub sat: Text,
    pub sun: Text,
}

impl RawSchedule {
    /// The days Monday first, with their key names.
    pub fn days(self) -> [(&'static str, Text); 7] {
        [
            ("mon", self.mon),
            ("tue", self.tue),
            ("wed", self.wed),
            ("thu", self.thu),
            ("fri", self.fri),
            ("sat", self.sat),
            ("sun", self.sun),
        ]
    }
}

/// `[sync]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawSync {
    pub feed_url: Text,
    pub feed_id: Text,
    pub trusted_keys: Option<Spanned<Vec<Spanned<String>>>>,
    pub interval: Text,
    pub timeout: Text,
    pub max_shard_size: Text,
    pub max_documents: Integer,
    pub attachment_budget: Text,
    pub disk_reserve: Text,
    pub redirect_hosts: Option<Spanned<Vec<Spanned<String>>>>,
    pub in_kiosk: Flag,
}

/// `[cache]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawCache {
    pub data_dir: Text,
}

/// `[admin]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawAdmin {
    pub pin_hash: Text,
    pub lockout_attempts: Integer,
    pub lockout: Text,
}

/// `[stats]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawStats {
    pub retention_days: Integer,
    pub report_url: Text,
}

/// `[print]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawPrint {
    pub enabled: Flag,
    pub printer: Text,
    pub max_pages_per_job: Integer,
    pub max_pages_per_day: Integer,
    pub hold_jobs: Flag,
    pub font: Text,
}

/// `[log]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawLog {
    pub level: Text,
    pub max_size: Text,
    pub max_files: Integer,
}
