-- id: manifestwork-not-available
-- severity: warning
-- needs: [kube/manifestworks]
-- title: ManifestWork CR applied but not available (layer 2)
-- explanation: >-
--   A ManifestWork CR on the management cluster is Applied but its condition Available is False
--   or Unknown: some applied objects do not exist (deleted behind the agent's back) or cannot be
--   read. Available means "exists", not "healthy"; HostedCluster health has its own rule.
-- next_step: >-
--   Check which manifests are not available in the ManifestWork status and whether the objects
--   exist; the klusterlet recreates them on its next resync.
-- commands:
--   - kubectl: get manifestwork -n {namespace} {name} -o yaml
--   - mwtrace: trace {snapshot} --cluster-id {cid}
-- message: "ManifestWork {namespace}/{name} on {cluster}: Applied=True but Available={available_status} ({available_reason}); not available: {unavailable_manifests}"
-- evidence: [cluster, namespace, name, cid, available_status, available_reason, available_message, unavailable_manifests]
WITH unavailable AS (
    SELECT cluster, work_namespace, work_name,
           string_agg(kind || ' ' || coalesce(namespace || '/', '') || name, '; ' ORDER BY ordinal)
               AS unavailable_manifests
    FROM work_manifests WHERE available = false
    GROUP BY cluster, work_namespace, work_name
)
SELECT w.cluster, w.namespace, w.name, w.cid,
       c.status AS available_status, c.reason AS available_reason,
       c.message AS available_message, u.unavailable_manifests
FROM manifest_works w
JOIN conditions c ON c.source = 'object' AND c.kind = 'ManifestWork' AND c.cluster = w.cluster
     AND c.namespace = w.namespace AND c.name = w.name AND c.type = 'Available'
LEFT JOIN unavailable u ON u.cluster = w.cluster AND u.work_namespace = w.namespace AND u.work_name = w.name
WHERE w.deleted_at IS NULL AND w.applied AND c.status IS DISTINCT FROM 'True'
ORDER BY w.cluster, w.namespace, w.name
