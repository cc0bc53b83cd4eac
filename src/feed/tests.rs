//! Unit tests of the feed format: manifest checks, shard encoding and decoding limits,
//! signatures, sharding and the publisher.

use super::publish::{BuildOptions, build, group_into_shards, read_secret_key};
use super::shard::{ShardError, encode};
use super::signature::{SignatureError, sign, verify};
use super::*;
use crate::content::{ContentFile, Document};
use crate::feed::MinisignPublicKey;

fn manifest_json(extra: &str) -> String {
    format!(
        r#"{{"format":"readpoint-feed/1","feed_id":"ls","version":3,
        "published_at":"2026-11-29T08:00:00Z","expires_at":"2026-12-29T08:00:00Z",
        "shards":[{{"name":"guide","sha256":"{}","size":10,"documents":2}}]{extra}}}"#,
        "a".repeat(64)
    )
}

#[test]
fn manifest_parses_and_ignores_unknown_fields() {
    let parsed = Manifest::parse(
        manifest_json(r#","future":1"#).as_bytes(),
        &Limits::default(),
    );
    let manifest = parsed.expect("valid manifest");
    assert_eq!(manifest.version, 3);
    assert_eq!(manifest.document_count(), 2);
    assert!(manifest.expires() > manifest.published());
}

/// A manifest listing `n` shards of `size` bytes each.
fn manifest_with_shards(n: usize, size: u64) -> String {
    let shards: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"name":"s{i}","sha256":"{}","size":{size},"documents":1}}"#,
                "a".repeat(64)
            )
        })
        .collect();
    format!(
        r#"{{"format":"readpoint-feed/1","feed_id":"ls","version":3,
        "published_at":"2026-11-29T08:00:00Z","shards":[{}]}}"#,
        shards.join(",")
    )
}

#[test]
fn a_manifest_is_capped_in_shards_and_in_total_size() {
    let limits = Limits {
        max_shards: 10,
        max_feed_size: 1000,
        ..Limits::default()
    };
    assert!(Manifest::parse(manifest_with_shards(10, 100).as_bytes(), &limits).is_ok());
    let err = Manifest::parse(manifest_with_shards(11, 10).as_bytes(), &limits)
        .expect_err("too many shards");
    assert!(err.to_string().contains("11 shards"), "{err}");
    let err = Manifest::parse(manifest_with_shards(10, 101).as_bytes(), &limits)
        .expect_err("too large in all");
    assert!(err.to_string().contains("1010 bytes"), "{err}");
    // The real caps: a 16 MiB manifest cannot make the kiosk plan 100,000 downloads.
    let huge = manifest_with_shards(Limits::MAX_SHARDS + 1, 1);
    assert!(Manifest::parse(huge.as_bytes(), &Limits::default()).is_err());
}

#[test]
fn manifest_errors_name_the_field() {
    let limits = Limits::default();
    let unknown = manifest_json("").replace("readpoint-feed/1", "readpoint-feed/2");
    let err = Manifest::parse(unknown.as_bytes(), &limits).expect_err("unknown format");
    assert!(matches!(err, ManifestError::Format { .. }), "{err}");
    assert!(err.to_string().contains("readpoint-feed/2"), "{err}");

    let bad_hash = manifest_json("").replace(&"a".repeat(64), &"A".repeat(64));
    let err = Manifest::parse(bad_hash.as_bytes(), &limits).expect_err("upper-case hash");
    assert!(err.to_string().contains("shards[0].sha256"), "{err}");

    let bad_time = manifest_json("").replace("2026-11-29T08:00:00Z", "yesterday");
    let err = Manifest::parse(bad_time.as_bytes(), &limits).expect_err("bad time");
    assert!(err.to_string().contains("published_at"), "{err}");

    let small = Limits::new(5, 500_000);
    let err = Manifest::parse(manifest_json("").as_bytes(), &small).expect_err("too big");
    assert!(matches!(err, ManifestError::Limit(_)), "{err}");

    let few = Limits::new(1 << 20, 1);
    let err = Manifest::parse(manifest_json("").as_bytes(), &few).expect_err("too many docs");
    assert!(err.to_string().contains("max_documents"), "{err}");

    for (from, to, name) in [
        (r#""feed_id":"ls""#, r#""feed_id":"ls\u001b[2J""#, "feed_id"),
        (r#""feed_id":"ls""#, r#""feed_id":"ls\u202e""#, "feed_id"),
        (
            r#""version":3"#,
            r#""version":3,"publisher":"乐山\n市""#,
            "publisher",
        ),
        (
            r#""version":3"#,
            r#""version":3,"portal_url":"https://a.gov.cn/\u0000x""#,
            "portal_url",
        ),
        (
            r#""version":3"#,
            r#""version":3,"portal_url":"https://a.gov.cn/ x""#,
            "portal_url",
        ),
    ] {
        let text = manifest_json("").replace(from, to);
        let err = Manifest::parse(text.as_bytes(), &limits).expect_err(name);
        assert!(err.to_string().contains(name), "{err}");
        assert!(!err.to_string().chars().any(char::is_control), "{err:?}");
    }
    let attachment = format!(
        r#","attachments":[{{"sha256":"{}","size":1,"media_type":"application/pdf","file_name":"a\u0007.pdf"}}]"#,
        "b".repeat(64)
    );
    let err = Manifest::parse(manifest_json(&attachment).as_bytes(), &limits)
        .expect_err("a bell in a file name");
    assert!(
        err.to_string().contains("attachments[0].file_name"),
        "{err}"
    );

    let err = Manifest::parse(b"[1,2]", &limits).expect_err("not an object");
    assert!(matches!(err, ManifestError::Format { .. }), "{err}");
}

#[test]
fn shards_round_trip_deterministically() {
    let docs = vec![
        serde_json::json!({"id": "b", "kind": "x", "text": "乙"}),
        serde_json::json!({"id": "a", "kind": "x", "text": "甲"}),
    ];
    let one = encode(&docs);
    let reversed: Vec<_> = docs.iter().rev().cloned().collect();
    assert_eq!(one, encode(&reversed), "order of input does not matter");
    let back = decode_all(&one, 2, &Limits::default()).expect("decodes");
    assert_eq!(back[0]["id"], "a");
    assert!(matches!(
        decode_all(&one, 3, &Limits::default()),
        Err(ShardError::Count(_))
    ));
    assert!(matches!(
        decode_all(b"{\"format\":1}", 0, &Limits::default()),
        Err(ShardError::Gzip(_))
    ));
}

/// Decodes a shard, collecting its documents.
fn decode_all(
    bytes: &[u8],
    expected: u64,
    limits: &Limits,
) -> Result<Vec<serde_json::Value>, ShardError> {
    let mut documents = Vec::new();
    super::shard::decode(bytes, expected, limits, |doc| documents.push(doc))?;
    Ok(documents)
}

/// Gzips `json` as a shard object would be.
fn gzip(json: &str) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(json.as_bytes()).expect("gzip");
    encoder.finish().expect("gzip")
}

#[test]
fn shards_stream_document_by_document_and_stop_at_the_first_excess() {
    let limits = Limits {
        max_documents: 3,
        ..Limits::default()
    };
    let docs: Vec<String> = (0..10).map(|i| format!("{{\"id\":\"d{i}\"}}")).collect();
    let json = format!(
        "{{\"documents\":[{}],\"format\":\"readpoint-shard/1\"}}",
        docs.join(",")
    );
    let mut seen = 0;
    let result = super::shard::decode(&gzip(&json), 10, &limits, |_| seen += 1);
    assert!(matches!(result, Err(ShardError::Count(_))), "{result:?}");
    assert_eq!(seen, 3, "stopped at the first document over the limit");
    // The shape is still checked: the format, a list of documents, no repeated keys.
    let wrong_format = "{\"documents\":[],\"format\":\"other/1\"}";
    assert!(matches!(
        decode_all(&gzip(wrong_format), 0, &Limits::default()),
        Err(ShardError::Shape(_))
    ));
    let not_a_list = "{\"documents\":{},\"format\":\"readpoint-shard/1\"}";
    assert!(matches!(
        decode_all(&gzip(not_a_list), 0, &Limits::default()),
        Err(ShardError::Shape(_))
    ));
    let twice = "{\"documents\":[],\"documents\":[],\"format\":\"readpoint-shard/1\"}";
    assert!(matches!(
        decode_all(&gzip(twice), 0, &Limits::default()),
        Err(ShardError::Shape(_))
    ));
    let trailing = "{\"documents\":[],\"format\":\"readpoint-shard/1\"} []";
    assert!(matches!(
        decode_all(&gzip(trailing), 0, &Limits::default()),
        Err(ShardError::Shape(_))
    ));
    let missing = "{\"format\":\"readpoint-shard/1\"}";
    assert!(matches!(
        decode_all(&gzip(missing), 0, &Limits::default()),
        Err(ShardError::Shape(_))
    ));
}

#[test]
fn a_gzip_bomb_stops_at_the_limit() {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..64 {
        encoder.write_all(&zeros).expect("compress");
    }
    let bomb = encoder.finish().expect("compress");
    assert!(bomb.len() < 200_000);
    let limits = Limits {
        max_shard_json: 8 << 20,
        ..Limits::default()
    };
    assert_eq!(
        decode_all(&bomb, 0, &limits),
        Err(ShardError::TooLarge(8 << 20))
    );
}

#[test]
fn long_strings_are_refused() {
    let docs = vec![serde_json::json!({"id": "a", "body": "x".repeat(100)})];
    let limits = Limits {
        max_string: 50,
        ..Limits::default()
    };
    assert!(matches!(
        decode_all(&encode(&docs), 1, &limits),
        Err(ShardError::LongString { .. })
    ));
}

fn key_pair() -> (minisign::SecretKey, MinisignPublicKey) {
    let pair = minisign::KeyPair::generate_unencrypted_keypair().expect("keygen");
    let public = MinisignPublicKey::parse(&pair.pk.to_base64()).expect("public key");
    (pair.sk, public)
}

#[test]
fn signatures_verify_only_with_a_trusted_key_over_the_same_bytes() {
    let (secret, public) = key_pair();
    let (_, other) = key_pair();
    let bytes = manifest_json("").into_bytes();
    let sig = sign(&bytes, &secret, "timestamp:0").expect("sign");
    assert_eq!(
        verify(&bytes, &sig, &[other.clone(), public.clone()]),
        Ok(public.key_id_hex())
    );
    let mut tampered = bytes.clone();
    tampered[20] ^= 1;
    assert!(matches!(
        verify(&tampered, &sig, std::slice::from_ref(&public)),
        Err(SignatureError::Invalid { .. })
    ));
    let err = verify(&bytes, &sig, &[other]).expect_err("untrusted");
    assert!(matches!(err, SignatureError::UntrustedKey { .. }));
    assert!(err.to_string().contains("trusted_keys"), "{err}");
    assert!(matches!(
        verify(&bytes, "not a signature", &[public]),
        Err(SignatureError::Malformed(_))
    ));
}

fn bundled_documents() -> Vec<Document> {
    let file = ContentFile::parse(crate::import::BUNDLED_CONTENT).expect("bundled");
    file.documents
        .into_iter()
        .map(|v| Document::from_value(v).expect("valid"))
        .collect()
}

#[test]
fn bundled_content_shards_by_kind_and_year() {
    let docs = bundled_documents();
    let shards = group_into_shards(&docs);
    let names: Vec<&str> = shards.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"catalogue_entry-2012"), "{names:?}");
    assert!(names.contains(&"guide_section"), "{names:?}");
    assert!(names.iter().all(|n| valid_shard_name(n)), "{names:?}");
    let total: usize = shards.iter().map(|(_, d)| d.len()).sum();
    assert_eq!(total, docs.len());
}

#[test]
fn publishing_is_deterministic_and_incremental() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("content.json");
    std::fs::write(&input, crate::import::BUNDLED_CONTENT).expect("write");
    let (secret, public) = key_pair();
    let mut options = BuildOptions {
        input: input.clone(),
        out: dir.path().join("feed"),
        version: None,
        feed_id: Some("ls-zwzx".into()),
        expires_in_days: 30,
        publisher: None,
        portal_url: None,
        now: "2026-11-29T08:00:00Z".parse().expect("time"),
    };
    let first = build(&options, &secret).expect("first build");
    assert_eq!(first.version, 1);
    assert_eq!(first.new_shards, first.shards);
    let manifest_bytes = std::fs::read(options.out.join(MANIFEST_FILE)).expect("manifest");
    let sig = std::fs::read_to_string(options.out.join(SIGNATURE_FILE)).expect("sig");
    verify(&manifest_bytes, &sig, &[public]).expect("signed by the key");
    let manifest = Manifest::parse(&manifest_bytes, &Limits::default()).expect("valid");
    for shard in &manifest.shards {
        let bytes = std::fs::read(object_path(&options.out, &shard.sha256)).expect("object");
        assert_eq!(sha256_hex(&bytes), shard.sha256);
        assert_eq!(bytes.len() as u64, shard.size);
    }

    // Same input again: version 2, not one new object.
    options.feed_id = None;
    let second = build(&options, &secret).expect("second build");
    assert_eq!((second.version, second.new_shards), (2, 0));

    // One catalogue entry changed: exactly one new shard.
    let mut content: serde_json::Value =
        serde_json::from_str(crate::import::BUNDLED_CONTENT).expect("json");
    let entry = content["documents"]
        .as_array_mut()
        .and_then(|docs| docs.iter_mut().find(|d| d["kind"] == "catalogue_entry"))
        .expect("a catalogue entry");
    entry["summary"] = "更正后的摘要。".into();
    std::fs::write(&input, content.to_string()).expect("write");
    let third = build(&options, &secret).expect("third build");
    assert_eq!((third.version, third.new_shards), (3, 1));

    options.version = Some(2);
    assert!(
        build(&options, &secret).is_err(),
        "a lower version is refused"
    );
}

#[test]
fn keygen_writes_usable_keys_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = dir.path().join("portal");
    let files = publish::keygen(&prefix, None).expect("keygen");
    let public = std::fs::read_to_string(&files.public).expect("pub");
    let key = MinisignPublicKey::parse(&public).expect("a trusted key");
    assert_eq!(key.key_id_hex(), files.key_id);
    let secret = read_secret_key(&files.secret, None).expect("unencrypted key opens");
    let sig = sign(b"x", &secret, "t").expect("sign");
    assert!(verify(b"x", &sig, &[key]).is_ok());
    assert!(publish::keygen(&prefix, None).is_err());

    let locked =
        publish::keygen(&dir.path().join("locked"), Some("s3cret".into())).expect("keygen");
    assert!(read_secret_key(&locked.secret, Some("wrong".into())).is_err());
    assert!(read_secret_key(&locked.secret, Some("s3cret".into())).is_ok());
}
