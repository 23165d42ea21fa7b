-- id: log-leader-election-lost
-- severity: warning
-- title: Leader election lost or lease renewal failing (container logs)
-- explanation: >-
--   A controller could not renew its leader lease ("Failed to update lock", "failed to renew
--   lease") and lost the election: controller-runtime then stops the manager and the process
--   exits, so the container restarts. Repeated, with restarts (`restarted` true: the bundle holds
--   the log of the instance before the last restart), the usual cause is too little memory or
--   CPU: garbage collection pauses and throttling make the renewal miss its deadline; an
--   unreachable API server (i/o timeouts on the lease) gives the same trace.
-- next_step: >-
--   Check the pod's restart count and last termination reason (OOMKilled); raise the
--   container's memory limit and watch whether restarts become rarer. If the lease calls time
--   out, check the API server's reachability from the node.
-- commands:
--   - kubectl: get pod -n {namespace} {pod} -o jsonpath='{.status.containerStatuses[*].restartCount} {.status.containerStatuses[*].lastState.terminated.reason}'
--   - kubectl: describe pod -n {namespace} {pod}
--   - mwtrace: logs {snapshot} --pod {pod} --grep '(?i)leader election lost|renew lease|update lock'
-- message: "{pod}/{container}: leader lease lost or not renewed {count} times ({first_ts} .. {last_ts}); restarted: {restarted}"
-- evidence: [cluster, namespace, pod, container, count, restarted, first_ts, last_ts, example]
WITH hits AS (
    SELECT cluster, namespace, pod, regexp_replace(container, '\.previous$', '') AS container,
           container LIKE '%.previous' AS in_previous, ts, line,
           concat_ws(': ', nullif(msg, ''), coalesce(fields ->> 'err', fields ->> 'error')) AS text
    FROM logs
    WHERE regexp_matches(raw, '(?i)leader election lost|leaderelection lost|failed to renew lease|failed to update lock|lost lease')
)
SELECT h.cluster, h.namespace, h.pod, h.container, count(*) AS count,
       bool_or(h.in_previous) OR EXISTS (
           SELECT 1 FROM logs p
           WHERE p.cluster = h.cluster AND p.namespace = h.namespace AND p.pod = h.pod
             AND p.container = h.container || '.previous') AS restarted,
       mw_rfc3339(min(h.ts)) AS first_ts, mw_rfc3339(max(h.ts)) AS last_ts,
       left(arg_min(h.text, (h.ts, h.line)), 300) AS example
FROM hits h
GROUP BY h.cluster, h.namespace, h.pod, h.container
ORDER BY count DESC, h.cluster, h.namespace, h.pod, h.container
