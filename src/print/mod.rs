//! Free printing (文本打印) on the terminal's printer: turns what a screen shows into an A4
//! PDF with provenance on every page ([`layout`], [`pdf`]), checks the staff's caps and the
//! printer's state, and sends the job over IPP ([`ipp`]).
//!
//! Owns: the print caps (pages per job, pages per day), the order of the checks (nothing is
//! rendered or sent that a cap or the printer would refuse), and the visitor-facing outcome
//! ([`Refusal`]). Must never: block the UI thread (callers run [`PrintService::print`] on a
//! worker), put anything that identifies a visitor into a job (the job name is the kind of
//! print, the user is `readpoint`), or count a job that the printer did not accept.

pub mod ipp;
pub mod layout;
pub mod pdf;

use std::sync::Mutex;

use jiff::civil::Date;

use crate::config::PrintConfig;
use ipp::{IppError, Printer, PrinterState};
use layout::{Printable, Sheet};
use pdf::PrintFont;

/// What is printed: the job's name, and the key its counts are filed under in the anonymous
/// usage statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrintKind {
    /// A catalogue entry or another document.
    Document,
    /// An annual report (or one of its tables).
    Report,
    /// Pages of an attachment.
    Attachment,
    /// A pre-filled 政府信息公开申请表.
    Application,
    /// The staff's test page.
    TestPage,
}

impl PrintKind {
    /// The wire name (usage key, job name suffix).
    pub fn as_str(self) -> &'static str {
        match self {
            PrintKind::Document => "document",
            PrintKind::Report => "report",
            PrintKind::Attachment => "attachment",
            PrintKind::Application => "application",
            PrintKind::TestPage => "test_page",
        }
    }

    /// The IPP job name: generic, never the document or anything typed.
    pub fn job_name(self) -> String {
        format!("readpoint-{}", self.as_str())
    }
}

/// Why a print did not happen, as the visitor is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `print.enabled = false`.
    Off,
    /// The job has more pages than `print.max_pages_per_job`.
    TooManyPages {
        /// Pages the job would have.
        pages: u32,
        /// The cap.
        max: u32,
    },
    /// Today's pages would pass `print.max_pages_per_day`.
    DayUsedUp {
        /// Pages the job would have.
        pages: u32,
        /// Pages left today.
        left: u32,
    },
    /// The printer has no paper.
    OutOfPaper,
    /// The printer is stopped or does not accept jobs.
    PrinterStopped {
        /// The printer's reasons (staff detail).
        reasons: Vec<String>,
    },
    /// The printer cannot be reached.
    Unreachable {
        /// Staff detail.
        detail: String,
    },
    /// The PDF could not be made (no Chinese font, a broken page image).
    Failed {
        /// Staff detail.
        detail: String,
    },
}

impl Refusal {
    /// The message for the visitor (Simplified; the screen converts it to the visitor's script).
    pub fn visitor_text(&self, staff_desk: Option<&str>) -> String {
        let desk = staff_desk
            .filter(|d| !d.trim().is_empty())
            .map(|d| format!("请到{d}咨询。"))
            .unwrap_or_else(|| "请向工作人员咨询。".to_owned());
        match self {
            Refusal::Off => format!("本查阅点暂不提供打印服务。{desk}"),
            Refusal::TooManyPages { pages, max } => format!(
                "共 {pages} 页，一次最多打印 {max} 页。请选择要打印的页码范围，分几次打印。"
            ),
            Refusal::DayUsedUp { left, .. } if *left == 0 => {
                format!("今天的打印份额已用完，请明天再来，或扫码在手机上查看。{desk}")
            }
            Refusal::DayUsedUp { pages, left } => format!(
                "共 {pages} 页，今天还能打印 {left} 页。请选择较少的页码，或扫码在手机上查看。"
            ),
            Refusal::OutOfPaper => format!("打印机缺纸，暂时不能打印。{desk}"),
            Refusal::PrinterStopped { .. } | Refusal::Unreachable { .. } => {
                format!("打印机暂时不能使用。{desk}")
            }
            Refusal::Failed { .. } => format!("这份内容暂时不能打印。{desk}"),
        }
    }

    /// A stable name for logs and the staff screen.
    pub fn as_str(&self) -> &'static str {
        match self {
            Refusal::Off => "off",
            Refusal::TooManyPages { .. } => "too_many_pages",
            Refusal::DayUsedUp { .. } => "day_used_up",
            Refusal::OutOfPaper => "out_of_paper",
            Refusal::PrinterStopped { .. } => "printer_stopped",
            Refusal::Unreachable { .. } => "unreachable",
            Refusal::Failed { .. } => "failed",
        }
    }
}

/// A job the printer accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    /// The printer's job id.
    pub job: i32,
    /// Pages sent.
    pub pages: u32,
    /// Waiting for staff release.
    pub held: bool,
}

/// Pages printed on one local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DayCount {
    day: Date,
    pages: u32,
}

/// The printer, the caps and today's page count. Shared by the kiosk's print worker and the
/// staff screen; `print` takes `&self`.
#[derive(Debug)]
pub struct PrintService {
    config: PrintConfig,
    printer: Result<Printer, String>,
    today: Mutex<Option<DayCount>>,
    /// The font, read once (a CJK collection is about 20 MB).
    font: Mutex<Option<PrintFont>>,
}

impl PrintService {
    /// A service for `config`. `printed_today` is what the usage statistics already hold for
    /// `today` (so a restart does not reset the daily cap).
    pub fn new(config: PrintConfig, today: Date, printed_today: u32) -> PrintService {
        let printer = Printer::new(&config.printer).map_err(|e| e.to_string());
        PrintService {
            config,
            printer,
            today: Mutex::new(Some(DayCount {
                day: today,
                pages: printed_today,
            })),
            font: Mutex::new(None),
        }
    }

    /// Raises today's count to what the statistics hold for `day` (the kiosk reads it after
    /// start; a count already higher is kept).
    pub fn restore_count(&self, day: Date, pages: u32) {
        let mut count = self.today.lock().unwrap_or_else(|p| p.into_inner());
        *count = Some(match *count {
            Some(DayCount { day: d, pages: p }) if d == day => DayCount {
                day,
                pages: p.max(pages),
            },
            _ => DayCount { day, pages },
        });
    }

    /// The print font, found once.
    fn font(&self) -> Result<PrintFont, Refusal> {
        let mut font = self.font.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = font.as_ref() {
            return Ok(found.clone());
        }
        let found = PrintFont::find(self.config.font.as_deref()).map_err(|e| Refusal::Failed {
            detail: e.to_string(),
        })?;
        *font = Some(found.clone());
        Ok(found)
    }

    /// How many A4 pages `printable` takes (the print dialog's count), or why it cannot print.
    pub fn pages(&self, printable: &Printable) -> Result<u32, Refusal> {
        if !self.config.enabled {
            return Err(Refusal::Off);
        }
        let sheets = self.layout(printable, &self.font()?)?;
        Ok(u32::try_from(sheets.len()).unwrap_or(u32::MAX))
    }

    /// The configuration in force.
    pub fn config(&self) -> &PrintConfig {
        &self.config
    }

    /// The printer, for the staff screen's status and queue.
    pub fn printer(&self) -> Result<&Printer, IppError> {
        self.printer.as_ref().map_err(|_| IppError::Address {
            uri: self.config.printer.clone(),
        })
    }

    /// Pages printed on `today`.
    pub fn printed_on(&self, today: Date) -> u32 {
        match *self.today.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(DayCount { day, pages }) if day == today => pages,
            _ => 0,
        }
    }

    /// Lays `printable` out: the sheets a job would have (cheap; no font file is read twice).
    pub fn layout(&self, printable: &Printable, font: &PrintFont) -> Result<Vec<Sheet>, Refusal> {
        let qr = printable
            .provenance
            .portal_url
            .as_deref()
            .and_then(qr_modules);
        font.with_measure(|measure| layout::paginate(printable, measure, qr))
            .map_err(|e| Refusal::Failed {
                detail: e.to_string(),
            })
    }

    /// Prints `printable` on `today`: checks that printing is on, the caps and the printer,
    /// then renders and sends the PDF. Counts the pages only once the printer accepted them.
    pub async fn print(
        &self,
        kind: PrintKind,
        title: &str,
        printable: &Printable,
        today: Date,
    ) -> Result<Printed, Refusal> {
        if !self.config.enabled {
            return Err(Refusal::Off);
        }
        let printer = self
            .printer
            .as_ref()
            .map_err(|e| Refusal::Unreachable { detail: e.clone() })?;
        let font = self.font()?;
        let sheets = self.layout(printable, &font)?;
        let pages = u32::try_from(sheets.len()).unwrap_or(u32::MAX);
        if pages > self.config.max_pages_per_job {
            return Err(Refusal::TooManyPages {
                pages,
                max: self.config.max_pages_per_job,
            });
        }
        let left = self
            .config
            .max_pages_per_day
            .saturating_sub(self.printed_on(today));
        if pages > left {
            return Err(Refusal::DayUsedUp { pages, left });
        }
        let status = printer.status().await.map_err(|e| Refusal::Unreachable {
            detail: e.to_string(),
        })?;
        if status.out_of_paper() {
            return Err(Refusal::OutOfPaper);
        }
        if status.state == PrinterState::Stopped || !status.accepting {
            return Err(Refusal::PrinterStopped {
                reasons: status.reasons,
            });
        }
        let bytes = pdf::render(&sheets, &font, title).map_err(|e| Refusal::Failed {
            detail: e.to_string(),
        })?;
        let job = printer
            .print_pdf(&bytes, &kind.job_name(), pages, self.config.hold_jobs)
            .await
            .map_err(|e| match e {
                IppError::Unreachable { .. } | IppError::Address { .. } => Refusal::Unreachable {
                    detail: e.to_string(),
                },
                IppError::Refused { .. } | IppError::Garbled { .. } => Refusal::PrinterStopped {
                    reasons: vec![e.to_string()],
                },
            })?;
        let mut count = self.today.lock().unwrap_or_else(|p| p.into_inner());
        *count = Some(match *count {
            Some(DayCount { day, pages: before }) if day == today => DayCount {
                day,
                pages: before.saturating_add(pages),
            },
            _ => DayCount { day: today, pages },
        });
        Ok(Printed {
            job,
            pages,
            held: self.config.hold_jobs,
        })
    }
}

/// The QR code of `url` as (modules per side, dark modules row-major).
pub fn qr_modules(url: &str) -> Option<(usize, Vec<bool>)> {
    let code =
        qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).ok()?;
    let side = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Some((side, dark))
}

/// Renders `printable` to PDF bytes without a printer (the `print --to-file` command, tests,
/// the README's sample page). Returns the bytes and the page count.
pub fn render_to_pdf(
    printable: &Printable,
    title: &str,
    font: Option<&std::path::Path>,
) -> Result<(Vec<u8>, u32), String> {
    let font = PrintFont::find(font).map_err(|e| e.to_string())?;
    let qr = printable
        .provenance
        .portal_url
        .as_deref()
        .and_then(qr_modules);
    let sheets = font
        .with_measure(|m| layout::paginate(printable, m, qr))
        .map_err(|e| e.to_string())?;
    let bytes = pdf::render(&sheets, &font, title).map_err(|e| e.to_string())?;
    Ok((bytes, u32::try_from(sheets.len()).unwrap_or(u32::MAX)))
}
