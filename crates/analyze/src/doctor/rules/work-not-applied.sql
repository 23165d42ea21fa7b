-- id: work-not-applied
-- severity: critical
-- needs: [db/resources]
-- title: Maestro work not applied
-- explanation: >-
--   The agent reported the bundle's work-level condition Applied as False or Unknown in the
--   Maestro DB status: at least one manifest failed to apply (admission webhook, conflict,
--   forbidden, invalid object), so the management cluster does not hold what Clusters Service
--   asked for. The failing manifests and their messages are listed.
-- next_step: >-
--   Read the failing manifest's message; fix its cause (webhook, RBAC, field-manager conflict)
--   or the manifest in Clusters Service. The agent retries on its own once the cause is gone.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - kubectl: get appliedmanifestwork {amw_name} -o yaml
--   - kubectl: logs -n maestro deployment/maestro-agent -c maestro-agent --since=1h | grep {resource_id}
--   - psql: SELECT jsonb_pretty(status) FROM resources WHERE id = '{resource_id}'
-- message: "{work}: Applied={applied_status} ({applied_reason}); failing: {failing_manifests}"
-- evidence: [resource_id, work_name, consumer, cid, applied_status, applied_reason, applied_message, manifest_count, failing_manifests, amw_name]
WITH failing AS (
    SELECT m.resource_id,
           string_agg(m.kind || ' ' || coalesce(m.namespace || '/', '') || m.name || ': '
                      || coalesce(m.reason, 'no reason') || coalesce(': ' || m.message, ''),
                      '; ' ORDER BY m.ordinal) AS failing_manifests
    FROM resource_manifests m
    WHERE m.applied = false
    GROUP BY m.resource_id
), amw AS (
    SELECT resource_id, arg_min(cluster, cluster || name) AS cluster,
           arg_min(name, cluster || name) AS amw_name
    FROM applied_manifest_works WHERE layer = 1 AND resource_id IS NOT NULL GROUP BY resource_id
)
SELECT r.id AS resource_id, r.work_name, coalesce(r.work_name, r.id) AS work,
       r.consumer_name AS consumer, r.cid,
       c.status AS applied_status, c.reason AS applied_reason, c.message AS applied_message,
       r.manifest_count, f.failing_manifests, a.cluster, a.amw_name
FROM resources r
JOIN resource_conditions c ON c.resource_id = r.id AND c.type = 'Applied'
LEFT JOIN failing f ON f.resource_id = r.id
LEFT JOIN amw a ON a.resource_id = r.id
WHERE NOT r.is_deleted AND c.status IS DISTINCT FROM 'True'
ORDER BY r.created_at, r.id
