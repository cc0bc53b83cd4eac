//! `manifest.json` as a kiosk reads it: `Manifest::parse` with the default `[sync]` limits.
//! A manifest that parses must survive `to_bytes` → `parse` unchanged (what `feed build`
//! writes, a kiosk reads), and its derived values must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use readpoint::feed::{Limits, Manifest};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(manifest) = Manifest::parse(data, &limits) else {
        return;
    };
    let _ = manifest.published();
    let _ = manifest.expires();
    let _ = manifest.document_count();
    let again = Manifest::parse(&manifest.to_bytes(), &limits)
        .expect("a parsed manifest, written again, parses");
    assert_eq!(again, manifest, "to_bytes → parse changed the manifest");
});
