-- id: object-deletion-stuck
-- severity: warning
-- title: Object stuck in deletion
-- explanation: >-
--   A ManifestWork, AppliedManifestWork, HostedCluster or NodePool has had a deletionTimestamp
--   for more than 30 minutes before the snapshot: a finalizer is not being removed. The
--   finalizers left are listed; each names the controller that must finish (work agent cleanup,
--   HyperShift). ManagedClusters and Namespaces have their own rules
--   (managedcluster-stuck-detaching, namespace-stuck-terminating).
-- next_step: >-
--   Find the controller of the remaining finalizer and why it cannot finish (its logs, the
--   objects it waits for); follow the ARO HCP stuck-deletion runbook before removing any
--   finalizer by hand.
-- commands:
--   - kubectl: get {kind_resource} -n {namespace} {name} -o yaml
--   - kubectl: get {kind_resource} {cluster_scoped_name} -o yaml
-- message: "{kind} {object} on {cluster} has been deleting for {age}; finalizers: {finalizers}"
-- evidence: [cluster, kind, object, uid, deleted_at, age, finalizers]
SELECT o.cluster, o.kind, coalesce(o.namespace || '/', '') || o.name AS object, o.name,
       o.namespace, CASE WHEN o.namespace IS NULL THEN o.name END AS cluster_scoped_name,
       o.resource || CASE WHEN o.api_group = '' THEN '' ELSE '.' || o.api_group END AS kind_resource,
       o.uid, mw_rfc3339(o.deleted_at) AS deleted_at,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - o.deleted_at) AS VARCHAR) AS age,
       coalesce(array_to_string(CAST(o.object -> '$.metadata.finalizers' AS VARCHAR[]), ', '), 'none')
           AS finalizers
FROM objects o
WHERE o.kind IN ('ManifestWork', 'AppliedManifestWork', 'HostedCluster', 'NodePool')
  AND o.deleted_at < (SELECT created_at FROM snapshot) - INTERVAL 30 MINUTE
ORDER BY o.deleted_at, o.cluster, o.kind, o.namespace, o.name
