//! Text output of `mwtrace doctor`: the one-line summary first, then the findings grouped by
//! severity (critical, warning, info) and by rule; each rule's explanation and next step once,
//! then each finding with its evidence and the commands to run.

use std::fmt::Write;

use super::model::*;
use super::rule::display_value;
use crate::human::{parse_interval, short_age};
use crate::terminal::escape_line;

const WIDTH: usize = 100;

fn marker(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "✗",
        Severity::Warning => "⚠",
        Severity::Info => "ℹ",
    }
}

/// The whole report: the summary line, one line per finding, then each finding's details.
pub fn report(report: &DoctorReport) -> String {
    let mut out = brief(report);
    for severity in [Severity::Critical, Severity::Warning, Severity::Info] {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if findings.is_empty() {
            continue;
        }
        let heading = format!("{} ({})", severity.as_str().to_uppercase(), findings.len());
        let _ = writeln!(out, "\n{heading}\n{}", "═".repeat(heading.chars().count()));
        for rule in report.rules.iter().filter(|r| r.severity == severity) {
            let of_rule: Vec<&&Finding> = findings.iter().filter(|f| f.rule == rule.id).collect();
            if of_rule.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{} {}: {}", marker(severity), rule.id, rule.title);
            if let Some(applies) = &rule.applies_to {
                let _ = writeln!(out, "  {}", escape_line(applies));
            }
            wrap(&mut out, "  why:  ", &rule.explanation);
            wrap(&mut out, "  next: ", &rule.next_step);
            for finding in of_rule {
                finding_block(&mut out, finding);
            }
        }
    }
    not_run(&mut out, report);
    out
}

/// `doctor --brief`: the summary line and one line per finding (severity, rule, object, age),
/// and the rules that did not run.
pub fn brief_report(report: &DoctorReport) -> String {
    let mut out = brief(report);
    not_run(&mut out, report);
    out
}

fn brief(report: &DoctorReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", report.summary.line);
    if report.findings.is_empty() {
        return out;
    }
    let rule_width = report
        .findings
        .iter()
        .map(|f| f.rule.chars().count())
        .max()
        .unwrap_or(4);
    let _ = writeln!(
        out,
        "\n  {:<10}  {:<rule_width$}  {:>6}  OBJECT",
        "SEVERITY", "RULE", "AGE"
    );
    for f in &report.findings {
        let age = f
            .evidence
            .get("age")
            .and_then(|v| v.as_str())
            .and_then(parse_interval)
            .map(short_age)
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "  {} {:<8}  {:<rule_width$}  {age:>6}  {}",
            marker(f.severity),
            f.severity.as_str(),
            f.rule,
            escape_line(&object(f))
        );
    }
    out
}

/// What a finding is about, from its evidence: the Maestro resource, the object, the
/// AppliedManifestWork, the pod...; the message when none of these is there.
fn object(f: &Finding) -> String {
    let text = |key: &str| {
        f.evidence
            .get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    if let Some(id) = text("resource_id") {
        return match text("work_name") {
            Some(work) => format!("resource {id} ({work})"),
            None => format!("resource {id}"),
        };
    }
    if let (Some(ns), Some(pod), Some(container)) =
        (text("namespace"), text("pod"), text("container"))
    {
        return format!("pod {ns}/{pod} {container}");
    }
    if let Some(name) = text("name") {
        let kind = text("kind").unwrap_or("");
        return match text("namespace") {
            Some(ns) => format!("{kind} {ns}/{name}").trim_start().to_string(),
            None => format!("{kind} {name}").trim_start().to_string(),
        };
    }
    for key in [
        "object", "amw_name", "instance", "consumer", "source", "cid",
    ] {
        if let Some(value) = text(key) {
            return format!("{} {value}", key.replace('_', " "));
        }
    }
    f.message.clone()
}

/// The rules that failed or were skipped: the report says what it could not check.
fn not_run(out: &mut String, report: &DoctorReport) {
    rule_list(out, "RULES THAT FAILED TO RUN", report, |r| {
        r.error.as_deref()
    });
    rule_list(
        out,
        "RULES SKIPPED: A SOURCE THEY NEED WAS NOT COLLECTED",
        report,
        |r| r.skipped.as_deref().filter(|_| r.applies_to.is_none()),
    );
    rule_list(
        out,
        "RULES SKIPPED: THE COMPONENT VERSION IS OUTSIDE THEIR RANGE",
        report,
        |r| r.skipped.as_deref().filter(|_| r.applies_to.is_some()),
    );
}

/// The rules for which `why` says something, under `heading`, one line each.
fn rule_list(
    out: &mut String,
    heading: &str,
    report: &DoctorReport,
    why: impl Fn(&RuleResult) -> Option<&str>,
) {
    let listed: Vec<(&str, &str)> = report
        .rules
        .iter()
        .filter_map(|r| why(r).map(|text| (r.id.as_str(), text)))
        .collect();
    if listed.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{heading} ({})", listed.len());
    for (id, text) in listed {
        let _ = writeln!(out, "  {id}: {text}");
    }
}

fn finding_block(out: &mut String, finding: &Finding) {
    let _ = writeln!(out, "\n  • {}", escape_line(&finding.message));
    let width = finding
        .evidence
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0);
    for (key, value) in &finding.evidence {
        let shown = display_value(value);
        // An age is an INTERVAL (`03:12:00`), which reads like a time of day.
        let shown = match value.as_str().and_then(parse_interval) {
            Some(age) if key == "age" || key == "waited" => {
                format!("{} before the snapshot ({shown})", short_age(age))
            }
            _ => shown,
        };
        let _ = writeln!(out, "      {key:<width$}  {}", escape_line(&shown));
    }
    for step in &finding.next_steps {
        let _ = writeln!(out, "      $ {step}");
    }
}

/// `--list-rules` as text: one block per rule, by severity.
pub fn catalog(catalog: &Catalog) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} rules (each is a SQL file; `-o json` shows the queries and command templates)",
        catalog.rules.len()
    );
    for severity in [Severity::Critical, Severity::Warning, Severity::Info] {
        let rules: Vec<&RuleInfo> = catalog
            .rules
            .iter()
            .filter(|r| r.severity == severity)
            .collect();
        if rules.is_empty() {
            continue;
        }
        let heading = format!("{} ({})", severity.as_str().to_uppercase(), rules.len());
        let _ = writeln!(out, "\n{heading}\n{}", "═".repeat(heading.chars().count()));
        for rule in rules {
            let _ = writeln!(out, "\n{} {}: {}", marker(severity), rule.id, rule.title);
            wrap(&mut out, "    ", &rule.explanation);
            let _ = writeln!(out, "    evidence: {}", rule.evidence.join(", "));
        }
    }
    out
}

/// Writes `text` after `prefix`, wrapped at WIDTH columns, continuation lines indented.
fn wrap(out: &mut String, prefix: &str, text: &str) {
    let indent = " ".repeat(prefix.chars().count());
    let mut line = prefix.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            let _ = writeln!(out, "{line}");
            line = indent.clone();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    let _ = writeln!(out, "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn finding(rule: &str, severity: Severity, message: &str) -> Finding {
        let mut evidence = serde_json::Map::new();
        evidence.insert("resource_id".into(), json!("r-1"));
        evidence.insert("age".into(), json!(null));
        Finding {
            rule: rule.into(),
            severity,
            title: format!("title of {rule}"),
            message: message.into(),
            evidence,
            next_steps: vec!["kubectl --context mgmt-1 get amw x".into()],
        }
    }

    fn result(id: &str, severity: Severity, findings: usize) -> RuleResult {
        RuleResult {
            id: id.into(),
            severity,
            title: format!("title of {id}"),
            explanation: "word ".repeat(40),
            next_step: "do it".into(),
            findings,
            error: None,
            skipped: None,
            applies_to: None,
        }
    }

    #[test]
    fn groups_by_severity_summary_first() {
        let mut failed = result("broken", Severity::Info, 0);
        failed.error = Some("boom".into());
        let report = DoctorReport {
            schema: SCHEMA.into(),
            snapshot: SnapshotRef {
                path: "s.tar.zst".into(),
                sha256: "x".into(),
                created_at: None,
            },
            summary: Summary {
                line: "1 critical, 1 warning, 0 info".into(),
                rules: 3,
                critical: 1,
                warning: 1,
                info: 0,
                failed_rules: 1,
            },
            findings: vec![
                finding("a", Severity::Critical, "first"),
                finding("b", Severity::Warning, "second"),
            ],
            rules: vec![
                result("b", Severity::Warning, 1),
                result("a", Severity::Critical, 1),
                failed,
            ],
        };
        let text = super::report(&report);
        assert!(
            text.starts_with("1 critical, 1 warning, 0 info\n"),
            "{text}"
        );
        let critical = text.find("CRITICAL (1)").unwrap();
        let warning = text.find("WARNING (1)").unwrap();
        assert!(critical < warning, "{text}");
        assert!(text.contains("✗ a: title of a"), "{text}");
        assert!(text.contains("  • first\n      resource_id  r-1\n      age          -\n      $ kubectl --context mgmt-1 get amw x"), "{text}");
        assert!(
            text.contains("RULES THAT FAILED TO RUN (1)\n  broken: boom"),
            "{text}"
        );
        assert!(
            text.lines().all(|l| l.chars().count() <= WIDTH + 10),
            "{text}"
        );
    }
}
