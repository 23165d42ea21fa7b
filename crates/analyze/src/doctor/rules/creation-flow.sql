-- id: creation-flow
-- severity: critical
-- needs: [db/resources]
-- title: Hosted cluster creation flow broken
-- explanation: >-
--   For each hosted cluster (cid) present in the snapshot, the ARO HCP creation flow is checked
--   stage by stage, as `mwtrace trace --cluster-id` shows it: maestro_bundles (live bundles
--   labelled with the cid in the Maestro DB) -> layer1_applied (each has a layer-1
--   AppliedManifestWork and is not failing) -> local_cluster_manifestworks (the local-cluster
--   ManifestWorks exist, Applied and Available) -> layer2_applied (each has its layer-2
--   AppliedManifestWork) -> hosted_cluster_available (Available, not Degraded) ->
--   managed_cluster_joined_available (the ManagedCluster named after the cid is Joined and
--   Available). The first stage missing or failing is named; stages whose sources were not
--   collected are skipped. Fires whatever the cluster's age, so a cluster being created shows
--   where it is.
-- next_step: >-
--   Start at the named stage: its detail names the bundles, works or objects at fault, and the
--   other findings of this report about them say why.
-- commands:
--   - mwtrace: trace {snapshot} --cluster-id {cid}
--   - kubectl: get manifestwork -n local-cluster -l api.openshift.com/id={cid}
--   - kubectl: get hostedclusters -A -l api.openshift.com/id={cid}
--   - kubectl: get managedcluster {cid}
--   - psql: SELECT id, payload->'metadata'->>'name' AS name, deleted_at FROM resources WHERE payload->'metadata'->'labels'->>'api.openshift.com/id' = '{cid}'
-- message: "Hosted cluster {cid}: first failing stage {first_failing_stage} is {stage_status}: {detail}"
-- evidence: [cid, first_failing_stage, stage_status, detail, stages]
WITH has_file AS (
    SELECT coalesce(bool_or(path = 'db/resources.ndjson'), false) AS resources,
           coalesce(bool_or(path LIKE 'kube/%/work.open-cluster-management.io/%/appliedmanifestworks.ndjson'), false) AS amws,
           coalesce(bool_or(path LIKE 'kube/%/work.open-cluster-management.io/%/manifestworks.ndjson'), false) AS mws,
           coalesce(bool_or(path LIKE 'kube/%/hypershift.openshift.io/%/hostedclusters.ndjson'), false) AS hcs,
           coalesce(bool_or(path LIKE 'kube/%/cluster.open-cluster-management.io/%/managedclusters.ndjson'), false) AS mcs
    FROM bundle_files
), cids AS (
    SELECT cid FROM resources WHERE cid IS NOT NULL AND NOT is_deleted
    UNION SELECT cid FROM manifest_works WHERE cid IS NOT NULL AND deleted_at IS NULL
    UNION SELECT cid FROM hosted_clusters WHERE cid IS NOT NULL AND deleted_at IS NULL
    UNION SELECT cid FROM managed_clusters
          WHERE regexp_full_match(cid, '[a-z0-9]{32}') AND deleted_at IS NULL
), collected_consumers AS (
    -- consumers whose AMWs were collected on every cluster that runs them
    SELECT consumer FROM consumer_coverage WHERE amws_collected
), bundles AS (
    SELECT r.cid, r.id, coalesce(r.work_name, r.id) AS work, r.consumer_name AS consumer,
           r.consumer_name IN (SELECT consumer FROM collected_consumers) AS amw_known,
           EXISTS (SELECT 1 FROM applied_manifest_works a
                   WHERE a.resource_id = r.id AND a.layer = 1) AS has_amw,
           coalesce(r.applied = false OR r.available = false
                    OR EXISTS (SELECT 1 FROM resource_manifests m
                               WHERE m.resource_id = r.id AND m.applied = false), false) AS failing
    FROM resources r
    WHERE NOT r.is_deleted AND r.cid IN (SELECT cid FROM cids)
), works AS (
    SELECT w.cid, w.namespace || '/' || w.name AS work, true AS present,
           coalesce(w.applied AND w.available, false) AS ok,
           EXISTS (SELECT 1 FROM applied_manifest_works a WHERE a.cluster = w.cluster
                   AND a.layer = 2 AND a.manifest_work_name = w.name) AS has_amw
    FROM manifest_works w
    WHERE w.deleted_at IS NULL AND w.cid IN (SELECT cid FROM cids)
    UNION
    -- works a bundle of the cid carries but the cluster does not hold, where the consumer's
    -- clusters' ManifestWorks were collected (elsewhere their absence proves nothing)
    SELECT b.cid, m.namespace || '/' || m.name, false, false, false
    FROM bundles b JOIN resource_manifests m ON m.resource_id = b.id AND m.kind = 'ManifestWork'
    WHERE NOT EXISTS (SELECT 1 FROM manifest_works w
                      WHERE w.namespace IS NOT DISTINCT FROM m.namespace AND w.name = m.name)
      AND b.consumer IN (SELECT consumer FROM consumer_coverage WHERE manifestworks_collected)
), hcs AS (
    SELECT cid, namespace || '/' || name AS hc,
           coalesce(available AND NOT coalesce(degraded, false), false) AS ok
    FROM hosted_clusters WHERE deleted_at IS NULL AND cid IN (SELECT cid FROM cids)
), mcs AS (
    SELECT cid, name, coalesce(joined AND available, false) AS ok,
           'Joined=' || coalesce(CAST(joined AS VARCHAR), 'missing') || ', Available='
               || coalesce(CAST(available AS VARCHAR), 'missing') AS state
    FROM managed_clusters WHERE deleted_at IS NULL AND cid IN (SELECT cid FROM cids)
), stages AS (
    SELECT c.cid, 1 AS ordinal, 'maestro_bundles' AS stage,
           CASE WHEN NOT f.resources THEN 'unknown' WHEN count(b.id) = 0 THEN 'missing' ELSE 'ok' END AS status,
           CASE WHEN NOT f.resources THEN 'the Maestro DB was not collected'
                WHEN count(b.id) = 0 THEN 'no live bundle labelled with this cid in the Maestro DB'
                ELSE count(b.id) || ' bundles in the DB' END AS detail
    FROM cids c CROSS JOIN has_file f LEFT JOIN bundles b ON b.cid = c.cid
    GROUP BY c.cid, f.resources
    UNION ALL
    SELECT c.cid, 2, 'layer1_applied',
           CASE WHEN NOT f.resources THEN 'unknown'
                WHEN count(b.id) = 0 THEN 'missing'
                WHEN count(*) FILTER (WHERE NOT b.has_amw AND b.amw_known) > 0 THEN 'missing'
                WHEN count(*) FILTER (WHERE b.failing) > 0 THEN 'failing'
                WHEN count(*) FILTER (WHERE NOT b.has_amw) > 0 THEN 'unknown'
                ELSE 'ok' END,
           CASE WHEN NOT f.resources THEN 'the Maestro DB was not collected'
                WHEN count(b.id) = 0 THEN 'no bundle to apply'
                WHEN count(*) FILTER (WHERE NOT b.has_amw AND b.amw_known) > 0
                    THEN 'no layer-1 AppliedManifestWork for '
                         || string_agg(b.work, ', ' ORDER BY b.work)
                                FILTER (WHERE NOT b.has_amw AND b.amw_known)
                WHEN count(*) FILTER (WHERE b.failing) > 0
                    THEN 'failing in the DB status: '
                         || string_agg(b.work, ', ' ORDER BY b.work) FILTER (WHERE b.failing)
                WHEN count(*) FILTER (WHERE NOT b.has_amw) > 0
                    THEN 'AppliedManifestWorks not collected on the clusters of '
                         || string_agg(DISTINCT b.consumer, ', ' ORDER BY b.consumer)
                                FILTER (WHERE NOT b.has_amw)
                ELSE count(b.id) || ' layer-1 AppliedManifestWorks' END
    FROM cids c CROSS JOIN has_file f LEFT JOIN bundles b ON b.cid = c.cid
    GROUP BY c.cid, f.resources
    UNION ALL
    SELECT c.cid, 3, 'local_cluster_manifestworks',
           CASE WHEN NOT f.mws THEN 'unknown'
                WHEN count(w.work) = 0 THEN 'missing'
                WHEN count(*) FILTER (WHERE NOT w.present) > 0 THEN 'missing'
                WHEN count(*) FILTER (WHERE NOT w.ok) > 0 THEN 'failing' ELSE 'ok' END,
           CASE WHEN NOT f.mws THEN 'ManifestWorks not collected'
                WHEN count(w.work) = 0 THEN 'no local-cluster ManifestWork for this cid'
                WHEN count(*) FILTER (WHERE NOT w.present) > 0
                    THEN 'not on the cluster: '
                         || string_agg(w.work, ', ' ORDER BY w.work) FILTER (WHERE NOT w.present)
                WHEN count(*) FILTER (WHERE NOT w.ok) > 0
                    THEN 'not applied or not available: '
                         || string_agg(w.work, ', ' ORDER BY w.work) FILTER (WHERE NOT w.ok)
                ELSE count(w.work) || ' ManifestWorks applied and available' END
    FROM cids c CROSS JOIN has_file f LEFT JOIN works w ON w.cid = c.cid
    GROUP BY c.cid, f.mws
    UNION ALL
    SELECT c.cid, 4, 'layer2_applied',
           CASE WHEN NOT f.amws OR NOT f.mws THEN 'unknown'
                WHEN count(w.work) FILTER (WHERE w.present) = 0 THEN 'missing'
                WHEN count(*) FILTER (WHERE w.present AND NOT w.has_amw) > 0 THEN 'missing'
                ELSE 'ok' END,
           CASE WHEN NOT f.amws OR NOT f.mws THEN 'AppliedManifestWorks or ManifestWorks not collected'
                WHEN count(w.work) FILTER (WHERE w.present) = 0 THEN 'no local-cluster ManifestWork to apply'
                WHEN count(*) FILTER (WHERE w.present AND NOT w.has_amw) > 0
                    THEN 'no layer-2 AppliedManifestWork for '
                         || string_agg(w.work, ', ' ORDER BY w.work) FILTER (WHERE w.present AND NOT w.has_amw)
                ELSE count(w.work) FILTER (WHERE w.present) || ' layer-2 AppliedManifestWorks' END
    FROM cids c CROSS JOIN has_file f LEFT JOIN works w ON w.cid = c.cid
    GROUP BY c.cid, f.amws, f.mws
    UNION ALL
    SELECT c.cid, 5, 'hosted_cluster_available',
           CASE WHEN NOT f.hcs THEN 'unknown' WHEN count(h.hc) = 0 THEN 'missing'
                WHEN count(*) FILTER (WHERE NOT h.ok) > 0 THEN 'failing' ELSE 'ok' END,
           CASE WHEN NOT f.hcs THEN 'HostedClusters not collected'
                WHEN count(h.hc) = 0 THEN 'no HostedCluster for this cid'
                WHEN count(*) FILTER (WHERE NOT h.ok) > 0
                    THEN 'not Available or Degraded: '
                         || string_agg(h.hc, ', ' ORDER BY h.hc) FILTER (WHERE NOT h.ok)
                ELSE 'HostedCluster ' || string_agg(h.hc, ', ' ORDER BY h.hc) || ' available' END
    FROM cids c CROSS JOIN has_file f LEFT JOIN hcs h ON h.cid = c.cid
    GROUP BY c.cid, f.hcs
    UNION ALL
    SELECT c.cid, 6, 'managed_cluster_joined_available',
           CASE WHEN NOT f.mcs THEN 'unknown' WHEN count(m.name) = 0 THEN 'missing'
                WHEN count(*) FILTER (WHERE NOT m.ok) > 0 THEN 'failing' ELSE 'ok' END,
           CASE WHEN NOT f.mcs THEN 'ManagedClusters not collected'
                WHEN count(m.name) = 0 THEN 'no ManagedCluster named ' || c.cid
                WHEN count(*) FILTER (WHERE NOT m.ok) > 0
                    THEN 'ManagedCluster ' || c.cid || ': '
                         || string_agg(m.state, ', ') FILTER (WHERE NOT m.ok)
                ELSE 'ManagedCluster joined and available' END
    FROM cids c CROSS JOIN has_file f LEFT JOIN mcs m ON m.cid = c.cid
    GROUP BY c.cid, f.mcs
), first_failing AS (
    SELECT cid, arg_min(stage, ordinal) AS stage, arg_min(status, ordinal) AS status,
           arg_min(detail, ordinal) AS detail
    FROM stages WHERE status IN ('missing', 'failing')
    GROUP BY cid
)
SELECT f.cid, f.stage AS first_failing_stage, f.status AS stage_status, f.detail,
       (SELECT string_agg(s.stage || ' ' || s.status, ' -> ' ORDER BY s.ordinal)
        FROM stages s WHERE s.cid = f.cid) AS stages,
       coalesce((SELECT min(w.cluster) FROM manifest_works w WHERE w.cid = f.cid),
                (SELECT min(h.cluster) FROM hosted_clusters h WHERE h.cid = f.cid),
                (SELECT min(m.cluster) FROM managed_clusters m WHERE m.cid = f.cid)) AS cluster
FROM first_failing f
ORDER BY f.cid
