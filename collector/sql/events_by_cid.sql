-- events.sql scoped to one hosted cluster (mwtrace collect --cluster-id CID): the spec events of
-- the resources whose labels carry api.openshift.com/id = CID ($1). Reads metadata in both shapes,
-- as resources_by_cid.sql does.
SELECT row_to_json(e)::text
FROM events e
WHERE e.source_id IN (
    SELECT r.id FROM resources r
    WHERE (r.payload->>'metadata')::jsonb->'labels'->>'api.openshift.com/id' = $1)
