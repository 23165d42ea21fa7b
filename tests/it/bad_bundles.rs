//! Hostile and damaged bundles: each is refused with exit 2 and a one-line error naming the
//! bundle and what is wrong, never a panic.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::{Digest, Sha256};
use tar::{EntryType, Header};

use crate::common::*;

struct Entry {
    name: &'static str,
    kind: EntryType,
    data: Vec<u8>,
    link: Option<&'static str>,
}

fn file(name: &'static str, data: &[u8]) -> Entry {
    Entry {
        name,
        kind: EntryType::Regular,
        data: data.to_vec(),
        link: None,
    }
}

fn manifest(files: &[(&str, &[u8])], format: &str, version: u64) -> Vec<u8> {
    let files: Vec<_> = files
        .iter()
        .map(|(path, data)| {
            json!({"path": path, "bytes": data.len(), "sha256": hex::encode(Sha256::digest(data))})
        })
        .collect();
    serde_json::to_vec(&json!({
        "format": format, "format_version": version, "created_at": "2026-11-21T10:00:00Z",
        "tool": {"name": "test", "version": "0"}, "origin": "import", "clusters": [],
        "redaction": {"secrets": true}, "files": files, "errors": []
    }))
    .unwrap()
}

/// Writes a tar.zst with entries exactly as given: names are put in the header raw, so that
/// absolute paths and `..` reach the reader.
fn raw_bundle(path: &Path, entries: &[Entry]) {
    let mut tar = tar::Builder::new(Vec::new());
    for e in entries {
        let mut header = Header::new_gnu();
        let name = &mut header.as_gnu_mut().unwrap().name;
        name[..e.name.len()].copy_from_slice(e.name.as_bytes());
        header.set_entry_type(e.kind);
        header.set_size(e.data.len() as u64);
        header.set_mode(0o644);
        if let Some(link) = e.link {
            header.set_link_name(link).unwrap();
        }
        header.set_cksum();
        tar.append(&header, &e.data[..]).unwrap();
    }
    let bytes = tar.into_inner().unwrap();
    std::fs::write(path, zstd::encode_all(&bytes[..], 3).unwrap()).unwrap();
}

const ROW: &[u8] = b"{\"id\":\"x\"}\n";

fn valid_entries() -> Vec<Entry> {
    vec![
        file(
            "manifest.json",
            &manifest(&[("db/resources.ndjson", ROW)], "mwtrace-bundle", 1),
        ),
        file("db/resources.ndjson", ROW),
    ]
}

/// Runs `info` and a trace on a bundle; both must refuse it with exit 2 and `expected`.
fn assert_refused(bundle: &Path, expected: &str) {
    let env = Env::new();
    for args in [
        vec!["info", bundle.to_str().unwrap()],
        vec!["trace", bundle.to_str().unwrap(), "--search", "x"],
    ] {
        let out = env.run(&args);
        assert_no_panic(&out);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(expected),
            "{args:?}: expected {expected:?} in {err}"
        );
        assert!(
            err.contains(bundle.file_name().unwrap().to_str().unwrap()),
            "{err}"
        );
        assert!(err.starts_with("error: "), "{err}");
    }
    // nothing half-loaded is left behind as a cache
    let cached: Vec<PathBuf> = std::fs::read_dir(env.cache().join("mwtrace"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "duckdb"))
                .collect()
        })
        .unwrap_or_default();
    assert!(cached.is_empty(), "{cached:?}");
}

#[test]
fn a_valid_hand_made_bundle_is_accepted() {
    let env = Env::new();
    let bundle = env.path("ok.tar.zst");
    raw_bundle(&bundle, &valid_entries());
    let out = env.run(&["info", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn unknown_format_or_version() {
    let env = Env::new();
    let bundle = env.path("v2.tar.zst");
    raw_bundle(
        &bundle,
        &[file("manifest.json", &manifest(&[], "mwtrace-bundle", 2))],
    );
    assert_refused(
        &bundle,
        "unknown bundle format \"mwtrace-bundle\" version 2",
    );
    let bundle = env.path("other.tar.zst");
    raw_bundle(
        &bundle,
        &[file("manifest.json", &manifest(&[], "something-else", 1))],
    );
    assert_refused(&bundle, "unknown bundle format \"something-else\"");
}

#[test]
fn checksum_mismatch() {
    let env = Env::new();
    let bundle = env.path("tampered.tar.zst");
    let mut entries = valid_entries();
    entries[1].data = b"{\"id\":\"y\"}\n".to_vec(); // same size, other content
    raw_bundle(&bundle, &entries);
    assert_refused(&bundle, "db/resources.ndjson: sha256");
}

#[test]
fn entries_that_leave_the_bundle() {
    let env = Env::new();
    for (name, expected) in [
        ("/etc/passwd", "refusing entry \"/etc/passwd\""),
        ("db/../../escape.ndjson", "leaves the bundle"),
    ] {
        let bundle = env.path("escape.tar.zst");
        let mut entries = valid_entries();
        entries.push(file(name, ROW));
        raw_bundle(&bundle, &entries);
        assert_refused(&bundle, expected);
    }
}

#[test]
fn links_and_devices() {
    let env = Env::new();
    for (kind, expected) in [
        (EntryType::Symlink, "links are not allowed"),
        (EntryType::Link, "links are not allowed"),
        (EntryType::Char, "devices and fifos are not allowed"),
        (EntryType::Block, "devices and fifos are not allowed"),
    ] {
        let bundle = env.path("link.tar.zst");
        let mut entries = valid_entries();
        entries.push(Entry {
            name: "db/events.ndjson",
            kind,
            data: Vec::new(),
            link: Some("/etc/shadow"),
        });
        raw_bundle(&bundle, &entries);
        assert_refused(&bundle, expected);
    }
}

#[test]
fn truncated_and_non_zstd_input() {
    let env = Env::new();
    let whole = std::fs::read(sample_bundle()).unwrap();
    let bundle = env.path("truncated.tar.zst");
    std::fs::write(&bundle, &whole[..whole.len() / 2]).unwrap();
    assert_refused(&bundle, "truncated or corrupt bundle");

    let bundle = env.path("plain.tar.zst");
    std::fs::File::create(&bundle)
        .unwrap()
        .write_all(b"just text, not zstd")
        .unwrap();
    assert_refused(&bundle, "not a zstd-compressed bundle");
}

#[test]
fn decompression_is_bounded() {
    let env = Env::new();
    // 4 MiB of spaces compress to almost nothing: a small bomb against a 1 MiB bound.
    let big = vec![b' '; 4 << 20];
    let bundle = env.path("bomb.tar.zst");
    raw_bundle(
        &bundle,
        &[
            file(
                "manifest.json",
                &manifest(&[("db/resources.ndjson", &big)], "mwtrace-bundle", 1),
            ),
            file("db/resources.ndjson", &big),
        ],
    );
    assert!(std::fs::metadata(&bundle).unwrap().len() < 10_000);
    let out = env
        .cmd()
        .env("MWTRACE_MAX_UNPACKED_BYTES", (1 << 20).to_string())
        .args(["info", bundle.to_str().unwrap()])
        .output()
        .unwrap();
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("decompresses beyond 1048576 bytes"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn malformed_ndjson_line_names_file_and_line() {
    let env = Env::new();
    let rows: &[u8] = b"{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\": oops}\n";
    let bundle = env.path("malformed.tar.zst");
    raw_bundle(
        &bundle,
        &[
            file(
                "manifest.json",
                &manifest(&[("db/resources.ndjson", rows)], "mwtrace-bundle", 1),
            ),
            file("db/resources.ndjson", rows),
        ],
    );
    // info only verifies checksums; loading parses the lines
    let out = env.run(&["trace", bundle.to_str().unwrap(), "--search", "a"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("malformed.tar.zst: db/resources.ndjson line 3: invalid JSON"),
        "{err}"
    );
}

#[test]
fn manifest_must_come_first_and_list_every_file() {
    let env = Env::new();
    let bundle = env.path("late.tar.zst");
    let mut entries = valid_entries();
    entries.reverse();
    raw_bundle(&bundle, &entries);
    assert_refused(&bundle, "expected manifest.json");

    let bundle = env.path("extra.tar.zst");
    let mut entries = valid_entries();
    entries.push(file("db/events.ndjson", ROW));
    raw_bundle(&bundle, &entries);
    assert_refused(
        &bundle,
        "entry \"db/events.ndjson\" is not listed in manifest.json",
    );

    let bundle = env.path("missing.tar.zst");
    let mut entries = valid_entries();
    entries.truncate(1);
    raw_bundle(&bundle, &entries);
    assert_refused(
        &bundle,
        "db/resources.ndjson is listed in manifest.json but not in the bundle",
    );
}

#[test]
fn missing_bundle_file_is_exit_2() {
    let env = Env::new();
    let out = env.run(&["trace", "/nonexistent/x.tar.zst", "--search", "a"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/x.tar.zst"),
        "{}",
        stderr(&out)
    );
}
