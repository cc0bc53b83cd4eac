//! `procedure` (how to apply for disclosure, step by step) and `form_template` (the blank
//! application form), typed and validated.
//!
//! The kiosk explains and prints; it never collects an applicant's data, so a form template is
//! only a description of a blank form. Pure: never performs I/O.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::Provenance;
use super::problem::{FromJson, Reader, index, join};

/// One step of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Position, from 1.
    pub order: u32,
    /// Short title (先查一查).
    pub title: String,
    /// What to do.
    pub text: String,
    /// Articles the step rests on (第二十九条第一款).
    pub refs: Vec<String>,
}

/// A statutory time limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeLimitRule {
    /// What must happen (答复).
    pub event: String,
    /// How many units.
    pub limit: u32,
    /// The unit, e.g. `working_day`.
    pub unit: String,
    /// The article that sets it.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// Whether the time counts towards the reply period (`false` for consultations).
    pub counted_in_reply_period: Option<bool>,
}

/// A procedure, e.g. 如何申请政府信息公开.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Procedure {
    /// Title.
    pub title: String,
    /// Legal basis, as written.
    pub legal_basis: Option<String>,
    /// Steps in order.
    pub steps: Vec<Step>,
    /// Time limits.
    pub time_limits: Vec<TimeLimitRule>,
    /// Help offered to applicants with reading, sight or hearing difficulties.
    pub assistance: Option<String>,
    /// What changed from the 2007 regulation.
    pub changes_from_2007: Vec<String>,
    /// Where the facts come from.
    pub provenance: Option<Provenance>,
}

impl FromJson for Step {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Step> {
        let order = r.required(obj, path, "order");
        let title = r.text(obj, path, "title");
        let text = r.text(obj, path, "text");
        let refs = r.list(obj, path, "refs");
        Some(Step {
            order: order?,
            title: title?,
            text: text?,
            refs: refs?,
        })
    }
}

impl FromJson for TimeLimitRule {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<TimeLimitRule> {
        let event = r.text(obj, path, "event");
        let limit = r.required(obj, path, "limit");
        let unit = r.text(obj, path, "unit");
        let reference = r.optional_text(obj, path, "ref");
        let counted_in_reply_period = r.optional(obj, path, "counted_in_reply_period");
        Some(TimeLimitRule {
            event: event?,
            limit: limit?,
            unit: unit?,
            reference,
            counted_in_reply_period,
        })
    }
}

impl FromJson for Procedure {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Procedure> {
        let title = r.text(obj, path, "title");
        let legal_basis = r.optional_text(obj, path, "legal_basis");
        let steps: Option<Vec<Step>> = r.objects(obj, path, "steps");
        if let Some(steps) = &steps {
            let mut orders = HashSet::new();
            for (i, step) in steps.iter().enumerate() {
                if !orders.insert(step.order) {
                    r.report(
                        join(&index(&join(path, "steps"), i), "order"),
                        format!("duplicate step order {}", step.order),
                    );
                }
            }
        }
        let time_limits = r.objects(obj, path, "time_limits");
        let assistance = r.optional_text(obj, path, "assistance");
        let changes_from_2007 = r.list(obj, path, "changes_from_2007");
        let provenance = r.optional_nested(obj, path, "provenance");
        Some(Procedure {
            title: title?,
            legal_basis,
            steps: steps?,
            time_limits: time_limits?,
            assistance,
            changes_from_2007: changes_from_2007?,
            provenance,
        })
    }
}

/// The kind of input a form field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// One line of text.
    Text,
    /// Several lines of text.
    Textarea,
    /// One of `options`.
    Choice,
    /// Any of `options`.
    Multichoice,
    /// A telephone number.
    Phone,
    /// An e-mail address.
    Email,
    /// A date.
    Date,
    /// A handwritten signature or seal.
    Signature,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormField {
    /// Key, unique within its group.
    pub key: String,
    /// Label printed on the form.
    pub label: String,
    /// Input type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Whether the field must be filled in.
    pub required: bool,
    /// Choices, for choice and multichoice fields.
    pub options: Vec<String>,
    /// A pattern the value must match (a regular expression, kept as text).
    pub pattern: Option<String>,
    /// True for personal data that must never be kept (证件号码).
    pub sensitive: bool,
    /// A hint printed beside the field.
    pub note: Option<String>,
}

/// A group of fields (公民, 法人或者其他组织, 所需政府信息情况…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormGroup {
    /// Key, unique within the form.
    pub key: String,
    /// Heading printed on the form.
    pub label: String,
    /// The group applies only when these fields have these values (`{"type": "公民"}`).
    pub applies_if: Option<BTreeMap<String, String>>,
    /// True for the part filled in by the office (受理机关填写).
    pub office_use_only: bool,
    /// Fields in order.
    pub fields: Vec<FormField>,
}

/// A blank application form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormTemplate {
    /// Title printed on the form.
    pub title: String,
    /// Legal basis, as written.
    pub legal_basis: Option<String>,
    /// Paper size and orientation, e.g. A4 纵向.
    pub paper: Option<String>,
    /// How the kiosk offers the form (print, QR code…).
    pub delivery_on_kiosk: Vec<String>,
    /// The privacy rule for the form at the kiosk.
    pub privacy: Option<String>,
    /// Field groups in order.
    pub groups: Vec<FormGroup>,
    /// Fields of pre-2019 forms that no longer apply.
    pub legacy_fields_2007: Vec<String>,
    /// Where the facts come from.
    pub provenance: Option<Provenance>,
}

impl FromJson for FormField {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<FormField> {
        let key = r.text(obj, path, "key");
        let label = r.text(obj, path, "label");
        let field_type: Option<FieldType> = r.required(obj, path, "type");
        let required = r.flag(obj, path, "required");
        let options: Option<Vec<String>> = r.list(obj, path, "options");
        if let (Some(field_type), Some(options)) = (field_type, &options) {
            let has_choices = matches!(field_type, FieldType::Choice | FieldType::Multichoice);
            if has_choices && options.is_empty() {
                r.report(
                    join(path, "options"),
                    "a choice field needs at least one option",
                );
            }
            if !has_choices && !options.is_empty() {
                r.report(join(path, "options"), "only choice fields have options");
            }
        }
        let pattern = r.optional_text(obj, path, "pattern");
        let sensitive = r.flag(obj, path, "sensitive");
        let note = r.optional_text(obj, path, "note");
        Some(FormField {
            key: key?,
            label: label?,
            field_type: field_type?,
            required,
            options: options?,
            pattern,
            sensitive,
            note,
        })
    }
}

impl FromJson for FormGroup {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<FormGroup> {
        let key = r.text(obj, path, "key");
        let label = r.text(obj, path, "label");
        let applies_if = r.optional(obj, path, "applies_if");
        let office_use_only = r.flag(obj, path, "office_use_only");
        let fields: Option<Vec<FormField>> = r.objects(obj, path, "fields");
        if let Some(fields) = &fields {
            let mut keys = HashSet::new();
            for (i, field) in fields.iter().enumerate() {
                if !keys.insert(field.key.as_str()) {
                    r.report(
                        join(&index(&join(path, "fields"), i), "key"),
                        format!("duplicate field key {:?}", field.key),
                    );
                }
            }
        }
        Some(FormGroup {
            key: key?,
            label: label?,
            applies_if,
            office_use_only,
            fields: fields?,
        })
    }
}

impl FromJson for FormTemplate {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<FormTemplate> {
        let title = r.text(obj, path, "title");
        let legal_basis = r.optional_text(obj, path, "legal_basis");
        let paper = r.optional_text(obj, path, "paper");
        let delivery_on_kiosk = r.list(obj, path, "delivery_on_kiosk");
        let privacy = r.optional_text(obj, path, "privacy");
        let groups: Option<Vec<FormGroup>> = r.objects(obj, path, "groups");
        if let Some(groups) = &groups {
            check_groups(r, path, groups);
        }
        let legacy_fields_2007 = r.list(obj, path, "legacy_fields_2007");
        let provenance = r.optional_nested(obj, path, "provenance");
        Some(FormTemplate {
            title: title?,
            legal_basis,
            paper,
            delivery_on_kiosk: delivery_on_kiosk?,
            privacy,
            groups: groups?,
            legacy_fields_2007: legacy_fields_2007?,
            provenance,
        })
    }
}

/// Checks across groups: unique group keys, and conditions that name a choice field of an
/// earlier group with one of its options.
fn check_groups(r: &mut Reader, path: &str, groups: &[FormGroup]) {
    let mut group_keys = HashSet::new();
    for (i, group) in groups.iter().enumerate() {
        let at = index(&join(path, "groups"), i);
        if !group_keys.insert(group.key.as_str()) {
            r.report(
                join(&at, "key"),
                format!("duplicate group key {:?}", group.key),
            );
        }
        for (key, wanted) in group.applies_if.iter().flatten() {
            let target = groups[..i]
                .iter()
                .flat_map(|g| &g.fields)
                .find(|f| &f.key == key && matches!(f.field_type, FieldType::Choice));
            match target {
                None => r.report(
                    join(&join(&at, "applies_if"), key),
                    format!(
                        "expected the key of a choice field in an earlier group, found {key:?}"
                    ),
                ),
                Some(field) if !field.options.contains(wanted) => r.report(
                    join(&join(&at, "applies_if"), key),
                    format!(
                        "expected one of the options of {key:?} ({}), found {wanted:?}",
                        field.options.join(", ")
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}
