//! `readpoint config check` through the real binary: the shipped example is valid; mistakes staff
//! make are reported with file, line, column, key and the fix, all at once; a broken file stops
//! every other command instead of running on half a configuration.

use crate::support::{TempKiosk, stderr, stdout, write_file};

const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/kiosk-config/readpoint.toml"
));

#[test]
fn shipped_example_is_valid() {
    let kiosk = TempKiosk::new();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/kiosk-config/readpoint.toml");
    let output = kiosk.run(&["config", "check", path]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(": ok"));
    assert!(
        EXAMPLE.contains("readpoint config check"),
        "the example says how to check it"
    );
}

#[test]
fn config_example_prints_the_shipped_file() {
    let kiosk = TempKiosk::new();
    let output = kiosk.run(&["config", "example"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), EXAMPLE);
}

#[test]
fn every_error_is_listed_with_its_place_and_fix() {
    let kiosk = TempKiosk::new();
    let path = write_file(
        &kiosk.home,
        "readpoint.toml",
        "[display]\nidle_timeout = \"two minutes\"\nreading_idle_timeout = \"10s\"\n\n[sync]\nfeed_url = \"ftp://portal\"\n",
    );
    let output = kiosk.run(&["config", "check", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.len() >= 3, "every error, not just the first: {err}");
    assert!(err.contains("readpoint.toml:2:"), "file and line: {err}");
    assert!(err.contains("display.idle_timeout"), "key: {err}");
    assert!(err.contains("sync.feed_url"), "{err}");
    assert!(
        lines.iter().all(|l| l.contains("fix:")),
        "each error says the fix: {err}"
    );
}

#[test]
fn syntax_errors_and_unknown_keys() {
    let kiosk = TempKiosk::new();
    let path = write_file(
        &kiosk.home,
        "typo.toml",
        "[display]\nidle_timout = \"2m\"\n",
    );
    let output = kiosk.run(&["config", "check", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("typo.toml:2:1") && err.contains("idle_timeout"),
        "suggests the key: {err}"
    );

    let path = write_file(&kiosk.home, "syntax.toml", "[kiosk\nterminal_id = \"a\"\n");
    let output = kiosk.run(&["config", "check", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("syntax.toml:1:"),
        "{}",
        stderr(&output)
    );

    let output = kiosk.run(&["config", "check", "/nonexistent/readpoint.toml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("does not exist"));
}

#[test]
fn commands_refuse_a_broken_configuration() {
    let kiosk = TempKiosk::new();
    let path = write_file(&kiosk.home, "bad.toml", "[display]\nidle_timeout = 5\n");
    let output = kiosk
        .command()
        .args(["--config", path.to_str().unwrap(), "search", "社保"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("bad.toml:2:"),
        "{}",
        stderr(&output)
    );
    // `status` reports on the kiosk, which runs on the last configuration that loaded (here:
    // none, so the defaults): the warning comes first, with the error.
    let output = kiosk
        .command()
        .args(["--config", path.to_str().unwrap(), "status"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let shown = stdout(&output);
    assert!(shown.starts_with("WARNING"), "{shown}");
    assert!(shown.contains("bad.toml:2:"), "{shown}");
    assert!(shown.contains("runs on the defaults"), "{shown}");
    // The user's XDG configuration is found without --config.
    let config_dir = kiosk.home.join(".config/readpoint");
    write_file(
        &config_dir,
        "readpoint.toml",
        "[kiosk]\nlanguage = \"klingon\"\n",
    );
    let output = kiosk.run(&["import", "/nonexistent.json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("kiosk.language"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_without_file_uses_the_file_in_effect() {
    let kiosk = TempKiosk::new();
    let system_dir = kiosk.home.join("xdg-system");
    let dirs = format!("{}:/nonexistent", system_dir.display());

    // No file anywhere: every place looked in is named.
    let output = kiosk
        .command()
        .env("XDG_CONFIG_DIRS", &dirs)
        .args(["config", "check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("no configuration file found"), "{err}");
    assert!(err.contains(".config/readpoint/readpoint.toml"), "{err}");
    assert!(err.contains("xdg-system/readpoint/readpoint.toml"), "{err}");
    assert!(err.contains("/etc/readpoint/readpoint.toml"), "{err}");

    // A file in an XDG_CONFIG_DIRS entry is found, checked and named.
    let shared = write_file(
        &system_dir.join("readpoint"),
        "readpoint.toml",
        "[kiosk]\nterminal_id = \"shared\"\n",
    );
    let output = kiosk
        .command()
        .env("XDG_CONFIG_DIRS", &dirs)
        .args(["config", "check"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), format!("{}: ok", shared.display()));

    // The user's own file comes first, and other commands read it too.
    let own = write_file(
        &kiosk.home.join(".config/readpoint"),
        "readpoint.toml",
        "[log]\nlevel = \"loud\\u001b[2J\"\n",
    );
    let output = kiosk
        .command()
        .env("XDG_CONFIG_DIRS", &dirs)
        .args(["config", "check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains(&format!("{}:2:", own.display())), "{err}");
    assert!(err.contains("\"loud\\u{1b}[2J\""), "escaped: {err}");
    assert!(
        !err.contains('\u{1b}'),
        "no raw escape reaches the terminal: {err:?}"
    );
    let output = kiosk
        .command()
        .env("XDG_CONFIG_DIRS", &dirs)
        .args(["show", "ce-2012-00009"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("log.level"), "{}", stderr(&output));
}

#[test]
fn missing_explicit_config_is_an_error() {
    let kiosk = TempKiosk::new();
    let output = kiosk.run(&["--config", "/nonexistent/readpoint.toml", "status"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("/nonexistent/readpoint.toml does not exist"),
        "{}",
        stderr(&output)
    );
}

/// `config set-pin FILE --stdin` with `pin` on standard input.
fn set_pin(kiosk: &TempKiosk, file: &std::path::Path, pin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = kiosk
        .command()
        .args(["config", "set-pin", file.to_str().unwrap(), "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running readpoint");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{pin}\n").as_bytes())
        .expect("pin written");
    child.wait_with_output().expect("set-pin finished")
}

#[test]
fn set_pin_writes_only_the_hash_keeps_comments_and_lifts_a_lockout() {
    use std::os::unix::fs::PermissionsExt;
    let kiosk = TempKiosk::new();
    let path = write_file(&kiosk.home, "readpoint.toml", EXAMPLE);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::fs::create_dir_all(&kiosk.data_dir).unwrap();
    let lockout = kiosk.data_dir.join("staff-lockout.json");
    std::fs::write(&lockout, r#"{"failures":5,"locked_until":9999999999}"#).unwrap();

    // Too easy: refused, nothing written.
    let output = set_pin(&kiosk, &path, "123456");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("too easy"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), EXAMPLE);
    assert!(lockout.exists());
    // Too short: four digits fall to a patient guesser, even with the lockout.
    let output = set_pin(&kiosk, &path, "2580");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("6 to 12 digits, not 4"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), EXAMPLE);

    let output = set_pin(&kiosk, &path, "258036");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stdout(&output).contains("258036") && !stderr(&output).contains("258036"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("258036"), "never the PIN itself");
    let config = readpoint::config::parse(&text, &path).expect("still valid");
    let hash = config.admin.pin_hash.expect("hash set");
    assert!(readpoint::staff::pin::verify_pin("258036", &hash));
    // Every comment line of the example is still there; the mode is kept.
    for line in EXAMPLE.lines().filter(|l| l.starts_with('#')) {
        assert!(text.contains(line), "lost {line:?}");
    }
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert!(!lockout.exists(), "the lockout is lifted");
    assert!(
        kiosk
            .run(&["config", "check", path.to_str().unwrap()])
            .status
            .success()
    );

    // A broken file is reported before any PIN is asked for, and left alone.
    let broken = write_file(&kiosk.home, "broken.toml", "[kiosk]\nterminal_id = 5\n");
    let output = set_pin(&kiosk, &broken, "258036");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("kiosk.terminal_id"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "[kiosk]\nterminal_id = 5\n"
    );
}
