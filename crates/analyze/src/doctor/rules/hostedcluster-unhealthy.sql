-- id: hostedcluster-unhealthy
-- severity: critical
-- needs: [kube/hostedclusters]
-- title: HostedCluster not available or degraded
-- explanation: >-
--   A HostedCluster reports Degraded=True, or Available is not True (False, Unknown or absent)
--   more than 30 minutes after its creation: the hosted control plane is down or was never
--   completed. Healthy ARO HCP clusters report Available=True/AsExpected and
--   Degraded=False/AsExpected. HostedClusters being deleted are left to object-deletion-stuck.
-- next_step: >-
--   Read the conditions' reasons and messages; look at the control plane namespace (pods of
--   kube-apiserver, etcd, control-plane-operator) and the HyperShift operator logs.
-- commands:
--   - kubectl: get hostedcluster -n {namespace} {name} -o yaml
--   - kubectl: get pods -n {control_plane_namespace}
--   - kubectl: logs -n hypershift deployment/operator --since=1h | grep {name}
--   - mwtrace: trace {snapshot} --cluster-id {cid}
-- message: "HostedCluster {namespace}/{name} (cid {cid}) on {cluster}: Available={available_status} ({available_reason}: {available_message}); Degraded={degraded_status} ({degraded_reason})"
-- evidence: [cluster, namespace, name, cid, available_status, available_reason, available_message, degraded_status, degraded_reason, degraded_message, version, created_at]
WITH cond AS (
    SELECT cluster, namespace, name, type,
           first(status ORDER BY last_transition_time DESC NULLS LAST) AS status,
           first(reason ORDER BY last_transition_time DESC NULLS LAST) AS reason,
           first(message ORDER BY last_transition_time DESC NULLS LAST) AS message
    FROM conditions
    WHERE source = 'object' AND kind = 'HostedCluster' AND type IN ('Available', 'Degraded')
    GROUP BY ALL
)
SELECT h.cluster, h.namespace, h.name, h.cid, h.control_plane_namespace,
       coalesce(a.status, 'missing') AS available_status, a.reason AS available_reason,
       a.message AS available_message,
       coalesce(d.status, 'missing') AS degraded_status, d.reason AS degraded_reason,
       d.message AS degraded_message, h.version, mw_rfc3339(h.created_at) AS created_at
FROM hosted_clusters h
LEFT JOIN cond a ON a.cluster = h.cluster AND a.namespace = h.namespace AND a.name = h.name
     AND a.type = 'Available'
LEFT JOIN cond d ON d.cluster = h.cluster AND d.namespace = h.namespace AND d.name = h.name
     AND d.type = 'Degraded'
WHERE h.deleted_at IS NULL
  AND (d.status = 'True'
       OR (a.status IS DISTINCT FROM 'True'
           AND (h.created_at IS NULL
                OR h.created_at < (SELECT created_at FROM snapshot) - INTERVAL 30 MINUTE)))
ORDER BY h.cluster, h.namespace, h.name
