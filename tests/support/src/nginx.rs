//! A real nginx serving a directory on 127.0.0.1, as a child process of ours (no daemon, no master
//! process): the feed server of `readpoint-bench sync` and of the integration tests that want a
//! real web server (its ETags, its 304s, its keep-alive).
//!
//! Owns a temporary directory holding the generated configuration, the logs, the pid file and
//! every nginx temp path; dropping the [`Nginx`] kills the child and removes that directory.
//! Never listens beyond loopback, never reads or writes nginx's system configuration, logs or
//! service, never runs nginx as a daemon that could outlive its owner.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where Debian's nginx package installs the binary (looked for first, then `PATH`).
pub const NGINX_PATH: &str = "/usr/sbin/nginx";

/// Ports tried before giving up when another process takes the free port first.
const START_TRIES: usize = 5;

/// How long nginx may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// The temp paths nginx creates at start, by module (`<name>_temp_path`); each defaults to a
/// system directory (Debian: `/var/lib/nginx/…`) a normal user cannot create.
const TEMP_PATH_MODULES: [&str; 5] = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"];

/// Why nginx could not be started.
#[derive(Debug, thiserror::Error)]
pub enum NginxError {
    /// No nginx binary.
    #[error(
        "nginx is not installed ({NGINX_PATH}): install Debian's nginx package (scripts/test does)"
    )]
    NotInstalled,
    /// The directory to serve is unusable.
    #[error("cannot serve {path} with nginx: {reason}")]
    Root {
        /// The directory as given.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A path nginx's configuration syntax cannot quote.
    #[error(
        "nginx's configuration cannot name {path}: use a path without `$`, `\"`, `\\`, control characters or invalid UTF-8"
    )]
    Unquotable {
        /// The path.
        path: PathBuf,
    },
    /// Our temporary directory or a file in it could not be written.
    #[error("nginx harness: {what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The binary exists but could not be run.
    #[error("nginx ({path}) could not be run: {source}")]
    Spawn {
        /// The binary.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// nginx exited during start for a reason other than a taken port.
    #[error("nginx exited while starting ({status}); its error log:\n{log}")]
    Exited {
        /// Its exit status.
        status: String,
        /// Its error log and standard error.
        log: String,
    },
    /// nginx kept running but did not accept connections in time.
    #[error(
        "nginx did not accept connections on 127.0.0.1:{port} within {seconds} s; its error log:\n{log}"
    )]
    NotListening {
        /// The port it was configured with.
        port: u16,
        /// The time allowed.
        seconds: u64,
        /// Its error log and standard error.
        log: String,
    },
    /// Every free port found was taken by another process before nginx could bind it.
    #[error(
        "nginx could not bind a free port of 127.0.0.1 in {tries} tries; its last error log:\n{log}"
    )]
    NoPort {
        /// Ports tried.
        tries: usize,
        /// The last error log.
        log: String,
    },
}

/// One request from nginx's access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLine {
    /// `GET`, `HEAD`, …
    pub method: String,
    /// The decoded path without the query (`$uri`), e.g. `/objects/ab/ab12…`.
    pub path: String,
    /// The status sent.
    pub status: u16,
    /// Body bytes sent (0 for a 304).
    pub body_bytes_sent: u64,
    /// The request's `If-None-Match` header, if it had one.
    pub if_none_match: Option<String>,
}

/// nginx serving a directory at `http://127.0.0.1:PORT/`; killed, and its files removed, when
/// dropped.
///
/// Files are served as they are on disk at each request (no open-file cache). nginx's ETag is
/// `"<mtime seconds>-<length>"` (hex): a file rewritten within the same second with the same
/// length keeps its ETag, so tests that rewrite a file should change its length or its mtime.
#[derive(Debug)]
pub struct Nginx {
    port: u16,
    child: Running,
    dir: OwnedDir,
}

impl Nginx {
    /// Starts nginx serving `root` at `http://127.0.0.1:PORT/` and returns once it accepts
    /// connections. The error says what is missing or, when nginx itself failed, shows its
    /// error log.
    pub fn start(root: &Path) -> Result<Nginx, NginxError> {
        let root_dir = root.canonicalize().map_err(|err| NginxError::Root {
            path: root.to_path_buf(),
            reason: err.to_string(),
        })?;
        if !root_dir.is_dir() {
            return Err(NginxError::Root {
                path: root.to_path_buf(),
                reason: "not a directory".to_owned(),
            });
        }
        let binary =
            find_nginx(std::env::var_os("PATH").as_deref()).ok_or(NginxError::NotInstalled)?;
        let version = Command::new(&binary)
            .arg("-V")
            .stdin(Stdio::null())
            .output()
            .map_err(|source| NginxError::Spawn {
                path: binary.clone(),
                source,
            })?;
        let temp_paths = temp_path_modules(&String::from_utf8_lossy(&version.stderr));
        let as_root = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| effective_uid(&status))
            == Some(0);
        let dir = OwnedDir::create()?;

        let mut last_log = String::new();
        for _ in 0..START_TRIES {
            let port = free_port().map_err(|source| NginxError::Io {
                what: "finding a free port on",
                path: PathBuf::from("127.0.0.1"),
                source,
            })?;
            let config = config_text(&ConfigParams {
                dir: &dir.0,
                root: &root_dir,
                port,
                as_root,
                temp_paths: &temp_paths,
            })?;
            dir.write("nginx.conf", config.as_bytes())?;
            for stale in ["error.log", "stderr.log", "access.log", "nginx.pid"] {
                let _ = std::fs::remove_file(dir.0.join(stale));
            }
            let child = dir.spawn(&binary)?;
            match wait_until_serving(child, port, &dir)? {
                Started::Serving(child) => {
                    tracing::debug!(port, root = %root_dir.display(), "nginx started");
                    return Ok(Nginx { port, child, dir });
                }
                Started::PortTaken(log) => last_log = log,
            }
        }
        Err(NginxError::NoPort {
            tries: START_TRIES,
            log: last_log,
        })
    }

    /// `http://127.0.0.1:PORT/` (with the trailing slash).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// The port nginx listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// CPU time nginx has used so far (user and system; it runs as one process), from
    /// `/proc/<pid>/schedstat` (nanoseconds on the CPU); `None` where that is not available.
    pub fn cpu_time(&self) -> Option<Duration> {
        let text =
            std::fs::read_to_string(format!("/proc/{}/schedstat", self.child.0.id())).ok()?;
        let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
        Some(Duration::from_nanos(nanos))
    }

    /// Every request logged so far, oldest first. nginx writes a request's line when it has
    /// sent the response, so a client may see the response a moment before its line appears.
    pub fn access_log(&self) -> Vec<AccessLine> {
        let text = std::fs::read(self.dir.0.join("access.log")).unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        // Only complete lines: a line being written has no newline yet.
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        complete.lines().filter_map(parse_access_line).collect()
    }

    /// Requests so far whose path starts with `prefix` (e.g. `"/objects/"`).
    pub fn count(&self, prefix: &str) -> usize {
        self.access_log()
            .iter()
            .filter(|line| line.path.starts_with(prefix))
            .count()
    }
}

/// The nginx binary: [`NGINX_PATH`], else the first `nginx` on `path` (a `PATH` value).
fn find_nginx(path: Option<&OsStr>) -> Option<PathBuf> {
    let standard = PathBuf::from(NGINX_PATH);
    if standard.is_file() {
        return Some(standard);
    }
    std::env::split_paths(path?)
        .map(|dir| dir.join("nginx"))
        .find(|candidate| candidate.is_file())
}

/// The modules whose temp path must be moved into our directory: all of them except those
/// `nginx -V` says were built `--without-http_<name>_module`.
fn temp_path_modules(version_output: &str) -> Vec<&'static str> {
    TEMP_PATH_MODULES
        .into_iter()
        .filter(|module| !version_output.contains(&format!("--without-http_{module}_module")))
        .collect()
}

/// The effective user id from the text of `/proc/self/status`.
fn effective_uid(status: &str) -> Option<u32> {
    let line = status.lines().find(|line| line.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// What the configuration depends on.
struct ConfigParams<'a> {
    dir: &'a Path,
    root: &'a Path,
    port: u16,
    as_root: bool,
    temp_paths: &'a [&'static str],
}

/// The whole `nginx.conf`: one process in the foreground, everything it writes inside `dir`,
/// `root` served as static files on 127.0.0.1:`port` with ETags and without compression.
fn config_text(params: &ConfigParams) -> Result<String, NginxError> {
    let inside = |name: &str| quote(&params.dir.join(name));
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        text,
        "daemon off;\nmaster_process off;\nworker_processes 1;"
    );
    if params.as_root {
        // Without it nginx run as root looks up the user `nobody` and hands it the temp paths.
        let _ = writeln!(text, "user root;");
    }
    let _ = writeln!(text, "pid {};", inside("nginx.pid")?);
    let _ = writeln!(text, "error_log {} warn;", inside("error.log")?);
    // Enough for a simulated fleet's bursts (`readpoint-bench fleet`).
    let _ = writeln!(text, "events {{\n    worker_connections 1024;\n}}\nhttp {{");
    for module in params.temp_paths {
        let _ = writeln!(text, "    {module}_temp_path {};", inside(module)?);
    }
    let _ = writeln!(
        text,
        "    log_format readpoint \"$request_method\\t$uri\\t$status\\t$body_bytes_sent\\t$http_if_none_match\";"
    );
    // No `buffer=`: each line is written when its request ends.
    let _ = writeln!(text, "    access_log {} readpoint;", inside("access.log")?);
    let _ = writeln!(
        text,
        "    types {{\n        application/json json;\n    }}\n    default_type application/octet-stream;"
    );
    let _ = writeln!(text, "    gzip off;\n    etag on;\n    server_tokens off;");
    let _ = writeln!(
        text,
        "    server {{\n        listen 127.0.0.1:{};\n        root {};\n    }}\n}}",
        params.port,
        quote(params.root)?
    );
    Ok(text)
}

/// `path` as a double-quoted nginx string, if nginx can read it back unchanged (nginx expands
/// `$variables` even inside quotes and has no escape for `$`).
fn quote(path: &Path) -> Result<String, NginxError> {
    let unquotable = || NginxError::Unquotable {
        path: path.to_path_buf(),
    };
    let text = path.to_str().ok_or_else(unquotable)?;
    if text
        .chars()
        .any(|c| matches!(c, '$' | '"' | '\\') || c.is_control())
    {
        return Err(unquotable());
    }
    Ok(format!("\"{text}\""))
}

/// One access-log line (`log_format readpoint`: tab-separated, nginx's default escaping of
/// `"`, `\` and bytes outside printable ASCII as `\xHH`, `-` for an empty value).
fn parse_access_line(line: &str) -> Option<AccessLine> {
    let mut fields = line.split('\t');
    let method = unescape(fields.next()?);
    let path = unescape(fields.next()?);
    let status = fields.next()?.parse().ok()?;
    let body_bytes_sent = fields.next()?.parse().ok()?;
    let if_none_match = match fields.next()? {
        "-" => None,
        value => Some(unescape(value)),
    };
    if fields.next().is_some() {
        return None;
    }
    Some(AccessLine {
        method,
        path,
        status,
        body_bytes_sent,
        if_none_match,
    })
}

/// Undoes nginx's `\xHH` escaping (the bytes are UTF-8 in practice; invalid ones become U+FFFD).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i..i + 4)
            .filter(|seq| seq.starts_with(b"\\x"))
            .and_then(|seq| std::str::from_utf8(&seq[2..]).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A port that was free a moment ago (bound on 127.0.0.1:0 and released).
fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// The outcome of one start attempt that did not fail outright.
enum Started {
    Serving(Running),
    /// Another process bound the port first (nginx has exited); its error log.
    PortTaken(String),
}

/// Waits until nginx has bound its port (its pid file holds its pid: nginx writes it after
/// opening the listening sockets) and accepts a connection, or has exited, or [`START_TIMEOUT`].
fn wait_until_serving(
    mut child: Running,
    port: u16,
    dir: &OwnedDir,
) -> Result<Started, NginxError> {
    let start = Instant::now();
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let pid = child.0.id().to_string();
    loop {
        if let Ok(Some(status)) = child.0.try_wait() {
            let log = dir.logs();
            if log.contains("Address already in use") {
                return Ok(Started::PortTaken(log));
            }
            return Err(NginxError::Exited {
                status: status.to_string(),
                log,
            });
        }
        let bound =
            std::fs::read_to_string(dir.0.join("nginx.pid")).is_ok_and(|text| text.trim() == pid);
        if bound && TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(Started::Serving(child));
        }
        if start.elapsed() > START_TIMEOUT {
            return Err(NginxError::NotListening {
                port,
                seconds: START_TIMEOUT.as_secs(),
                log: dir.logs(),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // Stopped before `dir` is dropped: nginx never writes into a removed directory.
        self.child.stop();
    }
}

/// A child process killed and reaped when dropped (also while nginx is still starting).
#[derive(Debug)]
struct Running(Child);

impl Running {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A fresh directory under the system temporary directory, removed with its contents when
/// dropped.
#[derive(Debug)]
struct OwnedDir(PathBuf);

impl OwnedDir {
    fn create() -> Result<OwnedDir, NginxError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut last = None;
        for _ in 0..10 {
            let name = format!(
                "readpoint-nginx-{}-{}-{nanos:x}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            let path = std::env::temp_dir().join(name);
            // `create_dir`, not `create_dir_all`: a directory that exists is someone else's.
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(OwnedDir(path)),
                Err(err) => last = Some((path, err)),
            }
        }
        let (path, source) =
            last.unwrap_or_else(|| (std::env::temp_dir(), std::io::Error::other("no attempt")));
        Err(NginxError::Io {
            what: "creating the temporary directory",
            path,
            source,
        })
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), NginxError> {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).map_err(|source| NginxError::Io {
            what: "writing",
            path,
            source,
        })
    }

    /// nginx in the foreground with our configuration; standard error into `stderr.log` (the
    /// `-e` error log catches what nginx says before it has read the configuration).
    fn spawn(&self, binary: &Path) -> Result<Running, NginxError> {
        let stderr_path = self.0.join("stderr.log");
        let stderr = std::fs::File::create(&stderr_path).map_err(|source| NginxError::Io {
            what: "creating",
            path: stderr_path,
            source,
        })?;
        let mut prefix = self.0.clone().into_os_string();
        prefix.push("/");
        Command::new(binary)
            .arg("-p")
            .arg(prefix)
            .arg("-c")
            .arg(self.0.join("nginx.conf"))
            .arg("-e")
            .arg(self.0.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map(Running)
            .map_err(|source| NginxError::Spawn {
                path: binary.to_path_buf(),
                source,
            })
    }

    /// The error log and standard error, for error messages.
    fn logs(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.0.join(name)).unwrap_or_default();
        let text = format!("{}{}", read("error.log"), read("stderr.log"));
        if text.trim().is_empty() {
            "(empty)".to_owned()
        } else {
            text.trim_end().to_owned()
        }
    }
}

impl Drop for OwnedDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params<'a>(as_root: bool, temp_paths: &'a [&'static str]) -> ConfigParams<'a> {
        ConfigParams {
            dir: Path::new("/tmp/readpoint-nginx-1"),
            root: Path::new("/srv/feed"),
            port: 40123,
            as_root,
            temp_paths,
        }
    }

    #[test]
    fn config_keeps_everything_in_the_directory_on_loopback() {
        let text = config_text(&params(false, &TEMP_PATH_MODULES)).expect("quotable paths");
        for line in [
            "daemon off;",
            "master_process off;",
            "pid \"/tmp/readpoint-nginx-1/nginx.pid\";",
            "error_log \"/tmp/readpoint-nginx-1/error.log\" warn;",
            "    client_body_temp_path \"/tmp/readpoint-nginx-1/client_body\";",
            "    proxy_temp_path \"/tmp/readpoint-nginx-1/proxy\";",
            "    fastcgi_temp_path \"/tmp/readpoint-nginx-1/fastcgi\";",
            "    uwsgi_temp_path \"/tmp/readpoint-nginx-1/uwsgi\";",
            "    scgi_temp_path \"/tmp/readpoint-nginx-1/scgi\";",
            "    log_format readpoint \"$request_method\\t$uri\\t$status\\t$body_bytes_sent\\t$http_if_none_match\";",
            "    access_log \"/tmp/readpoint-nginx-1/access.log\" readpoint;",
            "    default_type application/octet-stream;",
            "    gzip off;",
            "    etag on;",
            "        listen 127.0.0.1:40123;",
            "        root \"/srv/feed\";",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in:\n{text}"
            );
        }
        assert!(
            !text.contains("user "),
            "no user directive for a normal user:\n{text}"
        );
        assert!(
            !text.contains("buffer="),
            "the access log is written at once"
        );
        assert_eq!(text.matches('{').count(), text.matches('}').count());
    }

    #[test]
    fn config_names_the_user_only_as_root_and_skips_missing_modules() {
        let modules = temp_path_modules(
            "configure arguments: --without-http_uwsgi_module --without-http_scgi_module",
        );
        assert_eq!(modules, ["client_body", "proxy", "fastcgi"]);
        let text = config_text(&params(true, &modules)).expect("quotable paths");
        assert!(text.lines().any(|l| l == "user root;"));
        assert!(!text.contains("uwsgi") && !text.contains("scgi"));
    }

    #[test]
    fn paths_nginx_would_misread_are_refused() {
        for bad in ["/srv/$feed", "/srv/\"feed", "/srv/fe\\ed", "/srv/feed\n"] {
            assert!(
                matches!(quote(Path::new(bad)), Err(NginxError::Unquotable { .. })),
                "{bad:?} must be refused"
            );
        }
        assert_eq!(
            quote(Path::new("/srv/政府 信息;{}")).expect("quotable"),
            "\"/srv/政府 信息;{}\""
        );
    }

    #[test]
    fn access_lines_parse_with_nginx_escaping() {
        assert_eq!(
            parse_access_line("GET\t/manifest.json\t304\t0\t\\x226b0c363e-8\\x22"),
            Some(AccessLine {
                method: "GET".into(),
                path: "/manifest.json".into(),
                status: 304,
                body_bytes_sent: 0,
                if_none_match: Some("\"6b0c363e-8\"".into()),
            })
        );
        let line =
            parse_access_line("HEAD\t/objects/\\xE6\\x94\\xBF\t404\t153\t-").expect("parses");
        assert_eq!(line.path, "/objects/政");
        assert_eq!(line.if_none_match, None);
        assert_eq!(unescape("\\x4G\\x"), "\\x4G\\x");
        for bad in [
            "",
            "GET\t/\t200\t5",
            "GET\t/\tok\t5\t-",
            "GET\t/\t200\t5\t-\textra",
        ] {
            assert_eq!(parse_access_line(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn effective_uid_is_the_second_uid_field() {
        assert_eq!(
            effective_uid("Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t1\n"),
            Some(0)
        );
        assert_eq!(effective_uid("Name:\tx\n"), None);
    }

    #[test]
    fn nginx_is_found_on_path_when_not_in_sbin() {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("nginx"), "").expect("fake binary");
        let found = find_nginx(Some(dir.path().as_os_str())).expect("found");
        assert!(found == Path::new(NGINX_PATH) || found == dir.path().join("nginx"));
        if !Path::new(NGINX_PATH).is_file() {
            assert_eq!(find_nginx(None), None);
        }
    }
}
