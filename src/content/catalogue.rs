//! `catalogue_entry`: one entry of the 政府信息公开目录 (disclosure catalogue), with the statutory
//! elements (索引、名称、内容概述、生成日期) and the provincial ones (文号、发布机构、分类…).
//!
//! Pure: never performs I/O.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{AgencyRef, Provenance};
use super::date::Date;
use super::problem::{FromJson, Reader, join};
use super::text::{
    check_file_name, check_index_no, check_language_tag, check_media_type, check_sha256,
};

/// 公开属性: how the information is disclosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DisclosureMode {
    /// 主动公开: published proactively; the kiosk shows only these in full.
    #[serde(rename = "主动公开")]
    Proactive,
    /// 依申请公开: disclosed on request.
    #[serde(rename = "依申请公开")]
    OnRequest,
    /// 不予公开: not disclosed.
    #[serde(rename = "不予公开")]
    NotDisclosed,
}

impl DisclosureMode {
    /// The wire and display name, e.g. 主动公开.
    pub fn as_str(&self) -> &'static str {
        match self {
            DisclosureMode::Proactive => "主动公开",
            DisclosureMode::OnRequest => "依申请公开",
            DisclosureMode::NotDisclosed => "不予公开",
        }
    }
}

/// 有效性: whether the document is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Validity {
    /// 有效
    #[serde(rename = "有效")]
    InForce,
    /// 失效
    #[serde(rename = "失效")]
    Expired,
    /// 废止
    #[serde(rename = "废止")]
    Repealed,
    /// 已修订
    #[serde(rename = "已修订")]
    Amended,
    /// 未知
    #[serde(rename = "未知")]
    Unknown,
}

impl Validity {
    /// The wire and display name, e.g. 有效.
    pub fn as_str(&self) -> &'static str {
        match self {
            Validity::InForce => "有效",
            Validity::Expired => "失效",
            Validity::Repealed => "废止",
            Validity::Amended => "已修订",
            Validity::Unknown => "未知",
        }
    }
}

/// 时效: how long the information stays published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeLimit {
    /// 长期公开
    #[serde(rename = "长期公开")]
    Permanent,
    /// 限时公开
    #[serde(rename = "限时公开")]
    Limited,
}

impl TimeLimit {
    /// The wire and display name, e.g. 长期公开.
    pub fn as_str(&self) -> &'static str {
        match self {
            TimeLimit::Permanent => "长期公开",
            TimeLimit::Limited => "限时公开",
        }
    }
}

/// A file attached to a document, fetched separately by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// SHA-256 of the file's bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Media type, e.g. `application/pdf`.
    pub media_type: String,
    /// The name shown to the visitor.
    pub file_name: String,
}

impl FromJson for Attachment {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Attachment> {
        let sha256 = r.checked(obj, path, "sha256", check_sha256);
        let size = r.required(obj, path, "size");
        let media_type = r.checked(obj, path, "media_type", check_media_type);
        let file_name = r.checked(obj, path, "file_name", check_file_name);
        Some(Attachment {
            sha256: sha256?,
            size: size?,
            media_type: media_type?,
            file_name: file_name?,
        })
    }
}

/// One entry of the disclosure catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogueEntry {
    /// 索引号, e.g. `000000019/2012-00001`.
    pub index_no: String,
    /// 信息名称.
    pub title: String,
    /// 内容概述 (recommended ≤ 100 characters; longer is allowed).
    pub summary: String,
    /// 生成日期.
    pub generated_date: Date,
    /// 公开日期.
    pub published_date: Date,
    /// 生效日期, when it differs.
    pub effective_date: Option<Date>,
    /// 发布机构.
    pub publisher: AgencyRef,
    /// 文号 with 〔〕 brackets, e.g. 国办发〔2008〕36号; `None` when the document has none.
    pub doc_number: Option<String>,
    /// Kiosk navigation category code (`JGZN`, `NDBG`…; taxonomy `kiosk_category`).
    pub category: String,
    /// 国务院主题分类 levels 1–2.
    pub topic_gov_cn: Vec<String>,
    /// 四川省主题分类 levels 3–4.
    pub topic_sichuan: Vec<String>,
    /// 体裁 (taxonomy `genre`).
    pub genre: String,
    /// 服务对象 (taxonomy `audience`).
    pub audience: Vec<String>,
    /// 关键词.
    pub keywords: Vec<String>,
    /// 公开属性.
    pub disclosure_mode: DisclosureMode,
    /// Why the information is not disclosed proactively.
    pub disclosure_mode_reason: Option<String>,
    /// 公开方式 (taxonomy `disclosure_channel`).
    pub disclosure_channels: Vec<String>,
    /// 时效.
    pub time_limit: TimeLimit,
    /// 有效性.
    pub validity: Validity,
    /// 语种, a BCP 47 tag such as `zh-Hans`.
    pub language: String,
    /// Full text, when the catalogue carries it.
    pub body: Option<String>,
    /// Attached files.
    pub attachments: Vec<Attachment>,
    /// Legal basis, e.g. 条例(2019)第二十条第（二）项.
    pub legal_basis: Vec<String>,
    /// Ids of related documents (or of a whole guide, by its `guide_id`).
    pub related_ids: Vec<String>,
    /// Where the facts come from.
    pub provenance: Option<Provenance>,
    /// An editorial remark.
    pub notes: Option<String>,
}

impl FromJson for CatalogueEntry {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<CatalogueEntry> {
        let index_no = r.checked(obj, path, "index_no", check_index_no);
        let title = r.text(obj, path, "title");
        let summary = r.text(obj, path, "summary");
        let generated_date: Option<Date> = r.required(obj, path, "generated_date");
        let published_date: Option<Date> = r.required(obj, path, "published_date");
        if let (Some(generated), Some(published)) = (generated_date, published_date)
            && published < generated
        {
            r.report(
                join(path, "published_date"),
                format!(
                    "expected a date on or after the generated_date {generated}, found {published}"
                ),
            );
        }
        let effective_date = r.optional(obj, path, "effective_date");
        let publisher = r.nested(obj, path, "publisher");
        let doc_number = r.optional_text(obj, path, "doc_number");
        let category = r.text(obj, path, "category");
        let topic_gov_cn = read_topic(r, obj, path, "topic_gov_cn");
        let topic_sichuan = read_topic(r, obj, path, "topic_sichuan");
        let genre = r.text(obj, path, "genre");
        let audience = r.list(obj, path, "audience");
        let keywords = read_terms(r, obj, path, "keywords");
        let disclosure_mode = r.required(obj, path, "disclosure_mode");
        let disclosure_mode_reason = r.optional_text(obj, path, "disclosure_mode_reason");
        let disclosure_channels = r.list(obj, path, "disclosure_channels");
        let time_limit = r.required(obj, path, "time_limit");
        let validity = r.required(obj, path, "validity");
        let language = r.checked(obj, path, "language", check_language_tag);
        let body = r.optional(obj, path, "body");
        let attachments = r.objects(obj, path, "attachments");
        let legal_basis = r.list(obj, path, "legal_basis");
        let related_ids = read_terms(r, obj, path, "related_ids");
        let provenance = r.optional_nested(obj, path, "provenance");
        let notes = r.optional(obj, path, "notes");
        Some(CatalogueEntry {
            index_no: index_no?,
            title: title?,
            summary: summary?,
            generated_date: generated_date?,
            published_date: published_date?,
            effective_date,
            publisher: publisher?,
            doc_number,
            category: category?,
            topic_gov_cn: topic_gov_cn?,
            topic_sichuan: topic_sichuan?,
            genre: genre?,
            audience: audience?,
            keywords: keywords?,
            disclosure_mode: disclosure_mode?,
            disclosure_mode_reason,
            disclosure_channels: disclosure_channels?,
            time_limit: time_limit?,
            validity: validity?,
            language: language?,
            body,
            attachments: attachments?,
            legal_basis: legal_basis?,
            related_ids: related_ids?,
            provenance,
            notes,
        })
    }
}

impl CatalogueEntry {
    /// The topic path shown in the catalogue browser: the Sichuan levels 3–4 joined with `/`
    /// (概况信息/机构职能), else the national levels 1–2; `None` when both are empty.
    pub fn topic_path(&self) -> Option<String> {
        [&self.topic_sichuan, &self.topic_gov_cn]
            .into_iter()
            .find(|levels| !levels.is_empty())
            .map(|levels| levels.join("/"))
    }
}

/// A list of non-empty strings (keywords, ids).
fn read_terms(
    r: &mut Reader,
    obj: &Map<String, Value>,
    path: &str,
    key: &str,
) -> Option<Vec<String>> {
    r.list_with(obj, path, key, |r, value, at| {
        let term: String = r.convert(at, value)?;
        if term.trim().is_empty() {
            r.report(at, "must not be empty");
        }
        Some(term)
    })
}

/// A topic classification: a list of at most two non-empty levels (may be absent).
fn read_topic(
    r: &mut Reader,
    obj: &Map<String, Value>,
    path: &str,
    key: &str,
) -> Option<Vec<String>> {
    let levels = read_terms(r, obj, path, key)?;
    if levels.len() > 2 {
        r.report(
            join(path, key),
            format!("expected at most two levels, found {}", levels.len()),
        );
    }
    Some(levels)
}
