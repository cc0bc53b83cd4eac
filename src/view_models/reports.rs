//! Annual reports list (年度报告): every cached report grouped by year, newest first, with its
//! agency; and, when two or more reports of one agency share a standard format with tables, a
//! year-over-year chart of the key rows of the applications table.
//!
//! Must never mix figures of different formats or agencies in one chart, run SQL directly, or
//! build Slint values off the UI thread.

use std::collections::BTreeMap;

use slint::ComponentHandle;

use super::report::annual_report;
use super::report_table::group_thousands;
use super::{Display, model};
use crate::content::{AnnualReport, table_value};
use crate::store::{Store, StoreError};
use crate::ui::{AppWindow, ChartBar, ChartSeries, ReportRowView, ReportYearView, ReportsAdapter};

/// The rows of the applications table (表三) compared year over year: table, row, column and
/// the figure's name.
const CHART_ROWS: [(&str, &str, &str, &str); 3] = [
    (
        "t3_applications",
        "new",
        "total",
        "本年新收政府信息公开申请（件）",
    ),
    ("t3_applications", "granted", "total", "予以公开（件）"),
    (
        "t3_applications",
        "result_total",
        "total",
        "本年度办理结果总计（件）",
    ),
];

/// One report in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowData {
    pub id: String,
    pub title: String,
    pub meta: String,
    pub tag: String,
}

/// The reports of one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearData {
    pub year: String,
    pub reports: Vec<RowData>,
}

/// One bar: a year's value of a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct BarData {
    pub year: i32,
    pub value: f64,
}

/// One figure over the years, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesData {
    pub label: String,
    pub bars: Vec<BarData>,
}

/// The year-over-year chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub title: String,
    pub series: Vec<SeriesData>,
}

/// The list screen's data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportsData {
    pub years: Vec<YearData>,
    pub chart: Option<ChartData>,
}

impl ReportsData {
    /// The page as plain text, for read-aloud.
    pub fn speech_text(&self) -> String {
        let mut text = String::from("政府信息公开工作年度报告。");
        for year in &self.years {
            text.push_str(&year.year);
            text.push('：');
            for report in &year.reports {
                text.push_str(&report.title);
                text.push('。');
            }
        }
        text
    }
}

/// Loads the list and, when there is something to compare, the chart.
pub fn load(store: &Store, display: Display) -> Result<ReportsData, StoreError> {
    let rows = store.annual_reports()?;
    let mut years: Vec<YearData> = Vec::new();
    let mut reports: Vec<AnnualReport> = Vec::new();
    for row in rows {
        let report = annual_report(store, &row.id)?;
        let year = match row.year {
            Some(year) => display.text(&format!("{year}年度")),
            None => display.text("年度不详"),
        };
        let mut meta = row.publisher.clone().unwrap_or_default();
        if let Some(date) = &row.date {
            if !meta.is_empty() {
                meta.push('　');
            }
            meta.push_str(&format!("公开日期 {date}"));
        }
        let tag = match &report {
            Some(report) if !report.tables.is_empty() => "统一格式",
            _ => "文字报告",
        };
        let item = RowData {
            id: row.id.clone(),
            title: display.text(&row.title),
            meta: display.text(&meta),
            tag: display.text(tag),
        };
        match years.last_mut() {
            Some(last) if last.year == year => last.reports.push(item),
            _ => years.push(YearData {
                year,
                reports: vec![item],
            }),
        }
        reports.extend(report);
    }
    Ok(ReportsData {
        years,
        chart: chart(&reports, display),
    })
}

/// The chart of the largest group of reports by one agency in one format with tables, when it
/// has two or more years; `None` otherwise.
pub fn chart(reports: &[AnnualReport], display: Display) -> Option<ChartData> {
    let mut groups: BTreeMap<(&str, &str), Vec<&AnnualReport>> = BTreeMap::new();
    for report in reports.iter().filter(|r| !r.tables.is_empty()) {
        groups
            .entry((report.agency.id.as_str(), report.format_id.as_str()))
            .or_default()
            .push(report);
    }
    let mut group = groups.into_values().max_by_key(|group| group.len())?;
    group.sort_by_key(|report| report.year);
    group.dedup_by_key(|report| report.year);
    if group.len() < 2 {
        return None;
    }
    let series: Vec<SeriesData> = CHART_ROWS
        .iter()
        .filter_map(|(table, row, col, label)| {
            let bars: Vec<BarData> = group
                .iter()
                .filter_map(|report| {
                    table_value(report, table, row, col).map(|value| BarData {
                        year: report.year,
                        value,
                    })
                })
                .collect();
            (bars.len() >= 2).then(|| SeriesData {
                label: display.text(label),
                bars,
            })
        })
        .collect();
    if series.is_empty() {
        return None;
    }
    let first = group.first()?;
    let last = group.last()?;
    Some(ChartData {
        title: display.text(&format!(
            "{}历年依申请公开办理情况（{}—{}年）",
            first.agency.name, first.year, last.year
        )),
        series,
    })
}

/// Puts the list and the chart on the window.
pub fn apply(app: &AppWindow, data: ReportsData, display: Display) {
    let adapter = app.global::<ReportsAdapter>();
    adapter.set_years(model(
        data.years
            .into_iter()
            .map(|year| ReportYearView {
                year: year.year.into(),
                reports: model(
                    year.reports
                        .into_iter()
                        .map(|report| ReportRowView {
                            id: report.id.into(),
                            title: report.title.into(),
                            meta: report.meta.into(),
                            tag: report.tag.into(),
                        })
                        .collect(),
                ),
            })
            .collect(),
    ));
    let (title, series) = match data.chart {
        Some(chart) => (chart.title, chart.series),
        None => (String::new(), Vec::new()),
    };
    adapter.set_chart_title(title.into());
    adapter.set_chart(model(
        series
            .into_iter()
            .map(|series| {
                let max = series.bars.iter().map(|b| b.value).fold(0.0, f64::max);
                ChartSeries {
                    bars: model(
                        series
                            .bars
                            .iter()
                            .map(|bar| {
                                let year = display.text(&format!("{}年", bar.year));
                                let text = group_thousands(bar.value);
                                ChartBar {
                                    label: format!("{} {year} {text}", series.label).into(),
                                    year: year.into(),
                                    fraction: if max > 0.0 {
                                        (bar.value / max) as f32
                                    } else {
                                        0.0
                                    },
                                    text: text.into(),
                                }
                            })
                            .collect(),
                    ),
                    label: series.label.into(),
                }
            })
            .collect(),
    ));
    adapter.set_loaded(true);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_models::bundled_store;

    #[test]
    fn the_bundled_reports_are_listed_newest_year_first_without_a_chart() {
        let store = bundled_store();
        let data = load(&store, Display::default()).unwrap();
        let years: Vec<&str> = data.years.iter().map(|y| y.year.as_str()).collect();
        assert_eq!(years, vec!["2022年度", "2012年度"]);
        assert_eq!(data.years[0].reports[0].id, "ar-ls-zwzx-2022-sample");
        assert_eq!(data.years[0].reports[0].tag, "统一格式");
        assert_eq!(data.years[1].reports[0].tag, "文字报告");
        assert!(
            data.years[1].reports[0]
                .meta
                .contains("乐山市人民政府政务服务中心"),
            "{:?}",
            data.years[1].reports[0]
        );
        assert!(
            data.chart.is_none(),
            "one standard report is nothing to compare"
        );
    }

    #[test]
    fn two_reports_of_one_format_make_a_chart_oldest_year_first() {
        let store = bundled_store();
        let sample = annual_report(&store, "ar-ls-zwzx-2022-sample")
            .unwrap()
            .unwrap();
        let mut earlier = sample.clone();
        earlier.year = 2021;
        if let Some(table) = earlier
            .tables
            .iter_mut()
            .find(|t| t.template_table_id == "t3_applications")
        {
            table
                .cells
                .get_mut("new")
                .unwrap()
                .insert("total".into(), crate::content::CellValue::Int(1234));
        }
        let data = chart(&[sample.clone(), earlier], Display::default()).unwrap();
        assert_eq!(data.series.len(), 3);
        let new = &data.series[0];
        assert_eq!(
            new.bars[0],
            BarData {
                year: 2021,
                value: 1234.0
            }
        );
        assert_eq!(
            new.bars[1],
            BarData {
                year: 2022,
                value: 12.0
            }
        );
        assert!(data.title.contains("2021—2022"), "{}", data.title);

        // A text-only report never counts.
        let text_only = annual_report(&store, "ar-ls-zwzx-2012").unwrap().unwrap();
        assert!(chart(&[sample, text_only], Display::default()).is_none());
    }
}
