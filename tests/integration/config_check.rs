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
        .args(["--config", path.to_str().unwrap(), "status"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("bad.toml:2:"),
        "{}",
        stderr(&output)
    );
    // The user's XDG configuration is found without --config.
    let config_dir = kiosk.home.join(".config/readpoint");
    write_file(
        &config_dir,
        "readpoint.toml",
        "[kiosk]\nlanguage = \"klingon\"\n",
    );
    let output = kiosk.run(&["status"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("kiosk.language"),
        "{}",
        stderr(&output)
    );
}
