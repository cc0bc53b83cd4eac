//! The real `readpoint` binary on a real X server (Xvfb with the openbox window manager, as a
//! kiosk runs under X): it opens full-screen, a tap with real X events opens a screen, and
//! Alt+F4 does not close it. Needs `xvfb`, `openbox`, `xdotool` and `x11-apps` (xwd), which
//! `scripts/test` installs; fails with that fix when they are missing.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::TempKiosk;

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tool(name: &str) -> String {
    for dir in ["/usr/bin", "/usr/local/bin", "/bin"] {
        let path = Path::new(dir).join(name);
        if path.exists() {
            return path.display().to_string();
        }
    }
    panic!(
        "{name} is not installed — fix: run scripts/test (it installs xvfb openbox xdotool x11-apps)"
    );
}

fn run(display: &str, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("DISPLAY", display)
        .output()
        .unwrap_or_else(|err| panic!("{program} failed to start: {err}"))
}

/// Waits until `check` holds, or fails naming `what` after `limit`.
fn wait_for(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The root window's pixels (an xwd dump).
fn screen(display: &str, xwd: &str) -> Vec<u8> {
    let output = run(display, xwd, &["-root", "-silent"]);
    assert!(
        output.status.success(),
        "xwd failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn differing_bytes(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x != y).count() + a.len().abs_diff(b.len())
}

#[test]
fn the_kiosk_runs_full_screen_under_x_and_a_real_tap_opens_the_catalogue() {
    let (xvfb, openbox, xdotool, xwd) =
        (tool("Xvfb"), tool("openbox"), tool("xdotool"), tool("xwd"));
    // A display number nobody uses.
    let number = (140..240)
        .find(|n| !Path::new(&format!("/tmp/.X{n}-lock")).exists())
        .expect("a free X display number");
    let display = format!(":{number}");
    let _server = Running(
        Command::new(&xvfb)
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1920x1080x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts"),
    );
    wait_for("the X server", Duration::from_secs(10), || {
        Path::new(&format!("/tmp/.X11-unix/X{number}")).exists()
    });
    let _wm = Running(
        Command::new(&openbox)
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openbox starts"),
    );
    std::thread::sleep(Duration::from_millis(500));

    let kiosk = TempKiosk::new();
    let log = kiosk.home.join("kiosk.log");
    let log_file = std::fs::File::create(&log).expect("log file");
    let _app = Running(
        kiosk
            .command()
            .args(["-v"])
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("readpoint starts"),
    );

    // The window appears and covers the whole screen.
    let mut window = String::new();
    wait_for("the kiosk window", Duration::from_secs(20), || {
        let out = run(
            &display,
            &xdotool,
            &["search", "--onlyvisible", "--name", "Readpoint"],
        );
        window = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
        !window.is_empty()
    });
    wait_for("full screen", Duration::from_secs(10), || {
        let out = run(&display, &xdotool, &["getwindowgeometry", &window]);
        String::from_utf8_lossy(&out.stdout).contains("Geometry: 1920x1080")
    });
    let text = || std::fs::read_to_string(&log).unwrap_or_default();
    wait_for("Home to be shown", Duration::from_secs(10), || {
        text().contains("Home")
    });
    std::thread::sleep(Duration::from_millis(800));
    let home = screen(&display, &xwd);

    // Tap the 公开目录 tile (second tile of the first row at 1920×1080) with real X events.
    run(
        &display,
        &xdotool,
        &["mousemove", "960", "450", "click", "1"],
    );
    wait_for("the catalogue to open", Duration::from_secs(10), || {
        text().contains("Catalogue")
    });
    std::thread::sleep(Duration::from_millis(800));
    let catalogue = screen(&display, &xwd);
    let changed = differing_bytes(&home, &catalogue);
    assert!(
        changed > 100_000,
        "the screen barely changed after the tap ({changed} bytes)"
    );

    // Alt+F4 does not close the kiosk.
    run(&display, &xdotool, &["key", "--window", &window, "alt+F4"]);
    std::thread::sleep(Duration::from_millis(800));
    let out = run(
        &display,
        &xdotool,
        &["search", "--onlyvisible", "--name", "Readpoint"],
    );
    assert!(
        !out.stdout.is_empty(),
        "Alt+F4 closed the kiosk\n{}",
        text()
    );
}
