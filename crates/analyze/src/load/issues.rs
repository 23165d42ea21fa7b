//! Load issues: bad rows are rows, not bundle failures (issue #16). A row without id, a value
//! that its column's type refuses, a condition without type and a log file cut by the load's
//! caps are kept where they can be (the value as NULL, the row in its raw table, the condition
//! with a NULL type) and each is recorded in `load_issues` with its bundle file and line, which
//! `info` counts and answers consult before claiming that something is absent.
//!
//! DuckDB reads the staged files in parallel and knows no line numbers, so issues are found as
//! row ordinals (a raw table's `rowid`: its CREATE TABLE AS keeps the file's order) or object
//! names, then turned into lines by reading again only the files that have issues: a bundle
//! without bad rows pays nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use duckdb::{Connection, params};

use super::stage::{LogCut, MAX_LOG_LINES_ENV, MAX_LOG_LINES_PER_FILE_ENV, StagedFile};
use super::tables::BAD_VALUES_COLUMN;
use crate::query::{ident, rows};

/// The load issues of one kind in one bundle file, as `info` shows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IssueSummary {
    /// The bundle entry path.
    pub file: String,
    /// `no_id`, `wrong_type`, `condition_without_type` or `log_truncated`.
    pub kind: String,
    pub count: u64,
    /// The first issue's line (None when it concerns the whole file).
    pub first_line: Option<u64>,
    /// The first issue's text.
    pub first_problem: String,
}

/// The load issues of the bundle whose sha256 is `sha`, when it is loaded in the cache by this
/// loader; None when it is not loaded yet (the issues are not known before a load).
pub fn summary(sha: &str) -> Option<Vec<IssueSummary>> {
    let db = super::cache::cache_root().join(format!("{sha}.duckdb"));
    let conn = super::open_current(&db, sha, false).ok()??;
    rows(
        &conn,
        "SELECT file, kind, count(*), arg_min(line, (line IS NOT NULL, line)),
                arg_min(problem, (line IS NOT NULL, line))
         FROM load_issues GROUP BY file, kind ORDER BY file, kind",
        [],
        |r| {
            Ok(IssueSummary {
                file: r.get(0)?,
                kind: r.get(1)?,
                count: r.get::<_, i64>(2)? as u64,
                first_line: r.get::<_, Option<i64>>(3)?.map(|l| l as u64),
                first_problem: r.get(4)?,
            })
        },
    )
    .ok()
}

/// The log files of a loaded snapshot that the load cut (their `logs` rows stop at the cut).
pub fn truncated_logs(conn: &Connection) -> duckdb::Result<Vec<String>> {
    rows(
        conn,
        "SELECT file FROM load_issues WHERE kind = ? ORDER BY file",
        params![LOG_TRUNCATED],
        |r| r.get(0),
    )
}

/// The kinds of `load_issues.kind`, documented in docs/sql.md.
pub(crate) const NO_ID: &str = "no_id";
pub(crate) const WRONG_TYPE: &str = "wrong_type";
pub(crate) const LOG_TRUNCATED: &str = "log_truncated";

/// Scratch tables the loader and derive.sql fill: issues by row ordinal of a file, and by
/// object (derive.sql knows an object's list, not its file).
pub(crate) fn prepare(conn: &Connection) -> duckdb::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE mw_issue_rows (file VARCHAR, ordinal BIGINT, kind VARCHAR,
                                          problem VARCHAR);
         CREATE TEMP TABLE mw_issue_objects (cluster VARCHAR, api_group VARCHAR,
                                             resource VARCHAR, namespace VARCHAR, name VARCHAR,
                                             kind VARCHAR, problem VARCHAR);",
    )
}

/// Records the bad rows of the raw table `table` (known to users as `shown`) just loaded from the bundle file `file`, and
/// drops its [`BAD_VALUES_COLUMN`]. `id_check`: the table has an `id` column, and whether the
/// dump has it at all (a dump without it is one issue, not one per row).
pub(crate) fn collect_raw(
    conn: &Connection,
    table: &str,
    shown: &str,
    file: Option<&str>,
    id_check: Option<bool>,
) -> duckdb::Result<()> {
    let t = ident(table);
    if let Some(file) = file {
        conn.execute(
            &format!(
                "INSERT INTO mw_issue_rows
                 SELECT ?, rowid + 1, ?, unnest({BAD_VALUES_COLUMN}) FROM {t}
                 WHERE len({BAD_VALUES_COLUMN}) > 0"
            ),
            params![file, WRONG_TYPE],
        )?;
        let problem = format!("row without id: kept in {shown}, out of reach of every trace");
        match id_check {
            Some(true) => {
                conn.execute(
                    &format!(
                        "INSERT INTO mw_issue_rows SELECT ?, rowid + 1, ?, ? FROM {t}
                         WHERE id IS NULL"
                    ),
                    params![file, NO_ID, problem],
                )?;
            }
            Some(false) => {
                conn.execute(
                    "INSERT INTO mw_issue_rows VALUES (?, NULL, ?, ?)",
                    params![
                        file,
                        NO_ID,
                        format!("no row has an id: kept in {shown}, out of reach of every trace")
                    ],
                )?;
            }
            None => {}
        }
    }
    conn.execute_batch(&format!("ALTER TABLE {t} DROP COLUMN {BAD_VALUES_COLUMN}"))
}

/// Builds `load_issues` from the scratch tables and the log files the stage cut, with the
/// line of each issue in its bundle file.
pub(crate) fn finish(conn: &Connection, staged: &[StagedFile]) -> duckdb::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE mw_load_issues (file VARCHAR, line BIGINT, kind VARCHAR,
                                           problem VARCHAR);
         CREATE TEMP TABLE mw_blank_runs (file VARCHAR, rows_before BIGINT, blanks BIGINT);",
    )?;
    let by_path: BTreeMap<String, &StagedFile> =
        staged.iter().map(|f| (f.path.to_string(), f)).collect();

    // Rows: the ordinal counts the rows DuckDB read, which skips blank lines.
    let files = rows(
        conn,
        "SELECT file, max(ordinal) FROM mw_issue_rows WHERE ordinal IS NOT NULL GROUP BY file",
        [],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
    )?;
    for (file, last) in files {
        let Some(staged) = by_path.get(&file) else {
            continue;
        };
        for (rows_before, blanks) in blank_runs(&staged.local, last as u64).unwrap_or_default() {
            conn.execute(
                "INSERT INTO mw_blank_runs VALUES (?, ?, ?)",
                params![file, rows_before as i64, blanks as i64],
            )?;
        }
    }
    conn.execute_batch(
        "INSERT INTO mw_load_issues
         SELECT i.file,
                i.ordinal + coalesce((SELECT sum(b.blanks) FROM mw_blank_runs b
                                      WHERE b.file = i.file AND b.rows_before < i.ordinal), 0),
                i.kind, i.problem
         FROM mw_issue_rows i",
    )?;

    // Objects: found again in the lists of their cluster, group and resource.
    let objects = rows(
        conn,
        "SELECT DISTINCT cluster, api_group, resource, namespace, name, kind, problem
         FROM mw_issue_objects",
        [],
        |r| {
            Ok(ObjectIssue {
                cluster: r.get(0)?,
                api_group: r.get(1)?,
                resource: r.get(2)?,
                namespace: r.get(3)?,
                name: r.get(4)?,
                kind: r.get(5)?,
                problem: r.get(6)?,
            })
        },
    )?;
    for (file, line, issue) in locate_objects(staged, &objects) {
        conn.execute(
            "INSERT INTO mw_load_issues VALUES (?, ?, ?, ?)",
            params![file, line.map(|l| l as i64), issue.kind, issue.problem],
        )?;
    }

    for file in staged {
        if let Some(cut) = file.log_cut {
            conn.execute(
                "INSERT INTO mw_load_issues VALUES (?, ?, ?, ?)",
                params![
                    file.path.to_string(),
                    (cut.kept + 1) as i64,
                    LOG_TRUNCATED,
                    log_cut_problem(&cut)
                ],
            )?;
        }
    }
    conn.execute_batch(
        "CREATE TABLE load_issues AS
         SELECT * FROM mw_load_issues ORDER BY file, line NULLS FIRST, kind, problem",
    )
}

/// The text of a log file's cut, naming the cap that made it.
fn log_cut_problem(cut: &LogCut) -> String {
    let (cap, env) = if cut.by_bundle_cap {
        ("the bundle's log line cap", MAX_LOG_LINES_ENV)
    } else {
        ("the per-file log line cap", MAX_LOG_LINES_PER_FILE_ENV)
    };
    format!(
        "truncated: only the first {} of {} lines loaded ({cap}; raise {env}); \
         entries past the cut are not in logs",
        cut.kept, cut.total
    )
}

/// The runs of blank lines of a staged NDJSON file up to its `last_row`-th row, as (rows
/// before the run, blank lines in it): a row's line is its ordinal plus the blank lines of the
/// runs before it.
fn blank_runs(local: &Path, last_row: u64) -> std::io::Result<Vec<(u64, u64)>> {
    let mut input = BufReader::with_capacity(1 << 20, File::open(local)?);
    let mut runs: Vec<(u64, u64)> = Vec::new();
    let (mut rows, mut line) = (0u64, Vec::new());
    while rows < last_row {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if line.trim_ascii().is_empty() {
            match runs.last_mut() {
                Some((before, blanks)) if *before == rows => *blanks += 1,
                _ => runs.push((rows, 1)),
            }
        } else {
            rows += 1;
        }
    }
    Ok(runs)
}

struct ObjectIssue {
    cluster: Option<String>,
    api_group: Option<String>,
    resource: Option<String>,
    namespace: Option<String>,
    name: Option<String>,
    kind: String,
    problem: String,
}

/// The head of an object, all that is read to find it again.
#[derive(serde::Deserialize)]
struct Head {
    metadata: Option<Meta>,
}

#[derive(serde::Deserialize, PartialEq, Eq, PartialOrd, Ord)]
struct Meta {
    namespace: Option<String>,
    name: Option<String>,
}

/// The bundle file and line of each object issue: the first object of that namespace and name
/// in a list of its cluster, group and resource (None when it cannot be found again).
fn locate_objects<'a>(
    staged: &[StagedFile],
    issues: &'a [ObjectIssue],
) -> Vec<(String, Option<u64>, &'a ObjectIssue)> {
    let mut found = Vec::new();
    let mut unplaced: BTreeSet<usize> = (0..issues.len()).collect();
    for file in staged {
        let mwtrace_bundle::BundlePath::Kube {
            cluster,
            group,
            resource,
            ..
        } = &file.path
        else {
            continue;
        };
        let api_group = mwtrace_bundle::BundlePath::api_group(group);
        let mine: BTreeMap<(Option<&str>, Option<&str>), Vec<usize>> = unplaced
            .iter()
            .filter(|&&i| {
                let issue = &issues[i];
                issue.cluster.as_deref() == Some(cluster.as_str())
                    && issue.api_group.as_deref() == Some(api_group)
                    && issue.resource.as_deref() == Some(resource.as_str())
            })
            .fold(BTreeMap::new(), |mut map, &i| {
                let key = (issues[i].namespace.as_deref(), issues[i].name.as_deref());
                map.entry(key).or_insert_with(Vec::new).push(i);
                map
            });
        if mine.is_empty() {
            continue;
        }
        let Ok(input) = File::open(&file.local) else {
            continue;
        };
        for (index, line) in BufReader::with_capacity(1 << 20, input)
            .split(b'\n')
            .enumerate()
        {
            let Ok(line) = line else { break };
            let Ok(Head {
                metadata: Some(meta),
            }) = serde_json::from_slice::<Head>(&line)
            else {
                continue;
            };
            let key = (meta.namespace.as_deref(), meta.name.as_deref());
            for &i in mine.get(&key).into_iter().flatten() {
                if unplaced.remove(&i) {
                    found.push((file.path.to_string(), Some(index as u64 + 1), &issues[i]));
                }
            }
        }
    }
    for i in unplaced {
        let issue = &issues[i];
        let file = format!(
            "kube/{}/{}/{}",
            issue.cluster.as_deref().unwrap_or("?"),
            issue.api_group.as_deref().unwrap_or("?"),
            issue.resource.as_deref().unwrap_or("?")
        );
        found.push((file, None, issue));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_runs_shift_the_rows_after_them() {
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("0.ndjson");
        std::fs::write(&local, "{}\n\n\n{}\n{}\n\n{}\n").unwrap();
        // rows at lines 1, 4, 5, 7: two blanks after row 1, one after row 3
        assert_eq!(blank_runs(&local, 4).unwrap(), [(1, 2), (3, 1)]);
        assert_eq!(blank_runs(&local, 1).unwrap(), []);
    }
}
