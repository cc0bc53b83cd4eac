//! The staff screen's panels: the terminal's status (the fleet status document, formatted for
//! people), the recent log lines, and the usage counts of today and the last 30 days.
//!
//! `load` functions run on the store worker and return plain data; `apply` runs on the UI
//! thread. Must never: show anything about a visitor beyond the anonymous counts, or query the
//! store on the UI thread.

use crate::fleet::StatusDocument;
use crate::store::{Store, StoreError, UsageCounters};
use crate::ui::StaffStatusView;

/// Log lines shown at most (the newest).
pub const LOG_LINES: usize = 200;

/// Days the usage panel's second column adds up, today included.
pub const USAGE_DAYS: i64 = 30;

/// The status as the staff screen shows it (plain data, made on the worker).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusView {
    /// Empty, or: the configuration file is invalid and the kiosk runs on the last one that
    /// loaded (shown above everything on the staff screen).
    pub config_warning: String,
    pub terminal_id: String,
    pub location: String,
    pub app_version: String,
    pub content_version: String,
    pub content_date: String,
    pub stale: String,
    pub is_stale: bool,
    pub last_check: String,
    pub last_success: String,
    pub last_error: String,
    pub next_check: String,
    pub cache_size: String,
    pub free_disk: String,
    pub documents: String,
    pub uptime: String,
}

impl From<StatusView> for StaffStatusView {
    fn from(view: StatusView) -> Self {
        StaffStatusView {
            config_warning: view.config_warning.into(),
            terminal_id: view.terminal_id.into(),
            location: view.location.into(),
            app_version: view.app_version.into(),
            content_version: view.content_version.into(),
            content_date: view.content_date.into(),
            stale: view.stale.into(),
            is_stale: view.is_stale,
            last_check: view.last_check.into(),
            last_success: view.last_success.into(),
            last_error: view.last_error.into(),
            next_check: view.next_check.into(),
            cache_size: view.cache_size.into(),
            free_disk: view.free_disk.into(),
            documents: view.documents.into(),
            uptime: view.uptime.into(),
        }
    }
}

/// Formats the status document for staff: local times, sizes in MiB/GiB, durations in days
/// and hours, "—" for what is not known.
pub fn status_view(document: &StatusDocument, zone: &jiff::tz::TimeZone) -> StatusView {
    let time = |t: &Option<String>| local_time(t.as_deref(), zone);
    let content = &document.content;
    let sync = &document.sync;
    let never_syncs = sync.feed_url.is_none();
    let total: u64 = content.documents.iter().map(|k| k.count).sum();
    let by_kind = content
        .documents
        .iter()
        .map(|k| format!("{} {}", k.kind, k.count))
        .collect::<Vec<_>>()
        .join("，");
    StatusView {
        config_warning: document
            .config_fallback
            .as_ref()
            .map(|fallback| config_warning(fallback, zone))
            .unwrap_or_default(),
        terminal_id: document.terminal.id.clone().unwrap_or_default(),
        location: document
            .terminal
            .location
            .clone()
            .unwrap_or_else(|| "—".into()),
        app_version: document.app.version.to_owned(),
        content_version: content.version.clone().unwrap_or_else(|| "—".into()),
        content_date: time(&content.published_at),
        stale: match &content.stale_reason {
            Some(reason) => format!("可能过期：{reason}"),
            None => "最新".to_owned(),
        },
        is_stale: content.stale,
        last_check: if never_syncs {
            "未配置同步源（sync.feed_url）".to_owned()
        } else {
            time(&sync.last_check)
        },
        last_success: time(&sync.last_success),
        last_error: match &sync.last_error {
            Some(error) => format!(
                "{}（{}）：{}",
                local_time(Some(&error.at), zone),
                error.class,
                error.message
            ),
            None => "无".to_owned(),
        },
        next_check: time(&sync.next_check),
        cache_size: super::size_text(document.disk.cache_bytes),
        free_disk: match (document.disk.free_bytes, document.disk.total_bytes) {
            (Some(free), Some(total)) => {
                format!(
                    "{}（共 {}）",
                    super::size_text(free),
                    super::size_text(total)
                )
            }
            (Some(free), None) => super::size_text(free),
            _ => "—".to_owned(),
        },
        documents: if by_kind.is_empty() {
            total.to_string()
        } else {
            format!("{total}（{by_kind}）")
        },
        uptime: document
            .uptime
            .kiosk
            .as_ref()
            .map_or_else(|| "—".to_owned(), |k| duration_text(k.seconds)),
    }
}

/// Problems listed at most in the staff screen's warning (`readpoint config check` lists all).
const WARNING_ERRORS: usize = 6;

/// The staff screen's warning about an invalid configuration file: which file, what the kiosk
/// runs on instead, what to do, and the first problems.
pub fn config_warning(
    fallback: &crate::fleet::ConfigFallback,
    zone: &jiff::tz::TimeZone,
) -> String {
    let instead = match fallback.running_on {
        crate::fleet::RunningOn::LastGood => format!(
            "本机正在使用上次能正常载入的配置（保存于 {}）",
            local_time(fallback.last_good_saved_at.as_deref(), zone)
        ),
        crate::fleet::RunningOn::Defaults => {
            "本机没有可用的旧配置，正在使用默认设置（未启用同步）".to_owned()
        }
    };
    let mut text = format!(
        "配置文件有错误，未能载入：{}\n{instead}。请修正该文件（readpoint config check 会列出每一处错误），\
         然后点“重新载入配置”。",
        fallback.file
    );
    for error in fallback.errors.iter().take(WARNING_ERRORS) {
        text.push('\n');
        text.push_str(error);
    }
    if fallback.errors.len() > WARNING_ERRORS {
        text.push_str(&format!(
            "\n……另有 {} 处错误",
            fallback.errors.len() - WARNING_ERRORS
        ));
    }
    text
}

/// "YYYY-MM-DD HH:mm" in `zone`, or "—".
fn local_time(rfc3339: Option<&str>, zone: &jiff::tz::TimeZone) -> String {
    rfc3339
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map_or_else(
            || "—".to_owned(),
            |t| zone.to_datetime(t).strftime("%Y-%m-%d %H:%M").to_string(),
        )
}

/// "3 天 4 小时", "2 小时 5 分钟", "40 秒".
pub fn duration_text(seconds: u64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} 秒"),
        (0, 0, m) => format!("{m} 分钟"),
        (0, h, m) => format!("{h} 小时 {m} 分钟"),
        (d, h, _) => format!("{d} 天 {h} 小时"),
    }
}

/// The usage panel's rows: a label, today's count, the last 30 days' count.
pub fn usage_rows(today: &UsageCounters, month: &UsageCounters) -> Vec<(String, u64, u64)> {
    vec![
        ("访问人次（会话）".into(), today.sessions, month.sessions),
        (
            "打开页面".into(),
            today.screens_opened,
            month.screens_opened,
        ),
        (
            "阅读文件".into(),
            today.documents_opened,
            month.documents_opened,
        ),
        ("搜索".into(), today.searches, month.searches),
        (
            "无结果的搜索".into(),
            today.searches_no_hits,
            month.searches_no_hits,
        ),
        (
            "字号、对比度、繁简、朗读切换".into(),
            today.toggles,
            month.toggles,
        ),
        ("打印份数".into(), today.print_jobs, month.print_jobs),
        ("打印页数".into(), today.print_pages, month.print_pages),
    ]
}

/// Today's counters and the sum of the last [`USAGE_DAYS`] days.
pub fn load_usage_counts(
    store: &Store,
    today: jiff::civil::Date,
) -> Result<(UsageCounters, UsageCounters), StoreError> {
    let first = today
        .checked_sub(jiff::Span::new().days(USAGE_DAYS - 1))
        .unwrap_or(today);
    let mut month = UsageCounters {
        date: format!("{first}..{today}"),
        ..UsageCounters::default()
    };
    for day in store.usage_days(first, today)? {
        month.sessions += day.sessions;
        month.screens_opened += day.screens_opened;
        month.documents_opened += day.documents_opened;
        month.searches += day.searches;
        month.searches_no_hits += day.searches_no_hits;
        month.toggles += day.toggles;
        month.print_jobs += day.print_jobs;
        month.print_pages += day.print_pages;
    }
    Ok((store.usage_day(today)?, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(40), "40 秒");
        assert_eq!(duration_text(5 * 60 + 3), "5 分钟");
        assert_eq!(duration_text(2 * 3_600 + 5 * 60), "2 小时 5 分钟");
        assert_eq!(duration_text(3 * 86_400 + 4 * 3_600 + 59), "3 天 4 小时");
    }

    #[test]
    fn an_invalid_configuration_is_a_warning_naming_the_file_the_copy_and_the_errors() {
        let zone = jiff::tz::TimeZone::fixed(jiff::tz::offset(8));
        let mut fallback = crate::fleet::ConfigFallback {
            file: "/etc/readpoint/readpoint.toml".into(),
            running_on: crate::fleet::RunningOn::LastGood,
            last_good_file: Some("/var/lib/readpoint/readpoint.toml.last-good".into()),
            last_good_saved_at: Some("2026-11-29T01:02:03Z".into()),
            errors: (1..=8)
                .map(|line| format!("/etc/readpoint/readpoint.toml:{line}:1: x: bad — fix: y"))
                .collect(),
            message: String::new(),
        };
        let text = config_warning(&fallback, &zone);
        assert!(text.contains("配置文件有错误"), "{text}");
        assert!(text.contains("/etc/readpoint/readpoint.toml"), "{text}");
        assert!(text.contains("保存于 2026-11-29 09:02"), "{text}");
        assert!(text.contains("重新载入配置"), "{text}");
        assert!(text.contains("readpoint.toml:6:1"), "{text}");
        assert!(!text.contains("readpoint.toml:7:1"), "{text}");
        assert!(text.contains("另有 2 处错误"), "{text}");

        fallback.running_on = crate::fleet::RunningOn::Defaults;
        assert!(config_warning(&fallback, &zone).contains("默认设置"));
    }

    #[test]
    fn times_are_local_and_unknown_is_a_dash() {
        let zone = jiff::tz::TimeZone::fixed(jiff::tz::offset(8));
        assert_eq!(
            local_time(Some("2026-11-29T01:02:03Z"), &zone),
            "2026-11-29 09:02"
        );
        assert_eq!(local_time(None, &zone), "—");
        assert_eq!(local_time(Some("yesterday"), &zone), "—");
    }
}
