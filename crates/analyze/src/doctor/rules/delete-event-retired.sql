-- id: delete-event-retired
-- severity: warning
-- needs: [db/events]
-- title: Delete event retired by the stale-delete detector
-- explanation: >-
--   A Delete event was marked reconciled 55 minutes or more after it was created while its
--   bundle is still soft-deleted in the DB. That is the signature of Maestro's stale-delete
--   detector (--stale-delete-event-threshold, 1 hour), which retires a delete it could not
--   publish: the agent was probably never told to delete, and nothing will retry.
-- next_step: >-
--   Check on the live cluster whether the AppliedManifestWork and the objects still exist; if
--   they do, the deletion has to be requested again once the consumer's agent is connected.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - psql: SELECT id, event_type, created_at, reconciled_date FROM events WHERE source_id = '{resource_id}' ORDER BY created_at
--   - kubectl: get appliedmanifestworks -o name | grep {resource_id}
-- message: "Delete of {work} was marked reconciled {waited} after its creation (stale-delete detector), the row is still soft-deleted"
-- evidence: [event_id, resource_id, work_name, consumer, created_at, reconciled_date, waited, amw_present]
SELECT e.id AS event_id, e.source_id AS resource_id, r.work_name,
       coalesce(r.work_name, e.source_id) AS work, r.consumer_name AS consumer,
       (SELECT c.name FROM clusters c WHERE c.name = r.consumer_name) AS cluster,
       mw_rfc3339(e.created_at) AS created_at, mw_rfc3339(e.reconciled_date) AS reconciled_date,
       CAST(date_trunc('second', e.reconciled_date - e.created_at) AS VARCHAR) AS waited,
       EXISTS (SELECT 1 FROM applied_manifest_works a WHERE a.resource_id = r.id) AS amw_present
FROM events e
JOIN resources r ON r.id = e.source_id
WHERE e.event_type = 'Delete' AND r.is_deleted
  AND e.reconciled_date - e.created_at >= INTERVAL 55 MINUTE
ORDER BY e.created_at, e.id
