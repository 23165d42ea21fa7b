-- id: work-not-available
-- severity: warning
-- needs: [db/resources]
-- title: Maestro work applied but not available
-- explanation: >-
--   The bundle is Applied, but its work-level condition Available is False or Unknown in the
--   Maestro DB status. For a ManifestWork, Available means the applied objects exist: one was
--   deleted behind the agent's back, or the agent cannot read it. The manifests not available
--   are listed.
-- next_step: >-
--   Check whether the listed objects exist on the management cluster and who deleted them; the
--   agent recreates them on its next resync unless something keeps deleting them.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - kubectl: get appliedmanifestwork {amw_name} -o yaml
--   - psql: SELECT jsonb_pretty(status) FROM resources WHERE id = '{resource_id}'
-- message: "{work}: Applied=True but Available={available_status} ({available_reason}); not available: {unavailable_manifests}"
-- evidence: [resource_id, work_name, consumer, cid, available_status, available_reason, available_message, unavailable_manifests, amw_name]
WITH unavailable AS (
    SELECT m.resource_id,
           string_agg(m.kind || ' ' || coalesce(m.namespace || '/', '') || m.name || ': '
                      || coalesce(m.reason, 'no reason') || coalesce(': ' || m.message, ''),
                      '; ' ORDER BY m.ordinal) AS unavailable_manifests
    FROM resource_manifests m
    WHERE m.available = false
    GROUP BY m.resource_id
), amw AS (
    SELECT resource_id, arg_min(cluster, cluster || name) AS cluster,
           arg_min(name, cluster || name) AS amw_name
    FROM applied_manifest_works WHERE layer = 1 AND resource_id IS NOT NULL GROUP BY resource_id
)
SELECT r.id AS resource_id, r.work_name, coalesce(r.work_name, r.id) AS work,
       r.consumer_name AS consumer, r.cid,
       c.status AS available_status, c.reason AS available_reason,
       c.message AS available_message, u.unavailable_manifests, a.cluster, a.amw_name
FROM resources r
JOIN resource_conditions c ON c.resource_id = r.id AND c.type = 'Available'
LEFT JOIN unavailable u ON u.resource_id = r.id
LEFT JOIN amw a ON a.resource_id = r.id
WHERE NOT r.is_deleted AND r.applied AND c.status IS DISTINCT FROM 'True'
ORDER BY r.created_at, r.id
