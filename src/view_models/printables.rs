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
use crate::print::layout::{
    Block, ImageFormat, PageImage, Printable, Provenance, Table, TableCell,
};
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

/// Pages `from..=to` (1 = first) of the attachment `reading` names, one A4 sheet each, with the
/// document's provenance on every sheet. `None` when the document, the attachment or one of the
/// pages is not on this kiosk.
pub fn attachment_pages(
    store: &Store,
    reading: &super::viewer::Reading,
    (from, to): (u32, u32),
    context: &PrintContext,
) -> Result<Option<(Printable, String)>, StoreError> {
    let Some(data) = document::load(
        store,
        &reading.document,
        context.portal_url.as_deref(),
        context.display,
    )?
    else {
        return Ok(None);
    };
    let Some(pictures) = super::viewer::page_files(store, reading, from, to)? else {
        return Ok(None);
    };
    let mut provenance = context.provenance(store)?;
    provenance.portal_url = context
        .portal_url
        .as_deref()
        .and_then(|url| portal_link(url, &reading.document));
    entry_provenance(&data, &mut provenance);
    let blocks = pictures
        .into_iter()
        .map(|(bytes, width, height)| {
            let format = if bytes.starts_with(b"\x89PNG") {
                ImageFormat::Png
            } else {
                ImageFormat::Jpeg
            };
            Block::Image(PageImage {
                bytes: std::sync::Arc::new(bytes),
                format,
                width,
                height,
            })
        })
        .collect();
    let name = data
        .attachments
        .get(reading.attachment)
        .map(|a| a.name.clone())
        .unwrap_or_default();
    Ok(Some((
        Printable {
            blocks,
            provenance,
            large: context.large,
        },
        format!("{name} {from}–{to}"),
    )))
}

/// The catalogue entry's facts in the provenance header.
fn entry_provenance(data: &DocumentPageData, provenance: &mut Provenance) {
    if let Some(entry) = &data.entry {
        provenance.index_no = Some(entry.index_no.clone()).filter(|s| !s.is_empty());
        provenance.publisher = entry.publisher.clone();
        provenance.published = Some(entry.published_date.clone()).filter(|s| !s.is_empty());
    }
}

/// The printable of loaded document data (pure).
pub fn document_printable(
    data: &DocumentPageData,
    mut provenance: Provenance,
    context: &PrintContext,
) -> Printable {
    let d = |s: &str| context.display.text(s);
    let mut blocks = vec![Block::Title(data.title.clone())];
    entry_provenance(data, &mut provenance);
    if let Some(entry) = &data.entry {
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
        row_lines: 1.0,
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

/// What a visitor who found nothing asks for: the words they searched and the filters they
/// had chosen, as the 申请表's description of the information wanted.
pub fn wanted_description(query: &str, category: Option<&str>, year: Option<&str>) -> String {
    let mut text = format!("关于“{}”的政府信息", query.trim());
    let mut scope = Vec::new();
    if let Some(category) = category.filter(|c| !c.is_empty()) {
        scope.push(format!("类别：{category}"));
    }
    if let Some(year) = year.filter(|y| !y.is_empty()) {
        scope.push(format!("年份：{year}"));
    }
    if !scope.is_empty() {
        text.push_str(&format!("（{}）", scope.join("，")));
    }
    text
}

/// A two-column ruled table of form rows: (label, answer, least height in lines).
fn form_table(rows: &[(String, String, f32)]) -> Table {
    let mut cells = Vec::with_capacity(rows.len() * 2);
    for (row, (label, answer, _)) in rows.iter().enumerate() {
        cells.push(TableCell {
            text: label.clone(),
            row,
            col: 0,
            row_span: 1,
            col_span: 1,
            shaded: true,
            numeric: false,
        });
        cells.push(TableCell {
            text: answer.clone(),
            row,
            col: 1,
            row_span: 1,
            col_span: 1,
            shaded: false,
            numeric: false,
        });
    }
    Table {
        caption: String::new(),
        column_em: vec![10.0, 34.0],
        header_rows: 0,
        rows: rows.len(),
        cells,
        row_lines: rows.iter().map(|r| r.2).fold(1.0, f32::max).min(1.6),
    }
}

/// The 政府信息公开申请表, pre-filled with `description` (what the visitor looked for) and the
/// agency it goes to, every personal field left blank for the visitor's own hand, then how to
/// hand it in and the time limits. `agency_name` picks the agency (`kiosk.agency_name`); the
/// first agency with a contact otherwise. `None` when the cache has no form template.
pub fn application(
    store: &Store,
    description: &str,
    agency_name: &str,
    context: &PrintContext,
) -> Result<Option<(Printable, String)>, StoreError> {
    use crate::content::{Agency, DocumentData, FieldType, Kind};
    let d = |s: &str| context.display.text(s);
    let Some((_, DocumentData::FormTemplate(form))) =
        super::apply::typed(store, Kind::FormTemplate)?
    else {
        return Ok(None);
    };
    let procedure = match super::apply::typed(store, Kind::Procedure)? {
        Some((_, DocumentData::Procedure(procedure))) => Some(procedure),
        _ => None,
    };
    let agencies: Vec<Agency> = store
        .documents_of_kind(crate::content::Kind::Agency)?
        .into_iter()
        .filter_map(|row| match row.document.data {
            DocumentData::Agency(agency) => Some(agency),
            _ => None,
        })
        .collect();
    let agency = agencies
        .iter()
        .find(|a| a.name == agency_name || a.short_names.iter().any(|s| s == agency_name))
        .or_else(|| agencies.iter().find(|a| a.contact.is_some()));

    let mut provenance = context.provenance(store)?;
    provenance.publisher = agency.map(|a| d(&a.name)).unwrap_or_default();
    let title = d(&form.title);
    let mut blocks = vec![Block::Title(title.clone())];
    if let Some(basis) = &form.legal_basis {
        blocks.push(Block::Paragraph(d(&format!("依据：{basis}"))));
    }
    if let Some(agency) = agency {
        blocks.push(Block::Heading(d("受理机关")));
        let mut rows = vec![(d("机关"), d(&agency.name))];
        if let Some(contact) = &agency.contact {
            rows.push((d("受理科室"), d(&contact.office)));
            for (label, value) in [
                ("地址", &contact.address),
                ("邮政编码", &contact.postcode),
                ("办公时间", &contact.office_hours),
                ("电话", &contact.phone),
            ] {
                if let Some(value) = value {
                    rows.push((d(label), d(value)));
                }
            }
        }
        blocks.push(Block::Fields(rows));
    }
    for group in &form.groups {
        blocks.push(Block::Heading(d(&group.label)));
        // Each field is a row of a ruled table: the label, then the answer, or room to write
        // it by hand (choices as boxes to tick).
        let rows: Vec<(String, String, f32)> = group
            .fields
            .iter()
            .map(|field| {
                let label = d(&field.label);
                match field.field_type {
                    FieldType::Choice | FieldType::Multichoice if !field.options.is_empty() => {
                        let boxes: Vec<String> =
                            field.options.iter().map(|o| format!("□{}", d(o))).collect();
                        (label, boxes.join("　"), 1.0)
                    }
                    // The visitor's own words go where the form asks for the information wanted,
                    // with room to add to them by hand.
                    _ if group.key == "requested_info" && field.key == "description" => {
                        (label, format!("{description}\n\n"), 3.0)
                    }
                    FieldType::Textarea => (label, "\n\n".to_owned(), 3.0),
                    _ => (label, String::new(), 1.6),
                }
            })
            .collect();
        blocks.push(Block::Table(form_table(&rows)));
    }
    if let Some(procedure) = &procedure {
        blocks.push(Block::Heading(d("如何提交")));
        let submit: Vec<String> = procedure
            .steps
            .iter()
            .filter(|s| s.title.contains("提交") || s.title.contains("填写"))
            .map(|s| d(&format!("{}：{}", s.title, s.text)))
            .collect();
        if !submit.is_empty() {
            blocks.push(Block::Paragraph(submit.join("\n")));
        }
        if !procedure.time_limits.is_empty() {
            blocks.push(Block::Heading(d("办理时限")));
            blocks.push(Block::Fields(
                procedure
                    .time_limits
                    .iter()
                    .map(|l| {
                        let mut event = d(&l.event);
                        if l.counted_in_reply_period == Some(false) {
                            event.push_str(&d("（不计入答复期限）"));
                        }
                        (event, d(&super::apply::limit_text(l.limit, &l.unit)))
                    })
                    .collect(),
            ));
        }
    }
    blocks.push(Block::Paragraph(d(
        "本表由政府信息查阅点免费打印。查阅终端不采集、不保存申请人的姓名、证件号码和联系方式，请您亲笔填写。",
    )));
    Ok(Some((
        Printable {
            blocks,
            provenance,
            large: context.large,
        },
        title,
    )))
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
                readable: false,
                pages: 0,
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

    #[test]
    fn the_application_form_carries_the_wanted_information_and_blank_personal_fields() {
        let store = crate::view_models::bundled_store();
        let wanted = wanted_description("菜市场改造", Some("财政信息"), Some("2012"));
        assert_eq!(
            wanted,
            "关于“菜市场改造”的政府信息（类别：财政信息，年份：2012）"
        );
        let (printable, title) =
            application(&store, &wanted, "乐山市人民政府政务服务中心", &context())
                .expect("the store answers")
                .expect("the bundled form");
        assert_eq!(title, "政府信息公开申请表");
        assert_eq!(printable.provenance.publisher, "乐山市人民政府政务服务中心");
        // (label, answer) of every field row, in metadata lists and in the form's tables.
        let mut rows: Vec<(String, String)> = Vec::new();
        for block in &printable.blocks {
            match block {
                Block::Fields(fields) => rows.extend(fields.iter().cloned()),
                Block::Table(table) => {
                    for label in table.cells.iter().filter(|c| c.col == 0) {
                        let answer = table
                            .cells
                            .iter()
                            .find(|c| c.col == 1 && c.row == label.row)
                            .map(|c| c.text.clone())
                            .unwrap_or_default();
                        rows.push((label.text.clone(), answer));
                    }
                }
                _ => {}
            }
        }
        let answer = |label: &str| {
            rows.iter()
                .find(|(l, _)| l.starts_with(label))
                .map(|(_, a)| a.trim_end().to_owned())
        };
        assert_eq!(answer("其他特征性描述").as_deref(), Some(wanted.as_str()));
        assert_eq!(
            answer("申请人类型").as_deref(),
            Some("□公民　□法人或者其他组织")
        );
        assert!(answer("地址").is_some_and(|a| a.contains("乐山市")));
        // Personal fields are blank, to fill in by hand.
        for label in ["姓名", "证件号码", "联系电话"] {
            assert_eq!(answer(label).as_deref(), Some(""), "{label} is blank");
        }
        assert!(
            printable
                .blocks
                .iter()
                .any(|b| matches!(b, Block::Heading(h) if h == "办理时限"))
        );
    }
}
