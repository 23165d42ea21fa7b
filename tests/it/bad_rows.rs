//! Bad rows are rows, not bundle failures (issue #16, items 4 and 6): a condition without type, a
//! row without id and a value of the wrong type are loaded and traced around, each named in
//! `load_issues` (and by `info`) with its bundle file and line; a log bomb is cut at the load's
//! line caps, and `info`, `logs` and `trace --logs` say so.

use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// Rewrites the NDJSON file `path`: `edit` gets each row and its 1-based line.
fn edit_rows(path: &Path, mut edit: impl FnMut(&mut Value, usize)) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut row: Value = serde_json::from_str(line).unwrap();
        edit(&mut row, i + 1);
        out.push_str(&row.to_string());
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

/// The 1-based line of the row with `id` in the sample's resources dump.
fn line_of(id: &str) -> usize {
    let text = std::fs::read_to_string(repo().join("testdata/sample/db/resources.ndjson")).unwrap();
    text.lines().position(|l| l.contains(id)).unwrap() + 1
}

fn info_json(env: &Env, bundle: &Path) -> Value {
    let out = env.run(&["info", bundle.to_str().unwrap(), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sql_csv(env: &Env, bundle: &Path, query: &str) -> String {
    let out = env.run(&["sql", bundle.to_str().unwrap(), query, "-o", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn conditions_without_type_trace_with_an_empty_type() {
    let env = Env::new();
    let bundle = sample_edited(&env, "untyped", |tree| {
        edit_rows(&tree.join("db/resources.ndjson"), |row, _| {
            if row["id"] == R1_HEALTHY {
                let c = &mut row["status"]["data"]["conditions"][0];
                c.as_object_mut().unwrap().remove("type");
            }
        });
        let hcs = tree.join("kube/mgmt-1/hypershift.openshift.io/v1beta1/hostedclusters.ndjson");
        edit_rows(&hcs, |object, line| {
            if line == 1 {
                let c = &mut object["status"]["conditions"][0];
                c.as_object_mut().unwrap().remove("type");
            }
        });
    });
    // Not loaded yet: info does not pretend to know.
    let text = stdout(&env.run(&["info", bundle.to_str().unwrap()]));
    assert!(text.contains("Load issues: not known"), "{text}");

    let (code, report) = env.trace_json(&bundle, &["--resource-id", R1_HEALTHY]);
    assert_eq!(code, 0, "{report}");
    let conditions = report["works"][0]["conditions"].as_array().unwrap();
    assert!(conditions.iter().any(|c| c["type"] == ""), "{report}");
    assert!(
        conditions.iter().any(|c| c["type"] == "Available"),
        "{report}"
    );

    let (_, report) = env.trace_json(&bundle, &["--cluster-id", CID]);
    let hosted = &report["cluster"]["hosted_clusters"][0];
    assert!(
        hosted["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == ""),
        "{report}"
    );
    // Text output too.
    let out = env.run(&["trace", bundle.to_str().unwrap(), "--cluster-id", CID]);
    assert_no_panic(&out);
    assert!(stdout(&out).contains("HostedClusters"), "{}", stderr(&out));

    let info = info_json(&env, &bundle);
    let issues = info["load_issues"].as_array().unwrap();
    let of = |file: &str| issues.iter().find(|i| i["file"] == file).cloned();
    let db = of("db/resources.ndjson").expect("db issue");
    assert_eq!(db["kind"], "condition_without_type");
    assert_eq!(db["first_line"], line_of(R1_HEALTHY) as u64);
    let kube = of("kube/mgmt-1/hypershift.openshift.io/v1beta1/hostedclusters.ndjson")
        .expect("kube issue");
    assert_eq!(kube["kind"], "condition_without_type");
    assert_eq!(kube["first_line"], 1);
}

#[test]
fn a_row_without_id_and_a_value_of_the_wrong_type_load_and_are_counted() {
    let env = Env::new();
    let bundle = sample_edited(&env, "bad-rows", |tree| {
        edit_rows(&tree.join("db/resources.ndjson"), |row, _| {
            if row["id"] == R3_FAILING {
                row["id"] = Value::Null;
            } else if row["id"] == R5_STUCK {
                row["version"] = "seven".into();
            }
        });
    });
    // The other rows trace.
    let (code, report) = env.trace_json(&bundle, &["--resource-id", R1_HEALTHY]);
    assert_eq!(code, 0, "{report}");
    let (code, report) = env.trace_json(&bundle, &["--resource-id", R5_STUCK]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["works"][0]["version"], Value::Null, "{report}");
    let (_, report) = env.trace_json(&bundle, &["--cluster-id", CID]);
    assert!(report["cluster"].is_object(), "{report}");
    // The row without id is kept in resources, out of the id-keyed tables.
    assert_eq!(
        sql_csv(
            &env,
            &bundle,
            "SELECT count(*) AS n, count(id) AS with_id FROM resources"
        ),
        "n,with_id\n8,7\n"
    );
    assert_eq!(
        sql_csv(
            &env,
            &bundle,
            "SELECT count(*) AS n FROM work_traces WHERE id IS NULL"
        ),
        "n\n0\n"
    );
    assert_eq!(
        sql_csv(
            &env,
            &bundle,
            "SELECT file, line, kind FROM load_issues ORDER BY line"
        ),
        format!(
            "file,line,kind\ndb/resources.ndjson,{},no_id\ndb/resources.ndjson,{},wrong_type\n",
            line_of(R3_FAILING),
            line_of(R5_STUCK)
        )
    );
    let text = stdout(&env.run(&["info", bundle.to_str().unwrap()]));
    assert!(
        text.contains(&format!(
            "first at line {}: row without id",
            line_of(R3_FAILING)
        )),
        "{text}"
    );
    assert!(
        text.contains("version: \"seven\" is not an integer"),
        "{text}"
    );
    let info = info_json(&env, &bundle);
    let counts: u64 = info["load_issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counts, 2, "{info}");
    // A good bundle has none.
    let sample = sample_bundle();
    env.run(&["sql", sample.to_str().unwrap(), "SELECT 1"]);
    let text = stdout(&env.run(&["info", sample.to_str().unwrap()]));
    assert!(text.contains("Load issues: none"), "{text}");
}

#[test]
fn a_log_bomb_is_cut_at_the_line_caps_and_every_answer_says_so() {
    let env = Env::new();
    // 2-byte lines: 300,000 of them pack into a few KB.
    let bomb = "x\n".repeat(300_000);
    let bundle = sample_edited(&env, "log-bomb", |tree| {
        let pods = tree.join("logs/mgmt-1/maestro");
        for pod in ["maestro-6d5f7-abcde", "maestro-agent-6d5f7-vwxyz"] {
            std::fs::create_dir_all(pods.join(pod)).unwrap();
            std::fs::write(pods.join(pod).join("service.log"), &bomb).unwrap();
        }
    });
    assert!(
        std::fs::metadata(&bundle).unwrap().len() < 200_000,
        "not a bomb"
    );
    let out = env
        .cmd()
        .env("MWTRACE_MAX_LOG_LINES_PER_FILE", "100000")
        .env("MWTRACE_MAX_LOG_LINES", "150000")
        .args([
            "sql",
            bundle.to_str().unwrap(),
            "SELECT pod, max(line) AS last FROM logs GROUP BY pod ORDER BY pod",
            "-o",
            "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Bundle order: the server's file first, cut by the per-file cap; the agent's by the
    // bundle's.
    assert_eq!(
        stdout(&out),
        "pod,last\nmaestro-6d5f7-abcde,100000\nmaestro-agent-6d5f7-vwxyz,50000\n"
    );
    let info = info_json(&env, &bundle);
    let cut: Vec<&Value> = info["load_issues"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "log_truncated")
        .collect();
    assert_eq!(cut.len(), 2, "{info}");
    assert_eq!(cut[0]["first_line"], 100_001);
    let problem = cut[0]["first_problem"].as_str().unwrap();
    assert!(
        problem.contains("first 100000 of 300000 lines")
            && problem.contains("MWTRACE_MAX_LOG_LINES_PER_FILE"),
        "{problem}"
    );
    assert!(
        cut[1]["first_problem"]
            .as_str()
            .unwrap()
            .contains("raise MWTRACE_MAX_LOG_LINES)"),
        "{info}"
    );
    // `logs` says the files were cut, whether or not an entry matches.
    let out = env.run(&["logs", bundle.to_str().unwrap(), "--limit", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("2 log files were cut at load"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["logs", bundle.to_str().unwrap(), "--grep", "no-such-text"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("entries past the cut are not shown"),
        "{}",
        stderr(&out)
    );
    // `trace --logs` does not call a missing stage absent.
    let (_, report) = env.trace_json(&bundle, &["--resource-id", R1_HEALTHY, "--logs"]);
    let logs = &report["works"][0]["logs"];
    let logs = if logs.is_null() {
        &report["logs"]
    } else {
        logs
    };
    assert_eq!(
        logs["truncated_files"].as_array().unwrap().len(),
        2,
        "{report}"
    );
    assert!(
        logs["verdict"].as_str().unwrap().contains("cut at load"),
        "{report}"
    );
}
