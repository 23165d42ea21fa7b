-- id: delete-event-not-reconciled
-- severity: warning
-- needs: [db/events, db/resources]
-- title: Delete event not published
-- explanation: >-
--   A Delete row in the Maestro events table (the spec outbox) has no reconciled_date more than
--   10 minutes after it was created: no server instance published the deletion to the agent.
--   In gRPC-broker mode a consumer without a subscribed agent blocks it; otherwise the server's
--   event worker is stuck. The stale-delete detector retires such events after 1 hour without
--   the agent ever being told. Delete events whose resource row is gone, or soft-deleted more
--   than 1 hour before the snapshot, are left to delete-event-stale.
-- next_step: >-
--   Check that a Maestro server instance is live (server_instances heartbeats) and the server
--   logs for this event; check that the consumer's agent is connected.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - psql: SELECT id, event_type, created_at, reconciled_date FROM events WHERE source_id = '{resource_id}' ORDER BY created_at
--   - kubectl_service: logs -n maestro deployment/maestro --since=3h | grep {resource_id}
-- message: "Delete of {work} created {age} before the snapshot was never published (event {event_id})"
-- evidence: [event_id, resource_id, work_name, consumer, created_at, age, resource_state]
SELECT e.id AS event_id, e.source_id AS resource_id, r.work_name,
       coalesce(r.work_name, e.source_id) AS work, r.consumer_name AS consumer,
       mw_rfc3339(e.created_at) AS created_at,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - e.created_at) AS VARCHAR) AS age,
       CASE WHEN r.is_deleted THEN 'soft-deleted at ' || mw_rfc3339(r.deleted_at)
            ELSE 'not deleted' END AS resource_state
FROM events e
JOIN resources r ON r.id = e.source_id
WHERE e.event_type = 'Delete' AND e.reconciled_date IS NULL
  AND e.created_at < (SELECT created_at FROM snapshot) - INTERVAL 10 MINUTE
  AND NOT (r.is_deleted AND r.deleted_at < (SELECT created_at FROM snapshot) - INTERVAL 1 HOUR)
ORDER BY e.created_at, e.id
