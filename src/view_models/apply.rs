//! Apply for disclosure (依申请公开): the procedure's numbered steps and time limits, the form's
//! fields explained, and a QR code to the blank form on the portal. Collects nothing.

use slint::{ComponentHandle, SharedString};

use super::qr::{QrMatrix, portal_link};
use super::{Display, model};
use crate::content::{DocumentData, FieldType, FormField, FormTemplate, Kind, Procedure};
use crate::store::{Store, StoreError};
use crate::ui::{AppWindow, ApplyAdapter, FormFieldView, FormGroupView, LimitView, StepView};

/// One field of the form, explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldData {
    pub label: String,
    pub explanation: String,
    pub required: bool,
}

/// The apply screen's data, in the visitor's script.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplyData {
    pub title: String,
    pub legal_basis: String,
    /// (number, title, text).
    pub steps: Vec<(String, String, String)>,
    /// (event, limit).
    pub limits: Vec<(String, String)>,
    pub assistance: String,
    pub form_title: String,
    pub form_groups: Vec<(String, Vec<FieldData>)>,
    pub privacy: String,
    /// The blank form on the portal, when a portal is configured.
    pub form_qr: Option<QrMatrix>,
}

impl ApplyData {
    /// The page as plain text, for read-aloud.
    pub fn speech_text(&self) -> String {
        let mut text = format!("{}。", self.title);
        for (number, title, body) in &self.steps {
            text.push_str(&format!("第{number}步，{title}。{body}"));
        }
        text
    }
}

/// "20个工作日" for a limit of 20 working days.
pub(crate) fn limit_text(limit: u32, unit: &str) -> String {
    match unit {
        "working_day" => format!("{limit}个工作日"),
        "day" | "natural_day" | "calendar_day" => format!("{limit}日"),
        "month" => format!("{limit}个月"),
        other => format!("{limit} {other}"),
    }
}

/// What a visitor needs to know to fill in a field.
fn explain(field: &FormField) -> String {
    let mut parts = Vec::new();
    match field.field_type {
        FieldType::Choice if !field.options.is_empty() => {
            parts.push(format!("选一项：{}", field.options.join("、")));
        }
        FieldType::Multichoice if !field.options.is_empty() => {
            parts.push(format!("可选多项：{}", field.options.join("、")));
        }
        FieldType::Phone => parts.push("填写能联系到您的电话".to_owned()),
        FieldType::Email => parts.push("选填电子邮箱，便于接收答复".to_owned()),
        FieldType::Date => parts.push("写明年月日".to_owned()),
        FieldType::Signature => parts.push("本人签名或加盖公章".to_owned()),
        _ => {}
    }
    if let Some(note) = &field.note {
        parts.push(note.clone());
    }
    parts.join("。")
}

pub(crate) fn typed(
    store: &Store,
    kind: Kind,
) -> Result<Option<(String, DocumentData)>, StoreError> {
    Ok(store
        .documents_of_kind(kind)?
        .into_iter()
        .next()
        .map(|row| (row.document.id, row.document.data)))
}

/// Loads the newest procedure and form.
pub fn load(
    store: &Store,
    display: Display,
    portal_url: Option<&str>,
) -> Result<ApplyData, StoreError> {
    let mut data = ApplyData::default();
    if let Some((_, DocumentData::Procedure(procedure))) = typed(store, Kind::Procedure)? {
        let Procedure {
            title,
            legal_basis,
            steps,
            time_limits,
            assistance,
            ..
        } = procedure;
        data.title = display.text(&title);
        data.legal_basis = display.text(legal_basis.as_deref().unwrap_or(""));
        data.steps = steps
            .iter()
            .map(|s| {
                (
                    s.order.to_string(),
                    display.text(&s.title),
                    display.text(&s.text),
                )
            })
            .collect();
        data.limits = time_limits
            .iter()
            .map(|l| {
                let mut event = display.text(&l.event);
                if l.counted_in_reply_period == Some(false) {
                    event.push_str(&display.text("（不计入答复期限）"));
                }
                (event, display.text(&limit_text(l.limit, &l.unit)))
            })
            .collect();
        data.assistance = display.text(assistance.as_deref().unwrap_or(""));
    }
    if let Some((id, DocumentData::FormTemplate(form))) = typed(store, Kind::FormTemplate)? {
        let FormTemplate {
            title,
            privacy,
            groups,
            ..
        } = form;
        data.form_title = display.text(&title);
        data.privacy = display.text(privacy.as_deref().unwrap_or(""));
        data.form_groups = groups
            .iter()
            .filter(|group| !group.office_use_only)
            .map(|group| {
                let fields = group
                    .fields
                    .iter()
                    .map(|field| FieldData {
                        label: display.text(&field.label),
                        explanation: display.text(&explain(field)),
                        required: field.required,
                    })
                    .collect();
                (display.text(&group.label), fields)
            })
            .collect();
        data.form_qr = portal_url
            .and_then(|url| portal_link(url, &id))
            .and_then(|link| QrMatrix::encode(&link));
    }
    Ok(data)
}

/// Puts the procedure and form on the window.
pub fn apply(app: &AppWindow, data: ApplyData) {
    let adapter = app.global::<ApplyAdapter>();
    adapter.set_title(data.title.into());
    adapter.set_legal_basis(data.legal_basis.into());
    adapter.set_steps(model(
        data.steps
            .into_iter()
            .map(|(number, title, text)| StepView {
                number: number.into(),
                title: title.into(),
                text: text.into(),
            })
            .collect(),
    ));
    adapter.set_limits(model(
        data.limits
            .into_iter()
            .map(|(event, limit)| LimitView {
                event: event.into(),
                limit: limit.into(),
            })
            .collect(),
    ));
    adapter.set_assistance(data.assistance.into());
    adapter.set_form_title(data.form_title.into());
    adapter.set_form_groups(model(
        data.form_groups
            .into_iter()
            .map(|(title, fields)| FormGroupView {
                title: title.into(),
                fields: model(
                    fields
                        .into_iter()
                        .map(|f| FormFieldView {
                            label: f.label.into(),
                            explanation: SharedString::from(f.explanation),
                            required: f.required,
                        })
                        .collect(),
                ),
            })
            .collect(),
    ));
    adapter.set_privacy(data.privacy.into());
    adapter.set_has_form_qr(data.form_qr.is_some());
    adapter.set_form_qr(data.form_qr.map(|qr| qr.to_image()).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_models::bundled_store;

    #[test]
    fn the_procedure_has_the_current_law_limits_and_the_form_has_no_office_fields() {
        let store = bundled_store();
        let data = load(
            &store,
            Display::default(),
            Some("https://www.leshan.gov.cn/"),
        )
        .unwrap();
        assert!(data.steps.len() >= 5);
        assert!(
            data.limits
                .iter()
                .any(|(e, l)| e == "答复" && l == "20个工作日")
        );
        assert!(
            data.limits
                .iter()
                .any(|(e, l)| e == "告知补正" && l == "7个工作日")
        );
        assert!(
            data.steps
                .iter()
                .any(|(_, _, text)| text.contains("不收费"))
        );
        assert!(!data.form_groups.is_empty());
        assert!(data.form_qr.is_some());
        let without_portal = load(&store, Display::default(), None).unwrap();
        assert!(without_portal.form_qr.is_none());
    }
}
