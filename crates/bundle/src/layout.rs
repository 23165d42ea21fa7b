//! The one owner of bundle paths: every path a bundle may hold, parsed from and rendered to the
//! entry name. Anything else (absolute paths, `..`, odd characters, unknown folders) is refused.

use std::fmt;

/// A validated path inside a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BundlePath {
    Manifest,
    /// `db/<table>.ndjson`
    Db {
        table: String,
    },
    /// `kube/<cluster>/<group or core>/<version>/<resource>.ndjson`
    Kube {
        cluster: String,
        group: String,
        version: String,
        resource: String,
    },
    /// `logs/<cluster>/<namespace>/<pod>/<container>.log`
    Log {
        cluster: String,
        namespace: String,
        pod: String,
        container: String,
    },
    /// `history/<cluster>/<group or core>/<version>/<resource>.ndjson`: revisions of objects, one
    /// a line, `{"ts": "<RFC 3339 UTC>", "event": "Add|Update|Delete", "object": {...}}`, in
    /// the order they were imported (readers order them by `ts`); see [`crate::history`]. An
    /// addition to format 1: readers that predate it refuse such a bundle by its path.
    History {
        cluster: String,
        group: String,
        version: String,
        resource: String,
    },
}

/// The Maestro DB tables a bundle carries under `db/` (when the database has them), in the
/// order collect dumps them.
pub const MAESTRO_TABLES: [&str; 6] = [
    "resources",
    "events",
    "status_events",
    "consumers",
    "server_instances",
    "event_instances",
];

/// The group folder of the core API group, whose real group name is empty.
pub const CORE_GROUP: &str = "core";

impl BundlePath {
    /// Parses an entry name. A leading `./` (as `tar -C dir .` writes) is tolerated; `Ok(None)`
    /// is a directory entry, which carries no data.
    pub fn parse(raw: &str) -> Result<Option<BundlePath>, String> {
        let name = raw.strip_prefix("./").unwrap_or(raw);
        if name.is_empty() {
            return Ok(None);
        }
        if raw.starts_with('/') || raw.contains('\\') {
            return Err("absolute or non-POSIX path".into());
        }
        let (name, is_dir) = match name.strip_suffix('/') {
            Some(dir) => (dir, true),
            None => (name, false),
        };
        let parts: Vec<&str> = name.split('/').collect();
        for part in &parts {
            if *part == ".." || *part == "." {
                return Err("path leaves the bundle (`..` or `.`)".into());
            }
            if !is_safe_component(part) {
                return Err(format!("unexpected characters in path component {part:?}"));
            }
        }
        if is_dir {
            return match parts.as_slice() {
                ["db" | "kube" | "logs" | "history", ..] if parts.len() <= 4 => Ok(None),
                _ => Err("unexpected directory".into()),
            };
        }
        let path = match parts.as_slice() {
            ["manifest.json"] => BundlePath::Manifest,
            ["db", file] => BundlePath::Db {
                table: stem(file, ".ndjson")?,
            },
            ["kube", cluster, group, version, file] => BundlePath::Kube {
                cluster: cluster.to_string(),
                group: group.to_string(),
                version: version.to_string(),
                resource: stem(file, ".ndjson")?,
            },
            ["logs", cluster, namespace, pod, file] => BundlePath::Log {
                cluster: cluster.to_string(),
                namespace: namespace.to_string(),
                pod: pod.to_string(),
                container: stem(file, ".log")?,
            },
            ["history", cluster, group, version, file] => BundlePath::History {
                cluster: cluster.to_string(),
                group: group.to_string(),
                version: version.to_string(),
                resource: stem(file, ".ndjson")?,
            },
            _ => {
                return Err(
                    "not a path of bundle format 1 (manifest.json, db/, kube/, logs/, history/)"
                        .into(),
                );
            }
        };
        Ok(Some(path))
    }

    /// The API group as Kubernetes spells it (`""` for the core group).
    pub fn api_group(group: &str) -> &str {
        if group == CORE_GROUP { "" } else { group }
    }

    pub fn is_ndjson(&self) -> bool {
        matches!(
            self,
            BundlePath::Db { .. } | BundlePath::Kube { .. } | BundlePath::History { .. }
        )
    }

    /// Sort key that puts entries in the order DESIGN.md §4 gives: manifest, db, kube, logs,
    /// history.
    pub fn section(&self) -> u8 {
        match self {
            BundlePath::Manifest => 0,
            BundlePath::Db { .. } => 1,
            BundlePath::Kube { .. } => 2,
            BundlePath::Log { .. } => 3,
            BundlePath::History { .. } => 4,
        }
    }
}

impl fmt::Display for BundlePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundlePath::Manifest => write!(f, "manifest.json"),
            BundlePath::Db { table } => write!(f, "db/{table}.ndjson"),
            BundlePath::Kube {
                cluster,
                group,
                version,
                resource,
            } => write!(f, "kube/{cluster}/{group}/{version}/{resource}.ndjson"),
            BundlePath::Log {
                cluster,
                namespace,
                pod,
                container,
            } => write!(f, "logs/{cluster}/{namespace}/{pod}/{container}.log"),
            BundlePath::History {
                cluster,
                group,
                version,
                resource,
            } => write!(f, "history/{cluster}/{group}/{version}/{resource}.ndjson"),
        }
    }
}

/// Names of clusters, groups, namespaces, pods, tables: DNS-ish characters only, so that a path
/// can never smuggle a separator, a control character or a shell metacharacter.
fn is_safe_component(part: &str) -> bool {
    !part.is_empty()
        && part.len() <= 253
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'))
}

fn stem(file: &str, extension: &str) -> Result<String, String> {
    match file.strip_suffix(extension) {
        Some(stem) if !stem.is_empty() => Ok(stem.to_string()),
        _ => Err(format!("expected a {extension} file, found {file:?}")),
    }
}

/// A cluster name usable as a bundle path component (contexts may hold `/`, `@` or `:`).
pub fn bundle_cluster_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c| c == '-' || c == '.');
    if trimmed.is_empty() {
        "cluster".to_string()
    } else {
        trimmed.chars().take(200).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_section_and_renders_it_back() {
        for raw in [
            "manifest.json",
            "db/resources.ndjson",
            "kube/mgmt-1/work.open-cluster-management.io/v1/appliedmanifestworks.ndjson",
            "kube/mgmt-1/core/v1/namespaces.ndjson",
            "logs/svc-1/maestro/maestro-abc/service.log",
            "history/mgmt-1/hypershift.openshift.io/v1beta1/hostedclusters.ndjson",
            "history/mgmt-1/core/v1/secrets.ndjson",
        ] {
            let path = BundlePath::parse(raw).unwrap().unwrap();
            assert_eq!(path.to_string(), raw);
        }
    }

    #[test]
    fn tolerates_dot_slash_and_directories() {
        assert_eq!(
            BundlePath::parse("./db/events.ndjson").unwrap(),
            Some(BundlePath::Db {
                table: "events".into()
            })
        );
        assert_eq!(BundlePath::parse("./").unwrap(), None);
        assert_eq!(BundlePath::parse("kube/mgmt-1/").unwrap(), None);
        assert_eq!(BundlePath::parse("history/mgmt-1/core/").unwrap(), None);
    }

    #[test]
    fn refuses_paths_that_leave_the_bundle() {
        for raw in [
            "/etc/passwd",
            "../manifest.json",
            "db/../../x.ndjson",
            "kube/a/./v1/x.ndjson",
            "db\\x.ndjson",
            "db/x y.ndjson",
            "db/x.json",
            "other/file",
            "kube/c/g/v1/x.ndjson/extra",
            "history/c/g/v1/x.log",
            "history/c/g/x.ndjson",
            "history/../g/v1/x.ndjson",
        ] {
            assert!(BundlePath::parse(raw).is_err(), "{raw} should be refused");
        }
    }

    #[test]
    fn context_names_become_safe_path_components() {
        assert_eq!(
            bundle_cluster_name("admin@hcp-int/mgmt:1"),
            "admin-hcp-int-mgmt-1"
        );
        assert_eq!(bundle_cluster_name("../.."), "cluster");
        assert_eq!(bundle_cluster_name("mgmt-1"), "mgmt-1");
    }
}
