-- id: deletion-stuck
-- severity: critical
-- needs: [db/resources, kube/appliedmanifestworks]
-- title: "Deletion stuck: deleted in the DB, AppliedManifestWork still on the cluster"
-- explanation: >-
--   The bundle's deleted_at is set in the Maestro DB more than 10 minutes before the snapshot,
--   but its layer-1 AppliedManifestWork is still on the management cluster, so the agent has not
--   removed the applied objects nor confirmed the deletion. Either the Delete event was never
--   published (see delete_event), or the agent cannot finish (a finalizer on an applied object,
--   a missing subscription). Until the agent reports Deleted=True the row stays soft-deleted.
--   An AppliedManifestWork created after deleted_at is left to deleted-work-recreated.
-- next_step: >-
--   If the Delete event is not published, look at the Maestro server; if it is, look at the
--   agent logs and at what blocks the AppliedManifestWork (its finalizer waits for the applied
--   objects to go). Do not delete the objects by hand while the bundle exists: the agent
--   recreates them.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - kubectl: get appliedmanifestwork {amw_name} -o yaml
--   - kubectl: logs -n maestro deployment/maestro-agent -c maestro-agent --since=3h | grep {resource_id}
--   - psql: SELECT id, deleted_at, version FROM resources WHERE id = '{resource_id}'
--   - psql: SELECT event_type, created_at, reconciled_date FROM events WHERE source_id = '{resource_id}' ORDER BY created_at
-- message: "{work}: deleted in the DB {age} before the snapshot, AppliedManifestWork {amw_name} still on {cluster} with {applied_count} resources; delete event: {delete_event}"
-- evidence: [resource_id, work_name, consumer, cid, deleted_at, age, cluster, amw_name, amw_deleting_since, applied_count, delete_event]
WITH delete_event AS (
    SELECT source_id,
           arg_max(CASE WHEN reconciled_date IS NULL
                        THEN 'created ' || mw_rfc3339(created_at) || ', not published'
                        ELSE 'published ' || mw_rfc3339(reconciled_date) END,
                   created_at) AS delete_event
    FROM events WHERE event_type = 'Delete' GROUP BY source_id
)
SELECT r.id AS resource_id, r.work_name, coalesce(r.work_name, r.id) AS work,
       r.consumer_name AS consumer, r.cid, mw_rfc3339(r.deleted_at) AS deleted_at,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - r.deleted_at) AS VARCHAR) AS age,
       a.cluster, a.name AS amw_name, mw_rfc3339(a.deleted_at) AS amw_deleting_since,
       a.applied_count, coalesce(e.delete_event, 'none in the DB') AS delete_event
FROM resources r
JOIN applied_manifest_works a ON a.resource_id = r.id AND a.layer = 1
LEFT JOIN delete_event e ON e.source_id = r.id
WHERE r.is_deleted
  AND r.deleted_at < (SELECT created_at FROM snapshot) - INTERVAL 10 MINUTE
  AND (a.created_at IS NULL OR a.created_at <= r.deleted_at)
ORDER BY r.deleted_at, r.id, a.cluster
