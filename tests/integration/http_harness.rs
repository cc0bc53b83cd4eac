//! The two loopback feed servers sync is tested and measured against: the in-process
//! `FeedServer` (every `Fault` as documented) and a real nginx (`readpoint_test_support::nginx`).
//! Both are driven by a hand-written HTTP/1.1 client on a std `TcpStream`, so what is checked is
//! the bytes on the wire; one test drives `FeedServer` with reqwest, the client sync uses.
//! Needs nginx (`scripts/test` installs it); only ever connects to 127.0.0.1.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use readpoint_test_support::nginx::{Nginx, NginxError};
use tempfile::TempDir;

use readpoint_test_support::feed_server::{Fault, FeedServer, Logged, etag_of};

const MANIFEST: &str = "{\"format\":\"readpoint-feed/1\",\"publisher\":\"乐山市人民政府政务服务中心\",\"version\":1}\n";
const OBJECT_PATH: &str =
    "/objects/ab/ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";

/// A feed directory: a manifest, its signature and one binary object.
fn feed_dir() -> TempDir {
    let dir = tempfile::tempdir().expect("temporary feed directory");
    write(dir.path(), "/manifest.json", MANIFEST.as_bytes());
    write(
        dir.path(),
        "/manifest.json.minisig",
        b"untrusted comment: test\nRWQ...\n",
    );
    write(dir.path(), OBJECT_PATH, &object_bytes());
    dir
}

fn object_bytes() -> Vec<u8> {
    (0..70_000u32).map(|i| (i % 251) as u8).collect()
}

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let file = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(file.parent().expect("a parent directory")).expect("feed directory");
    std::fs::write(&file, bytes).expect("writing a feed file");
}

/// How an HTTP exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The whole response (head and `Content-Length` bytes of body) arrived.
    Complete,
    /// The server closed the connection first.
    Closed,
    /// The server reset the connection.
    Reset,
    /// Nothing more arrived within the read timeout.
    TimedOut,
}

/// What came back for one request.
#[derive(Debug)]
struct Reply {
    /// `None`: no response head arrived.
    status: Option<u16>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    end: End,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 connection, written by hand.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    fn open(url: &str, read_timeout: Duration) -> Connection {
        let authority = url
            .strip_prefix("http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .expect("a url like http://127.0.0.1:PORT/");
        let address = authority.parse().expect("a socket address");
        let stream =
            TcpStream::connect_timeout(&address, Duration::from_secs(2)).expect("connecting");
        stream
            .set_read_timeout(Some(read_timeout))
            .expect("setting the read timeout");
        stream
            .set_write_timeout(Some(Duration::from_secs(2)))
            .expect("setting the write timeout");
        Connection {
            stream,
            buffer: Vec::new(),
        }
    }

    fn send_raw(&mut self, text: &str) {
        self.stream
            .write_all(text.as_bytes())
            .expect("sending a request");
    }

    fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)]) {
        let mut text = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (name, value) in headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str("\r\n");
        self.send_raw(&text);
    }

    /// Reads more bytes into the buffer; `Some(end)` when none can come.
    fn fill(&mut self) -> Option<End> {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => Some(End::Closed),
            Ok(n) => {
                self.buffer.extend_from_slice(&chunk[..n]);
                None
            }
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                Some(End::TimedOut)
            }
            Err(err) if err.kind() == ErrorKind::ConnectionReset => Some(End::Reset),
            Err(err) => panic!("reading a response: {err}"),
        }
    }

    /// Reads one response (a HEAD request's has no body).
    fn reply(&mut self, to_head: bool) -> Reply {
        let head_end = loop {
            if let Some(at) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            if let Some(end) = self.fill() {
                return Reply {
                    status: None,
                    headers: Vec::new(),
                    body: std::mem::take(&mut self.buffer),
                    end,
                };
            }
        };
        let head: Vec<u8> = self.buffer.drain(..head_end + 4).collect();
        let head = String::from_utf8(head).expect("an ASCII response head");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("a status line");
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("a status code in {status_line:?}"));
        let headers: Vec<(String, String)> = lines
            .filter(|line| !line.is_empty())
            .map(|line| {
                let (name, value) = line.split_once(':').expect("a header line");
                (name.to_owned(), value.trim().to_owned())
            })
            .collect();
        let mut reply = Reply {
            status: Some(status),
            headers,
            body: Vec::new(),
            end: End::Complete,
        };
        let length = if to_head || status == 304 || status == 204 {
            0
        } else {
            reply
                .header("Content-Length")
                .expect("a Content-Length (neither server chunks)")
                .parse()
                .expect("a numeric Content-Length")
        };
        while self.buffer.len() < length {
            if let Some(end) = self.fill() {
                reply.end = end;
                reply.body = std::mem::take(&mut self.buffer);
                return reply;
            }
        }
        reply.body = self.buffer.drain(..length).collect();
        reply
    }
}

/// One request on a fresh connection, with a 5 s read timeout.
fn get(url: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut connection = Connection::open(url, Duration::from_secs(5));
    connection.send("GET", path, headers);
    connection.reply(false)
}

/// The checks both servers must pass: exact bytes and content types, 304 on a matching
/// `If-None-Match`, 404 for a missing file, HEAD, several requests on one kept-alive connection.
fn serves_a_feed_directory(url: &str) {
    let manifest = get(url, "/manifest.json", &[]);
    assert_eq!(manifest.status, Some(200));
    assert_eq!(manifest.end, End::Complete);
    assert_eq!(manifest.body, MANIFEST.as_bytes());
    assert_eq!(manifest.header("Content-Type"), Some("application/json"));
    assert_eq!(manifest.header("Content-Encoding"), None);
    let etag = manifest.header("ETag").expect("an ETag").to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "a strong ETag: {etag}"
    );

    let not_modified = get(url, "/manifest.json", &[("If-None-Match", &etag)]);
    assert_eq!(not_modified.status, Some(304));
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("ETag"), Some(etag.as_str()));
    let other = get(
        url,
        "/manifest.json",
        &[("If-None-Match", "\"something-else\"")],
    );
    assert_eq!(other.status, Some(200));
    assert_eq!(other.body, MANIFEST.as_bytes());

    let object = get(url, OBJECT_PATH, &[("Accept-Encoding", "gzip")]);
    assert_eq!(object.status, Some(200));
    assert_eq!(object.body, object_bytes());
    assert_eq!(
        object.header("Content-Type"),
        Some("application/octet-stream")
    );
    assert_eq!(object.header("Content-Encoding"), None);

    assert_eq!(get(url, "/objects/cd/missing", &[]).status, Some(404));

    // Keep-alive: a 404 and a HEAD do not end the connection; two pipelined requests both come back.
    let mut connection = Connection::open(url, Duration::from_secs(5));
    connection.send("GET", "/nothing-here", &[]);
    assert_eq!(connection.reply(false).status, Some(404));
    connection.send("HEAD", OBJECT_PATH, &[]);
    let head = connection.reply(true);
    assert_eq!(head.status, Some(200));
    assert_eq!(head.header("Content-Length"), Some("70000"));
    connection.send("GET", "/manifest.json.minisig", &[]);
    connection.send("GET", "/manifest.json", &[("If-None-Match", &etag)]);
    let signature = connection.reply(false);
    assert_eq!(signature.body, b"untrusted comment: test\nRWQ...\n");
    assert_eq!(connection.reply(false).status, Some(304));
}

/// Waits (bounded) until nginx has logged `n` requests; it writes a line just after replying.
fn nginx_log(nginx: &Nginx, n: usize) -> Vec<readpoint_test_support::nginx::AccessLine> {
    let start = Instant::now();
    loop {
        let log = nginx.access_log();
        if log.len() >= n || start.elapsed() > Duration::from_secs(5) {
            return log;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn paths(log: &[Logged]) -> Vec<(&str, Option<u16>)> {
    log.iter().map(|l| (l.path.as_str(), l.status)).collect()
}

#[test]
fn feed_server_serves_a_feed_directory_and_counts_requests() {
    let dir = feed_dir();
    let server = FeedServer::start(dir.path()).expect("the feed server starts");
    assert!(server.url().starts_with("http://127.0.0.1:") && server.url().ends_with('/'));
    serves_a_feed_directory(&server.url());

    // `/manifest.json` is also the start of `/manifest.json.minisig`.
    assert_eq!(server.count("/manifest.json"), 5);
    assert_eq!(server.count("/objects/"), 3);
    let log = server.requests();
    assert_eq!(log.len(), 9);
    let etag = etag_of(MANIFEST.as_bytes());
    assert_eq!(log[0].if_none_match, None);
    assert_eq!(log[1].if_none_match.as_deref(), Some(etag.as_str()));
    assert_eq!(
        log[1],
        Logged {
            method: "GET".into(),
            path: "/manifest.json".into(),
            status: Some(304),
            if_none_match: Some(etag),
            fault: None,
        }
    );
    assert_eq!(
        (log[4].path.as_str(), log[4].status),
        ("/objects/cd/missing", Some(404))
    );
    assert_eq!(log[6].method, "HEAD");
    assert!(log.iter().all(|l| l.fault.is_none()));
    server.clear_log();
    assert!(server.requests().is_empty());
    assert_eq!(server.count("/"), 0);
}

#[test]
fn feed_server_reads_files_at_every_request() {
    let dir = feed_dir();
    let server = FeedServer::start(dir.path()).expect("the feed server starts");
    let first = get(&server.url(), "/manifest.json", &[]);
    let etag = first.header("ETag").expect("an ETag").to_owned();
    // The same length, rewritten at once: the ETag still changes (it hashes the content).
    let rewritten = MANIFEST.replace("\"version\":1", "\"version\":2");
    write(dir.path(), "/manifest.json", rewritten.as_bytes());
    let second = get(&server.url(), "/manifest.json", &[("If-None-Match", &etag)]);
    assert_eq!(second.status, Some(200));
    assert_eq!(second.body, rewritten.as_bytes());
    assert_ne!(second.header("ETag"), Some(etag.as_str()));
    std::fs::remove_file(dir.path().join("manifest.json")).expect("removing the manifest");
    assert_eq!(get(&server.url(), "/manifest.json", &[]).status, Some(404));
    // Percent-encoding is decoded, the query ignored; nothing outside the root is reachable.
    assert_eq!(
        get(&server.url(), "/manifest.json%2Eminisig?x=1", &[]).status,
        Some(200)
    );
    assert_eq!(
        get(&server.url(), "/objects/../manifest.json.minisig", &[]).status,
        Some(400)
    );
    assert_eq!(get(&server.url(), "/objects/", &[]).status, Some(404));
    let mut connection = Connection::open(&server.url(), Duration::from_secs(5));
    connection.send("POST", "/manifest.json.minisig", &[("Content-Length", "3")]);
    connection.send_raw("abc");
    let post = connection.reply(false);
    assert_eq!(post.status, Some(405));
    assert_eq!(post.header("Allow"), Some("GET, HEAD"));
}

#[test]
fn feed_server_status_faults_count_down_in_the_order_added() {
    let dir = feed_dir();
    let server = FeedServer::start(dir.path()).expect("the feed server starts");
    let url = server.url();
    let unavailable = Fault::Status {
        code: 503,
        retry_after: Some(7),
    };
    server.fault(
        ".json",
        Fault::Status {
            code: 500,
            retry_after: None,
        },
        Some(1),
    );
    server.fault("manifest.json", unavailable.clone(), Some(2));
    server.fault(
        "/objects/",
        Fault::Status {
            code: 429,
            retry_after: None,
        },
        None,
    );

    let first = get(&url, "/manifest.json", &[]);
    assert_eq!(first.status, Some(500));
    assert_eq!(first.header("Retry-After"), None);
    let second = get(&url, "/manifest.json", &[]);
    assert_eq!(second.status, Some(503));
    assert_eq!(second.header("Retry-After"), Some("7"));
    assert_eq!(second.end, End::Complete);
    assert_eq!(get(&url, "/manifest.json", &[]).status, Some(503));
    assert_eq!(get(&url, "/manifest.json", &[]).status, Some(200));
    // The suffix is matched against the end of the path only.
    assert_eq!(get(&url, OBJECT_PATH, &[]).status, Some(200));
    assert_eq!(get(&url, "/manifest.json.minisig", &[]).status, Some(200));

    // `None`: every time until cleared.
    server.fault(
        "minisig",
        Fault::Status {
            code: 404,
            retry_after: None,
        },
        None,
    );
    for _ in 0..3 {
        assert_eq!(get(&url, "/manifest.json.minisig", &[]).status, Some(404));
    }
    server.clear_faults();
    assert_eq!(get(&url, "/manifest.json.minisig", &[]).status, Some(200));

    let log = server.requests();
    assert_eq!(log[1].fault, Some(unavailable));
    assert_eq!(log[3].fault, None);
    assert_eq!(
        paths(&log)[..4],
        [
            ("/manifest.json", Some(500)),
            ("/manifest.json", Some(503)),
            ("/manifest.json", Some(503)),
            ("/manifest.json", Some(200)),
        ]
    );
}

#[test]
fn feed_server_resets_truncates_appends_and_replaces() {
    let dir = feed_dir();
    let server = FeedServer::start(dir.path()).expect("the feed server starts");
    let url = server.url();

    // Reset: the request is read, then a TCP reset and no response; the next request is served.
    server.fault("manifest.json", Fault::Reset, Some(1));
    let reset = get(&url, "/manifest.json", &[]);
    assert_eq!((reset.status, reset.end), (None, End::Reset));
    assert!(reset.body.is_empty());
    assert_eq!(get(&url, "/manifest.json", &[]).status, Some(200));

    // Reset on the second request of a kept-alive connection.
    server.fault("minisig", Fault::Reset, Some(1));
    let mut connection = Connection::open(&url, Duration::from_secs(5));
    connection.send("GET", "/manifest.json", &[]);
    assert_eq!(connection.reply(false).status, Some(200));
    connection.send("GET", "/manifest.json.minisig", &[]);
    assert_eq!(connection.reply(false).end, End::Reset);

    // Truncate: the whole length announced, the first bytes sent, then the end of the connection.
    server.fault(OBJECT_PATH, Fault::Truncate(1000), Some(1));
    let truncated = get(&url, OBJECT_PATH, &[]);
    assert_eq!(truncated.status, Some(200));
    assert_eq!(truncated.header("Content-Length"), Some("70000"));
    assert_eq!(truncated.body, object_bytes()[..1000]);
    assert_eq!(truncated.end, End::Closed);

    // Append: a longer announced length, the file then the extra bytes.
    server.fault(OBJECT_PATH, Fault::Append(b"extra".to_vec()), Some(1));
    let appended = get(&url, OBJECT_PATH, &[]);
    assert_eq!(appended.status, Some(200));
    assert_eq!(appended.header("Content-Length"), Some("70005"));
    let mut expected = object_bytes();
    expected.extend_from_slice(b"extra");
    assert_eq!(appended.body, expected);
    assert_eq!(appended.end, End::Complete);

    // Replace: other bytes, even under a matching If-None-Match, even for a missing file.
    let etag = etag_of(MANIFEST.as_bytes());
    server.fault(".json", Fault::Replace(b"not json".to_vec()), Some(2));
    let replaced = get(&url, "/manifest.json", &[("If-None-Match", &etag)]);
    assert_eq!(
        (replaced.status, replaced.body.as_slice()),
        (Some(200), &b"not json"[..])
    );
    assert_eq!(replaced.header("Content-Type"), Some("application/json"));
    let invented = get(&url, "/other.json", &[]);
    assert_eq!(
        (invented.status, invented.body.as_slice()),
        (Some(200), &b"not json"[..])
    );
    assert_eq!(get(&url, "/other.json", &[]).status, Some(404));

    let faults: Vec<Option<Fault>> = server.requests().into_iter().map(|l| l.fault).collect();
    assert_eq!(faults[0], Some(Fault::Reset));
    assert_eq!(server.requests()[0].status, None);
    assert_eq!(faults.iter().filter(|f| f.is_some()).count(), 6);
}

#[test]
fn feed_server_stalls_after_the_headers() {
    let dir = feed_dir();
    let server = FeedServer::start(dir.path()).expect("the feed server starts");
    let url = server.url();

    // Past the client's timeout: headers arrive, then no body byte.
    server.fault(
        "manifest.json",
        Fault::Stall(Duration::from_secs(30)),
        Some(1),
    );
    let mut connection = Connection::open(&url, Duration::from_millis(500));
    connection.send("GET", "/manifest.json", &[]);
    let stalled = connection.reply(false);
    assert_eq!(stalled.status, Some(200));
    assert_eq!(
        stalled.header("Content-Length"),
        Some(MANIFEST.len().to_string().as_str())
    );
    assert!(stalled.body.is_empty());
    assert_eq!(stalled.end, End::TimedOut);

    // Shorter than the client's timeout: the body follows the pause.
    server.fault(
        "manifest.json",
        Fault::Stall(Duration::from_millis(200)),
        Some(1),
    );
    let slow = get(&url, "/manifest.json", &[]);
    assert_eq!((slow.status, slow.end), (Some(200), End::Complete));
    assert_eq!(slow.body, MANIFEST.as_bytes());
    assert_eq!(
        server.requests()[0].fault,
        Some(Fault::Stall(Duration::from_secs(30)))
    );

    // Dropping the server with a connection still stalled returns (bounded by its Drop).
    drop(connection);
    drop(server);
}

#[test]
fn feed_server_faults_reach_reqwest_as_errors() {
    // reqwest is built with rustls but no crypto provider; plain HTTP still builds a TLS config.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = feed_dir();
    let server = FeedServer::start(dir.path()).expect("the feed server starts");
    let url = server.url();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .build()
            .expect("a reqwest client");
        let manifest = format!("{url}manifest.json");
        let ok = client.get(&manifest).send().await.expect("a response");
        assert_eq!(ok.status(), 200);
        let etag = ok.headers()["etag"]
            .to_str()
            .expect("an ASCII ETag")
            .to_owned();
        assert_eq!(ok.bytes().await.expect("the body"), MANIFEST.as_bytes());
        let cached = client
            .get(&manifest)
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("a response");
        assert_eq!(cached.status(), 304);

        server.fault(
            "manifest.json",
            Fault::Status {
                code: 503,
                retry_after: Some(2),
            },
            Some(1),
        );
        let busy = client.get(&manifest).send().await.expect("a response");
        assert_eq!(busy.status(), 503);
        assert_eq!(busy.headers()["retry-after"], "2");

        server.fault("manifest.json", Fault::Reset, Some(1));
        let reset = client.get(&manifest).send().await;
        assert!(reset.is_err(), "a reset is an error: {reset:?}");

        server.fault("manifest.json", Fault::Truncate(10), Some(1));
        let truncated = client.get(&manifest).send().await.expect("the head");
        assert!(
            truncated.bytes().await.is_err(),
            "a truncated body is an error"
        );

        server.fault(
            "manifest.json",
            Fault::Stall(Duration::from_secs(30)),
            Some(1),
        );
        let stalled = match client.get(&manifest).send().await {
            Ok(response) => response.bytes().await.map(|_| ()),
            Err(err) => Err(err),
        };
        assert!(
            stalled.as_ref().is_err_and(reqwest::Error::is_timeout),
            "{stalled:?}"
        );

        let again = client.get(&manifest).send().await.expect("a response");
        assert_eq!(again.bytes().await.expect("the body"), MANIFEST.as_bytes());
    });
    assert_eq!(server.count("/manifest.json"), 7);
}

#[test]
fn nginx_serves_a_feed_directory_and_logs_requests() {
    let dir = feed_dir();
    let nginx = Nginx::start(dir.path()).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(nginx.url(), format!("http://127.0.0.1:{}/", nginx.port()));
    serves_a_feed_directory(&nginx.url());

    let log = nginx_log(&nginx, 9);
    assert_eq!(log.len(), 9, "{log:#?}");
    assert_eq!(nginx.count("/manifest.json"), 5);
    assert_eq!(nginx.count("/objects/"), 3);
    let first = &log[0];
    assert_eq!(
        (first.method.as_str(), first.path.as_str(), first.status),
        ("GET", "/manifest.json", 200)
    );
    assert_eq!(first.body_bytes_sent, MANIFEST.len() as u64);
    assert_eq!(first.if_none_match, None);
    assert_eq!(log[1].status, 304);
    assert_eq!(log[1].body_bytes_sent, 0);
    assert!(
        log[1]
            .if_none_match
            .as_deref()
            .is_some_and(|tag| tag.starts_with('"'))
    );
    assert_eq!(
        (log[4].path.as_str(), log[4].status),
        ("/objects/cd/missing", 404)
    );
    assert_eq!(log[6].method, "HEAD");
    assert_eq!(log[3].body_bytes_sent, 70_000);

    let port = nginx.port();
    drop(nginx);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nginx is stopped when dropped"
    );
}

#[test]
fn nginx_refuses_a_missing_directory() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let missing = dir.path().join("no-feed-here");
    match Nginx::start(&missing) {
        Err(err @ NginxError::Root { .. }) => {
            assert!(err.to_string().contains("no-feed-here"), "{err}")
        }
        other => panic!("expected a Root error, got {other:?}"),
    }
}
