-- id: applied-resources-drift
-- severity: warning
-- needs: [kube/appliedmanifestworks]
-- title: Drift between the work's manifests and what its AppliedManifestWork applied
-- explanation: >-
--   The manifests a work asks for (layer 1: the bundle's manifests in the Maestro DB; layer 2:
--   the ManifestWork CR's spec.workload) differ from its AppliedManifestWork's
--   status.appliedResources. Missing: a manifest not reported as applied (manifests whose own
--   Applied condition is False are left to the not-applied rules). Extra: an applied resource no
--   manifest asks for any more (kept until the agent finalizes it, or orphaned by a spec change).
--   Works being deleted and works whose latest spec the agent has not applied are skipped.
-- next_step: >-
--   Compare the AppliedManifestWork with the work's manifests on the live cluster; an extra
--   resource that persists is no longer managed, a missing one was never applied.
-- commands:
--   - kubectl: get appliedmanifestwork {amw_name} -o jsonpath='{.status.appliedResources}'
--   - mwtrace: trace {snapshot} --resource-id {resource_id}
-- message: "{work} (layer {layer}) on {cluster}: missing from the AppliedManifestWork: {missing}; applied but not in the manifests: {extra}"
-- evidence: [layer, work, resource_id, cluster, amw_name, missing, extra]
WITH desired AS (
    SELECT a.cluster, a.name AS amw_name, 1 AS layer, coalesce(r.work_name, r.id) AS work,
           r.id AS resource_id, m.kind, m.api_version, m.namespace, m.name, m.applied
    FROM resources r
    JOIN resource_manifests m ON m.resource_id = r.id
    JOIN applied_manifest_works a ON a.resource_id = r.id AND a.layer = 1
    WHERE NOT r.is_deleted AND a.deleted_at IS NULL
      AND (r.observed_version IS NULL OR r.observed_version >= r.version)
    UNION ALL
    SELECT a.cluster, a.name, 2, w.namespace || '/' || w.name, NULL, m.kind, m.api_version,
           m.namespace, m.name, m.applied
    FROM manifest_works w
    JOIN work_manifests m ON m.cluster = w.cluster AND m.work_namespace = w.namespace
         AND m.work_name = w.name
    JOIN applied_manifest_works a ON a.cluster = w.cluster AND a.manifest_work_name = w.name
         AND a.layer = 2
    WHERE w.deleted_at IS NULL AND a.deleted_at IS NULL
), desired_keys AS (
    SELECT *,
           CASE WHEN contains(api_version, '/') THEN split_part(api_version, '/', 1) ELSE '' END AS grp,
           -- Kubernetes' plural of a kind (gengo rules), as appliedResources[].resource holds it
           CASE WHEN lower(kind) = 'endpoints' THEN 'endpoints'
                WHEN regexp_matches(lower(kind), '(s|x|z|ch|sh)$') THEN lower(kind) || 'es'
                WHEN regexp_matches(lower(kind), '[^aeiou]y$') THEN left(lower(kind), -1) || 'ies'
                ELSE lower(kind) || 's' END AS resource
    FROM desired
), works AS (
    SELECT DISTINCT cluster, amw_name, layer, work, resource_id FROM desired
), applied AS (
    SELECT cluster, amw_name, coalesce("group", '') AS grp, resource, namespace, name
    FROM applied_resources
), missing AS (
    SELECT d.cluster, d.amw_name,
           string_agg(d.kind || ' ' || coalesce(d.namespace || '/', '') || d.name, ', '
                      ORDER BY d.kind, d.namespace, d.name) AS missing
    FROM desired_keys d
    WHERE d.applied IS DISTINCT FROM false
      AND NOT EXISTS (SELECT 1 FROM applied x
                      WHERE x.cluster = d.cluster AND x.amw_name = d.amw_name AND x.grp = d.grp
                        AND x.resource = d.resource AND x.name = d.name
                        AND x.namespace IS NOT DISTINCT FROM d.namespace)
    GROUP BY d.cluster, d.amw_name
), extra AS (
    SELECT x.cluster, x.amw_name,
           string_agg(x.resource || CASE WHEN x.grp = '' THEN '' ELSE '.' || x.grp END || ' '
                      || coalesce(x.namespace || '/', '') || x.name, ', '
                      ORDER BY x.resource, x.namespace, x.name) AS extra
    FROM applied x
    JOIN works w ON w.cluster = x.cluster AND w.amw_name = x.amw_name
    WHERE NOT EXISTS (SELECT 1 FROM desired_keys d
                      WHERE d.cluster = x.cluster AND d.amw_name = x.amw_name AND d.grp = x.grp
                        AND d.resource = x.resource AND d.name = x.name
                        AND d.namespace IS NOT DISTINCT FROM x.namespace)
    GROUP BY x.cluster, x.amw_name
)
SELECT w.layer, w.work, w.resource_id, w.cluster, w.amw_name,
       coalesce(m.missing, 'none') AS missing, coalesce(e.extra, 'none') AS extra
FROM works w
LEFT JOIN missing m ON m.cluster = w.cluster AND m.amw_name = w.amw_name
LEFT JOIN extra e ON e.cluster = w.cluster AND e.amw_name = w.amw_name
WHERE m.missing IS NOT NULL OR e.extra IS NOT NULL
ORDER BY w.layer, w.cluster, w.amw_name
