//! Container log rows to log lines: `hcpctl must-gather query` writes one JSON lines file per
//! container, `<cluster>_<namespace>_<container>[_<pod>].jsonl`, each line `{timestamp, log,
//! cluster, namespace_name, container_name[, pod_name]}`; Kusto log exports have the same
//! columns, or only `TIMESTAMP, pod_name, log`.
//!
//! Each row becomes `<timestamp> <log>` in `logs/<cluster>/<namespace>/<pod>/<container>.log`,
//! the form `kubectl logs --timestamps` prints and the log parser reads (crates/logs, its
//! runtime prefix), so the rows keep their time even when the log text has none. A `log` value
//! of several lines gives one line each, with the same prefix. Names missing from the row come
//! from the file name (the `hcpctl` layout), then the PATH (its cluster), then the placeholders
//! below; the logs writer then redacts the lines and cuts them at the log line limit, as it does
//! for must-gather logs.

use super::super::{Ctx, Loc, LogLineRecord, Record};
use super::{Row, Table};
use mwtrace_bundle::layout::bundle_cluster_name;

/// The pod of a row that names none (an `hcpctl` file of a container without `_<pod>`).
pub const UNKNOWN_POD: &str = "unknown-pod";
/// The namespace of a row that names none (the `TIMESTAMP, pod_name, log` layout).
pub const UNKNOWN_NAMESPACE: &str = "unknown-namespace";
/// The container of a row that names none (the `TIMESTAMP, pod_name, log` layout).
pub const UNKNOWN_CONTAINER: &str = "unknown-container";

pub(crate) fn log_line(ctx: &Ctx<'_>, row: Row, loc: Loc) -> Record {
    let ts = match row.timestamp() {
        Ok(ts) => ts,
        Err(message) => return ctx.error(loc, &message),
    };
    let Some(log) = row.raw("log") else {
        return ctx.error(loc, "no log");
    };
    let named = FileNames::of(ctx.source);
    let pick = |column: &str, from_file: Option<&str>, default: &str| {
        row.text(column)
            .or_else(|| from_file.map(str::to_string))
            .unwrap_or_else(|| default.to_string())
    };
    let namespace = pick("namespace_name", named.namespace, UNKNOWN_NAMESPACE);
    let container = pick("container_name", named.container, UNKNOWN_CONTAINER);
    let pod = pick("pod_name", named.pod, UNKNOWN_POD);
    let cluster_name = row
        .text("cluster")
        .or_else(|| named.cluster.map(str::to_string))
        .map(|c| bundle_cluster_name(&c));
    let prefix = ts.to_string();
    let body = log.trim_end_matches(['\n', '\r']);
    let mut text = Vec::with_capacity(body.len() + prefix.len() + 1);
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            text.push(b'\n');
        }
        text.extend_from_slice(prefix.as_bytes());
        text.push(b' ');
        text.extend_from_slice(line.trim_end_matches('\r').as_bytes());
    }
    Record::LogLine(LogLineRecord {
        cluster: ctx.cluster,
        cluster_name,
        namespace,
        pod,
        container,
        text,
        label: Table::ContainerLogs.label(),
    })
}

/// The names an `hcpctl must-gather query` file name gives:
/// `<cluster>_<namespace>_<container>[_<pod>].jsonl`.
#[derive(Default)]
struct FileNames<'a> {
    cluster: Option<&'a str>,
    namespace: Option<&'a str>,
    container: Option<&'a str>,
    pod: Option<&'a str>,
}

impl<'a> FileNames<'a> {
    fn of(source: &'a str) -> FileNames<'a> {
        let name = source.rsplit(['/', ':']).next().unwrap_or(source);
        let Some(stem) = name
            .strip_suffix(".jsonl")
            .or_else(|| name.strip_suffix(".ndjson"))
        else {
            return FileNames::default();
        };
        let parts: Vec<&str> = stem.split('_').collect();
        match parts.as_slice() {
            [cluster, namespace, container] => FileNames {
                cluster: Some(cluster),
                namespace: Some(namespace),
                container: Some(container),
                pod: None,
            },
            [cluster, namespace, container, pod] => FileNames {
                cluster: Some(cluster),
                namespace: Some(namespace),
                container: Some(container),
                pod: Some(pod),
            },
            _ => FileNames::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcpctl_file_names_give_cluster_namespace_container_and_pod() {
        let n = FileNames::of("q/mgmt-1_maestro_maestro-agent_maestro-agent-5d8f9c7b6-x2v4n.jsonl");
        assert_eq!(
            (n.cluster, n.namespace, n.container, n.pod),
            (
                Some("mgmt-1"),
                Some("maestro"),
                Some("maestro-agent"),
                Some("maestro-agent-5d8f9c7b6-x2v4n")
            )
        );
        let n = FileNames::of("mgmt-1_maestro_service.jsonl");
        assert_eq!((n.container, n.pod), (Some("service"), None));
        assert!(FileNames::of("logs.csv").cluster.is_none());
    }
}
