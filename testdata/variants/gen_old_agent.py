#!/usr/bin/env python3
"""Writes testdata/variants/old-agent/ from testdata/sample/: the same state as collected from a
region whose Maestro agent predates maestro PR #434 (2026-01-14, "using resource id as the work
metadata name"). That agent named the ManifestWork after the user work name
(payload.metadata.name), so each layer-1 AppliedManifestWork is `<hubHash>-<work name>` with
spec.manifestWorkName = <work name>, and the objects it applied are owned by that name
(shared/reference/maestro-data-model.md; upstream docs example at maestro commit 83ac1c7).
The `cloudevents.open-cluster-management.io/originalsource` label is dropped too: nothing but
the name links these AMWs to their rows.

One more row shares a work name with R2 on another consumer (`mgmt-2`, a cluster this bundle
did not collect): work names are unique per consumer only, and the AMW on mgmt-1 must still
link to mgmt-1's row.

    python3 testdata/variants/gen_old_agent.py
"""
import json
import os
import shutil
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "sample")
OUT = os.path.join(HERE, "old-agent")
OID = uuid.UUID("6ba7b812-9dad-11d1-80b4-00c04fd430c8")


def rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def write(path, items):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for item in items:
            f.write(json.dumps(item, separators=(",", ":")) + "\n")


shutil.rmtree(OUT, ignore_errors=True)
shutil.copytree(SAMPLE, OUT)
resources = rows(os.path.join(OUT, "db/resources.ndjson"))
work_names = {}
for r in resources:
    meta = r["payload"].get("metadata") if isinstance(r.get("payload"), dict) else None
    if isinstance(meta, dict) and meta.get("name"):
        work_names[r["id"]] = meta["name"]

amw_path = os.path.join(OUT, "kube/mgmt-1/work.open-cluster-management.io/v1/appliedmanifestworks.ndjson")
amws = rows(amw_path)
renamed = {}
for a in amws:
    work = work_names.get(a["spec"]["manifestWorkName"])
    if work is None:
        continue
    old = a["metadata"]["name"]
    new = a["spec"]["hubHash"] + "-" + work
    renamed[old] = new
    a["metadata"]["name"] = new
    a["spec"]["manifestWorkName"] = work
    a["metadata"].get("labels", {}).pop("cloudevents.open-cluster-management.io/originalsource", None)
write(amw_path, amws)

for root, _, files in os.walk(os.path.join(OUT, "kube")):
    for name in files:
        path = os.path.join(root, name)
        objects = rows(path)
        for o in objects:
            for ref in o["metadata"].get("ownerReferences", []) or []:
                if ref.get("kind") == "AppliedManifestWork" and ref.get("name") in renamed:
                    ref["name"] = renamed[ref["name"]]
        write(path, objects)

# The same work name as the second resource, on another consumer.
twin = json.loads(json.dumps(resources[1]))
work = work_names[twin["id"]]
twin_id = str(uuid.uuid5(OID, f"{twin['source']}-manifestworks.work.open-cluster-management.io-mgmt-2-{work}"))
twin["id"] = twin_id
twin["name"] = twin_id
twin["consumer_name"] = "mgmt-2"
twin["payload"]["resourceid"] = twin_id
twin["payload"]["clustername"] = "mgmt-2"
twin["payload"]["metadata"]["namespace"] = "mgmt-2"
twin["payload"]["metadata"]["uid"] = twin_id
twin["status"] = None
resources.append(twin)
write(os.path.join(OUT, "db/resources.ndjson"), resources)

manifest = json.load(open(os.path.join(OUT, "manifest.json")))
manifest["files"] = []
json.dump(manifest, open(os.path.join(OUT, "manifest.json"), "w"), indent=2)
print(f"{len(renamed)} AppliedManifestWorks renamed after their work names -> {OUT}")
