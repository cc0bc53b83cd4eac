//! `readpoint show ID`: one document, as a readable page or as stored JSON.

use std::process::ExitCode;

use super::{CommandError, Context};
use crate::cli::ShowArgs;

/// Catalogue metadata shown as a two-column table: (label, JSON field).
const CATALOGUE_FIELDS: [(&str, &str); 8] = [
    ("索引号", "index_no"),
    ("文号", "doc_number"),
    ("发布机构", "publisher.name"),
    ("生成日期", "generated_date"),
    ("公开日期", "published_date"),
    ("主题分类", "topic_sichuan"),
    ("公开方式", "disclosure_mode"),
    ("时效", "validity"),
];

/// Prints the document or says that no document has this id.
pub fn run(context: &Context, args: &ShowArgs) -> Result<ExitCode, CommandError> {
    let store = context.open_store()?;
    let Some(row) = store.document(&args.id)? else {
        return Err(CommandError::Other(format!(
            "no document with id {:?} in the cache — fix: find ids with `readpoint search`",
            args.id
        )));
    };
    if args.json {
        println!("{}", row.document.raw.to_json_pretty());
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", row.title);
    println!("{}", "=".repeat(row.title.chars().count().max(1) * 2));
    println!("{:<10}{}  ({})", "id", row.id, row.document.kind_name);
    if row.kind == crate::content::Kind::CatalogueEntry {
        for (label, path) in CATALOGUE_FIELDS {
            if let Some(value) = row.document.raw.shown_field(path) {
                println!("{label}\t{value}");
            }
        }
    } else if let Some(date) = &row.date {
        println!("{:<10}{date}", "date");
    }
    let fields = row.document.index_fields();
    if !fields.summary.is_empty() {
        println!("\n{}", fields.summary);
    }
    if !fields.body.is_empty() {
        println!("\n{}", fields.body);
    }
    if !row.shown {
        println!(
            "\n(this is a {} document: kept in the cache but not shown on the kiosk)",
            row.document.kind_name
        );
    }
    Ok(ExitCode::SUCCESS)
}
