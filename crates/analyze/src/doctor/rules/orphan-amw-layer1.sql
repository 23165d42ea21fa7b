-- id: orphan-amw-layer1
-- severity: warning
-- needs: [db/resources, kube/appliedmanifestworks]
-- title: "Orphan AppliedManifestWork (layer 1): no bundle in the Maestro DB"
-- explanation: >-
--   A Maestro-agent AppliedManifestWork has no row in the DB's resources table, soft-deleted or
--   not: neither by resource id (spec.manifestWorkName, current agents) nor by user work name
--   (agents before maestro PR #434 named the work after it). The bundle was hard-deleted while the agent
--   kept its AppliedManifestWork (a StatusDelete exists then), or the AMW belongs to another
--   Maestro or DB. Its objects stay on the cluster: ARO HCP runs the agent with an eviction
--   grace period of about 100 years. Checked only when the bundle holds the resources table.
-- next_step: >-
--   Confirm in the live DB that the resource id is gone; then decide with the owning team
--   whether the objects are still needed before deleting the AppliedManifestWork (deleting it
--   deletes the objects it owns).
-- commands:
--   - kubectl: get appliedmanifestwork {amw_name} -o yaml
--   - psql: SELECT id, consumer_name, deleted_at FROM resources WHERE id = '{manifest_work_name}' OR payload->'metadata'->>'name' = '{manifest_work_name}'
--   - psql: SELECT status_event_type, created_at FROM status_events WHERE resource_id = '{manifest_work_name}'
-- message: "AppliedManifestWork {amw_name} on {cluster} ({applied_count} resources) has no resource {manifest_work_name} in the DB{status_delete_note}"
-- evidence: [cluster, amw_name, manifest_work_name, hub_hash, applied_count, created_at, status_delete_at]
WITH deleted AS (
    SELECT resource_id, max(created_at) AS at
    FROM status_events WHERE status_event_type = 'StatusDelete' GROUP BY resource_id
)
SELECT a.cluster, a.name AS amw_name, a.manifest_work_name, a.hub_hash, a.applied_count,
       mw_rfc3339(a.created_at) AS created_at, mw_rfc3339(d.at) AS status_delete_at,
       CASE WHEN d.at IS NOT NULL
            THEN ' (the agent confirmed its deletion at ' || mw_rfc3339(d.at) || ')'
            ELSE '' END AS status_delete_note
FROM applied_manifest_works a
LEFT JOIN deleted d ON d.resource_id = a.manifest_work_name
WHERE a.layer = 1
  AND EXISTS (SELECT 1 FROM bundle_files WHERE path = 'db/resources.ndjson')
  -- Linked by id or by work name, or named like several rows (ambiguous, not an orphan).
  AND a.linked_by IS NULL
ORDER BY a.cluster, a.name
