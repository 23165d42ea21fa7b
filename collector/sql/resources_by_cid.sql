-- resources.sql scoped to one hosted cluster (mwtrace collect --cluster-id CID): the rows whose
-- ManifestWork labels carry api.openshift.com/id = CID. $1 is the cid, bound as a parameter.
-- (payload->>'metadata')::jsonb reads both shapes of the metadata extension: the object written
-- since 2024-06-25 and the JSON string of older rows (->> returns the object as text, or the string
-- unquoted, and both parse back as the object).
-- Targets the current payload column only: a database migrated before 2024-06-12 names it manifest,
-- and this statement fails there (undefined column). mwtrace records that error, and resources.sql
-- still dumps such a table whole. The cast also fails on a metadata string that is not JSON,
-- which Maestro never wrote.
SELECT row_to_json(t)::text
FROM resources t
WHERE (t.payload->>'metadata')::jsonb->'labels'->>'api.openshift.com/id' = $1
