//! The trace store over the loaded database, and the SQL that assembles the read model's
//! documents. Work and cluster documents are assembled at load (derive.sql: `work_traces`,
//! `cluster_traces`); link documents (for a namespace and name, a child uid, or a work name, the
//! rows of the snapshot that refer to it) are assembled here, per key on demand or per key slice
//! when the index is written. Both stores parse them with [`LinkDocument::parse`], which sorts
//! them, so both give the same trace.

use duckdb::Connection;

use super::model::*;
use super::{
    ConsumerCluster, SnapshotCluster, SnapshotFacts, SourceCoverage, StoreError, TraceStore,
    WorksBy,
};
use crate::query::{keyed, keyed_params, rfc3339_at, rows};

/// The trace store over a loaded database.
pub struct DbStore<'a>(pub &'a Connection);

impl DbStore<'_> {
    fn link_docs<D: LinkDocument>(&self, kind: LinkKind, key: &str) -> Result<Vec<D>, StoreError> {
        parsed(self.0, kind, Scope::Key(key))
    }

    fn trace_docs(&self, table: &str, column: &str, value: &str) -> duckdb::Result<Vec<String>> {
        rows(
            self.0,
            &format!("SELECT trace FROM {table} WHERE {}", keyed(column, 1)),
            keyed_params(&[value], &[]),
            |r| r.get::<_, String>(0),
        )
    }
}

impl SnapshotFacts {
    /// The facts of the loaded database `conn` (its `snapshot` and `clusters` tables).
    pub fn read(conn: &Connection) -> duckdb::Result<SnapshotFacts> {
        let created_at = rows(conn, "SELECT created_at FROM snapshot", [], |r| {
            rfc3339_at(r, 0)
        })?
        .into_iter()
        .next()
        .flatten();
        let clusters = rows(
            conn,
            "SELECT name, context, coalesce(role = 'service', false) FROM clusters ORDER BY name",
            [],
            |r| {
                Ok(SnapshotCluster {
                    name: r.get(0)?,
                    context: r.get(1)?,
                    service: r.get(2)?,
                })
            },
        )?;
        let coverage = rows(
            conn,
            "SELECT source, cluster, api_group, resource, collected, detail FROM coverage",
            [],
            |r| {
                Ok(SourceCoverage {
                    source: r.get(0)?,
                    cluster: r.get(1)?,
                    api_group: r.get(2)?,
                    resource: r.get(3)?,
                    collected: r.get(4)?,
                    detail: r.get(5)?,
                })
            },
        )?;
        let consumer_clusters = rows(
            conn,
            "SELECT DISTINCT consumer, cluster FROM consumer_clusters ORDER BY ALL",
            [],
            |r| {
                Ok(ConsumerCluster {
                    consumer: r.get(0)?,
                    cluster: r.get(1)?,
                })
            },
        )?;
        Ok(SnapshotFacts {
            created_at,
            clusters,
            coverage,
            consumer_clusters,
        })
    }
}

impl TraceStore for DbStore<'_> {
    fn facts(&self) -> Result<SnapshotFacts, StoreError> {
        Ok(SnapshotFacts::read(self.0)?)
    }

    fn work_docs(&self, by: WorksBy, value: &str) -> Result<Vec<WorkDoc>, StoreError> {
        self.trace_docs("work_traces", by.column(), value)?
            .iter()
            .map(|doc| serde_json::from_str(doc).map_err(StoreError::Document))
            .collect()
    }

    fn cluster_doc(&self, cid: &str) -> Result<ClusterDoc, StoreError> {
        match self.trace_docs("cluster_traces", "cid", cid)?.first() {
            Some(doc) => serde_json::from_str(doc).map_err(StoreError::Document),
            None => Ok(ClusterDoc::default()),
        }
    }

    fn named(&self, namespace: Option<&str>, name: &str) -> Result<NameLinks, StoreError> {
        let docs: Vec<NameLinks> = self.link_docs(LinkKind::Names, name)?;
        Ok(docs
            .into_iter()
            .find(|d| d.namespace.as_deref() == namespace)
            .unwrap_or_default())
    }

    fn owners_of(&self, uid: &str) -> Result<Owners, StoreError> {
        let docs = self.link_docs(LinkKind::Owners, uid)?;
        Ok(docs.into_iter().next().unwrap_or_default())
    }

    fn work_object(&self, name: &str) -> Result<WorkLinks, StoreError> {
        let docs = self.link_docs(LinkKind::Works, name)?;
        Ok(docs.into_iter().next().unwrap_or_default())
    }

    fn connection(&self) -> Option<&Connection> {
        Some(self.0)
    }
}

/// Which documents to read.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Those of one key value (a name, uid or work name).
    Key(&'a str),
    /// Those whose key value hashes (DuckDB hash()) into `low..=high`, after
    /// [`prepare_slices`]: the index is written slice by slice, never holding a table in memory.
    Slice(u64, u64),
}

/// Readies the database for reading in slices. A slice is read fast from a table ordered by
/// its key (DuckDB skips the row groups outside it); `objects` is not ordered by name (its
/// rows hold whole objects, too wide to sort), so its link columns are copied, ordered.
pub fn prepare_slices(conn: &Connection) -> duckdb::Result<()> {
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE mw_objects_by_name AS
         SELECT name_key, namespace, name, cluster, kind, resource, uid FROM objects
         WHERE name IS NOT NULL ORDER BY name_key",
    )
}

/// The kinds of link documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// [`NameLinks`], by namespace and name.
    Names,
    /// [`Owners`], by child uid.
    Owners,
    /// [`WorkLinks`], by work name.
    Works,
}

/// A link document as the database assembles it: its key and its JSON (lists unordered).
pub struct RawLinks {
    /// The namespace of a [`LinkKind::Names`] document.
    pub namespace: Option<String>,
    /// The name, uid or work name.
    pub key: String,
    pub json: String,
}

/// The documents are assembled in SQL (vectorized, on every core): at 100,000 resources
/// there are two million of them. `{objects}` is the objects' source, `{<column>}` each filter
/// on a key column.
const NAME_DOCS: &str = r#"
SELECT namespace, name,
       '{"namespace":' || coalesce(to_json(namespace)::VARCHAR, 'null')
       || ',"name":' || to_json(name)::VARCHAR
       || ',"objects":[' || coalesce(string_agg(j, ',') FILTER (WHERE t = 0), '')
       || '],"applied_by":[' || coalesce(string_agg(j, ',') FILTER (WHERE t = 1), '')
       || '],"in_works":[' || coalesce(string_agg(j, ',') FILTER (WHERE t = 2), '')
       || '],"in_resources":[' || coalesce(string_agg(j, ',') FILTER (WHERE t = 3), '')
       || ']}'
FROM (
    SELECT namespace, name, 0 AS t,
           to_json(struct_pack(cluster := cluster, kind := kind, resource := resource,
                               uid := uid))::VARCHAR AS j
    FROM {objects} WHERE {name}
    UNION ALL
    SELECT namespace, name, 1,
           to_json(struct_pack(cluster := cluster, amw_name := amw_name,
                               resource := resource))::VARCHAR
    FROM applied_resources WHERE {name}
    UNION ALL
    SELECT namespace, name, 2,
           to_json(struct_pack(cluster := cluster, work_namespace := work_namespace,
                               work_name := work_name, kind := kind))::VARCHAR
    FROM work_manifests WHERE {name}
    UNION ALL
    SELECT namespace, name, 3,
           to_json(struct_pack(resource_id := resource_id, kind := kind))::VARCHAR
    FROM mw_resource_manifests WHERE {name}
)
GROUP BY namespace, name"#;

const OWNER_DOCS: &str = r#"
SELECT NULL::VARCHAR, child_uid,
       '{"uid":' || to_json(child_uid)::VARCHAR || ',"owners":['
       || string_agg(to_json(struct_pack(cluster := cluster, kind := owner_kind,
                                         name := owner_name, uid := owner_uid,
                                         api_version := owner_api_version))::VARCHAR, ',')
       || ']}'
FROM owner_refs WHERE {child_uid}
GROUP BY child_uid"#;

const WORK_DOCS: &str = r#"
SELECT NULL::VARCHAR, name,
       '{"name":' || to_json(name)::VARCHAR
       || ',"amws":[' || coalesce(string_agg(j, ',') FILTER (WHERE t = 0), '')
       || '],"manifest_works":[' || coalesce(string_agg(j, ',') FILTER (WHERE t = 1), '')
       || ']}'
FROM (
    SELECT name, 0 AS t,
           to_json(struct_pack(cluster := cluster, name := name, uid := uid,
                               hub_hash := hub_hash, manifest_work_name := manifest_work_name,
                               layer := layer, resource_id := resource_id,
                               linked_by := linked_by))::VARCHAR AS j
    FROM applied_manifest_works WHERE {name}
    UNION ALL
    SELECT name, 1, to_json(struct_pack(cluster := cluster, namespace := namespace,
                                        uid := uid))::VARCHAR
    FROM manifest_works WHERE {name}
)
GROUP BY name"#;

/// The documents of `kind` in `scope`.
pub fn documents(
    conn: &Connection,
    kind: LinkKind,
    scope: Scope<'_>,
) -> duckdb::Result<Vec<RawLinks>> {
    let (sql, column) = match kind {
        LinkKind::Names => (NAME_DOCS, "name"),
        LinkKind::Owners => (OWNER_DOCS, "child_uid"),
        LinkKind::Works => (WORK_DOCS, "name"),
    };
    // `$1` (and `$2`) are bound once and used in every branch.
    let (filter, objects) = match scope {
        Scope::Key(_) => (
            format!("{column}_key = hash($1) AND {column} = $1"),
            "objects",
        ),
        Scope::Slice(..) => (
            format!("{column}_key BETWEEN $1 AND $2 AND {column} IS NOT NULL"),
            "mw_objects_by_name",
        ),
    };
    let sql = sql
        .replace("{objects}", objects)
        .replace(&format!("{{{column}}}"), &filter);
    let map = |r: &duckdb::Row<'_>| {
        Ok(RawLinks {
            namespace: r.get(0)?,
            key: r.get(1)?,
            json: r.get(2)?,
        })
    };
    match scope {
        Scope::Key(value) => rows(conn, &sql, [value], map),
        Scope::Slice(low, high) => rows(conn, &sql, duckdb::params![low, high], map),
    }
}

/// The documents of `kind` in `scope`, parsed.
pub fn parsed<D: LinkDocument>(
    conn: &Connection,
    kind: LinkKind,
    scope: Scope<'_>,
) -> Result<Vec<D>, StoreError> {
    documents(conn, kind, scope)?
        .iter()
        .map(|doc| D::parse(&doc.json).map_err(StoreError::Document))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        create_sample_tables(&conn);
        conn
    }

    /// The tables the link documents are read from, with a few rows.
    pub(crate) fn create_sample_tables(conn: &Connection) {
        conn.execute_batch(
            "CREATE TABLE objects AS SELECT *, hash(name) AS name_key, hash(uid) AS uid_key FROM (VALUES
                 ('mgmt-1', 'Deployment', 'deployments', 'ns-a', 'web', 'u-1'),
                 ('mgmt-1', 'ConfigMap', 'configmaps', 'ns-b', 'web', 'u-2'),
                 ('mgmt-2', 'Deployment', 'deployments', 'ns-a', 'web', 'u-3'),
                 ('mgmt-1', 'Namespace', 'namespaces', NULL, 'ns-a', 'u-4'))
               t(cluster, kind, resource, namespace, name, uid);
             CREATE TABLE applied_resources AS SELECT *, hash(name) AS name_key FROM (VALUES
                 ('mgmt-2', 'amw-2', 'deployments', 'ns-a', 'web'),
                 ('mgmt-1', 'amw-1', 'deployments', 'ns-a', 'web'),
                 ('mgmt-1', 'amw-1', 'deployments', 'ns-a', 'web'),
                 ('mgmt-1', 'amw-9', 'deployments', 'ns-a', NULL))
               t(cluster, amw_name, resource, namespace, name);
             CREATE TABLE work_manifests AS SELECT *, hash(name) AS name_key FROM (VALUES
                 ('mgmt-1', 'local-cluster', 'w-1', 'Deployment', 'ns-a', 'web'))
               t(cluster, work_namespace, work_name, kind, namespace, name);
             CREATE TABLE mw_resource_manifests AS SELECT *, hash(name) AS name_key FROM (VALUES
                 ('r-1', 'ManifestWork', 'local-cluster', 'w-1'))
               t(resource_id, kind, namespace, name);
             CREATE TABLE owner_refs AS SELECT *, hash(child_uid) AS child_uid_key FROM (VALUES
                 ('u-1', 'mgmt-1', 'ReplicaSet', 'web-1', 'u-9', 'apps/v1'))
               t(child_uid, cluster, owner_kind, owner_name, owner_uid, owner_api_version);
             CREATE TABLE applied_manifest_works AS
               SELECT *, hash(name) AS name_key, hash(uid) AS uid_key FROM (VALUES
                 ('mgmt-1', 'amw-1', 'u-1', 'h', 'w-1', 2, NULL, NULL))
               t(cluster, name, uid, hub_hash, manifest_work_name, layer, resource_id, linked_by);
             CREATE TABLE manifest_works AS SELECT *, hash(name) AS name_key FROM (VALUES
                 ('mgmt-1', 'local-cluster', 'w-1', 'u-5'))
               t(cluster, namespace, name, uid);",
        )
        .unwrap();
    }

    fn by_namespace(mut docs: Vec<NameLinks>) -> Vec<NameLinks> {
        docs.sort_by(|a, b| a.namespace.cmp(&b.namespace));
        docs
    }

    #[test]
    fn a_name_document_per_namespace_gathers_every_table_sorted_and_distinct() {
        let docs = by_namespace(parsed(&db(), LinkKind::Names, Scope::Key("web")).unwrap());
        assert_eq!(docs.len(), 2);
        let ns_a = &docs[0];
        assert_eq!(ns_a.namespace.as_deref(), Some("ns-a"));
        let clusters: Vec<_> = ns_a.objects.iter().map(|o| o.cluster.as_deref()).collect();
        assert_eq!(clusters, [Some("mgmt-1"), Some("mgmt-2")]);
        let amws: Vec<_> = ns_a
            .applied_by
            .iter()
            .map(|a| a.amw_name.as_deref())
            .collect();
        assert_eq!(amws, [Some("amw-1"), Some("amw-2")]);
        assert_eq!(ns_a.in_works[0].work_name.as_deref(), Some("w-1"));
        assert_eq!(docs[1].namespace.as_deref(), Some("ns-b"));
        assert_eq!(docs[1].objects[0].kind.as_deref(), Some("ConfigMap"));
        assert!(docs[1].applied_by.is_empty());
    }

    #[test]
    fn slices_of_the_key_space_hold_each_document_once_and_skip_null_names() {
        let conn = db();
        prepare_slices(&conn).unwrap();
        let whole =
            by_namespace(parsed(&conn, LinkKind::Names, Scope::Slice(0, u64::MAX)).unwrap());
        let mut halves = parsed(&conn, LinkKind::Names, Scope::Slice(0, u64::MAX / 2)).unwrap();
        halves.extend(
            parsed(
                &conn,
                LinkKind::Names,
                Scope::Slice(u64::MAX / 2 + 1, u64::MAX),
            )
            .unwrap(),
        );
        let halves = by_namespace(halves);
        assert_eq!(whole, halves);
        // web in ns-a and ns-b, ns-a (cluster-scoped), w-1 in local-cluster; no NULL name.
        let keys: Vec<_> = whole
            .iter()
            .map(|d| (d.namespace.as_deref(), d.name.as_str()))
            .collect();
        assert_eq!(keys.len(), 4, "{keys:?}");
        assert!(keys.contains(&(None, "ns-a")));
        assert!(keys.contains(&(Some("local-cluster"), "w-1")));
        let in_resources = &whole.iter().find(|d| d.name == "w-1").unwrap().in_resources;
        assert_eq!(in_resources[0].resource_id.as_deref(), Some("r-1"));
    }

    #[test]
    fn owner_and_work_documents_hold_owners_amws_and_crs() {
        let conn = db();
        let owned = parsed::<Owners>(&conn, LinkKind::Owners, Scope::Key("u-1")).unwrap();
        assert_eq!(owned.len(), 1);
        assert_eq!(owned[0].owners[0].name.as_deref(), Some("web-1"));
        let work = parsed::<WorkLinks>(&conn, LinkKind::Works, Scope::Key("w-1")).unwrap();
        assert_eq!(work[0].manifest_works[0].uid.as_deref(), Some("u-5"));
        assert!(work[0].amws.is_empty());
        assert_eq!(
            parsed::<WorkLinks>(&conn, LinkKind::Works, Scope::Key("amw-1")).unwrap()[0].amws[0]
                .layer,
            2
        );
        assert!(
            parsed::<Owners>(&conn, LinkKind::Owners, Scope::Key("nope"))
                .unwrap()
                .is_empty()
        );
    }
}
