//! The real `readpoint` binary on a real X server (Xvfb with the openbox window manager, as a
//! kiosk runs under X): it opens full-screen, a tap with real X events opens a screen, and
//! Alt+F4 does not close it; Ctrl+C, Ctrl+\ and Ctrl+Z on its controlling terminal (a
//! pseudo-terminal here, tty1 under systemd) or on its window do not stop it, SIGTERM does.
//! Needs `xvfb`, `openbox`, `xdotool` and `x11-apps` (xwd), which
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

/// Xvfb with openbox on a free display number, stopped when dropped.
struct VirtualX {
    display: String,
    _wm: Running,
    _server: Running,
}

impl VirtualX {
    fn start() -> VirtualX {
        let (xvfb, openbox) = (tool("Xvfb"), tool("openbox"));
        // Xvfb picks a free display number itself and prints it (tests run side by side).
        let mut server = Running(
            Command::new(&xvfb)
                .args([
                    "-displayfd",
                    "1",
                    "-screen",
                    "0",
                    "1920x1080x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb starts"),
        );
        let mut number = String::new();
        let stdout = server.0.stdout.take().expect("Xvfb's stdout");
        // Bounded: Xvfb prints the number once it listens, or exits (closing the pipe).
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut number)
            .expect("Xvfb prints its display number");
        let number = number.trim().to_owned();
        assert!(
            !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()),
            "Xvfb did not start: it printed {number:?} as its display number"
        );
        let display = format!(":{number}");
        let wm = Running(
            Command::new(&openbox)
                .env("DISPLAY", &display)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("openbox starts"),
        );
        std::thread::sleep(Duration::from_millis(500));
        VirtualX {
            display,
            _wm: wm,
            _server: server,
        }
    }

    /// The kiosk's window once it shows, full-screen.
    fn kiosk_window(&self, xdotool: &str) -> String {
        let mut window = String::new();
        wait_for("the kiosk window", Duration::from_secs(20), || {
            let out = run(
                &self.display,
                xdotool,
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
            let out = run(&self.display, xdotool, &["getwindowgeometry", &window]);
            String::from_utf8_lossy(&out.stdout).contains("Geometry: 1920x1080")
        });
        window
    }
}

#[test]
fn the_kiosk_runs_full_screen_under_x_and_a_real_tap_opens_the_catalogue() {
    let (xdotool, xwd) = (tool("xdotool"), tool("xwd"));
    let x = VirtualX::start();
    let display = x.display.clone();

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
    let window = x.kiosk_window(&xdotool);
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

/// A pseudo-terminal: the master end the test types on, the slave end the kiosk gets as its
/// standard input and controlling terminal (as systemd gives it tty1). Both closed when dropped.
struct Pty {
    master: std::fs::File,
    slave: std::os::fd::OwnedFd,
}

impl Pty {
    fn open() -> Pty {
        use std::os::fd::FromRawFd;
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two new descriptors into the two live ints; no name, termios
        // or window size is passed (the kernel's defaults: ISIG on, ^C ^\ ^Z).
        let opened = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(opened, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened and are owned by nothing else.
        unsafe {
            Pty {
                master: std::fs::File::from_raw_fd(master),
                slave: std::os::fd::OwnedFd::from_raw_fd(slave),
            }
        }
    }

    /// Types `key` on the terminal, as a keyboard would.
    fn type_key(&mut self, key: u8) {
        use std::io::Write;
        self.master.write_all(&[key]).expect("type on the terminal");
        self.master.flush().expect("flush");
    }
}

/// The process's state letter from /proc (`S` sleeping, `R` running, `T` stopped, `Z` zombie).
fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.chars().next()
}

#[test]
fn keys_that_stop_a_terminal_program_do_not_stop_the_kiosk_but_sigterm_does() {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let xdotool = tool("xdotool");
    let x = VirtualX::start();
    let kiosk = TempKiosk::new();
    let log = kiosk.home.join("kiosk.log");
    let log_file = std::fs::File::create(&log).expect("log file");
    let mut terminal = Pty::open();
    let mut command = kiosk.command();
    command
        .args(["-v"])
        .env("DISPLAY", &x.display)
        .stdin(terminal.slave.try_clone().expect("slave"))
        .stdout(Stdio::null())
        .stderr(log_file);
    // SAFETY: between fork and exec only async-signal-safe calls: a new session whose
    // controlling terminal is standard input, so the terminal's keys signal the kiosk.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut app = Running(command.spawn().expect("readpoint starts"));
    let pid = app.0.id();
    let window = x.kiosk_window(&xdotool);
    let text = || std::fs::read_to_string(&log).unwrap_or_default();
    wait_for("Home to be shown", Duration::from_secs(10), || {
        text().contains("Home")
    });

    // Ctrl+Z, Ctrl+\ and Ctrl+C typed on its terminal: SIGTSTP, SIGQUIT, SIGINT.
    for (key, name) in [(0x1a, "Ctrl+Z"), (0x1c, "Ctrl+\\"), (0x03, "Ctrl+C")] {
        terminal.type_key(key);
        std::thread::sleep(Duration::from_millis(500));
        assert!(
            app.0.try_wait().expect("try_wait").is_none(),
            "{name} on the terminal ended the kiosk\n{}",
            text()
        );
        assert_ne!(
            process_state(pid),
            Some('T'),
            "{name} on the terminal stopped the kiosk"
        );
    }
    // The same keys on the kiosk's window (a USB keyboard under X).
    run(
        &x.display,
        &xdotool,
        &[
            "key",
            "--window",
            &window,
            "ctrl+c",
            "ctrl+z",
            "ctrl+backslash",
        ],
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        app.0.try_wait().expect("try_wait").is_none(),
        "keys on the window ended the kiosk\n{}",
        text()
    );

    // systemd stops it with SIGTERM, which still works at once.
    // SAFETY: kill() with the pid of our own child, which has not been reaped.
    assert_eq!(
        unsafe { libc::kill(i32::try_from(pid).expect("pid"), libc::SIGTERM) },
        0
    );
    let mut status = None;
    wait_for(
        "the kiosk to end on SIGTERM",
        Duration::from_secs(10),
        || {
            status = app.0.try_wait().expect("try_wait");
            status.is_some()
        },
    );
    assert_eq!(
        status.and_then(|s| s.signal()),
        Some(libc::SIGTERM),
        "{status:?}"
    );
}

/// An edit that breaks the configuration does not leave the screen blank: the kiosk started
/// once on a valid file saved it (mode 0640: it holds the PIN hash); on the broken file it
/// still comes up, on the saved copy, says so in its log (the file, the error, the fix) and
/// in `readpoint status`; `config check` still fails on the file.
#[test]
fn a_broken_configuration_starts_the_kiosk_on_the_last_one_that_loaded() {
    use std::os::unix::fs::PermissionsExt;
    let xdotool = tool("xdotool");
    let x = VirtualX::start();
    let kiosk = TempKiosk::new();
    let config = kiosk.home.join("readpoint.toml");
    std::fs::write(&config, "[kiosk]\nterminal_id = \"hall-01\"\n").expect("config");
    let start = |log: &Path| {
        let log_file = std::fs::File::create(log).expect("log file");
        Running(
            kiosk
                .command()
                .arg("--config")
                .arg(&config)
                .env("DISPLAY", &x.display)
                .stdout(Stdio::null())
                .stderr(log_file)
                .spawn()
                .expect("readpoint starts"),
        )
    };

    let first_log = kiosk.home.join("first.log");
    let first = start(&first_log);
    x.kiosk_window(&xdotool);
    let copy = kiosk
        .data_dir
        .join(readpoint::config::last_good::LAST_GOOD_FILE);
    wait_for(
        "the configuration to be saved",
        Duration::from_secs(10),
        || copy.exists(),
    );
    drop(first);
    assert_eq!(
        std::fs::read_to_string(&copy).expect("copy"),
        "[kiosk]\nterminal_id = \"hall-01\"\n"
    );
    let mode = std::fs::metadata(&copy).expect("copy").permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
    wait_for("the first window to go", Duration::from_secs(10), || {
        run(
            &x.display,
            &xdotool,
            &["search", "--onlyvisible", "--name", "Readpoint"],
        )
        .stdout
        .is_empty()
    });

    // An edit breaks the file.
    std::fs::write(&config, "[kiosk]\nterminal_id = \"hall 01!\"\n").expect("broken");
    let check = kiosk
        .command()
        .args(["config", "check"])
        .arg(&config)
        .output()
        .expect("config check");
    assert_eq!(check.status.code(), Some(1), "config check still fails");

    let log = kiosk.home.join("second.log");
    let mut second = start(&log);
    x.kiosk_window(&xdotool);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        second.0.try_wait().expect("try_wait").is_none(),
        "the kiosk ended on the broken file"
    );
    // Started by hand, the kiosk logs to its data folder.
    let log_file = kiosk.data_dir.join("logs/readpoint.log");
    let read_log = || std::fs::read_to_string(&log_file).unwrap_or_default();
    wait_for("the error in the log", Duration::from_secs(10), || {
        read_log().contains("is invalid")
    });
    let text = read_log();
    assert!(text.contains("ERROR"), "{text}");
    assert!(
        text.contains(&format!(
            "the configuration file {} is invalid",
            config.display()
        )),
        "{text}"
    );
    assert!(text.contains("kiosk.terminal_id"), "{text}");
    assert!(text.contains("last configuration that loaded"), "{text}");
    assert!(text.contains("fix: correct the file"), "{text}");

    let status = kiosk
        .command()
        .arg("--config")
        .arg(&config)
        .arg("status")
        .output()
        .expect("status");
    assert!(status.status.success());
    let shown = String::from_utf8_lossy(&status.stdout);
    assert!(shown.starts_with("WARNING"), "{shown}");
    assert!(shown.contains("kiosk.terminal_id"), "{shown}");
    assert!(shown.contains("terminal        hall-01"), "{shown}");
    let json = kiosk
        .command()
        .arg("--config")
        .arg(&config)
        .args(["status", "--json"])
        .output()
        .expect("status --json");
    let document: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("status --json prints JSON");
    assert_eq!(document["config_fallback"]["running_on"], "last_good");
    assert_eq!(document["terminal"]["id"], "hall-01");
    assert!(
        document["config_fallback"]["errors"][0]
            .as_str()
            .is_some_and(|e| e.contains("kiosk.terminal_id")),
        "{document}"
    );
    // The saved copy is never replaced by the broken file.
    assert_eq!(
        std::fs::read_to_string(&copy).expect("copy"),
        "[kiosk]\nterminal_id = \"hall-01\"\n"
    );
}

/// The kiosk's layout computed offscreen in this process on the same cache, size and options:
/// where a control is, so a real X click lands on it. The twin is kept in step by doing the same
/// action on it after each click.
struct Twin {
    session: readpoint::kiosk::offscreen::Session,
}

impl Twin {
    fn element(&self, label: &str) -> i_slint_backend_testing::ElementHandle {
        let found: Vec<_> = i_slint_backend_testing::ElementHandle::find_by_accessible_label(
            &self.session.app,
            label,
        )
        .filter(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button))
        .collect();
        found
            .last()
            .cloned()
            .unwrap_or_else(|| panic!("the twin shows no button labelled {label:?}"))
    }

    /// The centre of the button labelled `label`, in window pixels.
    fn centre(&mut self, label: &str) -> (i32, i32) {
        self.session.frame();
        let element = self.element(label);
        let (at, size) = (element.absolute_position(), element.size());
        (
            (at.x + size.width / 2.0).round() as i32,
            (at.y + size.height / 2.0).round() as i32,
        )
    }

    /// Does on the twin what the click did on the kiosk.
    fn press(&mut self, label: &str) {
        self.element(label).invoke_accessible_default_action();
        self.session.frame();
    }
}

#[test]
fn on_x_a_visitor_reads_page_7_prints_pages_7_to_9_and_prints_an_application_form() {
    use readpoint_test_support::feed_server::FeedServer;
    use slint::ComponentHandle;

    use crate::cups_server::{Cups, pdf_pages, pdf_text};
    use crate::sync::{Portal, SyncKiosk, attach_to, fixture_pdf};

    let xdotool = tool("xdotool");
    let cups = Cups::start();
    cups.add_queue("hall", "file:///dev/null");
    // The newest catalogue entry (the catalogue's first row) carries the 10-page PDF.
    let mut portal = Portal::new();
    let newest = crate::support::bundled_store()
        .catalogue_page(&Default::default(), None, 1)
        .expect("catalogue")
        .remove(0);
    attach_to(
        &mut portal,
        &newest.id,
        "2022年度报告.pdf",
        "application/pdf",
        &fixture_pdf(),
    );
    portal.publish();
    let server = FeedServer::start(&portal.feed).expect("the feed server starts");
    let synced = SyncKiosk::new(&portal, &server.url());
    let config = format!(
        "{}in_kiosk = false\n[print]\nenabled = true\nprinter = \"{}\"\n",
        portal.config(&server.url()),
        cups.uri("hall")
    );
    std::fs::write(&synced.config, &config).expect("config");
    let (code, out) = synced.sync();
    assert_eq!(code, 0, "{out}");

    let x = VirtualX::start();
    let log = synced.kiosk.home.join("kiosk.log");
    let _app = Running(
        synced
            .kiosk
            .command()
            .arg("--config")
            .arg(&synced.config)
            .arg("-v")
            .env("DISPLAY", &x.display)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("readpoint starts"),
    );
    x.kiosk_window(&xdotool);
    let text = || std::fs::read_to_string(&log).unwrap_or_default();
    wait_for("Home", Duration::from_secs(10), || text().contains("Home"));

    let parsed = readpoint::config::parse(&config, std::path::Path::new("readpoint.toml"))
        .expect("the test's configuration");
    let mut options = readpoint::kiosk::KioskOptions::from_config(&parsed);
    // The twin's 打印 must never reach the printer (port 9 on this machine: refused at once).
    options.print.printer = "ipp://127.0.0.1:9/printers/twin".into();
    let mut twin = Twin {
        session: readpoint::kiosk::offscreen::Session::start(synced.store(), options, (1920, 1080))
            .expect("the twin"),
    };
    let click = |twin: &mut Twin, label: &str, then: &str| {
        let before = text().matches(then).count();
        let (cx, cy) = twin.centre(label);
        if let Some(dir) = std::env::var_os("READPOINT_XVFB_DUMP") {
            let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
            let path = std::path::Path::new(&dir).join(format!("{n:02}-{cx}-{cy}.xwd"));
            let _ = std::fs::write(path, screen(&x.display, &tool("xwd")));
        }
        run(
            &x.display,
            &xdotool,
            &["mousemove", &cx.to_string(), &cy.to_string(), "click", "1"],
        );
        twin.press(label);
        if !then.is_empty() {
            wait_for(then, Duration::from_secs(10), || {
                text().matches(then).count() > before
            });
        }
        // The kiosk loads a screen's data on its worker: let it land before the next click.
        std::thread::sleep(Duration::from_millis(1200));
    };

    // Home → 公开目录 → the newest entry → 阅读 its attachment → page 7.
    click(&mut twin, "公开目录", "Catalogue");
    click(&mut twin, &newest.title, "Document(");
    click(&mut twin, "打开附件 2022年度报告.pdf", "Viewer(");
    for _ in 0..6 {
        click(&mut twin, "下一页", "Viewer(");
    }
    assert!(
        text().contains("page: 7"),
        "the kiosk shows page 7\n{}",
        text()
    );

    // 打印 pages 7–9.
    click(&mut twin, "免费打印本页内容", "");
    click(&mut twin, "结束页加一", "");
    click(&mut twin, "结束页加一", "");
    click(&mut twin, "确认打印", "");
    let pdf = cups.wait_for_job_file(1);
    assert_eq!(pdf_pages(&pdf), 3);
    let printed = pdf_text(&pdf);
    for fact in ["索引号：", "本页打印于", "第 3/3 页"] {
        assert!(printed.contains(fact), "{fact} in {printed}");
    }
    {
        // The twin's job went nowhere: show what the kiosk shows before closing.
        let printing = twin.session.app.global::<readpoint::ui::Printing>();
        printing.set_phase(readpoint::ui::PrintPhase::Printing);
        printing.set_pages(3);
    }
    click(&mut twin, "关闭打印窗口", "");

    // 首页 → 搜索: a search that finds nothing, typed on the on-screen keyboard → 申请表.
    click(&mut twin, "返回首页", "Home");
    click(&mut twin, "搜索", "Search");
    for key in ["v", "v", "v", "v"] {
        click(&mut twin, key, "");
    }
    click(&mut twin, "打印政府信息公开申请表", "");
    click(&mut twin, "确认打印", "");
    let form = pdf_text(&cups.wait_for_job_file(2));
    assert!(form.contains("政府信息公开申请表"), "{form}");
    assert!(form.contains("vvvv"), "the search is on the form: {form}");
}
