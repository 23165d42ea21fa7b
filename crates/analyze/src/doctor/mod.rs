//! `mwtrace doctor`: a catalog of rules run over the SQL schema of a loaded snapshot, each
//! finding reported with its evidence and the next step (issue 5).
//!
//! Rules are data: one SQL file per rule under `crates/analyze/src/doctor/rules/`, with its metadata in a
//! comment header (see `rule.rs`), embedded in the binary by the `RULES` list below. Adding a
//! rule is adding a file and its line in that list; no other code. Thresholds are written in
//! the rules relative to `(SELECT created_at FROM snapshot)`, so a bundle gives the same findings
//! whenever it is read.

mod model;
pub mod render;
mod rule;

use duckdb::Connection;
use serde_json::{Map, Value};

use crate::query::rows;
use crate::shell::{psql_safe, shell_word};
use crate::store::SnapshotFacts;
pub use model::*;
pub use rule::{CommandTemplate, Rule, RuleError};
use rule::{SNAPSHOT_PLACEHOLDER, Template, display_value};

/// `rule!("id")` embeds `rules/<id>.sql` with its file name.
macro_rules! rule {
    ($id:literal) => {
        (
            concat!($id, ".sql"),
            include_str!(concat!("rules/", $id, ".sql")),
        )
    };
}

/// The catalog, in the order findings of equal severity are reported: the Maestro DB first, then
/// the work layers on the management cluster, then the hosted cluster, then bookkeeping.
pub(crate) const RULES: &[(&str, &str)] = &[
    rule!("work-not-applied"),
    rule!("work-not-available"),
    rule!("work-never-applied"),
    rule!("work-spec-not-observed"),
    rule!("work-no-status"),
    rule!("work-undelivered"),
    rule!("deletion-stuck"),
    rule!("deleted-work-recreated"),
    rule!("deletion-unconfirmed"),
    rule!("delete-event-not-reconciled"),
    rule!("delete-event-stale"),
    rule!("delete-event-retired"),
    rule!("events-not-reconciled"),
    rule!("hcp-namespaces-orphaned"),
    rule!("manifestwork-not-applied"),
    rule!("manifestwork-not-available"),
    rule!("orphan-amw-layer1"),
    rule!("orphan-amw-layer2"),
    rule!("applied-resources-drift"),
    rule!("applied-uid-mismatch"),
    rule!("applied-object-missing"),
    rule!("amw-evicting"),
    rule!("object-deletion-stuck"),
    rule!("namespace-stuck-terminating"),
    rule!("creation-flow"),
    rule!("hostedcluster-unhealthy"),
    rule!("nodepool-not-ready"),
    rule!("managedcluster-unhealthy"),
    rule!("managedcluster-stuck-detaching"),
    rule!("resource-unknown-consumer"),
    rule!("no-live-server-instance"),
    rule!("server-instance-stale"),
    rule!("collection-errors"),
    rule!("log-connection-refused"),
    rule!("log-endpoint-no-scheme"),
    rule!("log-leader-election-lost"),
    rule!("log-http-5xx"),
    rule!("log-tls-errors"),
    rule!("log-timeouts"),
    rule!("log-already-exists"),
];

/// Parses the embedded catalog. It is checked by the unit tests, so this only fails on a bug.
pub fn catalog() -> Result<Vec<Rule>, RuleError> {
    let rules = RULES
        .iter()
        .map(|(file, text)| Rule::parse(file, text))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, rule) in rules.iter().enumerate() {
        if rules[..i].iter().any(|r| r.meta.id == rule.meta.id) {
            return Err(RuleError {
                file: rule.file.clone(),
                reason: format!("id {} is used twice", rule.meta.id),
            });
        }
    }
    Ok(rules)
}

/// The catalog as `--list-rules` prints it.
pub fn catalog_document(rules: &[Rule]) -> Catalog {
    Catalog {
        schema: CATALOG_SCHEMA.to_string(),
        rules: rules.iter().map(Rule::info).collect(),
    }
}

/// Where the report says the snapshot came from.
pub struct SnapshotSource<'a> {
    /// The bundle as named on the command line (filled into `{snapshot}`).
    pub path: &'a str,
    pub sha256: &'a str,
}

/// Why a rule cannot rest on the bundle: the first of `needs` that no cluster (or the DB)
/// had collected. A source collected on some clusters only lets the rule run: its query
/// checks coverage row by row.
fn unmet_need(facts: &SnapshotFacts, needs: &[String]) -> Option<String> {
    needs.iter().find_map(|need| match need.split_once('/') {
        Some(("db", table)) => facts.db_gap(table),
        Some(("kube", resource)) => facts.kind_gap(resource),
        _ => Some(format!("unknown source {need:?} in the rule's needs")),
    })
}

/// What a rule's `requires:` makes of the components the bundle recorded.
struct Gate {
    applies_to: String,
    /// Set when every recorded version is comparable and outside the range.
    skipped: Option<String>,
}

/// The rule runs unless the component's versions are all known and outside the range: a
/// version not collected (an old bundle, an image pinned by digest) or not comparable (a
/// commit) cannot prove the bug fixed.
fn version_gate(conn: &Connection, requires: &rule::Requires) -> duckdb::Result<Gate> {
    let range = requires.range();
    let wanted = requires.describe();
    let versions: Vec<(String, Option<String>)> = rows(
        conn,
        "SELECT DISTINCT cluster, version FROM components WHERE component = ?
         ORDER BY cluster, version",
        [&requires.component],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let known: Vec<(&str, &str, bool)> = versions
        .iter()
        .filter_map(|(cluster, v)| {
            let v = v.as_deref()?;
            Some((cluster.as_str(), v, range.contains(v)?))
        })
        .collect();
    let found = |list: &[(&str, &str, bool)]| {
        list.iter()
            .map(|(cluster, v, _)| format!("{v} on {cluster}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if known.is_empty() || known.len() < versions.len() {
        let unknown = if versions.is_empty() {
            "version not collected".to_string()
        } else {
            let tags: Vec<&str> = versions
                .iter()
                .filter(|(_, v)| v.as_deref().is_none_or(|v| range.contains(v).is_none()))
                .map(|(_, v)| v.as_deref().unwrap_or("pinned by digest"))
                .collect();
            format!("version not known ({})", tags.join(", "))
        };
        return Ok(Gate {
            applies_to: format!("applies to {wanted}; {unknown}"),
            skipped: None,
        });
    }
    let applies_to = format!("applies to {wanted}; found {}", found(&known));
    let skipped = known
        .iter()
        .all(|(_, _, inside)| !inside)
        .then(|| format!("{} is outside {wanted}", found(&known)));
    Ok(Gate {
        applies_to,
        skipped,
    })
}

/// Runs every rule. A rule whose query fails is reported in `rules[].error` and the others still
/// run; only failing to read the snapshot's own facts is an error.
pub fn run(
    conn: &Connection,
    rules: &[Rule],
    source: &SnapshotSource<'_>,
) -> duckdb::Result<DoctorReport> {
    let env = Env::read(conn, source.path)?;
    let mut findings = Vec::new();
    let mut results = Vec::new();
    for rule in rules {
        let mut skipped = unmet_need(&env.ctx, &rule.meta.needs);
        let mut applies_to = None;
        if let (None, Some(requires)) = (&skipped, &rule.meta.requires) {
            let gate = version_gate(conn, requires)?;
            applies_to = Some(gate.applies_to);
            skipped = gate.skipped;
        }
        let outcome = match &skipped {
            Some(_) => Ok(Vec::new()),
            None => run_rule(conn, &env, rule),
        };
        let (count, error) = match outcome {
            Ok(mut found) => {
                let count = found.len();
                findings.append(&mut found);
                (count, None)
            }
            Err(e) => (0, Some(e)),
        };
        results.push(RuleResult {
            id: rule.meta.id.clone(),
            severity: rule.meta.severity,
            title: rule.meta.title.clone(),
            explanation: rule.meta.explanation.trim().to_string(),
            next_step: rule.meta.next_step.trim().to_string(),
            findings: count,
            error,
            skipped,
            applies_to,
        });
    }
    // Stable: catalog order and row order are kept within a severity.
    findings.sort_by_key(|f: &Finding| std::cmp::Reverse(f.severity));
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let mut summary = Summary {
        line: String::new(),
        rules: rules.len(),
        critical: count(Severity::Critical),
        warning: count(Severity::Warning),
        info: count(Severity::Info),
        failed_rules: results.iter().filter(|r| r.error.is_some()).count(),
    };
    summary.line = summary_line(&summary, env.ctx.created_at.as_deref());
    Ok(DoctorReport {
        schema: SCHEMA.to_string(),
        snapshot: SnapshotRef {
            path: source.path.to_string(),
            sha256: source.sha256.to_string(),
            created_at: env.ctx.created_at.clone(),
        },
        summary,
        findings,
        rules: results,
    })
}

/// A column's value in a finding's message: an age (an INTERVAL, `03:12:00`, which reads like
/// a time of day) as people say it, `3h12m`; any other value as `display_value` shows it.
fn message_value(column: &str, value: &Value) -> String {
    match value.as_str().and_then(crate::human::parse_interval) {
        Some(age) if matches!(column, "age" | "waited") => crate::human::short_age(age),
        _ => display_value(value),
    }
}

/// Which findings a report keeps: `doctor --rule`, `--severity`, `--cluster-id`.
#[derive(Debug, Default, Clone)]
pub struct FindingFilter {
    /// Rule ids; empty keeps every rule.
    pub rules: Vec<String>,
    /// The least severity kept.
    pub min_severity: Option<Severity>,
    /// A CS cluster id: findings whose evidence names it (its `cid`, or a namespace or name
    /// that holds it, as `ocm-<env>-<cid>` does).
    pub cluster_id: Option<String>,
}

impl FindingFilter {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.min_severity.is_none() && self.cluster_id.is_none()
    }

    pub fn keeps(&self, finding: &Finding) -> bool {
        (self.rules.is_empty() || self.rules.contains(&finding.rule))
            && self.min_severity.is_none_or(|min| finding.severity >= min)
            && self.cluster_id.as_deref().is_none_or(|cid| {
                finding
                    .evidence
                    .values()
                    .any(|v| v.as_str().is_some_and(|text| text.contains(cid)))
            })
    }
}

/// Keeps the findings `filter` selects; the summary counts what is kept and says how many
/// were left out. Rule ids that are not in the catalog are an error (a typo would otherwise
/// read as "no findings").
pub fn filter(report: &mut DoctorReport, filter: &FindingFilter) -> Result<(), String> {
    if let Some(unknown) = filter
        .rules
        .iter()
        .find(|id| !report.rules.iter().any(|r| &r.id == *id))
    {
        return Err(format!(
            "--rule {unknown}: no such rule (mwtrace doctor --list-rules lists them)"
        ));
    }
    if filter.is_empty() {
        return Ok(());
    }
    let before = report.findings.len();
    report.findings.retain(|f| filter.keeps(f));
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    report.summary.critical = count(Severity::Critical);
    report.summary.warning = count(Severity::Warning);
    report.summary.info = count(Severity::Info);
    report.summary.line = format!(
        "{} ({} of {before} findings match the filters)",
        summary_line(&report.summary, report.snapshot.created_at.as_deref()),
        report.findings.len()
    );
    Ok(())
}

/// The worst severity among the findings, if any.
pub fn worst(report: &DoctorReport) -> Option<Severity> {
    report.findings.iter().map(|f| f.severity).max()
}

fn summary_line(s: &Summary, created_at: Option<&str>) -> String {
    let at = created_at.unwrap_or("unknown time");
    let failed = match s.failed_rules {
        0 => String::new(),
        n => format!("; {n} rules FAILED to run"),
    };
    if s.critical + s.warning + s.info == 0 {
        return format!(
            "No findings: {} rules pass on the snapshot of {at}{failed}",
            s.rules
        );
    }
    format!(
        "{} critical, {} warning, {} info from {} rules on the snapshot of {at}{failed}",
        s.critical, s.warning, s.info, s.rules
    )
}

/// What filling the templates needs.
struct Env {
    ctx: SnapshotFacts,
    path: String,
    /// The management cluster when there is exactly one: the default `cluster` of a finding.
    single_management: Option<String>,
}

impl Env {
    fn read(conn: &Connection, path: &str) -> duckdb::Result<Env> {
        let ctx = SnapshotFacts::read(conn)?;
        let management: Vec<String> = rows(
            conn,
            "SELECT name FROM clusters WHERE role = 'management' ORDER BY name",
            [],
            |r| r.get(0),
        )?;
        Ok(Env {
            single_management: (management.len() == 1).then(|| management[0].clone()),
            ctx,
            path: path.to_string(),
        })
    }
}

fn run_rule(conn: &Connection, env: &Env, rule: &Rule) -> Result<Vec<Finding>, String> {
    let columns = rows(
        conn,
        &format!("DESCRIBE SELECT * FROM ({}) AS finding", rule.sql),
        [],
        |r| r.get::<_, String>(0),
    )
    .map_err(|e| one_line(&e.to_string()))?;
    let missing: Vec<String> = rule
        .required_columns()
        .into_iter()
        .filter(|c| !columns.contains(c))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the query returns no column {} (used by the message, evidence or commands)",
            missing.join(", ")
        ));
    }
    let json_rows = rows(
        conn,
        &format!(
            "SELECT CAST(to_json(finding) AS VARCHAR) FROM ({}) AS finding",
            rule.sql
        ),
        [],
        |r| r.get::<_, String>(0),
    )
    .map_err(|e| one_line(&e.to_string()))?;
    let message = Template::parse(&rule.meta.message).expect("checked when parsed");
    let commands: Vec<(&CommandTemplate, Template<'_>)> = rule
        .meta
        .commands
        .iter()
        .map(|c| {
            (
                c,
                Template::parse(c.template()).expect("checked when parsed"),
            )
        })
        .collect();
    let mut findings = Vec::new();
    for text in json_rows {
        let row: Map<String, Value> =
            serde_json::from_str(&text).map_err(|e| format!("a row is not a JSON object ({e})"))?;
        let evidence: Map<String, Value> = rule
            .meta
            .evidence
            .iter()
            .map(|c| (c.clone(), row.get(c).cloned().unwrap_or(Value::Null)))
            .collect();
        let message = message
            .fill(|c| Some(message_value(c, row.get(c).unwrap_or(&Value::Null))))
            .unwrap_or_default();
        let next_steps = commands
            .iter()
            .filter_map(|(command, template)| fill_command(env, &row, command, template))
            .collect();
        findings.push(Finding {
            rule: rule.meta.id.clone(),
            severity: rule.meta.severity,
            title: rule.meta.title.clone(),
            message: one_line(&message),
            evidence,
            next_steps,
        });
    }
    Ok(findings)
}

/// A command of a finding, or None when a value it needs is NULL (or unsafe inside psql).
fn fill_command(
    env: &Env,
    row: &Map<String, Value>,
    command: &CommandTemplate,
    template: &Template<'_>,
) -> Option<String> {
    let text = |column: &str| -> Option<String> {
        if column == SNAPSHOT_PLACEHOLDER {
            return Some(env.path.clone());
        }
        match row.get(column)? {
            Value::Null => None,
            value => Some(display_value(value)),
        }
    };
    match command {
        CommandTemplate::Psql(_) => {
            let sql = template.fill(|c| text(c).filter(|v| psql_safe(v)))?;
            Some(env.ctx.psql(&sql))
        }
        CommandTemplate::Kubectl(_) => {
            let args = template.fill(|c| text(c).map(|v| shell_word(&v)))?;
            let cluster = match row.get("cluster") {
                Some(Value::String(c)) => Some(c.clone()),
                _ => env.single_management.clone(),
            };
            let kubectl = match cluster {
                Some(c) => env.ctx.kubectl(&c),
                None => "kubectl".to_string(),
            };
            Some(format!("{kubectl} {args}"))
        }
        CommandTemplate::KubectlService(_) => {
            let args = template.fill(|c| text(c).map(|v| shell_word(&v)))?;
            Some(format!("{} {args}", env.ctx.service_kubectl()))
        }
        CommandTemplate::Mwtrace(_) => {
            let args = template.fill(|c| text(c).map(|v| shell_word(&v)))?;
            Some(format!("mwtrace {args}"))
        }
    }
}

/// Newlines inside cluster messages would break the one-line layout.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalog_parses() {
        let rules = catalog().expect("every rule parses");
        assert_eq!(rules.len(), RULES.len());
        for rule in &rules {
            for clock in ["now()", "current_timestamp", "current_date", "today()"] {
                assert!(
                    !rule.sql.to_lowercase().contains(clock),
                    "{}: uses the reader's clock ({clock}); use (SELECT created_at FROM snapshot)",
                    rule.meta.id
                );
            }
        }
    }

    #[test]
    fn every_rule_file_is_in_the_list() {
        let dir =
            std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo test"))
                .join("src/doctor/rules");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let mut listed: Vec<String> = RULES.iter().map(|(f, _)| f.to_string()).collect();
        listed.sort();
        assert_eq!(
            files, listed,
            "add each rule file to RULES in src/doctor/mod.rs"
        );
    }

    /// The smallest database `run` needs: the snapshot time, the clusters, the one macro.
    fn test_db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE MACRO mw_rfc3339(t) AS strftime(t, '%Y-%m-%dT%H:%M:%SZ');
             CREATE TABLE snapshot AS SELECT TIMESTAMP '2026-11-21 10:00:00' AS created_at;
             CREATE TABLE clusters (name VARCHAR, role VARCHAR, context VARCHAR, server VARCHAR);
             INSERT INTO clusters VALUES ('svc-1', 'service', 'svc-ctx', NULL),
                                         ('mgmt-1', 'management', 'mgmt-ctx', NULL);
             CREATE TABLE coverage (source VARCHAR, cluster VARCHAR, api_group VARCHAR,
                                    resource VARCHAR, collected BOOLEAN, detail VARCHAR);
             CREATE TABLE consumer_clusters (consumer VARCHAR, cluster VARCHAR, evidence VARCHAR);",
        )
        .unwrap();
        conn
    }

    const HEADER: &str = "\
-- id: ID
-- severity: warning
-- title: T
-- explanation: E
-- next_step: N
-- commands:
--   - kubectl: get cm {name}
--   - psql: SELECT 1 WHERE x = '{name}'
--   - mwtrace: trace {snapshot} --search {name}
-- message: \"{name} is {state}\"
-- evidence: [name, state]
";

    fn test_rule(id: &str, sql: &str) -> Rule {
        let text = format!("{}{sql}", HEADER.replace("ID", id));
        Rule::parse(&format!("{id}.sql"), &text).unwrap()
    }

    #[test]
    fn runs_rules_fills_templates_and_isolates_failures() {
        let conn = test_db();
        let rules = [
            test_rule(
                "good",
                "SELECT * FROM (VALUES ('ok-name', NULL), ('it''s bad', 'x')) t(name, state)",
            ),
            test_rule("lacks-state", "SELECT 'a' AS name"),
            test_rule("broken", "SELECT name, state FROM no_such_table"),
        ];
        let source = SnapshotSource {
            path: "my snap.tar.zst",
            sha256: "abc",
        };
        let report = run(&conn, &rules, &source).unwrap();
        assert_eq!(
            report.snapshot.created_at.as_deref(),
            Some("2026-11-21T10:00:00Z")
        );
        assert_eq!(report.findings.len(), 2);
        let first = &report.findings[0];
        assert_eq!(first.message, "ok-name is -");
        assert_eq!(first.evidence["state"], Value::Null);
        assert_eq!(
            first.next_steps,
            vec![
                "kubectl --context mgmt-ctx get cm ok-name".to_string(),
                "kubectl --context svc-ctx -n maestro exec -i $(kubectl --context svc-ctx -n maestro get pods -l name=maestro-db -o name | head -1) -- psql -U maestro -d maestro -c \"SELECT 1 WHERE x = 'ok-name'\"".to_string(),
                "mwtrace trace 'my snap.tar.zst' --search ok-name".to_string(),
            ]
        );
        // A value with a quote is shell-quoted for kubectl and never put inside psql's SQL.
        let second = &report.findings[1];
        assert_eq!(second.message, "it's bad is x");
        assert_eq!(
            second.next_steps,
            vec![
                r"kubectl --context mgmt-ctx get cm 'it'\''s bad'".to_string(),
                r"mwtrace trace 'my snap.tar.zst' --search 'it'\''s bad'".to_string(),
            ]
        );
        let errors: Vec<(&str, &str)> = report
            .rules
            .iter()
            .filter_map(|r| r.error.as_deref().map(|e| (r.id.as_str(), e)))
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].0, "lacks-state");
        assert!(
            errors[0].1.contains("returns no column state"),
            "{errors:?}"
        );
        assert_eq!(errors[1].0, "broken");
        assert!(errors[1].1.contains("no_such_table"), "{errors:?}");
        assert_eq!(report.summary.failed_rules, 2);
        assert_eq!(worst(&report), Some(Severity::Warning));
    }

    #[test]
    fn summary_lines() {
        let mut s = Summary {
            line: String::new(),
            rules: 3,
            critical: 0,
            warning: 0,
            info: 0,
            failed_rules: 0,
        };
        assert_eq!(
            summary_line(&s, Some("2026-11-21T10:00:00Z")),
            "No findings: 3 rules pass on the snapshot of 2026-11-21T10:00:00Z"
        );
        s.critical = 1;
        s.info = 2;
        s.failed_rules = 1;
        assert_eq!(
            summary_line(&s, None),
            "1 critical, 0 warning, 2 info from 3 rules on the snapshot of unknown time; 1 rules FAILED to run"
        );
    }
}
