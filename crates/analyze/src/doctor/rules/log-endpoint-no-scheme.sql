-- id: log-endpoint-no-scheme
-- severity: critical
-- title: An endpoint is configured without http:// or https:// (container logs)
-- explanation: >-
--   Go's HTTP client logged "unsupported protocol scheme": a URL in the container's
--   configuration has no scheme (`host/path` instead of `https://host/path`), so every request
--   to it fails before leaving the pod. Health checks built on it fail too, and liveness or
--   readiness probes that depend on them time out ("context deadline exceeded") and restart the
--   pod. It never heals on its own.
-- next_step: >-
--   Prepend https:// (or http://, following the target's TLS configuration) to the endpoint in
--   the container's configuration (values, ConfigMap or flags), then restart the pod.
-- commands:
--   - mwtrace: logs {snapshot} --pod {pod} --grep 'unsupported protocol scheme'
--   - kubectl: get pod -n {namespace} {pod} -o yaml
-- message: "{pod}/{container}: {count} requests to {endpoint} failed with no URL scheme"
-- evidence: [cluster, namespace, pod, container, endpoint, count, first_ts, last_ts, example]
WITH hits AS (
    SELECT cluster, namespace, pod, container, ts, line,
           coalesce(nullif(regexp_extract(raw, '(?:Get|Post|Put|Patch|Delete|Head) \\?"([^"\\]*)\\?"', 1), ''),
                    'unknown') AS endpoint,
           concat_ws(': ', nullif(msg, ''), coalesce(fields ->> 'err', fields ->> 'error')) AS text
    FROM logs
    WHERE regexp_matches(raw, 'unsupported protocol scheme')
)
SELECT cluster, namespace, pod, container, endpoint, count(*) AS count,
       mw_rfc3339(min(ts)) AS first_ts, mw_rfc3339(max(ts)) AS last_ts,
       left(arg_min(text, (ts, line)), 300) AS example
FROM hits
GROUP BY ALL
ORDER BY count DESC, cluster, namespace, pod, container, endpoint
