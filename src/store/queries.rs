//! Read queries for every screen: status, guide, catalogue browsing with facet counts (keyset
//! pagination, newest first — never "load all rows"), annual reports, one document, related
//! documents. All of them are bounded by a `LIMIT` or by the size of a small kind.

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, params_from_iter};
use serde::Serialize;

use super::{Result, Store, migrations};
use crate::content::{Document, Kind};

/// Number of documents of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindCount {
    /// Wire kind name.
    pub kind: String,
    /// How many.
    pub count: u64,
}

/// What `readpoint status` reports about the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The cache file.
    pub cache_path: String,
    /// `PRAGMA user_version`.
    pub schema_version: u32,
    /// Documents per kind, reference and unknown kinds included.
    pub documents: Vec<KindCount>,
    /// The applied content version label, if any content was ever applied.
    pub content_version: Option<String>,
    /// When the applied content was published (RFC 3339), if known.
    pub content_published_at: Option<String>,
    /// When it was applied to this cache (RFC 3339).
    pub content_applied_at: Option<String>,
    /// Where it came from.
    pub content_source: Option<String>,
}

/// One document, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRow {
    /// Stable id.
    pub id: String,
    /// The kind (`Unknown` for a kind this build does not know; its wire name is
    /// `document.kind_name`).
    pub kind: Kind,
    /// Title.
    pub title: String,
    /// Summary, may be empty.
    pub summary: String,
    /// YYYY-MM-DD, if the document has a date.
    pub date: Option<String>,
    /// Whether the kiosk shows this kind.
    pub shown: bool,
    /// The document, typed (it was validated when it was written).
    pub document: Document,
}

/// One row of the catalogue list (标题, 索引号, 日期, 发布机构).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueRow {
    /// Keyset cursor: pass it as `after` to get the next page.
    pub key: i64,
    /// Stable id.
    pub id: String,
    /// 标题.
    pub title: String,
    /// 索引号.
    pub index_no: Option<String>,
    /// 日期 (YYYY-MM-DD).
    pub date: Option<String>,
    /// 发布机构.
    pub publisher: Option<String>,
    /// Kiosk category code.
    pub category: Option<String>,
}

/// Filters of the catalogue browser. `None` means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueFilter {
    /// Category code (JGZN …).
    pub category: Option<String>,
    /// Topic path ("概况信息/机构职能").
    pub topic: Option<String>,
    /// Year of the entry.
    pub year: Option<i32>,
    /// Publisher name.
    pub publisher: Option<String>,
    /// 主动公开 / 依申请公开 / 不予公开.
    pub disclosure_mode: Option<String>,
}

/// A facet value and how many entries have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value (category code, year, publisher …).
    pub value: String,
    /// Matching entries.
    pub count: u64,
}

/// Facet counts of the catalogue under a filter. Each facet is counted with every *other*
/// filter applied, so its chips show the choices available from the current selection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CatalogueFacets {
    /// Entries matching the whole filter.
    pub total: u64,
    /// Per category.
    pub category: Vec<FacetCount>,
    /// Per topic.
    pub topic: Vec<FacetCount>,
    /// Per year, newest first.
    pub year: Vec<FacetCount>,
    /// Per publisher.
    pub publisher: Vec<FacetCount>,
    /// Per disclosure mode.
    pub disclosure_mode: Vec<FacetCount>,
}

/// One annual report in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Report year.
    pub year: Option<i32>,
    /// Agency name.
    pub publisher: Option<String>,
    /// Publication date.
    pub date: Option<String>,
}

const CATALOGUE: &str = "catalogue_entry";

impl CatalogueFilter {
    /// `AND column = ?` clauses and their values.
    fn clauses(&self) -> (String, Vec<Value>) {
        let mut sql = String::new();
        let mut values = Vec::new();
        let text = |v: &Option<String>| v.clone().map(Value::Text);
        let pairs = [
            ("category", text(&self.category)),
            ("topic", text(&self.topic)),
            ("year", self.year.map(|y| Value::Integer(y.into()))),
            ("publisher", text(&self.publisher)),
            ("disclosure_mode", text(&self.disclosure_mode)),
        ];
        for (column, value) in pairs {
            if let Some(value) = value {
                sql.push_str(&format!(" AND {column} = ?"));
                values.push(value);
            }
        }
        (sql, values)
    }
}

impl Store {
    /// Cache facts for `readpoint status` and the staff screen.
    pub fn status(&self) -> Result<Status> {
        let err = |e| self.sqlite_err(e);
        let schema_version = migrations::version(&self.conn).map_err(err)?;
        let documents = self
            .conn
            .prepare("SELECT kind, count(*) FROM document GROUP BY kind ORDER BY kind")
            .and_then(|mut stmt| {
                stmt.query_map([], |row| {
                    Ok(KindCount {
                        kind: row.get(0)?,
                        count: count(row, 1)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(err)?;
        Ok(Status {
            cache_path: self.path.display().to_string(),
            schema_version,
            documents,
            content_version: self.meta("content_version")?,
            content_published_at: self.meta("content_published_at")?,
            content_applied_at: self.meta("content_applied_at")?,
            content_source: self.meta("content_source")?,
        })
    }

    /// One value of the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .map_err(|e| self.sqlite_err(e))
    }

    /// A document by id, shown or not.
    pub fn document(&self, id: &str) -> Result<Option<DocumentRow>> {
        self.conn
            .query_row(
                "SELECT id, kind, title, summary, date, shown, json FROM document WHERE id = ?1",
                [id],
                document_row,
            )
            .optional()
            .map_err(|e| self.sqlite_err(e))
    }

    /// All documents of a kind, newest first (small kinds only: guide, reports, procedures…).
    pub fn documents_of_kind(&self, kind: Kind) -> Result<Vec<DocumentRow>> {
        self.conn
            .prepare_cached(
                "SELECT id, kind, title, summary, date, shown, json FROM document
                 WHERE kind = ?1 ORDER BY recency DESC LIMIT 10000",
            )
            .and_then(|mut stmt| stmt.query_map([kind.as_str()], document_row)?.collect())
            .map_err(|e| self.sqlite_err(e))
    }

    /// Guide sections (公开指南): the current edition before historical ones, newest edition
    /// first, each in its sections' `order`.
    pub fn guide_sections(&self) -> Result<Vec<DocumentRow>> {
        self.conn
            .prepare_cached(
                "SELECT id, kind, title, summary, date, shown, json FROM document
                 WHERE kind = 'guide_section'
                 ORDER BY json_extract(doc_json(json), '$.status') = 'current' DESC, date DESC,
                          json_extract(doc_json(json), '$.guide_id'),
                          json_extract(doc_json(json), '$.order'), id
                 LIMIT 10000",
            )
            .and_then(|mut stmt| stmt.query_map([], document_row)?.collect())
            .map_err(|e| self.sqlite_err(e))
    }

    /// Annual reports, newest year first.
    pub fn annual_reports(&self) -> Result<Vec<ReportRow>> {
        self.conn
            .prepare_cached(
                "SELECT id, title, year, publisher, date FROM document
                 WHERE kind = 'annual_report' ORDER BY year DESC, recency DESC LIMIT 10000",
            )
            .and_then(|mut stmt| {
                stmt.query_map([], |row| {
                    Ok(ReportRow {
                        id: row.get(0)?,
                        title: row.get(1)?,
                        year: row.get(2)?,
                        publisher: row.get(3)?,
                        date: row.get(4)?,
                    })
                })?
                .collect()
            })
            .map_err(|e| self.sqlite_err(e))
    }

    /// One page of catalogue entries, newest first. Pass the last row's `key` as `after` for the
    /// next page (keyset pagination: every page costs the same, however deep).
    pub fn catalogue_page(
        &self,
        filter: &CatalogueFilter,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<CatalogueRow>> {
        let (clauses, mut values) = filter.clauses();
        let cursor = match after {
            Some(key) => {
                values.push(Value::Integer(key));
                " AND recency < ?"
            }
            None => "",
        };
        values.push(Value::Integer(limit.min(1000) as i64));
        let sql = format!(
            "SELECT recency, id, title, json_extract(doc_json(json), '$.index_no'), date, publisher, category
             FROM document WHERE kind = '{CATALOGUE}'{clauses}{cursor}
             ORDER BY recency DESC LIMIT ?"
        );
        self.catalogue_rows(&sql, params_from_iter(values))
    }

    /// The catalogue page that starts at row `offset` of the list (newest first), for a list
    /// view whose scroll bar is dragged far ahead of the pages loaded so far. The rows' keys are
    /// found by skipping `offset` entries of an index (no table rows are read while skipping);
    /// from there on, [`Store::catalogue_page`] with `after` continues at constant cost.
    pub fn catalogue_page_at(
        &self,
        filter: &CatalogueFilter,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<CatalogueRow>> {
        let (clauses, mut values) = filter.clauses();
        values.push(Value::Integer(limit.min(1000) as i64));
        values.push(Value::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));
        let sql = format!(
            "SELECT d.recency, d.id, d.title, json_extract(doc_json(d.json), '$.index_no'), d.date,
                    d.publisher, d.category
             FROM (SELECT recency FROM document WHERE kind = '{CATALOGUE}'{clauses}
                   ORDER BY recency DESC LIMIT ? OFFSET ?) AS k
             JOIN document d ON d.recency = k.recency
             ORDER BY d.recency DESC"
        );
        self.catalogue_rows(&sql, params_from_iter(values))
    }

    /// Facet counts for the catalogue browser under `filter`.
    pub fn catalogue_facets(&self, filter: &CatalogueFilter) -> Result<CatalogueFacets> {
        // Over `catalogue_cube` in memory (one row per combination of facet values, with how
        // many entries have it; triggers keep it in step with `document`): its cost grows with
        // the combinations, not the entries, and it is read again only after a commit.
        let cube = self.cube.get(&self.conn).map_err(|e| self.sqlite_err(e))?;
        let wanted = [
            filter.category.clone(),
            filter.topic.clone(),
            filter.year.map(|y| y.to_string()),
            filter.publisher.clone(),
            filter.disclosure_mode.clone(),
        ];
        let (total, counts) = cube.count(&wanted);
        let [category, topic, year, publisher, disclosure_mode] = counts.map(|counts| {
            let mut facet: Vec<FacetCount> = counts
                .into_iter()
                .map(|(value, count)| FacetCount { value, count })
                .collect();
            facet.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            facet
        });
        let mut year = year;
        year.sort_by(|a, b| b.value.cmp(&a.value));
        Ok(CatalogueFacets {
            total,
            category,
            topic,
            year,
            publisher,
            disclosure_mode,
        })
    }

    /// Documents related to `id`: its own `related_ids` first (in their order, shown ones only),
    /// then the newest entries of the same category, up to `limit`.
    pub fn related(&self, id: &str, limit: usize) -> Result<Vec<CatalogueRow>> {
        let mut rows = self.catalogue_rows(
            "SELECT d.recency, d.id, d.title, json_extract(doc_json(d.json), '$.index_no'), d.date,
                        d.publisher, d.category
                 FROM document src, json_each(doc_json(src.json), '$.related_ids') AS r
                 JOIN document d ON d.id = r.value
                 WHERE src.id = ?1 AND d.shown AND d.id <> src.id
                 ORDER BY r.key LIMIT ?2",
            rusqlite::params![id, limit as i64],
        )?;
        if rows.len() < limit {
            let more = self.catalogue_rows(
                // Nearest in time within the same category: two index range scans (older,
                // newer), each bounded, then the closest of both.
                "WITH src AS (SELECT recency AS k, kind, category FROM document WHERE id = ?1),
                     near AS (
                       SELECT * FROM (SELECT d.recency AS k FROM document d, src
                         WHERE d.kind = src.kind AND d.category = src.category AND d.recency < src.k
                         ORDER BY d.recency DESC LIMIT ?2)
                       UNION ALL
                       SELECT * FROM (SELECT d.recency AS k FROM document d, src
                         WHERE d.kind = src.kind AND d.category = src.category AND d.recency > src.k
                         ORDER BY d.recency ASC LIMIT ?2))
                     SELECT d.recency, d.id, d.title, json_extract(doc_json(d.json), '$.index_no'), d.date,
                            d.publisher, d.category
                     FROM near JOIN document d ON d.recency = near.k, src
                     WHERE d.shown ORDER BY abs(near.k - src.k) LIMIT ?2",
                rusqlite::params![id, limit as i64 * 2],
            )?;
            for row in more {
                if rows.len() >= limit {
                    break;
                }
                if !rows.iter().any(|r| r.id == row.id) {
                    rows.push(row);
                }
            }
        }
        Ok(rows)
    }

    /// Runs a query whose columns are those of [`CatalogueRow`].
    fn catalogue_rows(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<CatalogueRow>> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_map(params, catalogue_row)?.collect())
            .map_err(|e| self.sqlite_err(e))
    }
}

/// A `count(*)` column (never negative).
fn count(row: &Row<'_>, index: usize) -> rusqlite::Result<u64> {
    Ok(row.get::<_, i64>(index)?.max(0).unsigned_abs())
}

fn document_row(row: &Row<'_>) -> rusqlite::Result<DocumentRow> {
    let id: String = row.get(0)?;
    let document = super::packed::unpack(row.get_ref(6)?)
        .and_then(|json| serde_json::from_str(&json).map_err(|e| e.to_string()))
        .and_then(|value| {
            Document::from_value(value).map_err(|problems| {
                let first = problems.first().map(ToString::to_string).unwrap_or_default();
                format!("{} problem(s), first: {first}", problems.len())
            })
        })
        .map_err(|reason| {
            rusqlite::Error::FromSqlConversionFailure(
                6,
                rusqlite::types::Type::Text,
                format!(
                    "document {id:?} in the cache is not a valid document ({reason}) — fix: stop the kiosk and delete the cache file; it is rebuilt from the bundled content and the next sync"
                )
                .into(),
            )
        })?;
    let kind: String = row.get(1)?;
    Ok(DocumentRow {
        id,
        kind: Kind::from_wire(&kind),
        title: row.get(2)?,
        summary: row.get(3)?,
        date: row.get(4)?,
        shown: row.get(5)?,
        document,
    })
}

fn catalogue_row(row: &Row<'_>) -> rusqlite::Result<CatalogueRow> {
    Ok(CatalogueRow {
        key: row.get(0)?,
        id: row.get(1)?,
        title: row.get(2)?,
        index_no: row.get(3)?,
        date: row.get(4)?,
        publisher: row.get(5)?,
        category: row.get(6)?,
    })
}
