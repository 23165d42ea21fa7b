//! `mwtrace export --parquet DIR`, `mwtrace sql DIR` and `trace`/`doctor --bundle SHA`: two
//! bundles with different clusters in one dataset, in each partition layout.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

/// The sample with its management cluster renamed mgmt-2 and one resource less.
fn second_bundle(env: &Env) -> PathBuf {
    sample_edited(env, "second", |tree| {
        fs::rename(tree.join("kube/mgmt-1"), tree.join("kube/mgmt-2")).unwrap();
        rewrite_all(tree);
        let resources = tree.join("db/resources.ndjson");
        let text = fs::read_to_string(&resources).unwrap();
        let kept: Vec<&str> = text.lines().skip(1).collect();
        fs::write(&resources, kept.join("\n") + "\n").unwrap();
    })
}

fn rewrite_all(dir: &Path) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rewrite_all(&path);
        } else if let Ok(text) = fs::read_to_string(&path) {
            fs::write(&path, text.replace("mgmt-1", "mgmt-2")).unwrap();
        }
    }
}

fn sha_of(env: &Env, bundle: &Path) -> String {
    let out = env.run(&[
        "sql",
        bundle.to_str().unwrap(),
        "SELECT bundle_sha256 FROM snapshot",
        "-o",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out).lines().nth(1).unwrap().to_string()
}

fn export(env: &Env, bundles: &[&Path], dir: &Path, layout: &str) -> std::process::Output {
    let mut args = vec!["export".to_string()];
    args.extend(bundles.iter().map(|b| b.to_str().unwrap().to_string()));
    args.extend([
        "--parquet".into(),
        dir.to_str().unwrap().into(),
        "--partition-by".into(),
        layout.into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = env.run(&args);
    assert_no_panic(&out);
    out
}

/// Every file of `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn sql_csv(env: &Env, dir: &Path, query: &str) -> String {
    let out = env.run(&["sql", dir.to_str().unwrap(), query, "-o", "csv"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{query}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn two_bundles_in_each_layout_answer_across_snapshots() {
    let env = Env::new();
    let first = sample_bundle();
    let second = second_bundle(&env);
    let (sha1, sha2) = (sha_of(&env, &first), sha_of(&env, &second));
    for layout in ["snapshot", "cluster", "none"] {
        let dir = env.path(&format!("fleet-{layout}"));
        let out = export(&env, &[&first, &second], &dir, layout);
        assert_eq!(out.status.code(), Some(0), "{layout}: {}", stderr(&out));
        let all = files(&dir);
        let expected = match layout {
            "snapshot" => format!("resources/_bundle={sha1}/{sha1}.parquet"),
            "cluster" => format!("objects/cluster=mgmt-2/{sha2}.parquet"),
            _ => format!("resources/{sha2}.parquet"),
        };
        assert!(
            all.contains(&expected),
            "{layout}: {expected} not in {all:?}"
        );
        assert!(all.contains(&format!("_bundles/{sha1}.parquet")));
        assert!(all.contains(&format!("_bundles/{sha2}.parquet")));
        assert!(!all.iter().any(|f| f.ends_with(".tmp")), "{all:?}");
        if layout == "cluster" {
            // A table without a cluster column is partitioned by bundle.
            assert!(
                all.contains(&format!("snapshot/_bundle={sha1}/{sha1}.parquet")),
                "{all:?}"
            );
        }

        // Resources per bundle, across both snapshots, whatever the layout.
        let per_bundle = sql_csv(
            &env,
            &dir,
            "SELECT _bundle, count(*) AS n FROM resources GROUP BY 1 ORDER BY n DESC",
        );
        assert_eq!(
            per_bundle,
            format!("_bundle,n\n{sha1},8\n{sha2},7\n"),
            "{layout}"
        );
        let clusters = sql_csv(
            &env,
            &dir,
            "SELECT DISTINCT cluster, _bundle = (SELECT min(_bundle) FROM _bundles) AS first
             FROM objects ORDER BY 1",
        );
        let lines: Vec<&str> = clusters.lines().skip(1).collect();
        assert_eq!(lines.len(), 2, "{layout}: {clusters}");
        assert!(
            lines[0].starts_with("mgmt-1,") && lines[1].starts_with("mgmt-2,"),
            "{clusters}"
        );
        let bundles = sql_csv(
            &env,
            &dir,
            "SELECT _bundle, _snapshot_at, partition_by, resources, len(clusters) AS clusters
             FROM _bundles ORDER BY resources DESC",
        );
        assert_eq!(
            bundles,
            format!(
                "_bundle,_snapshot_at,partition_by,resources,clusters\n\
                 {sha1},2026-11-21T10:00:00Z,{layout},8,2\n{sha2},2026-11-21T10:00:00Z,{layout},7,2\n"
            )
        );
        // Every row carries the bundle's facts; JSON stays JSON.
        let facts = sql_csv(
            &env,
            &dir,
            "SELECT count(*) FILTER (_snapshot_at IS NULL OR _bundle IS NULL) AS missing,
                    count(*) FILTER (_region IS DISTINCT FROM 'westus3'
                                     OR _environment IS DISTINCT FROM 'arohcpint') AS elsewhere,
                    any_value(typeof(payload)) AS payload
             FROM mw_resources",
        );
        assert_eq!(facts, "missing,elsewhere,payload\n0,0,JSON\n", "{layout}");
    }
}

#[test]
fn appending_adds_files_and_the_same_bundle_twice_is_a_no_op() {
    let env = Env::new();
    let first = sample_bundle();
    let second = second_bundle(&env);
    let dir = env.path("fleet");
    let out = export(&env, &[&first], &dir, "snapshot");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before = files(&dir);
    let stamps: Vec<_> = before
        .iter()
        .map(|f| fs::metadata(dir.join(f)).unwrap().modified().unwrap())
        .collect();

    let out = export(&env, &[&first, &second], &dir, "snapshot");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("already in"), "{}", stderr(&out));
    let after = files(&dir);
    assert!(after.len() > before.len());
    for (file, stamp) in before.iter().zip(&stamps) {
        assert!(after.contains(file));
        let now = fs::metadata(dir.join(file)).unwrap().modified().unwrap();
        assert_eq!(&now, stamp, "{file} was rewritten");
    }

    // Both again: nothing written.
    let out = export(&env, &[&first, &second], &dir, "snapshot");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out).matches("nothing to do").count(),
        2,
        "{}",
        stderr(&out)
    );
    assert_eq!(files(&dir), after);

    // What an export cut short leaves (a table directory without a file yet, a temporary)
    // is not read.
    fs::create_dir_all(dir.join("ghost/_bundle=0")).unwrap();
    fs::write(dir.join("mw_resources/.cut.parquet.1.tmp"), b"PAR1 half").unwrap();
    let counts = sql_csv(
        &env,
        &dir,
        "SELECT count(DISTINCT _bundle) AS n FROM mw_resources",
    );
    assert_eq!(counts, "n\n2\n");
    fs::remove_dir_all(dir.join("ghost")).unwrap();
    fs::remove_file(dir.join("mw_resources/.cut.parquet.1.tmp")).unwrap();

    // Another layout into the same dataset is refused.
    let out = export(&env, &[&first], &dir, "cluster");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("partitioned by snapshot"),
        "{}",
        stderr(&out)
    );
    assert_eq!(files(&dir), after);
}

#[test]
fn bundle_selection_answers_as_the_bundle_itself() {
    let env = Env::new();
    let first = sample_bundle();
    let second = second_bundle(&env);
    let sha2 = sha_of(&env, &second);
    let manifest = format!("hostedcluster/{HC_NAMESPACE}/x8y5p7r4g6j9e3v");
    for layout in ["snapshot", "cluster"] {
        let dir = env.path(&format!("fleet-{layout}"));
        let out = export(&env, &[&first, &second], &dir, layout);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let d = dir.to_str().unwrap();
        for (bundle, prefix) in [(&first, "238dfbaa"), (&second, &sha2[..12])] {
            let (code, direct) = env.trace_json(bundle, &["--manifest", &manifest]);
            let (code2, selected) =
                env.trace_json(&dir, &["--bundle", prefix, "--manifest", &manifest]);
            assert_eq!(code, code2);
            assert_eq!(
                without_paths(direct, bundle.to_str().unwrap()),
                without_paths(selected, d),
                "{layout} {prefix}"
            );

            let doctor = |args: &[&str]| -> Value {
                let out = env.run(args);
                assert_no_panic(&out);
                serde_json::from_slice(&out.stdout)
                    .unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)))
            };
            let direct = doctor(&["doctor", bundle.to_str().unwrap(), "-o", "json"]);
            let selected = doctor(&["doctor", d, "--bundle", prefix, "-o", "json"]);
            assert_eq!(
                without_paths(direct, bundle.to_str().unwrap()),
                without_paths(selected, d),
                "{layout} {prefix}"
            );
        }
    }
}

/// A report with the path given on the command line taken out.
fn without_paths(report: Value, path: &str) -> Value {
    let text = report.to_string().replace(path, "SNAPSHOT");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn bad_exports_and_bundles_are_one_error_line() {
    let env = Env::new();
    let dir = env.path("fleet");
    let out = export(&env, &[&sample_bundle()], &dir, "snapshot");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let d = dir.to_str().unwrap();
    let sample = sample_bundle();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["trace", d, "--bundle", "ffff", "--search", "x"],
            "no such bundle",
        ),
        (vec!["trace", d, "--search", "x"], "--bundle SHA"),
        (vec!["doctor", d, "--bundle", "zz"], "not a sha256"),
        (
            vec!["doctor", sample.to_str().unwrap(), "--bundle", "23"],
            "not an mwtrace export",
        ),
        (vec!["sql", d, "COPY resources TO 'x.csv'"], "refused"),
        (
            vec!["sql", d, "SELECT * FROM read_csv('/etc/passwd')"],
            "Permission Error",
        ),
    ];
    for (args, expected) in cases {
        let out = env.run(&args);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // A non-empty directory that is no export is not written into.
    let other = env.path("other");
    fs::create_dir_all(&other).unwrap();
    fs::write(other.join("notes.txt"), "mine").unwrap();
    let out = export(&env, &[&sample], &other, "snapshot");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not an mwtrace export"),
        "{}",
        stderr(&out)
    );

    // A damaged Parquet file.
    let victim = files(&dir)
        .into_iter()
        .find(|f| f.starts_with("mw_resources/"))
        .unwrap();
    fs::write(dir.join(&victim), b"PAR1 not really").unwrap();
    let out = env.run(&["sql", d, "SELECT count(*) FROM resources"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = env.run(&["doctor", d, "--bundle", "238d"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// SIGINT stops an export with exit 130: no temporary left, and the bundle is not in
/// `_bundles` (exporting it again completes it).
#[test]
fn an_interrupted_export_leaves_no_half_file() {
    let env = Env::new();
    let bundle = sample_edited(&env, "big", |tree| {
        let path = tree.join("db/resources.ndjson");
        let text = fs::read_to_string(&path).unwrap();
        let template = text.lines().next().unwrap();
        let id = serde_json::from_str::<Value>(template).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let mut out = text.clone();
        for i in 0..20_000 {
            out.push_str(&template.replace(&id, &format!("{i:08x}-a3f6-563d-9fec-{i:012x}")));
            out.push('\n');
        }
        fs::write(&path, out).unwrap();
    });
    // Loaded first: the signal lands in the export itself.
    let out = env.run(&["sql", bundle.to_str().unwrap(), "SELECT 1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dir = env.path("fleet");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mwtrace"))
        .env("XDG_CACHE_HOME", env.cache())
        .args([
            "export",
            bundle.to_str().unwrap(),
            "--parquet",
            dir.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let begun = |dir: &Path| {
        dir.is_dir()
            && files(dir)
                .iter()
                .any(|f| f.contains('/') && (f.ends_with(".parquet") || f.ends_with(".tmp")))
    };
    while !begun(&dir) {
        assert!(started.elapsed().as_secs() < 240, "export never started");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let left = files(&dir);
    assert!(!left.iter().any(|f| f.ends_with(".tmp")), "{left:?}");
    assert!(!left.iter().any(|f| f.starts_with("_bundles/")), "{left:?}");
    let out = export(&env, &[&bundle], &dir, "snapshot");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        sql_csv(&env, &dir, "SELECT count(*) AS n FROM _bundles"),
        "n\n1\n"
    );
}
