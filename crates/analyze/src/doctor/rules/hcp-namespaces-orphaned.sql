-- id: hcp-namespaces-orphaned
-- severity: warning
-- needs: [db/resources]
-- title: "Orphaned *-00-hcp-namespaces bundle: the hosted cluster's other bundles are deleted"
-- explanation: >-
--   A live bundle that carries the hosted cluster's namespaces (named *-00-hcp-namespaces, or
--   labelled containsNamespaces=true) while every other bundle of the same cid in the Maestro
--   DB is deleted, the last one more than 30 minutes before the snapshot (or, with no other
--   bundle left at all, the namespaces bundle is over 1 hour old). Clusters Service deletes it
--   last, once the others are gone; left behind it keeps the ocm-<env>-<cid> namespaces (and
--   whatever is still in them) on the management cluster after the cluster's deletion.
-- next_step: >-
--   Check in Clusters Service whether the cluster is deleted (or its deletion failed half-way);
--   if it is, the bundle has to be deleted through Clusters Service or the Maestro API, then
--   watch the namespaces terminate.
-- commands:
--   - mwtrace: trace {snapshot} --cluster-id {cid}
--   - psql: SELECT id, payload->'metadata'->>'name' AS name, created_at, deleted_at FROM resources WHERE payload->'metadata'->'labels'->>'api.openshift.com/id' = '{cid}' ORDER BY created_at
--   - kubectl: get namespaces -l api.openshift.com/id={cid}
-- message: "{work} (cid {cid}) is live while the cluster's {deleted_others} other bundles are deleted (last at {last_other_deleted_at})"
-- evidence: [resource_id, work_name, consumer, cid, created_at, deleted_others, last_other_deleted_at, other_bundles]
WITH ns_bundles AS (
    SELECT r.*,
           coalesce(r.cid, nullif(regexp_extract(r.work_name, '^([a-z0-9]{32})-', 1), '')) AS bundle_cid
    FROM resources r
    WHERE NOT r.is_deleted
      AND (r.work_name LIKE '%-00-hcp-namespaces'
           OR r.labels ->> 'containsNamespaces' = 'true')
), others AS (
    SELECT n.id AS ns_id,
           count(o.id) AS total,
           count(o.id) FILTER (WHERE o.is_deleted) AS deleted,
           max(o.deleted_at) AS last_deleted_at,
           list(coalesce(o.work_name, o.id) ORDER BY o.work_name) FILTER (WHERE o.id IS NOT NULL) AS names
    FROM ns_bundles n
    LEFT JOIN resources o
           ON o.id <> n.id
          AND coalesce(o.cid, nullif(regexp_extract(o.work_name, '^([a-z0-9]{32})-', 1), '')) = n.bundle_cid
    GROUP BY n.id
)
SELECT n.id AS resource_id, n.work_name, coalesce(n.work_name, n.id) AS work,
       n.consumer_name AS consumer, n.bundle_cid AS cid,
       (SELECT c.name FROM clusters c WHERE c.name = n.consumer_name) AS cluster,
       mw_rfc3339(n.created_at) AS created_at, o.deleted AS deleted_others,
       coalesce(mw_rfc3339(o.last_deleted_at), 'none left in the DB') AS last_other_deleted_at,
       o.names AS other_bundles
FROM ns_bundles n
JOIN others o ON o.ns_id = n.id
WHERE n.bundle_cid IS NOT NULL
  AND o.deleted = o.total
  AND (CASE WHEN o.total = 0
            THEN n.created_at < (SELECT created_at FROM snapshot) - INTERVAL 1 HOUR
            ELSE o.last_deleted_at < (SELECT created_at FROM snapshot) - INTERVAL 30 MINUTE END)
ORDER BY n.created_at, n.id
