-- id: managedcluster-stuck-detaching
-- severity: critical
-- needs: [kube/managedclusters]
-- title: ManagedCluster stuck detaching
-- explanation: >-
--   A ManagedCluster has had a deletionTimestamp for more than 30 minutes before the snapshot
--   and finalizers still hold it: the addon finalizers (addon-manager, the hosted-mode addons
--   such as work-manager or the hypershift addon) wait for the ManagedClusterAddOns in the
--   namespace named after the cluster to be removed, the cleanup finalizers
--   (api-resource-cleanup, manifest-work-cleanup) for the hub's resources of the cluster
--   (ManifestWorks, roles) to go. Until then the cluster's deletion in Clusters Service does not
--   finish. The ManagedClusterAddOns still present and their own finalizers are listed when
--   they were collected.
-- next_step: >-
--   Look at the listed ManagedClusterAddOns and ManifestWorks in the cluster's namespace and at
--   the controllers of the remaining finalizers (addon-manager, registration, work webhooks);
--   follow the ARO HCP stuck-deletion runbook before removing any finalizer by hand.
-- commands:
--   - kubectl: get managedcluster {name} -o yaml
--   - kubectl: get managedclusteraddons -n {name} -o yaml
--   - kubectl: get manifestworks -n {name}
--   - mwtrace: trace {snapshot} --cluster-id {cid}
-- message: "ManagedCluster {name} on {cluster} has been detaching for {age}; addon finalizers: {addon_finalizers}; cleanup finalizers: {cleanup_finalizers}; addons left: {addons}"
-- evidence: [cluster, name, cid, uid, deleted_at, age, addon_finalizers, cleanup_finalizers, other_finalizers, addons]
WITH mc AS (
    SELECT o.cluster, o.name, o.uid, o.deleted_at,
           coalesce(CAST(o.object -> '$.metadata.finalizers' AS VARCHAR[]), []) AS finalizers
    FROM objects o
    WHERE o.kind = 'ManagedCluster'
      AND o.deleted_at < (SELECT created_at FROM snapshot) - INTERVAL 30 MINUTE
), addons AS (
    SELECT a.cluster, a.namespace,
           string_agg(a.name || coalesce(' (' || nullif(array_to_string(
                          CAST(a.object -> '$.metadata.finalizers' AS VARCHAR[]), ', '), '') || ')', ''),
                      ', ' ORDER BY a.name) AS addons
    FROM objects a
    WHERE a.kind = 'ManagedClusterAddOn'
    GROUP BY a.cluster, a.namespace
)
SELECT m.cluster, m.name, m.uid,
       CASE WHEN regexp_full_match(m.name, '[a-z0-9]{32}') THEN m.name END AS cid,
       mw_rfc3339(m.deleted_at) AS deleted_at,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - m.deleted_at) AS VARCHAR) AS age,
       coalesce(nullif(array_to_string(list_filter(m.finalizers, lambda f: f ILIKE '%addon%'), ', '), ''),
                'none') AS addon_finalizers,
       coalesce(nullif(array_to_string(list_filter(m.finalizers,
                    lambda f: f ILIKE '%cleanup%' AND NOT f ILIKE '%addon%'), ', '), ''),
                'none') AS cleanup_finalizers,
       coalesce(nullif(array_to_string(list_filter(m.finalizers,
                    lambda f: NOT f ILIKE '%cleanup%' AND NOT f ILIKE '%addon%'), ', '), ''),
                'none') AS other_finalizers,
       CASE WHEN a.addons IS NOT NULL THEN a.addons
            WHEN EXISTS (SELECT 1 FROM coverage c
                         WHERE c.source = 'kube' AND c.cluster = m.cluster
                           AND c.resource = 'managedclusteraddons' AND c.collected)
                THEN 'none'
            ELSE 'not collected' END AS addons
FROM mc m
LEFT JOIN addons a ON a.cluster = m.cluster AND a.namespace = m.name
WHERE len(m.finalizers) > 0
ORDER BY m.deleted_at, m.cluster, m.name
