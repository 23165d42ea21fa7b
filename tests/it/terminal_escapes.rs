//! Text from a crafted bundle cannot drive the terminal (issue 16): escape sequences, bells and
//! line breaks in condition messages and log lines are shown as visible escapes in every text
//! report, and kept exact in JSON.

use serde_json::Value;

use crate::common::*;

/// Clears the screen, plants an OSC 8 hyperlink, rings the bell, then fakes a new report line.
const HOSTILE: &str =
    "\u{1b}[2J\u{1b}]8;;https://evil.example/\u{7}click\u{1b}]8;;\u{7}\nStatus: all healthy";

/// The sample bundle with `HOSTILE` in the hosted-cluster bundle's DB condition messages and in an
/// agent log line about the same work.
fn hostile_bundle(env: &Env) -> std::path::PathBuf {
    let tree = env.path("hostile");
    copy_tree(&repo().join("testdata/logs-bundle"), &tree);
    copy_tree(&repo().join("testdata/logs"), &tree.join("logs"));
    let resources = tree.join("db/resources.ndjson");
    let text = std::fs::read_to_string(&resources).unwrap();
    let mut lines = Vec::new();
    for line in text.lines() {
        let mut row: Value = serde_json::from_str(line).unwrap();
        if let Some(conditions) = row["status"]["data"]["conditions"].as_array_mut() {
            for c in conditions {
                c["message"] = Value::from(HOSTILE);
            }
        }
        lines.push(row.to_string());
    }
    std::fs::write(&resources, lines.join("\n") + "\n").unwrap();
    let log = tree.join("logs/mgmt-1/maestro/maestro-agent-5d8f9c7b6-x2v4n/maestro-agent.log");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(&format!(
        "2026-11-21T09:20:07.000000000Z E1121 09:20:07.000000       1 controller.go:1] {}\n",
        serde_json::to_string(HOSTILE)
            .unwrap()
            .replace("\\u001b", "\u{1b}")
            .replace("\\u0007", "\u{7}")
    ));
    std::fs::write(&log, text).unwrap();
    pack_tree(env, &tree, "hostile")
}

fn assert_inert(what: &str, text: &str) {
    assert!(
        !text.chars().any(|c| c == '\u{1b}' || c == '\u{7}'),
        "{what} printed a raw escape sequence:\n{text}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("Status: all healthy")),
        "{what} let a line break from data start a line of its own:\n{text}"
    );
}

#[test]
fn escape_sequences_from_data_are_shown_not_obeyed() {
    let env = Env::new();
    let bundle = hostile_bundle(&env);
    let path = bundle.to_str().unwrap();

    let (_, json) = env.trace_json(&bundle, &["--resource-id", R2_HCP]);
    let conditions = json.to_string();
    assert!(
        conditions.contains(&serde_json::to_string(HOSTILE).unwrap()),
        "JSON keeps the value exact: {conditions}"
    );

    let trace = env.run(&["trace", path, "--resource-id", R2_HCP]);
    let text = stdout(&trace);
    assert_inert("trace", &text);
    assert!(
        text.contains("\\u{1b}[2J\\u{1b}]8;;https://evil.example/\\u{7}click"),
        "{text}"
    );
    assert!(text.contains("\\nStatus: all healthy"), "{text}");

    let yaml = env.run(&["trace", path, "--resource-id", R2_HCP, "-o", "yaml"]);
    let text = stdout(&yaml);
    assert!(
        !text.contains('\u{1b}'),
        "YAML escapes control characters:\n{text}"
    );
    let parsed: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(
        parsed["works"], json["works"],
        "YAML reads back as the JSON report"
    );

    let doctor = env.run(&["doctor", path]);
    assert_inert("doctor", &stdout(&doctor));

    let logs = env.run(&["logs", path, "--level", "error"]);
    let text = stdout(&logs);
    assert_inert("logs", &text);
    assert!(
        text.contains("\\u{1b}[2J"),
        "the hostile log line is listed: {text}"
    );
}

#[test]
fn colored_output_still_escapes_sequences_from_data() {
    let env = Env::new();
    let bundle = hostile_bundle(&env);
    let path = bundle.to_str().unwrap();
    // Only SGR color codes are ours; the data's screen clear, hyperlink and bell are shown.
    let ours = regex::Regex::new("\u{1b}\\[[0-9;]*m").unwrap();
    for args in [
        vec!["trace", path, "--resource-id", R2_HCP, "--color", "always"],
        vec!["doctor", path, "--color", "always"],
        vec!["logs", path, "--level", "error", "--color", "always"],
    ] {
        let text = stdout(&env.run(&args));
        let rest = ours.replace_all(&text, "");
        assert!(
            !rest.contains('\u{1b}') && !rest.contains('\u{7}'),
            "{args:?}: {rest}"
        );
    }
}
