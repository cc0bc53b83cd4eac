//! The publisher: `readpoint feed keygen` (a minisign key pair) and `readpoint feed build`
//! (content files → a signed feed directory a plain web server can serve).
//!
//! Owns the sharding rule (by kind and year, split by month and then by id hash when a group is
//! large), so a typical publish (new documents of this year, a corrected report) changes few
//! shards; objects are content-addressed and written once, so an unchanged shard is not
//! rewritten. Writes only inside the output directory and the key files it is given; writes
//! every file through a temporary name and a rename, so a web server never serves half a file.
//! Never deletes objects: kiosks in the middle of a sync may still need the previous version's.
//! Never replaces a key file, and never lets a secret key be readable by others (`keygen`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::pages::{self, PageLimits, PageSet, PagesRef};
use super::patch::{self, Patch, PatchRef};
use super::{
    AttachmentRef, Limits, MANIFEST_FILE, MANIFEST_FORMAT, Manifest, SIGNATURE_FILE, ShardRef,
    object_path, sha256_hex, shard, signature,
};
use crate::content::{
    ContentFile, Document, DocumentData, Intake, Problem, SourceJson, validate_set,
};

/// Most documents in one shard before a group is split further.
pub const MAX_SHARD_DOCUMENTS: usize = 2000;
/// Most JSON bytes in one shard before a group is split further (about 2–4 MiB compressed).
pub const MAX_SHARD_JSON: usize = 16 << 20;
/// Environment variable with the password of an encrypted secret key (automation); without
/// it, `feed keygen` and `feed build` ask on the terminal.
pub const PASSWORD_ENV: &str = "READPOINT_FEED_PASSWORD";

/// Why publishing failed. Nothing in the feed directory changed unless said otherwise.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The input is not valid content; every problem is listed.
    #[error("{}", problems_text(.origin, .problems))]
    Invalid {
        /// The input.
        origin: String,
        /// What is wrong.
        problems: Vec<String>,
    },
    /// A key file is wrong, or a password is.
    #[error("{0}")]
    Key(String),
    /// An option is missing or contradicts the feed already in the directory.
    #[error("{0}")]
    Usage(String),
}

fn problems_text(origin: &str, problems: &[String]) -> String {
    let mut text = format!(
        "{origin}: {} problem(s); nothing was published — fix them and build again:",
        problems.len()
    );
    for p in problems {
        text.push_str("\n  ");
        text.push_str(p);
    }
    text
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PublishError + '_ {
    move |source| PublishError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The key pair files `PREFIX.pub` and `PREFIX.key` that [`keygen`] wrote.
#[derive(Debug, Clone)]
pub struct KeyFiles {
    /// The public key (for `sync.trusted_keys` and `minisign -V -p`).
    pub public: PathBuf,
    /// The secret key (keep it on the portal, never on a kiosk).
    pub secret: PathBuf,
    /// The key id (16 hex digits).
    pub key_id: String,
    /// The line to put into `sync.trusted_keys`.
    pub trusted_key: String,
}

/// Creates a minisign key pair at `PREFIX.pub` and `PREFIX.key`. With `password` the secret key
/// is encrypted (scrypt, as minisign does); `None` leaves it unencrypted for automation.
///
/// Never replaces anything: an existing file (or symlink) at either name is an error naming it,
/// and each file is created exclusively (`O_CREAT | O_EXCL`), so a key appearing meanwhile is
/// not overwritten either. The secret key is created with mode 0600 from the start (never
/// readable by others, not even for a moment, and never written into a file someone else
/// prepared) and is on disk, file and folder entry, before this returns.
pub fn keygen(prefix: &Path, password: Option<String>) -> Result<KeyFiles, PublishError> {
    let public = with_suffix(prefix, ".pub");
    let secret = with_suffix(prefix, ".key");
    for path in [&secret, &public] {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(already_exists(path));
        }
    }
    let pair = match password {
        Some(password) => minisign::KeyPair::generate_encrypted_keypair(Some(password)),
        None => minisign::KeyPair::generate_unencrypted_keypair(),
    }
    .map_err(|e| PublishError::Key(format!("cannot generate a key pair: {e}")))?;
    let public_box = pair
        .pk
        .to_box()
        .map_err(|e| PublishError::Key(e.to_string()))?;
    let secret_box = pair
        .sk
        .to_box(None)
        .map_err(|e| PublishError::Key(e.to_string()))?;
    if let Some(parent) = public.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    write_new(&secret, secret_box.to_string().as_bytes(), 0o600)?;
    if let Err(err) = write_new(&public, public_box.to_string().as_bytes(), 0o644) {
        // A secret key without its public key is of no use: leave nothing behind.
        let _ = std::fs::remove_file(&secret);
        return Err(err);
    }
    sync_folder_of(&secret)?;
    let trusted_key = pair.pk.to_base64();
    Ok(KeyFiles {
        public,
        secret,
        key_id: format!("{:016X}", key_id_of(&trusted_key)),
        trusted_key,
    })
}

fn already_exists(path: &Path) -> PublishError {
    PublishError::Usage(format!(
        "{} already exists; nothing was written — fix: choose another --out, or move the old \
         key pair away first (a feed's key must not be replaced by accident: kiosks trust only \
         the keys in their sync.trusted_keys)",
        path.display()
    ))
}

/// Creates `path`, which must not exist (not even as a symlink), with `mode` from the start,
/// writes `bytes` and syncs them to disk. A file it could not finish is removed again.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), PublishError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::AlreadyExists => already_exists(path),
            _ => io(path)(err),
        })?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(err) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(io(path)(err));
    }
    Ok(())
}

/// Syncs the folder of `path`, so that its new entry survives a power cut.
fn sync_folder_of(path: &Path) -> Result<(), PublishError> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::File::open(folder)
        .and_then(|dir| dir.sync_all())
        .map_err(io(folder))
}

fn key_id_of(base64: &str) -> u64 {
    crate::base64::decode(base64)
        .ok()
        .and_then(|b| b.get(2..10).and_then(|s| s.try_into().ok()))
        .map_or(0, u64::from_le_bytes)
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Reads a minisign secret key file. An encrypted key is opened with `password`; `None` makes
/// minisign ask on the terminal.
pub fn read_secret_key(
    path: &Path,
    password: Option<String>,
) -> Result<minisign::SecretKey, PublishError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let secret_box = minisign::SecretKeyBox::from_string(&text).map_err(|e| {
        PublishError::Key(format!(
            "{} is not a minisign secret key ({e}); pass the .key file made by `readpoint feed keygen` or `minisign -G`",
            path.display()
        ))
    })?;
    if let Ok(key) = minisign::SecretKey::from_unencrypted_box(secret_box.clone())
        && !key.is_encrypted()
    {
        return Ok(key);
    }
    if let Some(key) = unencrypted_without_checksum(&text) {
        return Ok(key);
    }
    minisign::SecretKey::from_box(secret_box, password).map_err(|e| {
        PublishError::Key(format!(
            "cannot open the secret key {} ({e}); check the password (set {PASSWORD_ENV} for automation)",
            path.display()
        ))
    })
}

/// A secret key the C `minisign` (0.11, Debian's) wrote unencrypted with `-G -W`: no key
/// derivation and an all-zero checksum, which the minisign crate rejects as corrupted although
/// the key itself is fine. Any other key is left to the crate's checks.
fn unencrypted_without_checksum(text: &str) -> Option<minisign::SecretKey> {
    let bytes = crate::base64::decode(text.lines().nth(1)?.trim()).ok()?;
    // sig_alg 2, kdf_alg 2, chk_alg 2, kdf_salt 32, opslimit 8, memlimit 8, keynum 8, sk 64, chk 32.
    let unencrypted = bytes.get(2..4)? == [0, 0];
    let no_checksum = bytes.len() == 158 && bytes.get(126..)?.iter().all(|&b| b == 0);
    if !(unencrypted && no_checksum) {
        return None;
    }
    minisign::SecretKey::from_bytes(&bytes)
        .ok()
        .filter(|key| !key.is_encrypted())
}

/// What `feed build` should make.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// A content file, or a directory of them (`*.json`; other files are attachments).
    pub input: PathBuf,
    /// The feed directory (created if needed; an existing feed there is the previous version).
    pub out: PathBuf,
    /// Version number; default: the previous manifest's + 1, or 1.
    pub version: Option<u64>,
    /// Feed id; default: the previous manifest's. Required for a new feed.
    pub feed_id: Option<String>,
    /// Days until the manifest expires.
    pub expires_in_days: u32,
    /// Publisher name; default: the previous manifest's.
    pub publisher: Option<String>,
    /// Portal URL for QR links; default: the previous manifest's.
    pub portal_url: Option<String>,
    /// Publication time (now, except in tests).
    pub now: jiff::Timestamp,
}

/// What `feed build` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildReport {
    /// The feed id.
    pub feed_id: String,
    /// The version published.
    pub version: u64,
    /// Documents in the feed.
    pub documents: usize,
    /// Shards in the manifest.
    pub shards: usize,
    /// Shards whose object was new (the rest were unchanged since an earlier build).
    pub new_shards: usize,
    /// Attachments in the manifest.
    pub attachments: usize,
    /// Patches in the manifest (from earlier versions to this one).
    pub patches: usize,
    /// Bytes of all objects the manifest lists.
    pub bytes: u64,
}

/// Builds and signs a feed directory from content files.
pub fn build(
    options: &BuildOptions,
    secret: &minisign::SecretKey,
) -> Result<BuildReport, PublishError> {
    let previous = read_previous(&options.out)?;
    let feed_id = options
        .feed_id
        .clone()
        .or_else(|| previous.as_ref().map(|m| m.feed_id.clone()))
        .ok_or_else(|| {
            PublishError::Usage(format!(
                "{} holds no feed yet: name the new feed with --feed-id ID (the id every kiosk puts in sync.feed_id)",
                options.out.display()
            ))
        })?;
    if let Some(previous) = &previous
        && previous.feed_id != feed_id
    {
        return Err(PublishError::Usage(format!(
            "{} holds feed {:?}, not {feed_id:?}; publish each feed into its own directory",
            options.out.display(),
            previous.feed_id
        )));
    }
    let previous_version = previous.as_ref().map_or(0, |m| m.version);
    let version = options.version.unwrap_or(previous_version + 1);
    if version <= previous_version {
        return Err(PublishError::Usage(format!(
            "--version {version} is not above the version already published in {} ({previous_version}); kiosks reject a lower or equal version as a rollback",
            options.out.display()
        )));
    }
    let (documents, files) = read_input(&options.input)?;
    let attachments = collect_attachments(&documents, &files, &options.input)?;
    let mut shards = Vec::new();
    let mut shard_documents = HashMap::new();
    let mut new_shards = 0;
    let mut bytes = 0;
    for (name, group) in group_into_shards(&documents) {
        let raws: Vec<&SourceJson> = group.iter().map(|d| &d.raw).collect();
        let object = shard::encode(&raws);
        let sha256 = sha256_hex(&object);
        if write_object(&options.out, &sha256, &object)? {
            new_shards += 1;
        }
        bytes += object.len() as u64;
        shards.push(ShardRef {
            name: name.clone(),
            sha256,
            size: object.len() as u64,
            documents: raws.len() as u64,
        });
        shard_documents.insert(name, raws);
    }
    let patches = match &previous {
        Some(previous) => make_patches(&options.out, previous, version, &shards, &shard_documents)?,
        None => Vec::new(),
    };
    drop(shard_documents);
    let mut attachments = attachments;
    for (attachment, path) in &mut attachments {
        let data = std::fs::read(&*path).map_err(io(&*path))?;
        write_object(&options.out, &attachment.sha256, &data)?;
        bytes += attachment.size;
        if is_pdf(&data) {
            let reused = previous
                .as_ref()
                .and_then(|m| reusable_pages(m, attachment, &options.out));
            let pages = match reused {
                Some(pages) => pages,
                None => render_pages(&options.out, path, attachment)?,
            };
            bytes += pages.size;
            attachment.pages = Some(pages);
        }
    }
    let expires = options
        .now
        .checked_add(jiff::SignedDuration::from_hours(
            24 * i64::from(options.expires_in_days.max(1)),
        ))
        .unwrap_or(options.now);
    let manifest = Manifest {
        format: MANIFEST_FORMAT.to_owned(),
        feed_id: feed_id.clone(),
        version,
        published_at: rfc3339(options.now),
        expires_at: Some(rfc3339(expires)),
        publisher: options
            .publisher
            .clone()
            .or_else(|| previous.as_ref().and_then(|m| m.publisher.clone())),
        portal_url: options
            .portal_url
            .clone()
            .or_else(|| previous.as_ref().and_then(|m| m.portal_url.clone())),
        shards,
        attachments: attachments.into_iter().map(|(a, _)| a).collect(),
        patches,
    };
    let manifest_bytes = manifest.to_bytes();
    let comment = format!(
        "timestamp:{}\tfile:{MANIFEST_FILE}\tfeed:{feed_id}\tversion:{version}",
        options.now.as_second()
    );
    let signature = signature::sign(&manifest_bytes, secret, &comment)
        .map_err(|e| PublishError::Key(format!("cannot sign the manifest: {e}")))?;
    // The manifest first, then its signature: a kiosk that fetches between the two renames
    // sees a mismatch and fetches both again after a pause (docs/feed.md, step 2).
    write_atomic(&options.out.join(MANIFEST_FILE), &manifest_bytes)?;
    write_atomic(&options.out.join(SIGNATURE_FILE), signature.as_bytes())?;
    Ok(BuildReport {
        feed_id,
        version,
        documents: documents.len(),
        shards: manifest.shards.len(),
        new_shards,
        attachments: manifest.attachments.len(),
        patches: manifest.patches.len(),
        bytes,
    })
}

/// The patches of a new version (`docs/feed.md`, *Patches*): the step from the previous
/// version, and each of the previous manifest's patches composed with that step, newest first,
/// at most [`patch::MAX_PATCHES`]. A patch is listed only when it is smaller than the shards it
/// spares a kiosk and its JSON under [`patch::MAX_PUBLISHED_JSON`]; a version that changes no
/// shard lists none. When an object of the
/// previous version is no longer in the feed directory (pruned by hand), there are no patches:
/// kiosks fetch shards, as they always can.
fn make_patches(
    out: &Path,
    previous: &Manifest,
    version: u64,
    shards: &[ShardRef],
    documents: &HashMap<String, Vec<&SourceJson>>,
) -> Result<Vec<PatchRef>, PublishError> {
    let unlimited = Limits::new(u64::MAX, u64::MAX);
    let old: HashMap<&str, &ShardRef> = previous
        .shards
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    let new: HashMap<&str, &ShardRef> = shards.iter().map(|s| (s.name.as_str(), s)).collect();
    let names: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    let mut steps = Vec::new();
    for name in names {
        let (before, after) = (old.get(name), new.get(name));
        if before.map(|s| &s.sha256) == after.map(|s| &s.sha256) {
            continue;
        }
        let old_documents = match before {
            Some(shard_ref) => match read_shard(out, shard_ref, &unlimited) {
                Some(docs) => docs,
                None => return Ok(Vec::new()),
            },
            None => Vec::new(),
        };
        let new_documents: Vec<serde_json::Value> = documents
            .get(name)
            .into_iter()
            .flatten()
            .filter_map(|raw| serde_json::to_value(raw).ok())
            .collect();
        steps.push(patch::diff_shard(
            name,
            before.map(|s| s.sha256.as_str()),
            after.map(|s| s.sha256.as_str()),
            &old_documents,
            &new_documents,
        ));
    }
    if steps.is_empty() {
        // Nothing changed: kiosks on the previous version need no patch, and older ones fetch
        // shards this once (their patches would be new objects for the same content).
        return Ok(Vec::new());
    }
    let step = Patch {
        format: patch::PATCH_FORMAT.to_owned(),
        from: previous.version,
        to: version,
        shards: steps,
    };
    let mut olders: Vec<&PatchRef> = previous.patches.iter().collect();
    olders.sort_by_key(|p| std::cmp::Reverse(p.from));
    let mut candidates = vec![step.clone()];
    for older in olders {
        let composed = std::fs::read(object_path(out, &older.sha256))
            .ok()
            .filter(|bytes| sha256_hex(bytes) == older.sha256)
            .and_then(|bytes| patch::decode(&bytes, &unlimited).ok())
            .and_then(|older| patch::compose(&older, &step));
        candidates.extend(composed);
    }
    let mut refs = Vec::new();
    for candidate in candidates.into_iter().take(patch::MAX_PATCHES) {
        let (object, json_len) = patch::encode(&candidate);
        // What a kiosk on `from` would otherwise fetch: the shards that change since then.
        let spared: u64 = candidate
            .shards
            .iter()
            .filter_map(|s| s.to.as_deref())
            .filter_map(|sha| shards.iter().find(|s| s.sha256 == sha))
            .map(|s| s.size)
            .sum();
        if json_len > patch::MAX_PUBLISHED_JSON || (object.len() as u64 >= spared && spared > 0) {
            continue;
        }
        let sha256 = sha256_hex(&object);
        write_object(out, &sha256, &object)?;
        refs.push(PatchRef {
            from: candidate.from,
            sha256,
            size: object.len() as u64,
        });
    }
    refs.sort_by_key(|r| r.from);
    Ok(refs)
}

/// The documents of a published shard object, when it is still in the feed directory intact.
fn read_shard(out: &Path, shard_ref: &ShardRef, limits: &Limits) -> Option<Vec<serde_json::Value>> {
    let bytes = std::fs::read(object_path(out, &shard_ref.sha256)).ok()?;
    if sha256_hex(&bytes) != shard_ref.sha256 {
        return None;
    }
    let mut documents = Vec::new();
    shard::decode(&bytes, shard_ref.documents, limits, |doc| {
        documents.push(doc)
    })
    .ok()?;
    Some(documents)
}

/// An RFC 3339 UTC time without fractional seconds.
fn rfc3339(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn read_previous(out: &Path) -> Result<Option<Manifest>, PublishError> {
    let path = out.join(MANIFEST_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let limits = Limits::new(u64::MAX, u64::MAX);
            Manifest::parse(&bytes, &limits).map(Some).map_err(|e| {
                PublishError::Usage(format!(
                    "{}: the previous manifest is unreadable ({e}); fix or remove it",
                    path.display()
                ))
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(&path)(e)),
    }
}

/// Reads and validates every content file of the input: all documents, and the other files
/// (attachment candidates) of an input directory.
fn read_input(input: &Path) -> Result<(Vec<Document>, Vec<PathBuf>), PublishError> {
    let mut json_files = Vec::new();
    let mut other_files = Vec::new();
    if input.is_dir() {
        walk(input, &mut json_files, &mut other_files)?;
    } else {
        json_files.push(input.to_owned());
    }
    json_files.sort();
    other_files.sort();
    if json_files.is_empty() {
        return Err(PublishError::Usage(format!(
            "{} holds no .json content files",
            input.display()
        )));
    }
    let mut documents = Vec::new();
    let mut problems = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for path in &json_files {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        let file = ContentFile::parse(&text).map_err(|e| PublishError::Invalid {
            origin: path.display().to_string(),
            problems: vec![e.to_string()],
        })?;
        let mut intake = Intake::default();
        for value in file.documents {
            let Some(doc) = intake.take(value) else {
                continue;
            };
            if let Some(first) = seen.insert(doc.id.clone(), path.clone()) {
                problems.push(format!(
                    "{}: document {} is also in {}; ids must be unique across the feed",
                    path.display(),
                    doc.id,
                    first.display()
                ));
            }
        }
        problems.extend(
            intake
                .problems
                .iter()
                .map(|p: &Problem| format!("{}: {p}", path.display())),
        );
        documents.extend(intake.documents);
    }
    if problems.is_empty() {
        problems.extend(validate_set(&documents).iter().map(ToString::to_string));
    }
    if !problems.is_empty() {
        return Err(PublishError::Invalid {
            origin: input.display().to_string(),
            problems,
        });
    }
    Ok((documents, other_files))
}

fn walk(dir: &Path, json: &mut Vec<PathBuf>, other: &mut Vec<PathBuf>) -> Result<(), PublishError> {
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, json, other)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            json.push(path);
        } else {
            other.push(path);
        }
    }
    Ok(())
}

/// The attachments documents refer to, each with the input file holding its bytes.
fn collect_attachments(
    documents: &[Document],
    files: &[PathBuf],
    input: &Path,
) -> Result<Vec<(AttachmentRef, PathBuf)>, PublishError> {
    let mut wanted: BTreeMap<String, (AttachmentRef, String)> = BTreeMap::new();
    for doc in documents {
        // Only catalogue entries carry attachments (content::CatalogueEntry).
        let DocumentData::CatalogueEntry(entry) = &doc.data else {
            continue;
        };
        for item in &entry.attachments {
            wanted.entry(item.sha256.clone()).or_insert((
                AttachmentRef {
                    sha256: item.sha256.clone(),
                    size: item.size,
                    media_type: item.media_type.clone(),
                    file_name: item.file_name.clone(),
                    pages: None,
                },
                doc.id.clone(),
            ));
        }
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: HashMap<String, PathBuf> = HashMap::new();
    for path in files {
        let data = std::fs::read(path).map_err(io(path))?;
        found
            .entry(sha256_hex(&data))
            .or_insert_with(|| path.clone());
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (sha256, (mut attachment, doc_id)) in wanted {
        match found.remove(&sha256) {
            Some(path) => {
                attachment.size = std::fs::metadata(&path).map_err(io(&path))?.len();
                out.push((attachment, path));
            }
            None => problems.push(format!(
                "document {doc_id}: attachment {} ({sha256}) is not among the files in {}; put the file there",
                attachment.file_name,
                input.display()
            )),
        }
    }
    if !problems.is_empty() {
        return Err(PublishError::Invalid {
            origin: input.display().to_string(),
            problems,
        });
    }
    Ok(out)
}

/// Whether `data` is a PDF (its header, as PDF readers look for it, in the first KiB).
fn is_pdf(data: &[u8]) -> bool {
    data[..data.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
}

/// The previous build's page set of the same attachment, when its objects are all still in
/// `out` (rendering is the slow part of a build; the same file renders the same pages).
fn reusable_pages(previous: &Manifest, attachment: &AttachmentRef, out: &Path) -> Option<PagesRef> {
    let pages = previous
        .attachments
        .iter()
        .find(|a| a.sha256 == attachment.sha256)?
        .pages
        .clone()?;
    let bytes = std::fs::read(object_path(out, &pages.sha256)).ok()?;
    let set = PageSet::decode(&bytes, &PageLimits::default()).ok()?;
    set.pages
        .iter()
        .all(|p| object_path(out, &p.image).is_file())
        .then_some(pages)
}

/// Renders a PDF attachment's pages (poppler) and writes them and the page set as objects.
fn render_pages(
    out: &Path,
    pdf: &Path,
    attachment: &AttachmentRef,
) -> Result<PagesRef, PublishError> {
    // Outside the feed directory, which a web server may be serving.
    // Unique per render, even for the same file rendered twice at once in one process.
    static RENDERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let work = std::env::temp_dir().join(format!(
        "readpoint-render-{}-{}",
        std::process::id(),
        RENDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(io(&work))?;
    let rendered = pages::render_pdf(pdf, &work, PageLimits::default().max_pages);
    let _ = std::fs::remove_dir_all(&work);
    let rendered = rendered.map_err(|e| PublishError::Invalid {
        origin: pdf.display().to_string(),
        problems: vec![format!(
            "attachment {} cannot be rendered for kiosks: {e}",
            attachment.file_name
        )],
    })?;
    let mut set = PageSet {
        format: pages::PAGES_FORMAT.to_owned(),
        pages: Vec::with_capacity(rendered.len()),
    };
    for page in rendered {
        let image = sha256_hex(&page.png);
        write_object(out, &image, &page.png)?;
        set.pages.push(pages::Page {
            image,
            size: page.png.len() as u64,
            width: page.width,
            height: page.height,
            text: page.text,
            boxes: page.boxes,
        });
    }
    let object = set.encode();
    let sha256 = sha256_hex(&object);
    write_object(out, &sha256, &object)?;
    Ok(PagesRef {
        sha256,
        size: object.len() as u64,
        count: set.pages.len() as u32,
    })
}

/// Splits documents into named shards: reference and undated kinds by kind, dated kinds by kind
/// and year; a group over [`MAX_SHARD_DOCUMENTS`] or [`MAX_SHARD_JSON`] is split by month, and a
/// month still over either by a stable hash of the id into a power-of-two number of buckets.
/// Names are stable, so an unchanged group keeps its name and its object.
pub fn group_into_shards(documents: &[Document]) -> Vec<(String, Vec<&Document>)> {
    let mut groups: BTreeMap<String, Vec<&Document>> = BTreeMap::new();
    for doc in documents {
        let fields = doc.index_fields();
        let key = match (doc.kind.is_dated(), fields.date) {
            (true, Some(date)) => format!("{}-{:04}", doc.kind_name, date.year()),
            (true, None) => format!("{}-undated", doc.kind_name),
            (false, _) => doc.kind_name.clone(),
        };
        groups.entry(shard_safe(&key)).or_default().push(doc);
    }
    let mut out = Vec::new();
    for (name, docs) in groups {
        if !too_big(&docs) {
            out.push((name, docs));
            continue;
        }
        let mut months: BTreeMap<String, Vec<&Document>> = BTreeMap::new();
        for doc in docs {
            let month = doc
                .index_fields()
                .date
                .map_or_else(|| "00".to_owned(), |d| format!("{:02}", d.month()));
            months
                .entry(format!("{name}-{month}"))
                .or_default()
                .push(doc);
        }
        for (month_name, docs) in months {
            if !too_big(&docs) {
                out.push((month_name, docs));
                continue;
            }
            let bytes: usize = docs.iter().map(|d| json_len(d)).sum();
            let needed = docs
                .len()
                .div_ceil(MAX_SHARD_DOCUMENTS)
                .max(bytes.div_ceil(MAX_SHARD_JSON));
            let buckets = needed.next_power_of_two() as u64;
            let mut split: BTreeMap<u64, Vec<&Document>> = BTreeMap::new();
            for doc in docs {
                split.entry(fnv1a(&doc.id) % buckets).or_default().push(doc);
            }
            for (bucket, docs) in split {
                out.push((format!("{month_name}-b{bucket}of{buckets}"), docs));
            }
        }
    }
    out
}

fn too_big(docs: &[&Document]) -> bool {
    docs.len() > MAX_SHARD_DOCUMENTS
        || docs.iter().map(|d| json_len(d)).sum::<usize>() > MAX_SHARD_JSON
}

fn json_len(doc: &Document) -> usize {
    serde_json::to_vec(&doc.raw).map_or(0, |v| v.len())
}

/// Lower-case, with anything outside the shard-name alphabet replaced by `-`.
fn shard_safe(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '.' | '_' | '-' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .take(90)
        .collect()
}

/// FNV-1a: a stable hash (unlike std's, which is seeded per process).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Writes an object unless it exists already; returns whether it was new.
fn write_object(root: &Path, sha256: &str, bytes: &[u8]) -> Result<bool, PublishError> {
    let path = object_path(root, sha256);
    if path.exists() {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    write_atomic(&path, bytes)?;
    Ok(true)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

#[cfg(test)]
mod keygen_tests {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_secret_key_is_private_from_the_start_and_lands_in_no_prepared_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let prefix = dir.path().join("portal");
        // Someone who may write the folder prepares the name the old code wrote the secret
        // key to before renaming it, and keeps it open.
        let planted = dir
            .path()
            .join(format!("portal.key.tmp-{}", std::process::id()));
        std::fs::write(&planted, b"").expect("plant");
        std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        let mut spy = std::fs::File::open(&planted).expect("open");

        let files = keygen(&prefix, None).expect("keygen");
        let mut seen = String::new();
        spy.read_to_string(&mut seen).expect("read");
        assert_eq!(
            seen, "",
            "the secret key went into a file someone else holds open"
        );
        let mode = |path: &Path| {
            std::fs::metadata(path)
                .expect("metadata")
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode(&files.secret), 0o600);
        assert_eq!(mode(&files.public) & 0o600, 0o600);
        assert!(read_secret_key(&files.secret, None).is_ok());
    }

    #[test]
    fn an_existing_key_or_a_symlink_in_its_place_is_never_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let prefix = dir.path().join("portal");
        let first = keygen(&prefix, None).expect("keygen");
        let secret = std::fs::read(&first.secret).expect("read");
        let public = std::fs::read(&first.public).expect("read");
        let err = keygen(&prefix, None).expect_err("refused").to_string();
        assert!(
            err.contains(&first.secret.display().to_string()) && err.contains("--out"),
            "names the file and the fix: {err}"
        );
        assert_eq!(std::fs::read(&first.secret).expect("read"), secret);
        assert_eq!(std::fs::read(&first.public).expect("read"), public);

        // Only the public key is there (the secret key moved to a safe place): refused too.
        let lone = dir.path().join("lone");
        std::fs::write(with_suffix(&lone, ".pub"), b"mine").expect("write");
        assert!(keygen(&lone, None).is_err());
        assert!(!with_suffix(&lone, ".key").exists());
        assert_eq!(
            std::fs::read(with_suffix(&lone, ".pub")).expect("read"),
            b"mine"
        );

        // A symlink where the secret key goes, even one pointing nowhere (a key on a disk
        // that is not mounted): not followed, not replaced.
        let linked = dir.path().join("linked");
        let target = dir.path().join("offline/portal.key");
        std::os::unix::fs::symlink(&target, with_suffix(&linked, ".key")).expect("symlink");
        let err = keygen(&linked, None).expect_err("refused").to_string();
        assert!(err.contains("linked.key already exists"), "{err}");
        assert!(
            std::fs::symlink_metadata(with_suffix(&linked, ".key"))
                .expect("still there")
                .file_type()
                .is_symlink()
        );
        assert!(!target.exists());
        assert!(!with_suffix(&linked, ".pub").exists());
    }

    #[test]
    fn a_key_that_appears_meanwhile_is_not_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("raced.key");
        std::fs::write(&path, b"the other key").expect("write");
        let err = write_new(&path, b"new", 0o600).expect_err("refused");
        assert!(
            err.to_string().contains("raced.key already exists"),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).expect("read"), b"the other key");
    }
}
