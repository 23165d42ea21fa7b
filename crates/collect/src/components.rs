//! The versions of Maestro and HyperShift a collection saw: a read-only `get` of the server's
//! Deployment on the service cluster and of the agent's and the HyperShift operator's on each
//! management cluster, recorded in the manifest's `components` (mwtrace_bundle::components
//! recognizes the containers and parses the images). A Deployment that is absent is a note; one
//! that cannot be read (forbidden) is an error entry of its own source,
//! `components/<cluster>/<namespace>/<name>`, never a failed collection. An unreachable
//! management cluster is not reported twice: its `kube/<cluster>` source says so already.

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;

use super::error::{CollectError, KubeError};
use super::{ClusterTarget, Collector};
use mwtrace_bundle::components::{self, MAESTRO_SERVER, MANAGEMENT_DEPLOYMENTS};

/// The server's Deployment (`maestro` in `--maestro-namespace`) on the service cluster.
pub async fn collect_service(
    collector: &mut Collector<'_>,
    target: &ClusterTarget,
    maestro_namespace: &str,
) {
    let wanted = [(maestro_namespace, "maestro", MAESTRO_SERVER)];
    collect(collector, target, &wanted, true).await;
}

/// The agent's and the HyperShift operator's Deployments on a management cluster.
pub async fn collect_management(collector: &mut Collector<'_>, target: &ClusterTarget) {
    collect(collector, target, &MANAGEMENT_DEPLOYMENTS, false).await;
}

async fn collect(
    collector: &mut Collector<'_>,
    target: &ClusterTarget,
    wanted: &[(&str, &str, &str)],
    report_unreachable: bool,
) {
    let source = |ns: &str, name: &str| format!("components/{}/{ns}/{name}", target.name);
    let client = match super::kube::client_of(target).await {
        Ok(client) => client,
        Err(error) => {
            if report_unreachable {
                collector.fail(&format!("components/{}", target.name), error);
            }
            return;
        }
    };
    let mut found_components: Vec<&str> = Vec::new();
    let mut missing: Vec<(&str, String)> = Vec::new();
    for &(namespace, name, component) in wanted {
        if found_components.contains(&component) {
            continue;
        }
        let api: Api<Deployment> = Api::namespaced(client.clone(), namespace);
        match api.get_opt(name).await {
            Ok(Some(deployment)) => {
                let mut value = match serde_json::to_value(&deployment) {
                    Ok(value) => value,
                    Err(source_error) => {
                        let error = CollectError::Encode {
                            kind: "Deployment".into(),
                            source: source_error,
                        };
                        collector.fail(&source(namespace, name), error);
                        continue;
                    }
                };
                value["kind"] = "Deployment".into();
                let seen = components::from_object(&target.name, &value, "collect");
                if !seen.is_empty() {
                    found_components.push(component);
                }
                let manifest = collector.writer.manifest_mut();
                for c in seen {
                    components::merge_into(&mut manifest.components, c);
                }
            }
            Ok(None) => missing.push((component, format!("{namespace}/{name}"))),
            Err(e) => {
                let transport = !matches!(e, kube::Error::Api(_));
                if transport && !report_unreachable {
                    return;
                }
                let error = CollectError::Deployment {
                    namespace: namespace.to_string(),
                    deployment: name.to_string(),
                    source: KubeError::new(&e),
                };
                collector.fail(&source(namespace, name), error);
                // Unreachable: the other gets would fail the same way.
                if transport {
                    return;
                }
            }
        }
    }
    let mut noted: Vec<&str> = Vec::new();
    for (component, _) in &missing {
        if found_components.contains(component) || noted.contains(component) {
            continue;
        }
        noted.push(component);
        let tried: Vec<&str> = missing
            .iter()
            .filter(|(c, _)| c == component)
            .map(|(_, at)| at.as_str())
            .collect();
        collector.note(
            &format!("components/{}", target.name),
            format!(
                "{component}: no Deployment {} (version not recorded)",
                tried.join(" or ")
            ),
        );
    }
}
