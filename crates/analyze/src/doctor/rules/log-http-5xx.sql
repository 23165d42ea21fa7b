-- id: log-http-5xx
-- severity: warning
-- title: Requests failing with HTTP 5xx, or a circuit breaker open (container logs)
-- explanation: >-
--   A container logged server errors (500, 502, 503, 504) from a service it calls, or a circuit
--   breaker that opened after such failures: the called service (or something behind it, such
--   as its database or metadata store) is unavailable or failing. While the breaker is open the
--   caller does not even try, so its work is queued or dropped until a health check passes.
-- next_step: >-
--   Find the called service from the example and check its own pods and logs for the same
--   period (mwtrace logs --since/--until); once it is healthy the breaker closes by itself.
-- commands:
--   - mwtrace: logs {snapshot} --pod {pod} --level warn
--   - kubectl: get pods -n {namespace} -o wide
-- message: "{pod}/{container}: {count} server errors or open-breaker lines ({first_ts} .. {last_ts})"
-- evidence: [cluster, namespace, pod, container, count, breaker_open, first_ts, last_ts, example]
WITH hits AS (
    SELECT cluster, namespace, pod, container, ts, line,
           regexp_matches(raw, '(?i)circuit ?breaker is open|breaker[^\n]{0,30}\bopen\b|"state": ?"open"') AS breaker,
           concat_ws(': ', nullif(msg, ''), coalesce(fields ->> 'err', fields ->> 'error',
                                                     fields ->> 'status')) AS text
    FROM logs
    WHERE regexp_matches(raw, '(?i)request failed with status 5[0-9][0-9]|status(?: ?code)?[=: ]+\\?"?5[0-9][0-9]\b|\b5[0-9][0-9] (?:Service Unavailable|Internal Server Error|Bad Gateway|Gateway Timeout)|circuit ?breaker is open|breaker[^\n]{0,30}\bopen\b|"state": ?"open"')
)
SELECT cluster, namespace, pod, container, count(*) AS count, bool_or(breaker) AS breaker_open,
       mw_rfc3339(min(ts)) AS first_ts, mw_rfc3339(max(ts)) AS last_ts,
       left(arg_min(text, (ts, line)), 300) AS example
FROM hits
GROUP BY ALL
ORDER BY count DESC, cluster, namespace, pod, container
