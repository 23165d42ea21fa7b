-- id: amw-evicting
-- severity: warning
-- needs: [kube/appliedmanifestworks]
-- title: AppliedManifestWork being evicted
-- explanation: >-
--   The work agent set status.evictionStartTime on an AppliedManifestWork: its ManifestWork is
--   missing on the hub, or the AMW's hubHash is not the agent's (the hub address changed). After
--   the eviction grace period (60 minutes by default; ARO HCP's Maestro agent uses about 100
--   years) the agent deletes the AMW and every object it owns.
-- next_step: >-
--   Find why the agent no longer sees the ManifestWork (deleted work, changed hub URL or broker
--   host) before the grace period ends; restoring the work stops the eviction.
-- commands:
--   - kubectl: get appliedmanifestwork {amw_name} -o yaml
--   - mwtrace: trace {snapshot} --search {manifest_work_name}
-- message: "AppliedManifestWork {amw_name} (layer {layer}) on {cluster} is being evicted since {eviction_start_time} ({age} before the snapshot), {applied_count} resources at stake"
-- evidence: [cluster, amw_name, layer, manifest_work_name, hub_hash, eviction_start_time, age, applied_count]
SELECT a.cluster, a.name AS amw_name, a.layer, a.manifest_work_name, a.hub_hash,
       mw_rfc3339(a.eviction_start_time) AS eviction_start_time,
       CAST(date_trunc('second', (SELECT created_at FROM snapshot) - a.eviction_start_time) AS VARCHAR) AS age,
       a.applied_count
FROM applied_manifest_works a
WHERE a.eviction_start_time IS NOT NULL
ORDER BY a.eviction_start_time, a.cluster, a.name
