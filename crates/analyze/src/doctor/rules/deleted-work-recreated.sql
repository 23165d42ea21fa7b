-- id: deleted-work-recreated
-- severity: critical
-- needs: [db/resources, kube/appliedmanifestworks]
-- title: "Soft-deleted bundle recreated on the cluster: its work was created after deleted_at"
-- explanation: >-
--   The bundle's deleted_at is set in the Maestro DB, yet its layer-1 AppliedManifestWork, or a
--   ManifestWork CR the bundle carries (on its consumer's cluster), exists and was created
--   after deleted_at: the work was deleted and then recreated, by an agent that applied an old
--   spec again (a resync racing the delete, a replayed event) or by someone by hand. The
--   deletion the DB records never completes, and the recreated objects are owned by nothing
--   that will delete them.
-- next_step: >-
--   Compare the work's creationTimestamp with deleted_at and read the agent's logs around it to
--   find what recreated it; then follow the stuck-deletion runbook (the recreated work has to be
--   deleted, and the bundle's deletion confirmed by the agent).
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - kubectl: get appliedmanifestwork {amw_name} -o yaml
--   - kubectl: get manifestwork -n {mw_namespace} {mw_name} -o yaml
--   - kubectl: logs -n maestro deployment/maestro-agent -c maestro-agent --since={since} | grep {resource_id}
--   - psql: SELECT id, deleted_at, version FROM resources WHERE id = '{resource_id}'
-- message: "{work}: deleted in the DB at {deleted_at}, but its {object_kind} {object} on {cluster} was created {created_after} later ({object_created_at})"
-- evidence: [resource_id, work_name, consumer, cid, deleted_at, object_kind, object, cluster, object_created_at, created_after]
WITH recreated AS (
    SELECT r.id AS resource_id, 'AppliedManifestWork' AS object_kind, a.name AS object,
           a.cluster, a.name AS amw_name, NULL AS mw_namespace, NULL AS mw_name, a.created_at
    FROM resources r
    JOIN applied_manifest_works a ON a.resource_id = r.id AND a.layer = 1
    WHERE r.is_deleted AND a.created_at > r.deleted_at
    UNION ALL
    SELECT r.id, 'ManifestWork', w.namespace || '/' || w.name, w.cluster, NULL, w.namespace,
           w.name, w.created_at
    FROM resources r
    JOIN resource_manifests m ON m.resource_id = r.id AND m.kind = 'ManifestWork'
    JOIN consumer_clusters cc ON cc.consumer = r.consumer_name
    JOIN manifest_works w ON w.cluster = cc.cluster AND w.name = m.name
                         AND w.namespace IS NOT DISTINCT FROM m.namespace
    WHERE r.is_deleted AND w.created_at > r.deleted_at
)
SELECT DISTINCT x.resource_id, r.work_name, coalesce(r.work_name, r.id) AS work,
       r.consumer_name AS consumer, r.cid, mw_rfc3339(r.deleted_at) AS deleted_at,
       x.object_kind, x.object, x.cluster, x.amw_name, x.mw_namespace, x.mw_name,
       mw_rfc3339(x.created_at) AS object_created_at,
       CAST(date_trunc('second', x.created_at - r.deleted_at) AS VARCHAR) AS created_after,
       (ceil(epoch((SELECT created_at FROM snapshot) - r.deleted_at) / 3600) + 1)::BIGINT || 'h' AS since
FROM recreated x
JOIN resources r ON r.id = x.resource_id
ORDER BY deleted_at, x.resource_id, x.object_kind, x.cluster, x.object
