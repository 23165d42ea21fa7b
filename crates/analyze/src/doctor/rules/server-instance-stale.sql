-- id: server-instance-stale
-- severity: info
-- needs: [db/server_instances]
-- title: Maestro server instance without a recent heartbeat
-- explanation: >-
--   A server_instances row has no heartbeat in the 2 minutes before the snapshot while another
--   instance is alive. Maestro never deletes these rows: a replica replaced by a rollout stays
--   with ready=false. Harmless unless the instance should be running (then status events are
--   not fanned out by it).
-- next_step: >-
--   Check that the instance's pod is gone on purpose (rollout, scale-down); a pod still running
--   without heartbeats has lost its database connection.
-- commands:
--   - kubectl_service: get pods -n maestro -o wide
--   - psql: SELECT id, last_heartbeat, ready FROM server_instances ORDER BY last_heartbeat DESC
-- message: "Server instance {instance} last beat {age} before the snapshot (ready={ready})"
-- evidence: [instance, last_heartbeat, age, ready, created_at]
SELECT s.id AS instance, mw_rfc3339(s.last_heartbeat) AS last_heartbeat,
       coalesce(CAST(date_trunc('second', (SELECT created_at FROM snapshot) - s.last_heartbeat) AS VARCHAR),
                'never') AS age,
       s.ready, mw_rfc3339(s.created_at) AS created_at
FROM server_instances s
WHERE coalesce(s.last_heartbeat < (SELECT created_at FROM snapshot) - INTERVAL 2 MINUTE, true)
  AND EXISTS (SELECT 1 FROM server_instances l
              WHERE l.last_heartbeat >= (SELECT created_at FROM snapshot) - INTERVAL 2 MINUTE)
ORDER BY s.last_heartbeat NULLS FIRST, s.id
