//! Object history: the revisions `import` took from ARO HCP's Kusto `kubernetesResourceSnapshots`
//! (bundle entries `history/...`, `mwtrace_bundle::history`), loaded as `object_history` (one
//! row per revision, with the field paths an Update changed) and `condition_history` (one row
//! per run of a condition in the same state). Both tables exist, empty, in a bundle without
//! history, so queries and the timeline work on every bundle.
//!
//! The changed paths need the revision before each Update: DuckDB pairs them (a window sorted
//! on disk when large), and the pairs stream through [`crate::json_diff`] into a staged NDJSON
//! file that the table joins. No revision is held in memory beyond the pair being compared.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use duckdb::Connection;
use duckdb::arrow::array::{Array, AsArray};
use duckdb::arrow::datatypes::Int64Type;

use super::stage::StagedFile;
use super::{ndjson_files, sql_string};
use crate::json_diff::changed_paths;

pub(crate) fn load_history(
    conn: &Connection,
    files: &[&StagedFile],
    work: &Path,
    reader_options: &str,
) -> duckdb::Result<()> {
    let list = super::register_object_files(conn, "mw_history_files", files)?;
    let source = ndjson_files(&list, reader_options);
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE mw_history AS
         WITH parsed AS (
             SELECT r.json ->> 'ts' AS ts, r.json ->> 'event' AS event, r.json -> 'object' AS object,
                    json_extract(r.json, ['$.object.apiVersion', '$.object.kind',
                                          '$.object.metadata']) AS top,
                    r.filename
             FROM {source} r
         )
         SELECT row_number() OVER () AS rev, f.cluster, f.api_group,
                coalesce(p.top[1] ->> '$', f.group_version) AS api_version,
                coalesce(p.top[2] ->> '$', f.kind) AS kind,
                p.top[3] ->> 'namespace' AS namespace,
                p.top[3] ->> 'name' AS name,
                p.top[3] ->> 'uid' AS uid,
                mw_ts(p.ts) AS ts,
                p.event,
                p.top[3] ->> 'resourceVersion' AS resource_version,
                TRY_CAST(p.top[3] ->> 'generation' AS BIGINT) AS generation,
                p.object
         FROM parsed p JOIN mw_history_files f ON f.file = p.filename"
    ))?;
    let changes = work.join("history-changes.ndjson");
    write_changed_paths(conn, &changes)?;
    let changes_source = ndjson_files(&[sql_string(&changes.to_string_lossy())], reader_options);
    conn.execute_batch(&format!(
        "CREATE TABLE object_history AS
         WITH changes AS (
             SELECT CAST(c.json ->> 'rev' AS BIGINT) AS rev,
                    CAST(c.json -> 'paths' AS VARCHAR[]) AS changed_paths
             FROM {changes_source} c
         )
         SELECT h.cluster, h.api_group, h.api_version, h.kind, h.namespace, h.name, h.uid, h.ts,
                h.event, h.resource_version, h.generation, c.changed_paths, h.object,
                hash(h.name) AS name_key
         FROM mw_history h LEFT JOIN changes c USING (rev)
         ORDER BY h.cluster, h.kind, h.namespace, h.name, h.ts, h.rev;
         DROP TABLE mw_history;
         DROP TABLE mw_history_files;"
    ))?;
    conn.execute_batch(CONDITION_HISTORY_SQL)
}

/// `condition_history`: the conditions of every revision, one row per run of revisions in
/// which a condition of an object kept the same status, reason, message and transition time.
const CONDITION_HISTORY_SQL: &str = "
CREATE TABLE condition_history AS
WITH revisions AS (
    SELECT cluster, api_group, kind, namespace, name, uid, ts,
           unnest(json_transform(object,
               '{\"status\": {\"conditions\": [{\"type\": \"VARCHAR\", \"status\": \"VARCHAR\",
                 \"reason\": \"VARCHAR\", \"message\": \"VARCHAR\",
                 \"lastTransitionTime\": \"VARCHAR\"}]}}').status.conditions) AS c
    FROM object_history
    WHERE event <> 'Delete'
), states AS (
    SELECT cluster, api_group, kind, namespace, name, uid, ts, c.type AS type,
           c.status AS status, c.reason AS reason, c.message AS message,
           mw_ts(c.\"lastTransitionTime\") AS last_transition_time
    FROM revisions
), marked AS (
    SELECT *,
           CASE WHEN [status, reason, message, CAST(last_transition_time AS VARCHAR)]
                     IS NOT DISTINCT FROM
                     lag([status, reason, message, CAST(last_transition_time AS VARCHAR)])
                         OVER w
                THEN 0 ELSE 1 END AS starts
    FROM states
    WINDOW w AS (PARTITION BY cluster, api_group, kind, namespace, name, uid, type ORDER BY ts)
), runs AS (
    SELECT *, sum(starts) OVER (PARTITION BY cluster, api_group, kind, namespace, name, uid, type
                                ORDER BY ts ROWS UNBOUNDED PRECEDING) AS run
    FROM marked
)
SELECT cluster, api_group, kind, namespace, name, uid, type, status, reason, message,
       last_transition_time, min(ts) AS first_seen, max(ts) AS last_seen
FROM runs
GROUP BY cluster, api_group, kind, namespace, name, uid, type, run,
         status, reason, message, last_transition_time
ORDER BY cluster, kind, namespace, name, type, first_seen;
";

/// Writes `{\"rev\": N, \"paths\": [...]}` for every Update that has an earlier revision of the
/// same object (same cluster, kind, namespace, name and uid) to compare with.
fn write_changed_paths(conn: &Connection, path: &Path) -> duckdb::Result<()> {
    let io = |e: std::io::Error| duckdb::Error::ToSqlConversionFailure(Box::new(e));
    let mut out = BufWriter::new(File::create(path).map_err(io)?);
    let mut stmt = conn.prepare(
        "SELECT rev, CAST(previous AS VARCHAR), CAST(object AS VARCHAR)
         FROM (SELECT rev, event, object,
                      lag(object) OVER (PARTITION BY cluster, api_group, kind, namespace, name, uid
                                        ORDER BY ts, rev) AS previous
               FROM mw_history)
         WHERE event = 'Update' AND previous IS NOT NULL",
    )?;
    for batch in stmt.stream_arrow([])? {
        let batch = batch?;
        let revs = batch.column(0).as_primitive::<Int64Type>();
        let previous = batch.column(1).as_string::<i32>();
        let objects = batch.column(2).as_string::<i32>();
        for i in 0..batch.num_rows() {
            let (Ok(old), Ok(new)) = (
                serde_json::from_str(previous.value(i)),
                serde_json::from_str(objects.value(i)),
            ) else {
                continue;
            };
            let line = serde_json::json!({
                "rev": revs.value(i),
                "paths": changed_paths(&old, &new),
            });
            writeln!(out, "{line}").map_err(io)?;
        }
        debug_assert!(revs.null_count() == 0);
    }
    out.flush().map_err(io)
}
