//! Guide (公开指南): the sections of one guide in order, with its contact block and the
//! historical badge.

use slint::{ComponentHandle, SharedString};

use super::{Display, model};
use crate::content::{DocumentData, GuideSection, GuideStatus};
use crate::store::{Store, StoreError};
use crate::ui::{AppWindow, GuideAdapter, GuideList, GuideSectionView};

/// A guide section as plain data, in the visitor's script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionData {
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub lists: Vec<Vec<String>>,
    pub historical: bool,
    pub current_law_note: String,
    /// Office, address, hours, phone (empty strings for items the guide lacks).
    pub contact: Option<[String; 4]>,
}

/// The guide screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GuideData {
    pub title: String,
    pub edition: String,
    pub sections: Vec<SectionData>,
}

impl GuideData {
    /// The page as plain text, for read-aloud.
    pub fn speech_text(&self) -> String {
        let mut text = format!("{}。", self.title);
        for section in &self.sections {
            text.push_str(&section.heading);
            text.push('。');
            for paragraph in &section.paragraphs {
                text.push_str(paragraph);
            }
        }
        text
    }
}

/// Loads the guide in force (else the newest edition): its sections in order.
pub fn load(store: &Store, display: Display) -> Result<GuideData, StoreError> {
    let sections: Vec<GuideSection> = store
        .guide_sections()?
        .into_iter()
        .filter_map(|row| match row.document.data {
            DocumentData::GuideSection(section) => Some(section),
            _ => None,
        })
        .collect();
    let Some(first) = sections.first() else {
        return Ok(GuideData::default());
    };
    let guide_id = first.guide_id.clone();
    let title = display.text(&format!("{}政府信息公开指南", first.agency.name));
    let edition = display.text(&format!("{}（{}）", first.edition, first.edition_date));
    let sections = sections
        .into_iter()
        .filter(|section| section.guide_id == guide_id)
        .map(|section| SectionData {
            heading: display.text(&section.heading()),
            paragraphs: section.paragraphs.iter().map(|p| display.text(p)).collect(),
            lists: section
                .lists
                .values()
                .map(|items| items.iter().map(|item| display.text(item)).collect())
                .collect(),
            historical: section.status == GuideStatus::Historical,
            current_law_note: section
                .current_law_notes
                .as_deref()
                .map(|note| display.text(note))
                .unwrap_or_default(),
            contact: section.contact.as_ref().map(|c| {
                let text = |value: &Option<String>| display.text(value.as_deref().unwrap_or(""));
                [
                    display.text(&c.office),
                    text(&c.address),
                    text(&c.office_hours),
                    text(&c.phone),
                ]
            }),
        })
        .collect();
    Ok(GuideData {
        title,
        edition,
        sections,
    })
}

/// Puts the guide on the window.
pub fn apply(app: &AppWindow, data: GuideData) {
    let adapter = app.global::<GuideAdapter>();
    adapter.set_title(data.title.into());
    adapter.set_edition(data.edition.into());
    let sections = data
        .sections
        .into_iter()
        .map(|section| {
            let [office, address, hours, phone] = section.contact.clone().unwrap_or_default();
            GuideSectionView {
                heading: section.heading.into(),
                paragraphs: model(
                    section
                        .paragraphs
                        .into_iter()
                        .map(SharedString::from)
                        .collect(),
                ),
                lists: model(
                    section
                        .lists
                        .into_iter()
                        .map(|items| GuideList {
                            title: SharedString::new(),
                            items: model(items.into_iter().map(SharedString::from).collect()),
                        })
                        .collect(),
                ),
                historical: section.historical,
                current_law_note: section.current_law_note.into(),
                has_contact: section.contact.is_some(),
                office: office.into(),
                address: address.into(),
                hours: hours.into(),
                phone: phone.into(),
            }
        })
        .collect();
    adapter.set_sections(model(sections));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_models::bundled_store;

    #[test]
    fn the_bundled_guide_loads_in_order_with_its_contact_and_badges() {
        let store = bundled_store();
        let guide = load(&store, Display::default()).unwrap();
        assert_eq!(guide.title, "乐山市人民政府政务服务中心政府信息公开指南");
        let headings: Vec<&str> = guide.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings.len(), 5, "{headings:?}");
        assert_eq!(headings[0], "说明", "the unnumbered preface comes first");
        assert!(headings[1].starts_with("一、"), "{headings:?}");
        assert!(guide.sections.iter().all(|s| s.historical));
        assert!(guide.sections.iter().any(|s| s.contact.is_some()));

        let traditional = load(&store, Display { traditional: true }).unwrap();
        assert!(
            traditional.title.contains("公開指南"),
            "{}",
            traditional.title
        );
    }
}
