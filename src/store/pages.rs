//! Attachment pages in the cache: which page set each attachment has and each page's picture and
//! text ([`crate::feed::pages`]). The sync records a page set once its object is verified; the
//! viewer reads one page per query.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::write::WriteTx;
use super::{Result, Store};
use crate::feed::pages::{Page, PageSet};

/// One page of an attachment, as the viewer needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRow {
    /// 1 = the first page.
    pub number: u32,
    /// Pages in the attachment.
    pub count: u32,
    /// The page's picture and text.
    pub page: Page,
}

impl Store {
    /// Attachment → its recorded page set object.
    pub fn page_sets(&self) -> Result<HashMap<String, String>> {
        let wrap = |e| self.sqlite_err(e);
        let mut statement = self
            .conn
            .prepare_cached("SELECT attachment, page_set FROM attachment_pages")
            .map_err(wrap)?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(wrap)?;
        rows.collect::<rusqlite::Result<_>>().map_err(wrap)
    }

    /// Makes the recorded page sets exactly `sets` (attachment, page set object, its pages), in
    /// one transaction; a set already recorded under the same object is not rewritten.
    pub fn replace_page_sets(&mut self, sets: &[(String, String, PageSet)]) -> Result<()> {
        let recorded = self.page_sets()?;
        let unchanged = sets
            .iter()
            .all(|(attachment, object, _)| recorded.get(attachment) == Some(object));
        if unchanged && recorded.len() == sets.len() {
            return Ok(());
        }
        let tx = WriteTx::begin(self)?;
        let wrap = |e| self.sqlite_err(e);
        let wanted: HashMap<&str, &str> = sets
            .iter()
            .map(|(a, o, _)| (a.as_str(), o.as_str()))
            .collect();
        for (attachment, object) in &recorded {
            if wanted.get(attachment.as_str()) != Some(&object.as_str()) {
                self.conn
                    .execute(
                        "DELETE FROM attachment_page WHERE attachment = ?1",
                        [attachment],
                    )
                    .map_err(wrap)?;
                self.conn
                    .execute(
                        "DELETE FROM attachment_pages WHERE attachment = ?1",
                        [attachment],
                    )
                    .map_err(wrap)?;
            }
        }
        for (attachment, object, set) in sets {
            if recorded.get(attachment) == Some(object) {
                continue;
            }
            self.conn
                .execute(
                    "INSERT INTO attachment_pages (attachment, page_set, pages) VALUES (?1, ?2, ?3)",
                    params![attachment, object, set.pages.len() as i64],
                )
                .map_err(wrap)?;
            let mut insert = self
                .conn
                .prepare_cached(
                    "INSERT INTO attachment_page
                     (attachment, page, image, size, width, height, text, boxes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(wrap)?;
            for (i, page) in set.pages.iter().enumerate() {
                let boxes = serde_json::to_string(&page.boxes).unwrap_or_else(|_| "[]".into());
                insert
                    .execute(params![
                        attachment,
                        i as i64 + 1,
                        page.image,
                        i64::try_from(page.size).unwrap_or(i64::MAX),
                        page.width,
                        page.height,
                        page.text,
                        boxes
                    ])
                    .map_err(wrap)?;
            }
        }
        tx.commit()
    }

    /// How many pages attachment `sha256` has, if a page set is recorded for it.
    pub fn page_count(&self, attachment: &str) -> Result<Option<u32>> {
        self.conn
            .prepare_cached("SELECT pages FROM attachment_pages WHERE attachment = ?1")
            .and_then(|mut s| s.query_row([attachment], |row| row.get(0)).optional())
            .map_err(|e| self.sqlite_err(e))
    }

    /// Page `number` (1 = first) of attachment `sha256`.
    pub fn attachment_page(&self, attachment: &str, number: u32) -> Result<Option<PageRow>> {
        self.conn
            .prepare_cached(
                "SELECT p.image, p.size, p.width, p.height, p.text, p.boxes, s.pages
                 FROM attachment_page p JOIN attachment_pages s USING (attachment)
                 WHERE p.attachment = ?1 AND p.page = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![attachment, number], |row| {
                    let boxes: String = row.get(5)?;
                    Ok(PageRow {
                        number,
                        count: row.get(6)?,
                        page: Page {
                            image: row.get(0)?,
                            size: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                            width: row.get(2)?,
                            height: row.get(3)?,
                            text: row.get(4)?,
                            // Written by this module from checked boxes.
                            boxes: serde_json::from_str(&boxes).unwrap_or_default(),
                        },
                    })
                })
                .optional()
            })
            .map_err(|e| self.sqlite_err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::pages::PAGES_FORMAT;

    fn set(pages: usize, text: &str) -> PageSet {
        PageSet {
            format: PAGES_FORMAT.into(),
            pages: (0..pages)
                .map(|i| Page {
                    image: format!("{i:064x}"),
                    size: 100 + i as u64,
                    width: 1240,
                    height: 1754,
                    text: format!("{text} {}", i + 1),
                    boxes: vec![[0, 1, 0, 0, 10, 10]],
                })
                .collect(),
        }
    }

    #[test]
    fn page_sets_are_recorded_replaced_and_dropped() {
        let mut store = Store::open_in_memory().expect("store");
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        store
            .replace_page_sets(&[
                (a.clone(), "1".repeat(64), set(3, "甲")),
                (b.clone(), "2".repeat(64), set(1, "乙")),
            ])
            .expect("record");
        assert_eq!(store.page_count(&a).expect("count"), Some(3));
        let page = store.attachment_page(&a, 2).expect("read").expect("page 2");
        assert_eq!((page.number, page.count), (2, 3));
        assert_eq!(page.page.text, "甲 2");
        assert_eq!(page.page.boxes, vec![[0, 1, 0, 0, 10, 10]]);
        assert_eq!(store.attachment_page(&a, 4).expect("read"), None);
        // A new page set for a, b gone.
        store
            .replace_page_sets(&[(a.clone(), "3".repeat(64), set(2, "丙"))])
            .expect("replace");
        assert_eq!(store.page_count(&a).expect("count"), Some(2));
        assert_eq!(store.page_count(&b).expect("count"), None);
        assert_eq!(store.attachment_page(&b, 1).expect("read"), None);
        assert_eq!(
            store
                .attachment_page(&a, 1)
                .expect("read")
                .expect("page")
                .page
                .text,
            "丙 1"
        );
    }
}
