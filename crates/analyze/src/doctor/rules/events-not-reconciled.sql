-- id: events-not-reconciled
-- severity: warning
-- needs: [db/events]
-- title: Spec event not published
-- explanation: >-
--   A Create or Update row in the Maestro events table (the spec outbox) has no
--   reconciled_date more than 10 minutes after it was created: the new spec was not published
--   to the agent. Every instance's event worker takes the events through an advisory lock; a
--   dead server, a lost lock or a consumer without a subscribed agent (gRPC broker) leaves them
--   waiting. Delete events have their own rule.
-- next_step: >-
--   Check that a Maestro server instance is live and its logs; check the consumer's agent
--   connection. Published events get reconciled_date within seconds.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - psql: SELECT id, event_type, created_at, reconciled_date FROM events WHERE reconciled_date IS NULL ORDER BY created_at LIMIT 20
--   - kubectl_service: logs -n maestro deployment/maestro --since=1h | grep {resource_id}
-- message: "{event_type} of {work} created {age} before the snapshot was never published (event {event_id})"
-- evidence: [event_id, event_type, resource_id, work_name, consumer, created_at, age]
SELECT e.id AS event_id, e.event_type, e.source_id AS resource_id, r.work_name,
       coalesce(r.work_name, e.source_id) AS work, r.consumer_name AS consumer,
       mw_rfc3339(e.created_at) AS created_at,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - e.created_at) AS VARCHAR) AS age
FROM events e
LEFT JOIN resources r ON r.id = e.source_id
WHERE e.event_type IS DISTINCT FROM 'Delete' AND e.reconciled_date IS NULL
  AND e.created_at < (SELECT created_at FROM snapshot) - INTERVAL 10 MINUTE
ORDER BY e.created_at, e.id
