-- id: log-already-exists
-- severity: info
-- title: '"already exists" errors on resync (container logs; usually benign)'
-- explanation: >-
--   A container logged that something it tried to create "already exists". Controllers that
--   re-submit their state on every resync period (a report, an object, an event) get this
--   answer whenever the previous submission succeeded, so it is normally noise, logged at error
--   level by some callers. It matters only if the existing object is not the one intended (an
--   older version that is never updated).
-- next_step: >-
--   Nothing, when the first submission of the object succeeded; otherwise compare the existing
--   object with what the controller wanted and delete the stale one.
-- commands:
--   - mwtrace: logs {snapshot} --pod {pod} --grep 'already exists'
-- message: "{pod}/{container}: {count} 'already exists' answers ({first_ts} .. {last_ts}), normally benign resync"
-- evidence: [cluster, namespace, pod, container, count, first_ts, last_ts, example]
WITH hits AS (
    SELECT cluster, namespace, pod, container, ts, line,
           concat_ws(': ', nullif(msg, ''), coalesce(fields ->> 'err', fields ->> 'error')) AS text
    FROM logs
    WHERE regexp_matches(raw, '(?i)already exists')
)
SELECT cluster, namespace, pod, container, count(*) AS count,
       mw_rfc3339(min(ts)) AS first_ts, mw_rfc3339(max(ts)) AS last_ts,
       left(arg_min(text, (ts, line)), 300) AS example
FROM hits
GROUP BY ALL
ORDER BY count DESC, cluster, namespace, pod, container
