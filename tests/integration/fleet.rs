//! Fleet status and heartbeat: `readpoint status --json` and the heartbeat's body validate
//! against `docs/status.schema.json` (with a validator for the subset of JSON Schema the file
//! uses, so the schema and the code cannot drift) and carry the right values; deliveries are
//! bounded (a receiver answering 500 gets exactly three attempts); a hung or refused receiver
//! costs only those attempts and never changes the sync's exit code; a redirect is not followed
//! and the report URL's token appears in no error, log line or output.
//!
//! Every server is on 127.0.0.1 (`report_server.rs`, `readpoint_test_support::feed_server`).

use std::time::Duration;

use readpoint::config::{Config, Paths};
use readpoint::fleet::heartbeat::{Delivery, HeartbeatSettings};
use readpoint::fleet::uptime::{KioskStart, Marker};
use readpoint::fleet::{Collector, Heartbeat, Producer, send_blocking};
use readpoint::store::{UsageCount, UsageEvent};
use readpoint::usage::recorder::local_day;
use serde_json::Value;

use crate::report_server::{ReportServer, SilentServer, refused_url};
use crate::support::{TempKiosk, stderr, stdout};
use crate::sync::{Portal, SyncKiosk};
use readpoint_test_support::feed_server::{Fault, FeedServer};

/// The longest a test waits for something that should happen at once (a guard, not a timing).
const PATIENCE: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// The schema and a validator for the subset of JSON Schema it uses.

fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/status.schema.json");
    let text = std::fs::read_to_string(path).expect("docs/status.schema.json");
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// The problems of `value` against `schema` (empty: valid).
fn problems(schema: &Value, value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    check(schema, value, "$", &mut found);
    found
}

fn assert_valid(value: &Value) {
    let found = problems(&schema(), value);
    assert!(found.is_empty(), "{found:#?}\n{value:#}");
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        other => panic!("unknown type {other:?} in the schema"),
    }
}

fn check(schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let schema = schema.as_object().expect("a schema is an object");
    for keyword in schema.keys() {
        assert!(
            matches!(
                keyword.as_str(),
                "$schema"
                    | "$id"
                    | "title"
                    | "description"
                    | "type"
                    | "required"
                    | "properties"
                    | "additionalProperties"
                    | "enum"
                    | "items"
                    | "minimum"
            ),
            "the schema uses {keyword:?} at {at}, which this validator does not check: extend it"
        );
    }
    if let Some(types) = schema.get("type") {
        let names: Vec<&str> = match types {
            Value::String(name) => vec![name.as_str()],
            Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
            other => panic!("bad type {other} at {at}"),
        };
        if !names.iter().any(|name| type_matches(name, value)) {
            found.push(format!("{at}: {value} is not of type {names:?}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        found.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let (Some(minimum), Some(number)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) && number < minimum
    {
        found.push(format!("{at}: {number} is below {minimum}"));
    }
    if let Some(object) = value.as_object() {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(name) {
                found.push(format!("{at}: missing {name:?}"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, item) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(sub) => check(sub, item, &format!("{at}.{name}"), found),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        found.push(format!("{at}: {name:?} is not in the schema"));
                    }
                    Some(sub @ Value::Object(_)) => {
                        check(sub, item, &format!("{at}.{name}"), found);
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(items, item, &format!("{at}[{i}]"), found);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures.

/// A status document of a fresh kiosk on the bundled content, through the library.
fn library_document(kiosk: &TempKiosk, producer: Producer) -> Value {
    let store = kiosk.store();
    let paths = Paths::resolve(None, Some(&kiosk.data_dir), &|_| None);
    let document = Collector::new(&Config::default(), &paths, producer)
        .collect(&store, jiff::Timestamp::now())
        .expect("status collected");
    serde_json::to_value(&document).expect("serialised")
}

/// A kiosk synced from `portal` through `feed`, reporting to `report_url`, unattended-fast: one
/// second per heartbeat attempt.
fn reporting_kiosk(portal: &Portal, feed: &str, report_url: &str) -> SyncKiosk {
    let kiosk = SyncKiosk::new(portal, feed);
    let config = format!(
        "{}[kiosk]\nterminal_id = \"ls-test-07\"\nlocation = \"市中区 政务服务中心\"\n\n[stats]\nreport_url = \"{report_url}\"\n",
        portal
            .config(feed)
            .replace("timeout = \"3s\"", "timeout = \"1s\"")
    );
    std::fs::write(&kiosk.config, config).expect("config");
    kiosk
}

/// Settings for library tests: quick pauses, short attempts.
fn quick_settings(url: &str, timeout: Duration) -> HeartbeatSettings {
    HeartbeatSettings {
        url: url.to_owned(),
        user_agent: format!("readpoint/{} (test)", env!("CARGO_PKG_VERSION")),
        attempts: 3,
        timeout,
        backoff: Duration::from_millis(20),
        interval: Duration::from_secs(3600),
        first_delay: Duration::from_secs(3600),
    }
}

// ---------------------------------------------------------------------------------------------
// The document.

#[test]
fn the_validator_catches_what_the_schema_forbids() {
    let kiosk = TempKiosk::new();
    let good = library_document(&kiosk, Producer::Kiosk);
    assert_valid(&good);
    let schema = schema();
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut extra = good.clone();
    extra["sync"]["surprise"] = 1.into();
    cases.push(("not in the schema", extra));
    let mut missing = good.clone();
    missing["sync"]
        .as_object_mut()
        .expect("sync")
        .remove("last_result");
    cases.push(("missing \"last_result\"", missing));
    let mut wrong_enum = good.clone();
    wrong_enum["producer"] = "cron".into();
    cases.push(("is not one of", wrong_enum));
    let mut wrong_type = good.clone();
    wrong_type["content"]["stale"] = "no".into();
    cases.push(("is not of type", wrong_type));
    let mut negative = good.clone();
    negative["disk"]["cache_bytes"] = (-1).into();
    cases.push(("below", negative));
    let mut bad_item = good;
    bad_item["content"]["documents"][0]["count"] = "many".into();
    cases.push(("documents[0].count", bad_item));
    for (expected, value) in cases {
        let found = problems(&schema, &value);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{expected:?} not reported: {found:?}"
        );
    }
}

#[test]
fn status_json_is_the_documented_document() {
    let kiosk = TempKiosk::new();
    let output = kiosk.run(&["status", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let status: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_valid(&status);
    assert_eq!(status["schema"], "readpoint-status/1");
    assert_eq!(status["producer"], "status");
    assert_eq!(status["app"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(status["terminal"]["id"].is_null(), "not configured");
    assert!(status["config_file"].is_null());
    assert_eq!(status["sync"]["last_result"], "never");
    assert_eq!(status["usage_today"]["sessions"], 0, "nobody used it yet");
    assert!(status["sync"]["feed_url"].is_null());
    assert!(
        status["uptime"]["kiosk"].is_null(),
        "no kiosk runs: {status}"
    );
    assert!(status["uptime"]["system_seconds"].as_u64().is_some());
    assert!(status["disk"]["free_bytes"].as_u64().is_some_and(|f| f > 0));
    assert!(
        status["disk"]["cache_bytes"]
            .as_u64()
            .is_some_and(|b| b > 0)
    );
    assert_eq!(
        status["disk"]["data_dir"],
        kiosk.data_dir.display().to_string()
    );
    let text = stdout(&kiosk.run(&["status"]));
    assert!(
        text.contains("kiosk           not running") && text.contains("free of"),
        "{text}"
    );
}

#[test]
fn status_from_a_shell_reports_the_running_kiosks_uptime() {
    let kiosk = TempKiosk::new();
    // This test process stands in for the kiosk: it writes the marker the kiosk writes.
    let marker = Marker::record(&kiosk.data_dir, jiff::Timestamp::now()).expect("marker");
    let output = kiosk.run(&["status", "--json"]);
    let status: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_valid(&status);
    assert_eq!(status["uptime"]["kiosk"]["pid"], std::process::id());
    assert_eq!(
        status["uptime"]["kiosk"]["started_at"],
        marker.start.started_at
    );
    drop(marker);
    let output = kiosk.run(&["status", "--json"]);
    let status: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert!(status["uptime"]["kiosk"].is_null(), "{status}");
}

// ---------------------------------------------------------------------------------------------
// The sync command reports.

#[test]
fn sync_once_reports_its_result_to_the_receiver() {
    let portal = Portal::new();
    portal.publish();
    let feed = FeedServer::start(&portal.feed).expect("the feed server starts");
    let receiver = ReportServer::start(204);
    let kiosk = reporting_kiosk(&portal, &feed.url(), &receiver.url());

    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    let received = receiver.received();
    assert_eq!(received.len(), 1, "one heartbeat per sync --once");
    let post = &received[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, "/heartbeat");
    assert_eq!(post.content_type.as_deref(), Some("application/json"));
    let agent = post.user_agent.as_deref().unwrap_or_default();
    assert!(
        agent.starts_with(&format!("readpoint/{}", env!("CARGO_PKG_VERSION"))),
        "{agent}"
    );
    let body = post.json();
    assert_valid(&body);
    assert_eq!(body["producer"], "sync");
    assert_eq!(body["terminal"]["id"], "ls-test-07");
    assert_eq!(body["terminal"]["location"], "市中区 政务服务中心");
    assert_eq!(body["content"]["version"], "1");
    assert_eq!(body["content"]["stale"], false);
    assert_eq!(body["sync"]["feed_url"], feed.url());
    assert_eq!(body["sync"]["last_result"], "success");
    assert!(body["sync"]["last_error"].is_null());
    // The document the receiver got is the one `status --json` prints.
    let status = kiosk.status();
    assert_valid(&status);
    for section in ["terminal", "app", "content", "sync"] {
        assert_eq!(status[section], body[section], "{section}");
    }

    // A failed sync is reported too, and keeps its own exit code.
    feed.fault(
        "manifest.json",
        Fault::Status {
            code: 500,
            retry_after: None,
        },
        None,
    );
    let (code, out) = kiosk.sync();
    assert_eq!(code, 3, "{out}");
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    let body = received[1].json();
    assert_valid(&body);
    assert_eq!(body["sync"]["last_result"], "error");
    assert_eq!(body["sync"]["last_error"]["class"], "transient");
    assert_eq!(
        body["content"]["version"], "1",
        "the last good content stays"
    );
}

#[test]
fn sync_once_completes_with_a_hung_or_refused_receiver() {
    let portal = Portal::new();
    portal.publish();
    let feed = FeedServer::start(&portal.feed).expect("the feed server starts");
    let silent = SilentServer::start();
    for (url, silent_server) in [(silent.url(), true), (refused_url(), false)] {
        // The token in the address is shown nowhere.
        let url = format!("{url}?token={TOKEN}");
        let kiosk = reporting_kiosk(&portal, &feed.url(), &url);
        let (code, out) = kiosk.sync();
        assert_eq!(
            code, 0,
            "the sync's own result decides the exit code: {out}"
        );
        assert!(out.contains("applied version 1"), "{out}");
        assert!(
            out.contains("heartbeat not delivered, gave up after 3 attempt(s)"),
            "{out}"
        );
        assert!(!out.contains(TOKEN), "{out}");
        assert!(out.contains("/heartbeat"), "the address is shown: {out}");
        if silent_server {
            assert_eq!(silent.accepted(), 3, "three attempts, then it gave up");
        }
    }
}

/// A secret in `stats.report_url`: it must reach the receiver and nothing else.
const TOKEN: &str = "S3CRET-T0KEN";

/// A status document of a fresh kiosk, for library deliveries.
fn sync_document(kiosk: &TempKiosk) -> readpoint::fleet::StatusDocument {
    let paths = Paths::resolve(None, Some(&kiosk.data_dir), &|_| None);
    Collector::new(&Config::default(), &paths, Producer::Sync)
        .collect(&kiosk.store(), jiff::Timestamp::now())
        .expect("status")
}

#[test]
fn a_redirect_is_not_followed_and_the_token_is_never_shown() {
    let kiosk = TempKiosk::new();
    let document = sync_document(&kiosk);
    let elsewhere = ReportServer::start(204);
    let redirector = ReportServer::redirecting(&format!("{}?moved=1", elsewhere.url()));
    let url = format!("{}?token={TOKEN}", redirector.url());
    let delivery = send_blocking(&quick_settings(&url, Duration::from_secs(5)), &document);
    let Delivery::GaveUp { attempts, error } = &delivery else {
        panic!("a redirect is a failed delivery: {delivery:?}");
    };
    assert_eq!(*attempts, 1, "a redirect is not retried: {error}");
    assert!(
        error.contains("302") && error.contains("not followed"),
        "{error}"
    );
    assert!(!error.contains(TOKEN), "{error}");
    assert!(elsewhere.received().is_empty(), "the redirect was followed");
    let received = redirector.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, format!("/heartbeat?token={TOKEN}"));
    assert_eq!(received[0].referer, None);

    // Network errors: reqwest's own text names the URL, query and all.
    let url = format!("{}?token={TOKEN}", refused_url());
    let delivery = send_blocking(&quick_settings(&url, Duration::from_millis(300)), &document);
    let Delivery::GaveUp { error, .. } = &delivery else {
        panic!("{delivery:?}");
    };
    assert!(error.contains("cannot connect"), "{error}");
    assert!(!error.contains(TOKEN), "{error}");
    let silent = SilentServer::start();
    let url = format!("{}?token={TOKEN}", silent.url());
    let delivery = send_blocking(&quick_settings(&url, Duration::from_millis(300)), &document);
    assert!(
        matches!(&delivery, Delivery::GaveUp { error, .. } if !error.contains(TOKEN)),
        "{delivery:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Deliveries are bounded.

#[test]
fn deliveries_retry_server_errors_a_bounded_number_of_times() {
    let kiosk = TempKiosk::new();
    let paths = Paths::resolve(None, Some(&kiosk.data_dir), &|_| None);
    let store = kiosk.store();
    let document = Collector::new(&Config::default(), &paths, Producer::Sync)
        .collect(&store, jiff::Timestamp::now())
        .expect("status");

    let failing = ReportServer::start(500);
    let delivery = send_blocking(
        &quick_settings(&failing.url(), Duration::from_secs(5)),
        &document,
    );
    assert!(
        matches!(&delivery, Delivery::GaveUp { attempts: 3, error } if error.contains("500")),
        "{delivery:?}"
    );
    assert_eq!(failing.received().len(), 3, "exactly three attempts");

    let refusing = ReportServer::start(404);
    let delivery = send_blocking(
        &quick_settings(&refusing.url(), Duration::from_secs(5)),
        &document,
    );
    assert!(
        matches!(delivery, Delivery::GaveUp { attempts: 1, .. }),
        "a 404 is not retried: {delivery:?}"
    );

    let flaky = ReportServer::start(200);
    flaky.script(&[503, 429]);
    let delivery = send_blocking(
        &quick_settings(&flaky.url(), Duration::from_secs(5)),
        &document,
    );
    assert_eq!(
        delivery,
        Delivery::Sent {
            attempts: 3,
            status: 200
        }
    );
    let received = flaky.received();
    let statuses: Vec<u16> = received.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 429, 200]);
    assert!(received.iter().all(|r| r.body == received[0].body));
    assert_valid(&received[2].json());
}

#[test]
fn a_hung_or_refused_receiver_costs_only_the_bounded_attempts() {
    let kiosk = TempKiosk::new();
    let paths = Paths::resolve(None, Some(&kiosk.data_dir), &|_| None);
    let store = kiosk.store();
    let document = Collector::new(&Config::default(), &paths, Producer::Sync)
        .collect(&store, jiff::Timestamp::now())
        .expect("status");

    let silent = SilentServer::start();
    let delivery = send_blocking(
        &quick_settings(&silent.url(), Duration::from_millis(300)),
        &document,
    );
    assert!(
        matches!(delivery, Delivery::GaveUp { attempts: 3, .. }),
        "{delivery:?}"
    );
    assert_eq!(silent.accepted(), 3);

    let delivery = send_blocking(
        &quick_settings(&refused_url(), Duration::from_millis(300)),
        &document,
    );
    assert!(
        matches!(&delivery, Delivery::GaveUp { attempts: 3, error } if error.contains("cannot connect")),
        "{delivery:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The heartbeat thread.

/// The kiosk's collector, its clock fixed at `now` (the test's one "now").
fn kiosk_collector(kiosk: &TempKiosk, now: jiff::Timestamp) -> Collector {
    let paths = Paths::resolve(None, Some(&kiosk.data_dir), &|_| None);
    let start = KioskStart::this_process(now).expect("own start");
    Collector::new(&Config::default(), &paths, Producer::Kiosk)
        .with_kiosk_start(start)
        .with_clock(std::sync::Arc::new(move || now))
}

#[test]
fn the_heartbeat_thread_sends_on_notify_with_its_own_connection() {
    let kiosk = TempKiosk::new();
    // The bundled content, and some of today's usage as the kiosk's recorder stores it.
    let mut store = kiosk.store();
    let zone = Config::default().display.time_zone.zone().clone();
    let now = jiff::Timestamp::now();
    let today = local_day(now, &zone);
    let count = |event, key: &str, count| UsageCount {
        day: today,
        event,
        key: key.to_owned(),
        count,
    };
    store
        .usage_add(
            &[
                count(UsageEvent::Session, "", 4),
                count(UsageEvent::Screen, "catalogue", 9),
                count(UsageEvent::Document, "ce-2012-00009", 3),
                count(UsageEvent::DocumentKind, "catalogue_entry", 3),
                count(UsageEvent::Search, "社保", 5),
                count(UsageEvent::SearchNoHits, "xyz", 2),
                count(UsageEvent::Toggle, "large_text:on", 1),
            ],
            100,
        )
        .expect("usage added");
    drop(store);
    let receiver = ReportServer::start(200);
    let heartbeat = Heartbeat::spawn(
        quick_settings(&receiver.url(), Duration::from_secs(5)),
        kiosk_collector(&kiosk, now),
        kiosk.cache_path(),
    )
    .expect("heartbeat thread");
    heartbeat.notify();
    let received = receiver.wait_for(1, PATIENCE);
    assert_eq!(received.len(), 1);
    let body = received[0].json();
    assert_valid(&body);
    assert_eq!(body["producer"], "kiosk");
    assert_eq!(body["uptime"]["kiosk"]["pid"], std::process::id());
    assert!(
        body["content"]["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("bundled-"))
    );
    assert_eq!(
        body["usage_today"],
        serde_json::json!({
            "date": today.to_string(), "sessions": 4, "screens_opened": 9, "documents_opened": 3,
            "searches": 5, "searches_no_hits": 2, "toggles": 1, "print_jobs": 0, "print_pages": 0
        }),
        "totals only: no query text, no document ids"
    );
    // Unmet demand: the searches that found nothing, as the statistics keep them; nothing of
    // what was found or read.
    assert_eq!(
        body["demand"],
        serde_json::json!([{ "date": today.to_string(), "query": "xyz", "count": 2 }])
    );
    let text = body.to_string();
    assert!(
        !text.contains("ce-2012-00009") && !text.contains("社保"),
        "{text}"
    );
    heartbeat.notify();
    assert_eq!(receiver.wait_for(2, PATIENCE).len(), 2);
    heartbeat.stop();
}

#[test]
fn notifications_to_a_hung_receiver_coalesce_and_stop_is_bounded() {
    let kiosk = TempKiosk::new();
    drop(kiosk.store());
    let silent = SilentServer::start();
    let heartbeat = Heartbeat::spawn(
        quick_settings(&silent.url(), Duration::from_millis(500)),
        kiosk_collector(&kiosk, jiff::Timestamp::now()),
        kiosk.cache_path(),
    )
    .expect("heartbeat thread");
    heartbeat.notify();
    assert_eq!(
        silent.wait_for(1, PATIENCE),
        1,
        "the first attempt is under way"
    );
    // A burst of syncs while the receiver hangs: each notify returns at once (this loop ends
    // while the delivery is still waiting) and they coalesce.
    for _ in 0..100 {
        heartbeat.notify();
    }
    // Stop waits for the delivery in progress (bounded: three attempts) and sends no more.
    heartbeat.stop();
    assert_eq!(silent.accepted(), 3, "one delivery of three attempts");
}
