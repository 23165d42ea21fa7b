-- id: log-tls-errors
-- severity: warning
-- title: TLS or x509 certificate errors (container logs)
-- explanation: >-
--   A container failed a TLS handshake: a certificate signed by an authority it does not trust,
--   an expired or not-yet-valid certificate, a name mismatch, or a peer rejecting its client
--   certificate. The connection is refused before any request, so the component stays
--   disconnected (an agent from its broker, a webhook from the API server) until certificates
--   or trust bundles are fixed; it does not heal by retrying.
-- next_step: >-
--   Read the x509 message: rotate the expired certificate, or give the client the CA bundle
--   that signed the server's certificate (the Secret or ConfigMap mounted in the pod), then
--   restart the pod so it reloads them.
-- commands:
--   - mwtrace: logs {snapshot} --pod {pod} --grep '(?i)x509|tls:'
--   - kubectl: get pod -n {namespace} {pod} -o jsonpath='{.spec.volumes}'
-- message: "{pod}/{container}: {count} TLS/x509 errors ({first_ts} .. {last_ts}): {example}"
-- evidence: [cluster, namespace, pod, container, count, first_ts, last_ts, example]
WITH hits AS (
    SELECT cluster, namespace, pod, container, ts, line,
           concat_ws(': ', nullif(msg, ''), coalesce(fields ->> 'err', fields ->> 'error')) AS text
    FROM logs
    WHERE regexp_matches(raw, '(?i)x509: |\btls: |certificate has expired|certificate signed by unknown authority|handshake failure|TLS handshake error|bad certificate')
)
SELECT cluster, namespace, pod, container, count(*) AS count,
       mw_rfc3339(min(ts)) AS first_ts, mw_rfc3339(max(ts)) AS last_ts,
       left(arg_min(text, (ts, line)), 300) AS example
FROM hits
GROUP BY ALL
ORDER BY count DESC, cluster, namespace, pod, container
