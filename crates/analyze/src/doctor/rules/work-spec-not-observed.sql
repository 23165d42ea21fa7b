-- id: work-spec-not-observed
-- severity: warning
-- needs: [db/resources]
-- title: "Maestro work: the agent has not applied the latest spec"
-- explanation: >-
--   Stale status: the agent's last status reports a spec version (status.resourceversion) older
--   than the bundle's version, and the bundle was last written more than 5 minutes before the
--   snapshot (a healthy agent reports within seconds). The update never reached the agent, or
--   the agent failed before reporting; the status in the DB describes an older spec.
-- next_step: >-
--   Check the Update event (published or not) and the agent logs for this resource id; compare
--   the AppliedManifestWork with the DB manifests.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - psql: SELECT event_type, created_at, reconciled_date FROM events WHERE source_id = '{resource_id}' ORDER BY created_at
--   - kubectl: logs -n maestro deployment/maestro-agent -c maestro-agent --since=1h | grep {resource_id}
-- message: "{work}: spec version {version} in the DB, the agent last applied version {observed_version} (bundle updated {age} before the snapshot)"
-- evidence: [resource_id, work_name, consumer, cid, version, observed_version, updated_at, age]
SELECT r.id AS resource_id, r.work_name, coalesce(r.work_name, r.id) AS work,
       r.consumer_name AS consumer, r.cid, r.version,
       (SELECT c.name FROM clusters c WHERE c.name = r.consumer_name) AS cluster,
       r.observed_version, mw_rfc3339(r.updated_at) AS updated_at,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - r.updated_at) AS VARCHAR) AS age
FROM resources r
WHERE NOT r.is_deleted AND r.has_status
  AND r.observed_version < r.version
  AND r.updated_at < (SELECT created_at FROM snapshot) - INTERVAL 5 MINUTE
ORDER BY r.updated_at, r.id
