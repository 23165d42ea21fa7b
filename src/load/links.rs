//! Link documents: for a namespace and name, a child uid, or a work name, the rows of the
//! snapshot that refer to it. A manifest trace (`--manifest`) walks these hop by hop, from an applied
//! object up to the Maestro resource. The trace index holds the document of every key, written
//! at load; the database assembles one on demand when the index cannot be used. Both come from
//! the readers below and are sorted the same way, so both give the same trace.

use duckdb::Connection;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::rows;
use crate::trace::AmwRef;

/// What names an object: by its namespace (None when cluster-scoped) and name.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameLinks {
    pub namespace: Option<String>,
    pub name: String,
    /// Objects of the snapshot with this namespace and name.
    pub objects: Vec<NamedObject>,
    /// AppliedManifestWorks whose `status.appliedResources` lists it.
    pub applied_by: Vec<AppliedBy>,
    /// ManifestWork CRs whose `spec.workload.manifests` holds it.
    pub in_works: Vec<InWork>,
    /// Maestro resources whose payload manifests hold it.
    pub in_resources: Vec<InResource>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NamedObject {
    pub cluster: Option<String>,
    pub kind: Option<String>,
    pub resource: Option<String>,
    pub uid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AppliedBy {
    pub cluster: Option<String>,
    pub amw_name: Option<String>,
    pub resource: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InWork {
    pub cluster: Option<String>,
    pub work_namespace: Option<String>,
    pub work_name: Option<String>,
    pub kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InResource {
    pub resource_id: Option<String>,
    pub kind: Option<String>,
}

/// The ownerReferences of the objects with a uid.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owners {
    pub uid: String,
    pub owners: Vec<Owner>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Owner {
    pub cluster: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub uid: Option<String>,
    pub api_version: Option<String>,
}

/// The AppliedManifestWorks and ManifestWork CRs with a name.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkLinks {
    pub name: String,
    pub amws: Vec<AmwRef>,
    pub manifest_works: Vec<WorkCr>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WorkCr {
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub uid: Option<String>,
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
                               layer := layer))::VARCHAR AS j
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

/// A link document: parsed from its JSON, then put in order (the SQL aggregates in no
/// particular order), so that the index and the database give the same walk.
pub trait LinkDocument: DeserializeOwned + Default {
    fn normalized(self) -> Self;

    fn parse(json: &str) -> serde_json::Result<Self> {
        Ok(serde_json::from_str::<Self>(json)?.normalized())
    }
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

impl LinkDocument for NameLinks {
    fn normalized(self) -> Self {
        NameLinks {
            objects: sorted(self.objects),
            applied_by: sorted(self.applied_by),
            in_works: sorted(self.in_works),
            in_resources: sorted(self.in_resources),
            ..self
        }
    }
}

impl LinkDocument for Owners {
    fn normalized(self) -> Self {
        Owners {
            owners: sorted(self.owners),
            ..self
        }
    }
}

impl LinkDocument for WorkLinks {
    fn normalized(self) -> Self {
        WorkLinks {
            amws: sorted(self.amws),
            manifest_works: sorted(self.manifest_works),
            ..self
        }
    }
}

/// The documents of `kind` in `scope`, parsed.
pub fn parsed<D: LinkDocument>(
    conn: &Connection,
    kind: LinkKind,
    scope: Scope<'_>,
) -> duckdb::Result<Vec<D>> {
    documents(conn, kind, scope)?
        .iter()
        .map(|doc| {
            D::parse(&doc.json).map_err(|e| {
                duckdb::Error::FromSqlConversionFailure(2, duckdb::types::Type::Text, Box::new(e))
            })
        })
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
                 ('mgmt-1', 'amw-1', 'u-1', 'h', 'w-1', 2))
               t(cluster, name, uid, hub_hash, manifest_work_name, layer);
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
