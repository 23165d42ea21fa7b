-- id: events-not-reconciled
-- severity: warning
-- needs: [db/events]
-- title: Spec events not published
-- explanation: >-
--   Create or Update rows in the Maestro events table (the spec outbox) have no reconciled_date
--   more than 300 seconds after they were created: the new specs were not published to the
--   agent. Every instance's event worker takes the events through an advisory lock when
--   PostgreSQL NOTIFYs it; a lost NOTIFY leaves an event waiting for the periodic resync (10
--   hours by default), and a dead server, a lost lock or a consumer without a subscribed agent
--   (gRPC broker) leaves them waiting too. One finding per consumer, with the count and the
--   oldest event. Delete events have their own rules.
-- next_step: >-
--   Check that a Maestro server instance is live and its logs for the oldest event; check the
--   consumer's agent connection. Published events get reconciled_date within seconds; a
--   restart of the Maestro server republishes what is waiting.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - psql: SELECT id, source_id, event_type, created_at FROM events WHERE reconciled_date IS NULL AND event_type <> 'Delete' ORDER BY created_at LIMIT 20
--   - kubectl_service: logs -n maestro deployment/maestro --since={since} | grep {resource_id}
-- message: "{unpublished} spec events of consumer {consumer_text} not published; the oldest, {event_type} of {work}, was created {age} before the snapshot (event {event_id})"
-- evidence: [consumer, unpublished, event_id, event_type, resource_id, work_name, created_at, age, resource_ids]
WITH pending AS (
    SELECT e.id AS event_id, e.event_type, e.source_id AS resource_id, r.work_name,
           coalesce(r.work_name, e.source_id) AS work, r.consumer_name AS consumer, e.created_at
    FROM events e
    LEFT JOIN resources r ON r.id = e.source_id
    WHERE e.event_type IS DISTINCT FROM 'Delete' AND e.reconciled_date IS NULL
      AND e.created_at < (SELECT created_at FROM snapshot) - INTERVAL 300 SECOND
)
SELECT consumer, coalesce(consumer, 'unknown (resource row gone)') AS consumer_text,
       count(*) AS unpublished,
       arg_min(event_id, (created_at, event_id)) AS event_id,
       arg_min(event_type, (created_at, event_id)) AS event_type,
       arg_min(resource_id, (created_at, event_id)) AS resource_id,
       arg_min(work_name, (created_at, event_id)) AS work_name,
       arg_min(work, (created_at, event_id)) AS work,
       mw_rfc3339(min(created_at)) AS created_at,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - min(created_at)) AS VARCHAR) AS age,
       (ceil(epoch((SELECT created_at FROM snapshot) - min(created_at)) / 3600) + 1)::BIGINT || 'h' AS since,
       list(DISTINCT resource_id ORDER BY resource_id)[1:20] AS resource_ids
FROM pending
GROUP BY consumer
ORDER BY min(created_at), consumer
