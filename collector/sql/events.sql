-- Spec events (Create, Update, Delete) the server published. Reconciled rows are purged by a
-- periodic sync, so this is recent history only.
-- One JSON object per row, every column: jsonb columns stay JSON values, timestamps are RFC 3339
-- (see session.sql). No ORDER BY: the bundle needs no row order, and sorting a large table
-- would make the production database do the work.
SELECT row_to_json(t)::text FROM events t
