//! Traces over a loaded snapshot: from a resource id, a work name, an applied object, a hosted
//! cluster id, or free text, through the Maestro DB and both AppliedManifestWork layers. Every
//! query joins the columns the loader extracted; nothing here parses payload JSON.

mod chain;
mod cluster;
pub mod log_stages;
pub mod model;
pub mod render;
mod search;
mod work;

pub use crate::store::{SnapshotFacts, StoreError, TraceStore, WorksBy};
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
fn new_report(facts: &SnapshotFacts, query: &Query) -> TraceReport {
    TraceReport {
        schema: SCHEMA.to_string(),
        query: query.echo(),
        outcome: Outcome::Found,
        message: String::new(),
        snapshot_created_at: facts.created_at.clone(),
        works: Vec::new(),
        chains: Vec::new(),
        cluster: None,
        matches: Vec::new(),
        next_steps: Vec::new(),
        logs: None,
        as_of: None,
    }
}

/// Runs a trace over `store`. Not finding anything is an answer (`Outcome::NotFound`), not an
/// error. Over the trace index, what needs the database (suggestions when nothing is found,
/// free-text search, op ids) is [`StoreError::NeedsDatabase`]: run it again over the database.
pub fn run(store: &dyn TraceStore, query: &Query) -> Result<TraceReport, StoreError> {
    let facts = store.facts()?;
    let mut report = new_report(&facts, query);
    match query {
        Query::ResourceId(id) => {
            let works = work::works(store, &facts, WorksBy::Id, &[&id.trim().to_lowercase()])?;
            work::report_works(store, &facts, works, &mut report, WorksBy::Id, id)?;
        }
        Query::WorkName(name) => {
            let works = work::works(store, &facts, WorksBy::WorkName, &[name.trim()])?;
            work::report_works(store, &facts, works, &mut report, WorksBy::WorkName, name)?;
        }
        Query::OpId(op) => {
            let ids = log_stages::resources_of_op(store.database()?, op)?;
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let works = work::works(store, &facts, WorksBy::Id, &ids)?;
            work::report_works(store, &facts, works, &mut report, WorksBy::Id, op)?;
        }
        Query::Manifest(m) => {
            chain::trace_manifest(store, &facts, m, &mut report)?;
            if report.outcome == Outcome::NotFound {
                report.matches = search::suggest(store.database()?, &m.name)?;
            }
        }
        Query::ClusterId(cid) => cluster::trace_cluster(store, &facts, cid.trim(), &mut report)?,
        Query::Search(text) => {
            let (matches, total) = search::search_counted(store.database()?, text)?;
            report.matches = matches;
            report.message = match (report.matches.len(), total) {
                (0, _) => {
                    report.outcome = Outcome::NotFound;
                    format!("Nothing in the snapshot matches {text:?}")
                }
                (shown, total) if shown < total => {
                    format!("{total} matches for {text:?}, showing the best {shown}")
                }
                (shown, _) => format!("{shown} matches for {text:?}"),
            };
        }
    }
    Ok(report)
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
