//! `readpoint feed keygen` and `readpoint feed build` through the real binary: the feed
//! directory they make, stable objects across builds, version and password rules, and interop
//! with Debian's `minisign` CLI in both directions (its keys and signatures work here, ours
//! verify there).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use readpoint::feed::MinisignPublicKey;
use readpoint::feed::publish::PASSWORD_ENV;
use readpoint::feed::signature;
use readpoint::feed::{Limits, MANIFEST_FILE, Manifest, SIGNATURE_FILE, object_path, sha256_hex};

use crate::support::{TempKiosk, stderr, stdout};

/// Longest any command here may take; a command waiting for a password fails the test instead
/// of hanging it.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `command` with stdin closed and returns its output; kills it after [`TIMEOUT`].
fn run(mut command: Command) -> Output {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound && command.get_program() == "minisign" {
                panic!("minisign not found: install Debian's minisign package (scripts/test does)");
            }
            panic!("cannot start {:?}: {e}", command.get_program())
        });
    let pid = child.id();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait_with_output());
    });
    match receive.recv_timeout(TIMEOUT) {
        Ok(output) => output.expect("waiting for the command"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!(
                "{:?} did not finish within {TIMEOUT:?} (waiting for a password?)",
                command.get_program()
            );
        }
    }
}

/// A publisher's workspace: key files, inputs and feed directories in a temporary folder.
struct Portal {
    kiosk: TempKiosk,
}

impl Portal {
    fn new() -> Portal {
        Portal {
            kiosk: TempKiosk::new(),
        }
    }

    /// A path inside the workspace.
    fn path(&self, name: &str) -> PathBuf {
        self.kiosk.home.join(name)
    }

    /// `readpoint ARGS…` with `envs` set and stdin closed.
    fn readpoint(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let mut command = self.kiosk.command();
        command.current_dir(&self.kiosk.home).args(args);
        for (key, value) in envs {
            command.env(key, value);
        }
        run(command)
    }

    /// Like [`Portal::readpoint`], and the command must succeed.
    fn readpoint_ok(&self, args: &[&str], envs: &[(&str, &str)]) -> String {
        let output = self.readpoint(args, envs);
        assert!(
            output.status.success(),
            "readpoint {args:?}: {}{}",
            stdout(&output),
            stderr(&output)
        );
        stdout(&output)
    }

    /// Debian's `minisign ARGS…` in the workspace; it must succeed.
    fn minisign(&self, args: &[&str]) -> String {
        let mut command = Command::new("minisign");
        command
            .current_dir(&self.kiosk.home)
            .env("HOME", &self.kiosk.home)
            .args(args);
        let output = run(command);
        assert!(
            output.status.success(),
            "minisign {args:?}: {}{}",
            stdout(&output),
            stderr(&output)
        );
        stdout(&output)
    }

    /// `feed build` of `input` into `out` with `key` and extra arguments.
    fn build(&self, input: &Path, out: &str, key: &str, extra: &[&str]) -> Output {
        let input = input.to_string_lossy();
        let mut args = vec!["feed", "build", &input, "--out", out, "--key", key];
        args.extend_from_slice(extra);
        self.readpoint(&args, &[])
    }
}

/// The bundled sample content: a content file in the feed's shard format.
fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content/sample-content.json")
}

/// The manifest in a feed directory, parsed and checked as a kiosk would.
fn manifest(dir: &Path) -> Manifest {
    let bytes = std::fs::read(dir.join(MANIFEST_FILE)).expect("manifest.json");
    Manifest::parse(&bytes, &Limits::default()).expect("a valid manifest")
}

/// Every file under `objects/` of a feed directory: relative path → bytes.
fn objects(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("readable objects").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path.strip_prefix(root).expect("below root");
                out.insert(
                    name.display().to_string(),
                    std::fs::read(&path).expect("object"),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &dir.join("objects"), &mut out);
    out
}

/// Verifies a feed directory's signature with the library, against the key in `pub_file`.
fn verify_here(dir: &Path, pub_file: &Path) -> Result<String, signature::SignatureError> {
    let key_text = std::fs::read_to_string(pub_file).expect(".pub file");
    let key = MinisignPublicKey::parse(&key_text).expect("a minisign public key");
    let bytes = std::fs::read(dir.join(MANIFEST_FILE)).expect("manifest.json");
    let sig = std::fs::read_to_string(dir.join(SIGNATURE_FILE)).expect("signature");
    signature::verify(&bytes, &sig, &[key])
}

#[test]
fn keygen_and_build_make_a_feed_the_minisign_cli_verifies() {
    let portal = Portal::new();
    let out = portal.readpoint_ok(
        &["feed", "keygen", "--out", "keys/feed", "--no-password"],
        &[],
    );
    let pub_text = std::fs::read_to_string(portal.path("keys/feed.pub")).expect("feed.pub");
    let key_line = pub_text.lines().nth(1).expect("the key line of feed.pub");
    assert!(
        out.contains(&format!("trusted_keys = [\"{key_line}\"]")),
        "{out}"
    );
    assert!(key_line.starts_with("RW"), "{key_line}");
    assert!(portal.path("keys/feed.key").is_file());
    let key = MinisignPublicKey::parse(&pub_text).expect("parses");
    assert!(out.contains(&key.key_id_hex()), "{out}");

    // The secret key is the owner's alone, and a second keygen never replaces it.
    {
        use std::os::unix::fs::PermissionsExt;
        let secret = portal.path("keys/feed.key");
        let mode = std::fs::metadata(&secret)
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let before = std::fs::read(&secret).expect("key");
        let again = portal.readpoint(
            &["feed", "keygen", "--out", "keys/feed", "--no-password"],
            &[],
        );
        assert_eq!(again.status.code(), Some(1));
        let err = stderr(&again);
        assert!(
            err.contains("keys/feed.key already exists") && err.contains("--out"),
            "names the file and the fix: {err}"
        );
        assert_eq!(std::fs::read(&secret).expect("key"), before);
        assert_eq!(
            std::fs::read_to_string(portal.path("keys/feed.pub")).expect("pub"),
            pub_text
        );
    }

    let output = portal.build(
        &sample(),
        "site",
        "keys/feed.key",
        &[
            "--feed-id",
            "ls-zwzx",
            "--publisher",
            "乐山市人民政府政务服务中心",
            "--portal-url",
            "https://www.example.gov.cn/xxgk/",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("feed ls-zwzx version 1"), "{out}");
    assert!(out.contains("documents:   63"), "{out}");

    let site = portal.path("site");
    assert!(site.join(SIGNATURE_FILE).is_file());
    let manifest = manifest(&site);
    assert_eq!(
        (manifest.feed_id.as_str(), manifest.version),
        ("ls-zwzx", 1)
    );
    assert_eq!(manifest.document_count(), 63);
    assert!(manifest.shards.iter().any(|s| s.name == "guide_section"));
    assert!(
        manifest
            .shards
            .iter()
            .any(|s| s.name == "catalogue_entry-2012")
    );
    for shard in &manifest.shards {
        let path = object_path(&site, &shard.sha256);
        assert_eq!(
            path,
            site.join("objects")
                .join(&shard.sha256[..2])
                .join(&shard.sha256)
        );
        let bytes = std::fs::read(&path).expect("the shard's object exists");
        assert_eq!(sha256_hex(&bytes), shard.sha256, "{}", shard.name);
        assert_eq!(bytes.len() as u64, shard.size, "{}", shard.name);
    }

    // Interop, direction 1: Debian's minisign accepts our signature and trusted comment.
    let verified = portal.minisign(&["-Vm", "site/manifest.json", "-p", "keys/feed.pub"]);
    assert!(
        verified.contains("file:manifest.json\tfeed:ls-zwzx\tversion:1"),
        "{verified}"
    );
    assert_eq!(
        verify_here(&site, &portal.path("keys/feed.pub")),
        Ok(key.key_id_hex())
    );
}

#[test]
fn minisign_cli_keys_and_signatures_work_here() {
    let portal = Portal::new();
    portal.minisign(&["-G", "-W", "-p", "k.pub", "-s", "k.key"]);
    let pub_file = portal.path("k.pub");

    // Key files from the CLI sign a feed, and the CLI verifies it.
    let output = portal.build(&sample(), "site", "k.key", &["--feed-id", "cli-key"]);
    assert!(output.status.success(), "{}", stderr(&output));
    portal.minisign(&["-Vm", "site/manifest.json", "-p", "k.pub"]);

    // Interop, direction 2: the CLI's signatures (prehashed, and legacy where the CLI still
    // makes them) verify with the kiosk's verifier.
    let site = portal.path("site");
    let key_id = MinisignPublicKey::parse(&std::fs::read_to_string(&pub_file).expect("k.pub"))
        .expect("parses")
        .key_id_hex();
    let before = std::fs::read_to_string(site.join(SIGNATURE_FILE)).expect("signature");
    portal.minisign(&["-S", "-s", "k.key", "-m", "site/manifest.json"]);
    let cli_signature = std::fs::read_to_string(site.join(SIGNATURE_FILE)).expect("signature");
    assert_ne!(before, cli_signature, "minisign -S replaced the signature");
    assert_eq!(verify_here(&site, &pub_file), Ok(key_id.clone()));

    let mut help = Command::new("minisign");
    help.arg("-h");
    let help = run(help);
    let help = format!("{}{}", stdout(&help), stderr(&help));
    if help.contains("-l ") {
        portal.minisign(&["-S", "-l", "-s", "k.key", "-m", "site/manifest.json"]);
        assert_eq!(verify_here(&site, &pub_file), Ok(key_id.clone()));
    } else {
        eprintln!("note: this minisign has no -l (legacy signatures); skipped");
    }

    // A changed manifest no longer verifies.
    let mut bytes = std::fs::read(site.join(MANIFEST_FILE)).expect("manifest.json");
    bytes.extend_from_slice(b" ");
    std::fs::write(site.join(MANIFEST_FILE), bytes).expect("write");
    assert_eq!(
        verify_here(&site, &pub_file),
        Err(signature::SignatureError::Invalid { key_id })
    );
}

#[test]
fn builds_are_stable_and_versions_only_go_up() {
    let portal = Portal::new();
    portal.readpoint_ok(&["feed", "keygen", "--out", "k", "--no-password"], &[]);

    // A first build needs a feed id, and writes nothing without one.
    let output = portal.build(&sample(), "site", "k.key", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("--feed-id"), "{}", stderr(&output));
    assert!(!portal.path("site").join(MANIFEST_FILE).exists());

    let site = portal.path("site");
    let ok = |out: &str, extra: &[&str]| {
        let output = portal.build(&sample(), out, "k.key", extra);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    ok("site", &["--feed-id", "ls-zwzx"]);
    let first = manifest(&site);
    let first_objects = objects(&site);

    // The same input again: version 2, the same objects, none new.
    let out = ok("site", &[]);
    assert!(out.contains("version 2"), "{out}");
    assert!(out.contains("(0 new,"), "{out}");
    let second = manifest(&site);
    assert_eq!(second.version, 2);
    assert_eq!(second.feed_id, "ls-zwzx");
    assert_eq!(second.shards, first.shards);
    assert_eq!(objects(&site), first_objects);

    // Another directory built from the same input holds byte-identical objects.
    ok("elsewhere", &["--feed-id", "ls-zwzx"]);
    assert_eq!(objects(&portal.path("elsewhere")), first_objects);

    // One changed document changes only its shard's object.
    let mut content: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample()).expect("sample")).expect("JSON");
    let documents = content["documents"].as_array_mut().expect("documents");
    let entry = documents
        .iter_mut()
        .find(|d| d["id"] == "ce-2012-00001")
        .expect("ce-2012-00001 in the sample");
    let title = format!("{}（更正）", entry["title"].as_str().expect("title"));
    entry["title"] = serde_json::Value::String(title);
    let changed = portal.path("changed.json");
    std::fs::write(&changed, content.to_string()).expect("write");
    let output = portal.build(&changed, "site", "k.key", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("(1 new,"), "{}", stdout(&output));
    let third = manifest(&site);
    assert_eq!(third.version, 3);
    let differing: Vec<&str> = third
        .shards
        .iter()
        .zip(&second.shards)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.name.as_str())
        .collect();
    assert_eq!(differing, ["catalogue_entry-2012"]);
    assert_eq!(
        third.shards.iter().map(|s| &s.name).collect::<Vec<_>>(),
        second.shards.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    // A kiosk on version 2 may fetch just the change: one patch, putting the one document.
    assert_eq!(third.patches.len(), 1, "{:?}", third.patches);
    assert_eq!(third.patches[0].from, 2);
    let patch_bytes = &objects(&site)[&format!(
        "objects/{}/{}",
        &third.patches[0].sha256[..2],
        third.patches[0].sha256
    )];
    let patch = readpoint::feed::patch::decode(patch_bytes, &Default::default()).expect("patch");
    assert_eq!((patch.from, patch.to), (2, 3));
    assert_eq!(patch.shards.len(), 1);
    assert_eq!(patch.shards[0].name, "catalogue_entry-2012");
    assert!(patch.shards[0].remove.is_empty());
    assert_eq!(patch.shards[0].put.len(), 1);
    assert_eq!(patch.shards[0].put[0]["id"], "ce-2012-00001");
    let shard = third
        .shards
        .iter()
        .find(|s| s.name == "catalogue_entry-2012")
        .expect("the shard");
    assert!(
        (patch_bytes.len() as u64) < shard.size / 4,
        "patch {} bytes, shard {}",
        patch_bytes.len(),
        shard.size
    );
    // Nothing is deleted: kiosks mid-sync may still fetch version 2's objects.
    let now = objects(&site);
    assert_eq!(
        now.len(),
        first_objects.len() + 2,
        "the new shard and the patch"
    );
    assert!(first_objects.keys().all(|k| now.contains_key(k)));

    // A version not above the published one is refused, and the feed stays as it was.
    let manifest_before = std::fs::read(site.join(MANIFEST_FILE)).expect("manifest");
    let output = portal.build(&sample(), "site", "k.key", &["--version", "2"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let err = stderr(&output);
    assert!(err.starts_with("error: --version 2 "), "{err}");
    assert!(err.contains("(3)"), "{err}");
    assert_eq!(
        std::fs::read(site.join(MANIFEST_FILE)).expect("manifest"),
        manifest_before
    );
    let out = ok("site", &["--version", "10"]);
    assert!(out.contains("version 10"), "{out}");
}

#[test]
fn encrypted_keys_need_their_password_and_never_wait_for_one() {
    let portal = Portal::new();

    // No password, no terminal, no --no-password: refused, nothing written.
    let output = portal.readpoint(&["feed", "keygen", "--out", "k"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("--no-password") && err.contains(PASSWORD_ENV),
        "{err}"
    );
    assert!(!portal.path("k.key").exists() && !portal.path("k.pub").exists());

    let password = [(PASSWORD_ENV, "richtig-horse-battery")];
    portal.readpoint_ok(&["feed", "keygen", "--out", "k"], &password);
    let input = sample();
    let input = input.to_string_lossy();
    let build = [
        "feed",
        "build",
        &input,
        "--out",
        "site",
        "--key",
        "k.key",
        "--feed-id",
        "enc",
    ];
    portal.readpoint_ok(&build, &password);
    portal.minisign(&["-Vm", "site/manifest.json", "-p", "k.pub"]);
    let published = std::fs::read(portal.path("site").join(MANIFEST_FILE)).expect("manifest");

    // A wrong password, or none without a terminal: a clean error, the feed unchanged.
    for envs in [&[(PASSWORD_ENV, "wrong")][..], &[]] {
        let output = portal.readpoint(&build, envs);
        assert_eq!(output.status.code(), Some(1), "{envs:?}");
        let err = stderr(&output);
        assert!(err.contains("k.key") && err.contains(PASSWORD_ENV), "{err}");
        assert!(err.contains("password"), "{err}");
    }
    assert_eq!(
        std::fs::read(portal.path("site").join(MANIFEST_FILE)).expect("manifest"),
        published
    );
}

#[test]
fn pdf_attachments_are_rendered_once_into_pages_with_their_text() {
    let portal = Portal::new();
    portal.readpoint_ok(&["feed", "keygen", "--out", "feed", "--no-password"], &[]);
    let input = portal.path("content");
    std::fs::create_dir_all(&input).expect("input");
    let pdf = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/reports-large-print.pdf"),
    )
    .expect("fixture");
    let sha = sha256_hex(&pdf);
    std::fs::write(input.join("2022年度报告.pdf"), &pdf).expect("pdf");
    let mut content: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample()).expect("sample")).expect("json");
    let entry = content["documents"]
        .as_array_mut()
        .expect("documents")
        .iter_mut()
        .find(|d| d["kind"] == "catalogue_entry")
        .expect("an entry");
    entry["attachments"] = serde_json::json!([{
        "sha256": sha, "size": pdf.len(), "media_type": "application/pdf", "file_name": "2022年度报告.pdf"
    }]);
    std::fs::write(input.join("content.json"), content.to_string()).expect("content");
    let no_poppler = [("PATH", "/nonexistent")];
    // Without poppler the build says what to install, and publishes nothing.
    let args = [
        "feed",
        "build",
        "content",
        "--out",
        "out",
        "--key",
        "feed.key",
        "--feed-id",
        "t",
    ];
    let failed = portal.readpoint(&args, &no_poppler);
    assert!(!failed.status.success());
    assert!(
        stderr(&failed).contains("poppler-utils"),
        "{}",
        stderr(&failed)
    );
    assert!(!portal.path("out").join(MANIFEST_FILE).exists());
    portal.readpoint_ok(&args, &[]);
    let out = portal.path("out");
    let first = manifest(&out);
    let pages = first.attachments[0].pages.clone().expect("rendered pages");
    assert_eq!(pages.count, 10);
    let set = readpoint::feed::pages::PageSet::decode(
        &std::fs::read(object_path(&out, &pages.sha256)).expect("page set object"),
        &Default::default(),
    )
    .expect("valid");
    for (i, page) in set.pages.iter().enumerate() {
        let png = std::fs::read(object_path(&out, &page.image)).expect("page picture");
        assert_eq!(sha256_hex(&png), page.image);
        assert!(png.starts_with(b"\x89PNG"), "page {} is a PNG", i + 1);
        assert!(
            page.text.contains("发布机构：乐山市人民政府政务服务中心"),
            "page {}: {}",
            i + 1,
            page.text
        );
    }
    assert!(set.pages[6].text.contains("2022年度政府信息公开工作"));
    // Lines of Chinese text join without spaces; the boxes point into the text.
    let text = &set.pages[6].text;
    let at = text.find("统计期限").expect("found");
    let start = text[..at].chars().count();
    assert!(!set.pages[6].highlights(start, 4).is_empty());
    // The next build (poppler gone) reuses the pages: same page set, nothing rendered.
    let second = portal.readpoint(&args, &no_poppler);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(manifest(&out).attachments[0].pages, Some(pages));
}
