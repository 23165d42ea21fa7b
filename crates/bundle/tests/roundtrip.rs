//! Property tests of the bundle format (issue 16 item 8): random bundles (clusters, DB tables and
//! their rows, Kubernetes files, container logs, errors) written by [`BundleWriter`] read back by
//! [`BundleReader`] as the same manifest and the same files, checksums verified; and a written
//! bundle with random bytes flipped is refused with an error (or, where the flip changed nothing
//! the reader hands out, read as the original), never with a panic or altered content.

use std::collections::BTreeMap;
use std::path::Path;

use mwtrace_bundle::layout::MAESTRO_TABLES;
use mwtrace_bundle::manifest::Cluster;
use mwtrace_bundle::{BundleError, BundlePath, BundleReader, BundleWriter, Limits, Manifest};
use proptest::prelude::*;
use serde_json::{Value, json};

/// What a random bundle holds, before it is written.
#[derive(Debug, Clone)]
struct Spec {
    clusters: Vec<String>,
    /// Table -> rows.
    tables: BTreeMap<String, Vec<Value>>,
    /// Path -> raw content (Kubernetes NDJSON files and logs).
    files: BTreeMap<BundlePath, Vec<u8>>,
    errors: Vec<(String, String)>,
}

fn component() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9.:_-]{0,15}".prop_filter("not . or ..", |s| s != "." && s != "..")
}

fn row() -> impl Strategy<Value = Value> {
    (
        "[a-f0-9-]{1,36}",
        any::<i64>(),
        any::<String>(),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(id, version, text, flag)| {
            json!({"id": id, "version": version, "payload": {"metadata": {"name": text}}, "status": flag})
        })
}

fn kube_object() -> impl Strategy<Value = Value> {
    (component(), any::<String>(), any::<u32>()).prop_map(|(name, annotation, rv)| {
        json!({"apiVersion": "v1", "kind": "Thing",
               "metadata": {"name": name, "resourceVersion": rv.to_string(),
                            "annotations": {"note": annotation}}})
    })
}

fn spec() -> impl Strategy<Value = Spec> {
    let clusters = proptest::collection::btree_set(component(), 1..4)
        .prop_map(|set| set.into_iter().collect::<Vec<_>>());
    clusters.prop_flat_map(|clusters| {
        let n = clusters.len();
        let tables = proptest::collection::btree_map(
            proptest::sample::select(MAESTRO_TABLES.to_vec()).prop_map(str::to_string),
            proptest::collection::vec(row(), 0..5),
            0..4,
        );
        let kube = proptest::collection::vec(
            (
                0..n,
                proptest::sample::select(vec!["core", "apps", "work.open-cluster-management.io"]),
                proptest::sample::select(vec!["v1", "v1beta1"]),
                "[a-z]{1,12}",
                proptest::collection::vec(kube_object(), 0..4),
            ),
            0..4,
        );
        let logs = proptest::collection::vec(
            (
                0..n,
                component(),
                component(),
                component(),
                proptest::collection::vec(any::<u8>(), 0..300),
            ),
            0..3,
        );
        let errors = proptest::collection::vec((any::<String>(), any::<String>()), 0..3);
        (Just(clusters), tables, kube, logs, errors).prop_map(
            |(clusters, tables, kube, logs, errors)| {
                let mut files = BTreeMap::new();
                for (c, group, version, resource, objects) in kube {
                    let path = BundlePath::Kube {
                        cluster: clusters[c].clone(),
                        group: group.into(),
                        version: version.into(),
                        resource,
                    };
                    let mut content = Vec::new();
                    let mut revisions = Vec::new();
                    for object in objects {
                        serde_json::to_writer(&mut content, &object).unwrap();
                        content.push(b'\n');
                        let revision = serde_json::json!({
                            "ts": "2026-11-21T09:00:00Z", "event": "Update", "object": object
                        });
                        serde_json::to_writer(&mut revisions, &revision).unwrap();
                        revisions.push(b'\n');
                    }
                    // The same objects as history revisions (an additive entry of format 1).
                    let history = BundlePath::History {
                        cluster: path_cluster(&path),
                        group: group.into(),
                        version: version.into(),
                        resource: path_resource(&path),
                    };
                    files.insert(history, revisions);
                    files.insert(path, content);
                }
                for (c, namespace, pod, container, content) in logs {
                    let path = BundlePath::Log {
                        cluster: clusters[c].clone(),
                        namespace,
                        pod,
                        container,
                    };
                    files.insert(path, content);
                }
                Spec {
                    clusters,
                    tables,
                    files,
                    errors,
                }
            },
        )
    })
}

/// Writes `spec` at `target` with the writer's API; returns the manifest it wrote.
fn write(spec: &Spec, target: &Path) -> Manifest {
    let mut manifest = Manifest::new("collect", "2026-11-21T10:00:00Z".into());
    for name in &spec.clusters {
        manifest.clusters.push(Cluster {
            name: name.clone(),
            role: "management".into(),
            context: Some(format!("ctx-{name}")),
            server: None,
        });
    }
    let mut writer = BundleWriter::create(target, manifest).unwrap();
    for (table, rows) in &spec.tables {
        let mut sink = writer
            .start_file(BundlePath::Db {
                table: table.clone(),
            })
            .unwrap();
        for row in rows {
            sink.write_row(row).unwrap();
        }
        writer.finish_file(sink).unwrap();
    }
    for (path, content) in &spec.files {
        writer.add_file(path.clone(), &content[..]).unwrap();
    }
    for (source, message) in &spec.errors {
        writer.record_error(source.clone(), message.clone());
    }
    writer.finish().unwrap()
}

fn path_cluster(path: &BundlePath) -> String {
    match path {
        BundlePath::Kube { cluster, .. } => cluster.clone(),
        _ => unreachable!("a kube path"),
    }
}

fn path_resource(path: &BundlePath) -> String {
    match path {
        BundlePath::Kube { resource, .. } => resource.clone(),
        _ => unreachable!("a kube path"),
    }
}

/// The files a spec should read back as, in bundle order (db, kube, logs, history; by path
/// within).
fn expected(spec: &Spec) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(BundlePath, Vec<u8>)> = spec
        .tables
        .iter()
        .map(|(table, rows)| {
            let mut content = Vec::new();
            for row in rows {
                serde_json::to_writer(&mut content, row).unwrap();
                content.push(b'\n');
            }
            (
                BundlePath::Db {
                    table: table.clone(),
                },
                content,
            )
        })
        .chain(spec.files.iter().map(|(p, c)| (p.clone(), c.clone())))
        .collect();
    out.sort_by_key(|(path, _)| (path.section(), path.to_string()));
    out.into_iter().map(|(p, c)| (p.to_string(), c)).collect()
}

/// A bundle as read: its manifest and its files (path, content) in order.
type ReadBack = (Manifest, Vec<(String, Vec<u8>)>);

/// Opens and reads every file of a bundle, verifying it.
fn read(bundle: &Path) -> Result<ReadBack, BundleError> {
    let reader = BundleReader::open(bundle, Limits::from_env())?;
    let mut files = Vec::new();
    reader.for_each_file(|file, content| {
        let mut bytes = Vec::new();
        // A read error is reported by the reader itself, which drains and checks the entry.
        let _ = content.read_to_end(&mut bytes);
        files.push((file.path.to_string(), bytes));
        Ok::<(), BundleError>(())
    })?;
    Ok((reader.manifest().clone(), files))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_bundles_read_back_as_written(spec in spec()) {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("b.tar.zst");
        let written = write(&spec, &target);
        let (manifest, files) = read(&target).unwrap();
        prop_assert_eq!(&manifest, &written);
        prop_assert_eq!(&files, &expected(&spec));
        for (path, content) in &files {
            let record = manifest.file(path).unwrap();
            prop_assert_eq!(record.bytes, content.len() as u64);
            let lines = content.iter().filter(|b| **b == b'\n').count() as u64;
            let ndjson = path.ends_with(".ndjson");
            prop_assert_eq!(record.rows, ndjson.then_some(lines));
        }
        let table_rows: Vec<_> = spec.tables.values().map(|rows| rows.len() as u64).collect();
        let read_rows: Vec<_> = manifest.files.iter()
            .filter(|f| f.path.starts_with("db/"))
            .map(|f| f.rows.unwrap())
            .collect();
        prop_assert_eq!(read_rows, table_rows);
        prop_assert_eq!(manifest.errors.len(), spec.errors.len());
        BundleReader::open(&target, Limits::from_env()).unwrap().verify().unwrap();
    }

    #[test]
    fn flipped_bytes_are_refused_never_read_as_valid(
        spec in spec(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 1..=255u8), 1..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("b.tar.zst");
        write(&spec, &target);
        let original = read(&target).unwrap();
        let mut bytes = std::fs::read(&target).unwrap();
        for (at, mask) in &flips {
            let at = at.index(bytes.len());
            bytes[at] ^= mask;
        }
        let flipped = dir.path().join("flipped.tar.zst");
        std::fs::write(&flipped, &bytes).unwrap();
        // Either refused, or (a flip in bytes no reader looks at) read as the original.
        if let Ok(read_back) = read(&flipped) {
            prop_assert_eq!(read_back, original, "flips {:?} read as altered content", flips);
        }
    }
}

/// Regression (found by `flipped_bytes_are_refused_never_read_as_valid`): one flipped byte in
/// the compressed manifest.json turned `"errors"` into an unknown key, and the bundle read as
/// valid with its errors gone; manifest.json has no sha256 of its own. Every single-bit flip of
/// a small bundle is now refused, or reads as the original.
#[test]
fn regression_every_single_bit_flip_is_refused_or_harmless() {
    let spec = Spec {
        clusters: vec!["mgmt-1".into()],
        tables: BTreeMap::from([("resources".into(), vec![json!({"id": "r1", "version": 1})])]),
        files: BTreeMap::new(),
        errors: vec![("kube/mgmt-2".into(), "unreachable".into())],
    };
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("b.tar.zst");
    write(&spec, &target);
    let original = read(&target).unwrap();
    let bytes = std::fs::read(&target).unwrap();
    let flipped = dir.path().join("flipped.tar.zst");
    for at in 0..bytes.len() {
        for bit in 0..8 {
            let mut damaged = bytes.clone();
            damaged[at] ^= 1 << bit;
            std::fs::write(&flipped, &damaged).unwrap();
            if let Ok(read_back) = read(&flipped) {
                assert_eq!(
                    read_back, original,
                    "byte {at} bit {bit} read as altered content"
                );
            }
        }
    }
}
