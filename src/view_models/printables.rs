//! What 打印 prints on each screen: a screen's data (in the visitor's script) turned into a
//! [`Printable`] with its provenance (索引号, 发布机构, 公开日期, content version, cache date,
//! print time, portal link). Runs on the store worker, like `load`.
//!
//! Must never: talk to the printer or write the PDF (that is `crate::print`), or put anything a
//! visitor typed into the provenance.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::Display;
use super::document::{self, DocumentPageData};
use super::qr::portal_link;
use super::report::{self, ReportData};
use super::report_table::{CellKind, TableLayout};
use crate::print::layout::{Block, Printable, Provenance, Table, TableCell};
use crate::store::{Store, StoreError};

/// The facts every printed page carries that come from the kiosk, not the document.
#[derive(Debug, Clone)]
pub struct PrintContext {
    /// The kiosk's time zone (`display.time_zone`).
    pub time_zone: TimeZone,
    /// Now (the print time).
    pub now: Timestamp,
    /// `kiosk.portal_url` (else the feed's portal).
    pub portal_url: Option<String>,
    /// 大字打印.
    pub large: bool,
    /// The visitor's script.
    pub display: Display,
}

impl PrintContext {
    fn local(&self, at: Timestamp) -> String {
        at.to_zoned(self.time_zone.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// The provenance of the cache's content, with the document's own facts left empty.
    pub fn provenance(&self, store: &Store) -> Result<Provenance, StoreError> {
        let version = store
            .meta("content_version")?
            .unwrap_or_else(|| "—".to_owned());
        let cache_updated = store
            .meta("content_applied_at")?
            .and_then(|t| t.parse::<Timestamp>().ok())
            .map(|t| self.local(t))
            .unwrap_or_else(|| "—".to_owned());
        Ok(Provenance {
            content_version: version,
            cache_updated,
            printed_at: self.local(self.now),
            ..Provenance::default()
        })
    }
}

/// The document screen's content on paper: title, the catalogue metadata, summary, body and the
/// list of attachments. `None` when the document is not in the cache.
pub fn document(
    store: &Store,
    id: &str,
    context: &PrintContext,
) -> Result<Option<(Printable, String)>, StoreError> {
    let Some(data) = document::load(store, id, context.portal_url.as_deref(), context.display)?
    else {
        return Ok(None);
    };
    let mut provenance = context.provenance(store)?;
    provenance.portal_url = context
        .portal_url
        .as_deref()
        .and_then(|url| portal_link(url, id));
    let title = data.title.clone();
    Ok(Some((
        document_printable(&data, provenance, context),
        title,
    )))
}

/// The printable of loaded document data (pure).
pub fn document_printable(
    data: &DocumentPageData,
    mut provenance: Provenance,
    context: &PrintContext,
) -> Printable {
    let d = |s: &str| context.display.text(s);
    let mut blocks = vec![Block::Title(data.title.clone())];
    if let Some(entry) = &data.entry {
        provenance.index_no = Some(entry.index_no.clone()).filter(|s| !s.is_empty());
        provenance.publisher = entry.publisher.clone();
        provenance.published = Some(entry.published_date.clone()).filter(|s| !s.is_empty());
        let rows: Vec<(String, String)> = [
            ("索引号", &entry.index_no),
            ("文号", &entry.doc_number),
            ("发布机构", &entry.publisher),
            ("生成日期", &entry.generated_date),
            ("公开日期", &entry.published_date),
            ("主题分类", &entry.topic),
            ("公开方式", &entry.disclosure_mode),
            ("时效", &entry.time_limit),
            ("有效性", &entry.validity),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(label, value)| (d(label), value.clone()))
        .collect();
        blocks.push(Block::Fields(rows));
    }
    if !data.summary.is_empty() {
        blocks.push(Block::Heading(d("内容概述")));
        blocks.push(Block::Paragraph(data.summary.clone()));
    }
    if !data.paragraphs.is_empty() {
        blocks.push(Block::Heading(d("正文")));
        blocks.push(Block::Paragraph(data.paragraphs.join("\n")));
    }
    if !data.attachments.is_empty() {
        blocks.push(Block::Heading(d("附件")));
        blocks.push(Block::Paragraph(
            data.attachments
                .iter()
                .map(|a| format!("{}（{}，{}）", a.name, a.kind, a.size))
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    Printable {
        blocks,
        provenance,
        large: context.large,
    }
}

/// The report screen's content on paper: title, key figures, every section with its passages
/// and statistical tables (header repeated on each sheet a table runs onto).
pub fn report(
    store: &Store,
    id: &str,
    context: &PrintContext,
) -> Result<Option<(Printable, String)>, StoreError> {
    let Some(data) = report::load(store, id, context.display)? else {
        return Ok(None);
    };
    let typed = report::annual_report(store, id)?;
    let mut provenance = context.provenance(store)?;
    if let Some(typed) = &typed {
        provenance.index_no = typed.index_no.clone();
        provenance.publisher = context.display.text(&typed.agency.name);
        provenance.published = Some(typed.published_date.to_string());
    }
    provenance.portal_url = context
        .portal_url
        .as_deref()
        .and_then(|url| portal_link(url, id));
    let title = data.title.clone();
    Ok(Some((report_printable(&data, provenance, context), title)))
}

/// The printable of loaded report data (pure).
pub fn report_printable(
    data: &ReportData,
    provenance: Provenance,
    context: &PrintContext,
) -> Printable {
    let mut blocks = vec![Block::Title(data.title.clone())];
    if !data.meta.is_empty() {
        blocks.push(Block::Paragraph(data.meta.clone()));
    }
    if let Some(preamble) = &data.preamble {
        blocks.push(Block::Paragraph(preamble.text.clone()));
    }
    if !data.key_figures.is_empty() {
        blocks.push(Block::Fields(
            data.key_figures
                .iter()
                .map(|f| (f.label.clone(), f.display.clone()))
                .collect(),
        ));
    }
    for section in &data.sections {
        blocks.push(Block::Heading(section.heading.clone()));
        for block in &section.blocks {
            if !block.heading.is_empty() {
                blocks.push(Block::Heading(block.heading.clone()));
            }
            if !block.text.is_empty() {
                blocks.push(Block::Paragraph(block.text.clone()));
            }
        }
        for table in &section.tables {
            blocks.push(Block::Table(table_of(table)));
        }
        if !section.note.is_empty() {
            blocks.push(Block::Paragraph(section.note.clone()));
        }
    }
    Printable {
        blocks,
        provenance,
        large: context.large,
    }
}

/// A report table's screen layout as a printed grid.
pub fn table_of(layout: &TableLayout) -> Table {
    let mut column_em = vec![0.0f32; layout.columns];
    // Column widths: from the single-column cells' laid-out widths (em).
    for cell in &layout.cells {
        if cell.col_span == 1
            && let Some(width) = column_em.get_mut(cell.col)
        {
            *width = width.max(cell.width);
        }
    }
    for width in &mut column_em {
        if *width <= 0.0 {
            *width = 2.0;
        }
    }
    Table {
        caption: layout.caption.clone(),
        column_em,
        header_rows: layout.header_rows,
        rows: layout.header_rows + layout.body_rows,
        cells: layout
            .cells
            .iter()
            .map(|cell| TableCell {
                text: cell.text.clone(),
                row: cell.row,
                col: cell.col,
                row_span: cell.row_span.max(1),
                col_span: cell.col_span.max(1),
                shaded: matches!(
                    cell.kind,
                    CellKind::Corner | CellKind::ColumnHeader | CellKind::Total
                ),
                numeric: matches!(cell.kind, CellKind::Value | CellKind::Total),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_models::document::{AttachmentData, EntryFields};

    fn context() -> PrintContext {
        PrintContext {
            time_zone: TimeZone::fixed(jiff::tz::offset(8)),
            now: "2026-12-06T02:15:00Z"
                .parse()
                .unwrap_or(Timestamp::UNIX_EPOCH),
            portal_url: None,
            large: false,
            display: Display::default(),
        }
    }

    #[test]
    fn a_catalogue_entry_prints_its_metadata_and_provenance() {
        let data = DocumentPageData {
            id: "ce-1".into(),
            kind: "catalogue_entry".into(),
            title: "关于印发某办法的通知".into(),
            entry: Some(EntryFields {
                index_no: "008176219/2013-00012".into(),
                publisher: "乐山市政务服务中心".into(),
                published_date: "2013-03-28".into(),
                ..EntryFields::default()
            }),
            summary: "概述".into(),
            paragraphs: vec!["第一段".into(), "第二段".into()],
            attachments: vec![AttachmentData {
                name: "附件.pdf".into(),
                kind: "PDF".into(),
                size: "1.2 MB".into(),
            }],
            ..DocumentPageData::default()
        };
        let context = context();
        let provenance = Provenance {
            printed_at: context.local(context.now),
            ..Provenance::default()
        };
        let printable = document_printable(&data, provenance, &context);
        assert_eq!(
            printable.provenance.index_no.as_deref(),
            Some("008176219/2013-00012")
        );
        assert_eq!(printable.provenance.publisher, "乐山市政务服务中心");
        assert_eq!(printable.provenance.printed_at, "2026-12-06 10:15");
        assert!(
            printable
                .blocks
                .contains(&Block::Paragraph("第一段\n第二段".into()))
        );
        assert!(
            printable
                .blocks
                .contains(&Block::Paragraph("附件.pdf（PDF，1.2 MB）".into()))
        );
    }
}
