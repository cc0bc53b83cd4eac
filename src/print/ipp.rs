//! The printer, spoken to over IPP (RFC 8011): CUPS on the terminal (`ipp://localhost:631/
//! printers/<name>`) or an IPP Everywhere printer directly. Submits PDF jobs, reads the
//! printer's state (stopped, out of paper, not accepting jobs) and its queue, and cancels or
//! releases jobs for the staff screen.
//!
//! The IPP encoding is the `ipp` crate's; the transport is our reqwest client, with one
//! deadline per request so a hung printer never holds the kiosk. Never sends anything that
//! identifies a visitor: the requesting user is always `readpoint`, job names are generic.

use std::time::Duration;

use ipp::attribute::IppAttribute;
use ipp::model::{DelimiterTag, IppVersion, Operation, StatusCode};
use ipp::parser::IppParser;
use ipp::request::IppRequestResponse;
use ipp::value::IppValue;

/// The only requesting-user-name the kiosk ever sends.
pub const USER: &str = "readpoint";
/// Longest wait for one IPP exchange (a PDF of 30 pages is a few MB on a local socket).
pub const TIMEOUT: Duration = Duration::from_secs(20);
/// Largest IPP response read (a queue listing); a printer that sends more is broken.
const MAX_RESPONSE: usize = 4 << 20;

/// Why talking to the printer failed.
#[derive(Debug, thiserror::Error)]
pub enum IppError {
    /// The printer's address is not an ipp://, ipps://, http:// or https:// URL.
    #[error(
        "the printer address {uri:?} is not an ipp:// URL (fix print.printer in the configuration, e.g. ipp://localhost:631/printers/readpoint)"
    )]
    Address {
        /// The configured address.
        uri: String,
    },
    /// The printer did not answer (refused, timed out, broken HTTP).
    #[error("the printer at {uri} did not answer: {reason}")]
    Unreachable {
        /// The printer.
        uri: String,
        /// What happened.
        reason: String,
    },
    /// The printer answered with an IPP error status.
    #[error("the printer refused {operation}: {status}")]
    Refused {
        /// The operation.
        operation: &'static str,
        /// The IPP status code, spelled out.
        status: String,
    },
    /// The answer was not IPP.
    #[error("the printer's answer to {operation} is not IPP: {reason}")]
    Garbled {
        /// The operation.
        operation: &'static str,
        /// The parser's complaint.
        reason: String,
    },
}

/// `printer-state` (RFC 8011 §5.4.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterState {
    /// Ready.
    Idle,
    /// Printing.
    Processing,
    /// Stopped: paused by staff, or an error (jam, no paper, door open).
    Stopped,
}

/// What the printer says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterStatus {
    /// `printer-state`.
    pub state: PrinterState,
    /// `printer-state-reasons` keywords, `none` left out (e.g. `media-empty-error`).
    pub reasons: Vec<String>,
    /// `printer-is-accepting-jobs`.
    pub accepting: bool,
    /// `printer-make-and-model`, for the staff screen.
    pub model: String,
}

impl PrinterStatus {
    /// Out of paper (`media-empty`, `media-needed`, with any severity suffix).
    pub fn out_of_paper(&self) -> bool {
        self.reasons.iter().any(|r| {
            let base = strip_severity(r);
            base == "media-empty" || base == "media-needed"
        })
    }

    /// Whether a job sent now would print (soon): accepting, not stopped, paper in.
    pub fn can_print(&self) -> bool {
        self.accepting && self.state != PrinterState::Stopped && !self.out_of_paper()
    }
}

/// A reason keyword without its `-error`/`-warning`/`-report` suffix.
fn strip_severity(reason: &str) -> &str {
    ["-error", "-warning", "-report"]
        .iter()
        .find_map(|s| reason.strip_suffix(s))
        .unwrap_or(reason)
}

/// `job-state` (RFC 8011 §5.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting in the queue.
    Pending,
    /// Held until released (staff release).
    Held,
    /// Printing.
    Processing,
    /// Stopped in the middle (printer stopped).
    Stopped,
    /// Cancelled.
    Canceled,
    /// Aborted by the printer.
    Aborted,
    /// Printed.
    Completed,
}

impl JobState {
    fn from_ipp(value: i32) -> Option<JobState> {
        Some(match value {
            3 => JobState::Pending,
            4 => JobState::Held,
            5 => JobState::Processing,
            6 => JobState::Stopped,
            7 => JobState::Canceled,
            8 => JobState::Aborted,
            9 => JobState::Completed,
            _ => return None,
        })
    }

    /// Whether the job is done, one way or another.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Canceled | JobState::Aborted | JobState::Completed
        )
    }

    /// A stable name (status output, logs).
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Held => "held",
            JobState::Processing => "processing",
            JobState::Stopped => "stopped",
            JobState::Canceled => "canceled",
            JobState::Aborted => "aborted",
            JobState::Completed => "completed",
        }
    }
}

/// One job of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// `job-id`.
    pub id: i32,
    /// `job-name`.
    pub name: String,
    /// `job-state`.
    pub state: JobState,
    /// `job-impressions` (pages) when the printer knows it.
    pub pages: Option<i32>,
}

/// Which jobs [`Printer::jobs`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Waiting, held or printing.
    NotCompleted,
    /// Done.
    Completed,
}

/// A printer reached over IPP.
#[derive(Debug, Clone)]
pub struct Printer {
    /// The printer URI as configured (`ipp://…`), sent as `printer-uri`.
    uri: String,
    /// The same over HTTP, where the requests go.
    http_url: String,
    client: reqwest::Client,
}

impl Printer {
    /// A printer at `uri` (`ipp://`, `ipps://`, `http://` or `https://`).
    pub fn new(uri: &str) -> Result<Printer, IppError> {
        let http_url = http_url(uri).ok_or_else(|| IppError::Address {
            uri: uri.to_owned(),
        })?;
        let client = crate::net::client_builder(
            Duration::from_secs(5),
            concat!("readpoint/", env!("CARGO_PKG_VERSION")),
        )
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| IppError::Unreachable {
            uri: uri.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(Printer {
            uri: uri.to_owned(),
            http_url,
            client,
        })
    }

    /// The configured address.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    fn request(&self, operation: Operation) -> Result<IppRequestResponse, IppError> {
        let address = || IppError::Address {
            uri: self.uri.clone(),
        };
        let uri = self.uri.parse().map_err(|_| address())?;
        let mut request = IppRequestResponse::new(IppVersion::v1_1(), operation, Some(uri))
            .map_err(|_| address())?;
        add_operation(&mut request, "requesting-user-name", name(USER));
        Ok(request)
    }

    /// Sends `request` (and `document` after it) and parses the answer.
    async fn exchange(
        &self,
        operation: &'static str,
        request: IppRequestResponse,
        document: &[u8],
    ) -> Result<IppRequestResponse, IppError> {
        let mut body = request.to_bytes().to_vec();
        body.extend_from_slice(document);
        let unreachable = |e: reqwest::Error| IppError::Unreachable {
            uri: self.uri.clone(),
            reason: crate::fleet::heartbeat::describe(e),
        };
        let response = self
            .client
            .post(&self.http_url)
            .header(reqwest::header::CONTENT_TYPE, "application/ipp")
            .body(body)
            .send()
            .await
            .map_err(unreachable)?;
        if !response.status().is_success() {
            return Err(IppError::Unreachable {
                uri: self.uri.clone(),
                reason: format!("HTTP {}", response.status()),
            });
        }
        let mut bytes = Vec::new();
        let mut response = response;
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if bytes.len() + chunk.len() > MAX_RESPONSE {
                return Err(IppError::Garbled {
                    operation,
                    reason: format!("the answer is over {MAX_RESPONSE} bytes"),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let parsed = IppParser::new(std::io::Cursor::new(bytes))
            .parse()
            .map_err(|e| IppError::Garbled {
                operation,
                reason: e.to_string(),
            })?;
        let status = parsed.header().status_code();
        if !status.is_success() {
            return Err(IppError::Refused {
                operation,
                status: status_text(status, &parsed),
            });
        }
        Ok(parsed)
    }

    /// The printer's state, reasons and whether it accepts jobs.
    pub async fn status(&self) -> Result<PrinterStatus, IppError> {
        let mut request = self.request(Operation::GetPrinterAttributes)?;
        add_operation(
            &mut request,
            "requested-attributes",
            IppValue::Array(
                [
                    "printer-state",
                    "printer-state-reasons",
                    "printer-is-accepting-jobs",
                    "printer-make-and-model",
                ]
                .iter()
                .map(|k| keyword(k))
                .collect(),
            ),
        );
        let response = self
            .exchange("Get-Printer-Attributes", request, &[])
            .await?;
        let group = response
            .attributes()
            .groups_of(DelimiterTag::PrinterAttributes)
            .next();
        let find = |name: &str| {
            group.and_then(|g| {
                g.attributes()
                    .iter()
                    .find(|a| a.name().as_str() == name)
                    .map(|a| a.value().clone())
            })
        };
        let state = match find("printer-state") {
            Some(IppValue::Enum(4)) => PrinterState::Processing,
            Some(IppValue::Enum(5)) => PrinterState::Stopped,
            _ => PrinterState::Idle,
        };
        let reasons = find("printer-state-reasons")
            .map(|v| strings(&v))
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r != "none")
            .collect();
        let accepting = !matches!(
            find("printer-is-accepting-jobs"),
            Some(IppValue::Boolean(false))
        );
        let model = find("printer-make-and-model")
            .map(|v| strings(&v).join(" "))
            .unwrap_or_default();
        Ok(PrinterStatus {
            state,
            reasons,
            accepting,
            model,
        })
    }

    /// Sends a PDF of `pages` pages as one job named `job_name`; held for staff release when
    /// `hold`. Returns the job id.
    pub async fn print_pdf(
        &self,
        pdf: &[u8],
        job_name: &str,
        pages: u32,
        hold: bool,
    ) -> Result<i32, IppError> {
        let mut request = self.request(Operation::PrintJob)?;
        add_operation(&mut request, "job-name", name(job_name));
        add_operation(
            &mut request,
            "document-format",
            IppValue::MimeMediaType(ipp::value::IppMimeMediaType::new_truncated(
                "application/pdf",
            )),
        );
        add_operation(
            &mut request,
            "job-impressions",
            IppValue::Integer(pages.min(i32::MAX as u32) as i32),
        );
        if hold {
            request.attributes_mut().add(
                DelimiterTag::JobAttributes,
                IppAttribute::new(
                    ipp::value::IppName::new_truncated("job-hold-until"),
                    keyword("indefinite"),
                ),
            );
        }
        let response = self.exchange("Print-Job", request, pdf).await?;
        response
            .attributes()
            .groups_of(DelimiterTag::JobAttributes)
            .flat_map(|g| g.attributes())
            .find(|a| a.name().as_str() == "job-id")
            .and_then(|a| match a.value() {
                IppValue::Integer(id) => Some(*id),
                _ => None,
            })
            .ok_or(IppError::Garbled {
                operation: "Print-Job",
                reason: "no job-id in the answer".to_owned(),
            })
    }

    /// The queue: up to `limit` jobs, newest first.
    pub async fn jobs(&self, which: Which, limit: i32) -> Result<Vec<Job>, IppError> {
        let mut request = self.request(Operation::GetJobs)?;
        add_operation(
            &mut request,
            "which-jobs",
            keyword(match which {
                Which::NotCompleted => "not-completed",
                Which::Completed => "completed",
            }),
        );
        add_operation(&mut request, "limit", IppValue::Integer(limit.max(1)));
        add_operation(
            &mut request,
            "requested-attributes",
            IppValue::Array(
                ["job-id", "job-name", "job-state", "job-impressions"]
                    .iter()
                    .map(|k| keyword(k))
                    .collect(),
            ),
        );
        let response = self.exchange("Get-Jobs", request, &[]).await?;
        let mut jobs: Vec<Job> = response
            .attributes()
            .groups_of(DelimiterTag::JobAttributes)
            .filter_map(|group| {
                let mut id = None;
                let mut name = String::new();
                let mut state = None;
                let mut pages = None;
                for attribute in group.attributes() {
                    match (attribute.name().as_str(), attribute.value()) {
                        ("job-id", IppValue::Integer(v)) => id = Some(*v),
                        ("job-state", IppValue::Enum(v)) => state = JobState::from_ipp(*v),
                        ("job-impressions", IppValue::Integer(v)) => pages = Some(*v),
                        ("job-name", v) => name = strings(v).join(" "),
                        _ => {}
                    }
                }
                Some(Job {
                    id: id?,
                    name,
                    state: state?,
                    pages,
                })
            })
            .collect();
        jobs.sort_by_key(|job| std::cmp::Reverse(job.id));
        jobs.truncate(limit.max(1) as usize);
        Ok(jobs)
    }

    /// Cancels job `id`.
    pub async fn cancel(&self, id: i32) -> Result<(), IppError> {
        let mut request = self.request(Operation::CancelJob)?;
        add_operation(&mut request, "job-id", IppValue::Integer(id));
        self.exchange("Cancel-Job", request, &[]).await.map(drop)
    }

    /// Releases held job `id` to print.
    pub async fn release(&self, id: i32) -> Result<(), IppError> {
        let mut request = self.request(Operation::ReleaseJob)?;
        add_operation(&mut request, "job-id", IppValue::Integer(id));
        self.exchange("Release-Job", request, &[]).await.map(drop)
    }
}

/// `ipp://h:p/x` → `http://h:p/x` (default port 631); `ipps` → `https` (443 unless given).
pub fn http_url(uri: &str) -> Option<String> {
    let url = reqwest::Url::parse(uri).ok()?;
    let (scheme, default_port) = match url.scheme() {
        "ipp" | "http" => ("http", 631),
        "ipps" | "https" => ("https", 443),
        _ => return None,
    };
    if !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let port = url.port().unwrap_or(match url.scheme() {
        "http" => 80,
        _ => default_port,
    });
    // IPv6 hosts keep their brackets.
    let host = url.host_str()?;
    let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
    Some(format!("{scheme}://{host}:{port}{}{query}", url.path()))
}

fn add_operation(request: &mut IppRequestResponse, attribute: &str, value: IppValue) {
    request.attributes_mut().add(
        DelimiterTag::OperationAttributes,
        IppAttribute::new(ipp::value::IppName::new_truncated(attribute), value),
    );
}

fn name(text: &str) -> IppValue {
    IppValue::NameWithoutLanguage(ipp::value::IppName::new_truncated(text))
}

fn keyword(text: &str) -> IppValue {
    IppValue::Keyword(ipp::value::IppKeyword::new_truncated(text))
}

/// The text values of an attribute (one value or a set).
fn strings(value: &IppValue) -> Vec<String> {
    match value {
        IppValue::Array(values) => values.iter().flat_map(strings).collect(),
        IppValue::Keyword(k) => vec![k.as_str().to_owned()],
        IppValue::NameWithoutLanguage(n) => vec![n.as_str().to_owned()],
        IppValue::NameWithLanguage { name, .. } => vec![name.as_str().to_owned()],
        IppValue::TextWithoutLanguage(t) => vec![str::to_owned(t)],
        IppValue::TextWithLanguage { text, .. } => vec![str::to_owned(text)],
        other => vec![other.to_string()],
    }
}

/// The status code and the printer's `status-message`, if any.
fn status_text(status: StatusCode, response: &IppRequestResponse) -> String {
    let message = response
        .attributes()
        .groups_of(DelimiterTag::OperationAttributes)
        .flat_map(|g| g.attributes())
        .find(|a| a.name().as_str() == "status-message")
        .map(|a| strings(a.value()).join(" "));
    match message {
        Some(message) if !message.is_empty() => format!("{status:?} ({message})"),
        _ => format!("{status:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipp_urls_map_to_http() {
        assert_eq!(
            http_url("ipp://localhost/printers/hall").as_deref(),
            Some("http://localhost:631/printers/hall")
        );
        assert_eq!(
            http_url("ipp://127.0.0.1:8631/ipp/print").as_deref(),
            Some("http://127.0.0.1:8631/ipp/print")
        );
        assert_eq!(
            http_url("ipps://printer.example/ipp/print").as_deref(),
            Some("https://printer.example:443/ipp/print")
        );
        assert_eq!(
            http_url("ipp://[::1]:631/printers/a").as_deref(),
            Some("http://[::1]:631/printers/a")
        );
        for bad in [
            "lp0",
            "file:///dev/usb/lp0",
            "ipp://user:pw@h/p",
            "ftp://h/p",
            "",
        ] {
            assert_eq!(http_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn paper_reasons_are_read_with_any_severity() {
        let status = |reasons: &[&str]| PrinterStatus {
            state: PrinterState::Stopped,
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            accepting: true,
            model: String::new(),
        };
        assert!(status(&["media-empty-error"]).out_of_paper());
        assert!(status(&["media-needed"]).out_of_paper());
        assert!(!status(&["toner-low-warning"]).out_of_paper());
        assert!(!status(&[]).can_print());
    }
}
