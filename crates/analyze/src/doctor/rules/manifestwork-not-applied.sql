-- id: manifestwork-not-applied
-- severity: critical
-- needs: [kube/manifestworks]
-- title: ManifestWork CR not applied (layer 2)
-- explanation: >-
--   A ManifestWork CR on the management cluster (layer 2: the local-cluster works that carry
--   HostedCluster, NodePool and their Namespace and Secrets) has condition Applied False or
--   Unknown, or has no Applied condition more than 10 minutes after its creation (the
--   klusterlet work agent never picked it up). The hosted cluster's objects are then not what
--   Clusters Service asked for. Works being deleted are left to object-deletion-stuck.
-- next_step: >-
--   Read the failing manifests' messages in the ManifestWork status; check the klusterlet work
--   agent (open-cluster-management-agent) when there is no condition at all.
-- commands:
--   - kubectl: get manifestwork -n {namespace} {name} -o yaml
--   - kubectl: logs -n open-cluster-management-agent deployment/klusterlet-work-agent --since=1h | grep {name}
--   - mwtrace: trace {snapshot} --cluster-id {cid}
-- message: "ManifestWork {namespace}/{name} on {cluster}: Applied={applied_status} ({applied_reason}); failing: {failing_manifests}"
-- evidence: [cluster, namespace, name, cid, applied_status, applied_reason, applied_message, manifest_count, failing_manifests, created_at]
WITH failing AS (
    SELECT cluster, work_namespace, work_name,
           string_agg(kind || ' ' || coalesce(namespace || '/', '') || name
                      || coalesce(': ' || message, ''), '; ' ORDER BY ordinal) AS failing_manifests
    FROM work_manifests WHERE applied = false
    GROUP BY cluster, work_namespace, work_name
)
SELECT w.cluster, w.namespace, w.name, w.cid,
       coalesce(c.status, 'missing') AS applied_status, c.reason AS applied_reason,
       c.message AS applied_message, w.manifest_count, f.failing_manifests,
       mw_rfc3339(w.created_at) AS created_at
FROM manifest_works w
LEFT JOIN conditions c ON c.source = 'object' AND c.kind = 'ManifestWork' AND c.cluster = w.cluster
     AND c.namespace = w.namespace AND c.name = w.name AND c.type = 'Applied'
LEFT JOIN failing f ON f.cluster = w.cluster AND f.work_namespace = w.namespace AND f.work_name = w.name
WHERE w.deleted_at IS NULL
  AND c.status IS DISTINCT FROM 'True'
  AND (c.status IS NOT NULL OR w.created_at < (SELECT created_at FROM snapshot) - INTERVAL 10 MINUTE)
ORDER BY w.cluster, w.namespace, w.name
