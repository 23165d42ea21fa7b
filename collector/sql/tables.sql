-- Which of the Maestro tables this database has. Tables came and went across Maestro versions
-- (status_events and event_instances arrived in 2024), so mwtrace dumps those that exist and does
-- not count a missing one as an error. Note that information_schema lists only the tables the
-- connected role has some privilege on: a table the role may not read looks absent.
SELECT table_name
FROM information_schema.tables
WHERE table_schema = current_schema()
  AND table_name IN ('resources', 'events', 'status_events', 'consumers', 'server_instances',
                     'event_instances')
ORDER BY table_name
