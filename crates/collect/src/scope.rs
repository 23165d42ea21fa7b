//! `--cluster-id CID`: what belongs to one hosted cluster, so a per-incident bundle stays small.
//! Maestro rows whose labels carry the cid; their layer-1 AppliedManifestWorks; the
//! local-cluster ManifestWorks of the cid and their layer-2 AppliedManifestWorks; HostedClusters
//! and NodePools in its `ocm-<env>-<cid>` namespace; the ManagedCluster named after it.

use std::collections::HashSet;

use serde_json::Value;

use crate::error::CollectError;

#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// None: collect everything.
    pub cid: Option<String>,
    /// Resource ids of the cid's Maestro rows, filled in by the DB collection (layer-1 AMWs
    /// are named after them, not after the cid).
    pub resource_ids: HashSet<String>,
}

impl Scope {
    pub fn everything() -> Scope {
        Scope::default()
    }

    pub fn cluster(cid: &str) -> Result<Scope, CollectError> {
        if cid.is_empty() || cid.len() > 64 || !cid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(CollectError::BadClusterId {
                cid: cid.to_string(),
            });
        }
        Ok(Scope {
            cid: Some(cid.to_ascii_lowercase()),
            resource_ids: HashSet::new(),
        })
    }

    /// Whether an object of `kind` belongs to the scope.
    pub fn keeps(&self, kind: &str, object: &Value) -> bool {
        let Some(cid) = &self.cid else {
            return true;
        };
        let meta = &object["metadata"];
        let name = meta["name"].as_str().unwrap_or("");
        let namespace = meta["namespace"].as_str().unwrap_or("");
        let label = meta["labels"]["api.openshift.com/id"].as_str();
        match kind {
            "AppliedManifestWork" => {
                let work = object["spec"]["manifestWorkName"].as_str().unwrap_or("");
                self.resource_ids.contains(work) || belongs_by_name(work, cid)
            }
            "ManifestWork" => label == Some(cid) || belongs_by_name(name, cid),
            "HostedCluster" | "NodePool" => {
                label == Some(cid) || namespace_cid(namespace).is_some_and(|c| c == cid)
            }
            "ManagedCluster" => name == cid,
            _ => label == Some(cid),
        }
    }
}

/// Layer-2 names start with the cid: `<cid>`, `<cid>-00-namespaces`, `<cid>-<nodepool>`.
fn belongs_by_name(name: &str, cid: &str) -> bool {
    name == cid
        || name
            .strip_prefix(cid)
            .is_some_and(|rest| rest.starts_with('-'))
}

/// The cid of a namespace `ocm-<env>-<cid>[-<name>]`.
pub fn namespace_cid(namespace: &str) -> Option<&str> {
    let rest = namespace.strip_prefix("ocm-")?;
    let (_env, rest) = rest.split_once('-')?;
    let cid = rest.split('-').next()?;
    (cid.len() == 32
        && cid
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    .then_some(cid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CID: &str = "2qrppk0otds3rdmdcojqcqkqq8f0s591";

    #[test]
    fn keeps_only_what_belongs_to_the_cid() {
        let mut scope = Scope::cluster(CID).unwrap();
        scope
            .resource_ids
            .insert("1ee62e78-d2ca-5c49-8a65-01e695821450".into());
        let amw =
            |work: &str| json!({"metadata": {"name": "x"}, "spec": {"manifestWorkName": work}});
        assert!(scope.keeps(
            "AppliedManifestWork",
            &amw("1ee62e78-d2ca-5c49-8a65-01e695821450")
        ));
        assert!(scope.keeps("AppliedManifestWork", &amw(&format!("{CID}-np1"))));
        assert!(!scope.keeps(
            "AppliedManifestWork",
            &amw("55c61e54-a3f6-563d-9fec-b1fe297bdfdb")
        ));
        let hc = json!({"metadata": {"name": "hc", "namespace": format!("ocm-arohcpint-{CID}")}});
        assert!(scope.keeps("HostedCluster", &hc));
        let other = json!({"metadata": {"name": "hc", "namespace": "ocm-arohcpint-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}});
        assert!(!scope.keeps("HostedCluster", &other));
        assert!(scope.keeps("ManagedCluster", &json!({"metadata": {"name": CID}})));
        assert!(!scope.keeps(
            "ManagedCluster",
            &json!({"metadata": {"name": "local-cluster"}})
        ));
        let mw = json!({"metadata": {"name": "other", "namespace": "local-cluster",
                                     "labels": {"api.openshift.com/id": CID}}});
        assert!(scope.keeps("ManifestWork", &mw));
        assert!(Scope::everything().keeps("ManifestWork", &json!({})));
    }

    #[test]
    fn cluster_ids_are_validated() {
        assert!(Scope::cluster("abc'; DROP").is_err());
        assert_eq!(
            namespace_cid(&format!("ocm-arohcpint-{CID}-x8y")),
            Some(CID)
        );
        assert_eq!(namespace_cid("ocm-arohcpint-short"), None);
    }
}
