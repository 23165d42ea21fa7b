-- id: work-never-applied
-- severity: critical
-- needs: [db/resources, kube/appliedmanifestworks]
-- title: Maestro work never applied
-- explanation: >-
--   The bundle is in the Maestro DB, not deleted, and older than 10 minutes before the snapshot
--   (Maestro re-publishes a bundle without status after 600 s), yet the agent never reported a
--   status and no AppliedManifestWork for it is on the management cluster. The spec did not
--   reach the agent (event not published, broker or agent down) or the agent rejected it before
--   applying. Only bundles whose consumer's cluster is in the snapshot are checked.
-- next_step: >-
--   Check whether the Create event was published (reconciled_date), then the Maestro server and
--   agent logs for this resource id; a healthy agent applies it within seconds.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - psql: SELECT event_type, created_at, reconciled_date FROM events WHERE source_id = '{resource_id}' ORDER BY created_at
--   - kubectl_service: logs -n maestro deployment/maestro --since=1h | grep {resource_id}
--   - kubectl: logs -n maestro deployment/maestro-agent -c maestro-agent --since=1h | grep {resource_id}
-- message: "{work} created {age} before the snapshot was never applied: no status from the agent and no AppliedManifestWork on {consumer}; last event: {last_event}"
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
       (SELECT c.name FROM clusters c WHERE c.name = r.consumer_name) AS cluster,
       mw_rfc3339(r.created_at) AS created_at,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - r.created_at) AS VARCHAR) AS age,
       r.version, e.last_event
FROM resources r
LEFT JOIN last_event e ON e.source_id = r.id
WHERE NOT r.is_deleted
  AND NOT coalesce(r.has_status, false)
  AND r.created_at < (SELECT created_at FROM snapshot) - INTERVAL 10 MINUTE
  AND r.consumer_name IN (SELECT consumer FROM collected_consumers)
  AND NOT EXISTS (SELECT 1 FROM applied_manifest_works a WHERE a.resource_id = r.id)
ORDER BY r.created_at, r.id
