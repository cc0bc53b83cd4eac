//! Support: a private CUPS scheduler on 127.0.0.1, started by the test as its own child process
//! (never the system's cupsd), with its configuration, spool and logs in a temporary folder.
//! Queues are raw (the PDF goes to the device as sent) and every job's file is kept in the
//! spool (`PreserveJobFiles`), so a test reads back exactly what the kiosk printed.
//!
//! Two devices: `file:///dev/null` (a printer that prints) and `nopaper:/`, a backend that
//! reports `media-empty-error` the way a real printer's backend does, which stops the queue.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The out-of-paper backend: reads the job, reports the state, asks CUPS to stop the queue.
const NOPAPER_BACKEND: &str = "#!/bin/sh\n\
# Test backend: a printer that has run out of paper.\n\
if [ $# -eq 0 ]; then echo 'direct nopaper \"Unknown\" \"No paper\"'; exit 0; fi\n\
cat > /dev/null\n\
echo 'STATE: +media-empty-error' >&2\n\
echo 'ERROR: out of paper' >&2\n\
exit 4\n";

/// A running private cupsd.
pub struct Cups {
    child: Child,
    dir: TempDir,
    /// `127.0.0.1:<port>`.
    pub host: String,
}

impl Cups {
    /// Starts cupsd on a free port of 127.0.0.1 and waits (at most 10 s) until it answers.
    pub fn start() -> Cups {
        let dir = tempfile::tempdir().expect("temporary directory");
        let root = dir.path();
        for sub in ["spool", "cache", "state", "log", "tmp", "bin/backend"] {
            std::fs::create_dir_all(root.join(sub)).expect("cups folders");
        }
        // The backends run as lp: every folder on the way must be traversable.
        set_mode(root, 0o755);
        for sub in ["bin", "bin/backend", "log", "tmp"] {
            set_mode(&root.join(sub), 0o755);
        }
        for name in ["daemon", "notifier", "cgi-bin", "monitor"] {
            let system = Path::new("/usr/lib/cups").join(name);
            if system.exists() {
                std::os::unix::fs::symlink(&system, root.join("bin").join(name))
                    .expect("linking cups helpers");
            }
        }
        let backend = root.join("bin/backend/nopaper");
        std::fs::write(&backend, NOPAPER_BACKEND).expect("writing the test backend");
        set_mode(&backend, 0o755);

        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port on 127.0.0.1");
        let host = format!("127.0.0.1:{port}");
        std::fs::write(
            root.join("cupsd.conf"),
            format!(
                "Listen {host}\nLogLevel debug\nBrowsing No\nDefaultAuthType None\n\
                 WebInterface No\nPreserveJobFiles Yes\nMaxJobTime 60\n\
                 <Location />\n  Order allow,deny\n  Allow all\n</Location>\n\
                 <Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
            ),
        )
        .expect("cupsd.conf");
        let mut files = format!(
            "ServerRoot {r}\nRequestRoot {r}/spool\nCacheDir {r}/cache\nStateDir {r}/state\n\
             TempDir {r}/tmp\nServerBin {r}/bin\nDataDir /usr/share/cups\n\
             AccessLog {r}/log/access_log\nErrorLog {r}/log/error_log\n\
             PageLog {r}/log/page_log\nFileDevice Yes\n",
            r = root.display()
        );
        // As root cupsd runs backends as lp; as anyone else, as that user.
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            let user = std::env::var("USER").unwrap_or_else(|_| "nobody".into());
            files.push_str(&format!("User {user}\n"));
        }
        std::fs::write(root.join("cups-files.conf"), files).expect("cups-files.conf");
        let child = Command::new("cupsd")
            .arg("-f")
            .arg("-c")
            .arg(root.join("cupsd.conf"))
            .arg("-s")
            .arg(root.join("cups-files.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting cupsd (Debian package cups-daemon; scripts/test installs it)");
        let cups = Cups { child, dir, host };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(&cups.host).is_err() {
            assert!(
                Instant::now() < deadline,
                "cupsd did not listen on {} within 10 s:\n{}",
                cups.host,
                cups.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        cups
    }

    /// Adds an enabled raw queue `name` printing to `device` (`file:///dev/null`, `nopaper:/`).
    pub fn add_queue(&self, name: &str, device: &str) {
        self.admin("lpadmin", &["-p", name, "-v", device, "-E"]);
    }

    /// Runs a CUPS admin command (`lpadmin`, `cupsdisable`, …) against this scheduler.
    pub fn admin(&self, program: &str, args: &[&str]) {
        let output = Command::new(program)
            .arg("-h")
            .arg(&self.host)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("running {program}: {e}"));
        assert!(
            output.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The IPP address of queue `name`.
    pub fn uri(&self, name: &str) -> String {
        format!("ipp://{}/printers/{name}", self.host)
    }

    /// The document file CUPS kept for job `id`.
    pub fn job_file(&self, id: i32) -> PathBuf {
        self.dir.path().join("spool").join(format!("d{id:05}-001"))
    }

    /// Waits (at most 10 s) until CUPS has kept job `id`'s file, and returns its path.
    pub fn wait_for_job_file(&self, id: i32) -> PathBuf {
        let path = self.job_file(id);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !path.exists() {
            assert!(
                Instant::now() < deadline,
                "job {id} never spooled:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        path
    }

    /// The job's control-file attributes as `ipptool`-free text: what CUPS recorded about the
    /// job (user, name), read through `lpstat`.
    pub fn lpstat(&self, args: &[&str]) -> String {
        let output = Command::new("lpstat")
            .arg("-h")
            .arg(&self.host)
            .args(args)
            .output()
            .expect("running lpstat");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The scheduler's error log (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log/error_log")).unwrap_or_default()
    }
}

impl Drop for Cups {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// `pdfinfo`'s page count of `pdf`.
pub fn pdf_pages(pdf: &Path) -> u32 {
    let output = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("running pdfinfo (poppler-utils)");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "pdfinfo {}: {}",
                pdf.display(),
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

/// `pdftotext`'s text of `pdf` (page breaks as form feeds).
pub fn pdf_text(pdf: &Path) -> String {
    let output = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("running pdftotext (poppler-utils)");
    assert!(output.status.success(), "pdftotext {}", pdf.display());
    String::from_utf8_lossy(&output.stdout).into_owned()
}
