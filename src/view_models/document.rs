//! Document (文件详情): one catalogue entry's metadata as a two-column table, its summary, body
//! and attachments, related documents, and a QR code to read it on the portal. Other kinds that
//! open here (a procedure…) show their title, summary and text.
//!
//! Owns loading one document (on the worker) and putting it on the window. Must never: query
//! the store on the UI thread, build Slint values on the worker, or show a blank page (a missing
//! document raises the kiosk's "unavailable" notice instead).

use slint::{ComponentHandle, SharedString};

use super::catalogue_model::RowData;
use super::labels::Labels;
use super::qr::{QrMatrix, portal_link};
use super::{Display, model};
use crate::content::{Attachment, CatalogueEntry, DocumentData};
use crate::store::{Store, StoreError};
use crate::ui::{AppWindow, AttachmentView, DocumentAdapter, RelatedView};

/// Related documents shown at most.
const RELATED: usize = 5;

/// The metadata table of a catalogue entry, in the visitor's script.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryFields {
    pub index_no: String,
    pub doc_number: String,
    pub publisher: String,
    pub generated_date: String,
    pub published_date: String,
    pub topic: String,
    pub disclosure_mode: String,
    pub time_limit: String,
    pub validity: String,
}

/// One attachment: file name, type and size as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentData {
    pub name: String,
    pub kind: String,
    pub size: String,
    /// Its pages (or picture) are on this kiosk: it opens in the viewer.
    pub readable: bool,
    /// Pages the publisher rendered (0: none, or not known).
    pub pages: u32,
}

/// The document screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocumentPageData {
    pub id: String,
    /// Wire kind (catalogue_entry, procedure …).
    pub kind: String,
    pub title: String,
    /// The metadata table; `None` for documents that are not catalogue entries.
    pub entry: Option<EntryFields>,
    pub summary: String,
    /// Body text, one paragraph per line.
    pub paragraphs: Vec<String>,
    pub attachments: Vec<AttachmentData>,
    pub related: Vec<RowData>,
    /// The document on the portal, when a portal is configured.
    pub qr: Option<QrMatrix>,
}

impl DocumentPageData {
    /// What 朗读 reads.
    pub fn speech_text(&self) -> String {
        let mut text = format!("{}。", self.title);
        if let Some(entry) = &self.entry {
            for (label, value) in [
                ("索引号", &entry.index_no),
                ("文号", &entry.doc_number),
                ("发布机构", &entry.publisher),
                ("公开日期", &entry.published_date),
            ] {
                if !value.is_empty() {
                    text.push_str(&format!("{label}：{value}。"));
                }
            }
        }
        if !self.summary.is_empty() {
            text.push_str(&self.summary);
            text.push('。');
        }
        for paragraph in &self.paragraphs {
            text.push_str(paragraph);
        }
        text
    }
}

/// Splits a body into paragraphs: one per non-empty line.
fn paragraphs(body: &str, display: Display) -> Vec<String> {
    body.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| display.text(line))
        .collect()
}

/// A media type as people know it (PDF, Word …).
pub fn file_kind(media_type: &str) -> String {
    let known = match media_type {
        "application/pdf" => "PDF",
        "application/msword"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "Word",
        "application/vnd.ms-excel"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "Excel",
        "application/zip" => "ZIP",
        "text/plain" => "文本",
        _ if media_type.starts_with("image/") => "图片",
        _ => "",
    };
    if known.is_empty() {
        media_type
            .rsplit('/')
            .next()
            .unwrap_or(media_type)
            .to_uppercase()
    } else {
        known.to_owned()
    }
}

fn attachment(
    store: &Store,
    a: &Attachment,
    display: Display,
) -> Result<AttachmentData, StoreError> {
    let (readable, pages) = super::viewer::readable(store, a)?;
    Ok(AttachmentData {
        name: display.text(&a.file_name),
        kind: display.text(&file_kind(&a.media_type)),
        size: super::size_text(a.size),
        readable,
        pages,
    })
}

fn entry_fields(entry: &CatalogueEntry, labels: &Labels, display: Display) -> EntryFields {
    let mode = labels.disclosure_mode(entry.disclosure_mode.as_str());
    let mode = match &entry.disclosure_mode_reason {
        Some(reason) if !reason.is_empty() => format!("{mode}（{reason}）"),
        _ => mode,
    };
    EntryFields {
        index_no: entry.index_no.clone(),
        doc_number: display.text(entry.doc_number.as_deref().unwrap_or("")),
        publisher: display.text(&entry.publisher.name),
        generated_date: entry.generated_date.to_string(),
        published_date: entry.published_date.to_string(),
        topic: display.text(
            &entry
                .topic_path()
                .map(|path| labels.topic(&path))
                .unwrap_or_else(|| labels.category(&entry.category)),
        ),
        disclosure_mode: display.text(&mode),
        time_limit: display.text(entry.time_limit.as_str()),
        validity: display.text(entry.validity.as_str()),
    }
}

/// Loads document `id` (worker side); `None` when it is not in the cache.
pub fn load(
    store: &Store,
    id: &str,
    portal_url: Option<&str>,
    display: Display,
) -> Result<Option<DocumentPageData>, StoreError> {
    let Some(row) = store.document(id)? else {
        return Ok(None);
    };
    let qr = portal_url
        .filter(|url| !url.trim().is_empty())
        .and_then(|url| portal_link(url, id))
        .and_then(|link| QrMatrix::encode(&link));
    let mut data = DocumentPageData {
        id: row.id.clone(),
        kind: row.document.kind_name.clone(),
        title: display.text(&row.title),
        summary: display.text(&row.summary),
        qr,
        ..DocumentPageData::default()
    };
    let raw_body = row.document.raw.text("body").map(str::to_owned);
    match row.document.data {
        DocumentData::CatalogueEntry(entry) => {
            let labels = Labels::load(store)?;
            data.entry = Some(entry_fields(&entry, &labels, display));
            data.paragraphs = paragraphs(entry.body.as_deref().unwrap_or(""), display);
            data.attachments = entry
                .attachments
                .iter()
                .map(|a| attachment(store, a, display))
                .collect::<Result<_, _>>()?;
            data.related = store
                .related(id, RELATED)?
                .into_iter()
                .map(|row| RowData::from_row(row, display))
                .collect();
        }
        DocumentData::Procedure(procedure) => {
            data.paragraphs = procedure
                .steps
                .iter()
                .map(|step| display.text(&format!("{}. {}：{}", step.order, step.title, step.text)))
                .collect();
        }
        // Any other kind (or one this build cannot read): its stored title, summary and body.
        _ => data.paragraphs = paragraphs(raw_body.as_deref().unwrap_or(""), display),
    }
    Ok(Some(data))
}

/// Puts the document on the window (the screen controller restores the scroll position).
pub fn apply(app: &AppWindow, data: DocumentPageData) {
    let adapter = app.global::<DocumentAdapter>();
    adapter.set_id(data.id.into());
    adapter.set_kind(data.kind.into());
    adapter.set_title(data.title.into());
    adapter.set_is_entry(data.entry.is_some());
    let entry = data.entry.unwrap_or_default();
    adapter.set_index_no(entry.index_no.into());
    adapter.set_doc_number(entry.doc_number.into());
    adapter.set_publisher(entry.publisher.into());
    adapter.set_generated_date(entry.generated_date.into());
    adapter.set_published_date(entry.published_date.into());
    adapter.set_topic(entry.topic.into());
    adapter.set_disclosure_mode(entry.disclosure_mode.into());
    adapter.set_time_limit(entry.time_limit.into());
    adapter.set_validity(entry.validity.into());
    adapter.set_summary(data.summary.into());
    adapter.set_paragraphs(model(
        data.paragraphs
            .into_iter()
            .map(SharedString::from)
            .collect(),
    ));
    adapter.set_attachments(model(
        data.attachments
            .into_iter()
            .map(|a| AttachmentView {
                name: a.name.into(),
                kind: a.kind.into(),
                size: a.size.into(),
                readable: a.readable,
                pages: a.pages as i32,
            })
            .collect(),
    ));
    adapter.set_related(model(
        data.related
            .into_iter()
            .map(|r| RelatedView {
                id: r.id.into(),
                title: r.title.into(),
                index_no: r.index_no.into(),
                date: r.date.into(),
                publisher: r.publisher.into(),
            })
            .collect(),
    ));
    adapter.set_has_qr(data.qr.is_some());
    adapter.set_qr(data.qr.map(|qr| qr.to_image()).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Store {
        super::super::bundled_store()
    }

    #[test]
    fn an_entry_loads_its_metadata_related_documents_and_qr() {
        let store = bundled();
        let data = load(
            &store,
            "ce-2012-00001",
            Some("https://www.leshan.gov.cn/"),
            Display::default(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(data.title, "乐山市人民政府政务服务中心主要职责");
        let entry = data.entry.as_ref().unwrap();
        assert_eq!(entry.index_no, "000000019/2012-00001");
        assert_eq!(entry.publisher, "乐山市人民政府政务服务中心");
        assert_eq!(entry.generated_date, "2012-01-10");
        assert_eq!(entry.topic, "概况信息/机构职能");
        assert_eq!(entry.disclosure_mode, "主动公开");
        assert_eq!(entry.time_limit, "长期公开");
        assert!(data.summary.starts_with("乐山市人民政府政务服务中心为"));
        assert!(!data.related.is_empty(), "same-category neighbours");
        assert!(data.related.iter().all(|r| r.id != "ce-2012-00001"));
        let qr = data.qr.as_ref().unwrap();
        assert_eq!(
            qr,
            &QrMatrix::encode("https://www.leshan.gov.cn/ce-2012-00001").unwrap()
        );
        assert!(data.speech_text().contains("000000019/2012-00001"));
    }

    #[test]
    fn no_qr_without_a_portal_and_traditional_text() {
        let store = bundled();
        let data = load(&store, "ce-2012-00001", None, Display { traditional: true })
            .unwrap()
            .unwrap();
        assert!(data.qr.is_none());
        assert!(data.title.contains("樂山市"), "{}", data.title);
        assert!(
            load(&store, "no-such-id", None, Display::default())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_procedure_shows_its_title_summary_and_steps() {
        let store = bundled();
        let data = load(&store, "procedure-ysqgk-2019", None, Display::default())
            .unwrap()
            .unwrap();
        assert!(data.entry.is_none());
        assert!(!data.title.is_empty());
        assert!(!data.paragraphs.is_empty(), "the steps");
        assert!(
            data.paragraphs[0].starts_with("1. "),
            "{:?}",
            data.paragraphs
        );
    }

    #[test]
    fn bodies_split_on_lines_and_sizes_read_naturally() {
        assert_eq!(
            paragraphs("第一段\n\n  第二段  \r\n第三段", Display::default()),
            ["第一段", "第二段", "第三段"]
        );
        assert_eq!(file_kind("application/pdf"), "PDF");
        assert_eq!(file_kind("image/png"), "图片");
        assert_eq!(file_kind("application/x-foo"), "X-FOO");
    }
}
