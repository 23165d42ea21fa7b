//! What a file is, from its path inside the imported tree or archive: a must-gather / inspect
//! resource file (and what its path says about the objects), an `hcpctl mc dump-crs` file, a pod
//! log, the gather's `timestamp`, a loose JSON/YAML/NDJSON file (kubectl output, Maestro DB rows,
//! REST responses: their content decides), or something that is not data at all.
//!
//! Layouts: kube-objects.md §9 (must-gather / inspect) and §8 (dump-crs); DESIGN.md §4 (a bundle
//! unpacked into a directory imports too).

use mwtrace_bundle::layout::MAESTRO_TABLES;

/// How a data file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Yaml,
    Json,
    Ndjson,
    /// Kusto exports (kusto/); read only outside resource trees.
    Csv,
}

/// What the path says about the objects in a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TreeHint {
    /// The group folder (`core` for the core group); `operator.openshift.io` may hold other
    /// groups' Lists, so the objects' own apiVersion wins.
    pub group_dir: Option<String>,
    /// The version, when the path has one (a bundle's kube/ folder).
    pub version: Option<String>,
    /// The plural resource name.
    pub plural: Option<String>,
    /// dump-crs names its files by the lowercase List kind (`hostedclusterlist`).
    pub list_kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `oc adm must-gather` / `oc adm inspect`: under `cluster-scoped-resources/` or
    /// `namespaces/`.
    Tree(TreeHint),
    /// `hcpctl mc dump-crs`: `crs/<namespace>/<listkind>.<group>.yaml`.
    DumpCrs(TreeHint),
    /// Outside any known layout: kubectl output, DB rows, REST lists, a bundle's files.
    Loose { table: Option<&'static str> },
}

impl Layout {
    pub fn hint(&self) -> Option<&TreeHint> {
        match self {
            Layout::Tree(hint) | Layout::DumpCrs(hint) => Some(hint),
            Layout::Loose { .. } => None,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            // Only a bundle's kube/ folder puts the version in the path.
            Layout::Tree(hint) if hint.version.is_some() => "unpacked bundle",
            Layout::Tree(_) => "must-gather/inspect tree",
            Layout::DumpCrs(_) => "hcpctl dump-crs tree",
            Layout::Loose { .. } => "kubectl output",
        }
    }
}

/// Which part of a container's log a file is; parts are joined in this order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum LogPart {
    /// `logs/rotated/<name>` (`--rotated-pod-logs`), oldest first by name.
    Rotated(String),
    /// `previous.log`: the container instance before the last restart.
    Previous,
    /// `current.log`.
    Current,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogTarget {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub part: LogPart,
    /// `*.insecure.log`: the same log fetched without TLS verification, used only when the
    /// verified one is missing.
    pub insecure: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Class {
    /// Not data (gather logs, HTML, discovery documents, other extensions).
    Skip,
    /// The gather's `timestamp` file: when the data was taken.
    Timestamp,
    Log(LogTarget),
    /// A tar (plain or compressed) or zip archive, read as a nested archive.
    Archive,
    Data {
        format: Format,
        layout: Layout,
    },
}

/// Files of a gather that are never objects.
const NOT_DATA: [&str; 8] = [
    "must-gather.logs",
    "gather.logs",
    "gather-debug.log",
    "event-filter.html",
    "version",
    "aggregated-discovery-api.yaml",
    "aggregated-discovery-apis.yaml",
    "manifest.json",
];

/// Classifies a file by its `/`-separated path relative to the imported PATH.
pub(crate) fn classify(rel: &str) -> Class {
    let parts: Vec<&str> = rel
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let Some(&name) = parts.last() else {
        return Class::Skip;
    };
    if NOT_DATA.contains(&name) {
        return Class::Skip;
    }
    if name == "timestamp" {
        return Class::Timestamp;
    }
    if is_archive_name(name) {
        return Class::Archive;
    }
    let format = format_of(name);
    if let Some(anchor) = parts
        .iter()
        .position(|p| *p == "namespaces" || *p == "cluster-scoped-resources")
    {
        let rest = &parts[anchor + 1..];
        if parts[anchor] == "namespaces"
            && let Some(log) = pod_log(rest)
        {
            return Class::Log(log);
        }
        let Some(format) = format.filter(|f| *f != Format::Csv) else {
            return Class::Skip;
        };
        let hint = if parts[anchor] == "namespaces" {
            namespaced_hint(rest)
        } else {
            cluster_scoped_hint(rest)
        };
        return Class::Data {
            format,
            layout: Layout::Tree(hint),
        };
    }
    let Some(format) = format else {
        return Class::Skip;
    };
    if let Some(anchor) = parts.iter().position(|p| *p == "crs")
        && let [_namespace, file] = &parts[anchor + 1..]
        && let Some(hint) = dump_crs_hint(file)
    {
        return Class::Data {
            format,
            layout: Layout::DumpCrs(hint),
        };
    }
    // An unpacked bundle: kube/<cluster>/<group>/<version>/<plural>.ndjson
    if parts.len() >= 5
        && let ["kube", _cluster, group, version, file] = &parts[parts.len() - 5..]
        && let Some(plural) = file.strip_suffix(".ndjson")
    {
        return Class::Data {
            format,
            layout: Layout::Tree(TreeHint {
                group_dir: Some(group.to_string()),
                version: Some(version.to_string()),
                plural: Some(plural.to_string()),
                list_kind: None,
            }),
        };
    }
    Class::Data {
        format,
        layout: Layout::Loose {
            table: table_of(stem(name)),
        },
    }
}

/// Archive file names (their content is sniffed before they are read).
pub(crate) const ARCHIVE_SUFFIXES: [&str; 13] = [
    ".tar.gz",
    ".tgz",
    ".tar.zst",
    ".tar.zstd",
    ".tzst",
    ".tar.xz",
    ".txz",
    ".tar.bz2",
    ".tbz2",
    ".tbz",
    ".tar",
    ".zip",
    ".tar.gzip",
];

fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ARCHIVE_SUFFIXES
        .iter()
        .any(|suffix| lower.ends_with(suffix))
}

fn format_of(name: &str) -> Option<Format> {
    let (_, ext) = name.rsplit_once('.')?;
    match ext.to_ascii_lowercase().as_str() {
        "yaml" | "yml" => Some(Format::Yaml),
        "json" => Some(Format::Json),
        "ndjson" | "jsonl" => Some(Format::Ndjson),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}

fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// The Maestro table a file name announces: `resources.ndjson`, `resources.json`,
/// `resources-2.ndjson`, `status_events.json`.
pub(crate) fn table_of(stem: &str) -> Option<&'static str> {
    let stem = stem.to_ascii_lowercase();
    // No table name is another's prefix followed by `.`, `-` or `_`, so order does not matter.
    MAESTRO_TABLES.into_iter().find(|table| {
        stem == *table
            || stem
                .strip_prefix(table)
                .is_some_and(|rest| rest.starts_with(['.', '-', '_']))
    })
}

/// `<ns>/pods/<pod>/<container>/<container>/logs/[rotated/]<file>.log`
fn pod_log(rest: &[&str]) -> Option<LogTarget> {
    let (namespace, pod, container, tail) = match rest {
        [ns, "pods", pod, c1, c2, "logs", tail @ ..] if c1 == c2 => (ns, pod, c1, tail),
        _ => return None,
    };
    let (part, file) = match tail {
        ["rotated", file] => (LogPart::Rotated(file.to_string()), *file),
        [file] => {
            let base = file.strip_suffix(".log")?;
            let base = base.strip_suffix(".insecure").unwrap_or(base);
            let part = match base {
                "current" => LogPart::Current,
                "previous" => LogPart::Previous,
                _ => return None,
            };
            (part, *file)
        }
        _ => return None,
    };
    Some(LogTarget {
        namespace: namespace.to_string(),
        pod: pod.to_string(),
        container: container.to_string(),
        part,
        insecure: file.ends_with(".insecure.log"),
    })
}

fn namespaced_hint(rest: &[&str]) -> TreeHint {
    let hint = |group: &str, plural: &str| TreeHint {
        group_dir: Some(group.to_string()),
        plural: Some(plural.to_string()),
        ..TreeHint::default()
    };
    match rest {
        // namespaces/<ns>/<ns>.yaml: the Namespace itself
        [ns, file] if stem(file) == *ns => hint("core", "namespaces"),
        // namespaces/<ns>/pods/<pod>/<pod>.yaml
        [_, "pods", pod, file] if stem(file) == *pod => hint("core", "pods"),
        // namespaces/<ns>/<group>/<resource>.yaml: a List
        [_, group, file] => hint(group, stem(file)),
        // namespaces/<ns>/<group>/<resource>/<name>.yaml: one object
        [_, group, plural, _file] => hint(group, plural),
        _ => TreeHint::default(),
    }
}

fn cluster_scoped_hint(rest: &[&str]) -> TreeHint {
    match rest {
        [group, file] => TreeHint {
            group_dir: Some(group.to_string()),
            plural: Some(stem(file).to_string()),
            ..TreeHint::default()
        },
        [group, plural, _file] => TreeHint {
            group_dir: Some(group.to_string()),
            plural: Some(plural.to_string()),
            ..TreeHint::default()
        },
        _ => TreeHint::default(),
    }
}

/// `hostedclusterlist.hypershift.openshift.io.yaml`
fn dump_crs_hint(file: &str) -> Option<TreeHint> {
    let base = file
        .strip_suffix(".yaml")
        .or_else(|| file.strip_suffix(".yml"))?;
    let (list_kind, group) = base.split_once('.')?;
    if list_kind.is_empty() || group.is_empty() {
        return None;
    }
    Some(TreeHint {
        group_dir: Some(group.to_string()),
        list_kind: Some(list_kind.to_string()),
        ..TreeHint::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(rel: &str) -> (Format, Layout) {
        match classify(rel) {
            Class::Data { format, layout } => (format, layout),
            other => panic!("{rel}: {other:?}"),
        }
    }

    fn tree(rel: &str) -> TreeHint {
        match data(rel).1 {
            Layout::Tree(hint) => hint,
            other => panic!("{rel}: {other:?}"),
        }
    }

    #[test]
    fn must_gather_paths_say_group_and_plural() {
        let img = "must-gather.local.1/quay-io-openshift-sha256-abc";
        let h = tree(&format!("{img}/namespaces/default/core/configmaps.yaml"));
        assert_eq!(h.group_dir.as_deref(), Some("core"));
        assert_eq!(h.plural.as_deref(), Some("configmaps"));
        let h = tree(&format!(
            "{img}/namespaces/local-cluster/work.open-cluster-management.io/manifestworks/x.yaml"
        ));
        assert_eq!(h.plural.as_deref(), Some("manifestworks"));
        let h = tree(&format!("{img}/namespaces/default/default.yaml"));
        assert_eq!(h.plural.as_deref(), Some("namespaces"));
        let h = tree(&format!("{img}/namespaces/default/pods/p-1/p-1.yaml"));
        assert_eq!(h.plural.as_deref(), Some("pods"));
        let h = tree(&format!(
            "{img}/cluster-scoped-resources/config.openshift.io/clusteroperators/dns.yaml"
        ));
        assert_eq!(h.plural.as_deref(), Some("clusteroperators"));
        let h = tree("inspect.local.1/cluster-scoped-resources/config.openshift.io/proxies.json");
        assert_eq!(h.plural.as_deref(), Some("proxies"));
    }

    #[test]
    fn pod_logs_and_non_data_files() {
        let Class::Log(log) =
            classify("mg/img/namespaces/maestro/pods/agent-1/agent/agent/logs/previous.log")
        else {
            panic!()
        };
        assert_eq!(
            (
                log.namespace.as_str(),
                log.pod.as_str(),
                log.container.as_str()
            ),
            ("maestro", "agent-1", "agent")
        );
        assert_eq!(log.part, LogPart::Previous);
        let Class::Log(log) = classify("namespaces/ns/pods/p/c/c/logs/current.insecure.log") else {
            panic!()
        };
        assert!(log.insecure);
        for skip in [
            "mg/must-gather.logs",
            "mg/img/gather.logs",
            "mg/img/event-filter.html",
            "mg/img/aggregated-discovery-api.yaml",
            "mg/img/namespaces/x/core/pods/logs/p-c.log",
            "mg/img/namespaces/x/x.txt",
            "README.md",
            "mg/img/audit.log.gz",
        ] {
            assert_eq!(classify(skip), Class::Skip, "{skip}");
        }
        for archive in [
            "case/mg-1.tar.gz",
            "case/mg.TGZ",
            "mg.tar.xz",
            "mg.tar.bz2",
            "mg.zip",
            "mg/img/namespaces/x/inner.tar.zst",
        ] {
            assert_eq!(classify(archive), Class::Archive, "{archive}");
        }
        assert_eq!(classify("mg/img/timestamp"), Class::Timestamp);
    }

    #[test]
    fn dump_crs_and_loose_files() {
        let (format, layout) =
            data("out/crs/ocm-x-y/hostedclusterlist.hypershift.openshift.io.yaml");
        assert_eq!(format, Format::Yaml);
        let Layout::DumpCrs(h) = layout else { panic!() };
        assert_eq!(h.list_kind.as_deref(), Some("hostedclusterlist"));
        assert_eq!(h.group_dir.as_deref(), Some("hypershift.openshift.io"));
        assert_eq!(
            data("dump/resources.ndjson"),
            (
                Format::Ndjson,
                Layout::Loose {
                    table: Some("resources")
                }
            )
        );
        assert_eq!(
            data("status_events.json").1,
            Layout::Loose {
                table: Some("status_events")
            }
        );
        assert_eq!(
            data("resources-page-2.json").1,
            Layout::Loose {
                table: Some("resources")
            }
        );
        assert_eq!(
            data("resource-bundles.json").1,
            Layout::Loose { table: None }
        );
        assert_eq!(
            tree("snap/kube/mgmt-1/apps/v1/deployments.ndjson")
                .version
                .as_deref(),
            Some("v1")
        );
    }
}
