//! `--search TEXT` and "did you mean": partial, case-insensitive matches over work names,
//! resource ids, cluster ids, manifest names, object names and AppliedManifestWork names,
//! ranked exact, then prefix, then substring.

use duckdb::Connection;

use super::model::SearchMatch;
use crate::query::rows;
use crate::shell::shell_word;

const LIMIT: i64 = 50;

const SEARCH_SQL: &str = "
WITH q AS (SELECT lower(trim(?)) AS q),
hits AS (
    SELECT 'work_name' AS what, 1 AS ord, work_name AS value,
           'resource ' || id || CASE WHEN is_deleted THEN ' (deleted)' ELSE '' END AS detail,
           '--work-name ' || work_name AS trace
    FROM resources, q WHERE contains(lower(work_name), q.q)
    UNION ALL
    SELECT 'resource_id', 2, id, coalesce('work ' || work_name, 'no work name'), '--resource-id ' || id
    FROM resources, q WHERE contains(lower(id), q.q)
    UNION ALL
    SELECT DISTINCT 'cid', 3, cid, 'hosted cluster id', '--cluster-id ' || cid
    FROM (SELECT cid FROM resources UNION SELECT cid FROM hosted_clusters
          UNION SELECT cid FROM managed_clusters UNION SELECT cid FROM manifest_works), q
    WHERE cid IS NOT NULL AND contains(lower(cid), q.q)
    UNION ALL
    SELECT 'manifest', 4, m.name,
           m.kind || ' ' || coalesce(m.namespace || '/', '') || m.name || ' in resource ' || m.resource_id,
           '--manifest ' || lower(m.kind) || '/' || coalesce(m.namespace || '/', '') || m.name
    FROM mw_resource_manifests m, q WHERE contains(lower(m.name), q.q)
    UNION ALL
    SELECT 'object', 5, o.name,
           o.kind || ' ' || coalesce(o.namespace || '/', '') || o.name || ' on ' || o.cluster,
           '--manifest ' || lower(o.kind) || '/' || coalesce(o.namespace || '/', '') || o.name
    FROM objects o, q
    WHERE o.kind NOT IN ('AppliedManifestWork') AND contains(lower(o.name), q.q)
    UNION ALL
    SELECT 'applied_manifest_work', 6, a.name,
           'layer ' || a.layer || ' AppliedManifestWork on ' || a.cluster || ' for ' || a.manifest_work_name,
           '--manifest appliedmanifestwork/' || a.name
    FROM applied_manifest_works a, q WHERE contains(lower(a.name), q.q)
    UNION ALL
    -- The labels support engineers know a cluster by (its ARM/CS name and id).
    SELECT 'label', 7, r.value,
           'label ' || r.key || ' of resource ' || r.id || coalesce(' (cluster id ' || r.cid || ')', ''),
           coalesce('--cluster-id ' || r.cid, '--resource-id ' || r.id)
    FROM (SELECT id, cid, key, json_extract_string(labels, '$.\"' || key || '\"') AS value
          FROM (SELECT id, cid, labels,
                       unnest(['api.openshift.com/name', 'api.openshift.com/id']) AS key
                FROM resources)) r, q
    WHERE contains(lower(r.value), q.q)
    UNION ALL
    SELECT 'label', 7, o.value,
           'label ' || o.key || ' of ' || o.kind || ' ' || coalesce(o.namespace || '/', '') || o.name || ' on ' || o.cluster,
           coalesce('--cluster-id ' || o.cid,
                    '--manifest ' || lower(o.kind) || '/' || coalesce(o.namespace || '/', '') || o.name)
    FROM (SELECT cluster, kind, namespace, name, key,
                 json_extract_string(labels, '$.\"' || key || '\"') AS value,
                 json_extract_string(labels, '$.\"api.openshift.com/id\"') AS cid
          FROM (SELECT cluster, kind, namespace, name, labels,
                       unnest(['api.openshift.com/name', 'api.openshift.com/id']) AS key
                FROM objects
                WHERE kind IN ('HostedCluster', 'NodePool', 'ManagedCluster', 'ManifestWork'))) o, q
    WHERE contains(lower(o.value), q.q)
), ranked AS (
    SELECT DISTINCT CASE WHEN lower(value) = q.q THEN 0 WHEN starts_with(lower(value), q.q) THEN 1 ELSE 2 END AS rank,
           what, ord, value, detail, trace
    FROM hits, q
)
SELECT rank, what, ord, value, detail, trace, count(*) OVER () AS total
FROM ranked
ORDER BY rank, ord, value, detail
LIMIT ?";

/// The best matches of `text` (at most [`LIMIT`]) and how many there are in all.
pub(crate) fn search_counted(
    conn: &Connection,
    text: &str,
) -> duckdb::Result<(Vec<SearchMatch>, usize)> {
    if text.trim().is_empty() {
        return Ok((Vec::new(), 0));
    }
    let mut total = 0;
    let found = rows(conn, SEARCH_SQL, duckdb::params![text, LIMIT], |r| {
        total = r.get::<_, i64>(6)? as usize;
        Ok(SearchMatch {
            rank: r.get(0)?,
            what: r.get(1)?,
            value: r.get(3)?,
            detail: r.get(4)?,
            trace: trace_command(&r.get::<_, String>(5)?),
        })
    })?;
    Ok((found, total))
}

/// `mwtrace trace SNAPSHOT --flag VALUE` for a hit's `--flag VALUE`, the value (from the
/// bundle) one shell word.
fn trace_command(entry: &str) -> String {
    match entry.split_once(' ') {
        Some((flag, value)) => format!("mwtrace trace SNAPSHOT {flag} {}", shell_word(value)),
        None => format!("mwtrace trace SNAPSHOT {entry}"),
    }
}

pub(crate) fn search(conn: &Connection, text: &str) -> duckdb::Result<Vec<SearchMatch>> {
    Ok(search_counted(conn, text)?.0)
}

/// Suggestions for something not found: matches of the whole text, else of its longer parts
/// (the pieces of a name between dashes, the first group of a UUID).
pub(crate) fn suggest(conn: &Connection, text: &str) -> duckdb::Result<Vec<SearchMatch>> {
    let whole = search(conn, text)?;
    if !whole.is_empty() {
        return Ok(whole.into_iter().take(10).collect());
    }
    let mut found: Vec<SearchMatch> = Vec::new();
    for part in text.split(['-', '.', '/', '_']).filter(|p| p.len() >= 4) {
        for m in search(conn, part)? {
            if !found.iter().any(|f| f.what == m.what && f.value == m.value) {
                found.push(m);
            }
        }
    }
    found.sort_by(|a, b| a.rank.cmp(&b.rank).then(a.value.cmp(&b.value)));
    found.truncate(10);
    Ok(found)
}
