//! Inputs found by the fuzz targets of `fuzz/` (import_yaml, import_json), kept as tests, and a
//! check that the targets' entry point still parses what it is seeded with.

use mwtrace_import::fuzz::{Outcome, parse_file};

#[test]
fn entry_point_parses_objects_rows_and_errors() {
    let yaml =
        b"apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: n}\ndata: {k: dg==}\n";
    assert_eq!(
        parse_file("objects.yaml", true, false, yaml),
        Outcome {
            objects: 1,
            ..Outcome::default()
        }
    );
    let rows = b"{\"id\": \"r1\", \"version\": 1}\n{\"id\": \"r2\"}\n";
    for stream in [false, true] {
        assert_eq!(parse_file("resources.ndjson", true, stream, rows).rows, 2);
    }
    let list = br#"{"kind": "List", "items": [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}]}"#;
    for stream in [false, true] {
        assert_eq!(parse_file("objects.json", true, stream, list).objects, 1);
    }
    assert_eq!(
        parse_file("objects.json", true, false, b"{\"a\": ").errors,
        1
    );
    assert_eq!(parse_file("objects.yaml", true, false, b"a: [").errors, 1);
}

/// import_json, crash-e73ba67d (minimized): a must-gather `timestamp` line whose offset field is
/// five bytes but not five characters (`+0б0`) was sliced at byte 3, inside `б`, and the import
/// panicked.
#[test]
fn regression_timestamp_offset_with_a_multibyte_character() {
    let input = b"1 4 +0\xd0\xb10";
    assert_eq!(
        parse_file("timestamp", false, false, input),
        Outcome::default()
    );
    let good = b"2026-11-21 09:58:03.12 +0000 UTC m=+0.01\n2026-11-21 09:59:41.5 \xd0\xb1 UTC\n";
    assert_eq!(
        parse_file("timestamp", false, false, good),
        Outcome::default()
    );
}
