-- Session setup, sent before the table dumps, on every connection path (direct, maestro-db exec,
-- postgres-breakglass exec). A REPEATABLE READ transaction gives every table the same snapshot, so
-- a resource and its events agree. READ ONLY makes PostgreSQL itself refuse any write. The
-- statement timeout keeps a slow dump from loading a production database for long: {timeout_ms}
-- is filled in by mwtrace (milliseconds) before the text is sent. UTC makes row_to_json write every
-- timestamptz as RFC 3339 with +00:00, whatever the server's TimeZone setting.
BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY;
SET LOCAL statement_timeout = {timeout_ms};
SET LOCAL TIME ZONE 'UTC';
