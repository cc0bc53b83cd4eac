//! Small types shared by several document kinds: a reference to an agency, a contact block, and
//! provenance metadata.
//!
//! Pure data plus checks of their values: never performs I/O.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::problem::{FromJson, Reader};
use super::text::check_postcode;

/// A reference to an `agency` document, with the name to display (so a list can show the
/// publisher without loading the agency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyRef {
    /// The `id` of the agency document (`ag-…`).
    pub id: String,
    /// The display name, e.g. 乐山市人民政府政务服务中心.
    pub name: String,
}

impl FromJson for AgencyRef {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<AgencyRef> {
        let id = r.text(obj, path, "id");
        let name = r.text(obj, path, "name");
        Some(AgencyRef {
            id: id?,
            name: name?,
        })
    }
}

/// How trustworthy a document's metadata is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataStatus {
    /// Taken from the seed document.
    FromSeed,
    /// Taken from the text of a regulation.
    FromRegulation,
    /// A checked public record.
    PublicRecord,
    /// A public record not yet checked against the original.
    PublicRecordUnverified,
    /// Derived by the editors from other sources.
    Derived,
    /// Invented or a placeholder: must not be published as real government information.
    Illustrative,
}

/// Where a document's facts come from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// How trustworthy the metadata is, when stated.
    pub metadata_status: Option<MetadataStatus>,
    /// Names of fields whose values are invented or placeholders.
    pub illustrative_fields: Vec<String>,
    /// Sentences quoted from the seed document that support the content.
    pub seed_facts: Vec<String>,
    /// Ids of the dataset's sources (`S1`…).
    pub source_refs: Vec<String>,
    /// A free remark on the sources.
    pub note: Option<String>,
}

impl FromJson for Provenance {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Provenance> {
        let metadata_status = r.optional(obj, path, "metadata_status");
        let illustrative_fields = r.list(obj, path, "illustrative_fields");
        let seed_facts = r.list(obj, path, "seed_facts");
        let source_refs = r.list(obj, path, "source_refs");
        let note = r.optional(obj, path, "note");
        Some(Provenance {
            metadata_status,
            illustrative_fields: illustrative_fields?,
            seed_facts: seed_facts?,
            source_refs: source_refs?,
            note,
        })
    }
}

impl Provenance {
    /// True when `field` is marked as invented or a placeholder.
    pub fn is_illustrative(&self, field: &str) -> bool {
        self.illustrative_fields.iter().any(|f| f == field)
    }
}

/// A contact block (受理机构 and its 办公地址, 办公时间, 联系电话, 传真, 电子邮箱 / 互联网联系方式).
///
/// Every item but the office is optional: an agency without a fax simply has none. `verified`
/// is false while the items are placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// The office that receives requests, e.g. …电子政务网络信息管理科.
    pub office: String,
    /// Postal address.
    pub address: Option<String>,
    /// Six-digit postcode.
    pub postcode: Option<String>,
    /// Office hours, as written.
    pub office_hours: Option<String>,
    /// Telephone.
    pub phone: Option<String>,
    /// Fax.
    pub fax: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Web site (互联网联系方式).
    pub website: Option<String>,
    /// True once the agency has confirmed the items; false for placeholders.
    pub verified: bool,
    /// An editorial remark on the items.
    pub note: Option<String>,
}

impl FromJson for Contact {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Contact> {
        let office = r.text(obj, path, "office");
        let address = r.optional_text(obj, path, "address");
        let postcode = r.optional_checked(obj, path, "postcode", check_postcode);
        let office_hours = r.optional_text(obj, path, "office_hours");
        let phone = r.optional_text(obj, path, "phone");
        let fax = r.optional_text(obj, path, "fax");
        let email = r.optional_text(obj, path, "email");
        let website = r.optional_text(obj, path, "website");
        let verified = r.flag(obj, path, "verified");
        let note = r.optional(obj, path, "note");
        Some(Contact {
            office: office?,
            address,
            postcode,
            office_hours,
            phone,
            fax,
            email,
            website,
            verified,
            note,
        })
    }
}

impl Contact {
    /// The items as `(label, value)` lines for display and search, in the statutory order.
    pub fn lines(&self) -> Vec<(&'static str, &str)> {
        let items = [
            ("受理机构", Some(self.office.as_str())),
            ("办公地址", self.address.as_deref()),
            ("邮政编码", self.postcode.as_deref()),
            ("办公时间", self.office_hours.as_deref()),
            ("联系电话", self.phone.as_deref()),
            ("传真", self.fax.as_deref()),
            ("电子邮箱", self.email.as_deref()),
            ("网址", self.website.as_deref()),
        ];
        items
            .into_iter()
            .filter_map(|(label, value)| value.map(|v| (label, v)))
            .collect()
    }
}
