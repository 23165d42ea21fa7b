-- id: namespace-stuck-terminating
-- severity: warning
-- needs: [kube/namespaces]
-- title: Namespace stuck Terminating
-- explanation: >-
--   A Namespace has had a deletionTimestamp for more than 30 minutes before the snapshot. For a
--   hosted cluster's namespaces (ocm-<env>-<cid>, and the control plane's
--   ocm-<env>-<cid>-<name>) this holds the cluster's deletion. The namespace controller reports
--   why in its conditions (NamespaceContentRemaining, NamespaceFinalizersRemaining,
--   NamespaceDeletionDiscoveryFailure, NamespaceDeletionContentFailure): objects left whose own
--   finalizers are held (a HostedCluster, a NodePool, a secret of the hypershift operator), an
--   unavailable API service, or the spec finalizer `kubernetes` not yet released.
-- next_step: >-
--   Read the namespace's conditions: they name the resources and finalizers remaining; find the
--   objects still in the namespace and the controllers of their finalizers (HyperShift, the work
--   agent). Follow the ARO HCP stuck-deletion runbook before removing any finalizer by hand.
-- commands:
--   - kubectl: get namespace {name} -o yaml
--   - kubectl: get namespace {name} -o jsonpath='{.status.conditions}'
--   - mwtrace: trace {snapshot} --cluster-id {cid}
-- message: "Namespace {name} on {cluster} has been terminating for {age}; held by: {held_by}"
-- evidence: [cluster, name, cid, uid, phase, deleted_at, age, finalizers, spec_finalizers, held_by]
WITH ns AS (
    SELECT o.cluster, o.name, o.uid, o.deleted_at,
           o.object -> '$.status' ->> 'phase' AS phase,
           coalesce(array_to_string(CAST(o.object -> '$.metadata.finalizers' AS VARCHAR[]), ', '), '')
               AS finalizers,
           coalesce(array_to_string(CAST(o.object -> '$.spec.finalizers' AS VARCHAR[]), ', '), '')
               AS spec_finalizers
    FROM objects o
    WHERE o.kind = 'Namespace'
      AND o.deleted_at < (SELECT created_at FROM snapshot) - INTERVAL 30 MINUTE
), held AS (
    SELECT c.cluster, c.name,
           string_agg(c.type || '=' || coalesce(c.status, '?') || coalesce(' (' || c.reason || ')', '')
                      || coalesce(': ' || c.message, ''), '; ' ORDER BY c.type) AS conditions
    FROM conditions c
    WHERE c.source = 'object' AND c.kind = 'Namespace' AND c.status = 'True'
    GROUP BY c.cluster, c.name
)
SELECT n.cluster, n.name, n.uid, n.phase,
       nullif(regexp_extract(n.name, '^ocm-[a-z0-9]+-([a-z0-9]{32})(-|$)', 1), '') AS cid,
       mw_rfc3339(n.deleted_at) AS deleted_at,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - n.deleted_at) AS VARCHAR) AS age,
       coalesce(nullif(n.finalizers, ''), 'none') AS finalizers,
       coalesce(nullif(n.spec_finalizers, ''), 'none') AS spec_finalizers,
       coalesce(nullif(concat_ws('; ', h.conditions,
                    CASE WHEN n.finalizers <> '' THEN 'finalizers ' || n.finalizers END,
                    CASE WHEN n.spec_finalizers <> '' THEN 'spec finalizers ' || n.spec_finalizers END), ''),
                'no condition nor finalizer reported') AS held_by
FROM ns n
LEFT JOIN held h ON h.cluster = n.cluster AND h.name = n.name
ORDER BY n.deleted_at, n.cluster, n.name
