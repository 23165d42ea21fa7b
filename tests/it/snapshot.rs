//! Reading back what `mwtrace collect` wrote, independently of mwtrace's own reader: the tests
//! decompress the bundle with the zstd and tar crates and look at every byte, so a check such as
//! "no secret anywhere" cannot be fooled by a bug shared with the reader under test.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use serde_json::Value;

use crate::common::*;

/// Every entry of a bundle, in order: (path, content).
pub fn entries(bundle: &Path) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(bundle).unwrap_or_else(|e| panic!("{}: {e}", bundle.display()));
    let decoder = zstd::Decoder::new(file).expect("zstd stream");
    let mut archive = tar::Archive::new(decoder);
    let mut out = Vec::new();
    for entry in archive.entries().expect("tar entries") {
        let mut entry = entry.expect("tar entry");
        let path = entry
            .path()
            .expect("entry path")
            .to_string_lossy()
            .into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("entry content");
        out.push((path, content));
    }
    out
}

/// The bundle's files by path.
pub fn files(bundle: &Path) -> BTreeMap<String, Vec<u8>> {
    entries(bundle).into_iter().collect()
}

pub fn manifest(bundle: &Path) -> Value {
    let (path, content) = entries(bundle).into_iter().next().expect("an entry");
    assert_eq!(
        path, "manifest.json",
        "manifest.json must be the first entry"
    );
    serde_json::from_slice(&content).expect("manifest.json is JSON")
}

/// The rows of one NDJSON file of the bundle; `None` when the bundle has no such file.
pub fn rows(files: &BTreeMap<String, Vec<u8>>, path: &str) -> Option<Vec<Value>> {
    let content = files.get(path)?;
    Some(
        std::str::from_utf8(content)
            .expect("UTF-8 NDJSON")
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: {e}: {l}")))
            .collect(),
    )
}

/// JSON text with object keys sorted at every level: equal values give equal text, so rows
/// can be compared as sorted lists (multisets) whatever their key order.
pub fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&map[k])))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// Rows as a sorted list of canonical texts.
pub fn multiset(rows: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = rows.iter().map(canonical).collect();
    out.sort();
    out
}

/// Runs `mwtrace collect ARGS -o bundle` with a bound on its run time, without proxies or a
/// default kubeconfig leaking in from the environment.
pub fn collect(env: &Env, bundle: &Path, args: &[&str]) -> Output {
    let mut cmd = env.cmd();
    cmd.arg("collect").args(args).arg("--out").arg(bundle);
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("KUBECONFIG", env.path("no-default-kubeconfig"));
    cmd.timeout(Duration::from_secs(180));
    let out = cmd.output().expect("run mwtrace collect");
    assert_no_panic(&out);
    out
}

/// `mwtrace sql BUNDLE QUERY -o csv`, asserting success.
pub fn sql_csv(env: &Env, bundle: &Path, query: &str) -> String {
    let out = env.run(&["sql", bundle.to_str().unwrap(), query, "-o", "csv"]);
    assert_eq!(out.status.code(), Some(0), "sql {query}: {}", stderr(&out));
    stdout(&out)
}

/// The single value of a one-row, one-column CSV result.
pub fn sql_value(env: &Env, bundle: &Path, query: &str) -> String {
    let csv = sql_csv(env, bundle, query);
    let mut lines = csv.lines();
    lines.next().expect("CSV header");
    lines.next().unwrap_or("").to_string()
}
