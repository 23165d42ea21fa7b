-- id: delete-event-stale
-- severity: warning
-- needs: [db/events, db/resources]
-- title: "Stale Delete event: never published, its bundle gone or long soft-deleted"
-- explanation: >-
--   A Delete row in the Maestro events table has no reconciled_date while its bundle's row is
--   gone from resources (hard-deleted) or was soft-deleted more than 1 hour before the snapshot.
--   Maestro's stale-delete detector (--stale-delete-event-threshold, 1 hour) retires such
--   events; one still pending means the detector is not running (a Maestro release without
--   it, or no live server instance), and the agent was probably never told to delete. The
--   event stays in the outbox for good.
-- next_step: >-
--   Check whether the bundle's AppliedManifestWork and objects still exist on the consumer's
--   cluster (mwtrace trace); if they do, the deletion has to be requested again once the agent
--   is connected; then the stale event can be marked reconciled by the Maestro team.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - psql: SELECT id, event_type, created_at, reconciled_date FROM events WHERE source_id = '{resource_id}' ORDER BY created_at
--   - psql: SELECT id, deleted_at FROM resources WHERE id = '{resource_id}'
-- message: "Delete of {work} created {age} before the snapshot is still unpublished while the bundle is {resource_state} (event {event_id})"
-- evidence: [event_id, resource_id, work_name, consumer, created_at, age, resource_state, deleted_at]
SELECT e.id AS event_id, e.source_id AS resource_id, r.work_name,
       coalesce(r.work_name, e.source_id) AS work, r.consumer_name AS consumer,
       mw_rfc3339(e.created_at) AS created_at,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - e.created_at) AS VARCHAR) AS age,
       CASE WHEN r.id IS NULL THEN 'gone (hard-deleted)'
            ELSE 'soft-deleted since ' || mw_rfc3339(r.deleted_at) END AS resource_state,
       mw_rfc3339(r.deleted_at) AS deleted_at
FROM events e
LEFT JOIN resources r ON r.id = e.source_id
WHERE e.event_type = 'Delete' AND e.reconciled_date IS NULL
  AND e.created_at < (SELECT created_at FROM snapshot) - INTERVAL 10 MINUTE
  AND (r.id IS NULL
       OR (r.is_deleted AND r.deleted_at < (SELECT created_at FROM snapshot) - INTERVAL 1 HOUR))
ORDER BY e.created_at, e.id
