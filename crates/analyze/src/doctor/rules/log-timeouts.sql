-- id: log-timeouts
-- severity: warning
-- title: I/O timeouts and context deadlines exceeded (container logs)
-- explanation: >-
--   A container's calls timed out: "i/o timeout" (no answer at the network level: a firewall,
--   a network policy, an overloaded or unreachable peer), "context deadline exceeded" or
--   "Client.Timeout exceeded" (the whole request took longer than its deadline), "TLS
--   handshake timeout". Occasional ones are retried; many in a row mean the peer or the path to
--   it is down, and probes built on such calls restart pods.
-- next_step: >-
--   Identify the peer from the example (URL, dial address, broker); check its health and the
--   network path (NetworkPolicies, egress, DNS) for the period shown; compare with restarts of
--   the pod (liveness probes timing out).
-- commands:
--   - mwtrace: logs {snapshot} --pod {pod} --grep '(?i)i/o timeout|deadline exceeded|Timeout exceeded'
--   - kubectl: describe pod -n {namespace} {pod}
-- message: "{pod}/{container}: {count} timeouts ({first_ts} .. {last_ts}): {example}"
-- evidence: [cluster, namespace, pod, container, count, first_ts, last_ts, example]
WITH hits AS (
    SELECT cluster, namespace, pod, container, ts, line,
           concat_ws(': ', nullif(msg, ''), coalesce(fields ->> 'err', fields ->> 'error')) AS text
    FROM logs
    WHERE regexp_matches(raw, '(?i)i/o timeout|context deadline exceeded|Client\.Timeout exceeded|TLS handshake timeout')
)
SELECT cluster, namespace, pod, container, count(*) AS count,
       mw_rfc3339(min(ts)) AS first_ts, mw_rfc3339(max(ts)) AS last_ts,
       left(arg_min(text, (ts, line)), 300) AS example
FROM hits
GROUP BY ALL
ORDER BY count DESC, cluster, namespace, pod, container
