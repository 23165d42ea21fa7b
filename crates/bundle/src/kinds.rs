//! Kubernetes kind names as engineers type them: `deploy`, `Deployments`, `deployment` all mean
//! Deployment. The table holds the kinds a ManifestWork usually carries, with kubectl's short
//! names; any other kind is matched by its name or plural in the snapshot.

/// (Kind, plural resource, API group, short names)
const KINDS: &[(&str, &str, &str, &[&str])] = &[
    ("Pod", "pods", "", &["po"]),
    ("Service", "services", "", &["svc"]),
    ("ConfigMap", "configmaps", "", &["cm"]),
    ("Secret", "secrets", "", &[]),
    ("Namespace", "namespaces", "", &["ns"]),
    ("ServiceAccount", "serviceaccounts", "", &["sa"]),
    (
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        "",
        &["pvc"],
    ),
    ("PersistentVolume", "persistentvolumes", "", &["pv"]),
    ("Endpoints", "endpoints", "", &["ep"]),
    ("Event", "events", "", &["ev"]),
    ("Node", "nodes", "", &["no"]),
    ("Deployment", "deployments", "apps", &["deploy"]),
    ("ReplicaSet", "replicasets", "apps", &["rs"]),
    ("StatefulSet", "statefulsets", "apps", &["sts"]),
    ("DaemonSet", "daemonsets", "apps", &["ds"]),
    ("Job", "jobs", "batch", &[]),
    ("CronJob", "cronjobs", "batch", &["cj"]),
    ("Ingress", "ingresses", "networking.k8s.io", &["ing"]),
    (
        "NetworkPolicy",
        "networkpolicies",
        "networking.k8s.io",
        &["netpol"],
    ),
    ("Role", "roles", "rbac.authorization.k8s.io", &[]),
    (
        "RoleBinding",
        "rolebindings",
        "rbac.authorization.k8s.io",
        &[],
    ),
    (
        "ClusterRole",
        "clusterroles",
        "rbac.authorization.k8s.io",
        &[],
    ),
    (
        "ClusterRoleBinding",
        "clusterrolebindings",
        "rbac.authorization.k8s.io",
        &[],
    ),
    (
        "CustomResourceDefinition",
        "customresourcedefinitions",
        "apiextensions.k8s.io",
        &["crd", "crds"],
    ),
    (
        "ManifestWork",
        "manifestworks",
        "work.open-cluster-management.io",
        &["mw"],
    ),
    (
        "AppliedManifestWork",
        "appliedmanifestworks",
        "work.open-cluster-management.io",
        &["amw"],
    ),
    (
        "ManagedCluster",
        "managedclusters",
        "cluster.open-cluster-management.io",
        &["mcl", "mcls"],
    ),
    (
        "ManagedClusterAddOn",
        "managedclusteraddons",
        "addon.open-cluster-management.io",
        &["mca"],
    ),
    (
        "HostedCluster",
        "hostedclusters",
        "hypershift.openshift.io",
        &["hc", "hcs"],
    ),
    (
        "NodePool",
        "nodepools",
        "hypershift.openshift.io",
        &["np", "nps"],
    ),
    (
        "HostedControlPlane",
        "hostedcontrolplanes",
        "hypershift.openshift.io",
        &["hcp", "hcps"],
    ),
];

/// The canonical Kind for what a user typed, when it is a kind this table knows.
pub fn canonical_kind(typed: &str) -> Option<&'static str> {
    let t = typed.trim().to_ascii_lowercase();
    KINDS.iter().find_map(|(kind, plural, group, shorts)| {
        let qualified = |name: &str| !group.is_empty() && t == format!("{name}.{group}");
        let hit = t == kind.to_ascii_lowercase()
            || t == *plural
            || shorts.contains(&t.as_str())
            || qualified(&kind.to_ascii_lowercase())
            || qualified(plural);
        hit.then_some(*kind)
    })
}

/// The Kind served under a plural resource name, when known (used when a dumped object lacks
/// its `kind`).
pub fn kind_of_resource(resource: &str) -> Option<&'static str> {
    KINDS
        .iter()
        .find(|(_, plural, _, _)| *plural == resource)
        .map(|(kind, _, _, _)| *kind)
}

/// The plural resource of a Kind, when known (for `kubectl get` hints).
pub fn resource_of_kind(kind: &str) -> Option<&'static str> {
    KINDS
        .iter()
        .find(|(k, _, _, _)| k.eq_ignore_ascii_case(kind))
        .map(|(_, plural, _, _)| *plural)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_plural_singular_and_case_all_resolve() {
        for typed in [
            "deploy",
            "Deployments",
            "deployment",
            "DEPLOYMENT",
            "deployments.apps",
        ] {
            assert_eq!(canonical_kind(typed), Some("Deployment"), "{typed}");
        }
        assert_eq!(canonical_kind("hc"), Some("HostedCluster"));
        assert_eq!(canonical_kind("np"), Some("NodePool"));
        assert_eq!(canonical_kind("amw"), Some("AppliedManifestWork"));
        assert_eq!(canonical_kind("widget"), None);
    }

    #[test]
    fn resources_map_back_to_kinds() {
        assert_eq!(kind_of_resource("nodepools"), Some("NodePool"));
        assert_eq!(resource_of_kind("configmap"), Some("configmaps"));
        assert_eq!(kind_of_resource("widgets"), None);
    }
}
