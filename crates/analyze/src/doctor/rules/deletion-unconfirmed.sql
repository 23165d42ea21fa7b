-- id: deletion-unconfirmed
-- severity: warning
-- needs: [db/resources, kube/appliedmanifestworks]
-- title: "Deletion never confirmed: AppliedManifestWork gone, DB row still soft-deleted"
-- explanation: >-
--   The bundle was deleted in the Maestro DB more than 1 hour before the snapshot and its
--   AppliedManifestWork is no longer on the management cluster, but the row was not
--   hard-deleted and no StatusDelete status event exists: the agent's Deleted=True status never
--   reached the server (lost status, stale sequence id). The row stays soft-deleted for good and
--   keeps its consumer from being removed (foreign key). Only bundles whose consumer's cluster
--   is in the snapshot are checked.
-- next_step: >-
--   Confirm on the live cluster that the AppliedManifestWork and the objects are gone; then the
--   row is a leftover the Maestro team can remove (hard delete) after review.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - kubectl: get appliedmanifestworks -o name | grep {resource_id}
--   - psql: SELECT id, deleted_at, jsonb_pretty(status) FROM resources WHERE id = '{resource_id}'
--   - psql: SELECT status_event_type, created_at FROM status_events WHERE resource_id = '{resource_id}' ORDER BY created_at
-- message: "{work}: deleted in the DB {age} before the snapshot, no AppliedManifestWork left on {consumer}, but the agent never confirmed (no StatusDelete); the row stays soft-deleted"
-- evidence: [resource_id, work_name, consumer, cid, deleted_at, age, delete_event_published]
WITH collected_consumers AS (
    -- consumers whose AMWs were collected on every cluster that runs them
    SELECT consumer FROM consumer_coverage WHERE amws_collected
)
SELECT r.id AS resource_id, r.work_name, coalesce(r.work_name, r.id) AS work,
       r.consumer_name AS consumer, r.cid, mw_rfc3339(r.deleted_at) AS deleted_at,
       (SELECT c.name FROM clusters c WHERE c.name = r.consumer_name) AS cluster,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - r.deleted_at) AS VARCHAR) AS age,
       (SELECT mw_rfc3339(max(e.reconciled_date)) FROM events e
        WHERE e.source_id = r.id AND e.event_type = 'Delete') AS delete_event_published
FROM resources r
WHERE r.is_deleted
  AND r.deleted_at < (SELECT created_at FROM snapshot) - INTERVAL 1 HOUR
  AND r.consumer_name IN (SELECT consumer FROM collected_consumers)
  AND NOT EXISTS (SELECT 1 FROM applied_manifest_works a WHERE a.resource_id = r.id)
  AND NOT EXISTS (SELECT 1 FROM status_events s
                  WHERE s.resource_id = r.id AND s.status_event_type = 'StatusDelete')
ORDER BY r.deleted_at, r.id
