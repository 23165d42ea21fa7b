//! Link documents: for a namespace and name, a child uid, or a work name, the rows of the
//! snapshot that refer to it. A manifest trace (`--manifest`) walks these hop by hop, from an applied
//! object up to the Maestro resource. The trace index holds the document of every key, written
//! at load; the database assembles one on demand when the index cannot be used. Both come from
//! the readers below and are sorted the same way, so both give the same trace.

use std::collections::HashMap;
use std::hash::Hash;

use duckdb::Connection;
use serde::{Deserialize, Serialize};

use super::{keyed, keyed_params, rows};
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

/// `SELECT columns FROM table` in `scope`, keyed by `key_column`.
fn select<T>(
    conn: &Connection,
    table: &str,
    key_column: &str,
    columns: &str,
    scope: Scope<'_>,
    map: impl FnMut(&duckdb::Row<'_>) -> duckdb::Result<T>,
) -> duckdb::Result<Vec<T>> {
    match scope {
        Scope::Key(value) => rows(
            conn,
            &format!(
                "SELECT {columns} FROM {table} WHERE {}",
                keyed(key_column, 1)
            ),
            keyed_params(&[value], &[]),
            map,
        ),
        Scope::Slice(low, high) => rows(
            conn,
            &format!(
                "SELECT {columns} FROM {table}
                 WHERE {key_column}_key BETWEEN ? AND ? AND {key_column} IS NOT NULL"
            ),
            duckdb::params![low, high],
            map,
        ),
    }
}

/// The document under `key` in `docs`, created empty when new.
fn entry<K: Hash + Eq + Clone, D>(
    docs: &mut HashMap<K, D>,
    key: K,
    new: impl FnOnce(&K) -> D,
) -> &mut D {
    docs.entry(key.clone()).or_insert_with(|| new(&key))
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

/// The name documents in `scope` (for a key: every namespace of that name).
pub fn name_links(conn: &Connection, scope: Scope<'_>) -> duckdb::Result<Vec<NameLinks>> {
    type K = (Option<String>, String);
    let mut docs: HashMap<K, NameLinks> = HashMap::new();
    let new = |(namespace, name): &K| NameLinks {
        namespace: namespace.clone(),
        name: name.clone(),
        ..NameLinks::default()
    };
    let columns = "namespace, name, cluster, kind, resource, uid";
    let objects = match scope {
        Scope::Key(_) => "objects",
        Scope::Slice(..) => "mw_objects_by_name",
    };
    for (key, object) in select(conn, objects, "name", columns, scope, |r| {
        let object = NamedObject {
            cluster: r.get(2)?,
            kind: r.get(3)?,
            resource: r.get(4)?,
            uid: r.get(5)?,
        };
        Ok(((r.get(0)?, r.get(1)?), object))
    })? {
        entry(&mut docs, key, new).objects.push(object);
    }
    let columns = "namespace, name, cluster, amw_name, resource";
    for (key, by) in select(conn, "applied_resources", "name", columns, scope, |r| {
        let by = AppliedBy {
            cluster: r.get(2)?,
            amw_name: r.get(3)?,
            resource: r.get(4)?,
        };
        Ok(((r.get(0)?, r.get(1)?), by))
    })? {
        entry(&mut docs, key, new).applied_by.push(by);
    }
    let columns = "namespace, name, cluster, work_namespace, work_name, kind";
    for (key, work) in select(conn, "work_manifests", "name", columns, scope, |r| {
        let work = InWork {
            cluster: r.get(2)?,
            work_namespace: r.get(3)?,
            work_name: r.get(4)?,
            kind: r.get(5)?,
        };
        Ok(((r.get(0)?, r.get(1)?), work))
    })? {
        entry(&mut docs, key, new).in_works.push(work);
    }
    let columns = "namespace, name, resource_id, kind";
    for (key, resource) in select(conn, "resource_manifests", "name", columns, scope, |r| {
        let resource = InResource {
            resource_id: r.get(2)?,
            kind: r.get(3)?,
        };
        Ok(((r.get(0)?, r.get(1)?), resource))
    })? {
        entry(&mut docs, key, new).in_resources.push(resource);
    }
    Ok(docs
        .into_values()
        .map(|doc| NameLinks {
            objects: sorted(doc.objects),
            applied_by: sorted(doc.applied_by),
            in_works: sorted(doc.in_works),
            in_resources: sorted(doc.in_resources),
            ..doc
        })
        .collect())
}

/// The owner documents in `scope`, by child uid.
pub fn owners(conn: &Connection, scope: Scope<'_>) -> duckdb::Result<Vec<Owners>> {
    let mut docs: HashMap<String, Owners> = HashMap::new();
    let new = |uid: &String| Owners {
        uid: uid.clone(),
        ..Owners::default()
    };
    let columns = "child_uid, cluster, owner_kind, owner_name, owner_uid, owner_api_version";
    for (uid, owner) in select(conn, "owner_refs", "child_uid", columns, scope, |r| {
        let owner = Owner {
            cluster: r.get(1)?,
            kind: r.get(2)?,
            name: r.get(3)?,
            uid: r.get(4)?,
            api_version: r.get(5)?,
        };
        Ok((r.get(0)?, owner))
    })? {
        entry(&mut docs, uid, new).owners.push(owner);
    }
    Ok(docs
        .into_values()
        .map(|doc| Owners {
            owners: sorted(doc.owners),
            ..doc
        })
        .collect())
}

/// The work name documents in `scope`.
pub fn work_links(conn: &Connection, scope: Scope<'_>) -> duckdb::Result<Vec<WorkLinks>> {
    let mut docs: HashMap<String, WorkLinks> = HashMap::new();
    let new = |name: &String| WorkLinks {
        name: name.clone(),
        ..WorkLinks::default()
    };
    let columns = format!("name, {AMW_COLUMNS}");
    for (name, amw) in select(
        conn,
        "applied_manifest_works",
        "name",
        &columns,
        scope,
        |r| Ok((r.get(0)?, amw_ref(r, 1)?)),
    )? {
        entry(&mut docs, name, new).amws.push(amw);
    }
    let columns = "name, cluster, namespace, uid";
    for (name, cr) in select(conn, "manifest_works", "name", columns, scope, |r| {
        let cr = WorkCr {
            cluster: r.get(1)?,
            namespace: r.get(2)?,
            uid: r.get(3)?,
        };
        Ok((r.get(0)?, cr))
    })? {
        entry(&mut docs, name, new).manifest_works.push(cr);
    }
    Ok(docs
        .into_values()
        .map(|doc| WorkLinks {
            amws: sorted(doc.amws),
            manifest_works: sorted(doc.manifest_works),
            ..doc
        })
        .collect())
}

/// The columns of `applied_manifest_works` that [`amw_ref`] reads.
pub const AMW_COLUMNS: &str = "cluster, name, uid, hub_hash, manifest_work_name, layer";

/// An [`AmwRef`] from the [`AMW_COLUMNS`] of a row, starting at column `at`.
pub fn amw_ref(r: &duckdb::Row<'_>, at: usize) -> duckdb::Result<AmwRef> {
    Ok(AmwRef {
        cluster: r.get(at)?,
        name: r.get(at + 1)?,
        uid: r.get(at + 2)?,
        hub_hash: r.get(at + 3)?,
        manifest_work_name: r.get(at + 4)?,
        layer: r.get(at + 5)?,
    })
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
             CREATE TABLE resource_manifests AS SELECT *, hash(name) AS name_key FROM (VALUES
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
        let docs = by_namespace(name_links(&db(), Scope::Key("web")).unwrap());
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
        let whole = by_namespace(name_links(&conn, Scope::Slice(0, u64::MAX)).unwrap());
        let mut halves = name_links(&conn, Scope::Slice(0, u64::MAX / 2)).unwrap();
        halves.extend(name_links(&conn, Scope::Slice(u64::MAX / 2 + 1, u64::MAX)).unwrap());
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
        let owned = owners(&conn, Scope::Key("u-1")).unwrap();
        assert_eq!(owned.len(), 1);
        assert_eq!(owned[0].owners[0].name.as_deref(), Some("web-1"));
        let work = work_links(&conn, Scope::Key("w-1")).unwrap();
        assert_eq!(work[0].manifest_works[0].uid.as_deref(), Some("u-5"));
        assert!(work[0].amws.is_empty());
        assert_eq!(
            work_links(&conn, Scope::Key("amw-1")).unwrap()[0].amws[0].layer,
            2
        );
        assert!(owners(&conn, Scope::Key("nope")).unwrap().is_empty());
    }
}
