-- id: work-undelivered
-- severity: warning
-- needs: [db/resources, db/events, db/consumers]
-- title: "Maestro work undelivered: no status in the DB, agent's cluster not in the snapshot"
-- explanation: >-
--   The bundle is in the Maestro DB, not deleted, created more than 10 minutes before the
--   snapshot, its consumer exists and is not deleted, no spec event of it waits to be published
--   (that is events-not-reconciled), yet its status is NULL: the agent never reported it. This
--   is the runbook's DB-only check (deleted_at IS NULL AND status IS NULL). It is reported only
--   for consumers whose management cluster's AppliedManifestWorks the snapshot does not hold;
--   where it does, work-never-applied (no AppliedManifestWork) or work-no-status (one exists)
--   says more.
-- next_step: >-
--   Look on the consumer's management cluster for the AppliedManifestWork of this resource id
--   and at the agent's logs; if the agent never received the spec, check the broker
--   subscription of the consumer.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - psql: SELECT id, created_at, version, status IS NULL AS no_status FROM resources WHERE id = '{resource_id}'
--   - psql: SELECT event_type, created_at, reconciled_date FROM events WHERE source_id = '{resource_id}' ORDER BY created_at
--   - kubectl_service: logs -n maestro deployment/maestro --since=1h | grep {resource_id}
-- message: "{work} of consumer {consumer} created {age} before the snapshot has no status in the DB; last event: {last_event}; AppliedManifestWorks of {consumer} not collected"
-- evidence: [resource_id, work_name, consumer, cid, created_at, age, version, last_event]
WITH collected_consumers AS (
    -- consumers whose AMWs were collected on every cluster that runs them
    SELECT consumer FROM consumer_coverage WHERE amws_collected
), last_event AS (
    SELECT source_id,
           arg_max(event_type || ' at ' || mw_rfc3339(created_at)
                   || CASE WHEN reconciled_date IS NULL THEN ', not published'
                           ELSE ', published at ' || mw_rfc3339(reconciled_date) END,
                   created_at) AS last_event
    FROM events GROUP BY source_id
)
SELECT r.id AS resource_id, r.work_name, coalesce(r.work_name, r.id) AS work,
       r.consumer_name AS consumer, r.cid,
       mw_rfc3339(r.created_at) AS created_at,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - r.created_at) AS VARCHAR) AS age,
       r.version, coalesce(e.last_event, 'none in the DB') AS last_event
FROM resources r
LEFT JOIN last_event e ON e.source_id = r.id
WHERE NOT r.is_deleted
  AND NOT coalesce(r.has_status, false)
  AND r.created_at < (SELECT created_at FROM snapshot) - INTERVAL 10 MINUTE
  AND EXISTS (SELECT 1 FROM consumers c WHERE c.name = r.consumer_name AND c.deleted_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM events u WHERE u.source_id = r.id AND u.reconciled_date IS NULL)
  AND r.consumer_name NOT IN (SELECT consumer FROM collected_consumers)
ORDER BY r.created_at, r.id
