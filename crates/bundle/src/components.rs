//! Which Maestro and HyperShift versions a bundle saw: the manifest's `components`
//! (docs/bundle-format.md). `collect` reads the Deployments by name, `import` finds them among
//! the Deployments and Pods of a must-gather; both recognize them here, so the two agree.
//!
//! Recognized by the names ARO HCP and upstream Maestro deploy them under
//! (reference/kube-objects.md): the server is Deployment `maestro` (namespace `maestro` of the
//! service cluster), the agent `maestro-agent` (namespace `maestro` of a management cluster),
//! the HyperShift operator `operator` in namespace `hypershift`. Of a pod spec's containers only
//! those whose image names the product are kept (sidecars such as kube-rbac-proxy are not
//! versions of Maestro), else the container named as the product's charts name it.
//!
//! A version is the image's tag; ARO HCP pins images by digest, so it is often null and the
//! digest is what identifies the build. [`VersionRange`] compares tags that read as versions
//! (`0.6.1`, `v0.6.1-rc1`) and says "not comparable" for anything else (a commit, `latest`).

use std::cmp::Ordering;

use serde_json::Value;

use crate::manifest::Component;

pub const MAESTRO_SERVER: &str = "maestro-server";
pub const MAESTRO_AGENT: &str = "maestro-agent";
pub const HYPERSHIFT_OPERATOR: &str = "hypershift-operator";
/// Every component name a manifest (and a rule's `requires:`) may use.
pub const NAMES: [&str; 3] = [MAESTRO_SERVER, MAESTRO_AGENT, HYPERSHIFT_OPERATOR];

/// (namespace, deployment, component) that `collect` gets by name. The server's namespace is
/// `--maestro-namespace`; the agent's is tried in both namespaces ARO HCP has used.
pub const SERVICE_DEPLOYMENTS: [(&str, &str); 1] = [("maestro", MAESTRO_SERVER)];
pub const MANAGEMENT_DEPLOYMENTS: [(&str, &str, &str); 3] = [
    ("maestro", "maestro-agent", MAESTRO_AGENT),
    ("maestro-agent", "maestro-agent", MAESTRO_AGENT),
    ("hypershift", "operator", HYPERSHIFT_OPERATOR),
];

/// The component a Deployment named `name` in `namespace` runs, if it is one mwtrace knows.
pub fn component_of(namespace: &str, name: &str) -> Option<&'static str> {
    match name {
        "maestro" | "maestro-server" => Some(MAESTRO_SERVER),
        "maestro-agent" => Some(MAESTRO_AGENT),
        "hypershift-operator" => Some(HYPERSHIFT_OPERATOR),
        "operator" if namespace == "hypershift" => Some(HYPERSHIFT_OPERATOR),
        _ => None,
    }
}

/// The components of a Deployment or Pod object (none for anything else).
pub fn from_object(cluster: &str, object: &Value, source: &str) -> Vec<Component> {
    let meta = &object["metadata"];
    let namespace = meta["namespace"].as_str().unwrap_or("");
    let (deployment, spec, statuses) = match object["kind"].as_str() {
        Some("Deployment") => (
            meta["name"].as_str().map(str::to_string),
            &object["spec"]["template"]["spec"],
            None,
        ),
        Some("Pod") => (
            pod_deployment(meta),
            &object["spec"],
            object["status"]["containerStatuses"].as_array(),
        ),
        _ => return Vec::new(),
    };
    let Some(deployment) = deployment else {
        return Vec::new();
    };
    let Some(component) = component_of(namespace, &deployment) else {
        return Vec::new();
    };
    let containers: Vec<(&str, &str)> = spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["name"].as_str()?, c["image"].as_str()?)))
        .collect();
    let product = if component == HYPERSHIFT_OPERATOR {
        "hypershift"
    } else {
        "maestro"
    };
    let mut chosen: Vec<(&str, &str)> = containers
        .iter()
        .filter(|(_, image)| repository(image).contains(product))
        .copied()
        .collect();
    if chosen.is_empty() {
        let main = match component {
            MAESTRO_SERVER => "service",
            MAESTRO_AGENT => "maestro-agent",
            _ => "operator",
        };
        chosen = containers
            .iter()
            .filter(|(n, _)| *n == main)
            .copied()
            .collect();
    }
    chosen
        .into_iter()
        .map(|(container, image)| {
            let parsed = ImageRef::parse(image);
            // A pod's running image digest, when its spec names only a tag.
            let running = statuses
                .into_iter()
                .flatten()
                .find(|s| s["name"].as_str() == Some(container))
                .and_then(|s| s["imageID"].as_str())
                .and_then(|id| ImageRef::parse(id).digest);
            Component {
                cluster: cluster.to_string(),
                namespace: namespace.to_string(),
                name: deployment.clone(),
                component: component.to_string(),
                container: container.to_string(),
                image: image.to_string(),
                version: parsed.tag.map(str::to_string),
                digest: parsed.digest.or(running).map(str::to_string),
                source: source.to_string(),
            }
        })
        .collect()
}

/// A Pod's Deployment: its ReplicaSet owner's name without the pod-template-hash suffix.
fn pod_deployment(meta: &Value) -> Option<String> {
    let owner = meta["ownerReferences"]
        .as_array()?
        .iter()
        .find(|o| o["kind"].as_str() == Some("ReplicaSet"))?;
    let replica_set = owner["name"].as_str()?;
    let hash = meta["labels"]["pod-template-hash"].as_str();
    let name = match hash.and_then(|h| replica_set.strip_suffix(h)) {
        Some(prefix) => prefix.strip_suffix('-')?,
        None => replica_set.rsplit_once('-')?.0,
    };
    (!name.is_empty()).then(|| name.to_string())
}

/// Adds `new` to `all` unless the same container image of the same deployment is there; a
/// digest learned from a second copy (a Pod's imageID) fills the first's.
pub fn merge_into(all: &mut Vec<Component>, new: Component) {
    let same = all.iter_mut().find(|c| {
        (&c.cluster, &c.namespace, &c.name, &c.container, &c.image)
            == (
                &new.cluster,
                &new.namespace,
                &new.name,
                &new.container,
                &new.image,
            )
    });
    match same {
        Some(existing) => {
            if existing.digest.is_none() {
                existing.digest = new.digest;
            }
        }
        None => all.push(new),
    }
}

/// The last path segment of an image's repository, lowercased (`maestro` of
/// `quay.io/redhat-user-workloads/maestro-rhtap-tenant/maestro/maestro@sha256:...`).
fn repository(image: &str) -> String {
    let repo = ImageRef::parse(image).repository;
    repo.rsplit('/').next().unwrap_or(repo).to_ascii_lowercase()
}

/// An image reference split as the OCI distribution spec reads it:
/// `[registry[:port]/]path[:tag][@algorithm:digest]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageRef<'a> {
    pub repository: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    pub fn parse(image: &'a str) -> ImageRef<'a> {
        let image = image.trim();
        // A pod's imageID: `docker-pullable://repo@sha256:...`, `docker://sha256:...`.
        let image = image.split_once("://").map_or(image, |(_, rest)| rest);
        let (name, digest) = match image.split_once('@') {
            Some((name, digest)) if digest.contains(':') => (name, Some(digest)),
            _ => (image, None),
        };
        // A colon after the last '/' starts the tag; one before it is a registry's port.
        let last = name.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match name[last..].rfind(':') {
            Some(i) => (&name[..last + i], Some(&name[last + i + 1..])),
            None => (name, None),
        };
        // `sha256:...` alone is an image id, not a repository.
        if tag.is_some() && repository.eq_ignore_ascii_case("sha256") && last == 0 {
            return ImageRef {
                repository: "",
                tag: None,
                digest: Some(name),
            };
        }
        ImageRef {
            repository,
            tag: tag.filter(|t| !t.is_empty()),
            digest,
        }
    }
}

/// A version read from a tag: numbers, and whether it is a pre-release (`-rc1`), which sorts
/// before the release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    numbers: Vec<u64>,
    release: bool,
}

impl Version {
    /// `0.6.1`, `v0.6`, `v0.6.1-rc.1`, `0.6.1+build`; None for anything else (a commit hash,
    /// `latest`, a date).
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let text = text
            .strip_prefix('v')
            .or_else(|| text.strip_prefix('V'))
            .unwrap_or(text);
        let text = text.split_once('+').map_or(text, |(v, _)| v);
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (text, None),
        };
        let numbers: Vec<u64> = core
            .split('.')
            .map(|n| {
                (!n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| n.parse().ok())
                    .flatten()
            })
            .collect::<Option<_>>()?;
        // A bare number of 6+ digits is a date or a build id, not a release.
        if numbers.len() > 4 || (numbers.len() == 1 && core.len() > 5) {
            return None;
        }
        Some(Version {
            numbers,
            release: pre.is_none_or(str::is_empty),
        })
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.numbers.len().max(other.numbers.len());
        let at = |v: &Version, i: usize| v.numbers.get(i).copied().unwrap_or(0);
        (0..len)
            .map(|i| at(self, i).cmp(&at(other, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
            .then(self.release.cmp(&other.release))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `<0.6.0`, `>=0.4.0, <0.6.0`, `=0.5.2`: every comparison must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    text: String,
    bounds: Vec<(Op, Version)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl VersionRange {
    pub fn parse(text: &str) -> Result<VersionRange, String> {
        let mut bounds = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            let (op, rest) = [
                ("<=", Op::Le),
                (">=", Op::Ge),
                ("<", Op::Lt),
                (">", Op::Gt),
                ("==", Op::Eq),
                ("=", Op::Eq),
            ]
            .into_iter()
            .find_map(|(prefix, op)| part.strip_prefix(prefix).map(|rest| (op, rest)))
            .ok_or_else(|| {
                format!("{part:?}: a bound starts with <, <=, >, >= or = (\"<0.6.0\")")
            })?;
            let version = Version::parse(rest)
                .ok_or_else(|| format!("{part:?}: {:?} is not a version", rest.trim()))?;
            bounds.push((op, version));
        }
        Ok(VersionRange {
            text: bounds_text(text),
            bounds,
        })
    }

    /// Whether tag `version` is in the range; None when the tag is not a version.
    pub fn contains(&self, version: &str) -> Option<bool> {
        let v = Version::parse(version)?;
        Some(self.bounds.iter().all(|(op, bound)| match op {
            Op::Lt => v < *bound,
            Op::Le => v <= *bound,
            Op::Gt => v > *bound,
            Op::Ge => v >= *bound,
            Op::Eq => v == *bound,
        }))
    }

    /// As written, spaced: `< 0.6.0`, `>= 0.4.0, < 0.6.0`.
    pub fn text(&self) -> &str {
        &self.text
    }
}

fn bounds_text(text: &str) -> String {
    text.split(',')
        .map(|part| {
            let part = part.trim();
            let at = part
                .find(|c: char| !matches!(c, '<' | '>' | '='))
                .unwrap_or(part.len());
            format!("{} {}", &part[..at], part[at..].trim())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_references_split_into_repository_tag_and_digest() {
        let parse = ImageRef::parse;
        let r = parse("quay.io/maestro/maestro:v0.6.1");
        assert_eq!(
            (r.repository, r.tag, r.digest),
            ("quay.io/maestro/maestro", Some("v0.6.1"), None)
        );
        let r = parse("registry.local:5000/maestro");
        assert_eq!(
            (r.repository, r.tag, r.digest),
            ("registry.local:5000/maestro", None, None)
        );
        let r = parse("registry.local:5000/ns/maestro:0.5.0@sha256:abcd");
        assert_eq!(
            (r.repository, r.tag, r.digest),
            (
                "registry.local:5000/ns/maestro",
                Some("0.5.0"),
                Some("sha256:abcd")
            )
        );
        let r = parse("quay.io/x/maestro@sha256:a7789ef5");
        assert_eq!((r.tag, r.digest), (None, Some("sha256:a7789ef5")));
        let r = parse("docker-pullable://quay.io/x/maestro@sha256:beef");
        assert_eq!(
            (r.repository, r.digest),
            ("quay.io/x/maestro", Some("sha256:beef"))
        );
        assert_eq!(parse("sha256:beef").digest, Some("sha256:beef"));
        assert_eq!(parse("maestro").tag, None);
    }

    #[test]
    fn versions_compare_as_releases_and_others_are_not_comparable() {
        let range = VersionRange::parse("<0.6.0").unwrap();
        assert_eq!(range.text(), "< 0.6.0");
        assert_eq!(range.contains("0.5.9"), Some(true));
        assert_eq!(range.contains("v0.6.0"), Some(false));
        assert_eq!(range.contains("0.6.0-rc1"), Some(true));
        assert_eq!(range.contains("0.6"), Some(false));
        assert_eq!(range.contains("a1b2c3d"), None);
        assert_eq!(range.contains("latest"), None);
        assert_eq!(range.contains("20260110"), None);
        let both = VersionRange::parse(">= 0.4.0, <0.6.0").unwrap();
        assert_eq!(both.text(), ">= 0.4.0, < 0.6.0");
        assert_eq!(both.contains("0.3.9"), Some(false));
        assert_eq!(both.contains("0.4.0"), Some(true));
        assert!(VersionRange::parse("0.6.0").is_err());
        assert!(VersionRange::parse("<main").is_err());
    }

    #[test]
    fn deployments_and_pods_are_recognized_by_name_and_image() {
        let agent = json!({"kind": "Deployment", "metadata": {"name": "maestro-agent", "namespace": "maestro"},
            "spec": {"template": {"spec": {"containers": [
                {"name": "maestro-agent", "image": "quay.io/redhat-user-workloads/maestro-rhtap-tenant/maestro/maestro@sha256:a7789ef5"},
                {"name": "kube-rbac-proxy", "image": "registry.redhat.io/kube-rbac-proxy:v4.15"}]}}}});
        let found = from_object("mgmt-1", &agent, "collect");
        assert_eq!(found.len(), 1);
        let c = &found[0];
        assert_eq!(
            (c.component.as_str(), c.container.as_str()),
            (MAESTRO_AGENT, "maestro-agent")
        );
        assert_eq!(
            (c.version.as_deref(), c.digest.as_deref()),
            (None, Some("sha256:a7789ef5"))
        );

        let operator = json!({"kind": "Pod", "metadata": {"name": "operator-7d9f8c6b5-x2x4z", "namespace": "hypershift",
            "labels": {"pod-template-hash": "7d9f8c6b5"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "operator-7d9f8c6b5"}]},
            "spec": {"containers": [{"name": "operator", "image": "quay.io/acm-d/rhtap-hypershift-operator:4.19.0"}]},
            "status": {"containerStatuses": [{"name": "operator", "imageID": "quay.io/acm-d/rhtap-hypershift-operator@sha256:feed"}]}});
        let found = from_object("mgmt-1", &operator, "import:mg");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "operator");
        assert_eq!(found[0].component, HYPERSHIFT_OPERATOR);
        assert_eq!(found[0].version.as_deref(), Some("4.19.0"));
        assert_eq!(found[0].digest.as_deref(), Some("sha256:feed"));

        let server = json!({"kind": "Deployment", "metadata": {"name": "maestro", "namespace": "maestro"},
            "spec": {"template": {"spec": {"containers": [{"name": "service", "image": "image-registry/maestro:latest"}]}}}});
        assert_eq!(
            from_object("svc", &server, "collect")[0].component,
            MAESTRO_SERVER
        );
        for other in [
            json!({"kind": "Deployment", "metadata": {"name": "maestro-db", "namespace": "maestro"}}),
            json!({"kind": "Deployment", "metadata": {"name": "operator", "namespace": "other"},
                   "spec": {"template": {"spec": {"containers": [{"name": "operator", "image": "x/hypershift:1"}]}}}}),
            json!({"kind": "Service", "metadata": {"name": "maestro", "namespace": "maestro"}}),
        ] {
            assert!(from_object("c", &other, "collect").is_empty(), "{other}");
        }

        let mut all = Vec::new();
        let mut a = found[0].clone();
        a.digest = None;
        merge_into(&mut all, a);
        merge_into(&mut all, found[0].clone());
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].digest.as_deref(), Some("sha256:feed"));
    }

    #[test]
    fn manifests_without_components_load_and_components_round_trip() {
        let old = r#"{"format": "mwtrace-bundle", "format_version": 1, "created_at": "2026-11-21T10:00:00Z"}"#;
        let manifest: crate::Manifest = serde_json::from_str(old).unwrap();
        assert!(manifest.components.is_empty());
        assert!(
            !serde_json::to_string(&manifest)
                .unwrap()
                .contains("components")
        );
        let mut manifest = manifest;
        manifest.components.push(Component {
            cluster: "mgmt-1".into(),
            namespace: "maestro".into(),
            name: "maestro-agent".into(),
            component: MAESTRO_AGENT.into(),
            container: "maestro-agent".into(),
            image: "quay.io/maestro/maestro@sha256:ab".into(),
            version: None,
            digest: Some("sha256:ab".into()),
            source: "collect".into(),
        });
        let text = serde_json::to_value(&manifest).unwrap();
        assert_eq!(text["components"][0]["version"], serde_json::Value::Null);
        let back: crate::Manifest = serde_json::from_value(text).unwrap();
        assert_eq!(back, manifest);
    }
}
