//! Management-cluster objects through the Kubernetes API: clients resolved as kubectl resolves
//! them (KUBECONFIG, files, contexts, exec plugins, certificates, tokens: the kube crate's
//! loader), and the five kinds listed page by page (limit + continue), never whole.

use kube::api::{Api, DynamicObject, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiResource, pinned_kind};
use kube::{Client, Config};

use super::error::{CollectError, KubeError};
use super::scope::Scope;
use super::{ClusterTarget, Collector};
use mwtrace_bundle::BundlePath;

/// Objects per list request: small enough to keep memory flat, large enough to be quick.
const PAGE_SIZE: u32 = 250;

/// (group, version, kind, plural) of what is collected from every management cluster.
pub const KINDS: [(&str, &str, &str, &str); 5] = [
    (
        "work.open-cluster-management.io",
        "v1",
        "AppliedManifestWork",
        "appliedmanifestworks",
    ),
    (
        "work.open-cluster-management.io",
        "v1",
        "ManifestWork",
        "manifestworks",
    ),
    (
        "cluster.open-cluster-management.io",
        "v1",
        "ManagedCluster",
        "managedclusters",
    ),
    (
        "hypershift.openshift.io",
        "v1beta1",
        "HostedCluster",
        "hostedclusters",
    ),
    (
        "hypershift.openshift.io",
        "v1beta1",
        "NodePool",
        "nodepools",
    ),
];

/// The client configuration of a target, as kubectl would resolve it.
pub async fn config_of(target: &ClusterTarget) -> Result<Config, CollectError> {
    if target.in_cluster {
        return Config::incluster().map_err(|e| CollectError::InClusterConfig {
            source: KubeError::new(&e),
        });
    }
    let options = KubeConfigOptions {
        context: target.context.clone(),
        cluster: None,
        user: None,
    };
    let result = match &target.kubeconfig {
        Some(path) => {
            let kubeconfig =
                Kubeconfig::read_from(path).map_err(|e| CollectError::KubeconfigFile {
                    path: path.clone(),
                    source: KubeError::new(&e),
                })?;
            Config::from_custom_kubeconfig(kubeconfig, &options).await
        }
        None => Config::from_kubeconfig(&options).await,
    };
    result.map_err(|e| {
        let source = KubeError::new(&e);
        match &target.context {
            Some(context) => CollectError::Context {
                context: context.clone(),
                source,
            },
            None => CollectError::Kubeconfig { source },
        }
    })
}

pub async fn client_of(target: &ClusterTarget) -> Result<Client, CollectError> {
    let config = config_of(target).await?;
    Client::try_from(config).map_err(|e| CollectError::Client { source: e.into() })
}

/// The API server URL of a target, for the manifest.
pub async fn server_of(target: &ClusterTarget) -> Option<String> {
    config_of(target)
        .await
        .ok()
        .map(|c| c.cluster_url.to_string())
}

/// Collects every kind from one management cluster; each kind is its own source.
pub async fn collect_cluster(collector: &mut Collector<'_>, target: &ClusterTarget, scope: &Scope) {
    let client = match client_of(target).await {
        Ok(client) => client,
        Err(error) => {
            collector.fail(&format!("kube/{}", target.name), error);
            return;
        }
    };
    for (group, version, kind, plural) in KINDS {
        let path = BundlePath::Kube {
            cluster: target.name.clone(),
            group: group.to_string(),
            version: version.to_string(),
            resource: plural.to_string(),
        };
        let source = path.to_string().trim_end_matches(".ndjson").to_string();
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let resource = match pinned_kind(&client, &gvk).await {
            Ok((resource, _)) => resource,
            Err(e) if is_absent(&e) => {
                collector.note(
                    &source,
                    format!("{kind} is not served by this cluster (CRD absent)"),
                );
                continue;
            }
            // The API answered: this kind alone failed (403 on discovery, say).
            Err(e @ kube::Error::Api(_)) => {
                let error = CollectError::Discovery {
                    kind: kind.to_string(),
                    source: e.into(),
                };
                collector.fail(&source, error);
                continue;
            }
            // Transport or auth: the cluster is unreachable; one error covers every kind.
            Err(e) => {
                let error = CollectError::Unreachable {
                    cluster: target.name.clone(),
                    source: e.into(),
                };
                collector.fail(&format!("kube/{}", target.name), error);
                return;
            }
        };
        if let Err(error) =
            list_into(collector, &client, &resource, path, &source, kind, scope).await
        {
            collector.fail(&source, error);
        }
    }
}

/// Lists one kind page by page into its bundle file. On error the partial file is dropped
/// (its source is recorded as failed), so a bundle never holds a truncated list as if whole.
async fn list_into(
    collector: &mut Collector<'_>,
    client: &Client,
    resource: &ApiResource,
    path: BundlePath,
    source: &str,
    kind: &str,
    scope: &Scope,
) -> Result<(), CollectError> {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), resource);
    let mut sink = collector.sink(path)?;
    let mut params = ListParams::default().limit(PAGE_SIZE);
    if let (Some(cid), "ManagedCluster") = (&scope.cid, kind) {
        params = params.fields(&format!("metadata.name={cid}"));
    }
    loop {
        let page = api.list(&params).await.map_err(|e| CollectError::List {
            kind: kind.to_string(),
            source: e.into(),
        })?;
        let next = page.metadata.continue_.clone().filter(|t| !t.is_empty());
        for object in page.items {
            let mut value =
                serde_json::to_value(&object).map_err(|source| CollectError::Encode {
                    kind: kind.to_string(),
                    source,
                })?;
            value["apiVersion"] = resource.api_version.clone().into();
            value["kind"] = resource.kind.clone().into();
            if scope.keeps(kind, &value) {
                sink.write(value, collector.progress)?;
            }
        }
        match next {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    collector.finish_sink(source, sink)
}

/// A kind or group the cluster does not serve.
fn is_absent(error: &kube::Error) -> bool {
    match error {
        kube::Error::Api(status) => status.code == 404,
        kube::Error::Discovery(_) => true,
        _ => false,
    }
}
