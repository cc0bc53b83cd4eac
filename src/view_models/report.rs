//! Report reading (年度报告): one annual report — title and period, key figures exactly as the
//! report words them (qualifiers such as 余 kept), the sections with their passages and
//! subsections, the statistical tables laid out by `report_table`, and the Traditional original
//! for 查看原文.
//!
//! Must never show a key figure's raw number instead of its wording, run SQL directly, or build
//! Slint values off the UI thread.

use slint::{ComponentHandle, SharedString};

use super::report_table::{self, TableLayout};
use super::{Display, model};
use crate::content::{AnnualReport, DocumentData, Passage, ReportFormat};
use crate::store::{Store, StoreError};
use crate::ui::{AppWindow, KeyFigureView, ReportAdapter, ReportBlockView, ReportSectionView};

/// A passage or subsection in the visitor's script, with its original wording.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlockData {
    /// Subsection heading (（一）…); empty for a plain paragraph.
    pub heading: String,
    pub text: String,
    /// The Traditional original, heading included; empty when there is none.
    pub original: String,
}

/// One section of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionData {
    pub heading: String,
    pub original_heading: String,
    pub blocks: Vec<BlockData>,
    pub tables: Vec<TableLayout>,
    pub note: String,
}

/// A key figure: its label and the report's wording (never the bare number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureData {
    pub label: String,
    pub display: String,
    pub approximate: bool,
}

/// The report screen's data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportData {
    pub title: String,
    pub original_title: String,
    pub meta: String,
    pub illustrative_note: String,
    pub preamble: Option<BlockData>,
    pub key_figures: Vec<FigureData>,
    pub sections: Vec<SectionData>,
    /// The report was converted from Traditional: 查看原文 is offered.
    pub has_original: bool,
}

impl ReportData {
    /// The page as plain text, for read-aloud (tables are left to the eye).
    pub fn speech_text(&self) -> String {
        let mut text = format!("{}。", self.title);
        if let Some(preamble) = &self.preamble {
            text.push_str(&preamble.text);
        }
        for figure in &self.key_figures {
            text.push_str(&format!("{}：{}。", figure.label, figure.display));
        }
        for section in &self.sections {
            text.push_str(&section.heading);
            text.push('。');
            for block in &section.blocks {
                if !block.heading.is_empty() {
                    text.push_str(&block.heading);
                    text.push('。');
                }
                text.push_str(&block.text);
            }
        }
        text
    }
}

fn passage(passage: &Passage, display: Display) -> BlockData {
    BlockData {
        heading: String::new(),
        text: display.text(&passage.text),
        original: passage.original_zh_hant.clone().unwrap_or_default(),
    }
}

/// The typed annual report `id`, if the cache has one.
pub(crate) fn annual_report(store: &Store, id: &str) -> Result<Option<AnnualReport>, StoreError> {
    let Some(row) = store.document(id)? else {
        return Ok(None);
    };
    Ok(match row.document.data {
        DocumentData::AnnualReport(report) => Some(report),
        _ => None,
    })
}

/// The report format `id`, if the cache has it.
pub(crate) fn report_format(store: &Store, id: &str) -> Result<Option<ReportFormat>, StoreError> {
    let Some(row) = store.document(id)? else {
        return Ok(None);
    };
    Ok(match row.document.data {
        DocumentData::ReportFormat(format) => Some(format),
        _ => None,
    })
}

/// Loads report `id`; `None` when the cache has no such annual report.
pub fn load(store: &Store, id: &str, display: Display) -> Result<Option<ReportData>, StoreError> {
    let Some(report) = annual_report(store, id)? else {
        return Ok(None);
    };
    let format = if report.tables.is_empty() {
        None
    } else {
        report_format(store, &report.format_id)?
    };
    if format.is_none() && !report.tables.is_empty() {
        tracing::warn!(?id, format = ?report.format_id, "the report's format is not cached; its tables are not shown");
    }
    let has_original = report.original.is_some()
        || report.sections.iter().any(|s| {
            s.paragraphs.iter().any(|p| p.original_zh_hant.is_some())
                || s.subsections.iter().any(|s| s.original_zh_hant.is_some())
        });
    let mut meta = format!(
        "{}　统计期限 {} 至 {}　公开日期 {}",
        report.agency.name,
        report.statistical_period.from,
        report.statistical_period.to,
        report.published_date
    );
    if let Some(index_no) = &report.index_no {
        meta.push_str(&format!("　索引号 {index_no}"));
    }
    let sections = report
        .sections
        .iter()
        .map(|section| {
            let mut blocks: Vec<BlockData> = section
                .paragraphs
                .iter()
                .map(|p| passage(p, display))
                .collect();
            blocks.extend(section.subsections.iter().map(|sub| BlockData {
                heading: display.text(&format!("（{}）{}", sub.no, sub.title)),
                text: display.text(&sub.text),
                original: sub.original_zh_hant.clone().unwrap_or_default(),
            }));
            let tables = section
                .tables
                .iter()
                .filter_map(|table_id| {
                    let template = format.as_ref()?.table(table_id)?;
                    let cells = &report.table(table_id)?.cells;
                    Some(report_table::layout(template, cells, display))
                })
                .collect();
            SectionData {
                heading: display.text(&section.heading()),
                original_heading: section
                    .title_original_zh_hant
                    .as_ref()
                    .map(|title| format!("{}、{title}", section.no))
                    .unwrap_or_default(),
                blocks,
                tables,
                note: section
                    .editorial_note
                    .as_deref()
                    .map(|note| display.text(note))
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok(Some(ReportData {
        title: display.text(&report.title),
        original_title: report
            .original
            .as_ref()
            .and_then(|o| o.title.clone())
            .unwrap_or_default(),
        meta: display.text(&meta),
        illustrative_note: if report.illustrative {
            display.text(
                report
                    .illustrative_note
                    .as_deref()
                    .unwrap_or("本报告为格式示例，数字均为虚构。"),
            )
        } else {
            String::new()
        },
        preamble: report.preamble.as_ref().map(|p| passage(p, display)),
        key_figures: report
            .key_figures
            .iter()
            .map(|figure| FigureData {
                label: display.text(&figure.label),
                display: display.text(figure.display()),
                approximate: figure.is_approximate(),
            })
            .collect(),
        sections,
        has_original,
    }))
}

fn block_view(block: BlockData) -> ReportBlockView {
    ReportBlockView {
        heading: block.heading.into(),
        text: block.text.into(),
        original: block.original.into(),
    }
}

/// Puts the report on the window.
pub fn apply(app: &AppWindow, data: ReportData) {
    let adapter = app.global::<ReportAdapter>();
    adapter.set_title(data.title.into());
    adapter.set_original_title(data.original_title.into());
    adapter.set_meta(data.meta.into());
    adapter.set_illustrative_note(data.illustrative_note.into());
    adapter.set_preamble(block_view(data.preamble.unwrap_or_default()));
    adapter.set_has_original(data.has_original);
    adapter.set_key_figures(model(
        data.key_figures
            .into_iter()
            .map(|figure| KeyFigureView {
                label: figure.label.into(),
                display: figure.display.into(),
                approximate: figure.approximate,
            })
            .collect(),
    ));
    adapter.set_sections(model(
        data.sections
            .into_iter()
            .map(|section| ReportSectionView {
                heading: section.heading.into(),
                original_heading: SharedString::from(section.original_heading),
                blocks: model(section.blocks.into_iter().map(block_view).collect()),
                tables: model(section.tables.iter().map(TableLayout::to_view).collect()),
                note: section.note.into(),
            })
            .collect(),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        super::super::bundled_store()
    }

    #[test]
    fn key_figures_keep_their_qualifier_and_wording() {
        let report = load(&store(), "ar-ls-zwzx-2012", Display::default())
            .unwrap()
            .unwrap();
        let items = report
            .key_figures
            .iter()
            .find(|f| f.display.contains("20万余条"))
            .expect("the 20万余条 figure");
        assert!(items.approximate);
        assert!(
            !report.key_figures.iter().any(|f| f.display == "200000"),
            "{:?}",
            report.key_figures
        );
        let attendees = report
            .key_figures
            .iter()
            .find(|f| f.display == "150余人")
            .unwrap();
        assert!(attendees.approximate);
        assert!(
            report
                .key_figures
                .iter()
                .any(|f| f.display == "2名" && !f.approximate)
        );
    }

    #[test]
    fn a_converted_report_has_its_original_and_no_tables() {
        let report = load(&store(), "ar-ls-zwzx-2012", Display::default())
            .unwrap()
            .unwrap();
        assert!(report.has_original);
        assert_eq!(report.sections.len(), 7);
        assert!(report.sections.iter().all(|s| s.tables.is_empty()));
        let first = &report.sections[0];
        assert_eq!(first.heading, "一、开展政府信息公开工作基本情况");
        assert_eq!(first.original_heading, "一、開展政府信息公開工作基本情況");
        assert_eq!(first.blocks[0].heading, "（一）工作机构和人员落实情况");
        assert!(first.blocks[0].original.starts_with("(一)工作機構"));
        assert!(report.speech_text().contains("20万余条"));
    }

    #[test]
    fn a_standard_report_lays_out_its_tables_in_their_sections() {
        let report = load(&store(), "ar-ls-zwzx-2022-sample", Display::default())
            .unwrap()
            .unwrap();
        assert!(!report.has_original);
        assert!(!report.illustrative_note.is_empty());
        let tables: Vec<usize> = report.sections.iter().map(|s| s.tables.len()).collect();
        assert_eq!(tables, vec![0, 4, 1, 1, 0, 0]);
        let t3 = &report.sections[2].tables[0];
        assert_eq!(t3.fixed_columns, 3);
        assert_eq!(t3.body_rows, 25);

        let traditional = load(
            &store(),
            "ar-ls-zwzx-2022-sample",
            Display { traditional: true },
        )
        .unwrap()
        .unwrap();
        assert!(
            traditional.sections[2].heading.contains("處理"),
            "{}",
            traditional.sections[2].heading
        );
    }

    #[test]
    fn an_unknown_id_loads_nothing() {
        assert!(
            load(&store(), "no-such-report", Display::default())
                .unwrap()
                .is_none()
        );
        assert!(
            load(&store(), "gov-2021", Display::default())
                .unwrap()
                .is_none()
        );
    }
}
