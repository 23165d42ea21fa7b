-- id: no-live-server-instance
-- severity: critical
-- needs: [db/server_instances]
-- title: No Maestro server instance alive at snapshot time
-- explanation: >-
--   The server_instances table has rows, but none sent a heartbeat in the 2 minutes before the
--   snapshot (instances beat every 15 s and are marked not ready after 3 missed beats). No
--   Maestro server was running: no spec is published to the agents and no status is received.
-- next_step: >-
--   Check the Maestro server pods on the service cluster and their database connection.
-- commands:
--   - kubectl_service: get pods -n maestro -o wide
--   - kubectl_service: logs -n maestro deployment/maestro --since=1h --tail=200
--   - psql: SELECT id, last_heartbeat, ready FROM server_instances ORDER BY last_heartbeat DESC
-- message: "No Maestro server instance alive: {instances} instances known, the latest heartbeat ({last_heartbeat}, instance {last_instance}) is {age} before the snapshot"
-- evidence: [instances, last_instance, last_heartbeat, age]
SELECT count(*) AS instances,
       arg_max(id, last_heartbeat) AS last_instance,
       mw_rfc3339(max(last_heartbeat)) AS last_heartbeat,
       coalesce(CAST(date_trunc('second', (SELECT created_at FROM snapshot) - max(last_heartbeat)) AS VARCHAR),
                'never') AS age
FROM server_instances
HAVING count(*) > 0
   AND coalesce(max(last_heartbeat) < (SELECT created_at FROM snapshot) - INTERVAL 2 MINUTE, true)
