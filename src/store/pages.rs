//! Attachment pages in the cache: which page set each attachment has and each page's picture and
//! text ([`crate::feed::pages`]). The sync records a page set once its object is verified; the
//! viewer reads one page per query and asks [`attachment_present`] whether a picture is on disk.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{OptionalExtension, params};

use super::write::WriteTx;
use super::{Result, Store};
use crate::feed::pages::{Page, PageSet, is_cjk};
use crate::text::segment::IndexStreams;

/// A page's text as search sees it: a line break inside Chinese text (a wrapped line) is
/// dropped, any other becomes a space, so a phrase split over two lines is still found. Each
/// character maps to one character, except the dropped breaks.
pub fn searchable(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c != '\n' {
            out.push(c);
            continue;
        }
        let before = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let after = chars.get(i + 1).copied();
        if !(before.is_some_and(is_cjk) && after.is_some_and(is_cjk)) {
            out.push(' ');
        }
    }
    out
}

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
                        "DELETE FROM attachment_index WHERE rowid IN
                         (SELECT id FROM attachment_page WHERE attachment = ?1)",
                        [attachment],
                    )
                    .map_err(wrap)?;
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
                index_page(&self.conn, self.conn.last_insert_rowid(), &page.text).map_err(wrap)?;
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

/// Whether the attachment object `sha256` of `size` bytes (a page picture, an image) is in the
/// data folder with that size: a cheap check for screens; the sync verified its hash when it
/// stored it.
pub fn attachment_present(data_dir: &Path, sha256: &str, size: u64) -> bool {
    crate::feed::check_sha256(sha256).is_ok()
        && std::fs::symlink_metadata(crate::feed::object_path(data_dir, sha256))
            .is_ok_and(|meta| meta.is_file() && meta.len() == size)
}

/// Adds the search-index row of the page stored as `attachment_page` row `id` (its text as the
/// page set gave it).
pub(super) fn index_page(conn: &rusqlite::Connection, id: i64, text: &str) -> rusqlite::Result<()> {
    let streams = IndexStreams::of(&searchable(text));
    conn.prepare_cached(
        "INSERT INTO attachment_index (rowid, text, text_uni) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![id, streams.main, streams.unigrams])?;
    Ok(())
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

    #[test]
    fn text_in_attachment_pages_is_searchable_through_the_documents_that_list_them() {
        let mut store = crate::view_models::bundled_store();
        let sha = "c".repeat(64);
        let mut json: serde_json::Value =
            serde_json::from_str(crate::import::BUNDLED_CONTENT).expect("bundled");
        let entry = json["documents"]
            .as_array_mut()
            .expect("documents")
            .iter_mut()
            .find(|d| d["id"] == "ce-2012-00001")
            .expect("entry")
            .take();
        let mut entry = entry;
        entry["attachments"] = serde_json::json!([{
            "sha256": sha, "size": 10, "media_type": "application/pdf", "file_name": "附件一.pdf"
        }]);
        let doc = crate::content::Document::from_value(entry).expect("valid");
        store.upsert(&[doc], "bundled", None).expect("upsert");
        let mut pages = set(2, "首页");
        // A phrase wrapped over two lines is still found.
        pages.pages[1].text = "本年度受理申请人\n情况说明".into();
        store
            .replace_page_sets(&[(sha.clone(), "9".repeat(64), pages)])
            .expect("record");
        let hits = store.search_attachments("申请人情况", 5).expect("search");
        assert_eq!(hits.len(), 1, "{hits:?}");
        let hit = &hits[0];
        assert_eq!(
            (hit.document.as_str(), hit.position, hit.page),
            ("ce-2012-00001", 0, 2)
        );
        assert_eq!(hit.file_name, "附件一.pdf");
        assert_eq!(
            hit.snippet.marked("【", "】"),
            "本年度受理【申请人情况】说明"
        );
        // Traditional input finds it too; a removed page set no longer does.
        assert_eq!(
            store.search_attachments("申請人", 5).expect("search").len(),
            1
        );
        store.replace_page_sets(&[]).expect("drop");
        assert!(
            store
                .search_attachments("申请人情况", 5)
                .expect("search")
                .is_empty()
        );
    }
}
