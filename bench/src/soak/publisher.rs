//! The soak's portal: the content, the signing key and the feed directory the flapping server
//! serves, and the hourly publication (`readpoint-bench soak-publish`, run as a child process
//! so the publisher's memory and files are not the kiosk's).
//!
//! Hour 0 publishes the bundled content plus a synthetic catalogue
//! ([`readpoint_test_support::corpus`]); every later hour edits it first — a few catalogue
//! entries get a new correction note, and as many of the oldest are withdrawn as new ones dated
//! that day are added — so the content's size stays the same all day and any growth of the
//! kiosk's cache is the cache's own. Writes only inside the portal folder it is given.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use readpoint::content::ContentFile;
use readpoint::feed::publish::{self, BuildOptions};
use readpoint_test_support::corpus::{self, Rng};
use serde_json::Value;

use crate::sync::{newest_first, str_field, write_content};

/// The soak feed's id.
pub const FEED_ID: &str = "bench-soak";
/// The portal's unencrypted signing key, inside the portal folder.
pub const KEY_FILE: &str = "soak.key";
/// The content of the latest version, inside the portal folder.
pub const CONTENT_FILE: &str = "content/current.json";
/// The feed directory the server serves, inside the portal folder.
pub const FEED_DIR: &str = "feed";
/// Starts the correction note of an edited summary (replaced at the next edit, so summaries
/// keep their length).
const NOTE_MARK: &str = "｜更正";

/// What one publication did (printed by the child as one JSON line).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Published {
    /// The version published.
    pub version: u64,
    /// Documents in the feed.
    pub documents: usize,
    /// Shards in the manifest, and how many of them are new objects.
    pub shards: usize,
    /// Shards whose object is new.
    pub new_shards: usize,
    /// Catalogue entries with a new correction note.
    pub edited: usize,
    /// Catalogue entries withdrawn, and as many added.
    pub replaced: usize,
}

/// The portal folder of a soak and the binary that publishes into it.
#[derive(Debug, Clone)]
pub struct Portal {
    /// The portal folder.
    pub dir: PathBuf,
    /// The `readpoint-bench` binary (runs its `soak-publish`).
    pub exe: PathBuf,
    /// Synthetic catalogue entries.
    pub docs: usize,
    /// The soak's seed.
    pub seed: u64,
}

impl Portal {
    /// Makes the folder and a signing key; returns the portal and its public key (base64, for
    /// `sync.trusted_keys`).
    pub fn create(
        dir: &Path,
        exe: PathBuf,
        docs: usize,
        seed: u64,
    ) -> Result<(Portal, String), String> {
        std::fs::create_dir_all(dir.join(FEED_DIR))
            .map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let pair = minisign::KeyPair::generate_unencrypted_keypair()
            .map_err(|e| format!("cannot generate a key pair: {e}"))?;
        let key_box = pair
            .sk
            .to_box(None)
            .map_err(|e| format!("cannot encode the soak key: {e}"))?;
        let key = dir.join(KEY_FILE);
        std::fs::write(&key, key_box.to_string())
            .map_err(|e| format!("writing {}: {e}", key.display()))?;
        let portal = Portal {
            dir: dir.to_owned(),
            exe,
            docs,
            seed,
        };
        Ok((portal, pair.pk.to_base64()))
    }

    /// The feed directory.
    pub fn feed_dir(&self) -> PathBuf {
        self.dir.join(FEED_DIR)
    }

    /// Publishes hour `hour`'s version in a child process, dated `now`.
    pub fn publish(&self, hour: u32, now: jiff::Timestamp) -> Result<Published, String> {
        let output = Command::new(&self.exe)
            .args(["soak-publish", "--dir"])
            .arg(&self.dir)
            .args(["--docs", &self.docs.to_string()])
            .args(["--seed", &self.seed.to_string()])
            .args(["--hour", &hour.to_string()])
            .args(["--now", &now.to_string()])
            .output()
            .map_err(|e| format!("cannot run {} soak-publish: {e}", self.exe.display()))?;
        if !output.status.success() {
            return Err(format!(
                "soak-publish (hour {hour}) failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout.lines().last().unwrap_or_default();
        serde_json::from_str(line)
            .map_err(|e| format!("soak-publish (hour {hour}) printed {line:?}: {e}"))
    }

    /// The documents of the latest version (what the kiosk must end with).
    pub fn content(&self) -> Result<Vec<Value>, String> {
        read_content(&self.dir.join(CONTENT_FILE))
    }
}

fn read_content(path: &Path) -> Result<Vec<Value>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    Ok(ContentFile::parse(&text)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .documents)
}

/// `readpoint-bench soak-publish`: hour 0 writes the first content, later hours edit it; then
/// the feed is built and signed as the next version, and a JSON line saying what was done is
/// printed.
pub fn publish_hour(
    dir: &Path,
    docs: usize,
    seed: u64,
    hour: u32,
    now: jiff::Timestamp,
    out: &mut dyn Write,
) -> Result<Published, String> {
    let content = dir.join(CONTENT_FILE);
    let (documents, edited, replaced) = if hour == 0 {
        let mut documents = ContentFile::parse(readpoint::import::BUNDLED_CONTENT)
            .map_err(|e| format!("the bundled content: {e}"))?
            .documents;
        documents.extend(corpus::generate(docs, seed).documents);
        (documents, 0, 0)
    } else {
        let mut documents = read_content(&content)?;
        let today = now
            .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC))
            .date();
        let (edited, replaced) = edit(&mut documents, seed, hour, today);
        (documents, edited, replaced)
    };
    write_content(&content, &documents)?;
    let secret = publish::read_secret_key(&dir.join(KEY_FILE), None).map_err(|e| e.to_string())?;
    let options = BuildOptions {
        input: content,
        out: dir.join(FEED_DIR),
        version: None,
        feed_id: Some(FEED_ID.to_owned()),
        expires_in_days: 365,
        publisher: Some("readpoint-bench soak".to_owned()),
        portal_url: None,
        now,
    };
    let report = publish::build(&options, &secret).map_err(|e| e.to_string())?;
    let published = Published {
        version: report.version,
        documents: report.documents,
        shards: report.shards,
        new_shards: report.new_shards,
        edited,
        replaced,
    };
    let line = serde_json::to_string(&published).map_err(|e| e.to_string())?;
    writeln!(out, "{line}").map_err(|e| format!("writing the result: {e}"))?;
    Ok(published)
}

/// Whether a document is one of the synthetic catalogue entries (the bundled content is never
/// edited or withdrawn: other documents refer to it).
fn synthetic(doc: &Value) -> bool {
    str_field(doc, "kind") == "catalogue_entry"
        && (str_field(doc, "id").starts_with("bench-") || str_field(doc, "id").starts_with("soak-"))
}

/// Hour `hour`'s edits, the same for the same seed: about 0.5 % of the synthetic entries get a
/// new correction note (replacing an earlier one), and about 0.25 % — the oldest — are
/// withdrawn while as many new entries dated `today` are added. Returns (edited, replaced).
fn edit(
    documents: &mut Vec<Value>,
    seed: u64,
    hour: u32,
    today: jiff::civil::Date,
) -> (usize, usize) {
    let mut rng = Rng::new(seed ^ u64::from(hour).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let candidates: Vec<usize> = (0..documents.len())
        .filter(|&i| synthetic(&documents[i]))
        .collect();
    if candidates.is_empty() {
        return (0, 0);
    }
    let wanted = (candidates.len() / 200).max(1);
    let mut picked = std::collections::BTreeSet::new();
    while picked.len() < wanted.min(candidates.len()) {
        picked.insert(candidates[rng.below(candidates.len())]);
    }
    let note = format!("{NOTE_MARK}{hour:03}：补充办理时限、咨询电话和办理地点");
    for &i in &picked {
        let summary = str_field(&documents[i], "summary");
        let base = summary.split(NOTE_MARK).next().unwrap_or_default();
        let summary = format!("{base}{note}");
        if let Some(map) = documents[i].as_object_mut() {
            map.insert("summary".to_owned(), Value::from(summary));
        }
    }
    let edited = picked.len();

    // Withdraw the oldest synthetic entries, add as many new ones shaped like the newest.
    let replace = (candidates.len() / 400).max(1);
    let order = newest_first(documents);
    let synthetic_order: Vec<usize> = order
        .into_iter()
        .filter(|&i| synthetic(&documents[i]))
        .collect();
    let Some(&newest) = synthetic_order.first() else {
        return (edited, 0);
    };
    let template = documents[newest].clone();
    // Entries other entries point to (`related_ids`) stay: a portal withdraws those last.
    let referenced: std::collections::HashSet<String> = documents
        .iter()
        .filter_map(|d| d.get("related_ids").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let mut oldest: Vec<usize> = synthetic_order
        .iter()
        .rev()
        .filter(|&&i| !referenced.contains(str_field(&documents[i], "id")))
        .take(replace)
        .copied()
        .collect();
    oldest.sort_unstable_by(|a, b| b.cmp(a));
    for i in &oldest {
        documents.remove(*i);
    }
    let date = today.strftime("%Y-%m-%d").to_string();
    let org = str_field(&template, "index_no")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    for j in 0..oldest.len() {
        let mut doc = template.clone();
        let title = format!(
            "{}（{date}第{}号补充）",
            str_field(&template, "title")
                .split('（')
                .next()
                .unwrap_or_default(),
            j + 1
        );
        let index_no = format!("{org}/{:04}-9{:02}{:02}", today.year(), hour % 100, j % 100);
        if let Some(map) = doc.as_object_mut() {
            map.insert(
                "id".to_owned(),
                Value::from(format!("soak-{hour:03}-{:03}", j + 1)),
            );
            map.insert("title".to_owned(), Value::from(title));
            map.insert("index_no".to_owned(), Value::from(index_no));
            map.insert("generated_date".to_owned(), Value::from(date.clone()));
            map.insert("published_date".to_owned(), Value::from(date.clone()));
            map.insert("doc_number".to_owned(), Value::Null);
        }
        documents.push(doc);
    }
    (edited, oldest.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use readpoint::content::{Document, validate_set};

    fn valid(documents: &[Value]) {
        let parsed: Vec<Document> = documents
            .iter()
            .map(|v| Document::from_value(v.clone()).expect("valid document"))
            .collect();
        let problems = validate_set(&parsed);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn hourly_edits_keep_the_size_and_stay_valid() {
        let mut documents = ContentFile::parse(readpoint::import::BUNDLED_CONTENT)
            .expect("bundled")
            .documents;
        documents.extend(corpus::generate(800, 5).documents);
        let count = documents.len();
        let today: jiff::civil::Date = "2027-03-01".parse().expect("date");
        for hour in 1..=30 {
            let (edited, replaced) = edit(&mut documents, 5, hour, today);
            assert_eq!((edited, replaced), (4, 2), "hour {hour}");
            assert_eq!(documents.len(), count, "hour {hour}");
        }
        // A correction replaces the earlier one: summaries do not grow hour after hour.
        let noted = documents
            .iter()
            .filter(|d| str_field(d, "summary").contains(NOTE_MARK))
            .count();
        assert!(noted > 0);
        assert!(
            documents
                .iter()
                .all(|d| str_field(d, "summary").matches(NOTE_MARK).count() <= 1)
        );
        let added = documents
            .iter()
            .filter(|d| str_field(d, "id").starts_with("soak-"))
            .count();
        assert_eq!(added, 60);
        valid(&documents);
        // The same seed and hour edit the same way.
        let mut a = corpus::generate(100, 9).documents;
        let mut b = a.clone();
        edit(&mut a, 9, 3, today);
        edit(&mut b, 9, 3, today);
        assert_eq!(a, b);
    }
}
