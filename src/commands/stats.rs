//! `readpoint stats [--from DAY] [--to DAY] [--csv]`: the kiosk's anonymous usage statistics
//! over a period, for a centre's annual report: visits, screens opened, documents read (total,
//! distinct, by category and kind, the top 20 with their titles), the top 20 searches, the top
//! 20 searches with no result, and display settings switched. Text for people, or one tidy CSV
//! table (`section,key,label,count`) for a spreadsheet. Searches counted under `(other)` (texts
//! not yet kept, see `crate::usage`) are labelled as such.
//!
//! Reads the cache only; never counts anything itself (that is `crate::usage`).

use std::process::ExitCode;

use jiff::civil::Date;

use super::{CommandError, Context};
use crate::cli::StatsArgs;
use crate::store::{OVERFLOW_KEY, Store, UsageEvent, UsageTotal};
use crate::view_models::labels::Labels;

/// Entries in each "top" list.
const TOP: usize = 20;

/// One line of the report (one CSV row).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    section: &'static str,
    key: String,
    label: String,
    count: u64,
}

/// The report's sections in order, with their headings in the text output.
const SECTIONS: [(&str, &str); 9] = [
    ("summary", "Summary"),
    ("screen", "Screens opened"),
    ("document_category", "Documents read, by category"),
    ("document_kind", "Documents read, by kind"),
    ("top_document", "Top 20 documents"),
    ("top_search", "Top 20 searches"),
    ("no_result_search", "Top 20 searches with no result"),
    ("toggle", "Display settings switched"),
    ("print_pages", "Pages printed, by what"),
];

/// Most rows of `--demand`.
const MAX_DEMAND_ROWS: usize = 100_000;

/// Prints the statistics of `--from`..=`--to`.
pub fn run(context: &Context, args: &StatsArgs) -> Result<ExitCode, CommandError> {
    let zone = context.config.display.time_zone.zone();
    let today = crate::usage::recorder::local_day(jiff::Timestamp::now(), zone);
    let (from, to) = period(args.from.as_deref(), args.to.as_deref(), today)?;
    let store = context.open_store()?;
    if args.demand {
        let mut out = String::from("date,query,count\r\n");
        for (day, query, count) in
            store.usage_by_day(UsageEvent::SearchNoHits, from, to, MAX_DEMAND_ROWS)?
        {
            out.push_str(&format!("{day},{},{count}\r\n", csv_field(&query)));
        }
        print!("{out}");
        return Ok(ExitCode::SUCCESS);
    }
    let rows = report(&store, from, to)?;
    if args.csv {
        print!("{}", csv(&rows));
    } else {
        print!(
            "{}",
            text(&rows, from, to, context.config.display.time_zone.name())
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The period from the flags: `from` defaults to the first of `today`'s month, `to` to today.
fn period(from: Option<&str>, to: Option<&str>, today: Date) -> Result<(Date, Date), CommandError> {
    let parse = |flag: &str, text: &str| {
        text.trim().parse::<Date>().map_err(|err| {
            CommandError::Other(format!(
                "{flag} {text:?} is not a date ({err}) — fix: write the day as YYYY-MM-DD, \
                 e.g. {flag} 2026-01-31"
            ))
        })
    };
    let from = match from {
        Some(text) => parse("--from", text)?,
        None => today.first_of_month(),
    };
    let to = match to {
        Some(text) => parse("--to", text)?,
        None => today,
    };
    if from > to {
        return Err(CommandError::Other(format!(
            "--from {from} is after --to {to} — fix: give a --from on or before --to \
             (--from defaults to the first day of this month, --to to today)"
        )));
    }
    Ok((from, to))
}

/// Every row of the report over `from..=to`.
fn report(store: &Store, from: Date, to: Date) -> Result<Vec<Row>, CommandError> {
    let totals = store.usage_totals(from, to)?;
    let days = store.usage_days(from, to)?;
    let labels = Labels::load(store)?;
    let of = |event: UsageEvent| totals.iter().filter(move |t| t.event == event);
    let sum = |event: UsageEvent| of(event).map(|t| t.count).sum::<u64>();

    let summary = [
        (
            "visits",
            "visits (visitor sessions)",
            sum(UsageEvent::Session),
        ),
        ("days", "days with activity", days.len() as u64),
        ("screens_opened", "screens opened", sum(UsageEvent::Screen)),
        (
            "documents_read",
            "documents read",
            sum(UsageEvent::Document),
        ),
        (
            "documents_distinct",
            "different documents read",
            of(UsageEvent::Document).count() as u64,
        ),
        ("searches", "searches", sum(UsageEvent::Search)),
        (
            "searches_no_result",
            "searches with no result",
            sum(UsageEvent::SearchNoHits),
        ),
        (
            "settings_switched",
            "display settings switched",
            sum(UsageEvent::Toggle),
        ),
        (
            "print_jobs",
            "print jobs (free printing)",
            sum(UsageEvent::PrintJob),
        ),
        ("print_pages", "pages printed", sum(UsageEvent::PrintPages)),
    ];
    let mut rows: Vec<Row> = summary
        .into_iter()
        .map(|(key, label, count)| Row {
            section: "summary",
            key: key.to_owned(),
            label: label.to_owned(),
            count,
        })
        .collect();

    let mut section =
        |name: &'static str, items: &mut dyn Iterator<Item = (String, String, u64)>| {
            rows.extend(items.map(|(key, label, count)| Row {
                section: name,
                key,
                label,
                count,
            }))
        };
    section(
        "screen",
        &mut of(UsageEvent::Screen).map(|t| (t.key.clone(), screen_label(&t.key), t.count)),
    );
    section(
        "document_category",
        &mut of(UsageEvent::DocumentCategory).map(|t| {
            let label = match t.key.as_str() {
                "" => "(no category)".to_owned(),
                key => other_or(key, || labels.category(key)),
            };
            (t.key.clone(), label, t.count)
        }),
    );
    section(
        "document_kind",
        &mut of(UsageEvent::DocumentKind).map(|t| (t.key.clone(), t.key.clone(), t.count)),
    );
    let mut documents = Vec::new();
    for total in of(UsageEvent::Document).take(TOP) {
        let title = match total.key.as_str() {
            OVERFLOW_KEY => other_label(),
            id => store
                .document(id)?
                .map_or_else(|| "(no longer in the cache)".to_owned(), |row| row.title),
        };
        documents.push((total.key.clone(), title, total.count));
    }
    section("top_document", &mut documents.into_iter());
    let queries = |event| {
        of(event)
            .take(TOP)
            .map(|t: &UsageTotal| {
                let label = match t.key.as_str() {
                    OVERFLOW_KEY => other_queries_label(),
                    key => key.to_owned(),
                };
                (t.key.clone(), label, t.count)
            })
            .collect::<Vec<_>>()
    };
    section("top_search", &mut queries(UsageEvent::Search).into_iter());
    section(
        "no_result_search",
        &mut queries(UsageEvent::SearchNoHits).into_iter(),
    );
    section(
        "toggle",
        &mut of(UsageEvent::Toggle).map(|t| (t.key.clone(), toggle_label(&t.key), t.count)),
    );
    section(
        "print_pages",
        &mut of(UsageEvent::PrintPages).map(|t| (t.key.clone(), t.key.clone(), t.count)),
    );
    Ok(rows)
}

fn other_label() -> String {
    "(others, beyond the daily limit of distinct entries)".to_owned()
}

/// `(other)` among searches: query texts are kept only once enough visitors searched them.
fn other_queries_label() -> String {
    format!(
        "(others: searched in fewer than {} visits that day, older than {} days, or beyond the \
         daily limit)",
        crate::usage::QUERY_MIN_SESSIONS,
        crate::usage::QUERY_RETENTION_DAYS
    )
}

fn other_or(key: &str, label: impl FnOnce() -> String) -> String {
    if key == OVERFLOW_KEY {
        other_label()
    } else {
        label()
    }
}

/// A screen's name as the kiosk shows it.
fn screen_label(key: &str) -> String {
    match key {
        "home" => "首页",
        "guide" => "公开指南",
        "catalogue" => "公开目录",
        "document" => "文件",
        "reports" => "年度报告",
        "report" => "年度报告（单篇）",
        "apply" => "依申请公开",
        "search" => "搜索",
        other => other,
    }
    .to_owned()
}

/// `large_text:on` → `大字 开`.
fn toggle_label(key: &str) -> String {
    let (setting, state) = key.split_once(':').unwrap_or((key, ""));
    let setting = match setting {
        "large_text" => "大字",
        "high_contrast" => "高对比",
        "traditional" => "繁体",
        "speech" => "朗读",
        other => other,
    };
    let state = match state {
        "on" => "开",
        "off" => "关",
        other => other,
    };
    format!("{setting} {state}").trim().to_owned()
}

/// The report as text, one section after another.
fn text(rows: &[Row], from: Date, to: Date, time_zone: &str) -> String {
    let mut out = format!("Usage statistics {from} to {to} (local days, {time_zone})\n");
    for (section, heading) in SECTIONS {
        let lines: Vec<&Row> = rows.iter().filter(|r| r.section == section).collect();
        out.push('\n');
        out.push_str(heading);
        out.push('\n');
        if lines.is_empty() {
            out.push_str("         -  none\n");
        }
        for row in lines {
            let label = match section {
                "summary" => row.label.clone(),
                "top_document" => format!("{}  {}", row.key, row.label.replace('\n', " ")),
                _ if row.label == row.key => row.label.replace('\n', " "),
                _ => format!("{} ({})", row.label, row.key),
            };
            out.push_str(&format!("{:>10}  {label}\n", row.count));
        }
    }
    out
}

/// The report as one CSV table with a header (RFC 4180: fields with a comma, quote or line
/// break are quoted, quotes doubled; lines end in CRLF). A text field that a spreadsheet would
/// run as a formula (starting with = + - @) gets a leading apostrophe.
fn csv(rows: &[Row]) -> String {
    let mut out = String::from("section,key,label,count\r\n");
    for row in rows {
        out.push_str(&format!(
            "{},{},{},{}\r\n",
            row.section,
            csv_field(&row.key),
            csv_field(&row.label),
            row.count
        ));
    }
    out
}

fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn period_defaults_and_errors_name_the_flag() {
        let today = date(2026, 11, 29);
        assert_eq!(
            period(None, None, today).unwrap(),
            (date(2026, 11, 1), today)
        );
        assert_eq!(
            period(Some("2026-01-01"), Some("2026-01-01"), today).unwrap(),
            (date(2026, 1, 1), date(2026, 1, 1))
        );
        let error = period(Some("2026-13-01"), None, today)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("--from \"2026-13-01\" is not a date"),
            "{error}"
        );
        assert!(error.contains("YYYY-MM-DD"), "{error}");
        let error = period(None, Some("yesterday"), today)
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("--to \"yesterday\""), "{error}");
        let error = period(Some("2026-12-01"), None, today)
            .unwrap_err()
            .to_string();
        assert!(error.contains("is after --to 2026-11-29"), "{error}");
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("社保"), "社保");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field(" x"), "\" x\"");
    }

    #[test]
    fn toggle_and_screen_labels() {
        assert_eq!(toggle_label("large_text:on"), "大字 开");
        assert_eq!(toggle_label("speech:off"), "朗读 关");
        assert_eq!(toggle_label("new"), "new");
        assert_eq!(screen_label("catalogue"), "公开目录");
    }
}
