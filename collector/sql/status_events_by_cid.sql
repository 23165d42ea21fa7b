-- status_events.sql scoped to one hosted cluster (mwtrace collect --cluster-id CID): the status
-- events of the resources whose labels carry api.openshift.com/id = CID ($1), and the StatusDelete
-- rows of hard-deleted ones (their payload still carries the labels).
SELECT row_to_json(s)::text
FROM status_events s
WHERE s.resource_id IN (
        SELECT r.id FROM resources r
        WHERE (r.payload->>'metadata')::jsonb->'labels'->>'api.openshift.com/id' = $1)
   OR (s.payload->>'metadata')::jsonb->'labels'->>'api.openshift.com/id' = $1
