-- id: managedcluster-unhealthy
-- severity: critical
-- needs: [kube/managedclusters]
-- title: ManagedCluster not joined or not available
-- explanation: >-
--   A ManagedCluster is not accepted by the hub, not Joined, or its
--   ManagedClusterConditionAvailable is not True (Unknown with ManagedClusterLeaseUpdateStopped
--   when the klusterlet stopped renewing its lease), more than 30 minutes after its creation.
--   For an ARO HCP cluster (name = cid) the hosted cluster's klusterlet is not reporting: the
--   hosted control plane or its connectivity is down, or the import failed. ManagedClusters
--   being deleted are left to object-deletion-stuck.
-- next_step: >-
--   Read the conditions; check the HostedCluster of the same cid and the klusterlet (hosted
--   mode) in the control plane namespace; check the ManagedClusterAddOns in the namespace named after the cid.
-- commands:
--   - kubectl: get managedcluster {name} -o yaml
--   - kubectl: get managedclusteraddons -n {name}
--   - mwtrace: trace {snapshot} --cluster-id {cid}
-- message: "ManagedCluster {name} on {cluster}: {problems}"
-- evidence: [cluster, name, cid, accepted_status, joined_status, joined_reason, available_status, available_reason, available_message, created_at]
WITH cond AS (
    SELECT cluster, name, type,
           first(status ORDER BY last_transition_time DESC NULLS LAST) AS status,
           first(reason ORDER BY last_transition_time DESC NULLS LAST) AS reason,
           first(message ORDER BY last_transition_time DESC NULLS LAST) AS message
    FROM conditions
    WHERE source = 'object' AND kind = 'ManagedCluster'
      AND type IN ('HubAcceptedManagedCluster', 'ManagedClusterJoined',
                   'ManagedClusterConditionAvailable')
    GROUP BY ALL
), mc AS (
    SELECT m.cluster, m.name,
           CASE WHEN regexp_full_match(m.name, '[a-z0-9]{32}') THEN m.name END AS cid,
           coalesce(h.status, 'missing') AS accepted_status,
           coalesce(j.status, 'missing') AS joined_status, j.reason AS joined_reason,
           coalesce(a.status, 'missing') AS available_status, a.reason AS available_reason,
           a.message AS available_message, m.created_at, m.deleted_at
    FROM managed_clusters m
    LEFT JOIN cond h ON h.cluster = m.cluster AND h.name = m.name AND h.type = 'HubAcceptedManagedCluster'
    LEFT JOIN cond j ON j.cluster = m.cluster AND j.name = m.name AND j.type = 'ManagedClusterJoined'
    LEFT JOIN cond a ON a.cluster = m.cluster AND a.name = m.name
         AND a.type = 'ManagedClusterConditionAvailable'
)
SELECT cluster, name, cid, accepted_status, joined_status, joined_reason, available_status,
       available_reason, available_message, mw_rfc3339(created_at) AS created_at,
       concat_ws('; ',
           CASE WHEN accepted_status = 'False' THEN 'not accepted by the hub' END,
           CASE WHEN joined_status <> 'True' THEN 'not joined (ManagedClusterJoined=' || joined_status || ')' END,
           CASE WHEN available_status <> 'True'
                THEN 'not available (ManagedClusterConditionAvailable=' || available_status
                     || coalesce(', ' || available_reason, '') || coalesce(': ' || available_message, '') || ')' END
       ) AS problems
FROM mc
WHERE deleted_at IS NULL
  AND (accepted_status = 'False' OR joined_status <> 'True' OR available_status <> 'True')
  AND (created_at IS NULL OR created_at < (SELECT created_at FROM snapshot) - INTERVAL 30 MINUTE)
ORDER BY cluster, name
