-- Maestro resource bundles: payload (the spec CloudEvent, manifests under data.manifests) and
-- status (the agent's last status CloudEvent). The JSON column is payload since 2024-06-12 and
-- manifest before, and consumer_name was consumer_id before 2024-03-21. row_to_json(t) takes every
-- column under whatever name this schema has, and the loader normalizes them.
-- One JSON object per row, every column: jsonb columns stay JSON values, timestamps are RFC 3339
-- (see session.sql). No ORDER BY: the bundle needs no row order, and sorting a large table
-- would make the production database do the work.
SELECT row_to_json(t)::text FROM resources t
