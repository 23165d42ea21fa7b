-- id: nodepool-not-ready
-- severity: warning
-- needs: [kube/nodepools]
-- title: NodePool not ready
-- explanation: >-
--   A NodePool's Ready condition is not True (False, Unknown or absent) more than 30 minutes
--   after its creation: its machines are not provisioned or its nodes are unhealthy, so the
--   hosted cluster lacks the capacity asked for. NodePools being deleted are left to
--   object-deletion-stuck.
-- next_step: >-
--   Read Ready's and AllMachinesReady's messages; look at the CAPI machines in the control
--   plane namespace and the Azure VM provisioning errors.
-- commands:
--   - kubectl: get nodepool -n {namespace} {name} -o yaml
--   - kubectl: get machines.cluster.x-k8s.io -n {namespace}-{cluster_name}
--   - mwtrace: trace {snapshot} --cluster-id {cid}
-- message: "NodePool {namespace}/{name} (cid {cid}) on {cluster}: Ready={ready_status} ({ready_reason}: {ready_message})"
-- evidence: [cluster, namespace, name, cid, cluster_name, replicas, ready_status, ready_reason, ready_message, machines_message, created_at]
WITH cond AS (
    SELECT cluster, namespace, name, type,
           first(status ORDER BY last_transition_time DESC NULLS LAST) AS status,
           first(reason ORDER BY last_transition_time DESC NULLS LAST) AS reason,
           first(message ORDER BY last_transition_time DESC NULLS LAST) AS message
    FROM conditions
    WHERE source = 'object' AND kind = 'NodePool' AND type IN ('Ready', 'AllMachinesReady')
    GROUP BY ALL
)
SELECT p.cluster, p.namespace, p.name, p.cid, p.cluster_name, p.replicas,
       coalesce(r.status, 'missing') AS ready_status, r.reason AS ready_reason,
       r.message AS ready_message, m.message AS machines_message,
       mw_rfc3339(p.created_at) AS created_at
FROM node_pools p
LEFT JOIN cond r ON r.cluster = p.cluster AND r.namespace = p.namespace AND r.name = p.name
     AND r.type = 'Ready'
LEFT JOIN cond m ON m.cluster = p.cluster AND m.namespace = p.namespace AND m.name = p.name
     AND m.type = 'AllMachinesReady' AND m.status IS DISTINCT FROM 'True'
WHERE p.deleted_at IS NULL
  AND r.status IS DISTINCT FROM 'True'
  AND (p.created_at IS NULL
       OR p.created_at < (SELECT created_at FROM snapshot) - INTERVAL 30 MINUTE)
ORDER BY p.cluster, p.namespace, p.name
