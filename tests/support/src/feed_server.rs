//! An in-process HTTP/1.1 feed server on 127.0.0.1 with fault injection: the portal of the sync
//! tests and the flapping portal of `readpoint-bench soak`. It serves a feed directory as static
//! files (re-read at every request, strong ETags, `If-None-Match` → 304, keep-alive) and, on
//! request, answers wrongly: an error status, a reset connection, a stalled, truncated,
//! lengthened or replaced body. It can also accept POSTs on given paths (a heartbeat receiver).
//!
//! The server runs on its own thread with its own tokio runtime, so callers can drive it from
//! async code, blocking code or a child process. It never writes to the directory it serves,
//! never listens beyond loopback, and never hangs its caller: every stall is bounded and dropping
//! the server returns within a couple of seconds.
//!
//! HTTP is hand-rolled rather than hyper: a reset or a truncated body must be injected on any
//! request of a kept-alive connection, which needs the raw socket, and hyper's server feature
//! would give `cargo test` a second build of hyper, reqwest and the library.

use std::hash::Hasher;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How long an idle kept-alive connection stays open.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest request head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// The longest request body read (and discarded); GET and HEAD have none.
const MAX_REQUEST_BODY: usize = 64 * 1024;
/// How long dropping the server waits for its thread.
const DROP_TIMEOUT: Duration = Duration::from_secs(2);

/// A wrong answer to inject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// This status (≥ 200) with a short text body, and `Retry-After: <seconds>` if given.
    Status {
        /// The status code (429, 500, 503, 404…).
        code: u16,
        /// `Retry-After` in seconds.
        retry_after: Option<u64>,
    },
    /// Read the request, then close the connection with a TCP reset and no response.
    Reset,
    /// Send the status line and headers, then no body bytes for this long, then the body (if
    /// the client is still there).
    Stall(Duration),
    /// `Content-Length` of the whole file but only its first n bytes, then close the connection.
    Truncate(usize),
    /// The file followed by these bytes; `Content-Length` counts them.
    Append(Vec<u8>),
    /// These bytes with status 200 instead of the file (served even if the file is missing).
    Replace(Vec<u8>),
    /// The response head one byte at a time, this long apart, then the body.
    TrickleHead(Duration),
    /// The response head at once (with `Content-Length`), then the body one byte at a time,
    /// this long apart.
    TrickleBody(Duration),
    /// `302 Found` to this `Location`.
    Redirect(String),
}

/// One request as the server saw and answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// `GET`, `HEAD`, …
    pub method: String,
    /// The decoded path without the query, e.g. `/objects/ab/ab12…`.
    pub path: String,
    /// The status sent; `None` when no response was sent ([`Fault::Reset`]).
    pub status: Option<u16>,
    /// The request's `If-None-Match` header, if it had one.
    pub if_none_match: Option<String>,
    /// The fault injected into this request, if any.
    pub fault: Option<Fault>,
}

/// A feed directory served on `http://127.0.0.1:PORT/` until dropped.
pub struct FeedServer {
    address: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    finished: std::sync::mpsc::Receiver<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FeedServer {
    /// Serves the files under `root` (a feed directory: `manifest.json`,
    /// `manifest.json.minisig`, `objects/aa/<sha256>`) on 127.0.0.1 on a free port. The port is
    /// bound before this returns: requests may be sent at once.
    pub fn start(root: &Path) -> std::io::Result<FeedServer> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = {
            let _entered = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (shutdown, shutdown_rx) = tokio::sync::oneshot::channel();
        let (finished_tx, finished) = std::sync::mpsc::channel();
        let root = root.to_path_buf();
        let state = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("feed-server".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::select! {
                        () = accept_loop(listener, root, state) => {}
                        _ = shutdown_rx => {}
                    }
                });
                // Dropping the runtime cancels every connection task (stalls included) and
                // closes their sockets.
                drop(runtime);
                let _ = finished_tx.send(());
            })?;
        Ok(FeedServer {
            address,
            shared,
            shutdown: Some(shutdown),
            finished,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT/` (with the trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}/", self.address)
    }

    /// Injects `fault` into the next `times` requests whose path ends with `suffix` (`None`:
    /// every such request until [`FeedServer::clear_faults`]). A request gets the first
    /// matching fault in the order they were added.
    pub fn fault(&self, suffix: &str, fault: Fault, times: Option<usize>) {
        if let Fault::Status { code, .. } = fault {
            assert!(
                (200..=599).contains(&code) && code != 204 && code != 304,
                "Fault::Status needs a status with a body (200–599, not 204 or 304), not {code}"
            );
        }
        if times == Some(0) {
            return;
        }
        self.lock().faults.push(Rule {
            suffix: suffix.to_owned(),
            fault,
            remaining: times,
        });
    }

    /// Removes every fault not used up yet.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Every request so far, in the order they arrived.
    pub fn requests(&self) -> Vec<Logged> {
        self.lock().log.clone()
    }

    /// Requests so far whose path starts with `prefix` (e.g. `"/objects/"`).
    pub fn count(&self, prefix: &str) -> usize {
        self.lock()
            .log
            .iter()
            .filter(|logged| logged.path.starts_with(prefix))
            .count()
    }

    /// Forgets the requests so far.
    pub fn clear_log(&self) {
        self.lock().log.clear();
    }

    /// The requests so far, forgetting them (a long run keeps its log bounded this way).
    pub fn take_requests(&self) -> Vec<Logged> {
        std::mem::take(&mut self.lock().log)
    }

    /// Answers `200` to every `POST` to exactly `path` (its body read and dropped), and logs it:
    /// a heartbeat receiver. Faults do not apply to these.
    pub fn accept_posts(&self, path: &str) {
        self.lock().post_paths.push(path.to_owned());
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        lock(&self.shared)
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        // Bounded: a thread that does not finish in time is left behind rather than hanging
        // the test.
        if self.finished.recv_timeout(DROP_TIMEOUT).is_ok()
            && let Some(thread) = self.thread.take()
        {
            let _ = thread.join();
        }
    }
}

/// State shared between the test and the server thread.
#[derive(Default)]
struct Shared {
    faults: Vec<Rule>,
    log: Vec<Logged>,
    /// Paths that accept POSTs.
    post_paths: Vec<String>,
}

struct Rule {
    suffix: String,
    fault: Fault,
    remaining: Option<usize>,
}

impl Shared {
    /// The fault for a request to `path`, used up by one.
    fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let index = self
            .faults
            .iter()
            .position(|rule| path.ends_with(&rule.suffix))?;
        let rule = &mut self.faults[index];
        let fault = rule.fault.clone();
        if let Some(remaining) = &mut rule.remaining {
            *remaining -= 1;
            if *remaining == 0 {
                self.faults.remove(index);
            }
        }
        Some(fault)
    }
}

/// The lock, even if a test thread panicked while holding it.
fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn accept_loop(listener: TcpListener, root: PathBuf, shared: Arc<Mutex<Shared>>) {
    let root = Arc::new(root);
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve_connection(
                    stream,
                    Arc::clone(&root),
                    Arc::clone(&shared),
                ));
            }
            // Out of file descriptors and the like: wait instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// A parsed request head.
struct Request {
    method: String,
    target: String,
    keep_alive: bool,
    if_none_match: Option<String>,
    content_length: usize,
    chunked: bool,
}

/// Why a request head is unacceptable: the status to answer before closing.
struct Refusal(u16);

/// What to do with the connection after a response.
#[derive(PartialEq, Eq)]
enum Then {
    KeepAlive,
    Close,
}

async fn serve_connection(mut stream: TcpStream, root: Arc<PathBuf>, shared: Arc<Mutex<Shared>>) {
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        let head = match read_head(&mut stream, &mut buffer).await {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(Refusal(code)) => {
                let _ = send_simple(&mut stream, code, false).await;
                return;
            }
        };
        let request = match parse_head(&head) {
            Ok(request) => request,
            Err(Refusal(code)) => {
                let _ = send_simple(&mut stream, code, false).await;
                return;
            }
        };
        if request.chunked {
            let _ = send_simple(&mut stream, 501, false).await;
            return;
        }
        if request.content_length > MAX_REQUEST_BODY {
            let _ = send_simple(&mut stream, 413, false).await;
            return;
        }
        if !discard_body(&mut stream, &mut buffer, request.content_length).await {
            return;
        }
        match respond(&mut stream, &root, &shared, &request).await {
            Ok(Then::KeepAlive) if request.keep_alive => {}
            _ => return,
        }
    }
}

/// Reads one request head (up to the blank line) into a string, keeping any bytes after it in
/// `buffer`. `Ok(None)`: the client closed or went idle between requests.
async fn read_head(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> Result<Option<String>, Refusal> {
    loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            let head: Vec<u8> = buffer.drain(..end + 4).collect();
            return String::from_utf8(head).map(Some).map_err(|_| Refusal(400));
        }
        if buffer.len() > MAX_HEAD {
            return Err(Refusal(431));
        }
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout(IDLE_TIMEOUT, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return Ok(None),
            Ok(Ok(n)) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &str) -> Result<Request, Refusal> {
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal(400));
    };
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Err(Refusal(505)),
    };
    let mut request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        keep_alive: http11,
        if_none_match: None,
        content_length: 0,
        chunked: false,
    };
    for line in lines.filter(|line| !line.is_empty()) {
        let (name, value) = line.split_once(':').ok_or(Refusal(400))?;
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "connection" => {
                let tokens = value.to_ascii_lowercase();
                if tokens.split(',').any(|t| t.trim() == "close") {
                    request.keep_alive = false;
                } else if tokens.split(',').any(|t| t.trim() == "keep-alive") {
                    request.keep_alive = true;
                }
            }
            "if-none-match" => request.if_none_match = Some(value.to_owned()),
            "content-length" => request.content_length = value.parse().map_err(|_| Refusal(400))?,
            "transfer-encoding" => request.chunked = true,
            _ => {}
        }
    }
    Ok(request)
}

/// Reads and drops a request body of `length` bytes; false if the connection ended.
async fn discard_body(stream: &mut TcpStream, buffer: &mut Vec<u8>, length: usize) -> bool {
    while buffer.len() < length {
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout(IDLE_TIMEOUT, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buffer.extend_from_slice(&chunk[..n]),
            _ => return false,
        }
    }
    buffer.drain(..length);
    true
}

/// `%XX`-decodes the path of a request target (the query dropped), refusing anything that is
/// not a plain absolute path inside the served directory.
fn decode_path(target: &str) -> Option<String> {
    let raw = target.split(['?', '#']).next()?;
    if !raw.starts_with('/') {
        return None;
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let path = String::from_utf8(out).ok()?;
    let safe = path
        .split('/')
        .skip(1)
        .all(|segment| segment != "." && segment != ".." && !segment.contains(['\\', '\0']));
    safe.then_some(path)
}

/// The file a path names, if it is a regular file (read at every request: tests rewrite the
/// directory between syncs).
async fn read_file(root: &Path, path: &str) -> Option<Vec<u8>> {
    let relative = path.trim_start_matches('/');
    if relative.is_empty() || relative.ends_with('/') {
        return None;
    }
    let file = root.join(relative);
    if !tokio::fs::metadata(&file).await.ok()?.is_file() {
        return None;
    }
    tokio::fs::read(&file).await.ok()
}

/// A strong ETag of these bytes: 16 hex digits of a hash of the content, so a rewrite with
/// other bytes always changes it (a length-and-mtime tag would not within one clock tick).
pub fn etag_of(bytes: &[u8]) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(bytes);
    format!("\"{:016x}\"", hasher.finish())
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison, as RFC 9110 asks).
fn none_match(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

fn content_type(path: &str) -> &'static str {
    if path.ends_with(".json") {
        "application/json"
    } else {
        "application/octet-stream"
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

/// A response before it is written: head fields and the body bytes.
struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    /// The `Content-Length` to announce (`None`: no such header, for 304).
    content_length: Option<usize>,
    body: Vec<u8>,
}

impl Response {
    fn text(status: u16, text: String) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".to_owned())],
            content_length: Some(text.len()),
            body: text.into_bytes(),
        }
    }

    fn file(path: &str, bytes: Vec<u8>, etag: String) -> Response {
        Response {
            status: 200,
            headers: vec![
                ("Content-Type", content_type(path).to_owned()),
                ("ETag", etag),
            ],
            content_length: Some(bytes.len()),
            body: bytes,
        }
    }

    fn head_bytes(&self, close: bool) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nServer: readpoint-feed-server\r\n",
            self.status,
            reason(self.status)
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(length) = self.content_length {
            head.push_str(&format!("Content-Length: {length}\r\n"));
        }
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        head.into_bytes()
    }
}

/// Answers one request, with its fault if one applies, and logs it.
async fn respond(
    stream: &mut TcpStream,
    root: &Path,
    shared: &Mutex<Shared>,
    request: &Request,
) -> std::io::Result<Then> {
    let Some(path) = decode_path(&request.target) else {
        log(shared, request, request.target.clone(), Some(400), None);
        send_simple(stream, 400, false).await?;
        return Ok(Then::Close);
    };
    let head_only = match request.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        "POST" if lock(shared).post_paths.contains(&path) => {
            log(shared, request, path, Some(200), None);
            let response = Response::text(200, "received\n".to_owned());
            write_response(stream, &response, false, !request.keep_alive).await?;
            return Ok(Then::KeepAlive);
        }
        _ => {
            log(shared, request, path, Some(405), None);
            let mut response = Response::text(405, "only GET and HEAD\n".to_owned());
            response.headers.push(("Allow", "GET, HEAD".to_owned()));
            write_response(stream, &response, false, !request.keep_alive).await?;
            return Ok(Then::KeepAlive);
        }
    };
    let fault = lock(shared).take_fault(&path);
    let file = read_file(root, &path).await;
    let close = !request.keep_alive;

    let response = match (&fault, file) {
        (Some(Fault::Status { code, retry_after }), _) => {
            let mut response = Response::text(*code, format!("injected fault: status {code}\n"));
            if let Some(seconds) = retry_after {
                response.headers.push(("Retry-After", seconds.to_string()));
            }
            response
        }
        (Some(Fault::Reset), _) => {
            log(shared, request, path, None, fault.clone());
            reset(stream);
            return Ok(Then::Close);
        }
        (Some(Fault::Replace(bytes)), _) => Response::file(&path, bytes.clone(), etag_of(bytes)),
        (Some(Fault::Redirect(location)), _) => {
            let mut response = Response::text(302, format!("moved to {location}\n"));
            response.headers.push(("Location", location.clone()));
            response
        }
        (_, None) => Response::text(404, format!("no file {path}\n")),
        (Some(Fault::Truncate(keep)), Some(bytes)) => {
            let etag = etag_of(&bytes);
            let mut response = Response::file(&path, bytes, etag);
            log(shared, request, path, Some(200), fault.clone());
            stream.write_all(&response.head_bytes(true)).await?;
            if !head_only {
                response.body.truncate(*keep);
                stream.write_all(&response.body).await?;
            }
            stream.flush().await?;
            stream.shutdown().await?;
            return Ok(Then::Close);
        }
        (Some(Fault::Append(extra)), Some(mut bytes)) => {
            bytes.extend_from_slice(extra);
            let etag = etag_of(&bytes);
            Response::file(&path, bytes, etag)
        }
        (
            None | Some(Fault::Stall(_) | Fault::TrickleHead(_) | Fault::TrickleBody(_)),
            Some(bytes),
        ) => {
            let etag = etag_of(&bytes);
            match &request.if_none_match {
                Some(header) if none_match(header, &etag) => Response {
                    status: 304,
                    headers: vec![("ETag", etag)],
                    content_length: None,
                    body: Vec::new(),
                },
                _ => Response::file(&path, bytes, etag),
            }
        }
    };
    log(shared, request, path, Some(response.status), fault.clone());
    if let Some(Fault::TrickleHead(pause) | Fault::TrickleBody(pause)) = &fault {
        // Bounded: a client that gave up makes the next write fail.
        let head = response.head_bytes(close);
        let trickle_head = matches!(fault, Some(Fault::TrickleHead(_)));
        if trickle_head {
            for byte in head {
                stream.write_all(&[byte]).await?;
                stream.flush().await?;
                tokio::time::sleep(*pause).await;
            }
        } else {
            stream.write_all(&head).await?;
        }
        if !head_only {
            for byte in &response.body {
                stream.write_all(&[*byte]).await?;
                stream.flush().await?;
                if !trickle_head {
                    tokio::time::sleep(*pause).await;
                }
            }
        }
        stream.flush().await?;
    } else if let Some(Fault::Stall(pause)) = fault {
        stream.write_all(&response.head_bytes(close)).await?;
        stream.flush().await?;
        tokio::time::sleep(pause).await;
        if !head_only {
            stream.write_all(&response.body).await?;
        }
        stream.flush().await?;
    } else {
        write_response(stream, &response, head_only, close).await?;
    }
    Ok(if close { Then::Close } else { Then::KeepAlive })
}

fn log(
    shared: &Mutex<Shared>,
    request: &Request,
    path: String,
    status: Option<u16>,
    fault: Option<Fault>,
) {
    lock(shared).log.push(Logged {
        method: request.method.clone(),
        path,
        status,
        if_none_match: request.if_none_match.clone(),
        fault,
    });
}

async fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    head_only: bool,
    close: bool,
) -> std::io::Result<()> {
    let mut bytes = response.head_bytes(close);
    if !head_only {
        bytes.extend_from_slice(&response.body);
    }
    stream.write_all(&bytes).await?;
    stream.flush().await
}

/// A short text response to a request that could not be parsed, before closing.
async fn send_simple(stream: &mut TcpStream, code: u16, keep_alive: bool) -> std::io::Result<()> {
    let response = Response::text(code, format!("{} {}\n", code, reason(code)));
    write_response(stream, &response, false, !keep_alive).await
}

/// Makes the coming close a TCP reset (RST) rather than an orderly end (FIN).
fn reset(stream: &TcpStream) {
    // SO_LINGER 0 makes close() discard and reset at once; tokio deprecates `set_linger`
    // because a non-zero linger blocks on drop, which zero does not.
    #[allow(deprecated)]
    let _ = stream.set_linger(Some(Duration::ZERO));
}
