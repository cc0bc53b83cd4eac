//! Fleet operations: the one status document a terminal reports about itself
//! (`readpoint status --json`, the heartbeat's body, `docs/heartbeat.md`) and the heartbeat that
//! POSTs it to `stats.report_url`.
//!
//! Owns: the document's shape and schema version ([`status`]), the facts gathered from the
//! machine (uptime and the kiosk's start marker in [`uptime`], disk space in [`disk`]), and the
//! sender ([`heartbeat`]).
//! Never: blocks the UI thread, the store worker or the sync (the heartbeat runs on its own
//! thread with its own connection and runtime), retries without bound, prints, or sends
//! anything about a visitor.

pub mod disk;
pub mod heartbeat;
pub mod status;
pub mod uptime;

pub use heartbeat::{Heartbeat, HeartbeatSettings, send_blocking};
pub use status::{Collector, ConfigFallback, Producer, RunningOn, SCHEMA, StatusDocument};

use std::sync::Arc;

use crate::config::{Config, Paths};

/// What the running kiosk keeps for the fleet: its start marker (its uptime for other
/// processes) and, when `stats.report_url` is set, its heartbeat. Dropping it removes the
/// marker and lets the heartbeat thread end on its own.
pub struct KioskReporting {
    _marker: Option<uptime::Marker>,
    heartbeat: Option<Heartbeat>,
}

impl KioskReporting {
    /// Records the marker in the data folder and starts the heartbeat (if configured), whose
    /// documents carry `config_fallback` when the configuration file is invalid. Failures are
    /// logged; the kiosk runs without them.
    pub fn start(
        config: &Config,
        paths: &Paths,
        cache_path: std::path::PathBuf,
        config_fallback: Option<&crate::config::last_good::Fallback>,
    ) -> KioskReporting {
        let now = jiff::Timestamp::now();
        let marker = match uptime::Marker::record(&paths.data_dir, now) {
            Ok(marker) => Some(marker),
            Err(e) => {
                tracing::warn!(
                    "cannot record the kiosk's start in {}: {e}; other processes will not see its uptime",
                    paths.data_dir.display()
                );
                None
            }
        };
        let start = marker
            .as_ref()
            .map(|m| m.start.clone())
            .or_else(|| uptime::KioskStart::this_process(now));
        let heartbeat = HeartbeatSettings::from_config(config).and_then(|settings| {
            let mut collector = Collector::new(config, paths, Producer::Kiosk)
                .with_config_fallback(config_fallback);
            if let Some(start) = start {
                collector = collector.with_kiosk_start(start);
            }
            match Heartbeat::spawn(settings, collector, cache_path) {
                Ok(heartbeat) => Some(heartbeat),
                Err(e) => {
                    tracing::error!("the heartbeat thread did not start; no heartbeats: {e}");
                    None
                }
            }
        });
        KioskReporting {
            _marker: marker,
            heartbeat,
        }
    }

    /// What the sync calls after each check: asks for a heartbeat (returns at once).
    pub fn after_sync(&self) -> Option<Arc<dyn Fn() + Send + Sync>> {
        self.heartbeat.as_ref().map(Heartbeat::notifier)
    }
}
