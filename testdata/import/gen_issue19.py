#!/usr/bin/env python3
"""Fixtures of issue 19 items 3 and 4 (run from anywhere; rewrites the files it owns):

rest-pages/: Maestro REST lists as ARO HCP runbooks save them. Two `?size=2` pages of a
5-item ResourceBundleList (page 3 never saved; bundle B is on both pages because the list
moved between the two requests; B carries `deleted_at` at the item's root), and the output
of `maestro resourcebundle list -o json` (the Maestro CLI prints the OpenAPI list with Go's
encoder: keys sorted, two-space indent, `<` as `\\u003c`).

components/: a must-gather-like tree with the Maestro agent and HyperShift operator
Deployments (oc adm inspect layout `namespaces/<ns>/apps/deployments.yaml`) and a running
maestro-agent Pod whose spec names a tag and whose status names the digest.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def bundle(rid, name, created, deleted=None, version=1):
    item = {
        "consumer_name": "mgmt-1-consumer",
        "created_at": created,
        "delete_option": {"propagationPolicy": "Foreground"},
        "href": f"/api/maestro/v1/resource-bundles/{rid}",
        "id": rid,
        "kind": "ResourceBundle",
        "manifests": [{"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": name, "namespace": "default"},
                       "data": {"note": "a < b"}}],
        "metadata": {"name": name, "namespace": "mgmt-1-consumer", "resourceVersion": "0", "uid": rid},
        "name": rid,
        "updated_at": created,
        "version": version,
    }
    if deleted:
        item["deleted_at"] = deleted
        item["updated_at"] = deleted
    return item


A = bundle("0a0a0a0a-0000-5000-8000-00000000000a", "work-a", "2026-01-10T10:00:00Z")
B = bundle("0b0b0b0b-0000-5000-8000-00000000000b", "work-b", "2026-01-10T10:01:00Z",
           deleted="2026-01-11T09:00:00Z")
C = bundle("0c0c0c0c-0000-5000-8000-00000000000c", "work-c", "2026-01-10T10:02:00Z")
D = bundle("0d0d0d0d-0000-5000-8000-00000000000d", "work-d", "2026-01-12T08:00:00Z")
E = bundle("0e0e0e0e-0000-5000-8000-00000000000e", "work-e", "2026-01-12T08:01:00Z",
           deleted="2026-01-12T09:30:00Z")


def page(items, number, total):
    return {"items": items, "kind": "ResourceBundleList", "page": number, "size": len(items), "total": total}


def go_json(value):
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


write(os.path.join(HERE, "rest-pages", "resource-bundles-size2-page-1.json"),
      json.dumps(page([A, B], 1, 5), indent=2) + "\n")
write(os.path.join(HERE, "rest-pages", "resource-bundles-size2-page-2.json"),
      json.dumps(page([B, C], 2, 5), indent=2) + "\n")
write(os.path.join(HERE, "rest-pages", "maestro-resourcebundle-list.json"),
      go_json(page([D, E], 1, 2)))

AGENT_IMAGE = "registry.example.io:5000/maestro/maestro:v0.5.2"
AGENT_DIGEST = "sha256:" + "5" * 64
HS_IMAGE = "quay.io/acm-d/rhtap-hypershift-operator@sha256:" + "4" * 64

deployments_maestro = f"""apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: maestro-agent
    namespace: maestro
    uid: 9a0e0c41-1111-4a4a-8b8b-000000000001
    resourceVersion: "100"
    labels:
      app: maestro-agent
  spec:
    template:
      spec:
        containers:
        - name: maestro-agent
          image: {AGENT_IMAGE}
        - name: kube-rbac-proxy
          image: registry.redhat.io/openshift4/ose-kube-rbac-proxy:v4.15
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: postgres-breakglass
    namespace: maestro
    uid: 9a0e0c41-1111-4a4a-8b8b-000000000002
    resourceVersion: "101"
  spec:
    template:
      spec:
        containers:
        - name: postgres
          image: registry.redhat.io/rhel9/postgresql-16:latest
"""
write(os.path.join(HERE, "components", "must-gather", "namespaces", "maestro", "apps", "deployments.yaml"),
      deployments_maestro)

pods_maestro = f"""apiVersion: v1
kind: PodList
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: maestro-agent-6c5b7d9f4-q8x2m
    namespace: maestro
    uid: 9a0e0c41-1111-4a4a-8b8b-000000000003
    resourceVersion: "102"
    labels:
      app: maestro-agent
      pod-template-hash: 6c5b7d9f4
    ownerReferences:
    - apiVersion: apps/v1
      kind: ReplicaSet
      name: maestro-agent-6c5b7d9f4
      uid: 9a0e0c41-1111-4a4a-8b8b-000000000004
  spec:
    containers:
    - name: maestro-agent
      image: {AGENT_IMAGE}
  status:
    containerStatuses:
    - name: maestro-agent
      image: {AGENT_IMAGE}
      imageID: registry.example.io:5000/maestro/maestro@{AGENT_DIGEST}
"""
write(os.path.join(HERE, "components", "must-gather", "namespaces", "maestro", "core", "pods.yaml"),
      pods_maestro)

deployments_hypershift = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: operator
  namespace: hypershift
  uid: 9a0e0c41-1111-4a4a-8b8b-000000000005
  resourceVersion: "103"
spec:
  template:
    spec:
      containers:
      - name: operator
        image: {HS_IMAGE}
"""
write(os.path.join(HERE, "components", "must-gather", "namespaces", "hypershift", "apps", "deployments", "operator.yaml"),
      deployments_hypershift)
