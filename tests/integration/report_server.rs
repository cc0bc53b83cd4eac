//! Support: a heartbeat receiver on 127.0.0.1 for the fleet tests. [`ReportServer`] records
//! every request (method, path, headers the tests check, body) and answers with a scripted
//! status (with a `Location` when it is made with [`ReportServer::redirecting`]);
//! [`SilentServer`] accepts connections and never answers (a hung receiver);
//! [`refused_url`] names a port nobody listens on.
//!
//! Plain blocking sockets on their own threads: one connection per request (`Connection:
//! close`), bodies capped. Never listens beyond loopback and never hangs a test: every read has
//! a timeout and dropping a server stops its thread.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The longest request accepted (head and body).
const MAX_REQUEST: usize = 1 << 20;
/// How long a connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the accept loops look at their stop flag.
const POLL: Duration = Duration::from_millis(10);

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `POST`, …
    pub method: String,
    /// The request target.
    pub path: String,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// `Referer`.
    pub referer: Option<String>,
    /// The body.
    pub body: Vec<u8>,
    /// The status answered.
    pub status: u16,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the heartbeat body is JSON")
    }
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    /// Statuses for the next requests, in order; then `default`.
    script: VecDeque<u16>,
    default: u16,
    /// `Location` sent with every answer.
    location: Option<String>,
}

/// A receiver answering with scripted statuses, until dropped.
pub struct ReportServer {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ReportServer {
    /// A receiver answering `status` to every request.
    pub fn start(status: u16) -> ReportServer {
        Self::with_state(State {
            default: status,
            ..State::default()
        })
    }

    /// A receiver answering every request with `302 Found` and `Location: location`.
    pub fn redirecting(location: &str) -> ReportServer {
        Self::with_state(State {
            default: 302,
            location: Some(location.to_owned()),
            ..State::default()
        })
    }

    fn with_state(state: State) -> ReportServer {
        let listener = bind();
        let address = listener.local_addr().expect("the receiver's address");
        let state = Arc::new(Mutex::new(state));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                accept_loop(&listener, &stop, |stream| {
                    let state = Arc::clone(&state);
                    std::thread::spawn(move || serve(stream, &state));
                });
            })
        };
        ReportServer {
            address,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// Answers the next requests with these statuses, then with the default again.
    pub fn script(&self, statuses: &[u16]) {
        self.lock().script.extend(statuses);
    }

    /// `http://127.0.0.1:PORT/heartbeat`.
    pub fn url(&self) -> String {
        format!("http://{}/heartbeat", self.address)
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// Waits (at most `limit`) until `count` requests arrived; returns them.
    pub fn wait_for(&self, count: usize, limit: Duration) -> Vec<Received> {
        let start = Instant::now();
        while self.lock().received.len() < count && start.elapsed() < limit {
            std::thread::sleep(POLL);
        }
        self.received()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for ReportServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A receiver that accepts connections and never answers, until dropped.
pub struct SilentServer {
    address: SocketAddr,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SilentServer {
    /// Starts listening.
    pub fn start() -> SilentServer {
        let listener = bind();
        let address = listener.local_addr().expect("the receiver's address");
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let accepted = Arc::clone(&accepted);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                // Held open (never read, never answered) until the server is dropped.
                let mut held = Vec::new();
                accept_loop(&listener, &stop, |stream| {
                    accepted.fetch_add(1, Ordering::SeqCst);
                    held.push(stream);
                });
            })
        };
        SilentServer {
            address,
            accepted,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/heartbeat`.
    pub fn url(&self) -> String {
        format!("http://{}/heartbeat", self.address)
    }

    /// Connections accepted so far (one per attempt: a timed-out connection is not reused).
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Waits (at most `limit`) until `count` connections were accepted; returns the count.
    pub fn wait_for(&self, count: usize, limit: Duration) -> usize {
        let start = Instant::now();
        while self.accepted() < count && start.elapsed() < limit {
            std::thread::sleep(POLL);
        }
        self.accepted()
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A URL on 127.0.0.1 whose port refuses connections (it was bound, then closed).
pub fn refused_url() -> String {
    let listener = bind();
    let address = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{address}/heartbeat")
}

fn bind() -> TcpListener {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    listener
}

fn accept_loop(listener: &TcpListener, stop: &AtomicBool, mut handle: impl FnMut(TcpStream)) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                handle(stream);
            }
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let mut buffer = Vec::new();
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if !read_more(&mut stream, &mut buffer) {
            return;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let path = request_line.next().unwrap_or_default().to_owned();
    let mut content_type = None;
    let mut user_agent = None;
    let mut referer = None;
    let mut length = 0;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_owned();
        match name.to_ascii_lowercase().as_str() {
            "content-type" => content_type = Some(value),
            "user-agent" => user_agent = Some(value),
            "referer" => referer = Some(value),
            "content-length" => length = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    let body_start = head_end + 4;
    while buffer.len() < body_start + length {
        if !read_more(&mut stream, &mut buffer) {
            return;
        }
    }
    let body = buffer[body_start..body_start + length].to_vec();
    let (status, location) = {
        let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
        let status = state.script.pop_front().unwrap_or(state.default);
        state.received.push(Received {
            method,
            path,
            content_type,
            user_agent,
            referer,
            body,
            status,
        });
        (status, state.location.clone())
    };
    let location = location.map_or_else(String::new, |l| format!("Location: {l}\r\n"));
    let response = format!(
        "HTTP/1.1 {status} Status\r\n{location}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk) {
        Ok(n) if n > 0 && buffer.len() + n <= MAX_REQUEST => {
            buffer.extend_from_slice(&chunk[..n]);
            true
        }
        _ => false,
    }
}
