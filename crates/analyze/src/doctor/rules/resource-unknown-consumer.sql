-- id: resource-unknown-consumer
-- severity: warning
-- needs: [db/resources, db/consumers]
-- title: Bundles of an unknown consumer
-- explanation: >-
--   Rows of the resources table name a consumer that is not in the consumers table (by name,
--   or by id for dumps from before 2024-03). No agent subscribes for an unknown consumer, so
--   these bundles are never delivered; the foreign key normally prevents this, so the consumer
--   was removed or renamed outside Maestro, or the tables were dumped at different times.
--   Checked only when the bundle holds the consumers table.
-- next_step: >-
--   Compare with the live consumers table; recreate the consumer (name = the management
--   cluster's agent) or have the client delete the bundles.
-- commands:
--   - psql: SELECT id, name, created_at FROM consumers ORDER BY name
--   - psql: SELECT id, deleted_at FROM resources WHERE consumer_name = '{consumer}'
-- message: "{resources} bundles ({deleted} soft-deleted) name consumer {consumer}, which is not in the consumers table; first: {first_resource_id}"
-- evidence: [consumer, resources, deleted, first_resource_id, first_created_at]
SELECT r.consumer_name AS consumer, count(*) AS resources,
       count(*) FILTER (WHERE r.is_deleted) AS deleted,
       arg_min(r.id, r.created_at) AS first_resource_id,
       mw_rfc3339(min(r.created_at)) AS first_created_at
FROM resources r
WHERE EXISTS (SELECT 1 FROM bundle_files WHERE path = 'db/consumers.ndjson')
  AND r.consumer_name IS NOT NULL
  AND r.consumer_name NOT IN (SELECT name FROM consumers WHERE name IS NOT NULL
                              UNION SELECT id FROM consumers WHERE id IS NOT NULL)
GROUP BY r.consumer_name
ORDER BY r.consumer_name
