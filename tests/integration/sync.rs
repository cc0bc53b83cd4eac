//! The sync end to end, always on 127.0.0.1: a real nginx serving a published feed (first sync,
//! 304, incremental sync counted in nginx's access log), the in-process fault server (every
//! fault of issue 4: the exit code, the recorded error, and the cache still serving exactly its
//! last good content), clock checks through the library, and a visitor reading while a sync
//! applies.

use std::path::{Path, PathBuf};
use std::process::Output;

use readpoint::config::MinisignPublicKey;
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
    /// Publication time of the next build (default: now).
    pub now: Option<jiff::Timestamp>,
    /// Days until expiry of the next build.
    pub expires_in_days: u32,
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
            now: None,
            expires_in_days: 30,
        }
    }

    /// Publishes the content as the next version.
    pub fn publish(&self) -> BuildReport {
        let input = self.dir.path().join("content.json");
        std::fs::write(&input, self.content.to_string()).expect("write content");
        let options = BuildOptions {
            input,
            out: self.feed.clone(),
            version: None,
            feed_id: Some("ls-zwzx".into()),
            expires_in_days: self.expires_in_days,
            publisher: Some("乐山市人民政府政务服务中心".into()),
            portal_url: Some("https://www.leshan.gov.cn/xxgk/".into()),
            now: self.now.unwrap_or_else(jiff::Timestamp::now),
        };
        let report = build(&options, &self.secret).expect("feed build");
        // nginx's ETag is mtime (seconds) and length: give each version its own mtime.
        let mtime = std::time::SystemTime::now() + std::time::Duration::from_secs(2 * report.version);
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
}

/// A kiosk configured for a feed.
pub struct SyncKiosk {
    /// The kiosk's folders.
    pub kiosk: TempKiosk,
    config: PathBuf,
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
        .flat_map(|kind| store.documents_of_kind(kind).expect("documents"))
        .map(|row| (row.id, row.summary))
        .collect();
    docs.sort();
    (store.meta("content_version").expect("meta"), docs)
}

fn nginx(root: &Path) -> readpoint::bench::nginx::Nginx {
    std::fs::create_dir_all(root).expect("feed dir");
    readpoint::bench::nginx::Nginx::start(root).unwrap_or_else(|e| panic!("{e}"))
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
    assert_eq!(status["content_version"], "1", "{status}");
    assert_eq!(status["stale"], false, "{status}");
    assert!(status["last_success"].is_string(), "{status}");
    assert!(status["last_error"].is_null(), "{status}");
    assert_eq!(status["content_source"], server.url(), "{status}");
    // The bundled copy is gone: every document now belongs to a feed shard.
    let store = kiosk.store();
    assert!(!store.stored_shards().expect("shards").contains(&"bundled".to_owned()));

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
    assert_eq!(server.count("/objects/") - objects_before, 1, "only the changed shard");
    let row = kiosk.store().document(&id).expect("query").expect("still there");
    assert_eq!(row.summary, "更正后的摘要。");
}
