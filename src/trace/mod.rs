//! Traces over a loaded snapshot: from a resource id, a work name, an applied object, a hosted
//! cluster id, or free text, through the Maestro DB and both AppliedManifestWork layers. Every
//! query joins the columns the loader extracted; nothing here parses payload JSON.

mod chain;
mod cluster;
pub mod kinds;
pub mod logs;
pub mod model;
pub mod render;
mod search;
mod work;

use duckdb::{Connection, Params};

pub(crate) use crate::load::rows;

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

/// Runs a trace. Not finding anything is an answer (`Outcome::NotFound`), not an error.
pub fn run(conn: &Connection, query: &Query) -> duckdb::Result<TraceReport> {
    let ctx = Context::read(conn)?;
    let mut report = TraceReport {
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
    };
    match query {
        Query::ResourceId(id) => {
            let ids = rows(
                conn,
                "SELECT id FROM resources WHERE id = lower(trim(?)) ORDER BY id",
                [id],
                |r| r.get(0),
            )?;
            work::trace_ids(conn, &ctx, &ids, &mut report, id)?;
        }
        Query::WorkName(name) => {
            let ids = rows(
                conn,
                "SELECT id FROM resources WHERE work_name = trim(?) ORDER BY created_at DESC, id",
                [name],
                |r| r.get(0),
            )?;
            work::trace_ids(conn, &ctx, &ids, &mut report, name)?;
        }
        Query::OpId(op) => {
            let ids = logs::resources_of_op(conn, op)?;
            work::trace_ids(conn, &ctx, &ids, &mut report, op)?;
        }
        Query::Manifest(m) => chain::trace_manifest(conn, &ctx, m, &mut report)?,
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
}

impl Context {
    pub(crate) fn read(conn: &Connection) -> duckdb::Result<Context> {
        let created_at = rows(
            conn,
            "SELECT mw_rfc3339(created_at) FROM snapshot",
            [],
            |r| r.get(0),
        )?
        .into_iter()
        .next()
        .flatten();
        let contexts = rows(
            conn,
            "SELECT name, context FROM clusters ORDER BY name",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(Context {
            created_at,
            contexts,
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
    pub fn service_kubectl(&self, conn: &Connection) -> String {
        let service: Option<String> = rows(
            conn,
            "SELECT name FROM clusters WHERE role = 'service' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .ok()
        .and_then(|v| v.into_iter().next());
        match service {
            Some(name) => self.kubectl(&name),
            None => "kubectl".to_string(),
        }
    }
}

impl Context {
    /// The command that runs `sql` with psql in the maestro-db pod of the service cluster.
    pub fn psql(&self, conn: &Connection, sql: &str) -> String {
        let svc = self.service_kubectl(conn);
        format!(
            "{svc} -n maestro exec -i $({svc} -n maestro get pods -l name=maestro-db -o name | head -1) -- psql -U maestro -d maestro -c \"{sql}\""
        )
    }
}

pub(crate) fn conditions_of(
    conn: &Connection,
    sql: &str,
    params: impl Params,
) -> duckdb::Result<Vec<Condition>> {
    rows(conn, sql, params, |r| {
        Ok(Condition {
            type_: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
            status: r.get(1)?,
            reason: r.get(2)?,
            message: r.get(3)?,
            last_transition_time: r.get(4)?,
        })
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
