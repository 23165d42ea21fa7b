-- id: applied-uid-mismatch
-- severity: warning
-- needs: [kube/appliedmanifestworks]
-- title: "Applied object recreated: uid differs from the AppliedManifestWork's entry"
-- explanation: >-
--   An AppliedManifestWork lists a resource with one uid, and the object of that name present
--   on the cluster has another: it was deleted and recreated outside the work (by hand, by a
--   restore, by another owner). The agent skips an object whose uid differs when it cleans up, so
--   deleting the work would leave this object behind, and status feedback may describe the old
--   object.
-- next_step: >-
--   Find who recreated the object (managedFields, ownerReferences); if the work should own it,
--   let the agent resync (it updates appliedResources on its next apply).
-- commands:
--   - kubectl: get {kind_resource} -n {namespace} {name} -o yaml
--   - kubectl: get {kind_resource} {cluster_scoped_name} -o yaml
--   - kubectl: get appliedmanifestwork {amw_name} -o jsonpath='{.status.appliedResources}'
-- message: "{resource} {object} on {cluster}: AppliedManifestWork {amw_name} applied uid {applied_uid}, the object present has uid {live_uid} (created {live_created_at})"
-- evidence: [cluster, amw_name, layer, manifest_work_name, resource, object, applied_uid, live_uid, live_created_at, live_owned_by_amw]
SELECT a.cluster, a.amw_name, a.layer, a.manifest_work_name,
       a.resource || CASE WHEN coalesce(a."group", '') = '' THEN '' ELSE '.' || a."group" END AS resource,
       a.resource || CASE WHEN coalesce(a."group", '') = '' THEN '' ELSE '.' || a."group" END AS kind_resource,
       coalesce(a.namespace || '/', '') || a.name AS object, a.name, a.namespace,
       CASE WHEN a.namespace IS NULL THEN a.name END AS cluster_scoped_name,
       a.uid AS applied_uid, o.uid AS live_uid, mw_rfc3339(o.created_at) AS live_created_at,
       EXISTS (SELECT 1 FROM owner_refs r WHERE r.cluster = o.cluster AND r.child_uid = o.uid
               AND r.owner_kind = 'AppliedManifestWork' AND r.owner_uid = a.amw_uid) AS live_owned_by_amw
FROM applied_resources a
JOIN objects o ON o.cluster = a.cluster AND o.api_group = coalesce(a."group", '')
     AND o.resource = a.resource AND o.name = a.name
     AND o.namespace IS NOT DISTINCT FROM a.namespace
WHERE a.uid IS NOT NULL AND o.uid IS DISTINCT FROM a.uid
ORDER BY a.cluster, a.amw_name, a.resource, a.namespace, a.name
