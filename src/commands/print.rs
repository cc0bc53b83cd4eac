//! `readpoint print`: prints a document or a report exactly as the kiosk's 打印 does (same
//! layout, caps and printer checks; counted in the usage statistics), writes that PDF to a file
//! instead, or shows and manages the printer (state, queue, cancel, release) for staff.

use std::process::ExitCode;

use super::{CommandError, Context};
use crate::cli::PrintArgs;
use crate::print::ipp::{Printer, Which};
use crate::print::{PrintKind, PrintService};
use crate::store::{UsageCount, UsageEvent};
use crate::usage::recorder::local_day;
use crate::view_models::Display;
use crate::view_models::printables::{self, PrintContext};

/// Jobs listed by `--status`.
const QUEUE_LIMIT: i32 = 10;

/// Runs `readpoint print`.
pub fn run(context: &Context, args: &PrintArgs) -> Result<ExitCode, CommandError> {
    let config = &context.config.print;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::Other(format!("cannot start the print client: {e}")))?;
    let printer = || Printer::new(&config.printer).map_err(|e| CommandError::Other(e.to_string()));
    if args.status {
        let printer = printer()?;
        return runtime.block_on(async {
            let status = printer
                .status()
                .await
                .map_err(|e| CommandError::Other(e.to_string()))?;
            println!("printer     {}", printer.uri());
            println!("model       {}", status.model);
            println!(
                "state       {:?}{}",
                status.state,
                if status.accepting {
                    ""
                } else {
                    ", not accepting jobs"
                }
            );
            println!(
                "reasons     {}",
                if status.reasons.is_empty() {
                    "none".to_owned()
                } else {
                    status.reasons.join(", ")
                }
            );
            println!(
                "printing    {}",
                if config.enabled {
                    "on"
                } else {
                    "off (print.enabled = false)"
                }
            );
            for (title, which) in [("queue", Which::NotCompleted), ("done", Which::Completed)] {
                let jobs = printer
                    .jobs(which, QUEUE_LIMIT)
                    .await
                    .map_err(|e| CommandError::Other(e.to_string()))?;
                println!("{title:<12}{}", if jobs.is_empty() { "none" } else { "" });
                for job in jobs {
                    let pages = job.pages.map(|p| format!("{p} pages")).unwrap_or_default();
                    println!(
                        "  job {:<6} {:<11} {:<24} {pages}",
                        job.id,
                        job.state.as_str(),
                        job.name
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        });
    }
    if let Some(id) = args.cancel {
        let printer = printer()?;
        runtime
            .block_on(printer.cancel(id))
            .map_err(|e| CommandError::Other(e.to_string()))?;
        println!("job {id} cancelled");
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(id) = args.release {
        let printer = printer()?;
        runtime
            .block_on(printer.release(id))
            .map_err(|e| CommandError::Other(e.to_string()))?;
        println!("job {id} released");
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = context.open_store()?;
    let zone = context.config.display.time_zone.zone();
    let now = jiff::Timestamp::now();
    let print_context = PrintContext {
        time_zone: zone.clone(),
        now,
        portal_url: crate::view_models::portal_url(
            &store,
            context.config.kiosk.portal_url.clone(),
        )?,
        large: args.large,
        display: Display {
            traditional: args.traditional,
        },
    };
    let (kind, found) = match (args.id.as_deref(), args.application.as_deref()) {
        (Some(id), None) if args.attachment.is_some() => {
            let (from, to) = args.pages.unwrap_or((1, 1));
            let reading = crate::view_models::viewer::Reading {
                document: id.to_owned(),
                attachment: args.attachment.unwrap_or(1).saturating_sub(1),
                page: from,
                find: None,
            };
            let found = printables::attachment_pages(&store, &reading, (from, to), &print_context)?;
            if found.is_none() {
                return Err(CommandError::Other(format!(
                    "document {id:?} has no attachment {} with pages {from}–{to} on this kiosk — fix: check the numbers on the document screen (the pages of an attachment come with the sync, within sync.attachment_budget)",
                    args.attachment.unwrap_or(1)
                )));
            }
            (PrintKind::Attachment, found)
        }
        (_, Some(wanted)) => {
            let agency = &context.config.kiosk.agency_name;
            let found = printables::application(&store, wanted, agency, &print_context)?;
            if found.is_none() {
                return Err(CommandError::Other(
                    "the cache holds no application form (form_template) — fix: import or sync \
                     the content that has it"
                        .to_owned(),
                ));
            }
            (PrintKind::Application, found)
        }
        (Some(id), None) => match store.document(id)? {
            Some(row) if row.kind == crate::content::Kind::AnnualReport => (
                PrintKind::Report,
                printables::report(&store, id, &print_context)?,
            ),
            Some(_) => (
                PrintKind::Document,
                printables::document(&store, id, &print_context)?,
            ),
            None => (PrintKind::Document, None),
        },
        (None, None) => {
            return Err(CommandError::Other(
                "say what to print: readpoint print <document id> (find ids with `readpoint \
                 search`), --application <WANTED>, or --status"
                    .to_owned(),
            ));
        }
    };
    let Some((printable, title)) = found else {
        return Err(CommandError::Other(format!(
            "no document with id {:?} in the cache — fix: find ids with `readpoint search`",
            args.id.as_deref().unwrap_or_default()
        )));
    };
    if let Some(path) = &args.to_file {
        let (bytes, pages) =
            crate::print::render_to_pdf(&printable, &title, config.font.as_deref())
                .map_err(CommandError::Other)?;
        std::fs::write(path, &bytes)
            .map_err(|e| CommandError::Other(format!("cannot write {}: {e}", path.display())))?;
        println!("{} ({pages} pages) written to {}", title, path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let today = local_day(now, zone);
    let printed_today = store.usage_day(today)?.print_pages;
    let service = PrintService::new(
        config.clone(),
        today,
        u32::try_from(printed_today).unwrap_or(u32::MAX),
    );
    match runtime.block_on(service.print(kind, &title, &printable, today)) {
        Ok(printed) => {
            store.usage_add(
                &[
                    UsageCount {
                        day: today,
                        event: UsageEvent::PrintJob,
                        key: kind.as_str().to_owned(),
                        count: 1,
                    },
                    UsageCount {
                        day: today,
                        event: UsageEvent::PrintPages,
                        key: kind.as_str().to_owned(),
                        count: u64::from(printed.pages),
                    },
                ],
                crate::usage::MAX_KEYS_PER_DAY,
            )?;
            println!(
                "job {} sent to {}: {} pages{}",
                printed.job,
                config.printer,
                printed.pages,
                if printed.held {
                    ", held until staff release it"
                } else {
                    ""
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(refusal) => {
            let detail = match &refusal {
                crate::print::Refusal::Unreachable { detail }
                | crate::print::Refusal::Failed { detail } => format!(" ({detail})"),
                crate::print::Refusal::PrinterStopped { reasons } => {
                    format!(" ({})", reasons.join(", "))
                }
                _ => String::new(),
            };
            Err(CommandError::Other(format!(
                "not printed: {}{detail} — the visitor would see: {}",
                refusal.as_str(),
                refusal.visitor_text(context.config.kiosk.staff_desk.as_deref())
            )))
        }
    }
}
