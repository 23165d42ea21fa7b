//! YAML files to JSON values, document by document, with serde-saphyr. A hand-written converter
//! for go-yaml's block style used to sit here, because serde_yaml alone missed import's speed
//! target; serde-saphyr alone imports about 25,000 objects a second on 2 cores in release, above
//! the 20,000 target, so it went (issue 14; figures in bench/README.md, "YAML import speed").
//!
//! A file is cut at its `---` lines and each document read on its own: an error names its line
//! and the next document is still read, whatever the error.
//!
//! Each document is read within serde-saphyr's budget ([`saphyr_options`], limits.rs), which
//! stops an alias bomb before it is built, and built by [`BoundedValue`], which stops nesting
//! beyond `MAX_NESTING`; either refusal is one error naming the document's line and the limit.

use serde::de::{Deserialize, DeserializeSeed, Deserializer};
use serde_json::Value;

use serde_saphyr::budget::BudgetBreach;

use super::limits::{
    self, BoundedValue, Budget, Exceeded, MAX_NESTING, YAML_MAX_ALIASES, YAML_MAX_ANCHORS,
    YAML_MAX_REPLAY_DEPTH, YAML_MAX_REPLAYED_EVENTS,
};

thread_local! {
    /// The budget of the document being read on this thread (serde-saphyr reads documents with
    /// `Deserialize`, not with a seed, so [`Bounded`] finds its budget here).
    static BUDGET: Budget = const { Budget::json(0) };
}

/// A document's value, read within this thread's [`BUDGET`].
struct Bounded(Value);

impl<'de> Deserialize<'de> for Bounded {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Bounded, D::Error> {
        BUDGET.with(|budget| BoundedValue(budget).deserialize(d).map(Bounded))
    }
}

/// One document.
#[derive(Debug)]
pub(crate) enum DocBody {
    Value(Value),
    /// Not YAML, or beyond the budget: the message names the line.
    Error(String),
}

#[derive(Debug)]
pub(crate) struct Doc {
    /// 1-based index among the file's non-empty documents.
    pub index: usize,
    /// 1-based line where the document starts.
    pub line: usize,
    pub body: DocBody,
}

/// serde-saphyr's settings for untrusted YAML of `len` bytes, chosen to read documents into a
/// JSON value as serde_yaml 0.9 did (YAML 1.2 core schema: only `true`/`false` spellings are
/// booleans, `012` and `1_000` stay strings, `<<` is an ordinary key, a repeated key keeps the
/// last value, `.inf`/`.nan` become null as serde_json holds no such numbers; one difference, a
/// float beyond f64 such as `1e400` is null where serde_yaml kept the text), with its budget
/// bounding what a hostile file can cost:
/// * nesting: `MAX_NESTING` (100) levels, checked by [`BoundedValue`] (serde-saphyr's own
///   bound, a little above, is a backstop);
/// * aliases: at most 10,000 aliases and 1,000 anchors, 1,000,000 replayed events in all,
///   replays nested 64 deep (an alias bomb stops there);
/// * size: events, nodes and documents bounded by the input's own size (a larger count can only
///   come from aliases), scalar bytes by its size plus `MWTRACE_MAX_DOCUMENT_BYTES` (64 MiB) that
///   aliases may add, so that a large List, one document, still reads.
pub(crate) fn saphyr_options(len: usize) -> serde_saphyr::Options {
    let alias_bytes = usize::try_from(limits::limits().document_bytes).unwrap_or(usize::MAX);
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: Some(len.saturating_add(1)),
            max_documents: len.saturating_add(1),
            max_depth: MAX_NESTING + 4,
            max_aliases: YAML_MAX_ALIASES,
            max_anchors: YAML_MAX_ANCHORS,
            max_events: len.saturating_mul(2).saturating_add(1024),
            max_nodes: len.saturating_add(1024),
            // Aliases may add the document limit's worth of scalars, no more.
            max_total_scalar_bytes: len.saturating_add(alias_bytes),
            max_recorded_anchor_events: 1_000_000,
            max_recorded_anchor_bytes: 64 << 20,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: YAML_MAX_REPLAYED_EVENTS,
            max_replay_stack_depth: YAML_MAX_REPLAY_DEPTH,
        },
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        merge_keys: serde_saphyr::MergeKeyPolicy::AsOrdinary,
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
        with_snippet: false,
        emit_comments: false,
    }
}

/// Splits a file into documents and reads each; empty documents are skipped.
pub(crate) fn documents(src: &[u8]) -> Vec<Doc> {
    if let Err(e) = std::str::from_utf8(src) {
        let line = 1 + src[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        return vec![Doc {
            index: 1,
            line,
            body: DocBody::Error(format!("line {line}: not UTF-8 text")),
        }];
    }
    let mut docs = Vec::new();
    for segment in segments(src) {
        let text = &src[segment.range.clone()];
        let options = saphyr_options(text.len());
        BUDGET.with(Budget::reset_nesting_only);
        match serde_saphyr::from_slice_multiple_with_options::<Bounded>(text, options) {
            Ok(values) => {
                for Bounded(value) in values.into_iter().filter(|v| !v.0.is_null()) {
                    docs.push(Doc {
                        index: docs.len() + 1,
                        line: segment.content_line,
                        body: DocBody::Value(value),
                    });
                }
            }
            Err(e) => {
                let line = e
                    .location()
                    .filter(|l| l.line() > 0)
                    .map_or(segment.content_line, |l| {
                        l.line() as usize - 1 + segment.first_line
                    });
                let message = match BUDGET.with(Budget::exceeded).or_else(|| beyond_budget(&e)) {
                    Some(why) => why.to_string(),
                    None => strip_location(&e.to_string()).to_string(),
                };
                docs.push(Doc {
                    index: docs.len() + 1,
                    line: segment.content_line,
                    body: DocBody::Error(format!("line {line}: {message}")),
                });
            }
        }
    }
    docs
}

/// A document refused by serde-saphyr's budget, named by the limit it reached.
fn beyond_budget(e: &serde_saphyr::Error) -> Option<Exceeded> {
    use serde_saphyr::Error;
    let mut e = e;
    while let Error::AliasError { error, .. } | Error::WithSnippet { error, .. } = e {
        e = error;
    }
    let what = match e {
        Error::Budget { breach, .. } => match breach {
            BudgetBreach::Depth { .. } => return Some(Exceeded::Nesting { limit: MAX_NESTING }),
            BudgetBreach::Aliases { .. } => format!("more than {YAML_MAX_ALIASES} aliases"),
            BudgetBreach::Anchors { .. } => format!("more than {YAML_MAX_ANCHORS} anchors"),
            BudgetBreach::Events { .. }
            | BudgetBreach::Nodes { .. }
            | BudgetBreach::ScalarBytes { .. } => {
                "aliases expand it beyond its own size".to_string()
            }
            other => format!("{other:?}"),
        },
        Error::AliasReplayLimitExceeded { .. } | Error::AliasReplayCounterOverflow { .. } => {
            format!("aliases replay more than {YAML_MAX_REPLAYED_EVENTS} events")
        }
        Error::AliasReplayStackDepthExceeded { .. } => {
            format!("aliases nested more than {YAML_MAX_REPLAY_DEPTH} deep")
        }
        _ => return None,
    };
    Some(Exceeded::YamlBudget { what })
}

/// serde-saphyr appends " at line L, column C" to its messages; the line is reported separately.
fn strip_location(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    }
}

/// Lines of a file holding one document (or none: only comments, markers, directives).
struct Segment {
    range: std::ops::Range<usize>,
    /// 1-based line where the range starts.
    first_line: usize,
    /// 1-based line of the document's first content.
    content_line: usize,
}

/// Cuts a stream before each `---` line that follows a document's content, and after each `...`
/// line: at column 0 these markers always end a document in YAML, even inside a scalar.
/// Segments without content are dropped.
fn segments(src: &[u8]) -> Vec<Segment> {
    let mut out = Vec::new();
    let (mut start, mut first_line, mut content_line) = (0, 1, None);
    let (mut pos, mut line_no) = (0, 1);
    while pos < src.len() {
        let end = src[pos..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(src.len(), |i| pos + i + 1);
        let body = src[pos..end].trim_ascii_end();
        let marker =
            |m: &[u8]| body.starts_with(m) && matches!(body.get(3), None | Some(b' ' | b'\t'));
        if marker(b"---") && content_line.is_some() {
            out.push((start..pos, first_line, content_line.take()));
            (start, first_line) = (pos, line_no);
        }
        let rest = if marker(b"---") { &body[3..] } else { body };
        let rest = rest.trim_ascii_start();
        let is_content = !rest.is_empty()
            && !rest.starts_with(b"#")
            && !body.starts_with(b"%")
            && !marker(b"...");
        if is_content && content_line.is_none() {
            content_line = Some(line_no);
        }
        (pos, line_no) = (end, line_no + 1);
        if marker(b"...") {
            out.push((start..pos, first_line, content_line.take()));
            (start, first_line) = (pos, line_no);
        }
    }
    out.push((start..src.len(), first_line, content_line));
    out.into_iter()
        .filter_map(|(range, first_line, content_line)| {
            Some(Segment {
                range,
                first_line,
                content_line: content_line?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(src: &str) -> Vec<Value> {
        documents(src.as_bytes())
            .into_iter()
            .map(|doc| match doc.body {
                DocBody::Value(v) => v,
                DocBody::Error(e) => panic!("{e}"),
            })
            .collect()
    }

    #[test]
    fn multi_document_files_keep_going_after_a_broken_document() {
        let src = "---\nkind: A\nmetadata:\n  name: a\n---\nkind: B\n  bad: [\n---\nkind: C\nmetadata:\n  name: c\n";
        let docs = documents(src.as_bytes());
        assert_eq!(docs.len(), 3);
        assert!(matches!(docs[0].body, DocBody::Value(_)));
        match &docs[1].body {
            DocBody::Error(e) => assert!(e.starts_with("line 7:"), "{e}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(docs[1].index, 2);
        assert!(matches!(docs[2].body, DocBody::Value(_)));
        assert_eq!(docs[2].line, 9);
    }

    #[test]
    fn documents_are_cut_at_markers_only() {
        let src = "# head\n%YAML 1.2\n---\na: 1\n...\nb: |\n  --- not a marker\n---\n--- # empty\n...\n--- c\n";
        assert_eq!(
            values(src),
            [
                serde_json::json!({"a": 1}),
                serde_json::json!({"b": "--- not a marker\n"}),
                serde_json::json!("c"),
            ]
        );
        let lines: Vec<usize> = documents(src.as_bytes()).iter().map(|d| d.line).collect();
        assert_eq!(lines, [4, 6, 11]);
        assert!(documents(b"# only a comment\n---\n").is_empty());
    }

    /// Typed as serde_yaml 0.9 typed them (YAML 1.2 core schema), but for `1e400`.
    #[test]
    fn scalars_are_typed_like_serde_yaml() {
        let src = "a: 1\nb: -1\nc: +1\nd: 1.0\ne: 1_000\nf: 0x_1\ng: 00\nh: -0\ni: 1e400\nj: .5\nk: 5.\nl: inf\nm: NaN\nn: Null\no: nULL\np: FALSE\nq: 2025-01-01T00:00:00Z\nr: 10Gi\ns: '1'\nt: \"true\"\nu:\nv: ''\nw: 'x' # comment\nx: y # comment\ny: [0x1F, 0o17, 012, 1e3, .inf, .nan, yes, on]\n\"<<\": {z: 1}\nz: 1\nz: 2\n";
        let expected = serde_json::json!({
            "a": 1, "b": -1, "c": 1, "d": 1.0, "e": "1_000", "f": "0x_1", "g": "00", "h": 0,
            "i": null, "j": 0.5, "k": 5.0, "l": "inf", "m": "NaN", "n": null, "o": "nULL",
            "p": false, "q": "2025-01-01T00:00:00Z", "r": "10Gi", "s": "1", "t": "true",
            "u": null, "v": "", "w": "x", "x": "y",
            "y": [31, 15, "012", 1000.0, null, null, "yes", "on"], "<<": {"z": 1}, "z": 2,
        });
        assert_eq!(values(src), [expected]);
    }

    /// serde-saphyr's budget (`saphyr_options`) stops an alias bomb and deep nesting with an
    /// error for that document. (Run on an 8 MiB stack: 128 levels of serde-saphyr into a JSON
    /// value need more than 2 MiB at opt-level 0, not in release.)
    #[test]
    fn hostile_yaml_stops_at_the_budget() {
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(hostile_yaml_cases)
            .unwrap()
            .join()
            .unwrap();
    }

    fn hostile_yaml_cases() {
        let mut bomb = String::from("kind: A\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*l{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        let deep = format!("kind: A\nx: {}{}\n", "[".repeat(200), "]".repeat(200));
        let block_deep: String = (0..200).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        for src in [bomb, deep.clone(), block_deep.clone()] {
            let docs = documents(src.as_bytes());
            assert_eq!(docs.len(), 1, "{src}");
            assert!(matches!(&docs[0].body, DocBody::Error(_)), "{:?}", docs[0]);
        }
        for src in [deep, block_deep] {
            match &documents(src.as_bytes())[0].body {
                DocBody::Error(e) => assert!(e.contains("nested deeper than 100 levels"), "{e}"),
                other => panic!("{other:?}"),
            }
        }
        // 100 levels, the root mapping included, still read
        let ok = format!("kind: A\nx: {}{}\n", "[".repeat(99), "]".repeat(99));
        assert_eq!(values(&ok).len(), 1);
    }

    /// The alias fan-out of issue 16: a 160 KB file whose one long scalar is aliased 10,000
    /// times would build 1.5 GB; it stops once its scalars, replays included, pass its own
    /// size plus the document limit, and the next document is still read. So does the classic billion laughs.
    #[test]
    fn alias_fan_out_stops_at_the_document_limit() {
        let mut src = format!("kind: A\nbig: &big {}\nrefs:\n", "x".repeat(150_000));
        for _ in 0..10_000 {
            src.push_str("- *big\n");
        }
        src.push_str("---\nkind: B\n");
        let started = std::time::Instant::now();
        let docs = documents(src.as_bytes());
        assert_eq!(docs.len(), 2);
        match &docs[0].body {
            DocBody::Error(e) => assert!(
                e.contains(
                    "YAML document beyond its budget (aliases expand it beyond its own size"
                ),
                "{e}"
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(docs[1].body, DocBody::Value(_)));
        eprintln!("alias fan-out refused in {:?}", started.elapsed());
        let mut laughs = String::from("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..12 {
            let refs = vec![format!("*l{}", i - 1); 9].join(", ");
            laughs.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        match &documents(laughs.as_bytes())[0].body {
            DocBody::Error(e) => assert!(e.contains("YAML document beyond its budget"), "{e}"),
            other => panic!("{other:?}"),
        }
        // the same scalar aliased a few times is fine
        let few = format!("a: &a {}\nb: [*a, *a, *a]\n", "y".repeat(1000));
        assert_eq!(values(&few)[0]["b"][2].as_str().map(str::len), Some(1000));
    }
}
