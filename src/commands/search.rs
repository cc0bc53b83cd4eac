//! `readpoint search QUERY`: the kiosk's search from the command line, as text or JSON lines.

use std::process::ExitCode;

use serde::Serialize;

use super::{CommandError, Context};
use crate::cli::SearchArgs;
use crate::store::{SearchRequest, StoreError};

/// One line of `--json` output.
#[derive(Serialize)]
struct JsonHit<'a> {
    id: &'a str,
    kind: &'a str,
    title: &'a str,
    snippet: String,
    score: f64,
    tier: crate::store::MatchTier,
    date: Option<&'a str>,
}

/// Runs the search and prints the hits. No hits is not an error (exit 0, message on stderr);
/// a query with nothing searchable in it is (exit 1, with what to do instead).
pub fn run(context: &Context, args: &SearchArgs) -> Result<ExitCode, CommandError> {
    let store = context.open_store()?;
    let request = SearchRequest {
        query: args.query.clone(),
        limit: args.limit.into(),
        ..Default::default()
    };
    let results = match store.search(&request) {
        Ok(results) => results,
        Err(StoreError::Query(message)) => {
            return Err(CommandError::Other(format!(
                "cannot search for {:?}: {message}",
                args.query
            )));
        }
        Err(other) => return Err(other.into()),
    };
    if results.hits.is_empty() {
        eprintln!(
            "no results for {:?} — try fewer or shorter words, pinyin (shebao) or initials (sb)",
            args.query
        );
        return Ok(ExitCode::SUCCESS);
    }
    for (n, hit) in results.hits.iter().enumerate() {
        if args.json {
            let line = JsonHit {
                id: &hit.id,
                kind: &hit.kind,
                title: &hit.title.text,
                snippet: hit.snippet.marked("【", "】"),
                score: (hit.score * 1000.0).round() / 1000.0,
                tier: hit.tier,
                date: hit.date.as_deref(),
            };
            let text =
                serde_json::to_string(&line).map_err(|e| CommandError::Other(e.to_string()))?;
            println!("{text}");
        } else {
            println!(
                "{:>3}. {}  [{} · {}{}]",
                n + 1,
                hit.title.marked("【", "】"),
                hit.kind,
                hit.id,
                hit.date
                    .as_deref()
                    .map(|d| format!(" · {d}"))
                    .unwrap_or_default()
            );
            if !hit.snippet.text.is_empty() {
                println!("     {}", hit.snippet.marked("【", "】"));
            }
        }
    }
    if results.has_more && !args.json {
        println!("     … more results: use --limit to see them");
    }
    Ok(ExitCode::SUCCESS)
}
