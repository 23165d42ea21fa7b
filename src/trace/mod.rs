//! Traces over a loaded snapshot: from a resource id, a work name, an applied object, a hosted
//! cluster id, or free text, through the Maestro DB and both AppliedManifestWork layers. Every
//! query joins the columns the loader extracted; nothing here parses payload JSON.

mod chain;
mod cluster;
pub mod kinds;
mod links;
pub mod logs;
pub mod model;
pub mod render;
mod search;
mod work;

use duckdb::Connection;

use crate::load::index::{IndexHeader, Key, TraceIndex};
use work::WorksBy;

pub(crate) use crate::load::{keyed, keyed_params, rows};

pub use model::*;

/// What the engineer asked to trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    ResourceId(String),
    WorkName(String),
    /// An operation id (op-id): the resources it touched, from the DB or from the logs.
    OpId(String),
    Manifest(ManifestRef),
    ClusterId(String),
    Search(String),
}

/// `KIND/NAMESPACE/NAME`, or `KIND/NAME` for a cluster-scoped object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRef {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ManifestRef {
    pub fn parse(text: &str) -> Result<ManifestRef, String> {
        let parts: Vec<&str> = text.split('/').collect();
        let nonempty = |s: &&str| !s.trim().is_empty();
        match parts.as_slice() {
            [kind, name] if nonempty(kind) && nonempty(name) => Ok(ManifestRef {
                kind: kind.trim().to_string(),
                namespace: None,
                name: name.trim().to_string(),
            }),
            [kind, ns, name] if nonempty(kind) && nonempty(ns) && nonempty(name) => {
                Ok(ManifestRef {
                    kind: kind.trim().to_string(),
                    namespace: Some(ns.trim().to_string()),
                    name: name.trim().to_string(),
                })
            }
            _ => Err(format!(
                "{text:?} is not KIND/NAMESPACE/NAME or KIND/NAME (example: deploy/default/nginx)"
            )),
        }
    }
}

impl std::fmt::Display for ManifestRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

impl Query {
    fn echo(&self) -> QueryEcho {
        let (kind, value) = match self {
            Query::ResourceId(v) => ("resource-id", v.clone()),
            Query::WorkName(v) => ("work-name", v.clone()),
            Query::OpId(v) => ("op-id", v.clone()),
            Query::Manifest(m) => ("manifest", m.to_string()),
            Query::ClusterId(v) => ("cluster-id", v.clone()),
            Query::Search(v) => ("search", v.clone()),
        };
        QueryEcho {
            kind: kind.to_string(),
            value,
        }
    }
}

/// An empty report of `query`.
fn new_report(ctx: &Context, query: &Query) -> TraceReport {
    TraceReport {
        schema: SCHEMA.to_string(),
        query: query.echo(),
        outcome: Outcome::Found,
        message: String::new(),
        snapshot_created_at: ctx.created_at.clone(),
        works: Vec::new(),
        chains: Vec::new(),
        cluster: None,
        matches: Vec::new(),
        next_steps: Vec::new(),
        logs: None,
    }
}

/// Runs a trace from the trace index alone, when it can answer: a resource id, work name,
/// cluster id or manifest that it holds. None sends the trace to [`run`] (nothing found needs
/// the database's suggestions; other entry points its tables).
pub fn run_indexed(index: &TraceIndex, query: &Query) -> Option<TraceReport> {
    let ctx = Context::from_index(&index.header);
    let mut report = new_report(&ctx, query);
    match query {
        Query::ResourceId(id) => {
            let works = work::indexed_works(index, WorksBy::Id, &id.trim().to_lowercase())?;
            work::report_works_found(&ctx, works, &mut report)?;
        }
        Query::WorkName(name) => {
            let works = work::indexed_works(index, WorksBy::WorkName, name.trim())?;
            work::report_works_found(&ctx, works, &mut report)?;
        }
        Query::ClusterId(cid) => {
            let cid = cid.trim();
            let works = work::indexed_works(index, WorksBy::Cid, cid)?;
            let doc = match index.docs(Key::Cluster(cid)).ok()?.as_slice() {
                [] => cluster::ClusterDoc::default(),
                [doc] => serde_json::from_str(doc).ok()?,
                _ => return None,
            };
            if !cluster::report_cluster(&ctx, cid, works, doc, &mut report) {
                return None;
            }
        }
        Query::Manifest(m) => {
            chain::trace_manifest(&links::IndexLinks(index), &ctx, m, &mut report).ok()?;
            if report.outcome == Outcome::NotFound {
                return None;
            }
        }
        _ => return None,
    }
    Some(report)
}

/// Runs a trace. Not finding anything is an answer (`Outcome::NotFound`), not an error.
pub fn run(conn: &Connection, query: &Query) -> duckdb::Result<TraceReport> {
    let ctx = Context::read(conn)?;
    let mut report = new_report(&ctx, query);
    match query {
        Query::ResourceId(id) => {
            let works = work::trace_works(conn, WorksBy::Id, &[id.trim().to_lowercase()])?;
            work::report_works(conn, &ctx, works, &mut report, id)?;
        }
        Query::WorkName(name) => {
            let works = work::trace_works(conn, WorksBy::WorkName, &[name.trim()])?;
            work::report_works(conn, &ctx, works, &mut report, name)?;
        }
        Query::OpId(op) => {
            let ids = logs::resources_of_op(conn, op)?;
            let works = work::trace_works(conn, WorksBy::Id, &ids)?;
            work::report_works(conn, &ctx, works, &mut report, op)?;
        }
        Query::Manifest(m) => {
            chain::trace_manifest(&links::DbLinks(conn), &ctx, m, &mut report)?;
            if report.outcome == Outcome::NotFound {
                report.matches = search::suggest(conn, &m.name)?;
            }
        }
        Query::ClusterId(cid) => cluster::trace_cluster(conn, &ctx, cid.trim(), &mut report)?,
        Query::Search(text) => {
            report.matches = search::search(conn, text)?;
            if report.matches.is_empty() {
                report.outcome = Outcome::NotFound;
                report.message = format!("Nothing in the snapshot matches {text:?}");
            } else {
                report.message = format!("{} matches for {text:?}", report.matches.len());
            }
        }
    }
    Ok(report)
}

/// Facts about the snapshot that every trace needs.
pub(crate) struct Context {
    pub created_at: Option<String>,
    /// (cluster name, kubectl context) of every cluster in the bundle.
    pub contexts: Vec<(String, Option<String>)>,
    /// The service cluster (where the Maestro DB runs), when the bundle names one.
    pub service_cluster: Option<String>,
}

impl Context {
    fn from_index(header: &IndexHeader) -> Context {
        Context {
            created_at: header.snapshot_created_at.clone(),
            contexts: header
                .clusters
                .iter()
                .map(|c| (c.name.clone(), c.context.clone()))
                .collect(),
            service_cluster: header
                .clusters
                .iter()
                .find(|c| c.service)
                .map(|c| c.name.clone()),
        }
    }

    pub(crate) fn read(conn: &Connection) -> duckdb::Result<Context> {
        let created_at = rows(conn, "SELECT created_at FROM snapshot", [], |r| {
            rfc3339_at(r, 0)
        })?
        .into_iter()
        .next()
        .flatten();
        let clusters = rows(
            conn,
            "SELECT name, context, role = 'service' FROM clusters ORDER BY name",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<bool>>(2)?,
                ))
            },
        )?;
        let service_cluster = clusters
            .iter()
            .find(|(_, _, service)| *service == Some(true))
            .map(|(name, _, _)| name.clone());
        Ok(Context {
            created_at,
            contexts: clusters
                .into_iter()
                .map(|(name, context, _)| (name, context))
                .collect(),
            service_cluster,
        })
    }

    /// `kubectl --context C` for a cluster of the bundle.
    pub fn kubectl(&self, cluster: &str) -> String {
        let context = self
            .contexts
            .iter()
            .find(|(name, _)| name == cluster)
            .and_then(|(_, c)| c.clone())
            .unwrap_or_else(|| cluster.to_string());
        format!("kubectl --context {context}")
    }

    /// The kubectl prefix for the service cluster (where the Maestro DB runs).
    pub fn service_kubectl(&self) -> String {
        match &self.service_cluster {
            Some(name) => self.kubectl(name),
            None => "kubectl".to_string(),
        }
    }

    /// The command that runs `sql` with psql in the maestro-db pod of the service cluster.
    pub fn psql(&self, sql: &str) -> String {
        let svc = self.service_kubectl();
        format!(
            "{svc} -n maestro exec -i $({svc} -n maestro get pods -l name=maestro-db -o name | head -1) -- psql -U maestro -d maestro -c \"{sql}\""
        )
    }
}

/// A trace part the loader assembled as JSON (derive.sql, work_traces and cluster_traces).
pub(crate) fn parse_doc<T: serde::de::DeserializeOwned>(doc: &str) -> duckdb::Result<T> {
    serde_json::from_str(doc).map_err(|e| {
        duckdb::Error::FromSqlConversionFailure(0, duckdb::types::Type::Text, Box::new(e))
    })
}

/// A TIMESTAMP column (UTC) as RFC 3339, `2024-05-01T10:00:00Z`. Formatted here rather than
/// in SQL: the first call of a timestamp function costs DuckDB about 3 ms in each process.
pub(crate) fn rfc3339_at(r: &duckdb::Row<'_>, at: usize) -> duckdb::Result<Option<String>> {
    Ok(match r.get::<_, duckdb::types::Value>(at)? {
        duckdb::types::Value::Timestamp(unit, value) => {
            jiff::Timestamp::from_microsecond(unit.to_micros(value))
                .ok()
                .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_refs_parse_namespaced_and_cluster_scoped() {
        let m = ManifestRef::parse("deploy/default/nginx").unwrap();
        assert_eq!(m.namespace.as_deref(), Some("default"));
        assert_eq!(m.name, "nginx");
        let m = ManifestRef::parse("Namespace/ocm-x").unwrap();
        assert_eq!(
            (m.kind.as_str(), m.namespace, m.name.as_str()),
            ("Namespace", None, "ocm-x")
        );
        for bad in ["deploy", "a/b/c/d", "deploy//x", "/x"] {
            assert!(ManifestRef::parse(bad).is_err(), "{bad}");
        }
    }
}
