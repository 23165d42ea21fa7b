//! `mwtrace transitions`: the SREs' transitions matrix. Per resource bundle, the log lines at
//! the seven layers a request crosses (server from client, server to broker, agent from broker,
//! agent on the cluster, agent status to broker, server status from broker, server to
//! subscribers), and the first layer that breaks the expectations: layers 1-3 equal, layer 4 at
//! least the spec count, the status layers 5-7 roughly equal and at least the spec count.
//!
//! Lines are matched by the stage table `trace --logs` uses ([`stages`]), counted in one SQL
//! pass over `logs`. Lines carry the resource id (`resourceid`/`resourceID`) except the agent's
//! apply lines, which name the object (`resourceNamespace`/`resourceName`, `gvr`): those are
//! attributed to the one bundle whose layer-1 AppliedManifestWork applied that object, or whose
//! manifests name it, and left unattributed when several bundles do.
//!
//! Trust: a layer whose side (server or agent) has no logs in the snapshot is "not collected"
//! (null, never 0), and one whose log files the load cut is "truncated"; neither is blamed.

pub mod render;
pub(crate) mod stages;

use std::collections::{BTreeMap, BTreeSet};

use duckdb::Connection;
use serde::{Deserialize, Serialize};

use crate::query::rows;
use stages::{Role, STAGES};

/// What `mwtrace transitions` asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub cluster_id: Option<String>,
    pub resource_id: Option<String>,
}

/// `mwtrace transitions -o json` (a stable schema: fields are only added).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct TransitionsReport {
    /// The `--cluster-id` asked for.
    pub cluster_id: Option<String>,
    /// The `--resource-id` asked for.
    pub resource_id: Option<String>,
    /// The seven layers, in order: what each counts.
    pub layer_definitions: Vec<LayerDefinition>,
    /// Whether the DB `resources` table was collected: when it was, the bundles are its rows
    /// (plus ids seen only in the logs); when not, the ids seen in the logs.
    pub db_collected: bool,
    /// Whether the snapshot holds Maestro server logs: `collected`, `not_collected` or
    /// `truncated` (the load cut some of its files).
    pub server_logs: Collection,
    /// The same for the Maestro agent logs (of any management cluster).
    pub agent_logs: Collection,
    /// Log files the load cut (`load_issues`): counts from them are lower bounds.
    pub truncated_files: Vec<String>,
    /// One row per bundle: bundles that break the expectations first (by their first broken
    /// layer), then by cluster id, work name and resource id.
    pub bundles: Vec<BundleTransitions>,
    /// Per layer, the sum over the bundles listed of the counts collected; null when no listed
    /// bundle has that layer collected.
    pub totals: Vec<Option<u64>>,
    /// Per layer, the lines of that layer tied to no bundle (no resource id, and an object
    /// name several bundles or none apply); not filtered by --cluster-id/--resource-id.
    pub unattributed: Vec<u64>,
    /// How many bundles break the expectations.
    pub broken: usize,
}

/// One layer of the matrix.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LayerDefinition {
    /// 1-7.
    pub layer: u8,
    /// The stage name `trace --logs` uses for the same lines (`applied_by_agent` is not a
    /// trace stage: its lines carry no resource id).
    pub name: String,
    pub title: String,
    /// `maestro-server` or `maestro-agent`.
    pub component: String,
    /// Lowercase text the message contains (any of them; case-insensitive match).
    pub messages: Vec<String>,
}

/// Whether a side's logs are in the snapshot.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    Collected,
    /// The load cut some of its files: counts are lower bounds, never blamed.
    Truncated,
    /// No log of that side for the bundle's cluster(s): counts are null, never blamed.
    NotCollected,
}

impl Collection {
    pub fn as_str(self) -> &'static str {
        match self {
            Collection::Collected => "collected",
            Collection::Truncated => "truncated",
            Collection::NotCollected => "not collected",
        }
    }
}

/// One resource bundle's row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct BundleTransitions {
    pub resource_id: String,
    /// The user's work name (DB payload.metadata.name; for an id seen only in the logs, the
    /// name its lines carry).
    pub work_name: Option<String>,
    /// The CS cluster id.
    pub cid: Option<String>,
    /// The Maestro consumer (management cluster agent), from the DB.
    pub consumer: Option<String>,
    /// A row of the DB `resources` table; false for an id seen only in the logs; null when
    /// the DB was not collected.
    pub in_db: Option<bool>,
    /// The seven counts, layer 1 first; null where that side's logs were not collected.
    pub layers: Vec<Option<u64>>,
    /// Per layer: collected, truncated or not_collected.
    pub coverage: Vec<Collection>,
    /// Agent lines (layer 4) counted for this bundle through the object they name rather than
    /// a resource id.
    pub attributed_by_name: u64,
    /// The first layer (1-7) that breaks the expectations, among the collected ones; null
    /// when none does.
    pub first_broken_layer: Option<u8>,
    /// That layer's failure in words ("the agent never received the spec").
    pub broken: Option<String>,
}

/// "Roughly equal" for the status layers: apart by at most 10% of the larger count (rounded
/// down), or by 1.
pub fn roughly_equal(a: u64, b: u64) -> bool {
    let (lo, hi) = (a.min(b), a.max(b));
    hi - lo <= 1.max(hi / 10)
}

fn side(layer: u8) -> Role {
    stages::of_layer(layer).role
}

/// The words for layer `layer` seen `n` times where `expected` were (from layer `against`).
fn words(layer: u8, n: u64, expected: u64, against: u8) -> String {
    let stage = stages::of_layer(layer);
    if n == 0 {
        return stage.never.to_string();
    }
    format!(
        "{}: {n} line{} where layer {against} has {expected}",
        stage.never.replacen(" never ", " ", 1),
        if n == 1 { "" } else { "s" }
    )
}

/// The first layer that breaks the expectations, with its words; only layers collected whole
/// are judged.
pub fn first_broken(layers: &[Option<u64>], coverage: &[Collection]) -> Option<(u8, String)> {
    let judged = |layer: u8| -> Option<u64> {
        let i = usize::from(layer - 1);
        match coverage[i] {
            Collection::Collected => layers[i],
            _ => None,
        }
    };
    // Layers 1-3 equal: the lower of two neighbours is the one that lost lines.
    let mut previous: Option<(u8, u64)> = None;
    for layer in 1..=3 {
        let Some(n) = judged(layer) else { continue };
        if let Some((p, m)) = previous
            && n != m
        {
            return Some(if n < m {
                (layer, words(layer, n, m, p))
            } else {
                (p, words(p, m, n, layer))
            });
        }
        previous = Some((layer, n));
    }
    let spec = (1..=3).find_map(|l| judged(l).map(|n| (l, n)));
    if let (Some(n), Some((l, s))) = (judged(4), spec)
        && n < s
    {
        return Some((4, words(4, n, s, l)));
    }
    let mut previous: Option<(u8, u64)> = None;
    for layer in 5..=7 {
        let Some(n) = judged(layer) else { continue };
        if let Some((l, s)) = spec
            && n < s
        {
            return Some((layer, words(layer, n, s, l)));
        }
        if let Some((p, m)) = previous
            && !roughly_equal(n, m)
        {
            return Some(if n < m {
                (layer, words(layer, n, m, p))
            } else {
                (p, words(p, m, n, layer))
            });
        }
        previous = Some((layer, n));
    }
    None
}

/// Which clusters run each consumer (`consumer_clusters`).
fn consumer_clusters(conn: &Connection) -> duckdb::Result<BTreeMap<String, BTreeSet<String>>> {
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (consumer, cluster) in rows(
        conn,
        "SELECT consumer, cluster FROM consumer_clusters",
        [],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )? {
        map.entry(consumer).or_default().insert(cluster);
    }
    Ok(map)
}

/// Per (resource id, layer): the lines, and how many were attributed by object name.
struct Counted {
    counts: BTreeMap<String, [u64; 7]>,
    by_name: BTreeMap<String, u64>,
    /// Agent clusters whose lines a bundle has.
    clusters: BTreeMap<String, BTreeSet<String>>,
    cids: BTreeMap<String, String>,
    works: BTreeMap<String, String>,
    unattributed: [u64; 7],
}

/// One pass over `logs`: each line's layer (the shared matcher as SQL) and bundle (its
/// resource id, else the one bundle that applies the object an agent line names).
fn count(conn: &Connection) -> duckdb::Result<Counted> {
    let layer = stages::layer_sql();
    let role = stages::role_sql();
    let named = stages::NAMED_OBJECT_COLUMNS;
    let by_name = stages::attributed_by_name_sql("SELECT * FROM matched");
    let sql = format!(
        "WITH lines AS (
             SELECT cluster, namespace, pod, container, line, resource_id, cid, work_name,
                    ({role}) AS side, {named}, ({layer}) AS layer
             FROM logs
             WHERE component IN ('maestro-server', 'maestro-agent')
                OR fields ->> 'eventType' IS NOT NULL
         ), matched AS (
             SELECT * FROM lines WHERE layer IS NOT NULL
         ), by_name AS ({by_name})
         SELECT coalesce(l.resource_id, b.rid) AS rid, l.layer, l.side, l.cluster,
                count(*) AS n, count(b.rid) AS by_name,
                any_value(l.cid) FILTER (WHERE l.cid IS NOT NULL),
                any_value(l.work_name) FILTER (WHERE l.work_name IS NOT NULL
                                                 AND l.work_name <> l.resource_id)
         FROM matched l LEFT JOIN by_name b
           USING (cluster, namespace, pod, container, line)
         GROUP BY ALL ORDER BY ALL"
    );
    type Row = (
        Option<String>,
        i64,
        Option<String>,
        String,
        i64,
        i64,
        Option<String>,
        Option<String>,
    );
    let found: Vec<Row> = rows(conn, &sql, [], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })?;
    let mut counted = Counted {
        counts: BTreeMap::new(),
        by_name: BTreeMap::new(),
        clusters: BTreeMap::new(),
        cids: BTreeMap::new(),
        works: BTreeMap::new(),
        unattributed: [0; 7],
    };
    for (rid, layer, side, cluster, n, by_name, cid, work) in found {
        let i = (layer.clamp(1, 7) - 1) as usize;
        let Some(rid) = rid else {
            counted.unattributed[i] += n as u64;
            continue;
        };
        counted.counts.entry(rid.clone()).or_insert([0; 7])[i] += n as u64;
        *counted.by_name.entry(rid.clone()).or_default() += by_name as u64;
        if side.as_deref() == Some(Role::Agent.component()) {
            counted
                .clusters
                .entry(rid.clone())
                .or_default()
                .insert(cluster);
        }
        if let Some(cid) = cid {
            counted.cids.entry(rid.clone()).or_insert(cid);
        }
        if let Some(work) = work {
            counted.works.entry(rid).or_insert(work);
        }
    }
    Ok(counted)
}

/// The sides whose logs the snapshot holds: (cluster, side) -> truncated. A side is collected
/// when a log file of its pods is in the bundle (even an empty one: the pod logged nothing),
/// or when lines of pods with other names carry its CloudEvents.
fn sides(
    conn: &Connection,
    truncated: &[String],
) -> duckdb::Result<BTreeMap<(String, Role), bool>> {
    let role = stages::role_sql();
    let mut present: Vec<(String, Option<String>)> = rows(
        conn,
        &format!(
            "SELECT DISTINCT cluster, ({role}) FROM logs
             WHERE component IS NULL AND fields ->> 'eventType' IS NOT NULL"
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let role_of = |component: &str| match component {
        "maestro-server" => Some(Role::Server),
        "maestro-agent" => Some(Role::Agent),
        _ => None,
    };
    // logs/<cluster>/<namespace>/<pod>/<container>.log
    let file_side = |file: &str| -> Option<(String, Role)> {
        let parts: Vec<&str> = file.split('/').collect();
        let ["logs", cluster, namespace, pod, container] = parts[..] else {
            return None;
        };
        let container = container.strip_suffix(".log").unwrap_or(container);
        let role = mwtrace_logs::component(namespace, pod, container).and_then(role_of)?;
        Some((cluster.to_string(), role))
    };
    let files: Vec<String> = rows(
        conn,
        "SELECT path FROM bundle_files WHERE path LIKE 'logs/%'",
        [],
        |r| r.get(0),
    )?;
    let mut map = BTreeMap::new();
    for file in &files {
        if let Some(key) = file_side(file) {
            map.insert(key, false);
        }
    }
    for (cluster, component) in present.drain(..) {
        if let Some(role) = component.as_deref().and_then(role_of) {
            map.entry((cluster, role)).or_insert(false);
        }
    }
    for file in truncated {
        if let Some(key) = file_side(file) {
            map.insert(key, true);
        }
    }
    Ok(map)
}

fn collection(
    sides: &BTreeMap<(String, Role), bool>,
    role: Role,
    clusters: Option<&BTreeSet<String>>,
) -> Collection {
    let mut found = false;
    for ((cluster, r), truncated) in sides {
        if *r != role || clusters.is_some_and(|set| !set.contains(cluster)) {
            continue;
        }
        if *truncated {
            return Collection::Truncated;
        }
        found = true;
    }
    match found {
        true => Collection::Collected,
        false => Collection::NotCollected,
    }
}

struct DbRow {
    id: String,
    work_name: Option<String>,
    cid: Option<String>,
    consumer: Option<String>,
}

/// The matrix for the bundles `filter` selects.
pub fn transitions(conn: &Connection, filter: &Filter) -> duckdb::Result<TransitionsReport> {
    let cluster_id = filter.cluster_id.as_deref().map(str::trim);
    let resource_id = filter
        .resource_id
        .as_deref()
        .map(|id| id.trim().to_lowercase());
    let db_collected = rows(
        conn,
        "SELECT count(*) FROM coverage
         WHERE source = 'db' AND resource = 'resources' AND collected",
        [],
        |r| r.get::<_, i64>(0),
    )?
    .first()
    .is_some_and(|n| *n > 0);
    let db: Vec<DbRow> = rows(
        conn,
        "SELECT id, work_name, cid, consumer_name FROM resources
         WHERE (?1::VARCHAR IS NULL OR cid = ?1::VARCHAR)
           AND (?2::VARCHAR IS NULL OR lower(id) = ?2::VARCHAR)
         ORDER BY id",
        duckdb::params![cluster_id, resource_id],
        |r| {
            Ok(DbRow {
                id: r.get(0)?,
                work_name: r.get(1)?,
                cid: r.get(2)?,
                consumer: r.get(3)?,
            })
        },
    )?;
    let in_db: BTreeSet<String> = rows(conn, "SELECT lower(id) FROM resources", [], |r| r.get(0))?
        .into_iter()
        .collect();
    let truncated_files = crate::load::issues::truncated_logs(conn)?;
    let sides = sides(conn, &truncated_files)?;
    let consumers = consumer_clusters(conn)?;
    let counted = count(conn)?;

    let mut selected: Vec<DbRow> = db;
    for rid in counted.counts.keys() {
        if in_db.contains(&rid.to_lowercase()) {
            continue;
        }
        let cid = counted.cids.get(rid);
        if resource_id
            .as_deref()
            .is_some_and(|want| want != rid.to_lowercase())
            || cluster_id.is_some_and(|want| cid.map(String::as_str) != Some(want))
        {
            continue;
        }
        selected.push(DbRow {
            id: rid.clone(),
            work_name: counted.works.get(rid).cloned(),
            cid: cid.cloned(),
            consumer: None,
        });
    }

    let mut bundles: Vec<BundleTransitions> = selected
        .into_iter()
        .map(|row| {
            let known = in_db.contains(&row.id.to_lowercase());
            // The agent's cluster(s): the consumer's, else those its lines came from, else any.
            let agent_clusters = row
                .consumer
                .as_ref()
                .and_then(|c| consumers.get(c))
                .or_else(|| counted.clusters.get(&row.id));
            let server = collection(&sides, Role::Server, None);
            let agent = collection(&sides, Role::Agent, agent_clusters);
            let counts = counted.counts.get(&row.id).copied().unwrap_or([0; 7]);
            let coverage: Vec<Collection> = (1..=7)
                .map(|l| match side(l) {
                    Role::Server => server,
                    Role::Agent => agent,
                })
                .collect();
            let layers: Vec<Option<u64>> = (0..7)
                .map(|i| (coverage[i] != Collection::NotCollected).then_some(counts[i]))
                .collect();
            let broken = first_broken(&layers, &coverage);
            BundleTransitions {
                work_name: row
                    .work_name
                    .or_else(|| counted.works.get(&row.id).cloned()),
                cid: row.cid.or_else(|| counted.cids.get(&row.id).cloned()),
                consumer: row.consumer,
                in_db: db_collected.then_some(known),
                attributed_by_name: counted.by_name.get(&row.id).copied().unwrap_or(0),
                first_broken_layer: broken.as_ref().map(|(l, _)| *l),
                broken: broken.map(|(_, w)| w),
                layers,
                coverage,
                resource_id: row.id,
            }
        })
        .collect();
    bundles.sort_by(|a, b| {
        (a.first_broken_layer.is_none(), a.first_broken_layer)
            .cmp(&(b.first_broken_layer.is_none(), b.first_broken_layer))
            .then_with(|| a.cid.cmp(&b.cid))
            .then_with(|| a.work_name.cmp(&b.work_name))
            .then_with(|| a.resource_id.cmp(&b.resource_id))
    });
    let totals = (0..7)
        .map(|i| {
            bundles
                .iter()
                .filter_map(|b| b.layers[i])
                .fold(None, |sum: Option<u64>, n| Some(sum.unwrap_or(0) + n))
        })
        .collect();
    let layer_definitions = STAGES
        .iter()
        .filter_map(|s| {
            Some(LayerDefinition {
                layer: s.layer?,
                name: s.name.to_string(),
                title: s.title.to_string(),
                component: s.role.component().to_string(),
                messages: s.needles.iter().map(|n| n.to_string()).collect(),
            })
        })
        .collect();
    Ok(TransitionsReport {
        cluster_id: filter.cluster_id.clone(),
        resource_id: filter.resource_id.clone(),
        layer_definitions,
        db_collected,
        server_logs: collection(&sides, Role::Server, None),
        agent_logs: collection(&sides, Role::Agent, None),
        truncated_files,
        broken: bundles
            .iter()
            .filter(|b| b.first_broken_layer.is_some())
            .count(),
        bundles,
        totals,
        unattributed: counted.unattributed.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Collection::*;

    fn judge(layers: [Option<u64>; 7]) -> Option<(u8, String)> {
        let coverage: Vec<Collection> = layers
            .iter()
            .map(|n| if n.is_some() { Collected } else { NotCollected })
            .collect();
        first_broken(&layers, &coverage)
    }

    #[test]
    fn roughly_equal_is_ten_percent_or_one() {
        assert!(roughly_equal(0, 1));
        assert!(!roughly_equal(0, 2));
        assert!(roughly_equal(20, 22));
        assert!(!roughly_equal(20, 23));
        assert!(roughly_equal(100, 110));
        assert!(!roughly_equal(100, 112));
    }

    #[test]
    fn the_first_broken_layer() {
        let s = Some;
        assert_eq!(judge([s(2), s(2), s(2), s(3), s(2), s(2), s(2)]), None);
        assert_eq!(
            judge([s(2), s(2), s(0), s(0), s(0), s(0), s(0)]),
            Some((3, "the agent never received the spec".to_string()))
        );
        assert_eq!(
            judge([s(2), s(2), s(2), s(2), s(0), s(0), s(0)]).unwrap().0,
            5
        );
        let (layer, words) = judge([s(3), s(1), s(1), s(1), s(1), s(1), s(1)]).unwrap();
        assert_eq!(layer, 2);
        assert_eq!(
            words,
            "the server sent the spec to the broker: 1 line where layer 1 has 3"
        );
        // More lines later than earlier blames the earlier layer.
        assert_eq!(
            judge([s(1), s(2), s(2), s(2), s(2), s(2), s(2)]).unwrap().0,
            1
        );
        // Status layers: roughly equal, at least the spec count.
        assert_eq!(
            judge([s(1), s(1), s(1), s(1), s(5), s(5), s(2)]).unwrap().0,
            7
        );
        assert_eq!(judge([s(1), s(1), s(1), s(1), s(10), s(11), s(10)]), None);
        // Nothing happened in the logs' window: nothing is broken.
        assert_eq!(judge([s(0); 7]), None);
    }

    #[test]
    fn a_side_not_collected_is_never_blamed() {
        let s = Some;
        // No agent logs: layers 3-5 unknown; the server side agrees with itself.
        assert_eq!(
            judge([s(2), s(2), None, None, None, s(0), s(0)]).unwrap().0,
            6
        );
        assert_eq!(judge([s(2), s(2), None, None, None, s(2), s(2)]), None);
        // Truncated agent logs are counted but not judged.
        let layers = [s(2), s(2), s(0), s(0), s(0), s(2), s(2)];
        let coverage = [
            Collected, Collected, Truncated, Truncated, Truncated, Collected, Collected,
        ];
        assert_eq!(first_broken(&layers, &coverage), None);
    }
}
