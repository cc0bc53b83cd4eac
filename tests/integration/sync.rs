//! The sync end to end, always on 127.0.0.1: a real nginx serving a published feed (first sync,
//! 304, incremental sync counted in nginx's access log), the in-process fault server (every
//! fault of issue 4: the exit code, the recorded error, and the cache still serving exactly its
//! last good content), clock checks through the library, and a visitor reading while a sync
//! applies.

use std::path::{Path, PathBuf};
use std::process::Output;

use readpoint::feed::MinisignPublicKey;
use readpoint::feed::publish::{BuildOptions, BuildReport, build};
use readpoint::store::Store;
use serde_json::Value;
use tempfile::TempDir;

use crate::support::{TempKiosk, stderr, stdout};

/// A portal: content, a signing key and the feed directory it publishes to.
pub struct Portal {
    dir: TempDir,
    /// The feed directory a web server serves.
    pub feed: PathBuf,
    secret: minisign::SecretKey,
    /// The key kiosks trust.
    pub public: MinisignPublicKey,
    /// The content file's JSON (the bundled sample content to start with).
    pub content: Value,
    /// Publication time of the next build: the test's one "now", taken when the portal is
    /// made (a kiosk synced through the library uses the same instant, so no test depends on
    /// the day it runs).
    pub now: jiff::Timestamp,
    /// Days until expiry of the next build.
    pub expires_in_days: u32,
    /// Attachment files published with the content: (file name, bytes).
    pub attachments: Vec<(String, Vec<u8>)>,
}

impl Portal {
    /// A portal publishing the bundled content as feed `ls-zwzx` (nothing published yet).
    pub fn new() -> Portal {
        let dir = tempfile::tempdir().expect("tempdir");
        let pair = minisign::KeyPair::generate_unencrypted_keypair().expect("keygen");
        let public = MinisignPublicKey::parse(&pair.pk.to_base64()).expect("public key");
        Portal {
            feed: dir.path().join("feed"),
            dir,
            secret: pair.sk,
            public,
            content: serde_json::from_str(readpoint::import::BUNDLED_CONTENT).expect("bundled"),
            now: jiff::Timestamp::now(),
            expires_in_days: 30,
            attachments: Vec::new(),
        }
    }

    /// Publishes the content as the next version.
    pub fn publish(&self) -> BuildReport {
        let input = self.dir.path().join("input");
        let _ = std::fs::remove_dir_all(&input);
        std::fs::create_dir_all(&input).expect("input dir");
        std::fs::write(input.join("content.json"), self.content.to_string()).expect("content");
        for (name, bytes) in &self.attachments {
            std::fs::write(input.join(name), bytes).expect("attachment");
        }
        let options = BuildOptions {
            input,
            out: self.feed.clone(),
            version: None,
            feed_id: Some("ls-zwzx".into()),
            expires_in_days: self.expires_in_days,
            publisher: Some("乐山市人民政府政务服务中心".into()),
            portal_url: Some("https://www.leshan.gov.cn/xxgk/".into()),
            now: self.now,
        };
        let report = build(&options, &self.secret).expect("feed build");
        // nginx's ETag is mtime (seconds) and length: give each version its own mtime.
        let mtime =
            std::time::SystemTime::now() + std::time::Duration::from_secs(2 * report.version);
        std::fs::File::options()
            .write(true)
            .open(self.file("manifest.json"))
            .and_then(|f| f.set_modified(mtime))
            .expect("manifest mtime");
        report
    }

    /// The documents (mutable).
    pub fn documents(&mut self) -> &mut Vec<Value> {
        self.content["documents"].as_array_mut().expect("documents")
    }

    /// Changes the summary of the `n`-th catalogue entry.
    pub fn edit_entry(&mut self, n: usize, summary: &str) -> String {
        let entry = self
            .documents()
            .iter_mut()
            .filter(|d| d["kind"] == "catalogue_entry")
            .nth(n)
            .expect("entry");
        entry["summary"] = summary.into();
        entry["id"].as_str().expect("id").to_owned()
    }

    /// A kiosk configuration for the feed at `url` (timeout short for tests).
    pub fn config(&self, url: &str) -> String {
        format!(
            "[sync]\nfeed_url = \"{url}\"\nfeed_id = \"ls-zwzx\"\ntrusted_keys = [\"{}\"]\ntimeout = \"3s\"\n",
            self.public.to_base64()
        )
    }

    /// Path of a file in the feed directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.feed.join(name)
    }

    /// The published manifest as JSON.
    pub fn manifest(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.file("manifest.json")).expect("manifest"))
            .expect("manifest JSON")
    }

    /// Publishes `manifest` as it is, signed by this portal's key.
    pub fn sign_manifest(&self, manifest: &Value) {
        self.sign_manifest_with(manifest, &self.secret);
    }

    /// Publishes `manifest` signed by `secret`.
    pub fn sign_manifest_with(&self, manifest: &Value, secret: &minisign::SecretKey) {
        let bytes = serde_json::to_vec_pretty(manifest).expect("manifest bytes");
        let sig = readpoint::feed::signature::sign(&bytes, secret, "test").expect("sign");
        std::fs::write(self.file("manifest.json"), &bytes).expect("write manifest");
        std::fs::write(self.file("manifest.json.minisig"), sig).expect("write sig");
    }

    /// Publishes the manifest again without its patches, so kiosks fetch changed shards (the
    /// tests of shard downloads).
    pub fn drop_patches(&self) {
        let mut manifest = self.manifest();
        if let Some(object) = manifest.as_object_mut() {
            object.remove("patches");
        }
        self.sign_manifest(&manifest);
    }

    /// A copy of the first catalogue entry, generated and published on `date` (a build would
    /// put it in that month's shard).
    pub fn entry_dated(&mut self, date: &str) -> Value {
        let mut entry = self
            .documents()
            .iter()
            .find(|d| d["kind"] == "catalogue_entry")
            .cloned()
            .expect("an entry");
        entry["generated_date"] = date.into();
        entry["published_date"] = date.into();
        entry
    }

    /// Stores `documents` as one shard object and lists it in `manifest` as shard `name`.
    pub fn list_shard(&self, manifest: &mut Value, name: &str, documents: &[Value]) {
        let object = readpoint::feed::shard::encode(documents);
        let sha = self.put_object(&object);
        manifest["shards"]
            .as_array_mut()
            .expect("shards")
            .push(serde_json::json!({"name": name, "sha256": sha, "size": object.len(), "documents": documents.len()}));
    }

    /// Stores `bytes` as an object; returns its SHA-256.
    pub fn put_object(&self, bytes: &[u8]) -> String {
        let sha = readpoint::feed::sha256_hex(bytes);
        let path = readpoint::feed::object_path(&self.feed, &sha);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, bytes).expect("object");
        sha
    }
}

/// A kiosk configured for a feed.
pub struct SyncKiosk {
    /// The kiosk's folders.
    pub kiosk: TempKiosk,
    /// Its configuration file (tests may rewrite it).
    pub config: PathBuf,
}

impl SyncKiosk {
    /// A kiosk whose configuration names the feed at `url`.
    pub fn new(portal: &Portal, url: &str) -> SyncKiosk {
        let kiosk = TempKiosk::new();
        let config = kiosk.home.join("readpoint.toml");
        std::fs::write(&config, portal.config(url)).expect("config");
        SyncKiosk { kiosk, config }
    }

    /// `readpoint --config C ARGS…`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.kiosk
            .command()
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .output()
            .expect("running readpoint")
    }

    /// Rewrites the configuration for `portal` at `url` with `sync.attachment_budget` set.
    pub fn set_attachment_budget(&self, portal: &Portal, url: &str, budget: &str) {
        std::fs::write(
            &self.config,
            format!("{}attachment_budget = \"{budget}\"\n", portal.config(url)),
        )
        .expect("config");
    }

    /// `sync --once` with a single attempt; returns (exit code, stdout+stderr).
    pub fn sync(&self) -> (i32, String) {
        let output = self.run(&["sync", "--once", "--attempts", "1"]);
        (
            output.status.code().unwrap_or(-1),
            format!("{}{}", stdout(&output), stderr(&output)),
        )
    }

    /// `status --json`.
    pub fn status(&self) -> Value {
        let output = self.run(&["status", "--json"]);
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_str(&stdout(&output)).expect("status JSON")
    }

    /// The cache.
    pub fn store(&self) -> Store {
        Store::open(&self.kiosk.cache_path()).expect("open cache")
    }
}

/// What a visitor could see: every document id with its summary, and the content version.
pub fn snapshot(store: &Store) -> (Option<String>, Vec<(String, String)>) {
    let mut docs: Vec<(String, String)> = ["catalogue_entry", "guide_section", "annual_report"]
        .iter()
        .flat_map(|kind| {
            store
                .documents_of_kind(readpoint::content::Kind::from_wire(kind))
                .expect("documents")
        })
        .map(|row| (row.id, row.summary))
        .collect();
    docs.sort();
    (store.meta("content_version").expect("meta"), docs)
}

/// `PRAGMA integrity_check` of a cache file.
pub fn integrity_check(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).expect("open cache");
    conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check")
}

fn nginx(root: &Path) -> readpoint_test_support::nginx::Nginx {
    std::fs::create_dir_all(root).expect("feed dir");
    readpoint_test_support::nginx::Nginx::start(root).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn nginx_first_sync_then_304_then_only_changed_shards() {
    let mut portal = Portal::new();
    let first = portal.publish();
    let server = nginx(&portal.feed);
    let kiosk = SyncKiosk::new(&portal, &server.url());

    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("applied version 1"), "{out}");
    assert_eq!(server.count("/objects/"), first.shards, "every shard once");
    let status = kiosk.status();
    assert_eq!(status["content"]["version"], "1", "{status}");
    assert_eq!(status["content"]["stale"], false, "{status}");
    assert!(status["sync"]["last_success"].is_string(), "{status}");
    assert!(status["sync"]["last_error"].is_null(), "{status}");
    assert_eq!(status["content"]["source"], server.url(), "{status}");
    // The bundled copy is gone: every document now belongs to a feed shard.
    let store = kiosk.store();
    assert!(
        !store
            .stored_shards()
            .expect("shards")
            .contains(&"bundled".to_owned())
    );

    // Nothing changed: one conditional GET answered 304, no object fetched.
    let before = server.access_log().len();
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("up to date"), "{out}");
    let log = server.access_log();
    let new: Vec<_> = log[before..].iter().collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].status, 304, "{new:?}");

    // One entry changed: only its shard is fetched.
    let id = portal.edit_entry(3, "更正后的摘要。");
    let second = portal.publish();
    assert_eq!(second.new_shards, 1);
    let objects_before = server.count("/objects/");
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("applied version 2 (was 1)"), "{out}");
    assert_eq!(
        server.count("/objects/") - objects_before,
        1,
        "only the changed shard"
    );
    let row = kiosk
        .store()
        .document(&id)
        .expect("query")
        .expect("still there");
    assert_eq!(row.summary, "更正后的摘要。");
}

/// Rows of a cache table.
type Rows<T> = Vec<(String, String, T)>;

/// Every stored document (id, shard, JSON) and every applied feed shard (name, object, count):
/// two caches with equal rows hold the same content.
fn cache_rows(path: &Path) -> (Rows<rusqlite::types::Value>, Rows<i64>) {
    let conn = rusqlite::Connection::open(path).expect("open cache");
    let documents = conn
        .prepare("SELECT id, shard, json FROM document ORDER BY id")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect()
        })
        .expect("documents");
    let shards = conn
        .prepare("SELECT name, sha256, documents FROM feed_shard ORDER BY name")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect()
        })
        .expect("shards");
    (documents, shards)
}

/// The ids a search for `query` finds.
fn found(store: &Store, query: &str) -> Vec<String> {
    store
        .search_all_ids(&readpoint::store::SearchRequest {
            query: query.into(),
            limit: 100,
            ..Default::default()
        })
        .expect("search")
}

#[test]
fn a_kiosk_two_versions_behind_fetches_one_patch_instead_of_the_changed_shards() {
    let mut portal = Portal::new();
    portal.publish();
    let server = nginx(&portal.feed);
    let kiosk = SyncKiosk::new(&portal, &server.url());
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");

    // Version 2 corrects an entry; version 3 corrects another in another year, retitles a
    // guide section and removes a third entry.
    let corrected = portal.edit_entry(3, "更正后的摘要，见补丁甲。");
    assert_eq!(portal.publish().patches, 1);
    let years: Vec<String> = portal
        .documents()
        .iter()
        .filter(|d| d["kind"] == "catalogue_entry")
        .map(|d| d["id"].as_str().expect("id").to_owned())
        .collect();
    let other = portal.edit_entry(years.len() - 1, "另一处更正，见补丁乙。");
    let guide = portal
        .documents()
        .iter_mut()
        .find(|d| d["kind"] == "guide_section")
        .expect("a guide section");
    guide["title"] = format!("{}（修订）", guide["title"].as_str().expect("title")).into();
    let removed = years[years.len() / 2].clone();
    portal.documents().retain(|d| d["id"] != removed.as_str());
    let third = portal.publish();
    assert_eq!(third.patches, 2, "from versions 1 and 2");
    let manifest = portal.manifest();
    let from_1 = manifest["patches"]
        .as_array()
        .expect("patches")
        .iter()
        .find(|p| p["from"] == 1)
        .expect("a patch from version 1");

    let before = server.access_log().len();
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("applied version 3 (was 1)"), "{out}");
    let objects: Vec<String> = server.access_log()[before..]
        .iter()
        .filter(|r| r.path.contains("/objects/"))
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(objects.len(), 1, "one object: {objects:?}");
    assert!(
        objects[0].ends_with(from_1["sha256"].as_str().expect("sha")),
        "the patch from version 1: {objects:?}"
    );

    // The same content as a kiosk that fetched every shard of version 3, searchable.
    let fresh = SyncKiosk::new(&portal, &server.url());
    let (code, out) = fresh.sync();
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        cache_rows(&kiosk.kiosk.cache_path()),
        cache_rows(&fresh.kiosk.cache_path())
    );
    let store = kiosk.store();
    assert_eq!(found(&store, "补丁甲"), [corrected]);
    assert_eq!(found(&store, "补丁乙"), [other]);
    assert!(store.document(&removed).expect("query").is_none());
    assert_eq!(integrity_check(&kiosk.kiosk.cache_path()), "ok");
    assert_eq!(kiosk.status()["content"]["version"], "3");
}

// ---------------------------------------------------------------------------------------------
// Faults, served by the in-process server. Each starts from a kiosk that applied version 1.
// ---------------------------------------------------------------------------------------------

use readpoint_test_support::feed_server::{Fault, FeedServer};

struct Setup {
    portal: Portal,
    server: FeedServer,
    kiosk: SyncKiosk,
    good: (Option<String>, Vec<(String, String)>),
}

/// Version 1 published and applied.
fn synced() -> Setup {
    let portal = Portal::new();
    portal.publish();
    let server = FeedServer::start(&portal.feed).expect("the feed server starts");
    let kiosk = SyncKiosk::new(&portal, &server.url());
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    let good = snapshot(&kiosk.store());
    assert_eq!(good.0.as_deref(), Some("1"));
    Setup {
        portal,
        server,
        kiosk,
        good,
    }
}

/// The objects the fault server was asked for since its log was last cleared, in order.
fn fetched_objects(server: &FeedServer) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/objects/"))
        .map(|r| r.path)
        .collect()
}

impl Setup {
    /// Publishes version 2 with one changed entry; returns the changed shard's object hash.
    fn publish_change(&mut self) -> String {
        let before = self.portal.manifest();
        self.portal.edit_entry(0, "第二版的摘要。");
        self.portal.publish();
        self.portal.drop_patches();
        let after = self.portal.manifest();
        let old: Vec<&Value> = before["shards"]
            .as_array()
            .expect("shards")
            .iter()
            .collect();
        after["shards"]
            .as_array()
            .expect("shards")
            .iter()
            .find(|s| !old.contains(s))
            .and_then(|s| s["sha256"].as_str())
            .expect("a changed shard")
            .to_owned()
    }

    /// Syncs once, expecting `code` and `words` in the output; the cache must serve exactly
    /// version 1 still, and the status must carry the error of `class`.
    fn expect_failure(&self, code: i32, class: &str, words: &str) {
        let (got, out) = self.kiosk.sync();
        assert_eq!(got, code, "{out}");
        assert!(out.contains(words), "expected {words:?} in: {out}");
        assert_eq!(
            snapshot(&self.kiosk.store()),
            self.good,
            "the last good content"
        );
        let status = self.kiosk.status();
        assert_eq!(status["sync"]["last_error"]["class"], class, "{status}");
        assert_eq!(status["content"]["version"], "1", "{status}");
        assert_eq!(integrity_check(&self.kiosk.kiosk.cache_path()), "ok");
    }
}

#[test]
fn server_errors_and_rate_limits_are_transient() {
    let mut setup = synced();
    let object = setup.publish_change();
    setup.server.fault(
        "manifest.json",
        Fault::Status {
            code: 503,
            retry_after: Some(1),
        },
        Some(1),
    );
    setup.expect_failure(3, "transient", "503");
    setup.server.fault(
        &object,
        Fault::Status {
            code: 500,
            retry_after: None,
        },
        Some(1),
    );
    setup.expect_failure(3, "transient", "500");
    setup.server.fault(
        "manifest.json",
        Fault::Status {
            code: 429,
            retry_after: Some(2),
        },
        Some(1),
    );
    setup.expect_failure(3, "transient", "429");
    // With the faults used up, the same version applies.
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("applied version 2"), "{out}");
    assert!(setup.kiosk.status()["last_error"].is_null());
}

#[test]
fn broken_connections_are_transient_and_the_next_sync_resumes() {
    let mut setup = synced();
    let object = setup.publish_change();
    setup.server.fault("manifest.json", Fault::Reset, Some(1));
    setup.expect_failure(3, "transient", "manifest.json");
    setup.server.fault(&object, Fault::Truncate(10), Some(1));
    setup.expect_failure(3, "transient", "connection broke");
    setup.server.fault(
        &object,
        Fault::Stall(std::time::Duration::from_secs(6)),
        Some(1),
    );
    setup.expect_failure(3, "transient", "stalled");
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_sync_with_retries_gets_past_one_server_error() {
    let mut setup = synced();
    setup.publish_change();
    setup.server.fault(
        "manifest.json",
        Fault::Status {
            code: 503,
            retry_after: Some(1),
        },
        Some(1),
    );
    // A retry must fit in 3 × sync.timeout, and waits at least 10 s (Retry-After: 1 is not
    // enough): a timeout of 8 s leaves room for one.
    let config = setup.portal.config(&setup.server.url());
    std::fs::write(&setup.kiosk.config, config.replace("\"3s\"", "\"8s\"")).expect("config");
    let started = std::time::Instant::now();
    let output = setup.kiosk.run(&["sync", "--once", "--attempts", "2"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("applied version 2"));
    assert!(
        started.elapsed() >= readpoint::sync::schedule::RETRY_FLOOR,
        "Retry-After: 1 does not cut the wait under the floor"
    );
}

#[test]
fn objects_longer_than_declared_or_with_the_wrong_hash_are_rejected() {
    let mut setup = synced();
    let object = setup.publish_change();
    setup
        .server
        .fault(&object, Fault::Append(b"extra".to_vec()), None);
    setup.expect_failure(2, "permanent", "more bytes than");
    setup.server.clear_faults();
    let path = readpoint::feed::object_path(&setup.portal.feed, &object);
    let mut bytes = std::fs::read(&path).expect("object");
    bytes[20] ^= 0xff;
    setup.server.fault(&object, Fault::Replace(bytes), None);
    setup.expect_failure(2, "permanent", "SHA-256");
    setup.server.clear_faults();
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
}

#[test]
fn bad_and_untrusted_signatures_are_rejected() {
    let mut setup = synced();
    let old_sig = std::fs::read(setup.portal.file("manifest.json.minisig")).expect("sig");
    setup.publish_change();
    // A new manifest beside the old signature (fetched twice, a pause apart).
    setup
        .server
        .fault("manifest.json.minisig", Fault::Replace(old_sig), None);
    setup.expect_failure(2, "permanent", "does not match");
    setup.server.clear_faults();
    // Signed by a key the kiosk does not trust.
    let stranger = minisign::KeyPair::generate_unencrypted_keypair().expect("keygen");
    let manifest = setup.portal.manifest();
    setup.portal.sign_manifest_with(&manifest, &stranger.sk);
    setup.expect_failure(2, "permanent", "trusted_keys");
}

#[test]
fn rollback_and_equivocation_are_rejected() {
    let mut setup = synced();
    let v1 = setup.portal.manifest();
    setup.publish_change();
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
    setup.good = snapshot(&setup.kiosk.store());
    let mut v2 = setup.portal.manifest();
    // Version 1 again, properly signed: a rollback.
    setup.portal.sign_manifest(&v1);
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("rollback"), "{out}");
    assert_eq!(snapshot(&setup.kiosk.store()), setup.good);
    // Version 2 signed again with other contents: equivocation.
    v2["publisher"] = "另一个发布者".into();
    setup.portal.sign_manifest(&v2);
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("equivocation"), "{out}");
    assert_eq!(snapshot(&setup.kiosk.store()), setup.good);
}

#[test]
fn unknown_formats_other_feeds_and_bad_shards_are_rejected() {
    let setup = synced();
    let good = setup.portal.manifest();

    let mut unknown = good.clone();
    unknown["format"] = "readpoint-feed/2".into();
    unknown["version"] = 2.into();
    setup.portal.sign_manifest(&unknown);
    setup.expect_failure(2, "permanent", "readpoint-feed/2");

    let mut other = good.clone();
    other["feed_id"] = "another-portal".into();
    other["version"] = 2.into();
    setup.portal.sign_manifest(&other);
    setup.expect_failure(2, "permanent", "sync.feed_id");

    // A shard that is not gzip, listed with its true hash and size.
    let not_gzip = b"{\"format\":\"readpoint-shard/1\",\"documents\":[]}".to_vec();
    let mut bad = good.clone();
    bad["version"] = 2.into();
    bad["shards"][0]["sha256"] = setup.portal.put_object(&not_gzip).into();
    bad["shards"][0]["size"] = not_gzip.len().into();
    setup.portal.sign_manifest(&bad);
    setup.expect_failure(2, "permanent", "not a gzip file");

    // A gzip bomb: 300 MiB of spaces in well under a megabyte.
    let bomb = {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let block = vec![b' '; 1 << 20];
        for _ in 0..300 {
            encoder.write_all(&block).expect("compress");
        }
        encoder.finish().expect("compress")
    };
    let mut bombed = good.clone();
    bombed["version"] = 2.into();
    bombed["shards"][0]["sha256"] = setup.portal.put_object(&bomb).into();
    bombed["shards"][0]["size"] = bomb.len().into();
    setup.portal.sign_manifest(&bombed);
    setup.expect_failure(2, "permanent", "gzip bomb");
}

#[test]
fn a_portal_that_drops_a_whole_section_is_refused() {
    let mut setup = synced();
    let documents = setup.portal.documents();
    documents.retain(|d| d["kind"] != "guide_section");
    for doc in documents.iter_mut() {
        if let Some(related) = doc.get_mut("related_ids") {
            *related = serde_json::json!([]);
        }
    }
    setup.portal.publish();
    setup.expect_failure(2, "permanent", "guide_section");
}

#[test]
fn an_expired_feed_is_applied_but_reported_stale() {
    let mut setup = synced();
    setup.portal.now = setup
        .portal
        .now
        .checked_sub(jiff::SignedDuration::from_hours(40 * 24))
        .expect("40 days earlier");
    setup.portal.edit_entry(1, "过期版本的摘要。");
    // The expired manifest is older than what the kiosk applied: a plausible clock still
    // accepts it (it is a new version), applies it, and reports the content stale.
    setup.portal.publish();
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("expired"), "{out}");
    let status = setup.kiosk.status();
    assert_eq!(status["content"]["stale"], true, "{status}");
    assert!(
        status["content"]["stale_reason"]
            .as_str()
            .unwrap_or("")
            .contains("expired"),
        "{status}"
    );
}

/// A kiosk synced through the library in this process (clock under the test's control), from
/// the fault server serving `portal`'s feed.
struct LibrarySync {
    server: FeedServer,
    url: String,
    key: MinisignPublicKey,
    runtime: tokio::runtime::Runtime,
    /// The kiosk's folders.
    kiosk: TempKiosk,
    /// The kiosk's clock for [`LibrarySync::sync`]: the portal's "now" when this was made.
    now: jiff::Timestamp,
    /// The sync's own connection to the cache.
    store: Store,
}

impl LibrarySync {
    fn new(portal: &Portal) -> LibrarySync {
        let server = FeedServer::start(&portal.feed).expect("the feed server starts");
        let kiosk = TempKiosk::new();
        LibrarySync {
            url: server.url(),
            server,
            key: portal.public.clone(),
            now: portal.now,
            runtime: tokio::runtime::Runtime::new().expect("runtime"),
            store: kiosk.store(),
            kiosk,
        }
    }

    /// One `run_once` with the kiosk's clock at `now`.
    fn sync_at(
        &mut self,
        now: jiff::Timestamp,
    ) -> Result<readpoint::sync::Outcome, readpoint::sync::SyncError> {
        let settings = readpoint::sync::SyncSettings {
            feed: readpoint::config::FeedConfig {
                url: self.url.clone(),
                id: "ls-zwzx".into(),
                trusted_keys: vec![self.key.clone()],
            },
            data_dir: self.kiosk.data_dir.clone(),
            timeout: std::time::Duration::from_secs(3),
            limits: readpoint::feed::Limits::default(),
            attachment_budget: 1 << 30,
            disk_reserve: 0,
            redirect_hosts: Vec::new(),
            concurrency: 4,
            signature_retry_pause: std::time::Duration::from_millis(100),
            user_agent: "readpoint-test".into(),
            clock: std::sync::Arc::new(move || now),
        };
        readpoint::sync::run_once(&settings, &mut self.store, &self.runtime, &|_| {})
    }

    /// One `run_once` with the kiosk's clock at the portal's "now" (plausible).
    fn sync(&mut self) -> Result<readpoint::sync::Outcome, readpoint::sync::SyncError> {
        self.sync_at(self.now)
    }
}

#[test]
fn clock_checks_judge_only_with_a_plausible_clock() {
    let mut portal = Portal::new();
    let kiosk_now = portal.now;
    // Published three years ahead: in the future for the kiosk's clock.
    portal.now = kiosk_now
        .checked_add(jiff::SignedDuration::from_hours(3 * 365 * 24))
        .expect("three years later");
    portal.publish();
    let mut local = LibrarySync::new(&portal);
    let err = local
        .sync_at(kiosk_now)
        .expect_err("a manifest from the future");
    assert_eq!(err.check, readpoint::sync::Check::Clock, "{err}");
    assert_eq!(
        local
            .store
            .meta("content_version")
            .expect("meta")
            .as_deref()
            .map(|v| v.starts_with("bundled")),
        Some(true)
    );
    // A kiosk whose clock says 1970 cannot judge: it applies the feed.
    let epoch: jiff::Timestamp = "1970-01-01T00:00:10Z".parse().expect("time");
    let outcome = local.sync_at(epoch).expect("applied");
    assert!(
        matches!(outcome, readpoint::sync::Outcome::Applied(ref r) if !r.expired),
        "{outcome:?}"
    );
    // …and does not call it stale by expiry either.
    let reason = readpoint::sync::status::stale_reason(
        &local.store.feed_record().expect("record"),
        None,
        true,
        std::time::Duration::from_secs(7 * 86_400),
        epoch,
    );
    assert_eq!(reason, None);
}

/// Bytes of the cache's write-ahead log (0 when there is none).
fn wal_size(kiosk: &TempKiosk) -> u64 {
    let wal = kiosk
        .data_dir
        .join(format!("{}-wal", readpoint::store::CACHE_FILE));
    std::fs::metadata(wal).map_or(0, |m| m.len())
}

#[test]
fn an_applied_version_leaves_the_wal_truncated() {
    let mut portal = Portal::new();
    portal.publish();
    let mut local = LibrarySync::new(&portal);
    // A visitor's connection is open, as on a running kiosk (idle between its reads).
    let visitor = local.kiosk.store();
    let outcome = local.sync().expect("first version");
    assert!(matches!(outcome, readpoint::sync::Outcome::Applied(_)));
    assert_eq!(
        wal_size(&local.kiosk),
        0,
        "the first apply's WAL was truncated"
    );
    // An incremental version, with the visitor reading in between.
    let id = portal.edit_entry(0, "更正后的摘要：补充办理时限。");
    portal.publish();
    assert!(visitor.document(&id).expect("read").is_some());
    let outcome = local.sync().expect("second version");
    assert!(
        matches!(&outcome, readpoint::sync::Outcome::Applied(report) if report.summary.replaced == 1),
        "{outcome:?}"
    );
    assert_eq!(
        wal_size(&local.kiosk),
        0,
        "the incremental apply's WAL was truncated"
    );
    let stored = visitor.document(&id).expect("read").expect("document");
    assert_eq!(stored.summary, "更正后的摘要：补充办理时限。");
}

#[test]
fn a_second_sync_of_the_same_cache_exits_cleanly() {
    let portal = Portal::new();
    portal.publish();
    let server = FeedServer::start(&portal.feed).expect("the feed server starts");
    let kiosk = SyncKiosk::new(&portal, &server.url());
    let held = readpoint::sync::lock::SyncLock::try_acquire(&kiosk.kiosk.data_dir)
        .expect("lock")
        .expect("free");
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("another sync"), "{out}");
    drop(held);
    let (code, out) = kiosk.sync();
    assert_eq!(
        (code, out.contains("applied version 1")),
        (0, true),
        "{out}"
    );
}

#[test]
fn without_a_feed_sync_is_a_configuration_error() {
    let kiosk = TempKiosk::new();
    let output = kiosk.run(&["sync", "--once"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("sync.feed_url"),
        "{}",
        stderr(&output)
    );
    let output = kiosk.run(&["sync", "--bogus"]);
    assert_eq!(output.status.code(), Some(1), "usage errors exit 1");
}

// ---------------------------------------------------------------------------------------------
// Crash safety and visitors during an apply.
// ---------------------------------------------------------------------------------------------

/// A portal with `n` synthetic catalogue entries on top of the bundled content, every entry's
/// summary marked with the version it belongs to.
fn big_portal(n: usize) -> Portal {
    let mut portal = Portal::new();
    let corpus = readpoint_test_support::corpus::generate(n, 7).documents;
    portal.documents().extend(corpus);
    portal
}

/// Marks every synthetic entry's summary with `version`.
fn mark(portal: &mut Portal, version: u64) {
    for doc in portal.documents().iter_mut() {
        if doc["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("bench-"))
        {
            let base = doc["summary"]
                .as_str()
                .unwrap_or("")
                .split(" 第")
                .next()
                .unwrap_or("")
                .to_owned();
            doc["summary"] = format!("{base} 第{version}版").into();
        }
    }
}

/// The cache holds one version completely: every synthetic entry carries the marker of the
/// applied version, and there are `n` of them. Returns that version.
fn assert_whole_version(cache: &Path, n: usize) -> u64 {
    assert_eq!(integrity_check(cache), "ok");
    let store = Store::open(cache).expect("open cache");
    let version: u64 = store
        .meta("content_version")
        .expect("meta")
        .and_then(|v| v.parse().ok())
        .expect("a feed version");
    let marker = format!(" 第{version}版");
    let entries: Vec<_> = store
        .documents_of_kind(readpoint::content::Kind::CatalogueEntry)
        .expect("entries")
        .into_iter()
        .filter(|row| row.id.starts_with("bench-"))
        .collect();
    assert_eq!(entries.len(), n, "version {version} complete");
    for row in &entries {
        assert!(
            row.summary.ends_with(&marker),
            "{} is from another version than {version}: {}",
            row.id,
            row.summary
        );
    }
    version
}

#[test]
fn kill_9_during_download_or_apply_leaves_old_or_new_and_the_next_sync_completes() {
    const N: usize = 1500;
    const STALL: std::time::Duration = std::time::Duration::from_millis(300);
    // How long after "applying" is logged a kill may land (the apply of N entries takes longer;
    // a kill that comes after the commit finds the sync done, which is fine too).
    const APPLY_WINDOW: std::time::Duration = std::time::Duration::from_millis(60);
    let rounds: usize = std::env::var("READPOINT_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let mut portal = big_portal(N);
    mark(&mut portal, 1);
    portal.publish();
    let server = FeedServer::start(&portal.feed).expect("the feed server starts");
    let kiosk = SyncKiosk::new(&portal, &server.url());
    for shard in portal.manifest()["shards"].as_array().expect("shards") {
        server.fault(
            shard["sha256"].as_str().expect("sha"),
            Fault::Stall(STALL),
            Some(1),
        );
    }
    let started = std::time::Instant::now();
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    let full = started.elapsed();
    assert_eq!(assert_whole_version(&kiosk.kiosk.cache_path(), N), 1);

    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    eprintln!("crash loop: {rounds} rounds, seed {seed}, full sync {full:?}");
    let mut applied = 1;
    let mut killed = 0;
    let mut advanced = 0;
    let (mut in_download, mut in_apply) = (0, 0);
    for round in 0..rounds {
        let version = round as u64 + 2;
        mark(&mut portal, version);
        let report = portal.publish();
        assert_eq!(report.version, version);
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let random = (seed >> 11) as f64 / (1u64 << 53) as f64;
        // Even rounds kill while downloading (a stall per object keeps each download going
        // for STALL), odd rounds while applying: at a random moment after the sync logs the
        // phase's start.
        let (phase, window) = if round % 2 == 0 {
            ("downloading", STALL)
        } else {
            ("applying", APPLY_WINDOW)
        };
        // Shards and patches alike: the kiosk fetches one or the other.
        let manifest = portal.manifest();
        let objects = manifest["shards"]
            .as_array()
            .expect("shards")
            .iter()
            .chain(manifest["patches"].as_array().into_iter().flatten());
        for object in objects {
            let sha = object["sha256"].as_str().expect("sha");
            server.fault(sha, Fault::Stall(STALL), Some(1));
        }
        let log = kiosk.kiosk.home.join("sync.log");
        let mut child = kiosk
            .kiosk
            .command()
            .arg("--config")
            .arg(&kiosk.config)
            .args(["-v", "sync", "--once", "--attempts", "1"])
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn sync");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while child.try_wait().expect("try_wait").is_none()
            && !std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains(phase)
        {
            assert!(
                std::time::Instant::now() < deadline,
                "round {round}: the sync never logged {phase:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        std::thread::sleep(window.mul_f64(random));
        if child.try_wait().expect("try_wait").is_none() {
            child.kill().expect("kill -9");
            killed += 1;
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains("applying") {
                in_apply += 1;
            } else if text.contains("downloading") {
                in_download += 1;
            }
        }
        child.wait().expect("wait");
        server.clear_faults();
        let now = assert_whole_version(&kiosk.kiosk.cache_path(), N);
        assert!(
            now == applied || now == version,
            "round {round}: version {now}, expected {applied} or {version}"
        );
        if now == version {
            advanced += 1;
        }
        applied = now;
    }
    eprintln!(
        "crash loop: killed {killed} of {rounds} syncs ({in_download} while downloading, {in_apply} while applying); {advanced} rounds ended on the new version"
    );
    if rounds >= 2 {
        assert!(
            in_download > 0 && in_apply > 0,
            "kills must land in both phases"
        );
    }
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        assert_whole_version(&kiosk.kiosk.cache_path(), N),
        rounds as u64 + 1
    );
}

#[test]
fn a_visitor_reading_while_a_sync_applies_sees_old_or_new_never_a_mix() {
    const N: usize = 1500;
    let mut portal = big_portal(N);
    mark(&mut portal, 1);
    portal.publish();
    let mut local = LibrarySync::new(&portal);
    local.sync().expect("version 1");
    mark(&mut portal, 2);
    portal.publish();

    // The visitor: its own connection (like the kiosk's store worker), reading the catalogue
    // list, its count and a page of entries, over and over while the sync applies.
    let cache = local.kiosk.cache_path();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let visitor = {
        let done = std::sync::Arc::clone(&done);
        std::thread::spawn(move || {
            let reader = Store::open(&cache).expect("visitor's connection");
            let mut seen = std::collections::BTreeSet::new();
            let mut reads = 0;
            loop {
                // After the sync finished, one last read must see the new version.
                let last = done.load(std::sync::atomic::Ordering::SeqCst);
                // One query is one snapshot: the whole catalogue as the list screen reads it.
                let entries = reader
                    .documents_of_kind(readpoint::content::Kind::CatalogueEntry)
                    .expect("the visitor never sees an error");
                let versions: std::collections::BTreeSet<String> = entries
                    .iter()
                    .filter(|row| row.id.starts_with("bench-"))
                    .filter_map(|row| row.summary.rsplit(' ').next().map(str::to_owned))
                    .collect();
                let count = entries
                    .iter()
                    .filter(|row| row.id.starts_with("bench-"))
                    .count();
                assert_eq!(count, N, "a half-updated list");
                assert_eq!(versions.len(), 1, "a half-updated list: {versions:?}");
                seen.extend(versions);
                reads += 1;
                if last {
                    break;
                }
            }
            (reads, seen)
        })
    };
    let outcome = local.sync();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(
        matches!(outcome, Ok(readpoint::sync::Outcome::Applied(_))),
        "{outcome:?}"
    );
    let (reads, seen) = visitor.join().expect("the visitor thread");
    eprintln!("visitor read the list {reads} times during the apply; saw {seen:?}");
    assert!(reads > 1);
    assert!(seen.contains("第2版"), "{seen:?}");
}

#[test]
fn new_content_refreshes_the_list_in_place_and_never_yanks_a_document_away() {
    use readpoint::ui::{CatalogueAdapter, Nav, Screen, Status};
    use slint::ComponentHandle;

    let mut portal = Portal::new();
    portal.publish();
    let mut local = LibrarySync::new(&portal);
    local.sync().expect("version 1");

    let ui = crate::ui_support::UiKiosk::on_store(
        local.kiosk.store(),
        readpoint::kiosk::KioskOptions::default(),
    );
    let nav = ui.app.global::<Nav>();
    let adapter = ui.app.global::<CatalogueAdapter>();
    ui.tap("公开目录");
    ui.tap("机构职能");
    let before = adapter.get_total();

    // Version 2 adds an entry to the category the visitor is looking at.
    let mut extra = portal
        .documents()
        .iter()
        .find(|d| d["kind"] == "catalogue_entry" && d["category"] == "JGZN")
        .cloned()
        .expect("a JGZN entry");
    extra["id"] = "ce-2012-99999".into();
    extra["index_no"] = "000000019/2012-99999".into();
    extra["title"] = "新增的机构职能文件".into();
    portal.documents().push(extra);
    portal.publish();
    local.sync().expect("version 2");
    ui.kiosk.content_changed();
    assert_eq!(nav.get_screen(), Screen::Catalogue, "still on the list");
    assert_eq!(adapter.get_category().as_str(), "JGZN", "filter kept");
    assert_eq!(
        adapter.get_total(),
        before + 1,
        "the list shows the new entry"
    );
    assert!(ui.shows("新增的机构职能文件"));
    assert!(!ui.app.global::<Status>().get_updated_at().is_empty());

    // Reading the new entry while version 3 removes it: the page stays.
    ui.tap("新增的机构职能文件");
    assert_eq!(nav.get_screen(), Screen::Document);
    portal.documents().retain(|d| d["id"] != "ce-2012-99999");
    portal.publish();
    local.sync().expect("version 3");
    ui.kiosk.content_changed();
    assert_eq!(nav.get_screen(), Screen::Document, "not yanked away");
    assert!(ui.shows("新增的机构职能文件"));
    assert!(!nav.get_unavailable(), "no error shown");
    ui.tap("返回上一页");
    assert_eq!(
        adapter.get_total(),
        before,
        "back on the list: the entry is gone"
    );
}

#[test]
fn an_interrupted_download_resumes_with_only_the_missing_object() {
    let mut setup = synced();
    // Three shards change: the guide, a catalogue year and the procedure.
    let before: Vec<Value> = setup.portal.manifest()["shards"]
        .as_array()
        .expect("shards")
        .clone();
    for doc in setup.portal.documents().iter_mut() {
        if doc["kind"] == "guide_section" || doc["kind"] == "procedure" {
            doc["title"] = format!("{}（修订）", doc["title"].as_str().unwrap_or("")).into();
        }
    }
    setup.portal.edit_entry(0, "第二版的摘要。");
    setup.portal.publish();
    setup.portal.drop_patches();
    let changed: Vec<String> = setup.portal.manifest()["shards"]
        .as_array()
        .expect("shards")
        .iter()
        .filter(|s| !before.contains(s))
        .map(|s| s["sha256"].as_str().expect("sha").to_owned())
        .collect();
    assert!(changed.len() >= 3, "{changed:?}");
    setup.server.fault(
        &changed[0],
        Fault::Status {
            code: 502,
            retry_after: None,
        },
        Some(1),
    );
    setup.expect_failure(3, "transient", "502");
    setup.server.clear_log();
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
    let fetched = fetched_objects(&setup.server);
    assert_eq!(fetched.len(), 1, "only the object that failed: {fetched:?}");
    assert!(fetched[0].ends_with(&changed[0]));
}

#[test]
fn a_patch_that_is_broken_or_does_not_fit_the_cache_gives_way_to_the_shards() {
    let mut setup = synced();
    let id = setup.portal.edit_entry(0, "第二版的摘要，补丁。");
    setup.portal.publish();
    let mut manifest = setup.portal.manifest();
    let patch_sha = manifest["patches"][0]["sha256"]
        .as_str()
        .expect("a patch")
        .to_owned();

    // A patch that keeps failing on the network is retried later, like any object.
    setup.server.fault(
        &patch_sha,
        Fault::Status {
            code: 503,
            retry_after: None,
        },
        None,
    );
    setup.expect_failure(3, "transient", "503");
    setup.server.clear_faults();

    // A patch whose count disagrees with the manifest (a publisher's bug): signed, well
    // formed, and still not applied; the kiosk fetches the changed shard instead.
    let bytes = std::fs::read(readpoint::feed::object_path(&setup.portal.feed, &patch_sha))
        .expect("the patch object");
    let mut patch = readpoint::feed::patch::decode(&bytes, &Default::default()).expect("the patch");
    patch.shards[0].documents += 1;
    let (wrong, _) = readpoint::feed::patch::encode(&patch);
    let wrong_sha = setup.portal.put_object(&wrong);
    manifest["patches"][0]["sha256"] = wrong_sha.clone().into();
    manifest["patches"][0]["size"] = wrong.len().into();
    setup.portal.sign_manifest(&manifest);
    setup.server.clear_log();
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("applied version 2 (was 1)"), "{out}");
    let fetched = fetched_objects(&setup.server);
    assert_eq!(fetched.len(), 2, "the patch, then the shard: {fetched:?}");
    assert!(fetched[0].ends_with(&wrong_sha), "{fetched:?}");
    let row = setup
        .kiosk
        .store()
        .document(&id)
        .expect("query")
        .expect("there");
    assert_eq!(row.summary, "第二版的摘要，补丁。");
    let shards = cache_rows(&setup.kiosk.kiosk.cache_path()).1;
    for shard in manifest["shards"].as_array().expect("shards") {
        assert!(
            shards
                .iter()
                .any(|(name, sha, n)| shard["name"] == name.as_str()
                    && shard["sha256"] == sha.as_str()
                    && shard["documents"] == *n),
            "{shard} applied"
        );
    }

    // Version 3: a patch served with other bytes than its name says falls back the same way.
    setup.portal.edit_entry(1, "第三版的摘要。");
    setup.portal.publish();
    let manifest = setup.portal.manifest();
    let from_2 = manifest["patches"]
        .as_array()
        .expect("patches")
        .iter()
        .find(|p| p["from"] == 2)
        .expect("a patch from version 2");
    let size = from_2["size"].as_u64().expect("size") as usize;
    setup.server.fault(
        from_2["sha256"].as_str().expect("sha"),
        Fault::Replace(vec![b'x'; size]),
        None,
    );
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("applied version 3 (was 2)"), "{out}");
    assert_eq!(integrity_check(&setup.kiosk.kiosk.cache_path()), "ok");
}

#[test]
fn a_document_id_in_two_shards_is_rejected() {
    let mut setup = synced();
    // A catalogue entry repeated under another year: its copy lands in another shard.
    let copy = setup.portal.entry_dated("2016-03-01");
    let mut manifest = setup.portal.manifest();
    manifest["version"] = 2.into();
    setup
        .portal
        .list_shard(&mut manifest, "catalogue_entry-2016", &[copy]);
    setup.portal.sign_manifest(&manifest);
    setup.expect_failure(2, "permanent", "more than one shard");
}

#[test]
fn a_new_id_in_two_new_shards_is_rejected() {
    let mut setup = synced();
    // The same new entry under two dates: two new shards, neither stored before.
    let mut manifest = setup.portal.manifest();
    manifest["version"] = 2.into();
    for (shard, date) in [
        ("catalogue_entry-2016-03", "2016-03-01"),
        ("catalogue_entry-2017-05", "2017-05-01"),
    ] {
        let mut entry = setup.portal.entry_dated(date);
        entry["id"] = "ls-zwzx-new-twice".into();
        setup.portal.list_shard(&mut manifest, shard, &[entry]);
    }
    setup.portal.sign_manifest(&manifest);
    setup.expect_failure(2, "permanent", "more than one shard");
}

#[test]
fn an_entry_moving_to_an_earlier_shard_is_applied_from_the_shards() {
    let mut setup = synced();
    // Re-dated to long before every other entry: its new shard comes first in the manifest,
    // before the shard it leaves (which changes too), and is written first.
    let (id, old_shard) = {
        let entry = setup
            .portal
            .documents()
            .iter_mut()
            .find(|d| d["kind"] == "catalogue_entry")
            .expect("an entry");
        let old_shard = format!(
            "catalogue_entry-{}",
            &entry["generated_date"].as_str().expect("date")[..4]
        );
        entry["generated_date"] = "1999-01-04".into();
        entry["published_date"] = "1999-01-04".into();
        (entry["id"].as_str().expect("id").to_owned(), old_shard)
    };
    setup.portal.publish();
    setup.portal.drop_patches();
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("applied version 2 (was 1)"), "{out}");
    let path = setup.kiosk.kiosk.cache_path();
    let conn = rusqlite::Connection::open(&path).expect("open cache");
    let shard: String = conn
        .query_row("SELECT shard FROM document WHERE id = ?1", [&id], |row| {
            row.get(0)
        })
        .expect("the entry is stored once");
    assert!(shard.starts_with("catalogue_entry-1999"), "{shard}");
    assert!(!shard.starts_with(&old_shard), "{shard} {old_shard}");
    // Still found by search, once.
    let title: String = conn
        .query_row("SELECT title FROM document WHERE id = ?1", [&id], |row| {
            row.get(0)
        })
        .expect("title");
    let hits = setup
        .kiosk
        .store()
        .search(&readpoint::store::SearchRequest {
            query: title,
            limit: 1000,
            ..Default::default()
        })
        .expect("search");
    assert_eq!(hits.hits.iter().filter(|h| h.id == id).count(), 1);
    assert_eq!(integrity_check(&path), "ok");
}

#[test]
fn attachments_are_fetched_within_the_budget_and_later_when_it_allows() {
    let mut portal = Portal::new();
    // Not a PDF (the publisher renders those into pages; see the next test): kept as a file.
    let pdf = b"\x89PNG a tiny test attachment".repeat(100);
    let (_, sha) = attach(&mut portal, "report.png", "image/png", &pdf);
    portal.publish();
    let server = FeedServer::start(&portal.feed).expect("the feed server starts");
    let kiosk = SyncKiosk::new(&portal, &server.url());
    // A budget too small for the file: the content applies, the attachment waits.
    kiosk.set_attachment_budget(&portal, &server.url(), "1KiB");
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 attachment(s) not fetched yet"), "{out}");
    assert!(!readpoint::store::attachment_present(
        &kiosk.kiosk.data_dir,
        &sha,
        pdf.len() as u64
    ));
    // The budget raised: the next check (a 304) fetches it.
    std::fs::write(&kiosk.config, portal.config(&server.url())).expect("config");
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("up to date"), "{out}");
    let stored = readpoint::feed::object_path(&kiosk.kiosk.data_dir, &sha);
    assert_eq!(std::fs::read(&stored).expect("attachment fetched"), pdf);
    assert!(readpoint::store::attachment_present(
        &kiosk.kiosk.data_dir,
        &sha,
        pdf.len() as u64
    ));
    // Damaged on disk (same size, one byte flipped; then cut short): the next check notices and
    // fetches it again; a short file does not count as present meanwhile.
    let mut damaged = pdf.clone();
    damaged[10] ^= 0xff;
    std::fs::write(&stored, &damaged).expect("damage");
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert_eq!(std::fs::read(&stored).expect("fetched again"), pdf);
    std::fs::write(&stored, &pdf[..100]).expect("truncate");
    assert!(!readpoint::store::attachment_present(
        &kiosk.kiosk.data_dir,
        &sha,
        pdf.len() as u64
    ));
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert_eq!(std::fs::read(&stored).expect("fetched again"), pdf);
}

/// A real 10-page PDF (the 2012 and 2022 annual reports as `readpoint print --large` makes them).
pub fn fixture_pdf() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/reports-large-print.pdf"
    ))
    .expect("tests/data/reports-large-print.pdf")
}

/// Attaches `bytes` as `file_name` to catalogue entry `id`; returns its sha256.
pub fn attach_to(
    portal: &mut Portal,
    id: &str,
    file_name: &str,
    media_type: &str,
    bytes: &[u8],
) -> String {
    let sha = readpoint::feed::sha256_hex(bytes);
    portal.attachments.push((file_name.into(), bytes.to_vec()));
    let entry = portal
        .documents()
        .iter_mut()
        .find(|d| d["id"] == id)
        .expect("the entry");
    entry["attachments"] = serde_json::json!([{
        "sha256": sha, "size": bytes.len(), "media_type": media_type, "file_name": file_name
    }]);
    sha
}

/// Attaches `bytes` as `file_name` to the first catalogue entry; returns (entry id, sha256).
pub fn attach(
    portal: &mut Portal,
    file_name: &str,
    media_type: &str,
    bytes: &[u8],
) -> (String, String) {
    let sha = readpoint::feed::sha256_hex(bytes);
    portal.attachments.push((file_name.into(), bytes.to_vec()));
    let entry = portal
        .documents()
        .iter_mut()
        .find(|d| d["kind"] == "catalogue_entry")
        .expect("an entry");
    entry["attachments"] = serde_json::json!([{
        "sha256": sha, "size": bytes.len(), "media_type": media_type, "file_name": file_name
    }]);
    (entry["id"].as_str().expect("id").to_owned(), sha)
}

#[test]
fn a_pdf_attachment_arrives_as_pages_first_page_first_within_the_budget() {
    let mut portal = Portal::new();
    let (_, sha) = attach(
        &mut portal,
        "2022年度报告.pdf",
        "application/pdf",
        &fixture_pdf(),
    );
    portal.publish();
    let manifest = portal.manifest();
    let pages = &manifest["attachments"][0]["pages"];
    assert_eq!(pages["count"], 10, "{manifest}");
    let set_sha = pages["sha256"].as_str().expect("page set").to_owned();
    let set = readpoint::feed::pages::PageSet::decode(
        &std::fs::read(readpoint::feed::object_path(&portal.feed, &set_sha)).expect("page set"),
        &Default::default(),
    )
    .expect("a valid page set");
    assert!(
        set.pages[6].text.contains("2022年度政府信息公开工作"),
        "{}",
        set.pages[6].text
    );
    assert_eq!((set.pages[0].width, set.pages[0].height), (1241, 1754));
    let page_bytes: u64 = set.pages.iter().map(|p| p.size).sum();
    let first_three: u64 = set.pages[..3].iter().map(|p| p.size).sum();

    let server = FeedServer::start(&portal.feed).expect("the feed server starts");
    let kiosk = SyncKiosk::new(&portal, &server.url());
    // Room for the page set and three pages: pages 1–3 come, in order, and nothing after.
    let budget = pages["size"].as_u64().expect("size") + first_three + 1;
    kiosk.set_attachment_budget(&portal, &server.url(), &format!("{budget}B"));
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 attachment(s) not fetched yet"), "{out}");
    let on_disk = |n: usize| {
        readpoint::feed::object_path(&kiosk.kiosk.data_dir, &set.pages[n].image).exists()
    };
    assert!((0..3).all(on_disk), "pages 1–3 fetched");
    assert!(!(3..10).any(on_disk), "nothing past the budget");
    assert!(
        !readpoint::feed::object_path(&kiosk.kiosk.data_dir, &sha).exists(),
        "the PDF itself is never fetched: the kiosk shows pages"
    );
    let store =
        readpoint::store::Store::open(&kiosk.kiosk.data_dir.join("cache.db")).expect("cache");
    assert_eq!(store.page_count(&sha).expect("count"), Some(10));
    let page7 = store
        .attachment_page(&sha, 7)
        .expect("read")
        .expect("page 7");
    assert_eq!(page7.page, set.pages[6]);
    drop(store);
    // The budget raised: the next check (a 304) fetches the rest; a garbage collection keeps
    // every page.
    std::fs::write(&kiosk.config, portal.config(&server.url())).expect("config");
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!((0..10).all(on_disk), "all pages");
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!((0..10).all(on_disk), "pages survive garbage collection");
    assert!(page_bytes > first_three);
}

// ---------------------------------------------------------------------------------------------
// Unattended for a year: the rollback floor outlives the cache, a 304 is not a signed success,
// every request ends on time, redirects stay home, free disk is kept.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_rebuilt_cache_cannot_be_fed_an_older_signed_version() {
    let mut setup = synced();
    let v1 = setup.portal.manifest();
    setup.publish_change();
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
    let mut v2 = setup.portal.manifest();
    setup.portal.edit_entry(5, "第三版的摘要。");
    setup.portal.publish();
    let v3 = setup.portal.manifest();
    // The cache is lost (deleted, or moved aside as corrupt): the kiosk starts again from the
    // bundled content, and a stale mirror serves version 1, properly signed.
    let cache = setup.kiosk.kiosk.cache_path();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", cache.display()));
    }
    setup.portal.sign_manifest(&v1);
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("rollback"), "{out}");
    assert!(out.contains("feed-floor.json"), "{out}");
    // Version 2 under other contents is refused too.
    v2["publisher"] = "另一个发布者".into();
    setup.portal.sign_manifest(&v2);
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("equivocation"), "{out}");
    // A newer version applies.
    setup.portal.sign_manifest(&v3);
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("applied version 3"), "{out}");
}

#[test]
fn a_304_is_not_a_signed_success() {
    let setup = synced();
    let first = setup.kiosk.status()["sync"]["last_success"].clone();
    assert!(first.is_string());
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("has not changed"), "a 304: {out}");
    let status = setup.kiosk.status();
    assert_eq!(status["sync"]["last_success"], first, "{status}");
    assert_ne!(status["sync"]["last_check"], first, "{status}");
    let log = setup.server.requests();
    assert_eq!(log.last().and_then(|l| l.status), Some(304), "{log:?}");
}

#[test]
fn after_a_day_of_304s_the_manifest_is_fetched_and_verified_again() {
    let portal = Portal::new();
    portal.publish();
    let mut setup = LibrarySync::new(&portal);
    setup.sync().expect("first sync");
    let outcome = setup.sync().expect("second check");
    assert_eq!(outcome, readpoint::sync::Outcome::NotModified);
    let day = jiff::SignedDuration::from_hours(25);
    let later = setup.now.checked_add(day).expect("time");
    let before = setup.server.requests().len();
    let outcome = setup.sync_at(later).expect("check");
    let log = setup.server.requests();
    let manifest = log[before..]
        .iter()
        .find(|l| l.path == "/manifest.json")
        .expect("manifest asked");
    assert_eq!(manifest.if_none_match, None, "unconditional after a day");
    assert_eq!(manifest.status, Some(200));
    assert!(
        matches!(outcome, readpoint::sync::Outcome::Current { .. }),
        "{outcome:?}"
    );
}

/// Starts `readpoint sync --once --attempts 3` and returns (exit code, output, seconds taken).
fn timed_sync(setup: &Setup) -> (i32, String, f64) {
    let started = std::time::Instant::now();
    let output = setup.kiosk.run(&["sync", "--once", "--attempts", "3"]);
    (
        output.status.code().unwrap_or(-1),
        format!("{}{}", stdout(&output), stderr(&output)),
        started.elapsed().as_secs_f64(),
    )
}

#[test]
fn a_server_trickling_its_response_head_cannot_hold_the_sync() {
    let setup = synced();
    setup.portal.publish();
    setup.server.fault(
        "manifest.json",
        Fault::TrickleHead(std::time::Duration::from_secs(1)),
        None,
    );
    let (code, out, seconds) = timed_sync(&setup);
    assert_eq!(code, 3, "transient: {out}");
    assert!(out.contains("response head"), "{out}");
    // timeout = 3s in the test configuration: 3 × timeout, retries included.
    assert!(seconds < 9.0, "ended after {seconds:.1} s: {out}");
    assert_eq!(snapshot(&setup.kiosk.store()), setup.good);
}

#[test]
fn a_server_trickling_its_body_cannot_hold_the_sync() {
    let setup = synced();
    setup.server.fault(
        "manifest.json",
        Fault::TrickleBody(std::time::Duration::from_secs(1)),
        None,
    );
    // Unconditional (no 304): the stored ETag is dropped by editing the feed.
    let mut manifest = setup.portal.manifest();
    manifest["publisher"] = "重新签名".into();
    manifest["version"] = (manifest["version"].as_u64().expect("version") + 1).into();
    setup.portal.sign_manifest(&manifest);
    let (code, out, seconds) = timed_sync(&setup);
    assert_eq!(code, 3, "transient: {out}");
    assert!(out.contains("stalled or ran slower"), "{out}");
    assert!(seconds < 9.0, "ended after {seconds:.1} s: {out}");
    assert_eq!(snapshot(&setup.kiosk.store()), setup.good);
}

#[test]
fn redirects_stay_on_the_feeds_host_unless_configured() {
    let mut setup = synced();
    setup.publish_change();
    // Same server under another name: another host as far as the kiosk knows.
    let elsewhere = setup.server.url().replace("127.0.0.1", "localhost");
    let target = format!("{elsewhere}manifest.json");
    setup
        .server
        .fault("manifest.json", Fault::Redirect(target.clone()), Some(1));
    setup.expect_failure(2, "permanent", "sync.redirect_hosts");
    // Listed: followed.
    std::fs::write(
        &setup.kiosk.config,
        format!(
            "{}redirect_hosts = [\"localhost\"]\n",
            setup.portal.config(&setup.server.url())
        ),
    )
    .expect("config");
    setup
        .server
        .fault("manifest.json", Fault::Redirect(target), Some(1));
    let (code, out) = setup.kiosk.sync();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("applied version 2"), "{out}");
}

#[test]
fn a_download_that_would_eat_the_disk_reserve_is_refused() {
    let mut setup = synced();
    setup.publish_change();
    std::fs::write(
        &setup.kiosk.config,
        format!(
            "{}disk_reserve = \"1TiB\"\n",
            setup.portal.config(&setup.server.url())
        ),
    )
    .expect("config");
    setup.expect_failure(3, "transient", "sync.disk_reserve");
}
