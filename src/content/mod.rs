//! The content model: typed, validated documents of a reading point's content (公开指南 sections,
//! 公开目录 entries, 年度报告, the 依申请公开 procedure and form, reading points) and the
//! reference documents they rely on (report formats with table templates, taxonomies, agencies).
//!
//! This module owns the shape and the rules of content: parsing a content file or feed shard,
//! validating each document (returning every problem, with a field path), validating a set of
//! documents together (ids, references, report tables against their templates and checks), the
//! merged-cell layout of report tables, and the text projection used for search.
//!
//! It is pure: it never performs I/O (no files, network, SQL, clock or printing). Callers read
//! bytes, hand over text or JSON values, and decide what to do with the problems returned.

mod catalogue;
mod checks;
mod common;
mod date;
mod document;
mod file;
mod grid;
mod guide;
mod index;
mod intake;
mod problem;
mod procedure;
mod reading_point;
mod reference;
mod report;
mod template;
mod text;
mod validate;

pub use catalogue::{Attachment, CatalogueEntry, DisclosureMode, TimeLimit, Validity};
pub use checks::{CellValue, Cells, CheckFailure, cell, check_table, format_number};
pub use common::{AgencyRef, Contact, MetadataStatus, Provenance};
pub use date::{Date, days_in_month, is_leap_year};
pub use document::{Document, DocumentData, Kind, NO_ID, SourceJson};
pub use file::{ContentError, ContentFile, SHARD_FORMAT};
pub use grid::{HeaderCell, HeaderGrid, header_grid, row_label_grid};
pub use guide::{GuideSection, GuideStatus};
pub use index::{ANNUAL_REPORT_CATEGORY, IndexFields};
pub use intake::Intake;
pub use problem::{Problem, escape_hidden};
pub use procedure::{
    FieldType, FormField, FormGroup, FormTemplate, Procedure, Step, TimeLimitRule,
};
pub use reading_point::{CountCandidate, ReadingPointGroup};
pub use reference::{Agency, InternalUnit, Taxonomy, Term};
pub use report::{
    AnnualReport, Conversion, KeyFigure, OriginalText, Passage, Period, Replacement, ReportSection,
    ReportTable, Subsection, table_value,
};
pub use template::{
    Check, ColumnSpec, ColumnType, MAX_ROW_LABEL_COLUMNS, ReportFormat, RowSpec, Selection,
    TableTemplate,
};
pub(crate) use text::is_hidden_or_control;
pub use text::{
    check_file_name, check_identifier, check_index_no, check_language_tag, check_media_type,
    check_org_code, check_plain_text, check_postcode, check_sha256,
};
pub use validate::validate_set;

#[cfg(test)]
mod tests;
