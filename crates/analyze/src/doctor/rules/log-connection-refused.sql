-- id: log-connection-refused
-- severity: warning
-- title: Connections refused by a named service (container logs)
-- explanation: >-
--   A container logged "connection refused" while calling another service: the address resolved
--   but nothing listened on that port, so the service's pods were down, restarting or not ready,
--   or the client uses a wrong port. Every request through it failed while it lasted (Maestro
--   retries publishing; Clusters Service calls to Maestro fail and are retried by its
--   reconcilers). The target is the URL host or the `dial tcp` address of the first refused call.
-- next_step: >-
--   Look at the target service's endpoints and pods around the times shown (restarts, readiness,
--   a rollout); when it is healthy now, the errors were transient. A wrong port or service name
--   in the client's configuration refuses every call: fix the configuration.
-- commands:
--   - mwtrace: logs {snapshot} --pod {pod} --grep 'connection refused'
--   - kubectl: get pods -n {namespace} {pod} -o wide
-- message: "{pod}/{container}: {count} connections refused by {target} ({first_ts} .. {last_ts})"
-- evidence: [cluster, namespace, pod, container, target, count, first_ts, last_ts, example]
WITH hits AS (
    SELECT cluster, namespace, pod, container, ts, line,
           coalesce(nullif(regexp_extract(raw, '[a-z]+://([a-zA-Z0-9.-]+)', 1), ''),
                    nullif(regexp_extract(raw, 'dial tcp ([a-zA-Z0-9.-]+)', 1), ''),
                    'unknown') AS target,
           concat_ws(': ', nullif(msg, ''), coalesce(fields ->> 'err', fields ->> 'error')) AS text
    FROM logs
    WHERE regexp_matches(raw, '(?i)connection refused')
)
SELECT cluster, namespace, pod, container, target, count(*) AS count,
       mw_rfc3339(min(ts)) AS first_ts, mw_rfc3339(max(ts)) AS last_ts,
       left(arg_min(text, (ts, line)), 300) AS example
FROM hits
GROUP BY ALL
ORDER BY count DESC, cluster, namespace, pod, container, target
