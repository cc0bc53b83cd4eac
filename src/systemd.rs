//! systemd's service notifications (`sd_notify`), written by hand: one datagram per state
//! change to `$NOTIFY_SOCKET` (a path, or `@name` for an abstract socket).
//!
//! Owns: `READY=1`, `WATCHDOG=1`, `STATUS=…`, `STOPPING=1`, the watchdog interval from
//! `WATCHDOG_USEC` (and `WATCHDOG_PID`), and the watchdog timer that runs **on the UI event
//! loop**, so a hung UI thread stops the pings and systemd restarts the kiosk.
//!
//! Must never: fail or block the caller (a notification that cannot be sent is logged at debug
//! level and forgotten), or do anything outside systemd (no `NOTIFY_SOCKET`: every call is a
//! no-op).

use std::io;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// A connection to systemd's notification socket, or nothing outside systemd. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Notifier {
    target: Option<Arc<Target>>,
}

/// The socket and where it sends.
#[derive(Debug)]
struct Target {
    socket: UnixDatagram,
    address: SocketAddr,
}

impl Notifier {
    /// A notifier that does nothing (not under systemd).
    pub fn none() -> Notifier {
        Notifier { target: None }
    }

    /// The notifier for this process: `$NOTIFY_SOCKET` if set and usable, else none.
    pub fn from_env() -> Notifier {
        match std::env::var("NOTIFY_SOCKET") {
            Ok(name) => Notifier::for_socket(&name).unwrap_or_else(|e| {
                tracing::warn!("NOTIFY_SOCKET={name} cannot be used ({e}); systemd will not hear from the kiosk");
                Notifier::none()
            }),
            Err(_) => Notifier::none(),
        }
    }

    /// A notifier sending to `name`: an absolute path, or `@name` for an abstract socket.
    pub fn for_socket(name: &str) -> io::Result<Notifier> {
        let address = socket_address(name)?;
        let socket = UnixDatagram::unbound()?;
        socket.set_nonblocking(true)?;
        Ok(Notifier {
            target: Some(Arc::new(Target { socket, address })),
        })
    }

    /// Whether notifications go anywhere.
    pub fn is_active(&self) -> bool {
        self.target.is_some()
    }

    /// Sends `state` (`KEY=value` lines). A no-op outside systemd.
    pub fn send(&self, state: &str) -> io::Result<()> {
        let Some(target) = &self.target else {
            return Ok(());
        };
        target
            .socket
            .send_to_addr(state.as_bytes(), &target.address)
            .map(|_| ())
    }

    /// Sends `state`, logging (at debug level) instead of failing.
    fn notify(&self, state: &str) {
        if let Err(e) = self.send(state) {
            tracing::debug!("systemd notification {state:?} not sent: {e}");
        }
    }

    /// `READY=1`: start-up is complete.
    pub fn ready(&self) {
        self.notify("READY=1");
    }

    /// `WATCHDOG=1`: the process is alive.
    pub fn watchdog(&self) {
        self.notify("WATCHDOG=1");
    }

    /// `STATUS=text`, shown by `systemctl status` (one line).
    pub fn status(&self, text: &str) {
        let line = text.replace(['\n', '\r'], " ");
        self.notify(&format!("STATUS={line}"));
    }

    /// `STOPPING=1`: the process is shutting down on purpose.
    pub fn stopping(&self) {
        self.notify("STOPPING=1");
    }
}

/// The process's notifier (from `$NOTIFY_SOCKET`, read once).
pub fn notifier() -> &'static Notifier {
    static NOTIFIER: OnceLock<Notifier> = OnceLock::new();
    NOTIFIER.get_or_init(Notifier::from_env)
}

/// `READY=1` to systemd, if the process runs under it.
pub fn ready() {
    notifier().ready();
}

/// `WATCHDOG=1` to systemd, if the process runs under it.
pub fn watchdog() {
    notifier().watchdog();
}

/// `STATUS=text` to systemd, if the process runs under it.
pub fn status(text: &str) {
    notifier().status(text);
}

/// `STOPPING=1` to systemd, if the process runs under it.
pub fn stopping() {
    notifier().stopping();
}

/// The socket address for `NOTIFY_SOCKET`'s value.
fn socket_address(name: &str) -> io::Result<SocketAddr> {
    if let Some(abstract_name) = name.strip_prefix('@') {
        use std::os::linux::net::SocketAddrExt;
        return SocketAddr::from_abstract_name(abstract_name.as_bytes());
    }
    if !name.starts_with('/') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "NOTIFY_SOCKET is neither an absolute path nor @abstract",
        ));
    }
    SocketAddr::from_pathname(name)
}

/// The watchdog interval systemd expects pings within (`WatchdogSec=`), or `None` when the
/// watchdog is off or meant for another process.
pub fn watchdog_interval() -> Option<Duration> {
    watchdog_interval_from(
        std::env::var("WATCHDOG_USEC").ok().as_deref(),
        std::env::var("WATCHDOG_PID").ok().as_deref(),
        std::process::id(),
    )
}

/// [`watchdog_interval`] from the variables' values and this process's id: `WATCHDOG_USEC`
/// must be a positive number of microseconds, and `WATCHDOG_PID`, when set, must be `pid`.
pub fn watchdog_interval_from(usec: Option<&str>, pid: Option<&str>, own: u32) -> Option<Duration> {
    let micros: u64 = usec?.trim().parse().ok()?;
    if micros == 0 {
        return None;
    }
    if let Some(pid) = pid
        && pid.trim().parse::<u32>().ok() != Some(own)
    {
        return None;
    }
    Some(Duration::from_micros(micros))
}

/// The ping period for a watchdog `interval`: half of it, as systemd recommends.
pub fn ping_period(interval: Duration) -> Duration {
    (interval / 2).max(Duration::from_millis(1))
}

/// Starts pinging `notifier`'s watchdog every half `interval` from a timer on the Slint event
/// loop of the calling (UI) thread: if that loop hangs, the pings stop and systemd restarts
/// the process. Keep the returned timer alive as long as the UI runs.
pub fn start_watchdog_timer(notifier: Notifier, interval: Duration) -> slint::Timer {
    let timer = slint::Timer::default();
    timer.start(
        slint::TimerMode::Repeated,
        ping_period(interval),
        move || notifier.watchdog(),
    );
    timer
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A notification socket in a temporary folder, as systemd would provide.
    fn listener() -> (tempfile::TempDir, UnixDatagram, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let socket = UnixDatagram::bind(&path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        (dir, socket, path.to_string_lossy().into_owned())
    }

    fn receive(socket: &UnixDatagram) -> String {
        let mut buffer = [0u8; 512];
        let n = socket.recv(&mut buffer).unwrap();
        String::from_utf8_lossy(&buffer[..n]).into_owned()
    }

    #[test]
    fn notifications_reach_a_path_socket() {
        let (_dir, socket, name) = listener();
        let notifier = Notifier::for_socket(&name).unwrap();
        assert!(notifier.is_active());
        notifier.ready();
        assert_eq!(receive(&socket), "READY=1");
        notifier.watchdog();
        assert_eq!(receive(&socket), "WATCHDOG=1");
        notifier.status("content 42\nstale");
        assert_eq!(receive(&socket), "STATUS=content 42 stale");
        notifier.stopping();
        assert_eq!(receive(&socket), "STOPPING=1");
    }

    #[test]
    fn notifications_reach_an_abstract_socket() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("readpoint-test-{}", std::process::id());
        let address = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let socket = UnixDatagram::bind_addr(&address).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Notifier::for_socket(&format!("@{name}")).unwrap().ready();
        assert_eq!(receive(&socket), "READY=1");
    }

    #[test]
    fn outside_systemd_everything_is_a_no_op() {
        let notifier = Notifier::none();
        assert!(!notifier.is_active());
        assert!(notifier.send("READY=1").is_ok());
        notifier.watchdog();
        assert!(Notifier::for_socket("relative/path").is_err());
        // A socket nobody listens on: the failure is swallowed.
        let gone = Notifier::for_socket("/nonexistent/readpoint/notify").unwrap();
        assert!(gone.send("READY=1").is_err());
        gone.ready();
    }

    #[test]
    fn the_watchdog_interval_comes_from_watchdog_usec_for_this_process_only() {
        let own = 4242;
        assert_eq!(
            watchdog_interval_from(Some("30000000"), None, own),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            watchdog_interval_from(Some("30000000"), Some("4242"), own),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            watchdog_interval_from(Some("30000000"), Some("1"), own),
            None
        );
        assert_eq!(watchdog_interval_from(Some("0"), None, own), None);
        assert_eq!(watchdog_interval_from(Some("soon"), None, own), None);
        assert_eq!(watchdog_interval_from(None, Some("4242"), own), None);
        assert_eq!(
            ping_period(Duration::from_secs(30)),
            Duration::from_secs(15)
        );
    }
}
