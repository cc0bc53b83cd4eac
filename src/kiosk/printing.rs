//! 打印 on the kiosk: the print dialog (page count, 大字打印, send, the outcome in plain words)
//! and the print thread that lays out, renders and sends jobs, so the UI never waits on the
//! font, the PDF writer or the printer.
//!
//! Owns the dialog's state and which screen a print belongs to (a late answer for a dialog the
//! visitor closed, or for an older screen, is dropped). Must never: block the UI thread, keep a
//! printable past the dialog, or put anything the visitor did into a job beyond the pages they
//! asked for.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::{Arc, mpsc};

use slint::ComponentHandle;

use super::{Kiosk, Place};
use crate::print::ipp::{Job, JobState, PrinterState, PrinterStatus, Which};
use crate::print::layout::Printable;
use crate::print::{PrintKind, PrintService, Printed, Refusal};
use crate::store::StoreError;
use crate::ui::{
    AppWindow, PrintPhase, Printing, StaffAdapter, StaffJobView, StaffPrinterView, Theme,
    ViewerAdapter,
};
use crate::usage;
use crate::view_models::printables::{self, PrintContext};

/// What the print thread does.
enum Request {
    /// The printer's state and its recent jobs (the staff screen).
    Queue,
    /// Cancel a job (staff).
    Cancel(i32),
    /// Release a held job (staff).
    Release(i32),
    /// Count the pages.
    Pages(Printable),
    /// Send the job.
    Print {
        kind: PrintKind,
        title: String,
        printable: Printable,
        today: jiff::civil::Date,
    },
}

/// The printer as the staff screen shows it.
struct Queue {
    status: PrinterStatus,
    jobs: Vec<Job>,
}

/// Its answer.
enum Outcome {
    Queue(Result<Queue, String>),
    Managed(Result<(), String>),
    Pages(Result<u32, Refusal>),
    Printed(Result<Printed, Refusal>),
}

struct Task {
    request: Request,
    reply: tokio::sync::oneshot::Sender<Outcome>,
}

/// Jobs the staff panel lists (waiting first, then the last finished ones).
const STAFF_JOBS: i32 = 10;

fn handle(service: &PrintService, runtime: &tokio::runtime::Runtime, request: Request) -> Outcome {
    match request {
        Request::Queue => Outcome::Queue(runtime.block_on(async {
            let printer = service.printer().map_err(|e| e.to_string())?;
            let status = printer.status().await.map_err(|e| e.to_string())?;
            let mut jobs = printer
                .jobs(Which::NotCompleted, STAFF_JOBS)
                .await
                .map_err(|e| e.to_string())?;
            jobs.extend(
                printer
                    .jobs(Which::Completed, STAFF_JOBS)
                    .await
                    .map_err(|e| e.to_string())?,
            );
            Ok(Queue { status, jobs })
        })),
        Request::Cancel(id) => Outcome::Managed(runtime.block_on(async {
            let printer = service.printer().map_err(|e| e.to_string())?;
            printer.cancel(id).await.map_err(|e| e.to_string())
        })),
        Request::Release(id) => Outcome::Managed(runtime.block_on(async {
            let printer = service.printer().map_err(|e| e.to_string())?;
            printer.release(id).await.map_err(|e| e.to_string())
        })),
        Request::Pages(printable) => Outcome::Pages(service.pages(&printable)),
        Request::Print {
            kind,
            title,
            printable,
            today,
        } => Outcome::Printed(runtime.block_on(service.print(kind, &title, &printable, today))),
    }
}

enum Mode {
    /// The print thread.
    Threaded(mpsc::Sender<Task>),
    /// Everything at once on the calling thread (offline rendering, single-threaded UI tests).
    Inline {
        service: Arc<PrintService>,
        runtime: tokio::runtime::Runtime,
    },
}

/// The print thread (or its inline stand-in) and the dialog's state.
pub struct PrintDesk {
    mode: Mode,
    service: Arc<PrintService>,
    /// Bumped whenever the dialog opens, changes or closes: older answers are dropped.
    token: Cell<u64>,
    /// What the open dialog prints.
    target: std::cell::RefCell<Option<Target>>,
    /// Pinyin typed so far while the visitor edits the 申请表's description.
    composing: std::cell::RefCell<String>,
    /// Which page of candidates is shown.
    candidate_page: Cell<usize>,
}

impl PrintDesk {
    /// Starts the print thread for `service`.
    pub fn spawn(service: Arc<PrintService>) -> std::io::Result<PrintDesk> {
        let (tasks, queue) = mpsc::channel::<Task>();
        let thread_service = service.clone();
        std::thread::Builder::new()
            .name("print".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(err) => {
                        tracing::error!(%err, "the print thread cannot start; printing is off");
                        return;
                    }
                };
                for task in queue {
                    let outcome = handle(&thread_service, &runtime, task.request);
                    // The dialog may have gone: nobody waits for the answer then.
                    let _ = task.reply.send(outcome);
                }
            })?;
        Ok(PrintDesk {
            mode: Mode::Threaded(tasks),
            service,
            token: Cell::new(0),
            target: std::cell::RefCell::new(None),
            composing: std::cell::RefCell::new(String::new()),
            candidate_page: Cell::new(0),
        })
    }

    /// Runs every request at once on the calling thread.
    pub fn inline(service: Arc<PrintService>) -> std::io::Result<PrintDesk> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(PrintDesk {
            mode: Mode::Inline {
                service: service.clone(),
                runtime,
            },
            service,
            token: Cell::new(0),
            target: std::cell::RefCell::new(None),
            composing: std::cell::RefCell::new(String::new()),
            candidate_page: Cell::new(0),
        })
    }

    /// The service (today's count, the staff screen's printer).
    pub fn service(&self) -> &Arc<PrintService> {
        &self.service
    }

    fn run(&self, request: Request, apply: impl FnOnce(Outcome) + 'static) {
        match &self.mode {
            Mode::Inline { service, runtime } => apply(handle(service, runtime, request)),
            Mode::Threaded(tasks) => {
                let (reply, answer) = tokio::sync::oneshot::channel();
                if tasks.send(Task { request, reply }).is_err() {
                    tracing::error!("the print thread has stopped");
                    apply(Outcome::Printed(Err(Refusal::Failed {
                        detail: "the print thread has stopped".into(),
                    })));
                    return;
                }
                let spawned = slint::spawn_local(async move {
                    if let Ok(outcome) = answer.await {
                        apply(outcome);
                    }
                });
                if let Err(err) = spawned {
                    tracing::error!(%err, "cannot wait for the printer's answer");
                }
            }
        }
    }

    fn next_token(&self) -> u64 {
        let token = self.token.get().wrapping_add(1);
        self.token.set(token);
        token
    }
}

/// What the open dialog prints.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A document or report on display.
    Screen(PrintKind, String),
    /// The 申请表, with what the visitor looked for.
    Application(String),
    /// Pages `from..=to` of the attachment in the viewer.
    Attachment {
        reading: crate::view_models::viewer::Reading,
        from: u32,
        to: u32,
        /// Pages in the attachment (the range's bound).
        pages: u32,
    },
}

impl Target {
    fn kind(&self) -> PrintKind {
        match self {
            Target::Screen(kind, _) => *kind,
            Target::Application(_) => PrintKind::Application,
            Target::Attachment { .. } => PrintKind::Attachment,
        }
    }
}

/// The screen on display, if it is printable.
fn screen_target(place: &Place, pages: u32) -> Option<Target> {
    match place {
        Place::Viewer(reading) => Some(Target::Attachment {
            reading: reading.clone(),
            from: reading.page,
            to: reading.page,
            pages,
        }),
        Place::Document(id) => Some(Target::Screen(PrintKind::Document, id.clone())),
        Place::Report(id) => Some(Target::Screen(PrintKind::Report, id.clone())),
        _ => None,
    }
}

/// Builds the printable of `target` (store worker side).
fn build(
    store: &crate::store::Store,
    target: &Target,
    mut context: PrintContext,
    configured_portal: Option<String>,
    agency_name: &str,
) -> Result<Option<(Printable, String)>, StoreError> {
    context.portal_url = crate::view_models::portal_url(store, configured_portal)?;
    match target {
        Target::Screen(PrintKind::Report, id) => printables::report(store, id, &context),
        Target::Screen(_, id) => printables::document(store, id, &context),
        Target::Application(wanted) => {
            printables::application(store, wanted, agency_name, &context)
        }
        Target::Attachment {
            reading, from, to, ..
        } => printables::attachment_pages(store, reading, (*from, *to), &context),
    }
}

/// The page range of an attachment target in the dialog (0 hides the range).
fn show_range(printing: &Printing, target: &Target) {
    let (from, to, pages) = match target {
        Target::Attachment {
            from, to, pages, ..
        } => (*from, *to, *pages),
        _ => (0, 0, 0),
    };
    printing.set_range_from(i32::try_from(from).unwrap_or(0));
    printing.set_range_to(i32::try_from(to).unwrap_or(0));
    printing.set_range_pages(i32::try_from(pages).unwrap_or(0));
}

/// The phase shown for a refusal.
fn refusal_phase(printing: &Printing, refusal: &Refusal) -> PrintPhase {
    match refusal {
        Refusal::Off => PrintPhase::Off,
        Refusal::TooManyPages { pages, max } => {
            printing.set_pages(i32::try_from(*pages).unwrap_or(i32::MAX));
            printing.set_limit(i32::try_from(*max).unwrap_or(i32::MAX));
            PrintPhase::TooMany
        }
        Refusal::DayUsedUp { pages, left } => {
            printing.set_pages(i32::try_from(*pages).unwrap_or(i32::MAX));
            printing.set_limit(i32::try_from(*left).unwrap_or(i32::MAX));
            PrintPhase::DayUsedUp
        }
        Refusal::OutOfPaper => PrintPhase::NoPaper,
        Refusal::PrinterStopped { .. } | Refusal::Unreachable { .. } | Refusal::Failed { .. } => {
            PrintPhase::Unavailable
        }
    }
}

impl Kiosk {
    fn print_context(&self, large: bool) -> PrintContext {
        PrintContext {
            time_zone: self.options.zone.clone(),
            now: jiff::Timestamp::now(),
            portal_url: None,
            large,
            display: self.display(),
        }
    }

    /// Shows `phase`, builds the open dialog's printable on the store worker, then hands it to
    /// `then` on the UI thread, unless the dialog changed or closed meanwhile (`token`). A
    /// printable that cannot be built is refused.
    fn with_printable(
        self: &Rc<Self>,
        token: u64,
        phase: PrintPhase,
        then: impl FnOnce(&Rc<Kiosk>, &PrintDesk, PrintKind, Printable, String) + 'static,
    ) {
        let (Some(desk), Some(app)) = (self.print_desk(), self.app()) else {
            return;
        };
        let Some(target) = desk.target.borrow().clone() else {
            return;
        };
        let kind = target.kind();
        let printing = app.global::<Printing>();
        printing.set_phase(phase);
        let context = self.print_context(printing.get_large());
        let portal = self.options.portal_url.clone();
        let agency = self.options.agency_name.clone();
        let weak = Rc::downgrade(self);
        self.worker().run(
            move |store| build(store, &target, context, portal, &agency),
            move |built| {
                let Some(kiosk) = weak.upgrade() else { return };
                let Some(desk) = kiosk.print_desk() else {
                    return;
                };
                if desk.token.get() != token {
                    return;
                }
                match built {
                    Ok(Some((printable, title))) => then(&kiosk, desk, kind, printable, title),
                    other => {
                        if let Err(err) = other {
                            tracing::error!(%err, "cannot read the document to print");
                        }
                        kiosk.print_refused(&Refusal::Failed {
                            detail: "not in the cache".into(),
                        });
                    }
                }
            },
        );
    }

    /// Counts the pages of the open dialog's printable (token `token`).
    fn count_pages(self: &Rc<Self>, token: u64) {
        self.with_printable(
            token,
            PrintPhase::Counting,
            move |kiosk, desk, _, printable, _| {
                let weak = Rc::downgrade(kiosk);
                desk.run(Request::Pages(printable), move |outcome| {
                    let Some(kiosk) = weak.upgrade() else { return };
                    let Some(app) = kiosk.app() else { return };
                    if kiosk.print_desk().map(|d| d.token.get()) != Some(token) {
                        return;
                    }
                    let printing = app.global::<Printing>();
                    match outcome {
                        Outcome::Pages(Ok(pages)) => {
                            printing.set_pages(i32::try_from(pages).unwrap_or(i32::MAX));
                            printing.set_phase(PrintPhase::Ready);
                        }
                        Outcome::Pages(Err(refusal)) | Outcome::Printed(Err(refusal)) => {
                            kiosk.print_refused(&refusal);
                        }
                        _ => {}
                    }
                });
            },
        );
    }

    fn print_refused(&self, refusal: &Refusal) {
        let Some(app) = self.app() else { return };
        let printing = app.global::<Printing>();
        let phase = refusal_phase(&printing, refusal);
        tracing::info!(refusal = refusal.as_str(), detail = ?refusal, "a print was refused");
        printing.set_phase(phase);
    }

    /// Sends the job of the open dialog (token `token`).
    fn send_print(self: &Rc<Self>, token: u64) {
        let today = jiff::Timestamp::now()
            .to_zoned(self.options.zone.clone())
            .date();
        self.with_printable(
            token,
            PrintPhase::Sending,
            move |kiosk, desk, kind, printable, title| {
                let weak = Rc::downgrade(kiosk);
                let request = Request::Print {
                    kind,
                    title,
                    printable,
                    today,
                };
                desk.run(request, move |outcome| {
                    let Some(kiosk) = weak.upgrade() else { return };
                    let Some(app) = kiosk.app() else { return };
                    // A job the printer accepted is counted even if the dialog has closed.
                    if let Outcome::Printed(Ok(printed)) = &outcome {
                        tracing::info!(
                            job = printed.job,
                            pages = printed.pages,
                            kind = kind.as_str(),
                            "printed"
                        );
                        kiosk.record(usage::Event::Printed {
                            kind: kind.as_str(),
                            pages: printed.pages,
                        });
                    }
                    if kiosk.print_desk().map(|d| d.token.get()) != Some(token) {
                        return;
                    }
                    let printing = app.global::<Printing>();
                    match outcome {
                        Outcome::Printed(Ok(printed)) => {
                            printing.set_pages(i32::try_from(printed.pages).unwrap_or(i32::MAX));
                            printing.set_phase(if printed.held {
                                PrintPhase::Held
                            } else {
                                PrintPhase::Printing
                            });
                        }
                        Outcome::Printed(Err(refusal)) | Outcome::Pages(Err(refusal)) => {
                            kiosk.print_refused(&refusal);
                        }
                        _ => {}
                    }
                });
            },
        );
    }

    fn open_print_dialog(self: &Rc<Self>, app: &AppWindow, target: Target) {
        let Some(desk) = self.print_desk() else {
            return;
        };
        let wanted = match &target {
            Target::Application(wanted) => Some(wanted.clone()),
            Target::Screen(..) | Target::Attachment { .. } => None,
        };
        let printing = app.global::<Printing>();
        show_range(&printing, &target);
        let token = desk.next_token();
        *desk.target.borrow_mut() = Some(target);
        printing.set_application(wanted.is_some());
        printing.set_wanted(self.display().shared(wanted.as_deref().unwrap_or("")));
        // A visitor reading in 大字 mode gets large print by default.
        printing.set_large(app.global::<Theme>().get_large_text());
        printing.set_pages(0);
        printing.set_dialog_open(true);
        self.count_pages(token);
    }

    /// Closes the print dialog; answers still on their way are dropped.
    pub(super) fn close_print_dialog(&self) {
        if let Some(desk) = self.print_desk() {
            desk.next_token();
            // The application's description is what the visitor searched: forgotten here.
            *desk.target.borrow_mut() = None;
        }
        if let Some(app) = self.app() {
            let printing = app.global::<Printing>();
            printing.set_dialog_open(false);
            printing.set_phase(PrintPhase::Counting);
            printing.set_pages(0);
            printing.set_application(false);
            printing.set_wanted("".into());
            printing.set_editing(false);
        }
        self.stop_editing();
    }

    /// Leaves the description editor: the composition and candidates are forgotten.
    fn stop_editing(&self) {
        if let Some(desk) = self.print_desk() {
            desk.composing.borrow_mut().clear();
            desk.candidate_page.set(0);
        }
        if let Some(app) = self.app() {
            let printing = app.global::<Printing>();
            printing.set_composing("".into());
            printing.set_candidates(crate::view_models::model(Vec::new()));
            printing.set_more_candidates(false);
        }
    }

    /// Applies one edit of the 申请表's description (`edit` changes the wanted text and the
    /// pinyin being composed), then shows the result and the candidates.
    fn edit_wanted(&self, edit: impl FnOnce(&mut String, &mut String)) {
        let (Some(desk), Some(app)) = (self.print_desk(), self.app()) else {
            return;
        };
        let wanted = {
            let mut target = desk.target.borrow_mut();
            let Some(Target::Application(wanted)) = target.as_mut() else {
                return;
            };
            let mut composing = desk.composing.borrow_mut();
            let before = composing.clone();
            edit(wanted, &mut composing);
            if *composing != before {
                desk.candidate_page.set(0);
            }
            if wanted.chars().count() > MAX_WANTED_CHARS {
                *wanted = wanted.chars().take(MAX_WANTED_CHARS).collect();
            }
            wanted.clone()
        };
        let display = self.display();
        let printing = app.global::<Printing>();
        printing.set_wanted(display.shared(&wanted));
        let composing = desk.composing.borrow().clone();
        printing.set_composing(composing.as_str().into());
        let all = ime().candidates(&composing);
        let page = desk.candidate_page.get();
        let shown: Vec<slint::SharedString> = all
            .iter()
            .skip(page * CANDIDATES_SHOWN)
            .take(CANDIDATES_SHOWN)
            .map(|c| display.shared(&c.to_string()))
            .collect();
        printing.set_more_candidates(all.len() > (page + 1) * CANDIDATES_SHOWN || page > 0);
        printing.set_candidates(crate::view_models::model(shown));
    }
}

/// Longest description of the information wanted (the form has room for about this much).
const MAX_WANTED_CHARS: usize = 200;

/// Candidates shown at once (更多 shows the next ones).
const CANDIDATES_SHOWN: usize = 6;

impl Kiosk {
    /// Reads the printer's state and jobs into the staff screen's printer panel.
    pub fn refresh_printer_panel(self: &Rc<Self>) {
        let (Some(desk), Some(app)) = (self.print_desk(), self.app()) else {
            return;
        };
        let config = desk.service().config().clone();
        let zone = self.options.zone.clone();
        let today = jiff::Timestamp::now().to_zoned(zone).date();
        let printed = desk.service().printed_on(today);
        let adapter = app.global::<StaffAdapter>();
        adapter.set_printer(StaffPrinterView {
            enabled: config.enabled,
            address: config.printer.clone().into(),
            state: "正在读取…".into(),
            no_paper: false,
            today: format!("{printed} / {}", config.max_pages_per_day).into(),
        });
        let weak = Rc::downgrade(self);
        desk.run(Request::Queue, move |outcome| {
            let Some(kiosk) = weak.upgrade() else { return };
            let Some(app) = kiosk.app() else { return };
            let adapter = app.global::<StaffAdapter>();
            let mut view = adapter.get_printer();
            match outcome {
                Outcome::Queue(Ok(queue)) => {
                    view.state = printer_state_text(&queue.status).into();
                    view.no_paper = queue.status.out_of_paper();
                    adapter.set_print_jobs(crate::view_models::model(
                        queue.jobs.iter().map(job_view).collect(),
                    ));
                }
                Outcome::Queue(Err(err)) => {
                    view.state = format!("无法连接：{err}").into();
                    adapter.set_print_jobs(crate::view_models::model(Vec::new()));
                }
                _ => {}
            }
            adapter.set_printer(view);
        });
    }

    /// Cancels (`release == false`) or releases job `id`, then refreshes the panel.
    fn manage_job(self: &Rc<Self>, id: i32, release: bool) {
        let Some(desk) = self.print_desk() else {
            return;
        };
        let request = if release {
            Request::Release(id)
        } else {
            Request::Cancel(id)
        };
        let weak = Rc::downgrade(self);
        desk.run(request, move |outcome| {
            let Some(kiosk) = weak.upgrade() else { return };
            if let (Outcome::Managed(Err(err)), Some(app)) = (&outcome, kiosk.app()) {
                app.global::<StaffAdapter>()
                    .set_message(format!("任务 {id}：{err}").into());
            }
            tracing::info!(
                job = id,
                release,
                "a print job was managed from the staff screen"
            );
            kiosk.refresh_printer_panel();
        });
    }
}

/// The printer's state in words, with its reasons.
fn printer_state_text(status: &PrinterStatus) -> String {
    let state = match status.state {
        PrinterState::Idle => "就绪",
        PrinterState::Processing => "正在打印",
        PrinterState::Stopped => "已停止",
    };
    let mut text = state.to_owned();
    if !status.accepting {
        text.push_str("，不接受新任务");
    }
    if !status.reasons.is_empty() {
        text.push_str(&format!("（{}）", status.reasons.join(", ")));
    }
    if !status.model.is_empty() {
        text.push_str(&format!("　{}", status.model));
    }
    text
}

fn job_view(job: &Job) -> StaffJobView {
    let state = match job.state {
        JobState::Pending => "排队中",
        JobState::Held => "等待放行",
        JobState::Processing => "正在打印",
        JobState::Stopped => "已暂停",
        JobState::Canceled => "已取消",
        JobState::Aborted => "已中止",
        JobState::Completed => "已完成",
    };
    StaffJobView {
        id: job.id,
        name: job.name.as_str().into(),
        state: state.into(),
        pages: job
            .pages
            .map(|p| format!("{p} 页"))
            .unwrap_or_default()
            .into(),
        can_cancel: !job.state.is_final(),
        can_release: job.state == JobState::Held,
    }
}

/// Wires the 打印 button and the dialog.
pub(super) fn connect(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    let printing = app.global::<Printing>();
    printing.set_offered(
        kiosk
            .print_desk()
            .is_some_and(|d| d.service().config().enabled),
    );
    printing.on_open(kiosk.callback(|kiosk, app| {
        kiosk.visitor_action(usage::Event::Activity);
        let pages = u32::try_from(app.global::<ViewerAdapter>().get_pages()).unwrap_or(1);
        if let Some(target) = screen_target(&kiosk.current(), pages) {
            kiosk.open_print_dialog(app, target);
        }
    }));
    let set_range = kiosk.callback_with(|kiosk, app, (from, to): (i32, i32)| {
        kiosk.visitor_action(usage::Event::Activity);
        let Some(desk) = kiosk.print_desk() else {
            return;
        };
        let changed = {
            let mut target = desk.target.borrow_mut();
            match target.as_mut() {
                Some(Target::Attachment {
                    from: f,
                    to: t,
                    pages,
                    ..
                }) => {
                    let last = i64::from(*pages);
                    let from = i64::from(from).clamp(1, last);
                    let to = i64::from(to).clamp(from, last);
                    (*f, *t) = (from as u32, to as u32);
                    true
                }
                _ => false,
            }
        };
        if changed {
            if let Some(target) = desk.target.borrow().as_ref() {
                show_range(&app.global::<Printing>(), target);
            }
            let token = desk.next_token();
            kiosk.count_pages(token);
        }
    });
    printing.on_set_range(move |from, to| set_range((from, to)));
    printing.on_open_application(kiosk.callback(|kiosk, app| {
        kiosk.visitor_action(usage::Event::Activity);
        if let Some(wanted) = crate::view_models::search::wanted(app) {
            kiosk.open_print_dialog(app, Target::Application(wanted));
        }
    }));
    printing.on_toggle_large(kiosk.callback(|kiosk, app| {
        kiosk.visitor_action(usage::Event::Activity);
        let Some(desk) = kiosk.print_desk() else {
            return;
        };
        let printing = app.global::<Printing>();
        printing.set_large(!printing.get_large());
        let token = desk.next_token();
        kiosk.count_pages(token);
    }));
    // Editing the 申请表's description with the on-screen keyboard and pinyin candidates.
    printing.on_edit(kiosk.callback(|kiosk, app| {
        kiosk.visitor_action(usage::Event::Activity);
        app.global::<Printing>().set_editing(true);
        kiosk.edit_wanted(|_, _| {});
    }));
    printing.on_edit_key(kiosk.callback_with(|kiosk, _, key: slint::SharedString| {
        kiosk.visitor_action(usage::Event::Activity);
        let Some(c) = key.chars().next().filter(|c| c.is_ascii_alphanumeric()) else {
            return;
        };
        kiosk.edit_wanted(|wanted, composing| {
            if c.is_ascii_digit() && composing.is_empty() {
                wanted.push(c);
            } else if c.is_ascii_alphabetic() && composing.len() < 12 {
                composing.push(c.to_ascii_lowercase());
            }
        });
    }));
    printing.on_edit_backspace(kiosk.callback(|kiosk, _| {
        kiosk.visitor_action(usage::Event::Activity);
        kiosk.edit_wanted(|wanted, composing| {
            if composing.pop().is_none() {
                wanted.pop();
            }
        });
    }));
    printing.on_edit_clear(kiosk.callback(|kiosk, _| {
        kiosk.visitor_action(usage::Event::Activity);
        kiosk.edit_wanted(|wanted, composing| {
            if composing.is_empty() {
                wanted.clear();
            } else {
                composing.clear();
            }
        });
    }));
    printing.on_pick(
        kiosk.callback_with(|kiosk, _, picked: slint::SharedString| {
            kiosk.visitor_action(usage::Event::Activity);
            kiosk.edit_wanted(|wanted, composing| {
                wanted.push_str(&picked);
                composing.clear();
            });
        }),
    );
    printing.on_more_candidates_page(kiosk.callback(|kiosk, _| {
        kiosk.visitor_action(usage::Event::Activity);
        if let Some(desk) = kiosk.print_desk() {
            let all = ime().candidates(&desk.composing.borrow()).len();
            let next = desk.candidate_page.get() + 1;
            desk.candidate_page.set(if next * CANDIDATES_SHOWN < all {
                next
            } else {
                0
            });
        }
        kiosk.edit_wanted(|_, _| {});
    }));
    printing.on_edit_done(kiosk.callback(|kiosk, app| {
        kiosk.visitor_action(usage::Event::Activity);
        app.global::<Printing>().set_editing(false);
        kiosk.stop_editing();
        // The form with the new description: counted again.
        if let Some(desk) = kiosk.print_desk() {
            let token = desk.next_token();
            kiosk.count_pages(token);
        }
    }));
    printing.on_confirm(kiosk.callback(|kiosk, app| {
        kiosk.visitor_action(usage::Event::Activity);
        let Some(desk) = kiosk.print_desk() else {
            return;
        };
        if app.global::<Printing>().get_phase() != PrintPhase::Ready {
            return;
        }
        let token = desk.token.get();
        kiosk.send_print(token);
    }));
    let staff = app.global::<StaffAdapter>();
    staff.on_refresh_printer(kiosk.callback(|kiosk, _| kiosk.refresh_printer_panel()));
    staff.on_cancel_job(kiosk.callback_with(|kiosk, _, id: i32| kiosk.manage_job(id, false)));
    staff.on_release_job(kiosk.callback_with(|kiosk, _, id: i32| kiosk.manage_job(id, true)));
    printing.on_close(kiosk.callback(|kiosk, _| {
        kiosk.visitor_action(usage::Event::Activity);
        kiosk.close_print_dialog();
    }));
}

/// The on-screen keyboard's pinyin input, ranked by the bundled content's characters (built on
/// first use, once per process).
fn ime() -> &'static crate::text::ime::Ime {
    static IME: std::sync::OnceLock<crate::text::ime::Ime> = std::sync::OnceLock::new();
    IME.get_or_init(|| crate::text::ime::Ime::ranked_by(crate::import::BUNDLED_CONTENT))
}
