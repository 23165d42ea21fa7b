//! Writes the seed inputs that come from code rather than from testdata/: a small bundle made by
//! the writer, as the bundle_reader and manifest targets take it (the tar inside, and the
//! compressed file), and its manifest.json, into OUT_DIR: `cargo +nightly run --example seed --
//! OUT_DIR` (bench/fuzz.sh runs it to seed an empty corpus; the kept corpora grew from it).

use std::path::PathBuf;

use mwtrace_bundle::manifest::Cluster;
use mwtrace_bundle::{BundlePath, BundleWriter, Manifest};

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).expect("usage: seed OUT_DIR"));
    let dir = std::env::temp_dir().join(format!("mwtrace-fuzz-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("seed.tar.zst");
    let mut manifest = Manifest::new("import", "2026-11-21T10:00:00Z".into());
    manifest.clusters.push(Cluster {
        name: "mgmt-1".into(),
        role: "management".into(),
        context: None,
        server: None,
    });
    let mut writer = BundleWriter::create(&target, manifest).unwrap();
    let mut rows = writer
        .start_file(BundlePath::Db {
            table: "resources".into(),
        })
        .unwrap();
    rows.write_row(
        &serde_json::json!({"id": "1ee62e78-d2ca-5c49-8a65-01e695821450", "version": 2,
        "payload": {"metadata": {"name": "w1"}, "data": {"manifests": []}}}),
    )
    .unwrap();
    writer.finish_file(rows).unwrap();
    let kube = BundlePath::parse("kube/mgmt-1/core/v1/namespaces.ndjson")
        .unwrap()
        .unwrap();
    writer
        .add_file(
            kube,
            &br#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"local-cluster","uid":"u1"}}
"#[..],
        )
        .unwrap();
    let log = BundlePath::parse("logs/mgmt-1/maestro/maestro-agent-0/maestro-agent.log")
        .unwrap()
        .unwrap();
    writer
        .add_file(
            log,
            &b"I1121 09:58:03.120000       1 agent.go:7] \"applied\" resourceID=\"1ee62e78-d2ca-5c49-8a65-01e695821450\"\n"[..],
        )
        .unwrap();
    writer.record_error("kube/mgmt-2", "unreachable");
    let written = writer.finish().unwrap();

    let bundle = std::fs::read(&target).unwrap();
    let tar = zstd::decode_all(&bundle[..]).unwrap();
    let manifest = serde_json::to_vec_pretty(&written).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    for (name, bytes) in [
        ("seed-writer.tar", &tar),
        ("seed-writer.tar.zst", &bundle),
        ("seed-writer-manifest.json", &manifest),
    ] {
        std::fs::write(out.join(name), bytes).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
