//! The importers' one-file entry point for `fuzz/` (issue 16 item 8): a file's bytes are
//! classified by a path, as a walk of a directory or archive would, and parsed into records; the
//! records are then checked against what the merger and the bundle reader rely on. Not an API
//! (hidden from the docs): the fuzz targets and the regression tests are its only callers.

use mwtrace_bundle::BundlePath;

use super::detect::{Class, Layout, classify};
use super::{Ctx, Record, parse};

/// What one file produced.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub objects: usize,
    pub rows: usize,
    pub errors: usize,
    pub skipped: usize,
}

/// Parses `bytes` as the file `rel` (a path relative to the imported PATH, which picks the format
/// and layout: `x.yaml`, `resources.ndjson`, `namespaces/ns/core/pods.yaml`, ...), with
/// redaction on. `direct`: the file was named as a PATH itself (unrecognized content is an
/// error, not a skip). `stream`: JSON is read as a stream, as files above 16 MiB are.
///
/// Panics when a record breaks an invariant the rest of import depends on: an object whose
/// bundle path the reader would refuse, or an NDJSON line that is not one JSON value.
pub fn parse_file(rel: &str, direct: bool, stream: bool, bytes: &[u8]) -> Outcome {
    let loose = Layout::Loose { table: None };
    let (format, layout) = match classify(rel) {
        Class::Data { format, layout } => (Some(format), layout),
        Class::Timestamp => (None, loose),
        _ => return Outcome::default(),
    };
    let ctx = Ctx::new(0, rel, &layout, true, direct);
    let size = if stream {
        super::SMALL_FILE + 1
    } else {
        bytes.len() as u64
    };
    let mut outcome = Outcome::default();
    parse::parse(&ctx, format, &mut &bytes[..], size, &mut |record| {
        check(&mut outcome, record)
    });
    outcome
}

fn check(outcome: &mut Outcome, record: Record) {
    match record {
        Record::Object(object) => {
            outcome.objects += 1;
            let path = BundlePath::Kube {
                cluster: "c1".into(),
                group: object.group,
                version: object.version,
                resource: object.plural,
            };
            let rendered = path.to_string();
            assert_eq!(
                BundlePath::parse(&rendered),
                Ok(Some(path)),
                "an object's bundle path must parse back"
            );
            one_json_line(&object.line);
        }
        Record::Row(row) => {
            outcome.rows += 1;
            let path = BundlePath::Db {
                table: row.table.to_string(),
            };
            assert_eq!(BundlePath::parse(&path.to_string()), Ok(Some(path)));
            one_json_line(&row.line);
        }
        Record::Error { message, .. } => {
            outcome.errors += 1;
            assert!(!message.is_empty(), "an error says what went wrong");
        }
        Record::Skipped => outcome.skipped += 1,
        Record::EmptyList(_) | Record::Timestamp(_) => {}
        Record::Revision(revision) => {
            outcome.rows += 1;
            let path = BundlePath::History {
                cluster: "c1".into(),
                group: revision.group,
                version: revision.version,
                resource: revision.plural,
            };
            assert_eq!(
                BundlePath::parse(&path.to_string()),
                Ok(Some(path)),
                "a revision's bundle path must parse back"
            );
            one_json_line(&revision.line);
        }
        Record::LogLine(_) => outcome.rows += 1,
        Record::RestPage(_) => {}
    }
}

/// A staged NDJSON line: one JSON value, no newline inside.
fn one_json_line(line: &[u8]) {
    assert!(!line.contains(&b'\n'), "an NDJSON line holds no newline");
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(line) {
        panic!("a staged line is not JSON: {e}");
    }
}
