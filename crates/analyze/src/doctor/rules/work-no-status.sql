-- id: work-no-status
-- severity: info
-- needs: [db/resources, kube/appliedmanifestworks]
-- title: Maestro work applied on the cluster but without status in the DB
-- explanation: >-
--   An AppliedManifestWork for the bundle is on the management cluster, but the DB row holds no
--   status (SQL NULL or JSON null) 10 minutes after its creation. Typical of legacy rows from
--   before status reporting, or of statuses the server refused (stale version or sequence id);
--   clients reading the status see nothing.
-- next_step: >-
--   Compare the agent's view (AppliedManifestWork) with the DB row; if the work is current, a
--   resync of the agent (restart) makes it report a status again.
-- commands:
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
--   - kubectl: get appliedmanifestwork {amw_name} -o yaml
--   - psql: SELECT id, version, updated_at, status FROM resources WHERE id = '{resource_id}'
-- message: "{work}: AppliedManifestWork {amw_name} is on {cluster} but the DB has no status (created {created_at})"
-- evidence: [resource_id, work_name, consumer, created_at, cluster, amw_name, applied_count]
SELECT r.id AS resource_id, r.work_name, coalesce(r.work_name, r.id) AS work,
       r.consumer_name AS consumer, mw_rfc3339(r.created_at) AS created_at,
       a.cluster, a.name AS amw_name, a.applied_count
FROM resources r
JOIN applied_manifest_works a ON a.resource_id = r.id AND a.layer = 1
WHERE NOT r.is_deleted AND NOT coalesce(r.has_status, false)
  AND r.created_at < (SELECT created_at FROM snapshot) - INTERVAL 10 MINUTE
ORDER BY r.created_at, r.id, a.cluster
