//! `collect --logs`: container logs of the Maestro server pods (service cluster), the Maestro
//! agent pods (every management cluster) and Clusters Service when it runs on the service
//! cluster, current and previous containers, streamed from the API server into the bundle's
//! `logs/<cluster>/<namespace>/<pod>/<container>.log` files (DESIGN.md §4). The instance before
//! a container's last restart is `<container>.previous.log`.
//!
//! Lines are requested with the runtime's timestamps (`timestamps=true`), so every entry has an
//! exact time whatever its own format prints. Each container is its own source: one that fails
//! is recorded in the manifest and the others are still collected; a stream that breaks halfway
//! keeps what arrived and records the error.

use std::io::Write;
use std::time::Duration;

use futures::AsyncReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, ListParams, LogParams};

use super::error::CollectError;
use super::kube::client_of;
use super::{ClusterTarget, CollectPlan, Collector, SourceReport};
use mwtrace_bundle::BundlePath;
use mwtrace_bundle::progress::Unit;
use mwtrace_bundle::redact::RedactingWriter;
use mwtrace_bundle::writer::FileSink;

/// Namespace and label of the agent pods on a management cluster.
pub const AGENT_NAMESPACE: &str = "maestro";
pub const AGENT_SELECTOR: &str = "app=maestro-agent";
/// Label of the Maestro server pods, in `--maestro-namespace`.
pub const SERVER_SELECTOR: &str = "app=maestro";
/// Where Clusters Service runs, when it does, on the service cluster.
pub const CS_NAMESPACE: &str = "clusters-service";
pub const CS_SELECTOR: &str = "app=clusters-service";

/// How far back logs go when `--since` is not given.
pub const DEFAULT_LOG_SINCE: Duration = Duration::from_secs(24 * 3600);

/// Pods per list request.
const PAGE_SIZE: u32 = 100;

/// Whether finding no pods is worth a note.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    Expected,
    Optional,
}

/// Collects every log the plan asks for; `since` bounds how far back (zero: everything the
/// kubelet still holds).
pub async fn collect_logs(collector: &mut Collector<'_>, plan: &CollectPlan, since: Duration) {
    match &plan.service {
        Some(service) => {
            let namespace = plan.maestro_namespace.as_str();
            collect_pods(
                collector,
                service,
                namespace,
                SERVER_SELECTOR,
                Presence::Expected,
                since,
            )
            .await;
            collect_pods(
                collector,
                service,
                CS_NAMESPACE,
                CS_SELECTOR,
                Presence::Optional,
                since,
            )
            .await;
        }
        None => collector.note(
            "logs",
            "Maestro server logs not collected: no service cluster given (--svc-context or \
             --svc-kubeconfig)"
                .into(),
        ),
    }
    for target in &plan.management {
        collect_pods(
            collector,
            target,
            AGENT_NAMESPACE,
            AGENT_SELECTOR,
            Presence::Expected,
            since,
        )
        .await;
    }
}

/// The logs of every container of the pods matching `selector` in `namespace`.
async fn collect_pods(
    collector: &mut Collector<'_>,
    target: &ClusterTarget,
    namespace: &str,
    selector: &str,
    presence: Presence,
    since: Duration,
) {
    let source = format!("logs/{}/{namespace}", target.name);
    // An unreachable cluster is already one error (kube/<cluster>); do not repeat it per pod.
    let cluster_source = format!("kube/{}", target.name);
    if collector
        .writer
        .manifest_mut()
        .errors
        .iter()
        .any(|e| e.source == cluster_source)
    {
        collector.note(
            &source,
            format!("logs not collected: the cluster failed ({cluster_source})"),
        );
        return;
    }
    let client = match client_of(target).await {
        Ok(client) => client,
        Err(error) => {
            collector.fail(&source, error);
            return;
        }
    };
    let pods = match list_pods(&client, namespace, selector).await {
        Ok(pods) => pods,
        Err(error) => {
            collector.fail(&source, error);
            return;
        }
    };
    if pods.is_empty() {
        let what = match presence {
            Presence::Expected => "no pods",
            Presence::Optional => "not present: no pods",
        };
        collector.note(
            &source,
            format!("{what} labelled {selector} in namespace {namespace}"),
        );
        return;
    }
    let api: Api<Pod> = Api::namespaced(client, namespace);
    for pod in pods {
        let Some(pod_name) = pod.metadata.name.clone() else {
            continue;
        };
        let statuses = pod
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.clone())
            .unwrap_or_default();
        let containers = pod
            .spec
            .as_ref()
            .map(|s| s.containers.clone())
            .unwrap_or_default();
        for container in containers {
            let restarted = statuses.iter().any(|s| {
                s.name == container.name
                    && (s.restart_count > 0
                        || s.last_state
                            .as_ref()
                            .is_some_and(|l| l.terminated.is_some()))
            });
            let target_pod = LogTarget {
                cluster: &target.name,
                namespace,
                pod: &pod_name,
                container: &container.name,
            };
            stream_log(collector, &api, &target_pod, false, since).await;
            if restarted {
                stream_log(collector, &api, &target_pod, true, since).await;
            }
        }
    }
}

async fn list_pods(
    client: &Client,
    namespace: &str,
    selector: &str,
) -> Result<Vec<Pod>, CollectError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut params = ListParams::default().labels(selector).limit(PAGE_SIZE);
    let mut pods = Vec::new();
    loop {
        let page = api
            .list(&params)
            .await
            .map_err(|e| CollectError::ListPods {
                namespace: namespace.to_string(),
                selector: selector.to_string(),
                source: e.into(),
            })?;
        let next = page.metadata.continue_.clone().filter(|t| !t.is_empty());
        pods.extend(page.items);
        match next {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    Ok(pods)
}

struct LogTarget<'a> {
    cluster: &'a str,
    namespace: &'a str,
    pod: &'a str,
    container: &'a str,
}

/// The request for one container's log.
pub fn log_params(container: &str, previous: bool, since: Duration) -> LogParams {
    LogParams {
        container: Some(container.to_string()),
        previous,
        since_seconds: (!since.is_zero()).then(|| since.as_secs().max(1) as i64),
        timestamps: true,
        ..LogParams::default()
    }
}

/// A log's bundle file, written through a [`RedactingWriter`] when secrets are redacted.
enum LogSink {
    Redacted(RedactingWriter<FileSink>),
    Plain(FileSink),
}

impl LogSink {
    fn new(file: FileSink, redact: bool) -> LogSink {
        match redact {
            true => LogSink::Redacted(RedactingWriter::new(file)),
            false => LogSink::Plain(file),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            LogSink::Redacted(w) => w.write_all(bytes),
            LogSink::Plain(file) => file.write_all(bytes),
        }
    }

    /// The file, and how many secret values were redacted.
    fn finish(self) -> std::io::Result<(FileSink, usize)> {
        match self {
            LogSink::Redacted(w) => w.finish(),
            LogSink::Plain(file) => Ok((file, 0)),
        }
    }
}

/// Streams one container's log into its bundle file.
async fn stream_log(
    collector: &mut Collector<'_>,
    api: &Api<Pod>,
    t: &LogTarget<'_>,
    previous: bool,
    since: Duration,
) {
    let container = if previous {
        format!("{}.previous", t.container)
    } else {
        t.container.to_string()
    };
    let path = BundlePath::Log {
        cluster: t.cluster.to_string(),
        namespace: t.namespace.to_string(),
        pod: t.pod.to_string(),
        container,
    };
    let source = path.to_string().trim_end_matches(".log").to_string();
    if BundlePath::parse(&path.to_string()).is_err() {
        collector.fail(&source, CollectError::UnusableLogPath);
        return;
    }
    let params = log_params(t.container, previous, since);
    let stream = match api.log_stream(t.pod, &params).await {
        Ok(stream) => stream,
        Err(e) => {
            collector.fail(&source, CollectError::ReadLog { source: e.into() });
            return;
        }
    };
    let sink = match collector.writer.start_file(path) {
        Ok(sink) => sink,
        Err(e) => {
            collector.fail(&source, CollectError::Spool { source: e });
            return;
        }
    };
    // Secrets in log lines are redacted as import redacts them (bearer tokens, password=
    // values, PEM private keys), unless --no-redact.
    let mut sink = LogSink::new(sink, collector.redact);
    collector.progress.phase(&source, 0, Unit::Bytes);
    let mut stream = Box::pin(stream);
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 0u64;
    let mut error = None;
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => {
                if let Err(e) = sink.write_all(&buf[..n]) {
                    error = Some(CollectError::Spool { source: e });
                    break;
                }
                lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
                collector.progress.advance(n as u64);
            }
            Err(e) => {
                // What arrived is kept: a partial log is still evidence.
                error = Some(CollectError::LogStream { source: e });
                break;
            }
        }
    }
    let (sink, redacted) = match sink.finish() {
        Ok(finished) => finished,
        Err(e) => {
            collector.fail(&source, CollectError::Spool { source: e });
            return;
        }
    };
    let bytes = match collector.writer.finish_file(sink) {
        Ok(record) => record.bytes,
        Err(e) => {
            collector.fail(&source, CollectError::Spool { source: e });
            return;
        }
    };
    if redacted > 0 {
        collector.note(
            &source,
            format!(
                "{redacted} secret values in the log redacted (bearer tokens, password= values, PEM private keys)"
            ),
        );
    }
    let error = error.map(|e| e.one_line());
    if let Some(message) = &error {
        collector.writer.record_error(&source, message);
    }
    collector.sources.push(SourceReport {
        source,
        count: lines,
        bytes,
        error,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_requests_carry_timestamps_and_the_window() {
        let p = log_params("service", true, Duration::from_secs(6 * 3600));
        assert_eq!(p.container.as_deref(), Some("service"));
        assert!(p.previous && p.timestamps && !p.follow);
        assert_eq!(p.since_seconds, Some(21600));
        assert_eq!(log_params("x", false, Duration::ZERO).since_seconds, None);
        assert_eq!(
            log_params("x", false, Duration::from_millis(300)).since_seconds,
            Some(1)
        );
    }
}
