//! A rule is one file under `crates/analyze/src/doctor/rules/`: a header of metadata in SQL comments (YAML once
//! the leading `-- ` is removed), then the query. The file stays valid SQL, so a rule runs as is
//! with `mwtrace sql SNAPSHOT -- "$(cat crates/analyze/src/doctor/rules/<id>.sql)"`. Each row of the query is a
//! finding; its columns fill the message, the evidence and the command templates.
//!
//! ```sql
//! -- id: work-not-applied                 (= the file name without .sql)
//! -- severity: critical                   (info | warning | critical)
//! -- title: Maestro work not applied
//! -- explanation: >-
//! --   Why this is a problem, and the threshold used, relative to the snapshot time.
//! -- next_step: What the engineer does next, in words.
//! -- commands:                            (each filled per finding; dropped when a value is NULL)
//! --   - mwtrace: trace {snapshot} --resource-id {resource_id}
//! --   - kubectl: get appliedmanifestwork {amw_name} -o yaml     (context of column `cluster`)
//! --   - kubectl_service: logs -n maestro deploy/maestro         (the service cluster)
//! --   - psql: SELECT status FROM resources WHERE id = '{resource_id}'
//! -- message: "{work}: Applied={applied_status}"
//! -- evidence: [resource_id, work_name, failing_manifests]
//! -- requires: {component: maestro-agent, version: "<0.6.0"}   (optional, below)
//! SELECT ...
//! ```
//! `requires:` gates a rule on a component version (the manifest's `components`): a rule for a
//! bug fixed in Maestro 0.6.0 says `version: "<0.6.0"` (bounds `<`, `<=`, `>`, `>=`, `=`, joined
//! by `,`). When every version of the component the bundle recorded is known and outside the
//! range, the rule is skipped with that reason; otherwise it runs, and its header says what it
//! applies to and what was found ("version not collected").
//!
//! Placeholders are `{column}` (lowercase letters, digits, `_`); `{{` and `}}` are literal
//! braces, and braces around anything else (`{.status}` in a jsonpath) are kept as they are.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use super::model::{CommandInfo, RuleInfo, Severity};

/// The placeholder filled with the bundle's path rather than a column.
pub const SNAPSHOT_PLACEHOLDER: &str = "snapshot";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("rule {file}: {reason}")]
pub struct RuleError {
    pub file: String,
    pub reason: String,
}

/// A parsed rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub file: String,
    pub meta: Meta,
    /// The query, without the header and without a trailing `;`.
    pub sql: String,
}

/// The header of a rule file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub explanation: String,
    pub next_step: String,
    #[serde(default)]
    pub commands: Vec<CommandTemplate>,
    pub message: String,
    pub evidence: Vec<String>,
    /// The sources the rule's verdict rests on, `db/<table>` or `kube/<resource>`: when the
    /// bundle holds none of a source (not collected anywhere), the rule is skipped and the
    /// report says why, rather than finding nothing.
    #[serde(default)]
    pub needs: Vec<String>,
    /// The component versions the rule applies to (a bug fixed in a given release).
    #[serde(default)]
    pub requires: Option<Requires>,
}

/// `requires: {component: maestro-agent, version: "<0.6.0"}`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Requires {
    /// `maestro-server`, `maestro-agent` or `hypershift-operator`.
    pub component: String,
    /// A version range: `<0.6.0`, `>=0.4.0, <0.6.0`.
    pub version: String,
}

impl Requires {
    pub fn range(&self) -> mwtrace_bundle::components::VersionRange {
        mwtrace_bundle::components::VersionRange::parse(&self.version)
            .expect("checked when the rule was parsed")
    }

    /// `maestro-agent < 0.6.0`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.component, self.range().text())
    }
}

/// One next-step command; the variant says where it runs. Written in a rule as a map with one
/// key: `- kubectl: get ...`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(try_from = "RawCommand")]
pub enum CommandTemplate {
    /// `kubectl --context <context of the row's cluster> ...`.
    Kubectl(String),
    /// `kubectl --context <service cluster> ...`.
    KubectlService(String),
    /// psql in the maestro-db pod of the service cluster.
    Psql(String),
    /// `mwtrace ...`, offline on the bundle.
    Mwtrace(String),
}

/// The YAML shape of a command (a YAML reader takes enums with data only from `!tags`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommand {
    kubectl: Option<String>,
    kubectl_service: Option<String>,
    psql: Option<String>,
    mwtrace: Option<String>,
}

impl TryFrom<RawCommand> for CommandTemplate {
    type Error = String;

    fn try_from(raw: RawCommand) -> Result<Self, String> {
        let all = [
            raw.kubectl.map(CommandTemplate::Kubectl),
            raw.kubectl_service.map(CommandTemplate::KubectlService),
            raw.psql.map(CommandTemplate::Psql),
            raw.mwtrace.map(CommandTemplate::Mwtrace),
        ];
        let mut given = all.into_iter().flatten();
        match (given.next(), given.next()) {
            (Some(one), None) => Ok(one),
            _ => Err(
                "a command is one of `kubectl: ...`, `kubectl_service: ...`, \
                      `psql: ...` or `mwtrace: ...`"
                    .to_string(),
            ),
        }
    }
}

impl CommandTemplate {
    pub fn kind(&self) -> &'static str {
        match self {
            CommandTemplate::Kubectl(_) => "kubectl",
            CommandTemplate::KubectlService(_) => "kubectl_service",
            CommandTemplate::Psql(_) => "psql",
            CommandTemplate::Mwtrace(_) => "mwtrace",
        }
    }

    pub fn template(&self) -> &str {
        match self {
            CommandTemplate::Kubectl(t)
            | CommandTemplate::KubectlService(t)
            | CommandTemplate::Psql(t)
            | CommandTemplate::Mwtrace(t) => t,
        }
    }
}

impl Rule {
    /// Parses a rule file; `file` is its name (`work-not-applied.sql`), which must match the id.
    pub fn parse(file: &str, text: &str) -> Result<Rule, RuleError> {
        let err = |reason: String| RuleError {
            file: file.to_string(),
            reason,
        };
        let mut header = String::new();
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.peek() {
            let trimmed = line.trim_start();
            let Some(comment) = trimmed.strip_prefix("--") else {
                break;
            };
            let comment = comment.strip_prefix(' ').unwrap_or(comment);
            header.push_str(comment);
            header.push('\n');
            lines.next();
        }
        let body: Vec<&str> = lines.collect();
        let sql = body.join("\n");
        let sql = sql.trim().trim_end_matches(';').trim().to_string();
        if header.trim().is_empty() {
            return Err(err(
                "no metadata header (leading `-- key: value` lines)".into()
            ));
        }
        if sql.is_empty() {
            return Err(err("no query after the header".into()));
        }
        // Rule files are ours (compiled in or given by the engineer): the default budget holds.
        let options = serde_saphyr::options! { with_snippet: false };
        let meta: Meta = serde_saphyr::from_str_with_options(&header, options)
            .map_err(|e| err(format!("header: {}", e.to_string().replace('\n', " "))))?;
        let stem = file.strip_suffix(".sql").unwrap_or(file);
        if !is_rule_id(&meta.id) {
            return Err(err(format!(
                "id {:?} must be lowercase words joined by '-'",
                meta.id
            )));
        }
        if meta.id != stem {
            return Err(err(format!(
                "id {:?} differs from the file name {stem:?}",
                meta.id
            )));
        }
        for (field, value) in [
            ("title", &meta.title),
            ("explanation", &meta.explanation),
            ("next_step", &meta.next_step),
            ("message", &meta.message),
        ] {
            if value.trim().is_empty() {
                return Err(err(format!("{field} is empty")));
            }
        }
        if meta.evidence.is_empty() {
            return Err(err("evidence lists no column".into()));
        }
        for need in &meta.needs {
            let known =
                matches!(need.split_once('/'), Some(("db" | "kube", name)) if is_column(name));
            if !known {
                return Err(err(format!(
                    "needs {need:?}: expected db/<table> or kube/<resource>"
                )));
            }
        }
        if let Some(requires) = &meta.requires {
            if !mwtrace_bundle::components::NAMES.contains(&requires.component.as_str()) {
                return Err(err(format!(
                    "requires component {:?}: expected one of {}",
                    requires.component,
                    mwtrace_bundle::components::NAMES.join(", ")
                )));
            }
            mwtrace_bundle::components::VersionRange::parse(&requires.version)
                .map_err(|e| err(format!("requires version: {e}")))?;
        }
        for (i, column) in meta.evidence.iter().enumerate() {
            if !is_column(column) {
                return Err(err(format!(
                    "evidence column {column:?} is not a column name"
                )));
            }
            if meta.evidence[..i].contains(column) {
                return Err(err(format!("evidence column {column:?} is listed twice")));
            }
        }
        let rule = Rule {
            file: file.to_string(),
            meta,
            sql,
        };
        for template in rule.templates() {
            Template::parse(template).map_err(|reason| err(format!("{template:?}: {reason}")))?;
        }
        Ok(rule)
    }

    fn templates(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.meta.message.as_str())
            .chain(self.meta.commands.iter().map(CommandTemplate::template))
    }

    /// Every column the rule's query must return: evidence and placeholders.
    pub fn required_columns(&self) -> Vec<String> {
        let mut columns: Vec<String> = self.meta.evidence.clone();
        for template in self.templates() {
            let parsed = Template::parse(template).expect("checked when parsed");
            for name in parsed.placeholders() {
                if name != SNAPSHOT_PLACEHOLDER && !columns.iter().any(|c| c == name) {
                    columns.push(name.to_string());
                }
            }
        }
        columns
    }

    pub fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.meta.id.clone(),
            severity: self.meta.severity,
            title: self.meta.title.clone(),
            explanation: self.meta.explanation.trim().to_string(),
            next_step: self.meta.next_step.trim().to_string(),
            commands: self
                .meta
                .commands
                .iter()
                .map(|c| CommandInfo {
                    kind: c.kind().to_string(),
                    template: c.template().to_string(),
                })
                .collect(),
            message: self.meta.message.clone(),
            evidence: self.meta.evidence.clone(),
            file: format!("crates/analyze/src/doctor/rules/{}", self.file),
            sql: self.sql.clone(),
        }
    }
}

fn is_rule_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn is_column(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'_'))
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A template split into literal text and `{column}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template<'a> {
    parts: Vec<Part<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a> {
    Text(String),
    Column(&'a str),
}

impl<'a> Template<'a> {
    pub fn parse(text: &'a str) -> Result<Template<'a>, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(['{', '}']) {
            literal.push_str(&rest[..i]);
            let tail = &rest[i..];
            if tail.starts_with("{{") || tail.starts_with("}}") {
                literal.push_str(&tail[..1]);
                rest = &tail[2..];
                continue;
            }
            if tail.starts_with('{')
                && let Some(end) = tail.find('}')
                && is_column(&tail[1..end])
            {
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(Part::Column(&tail[1..end]));
                rest = &tail[end + 1..];
                continue;
            }
            // Any other brace ({.status.conditions} in a jsonpath) is literal text.
            literal.push_str(&tail[..1]);
            rest = &tail[1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template { parts })
    }

    pub fn placeholders(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Column(c) => Some(*c),
            Part::Text(_) => None,
        })
    }

    /// Fills the template; `value` maps a placeholder to its text, or None to give up.
    pub fn fill(&self, mut value: impl FnMut(&str) -> Option<String>) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Column(c) => out.push_str(&value(c)?),
            }
        }
        Some(out)
    }
}

/// A JSON value as text in a message: strings bare, NULL as `-`, lists joined by `, `.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::Null => "-".to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(display_value)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.meta.id, self.meta.severity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
-- id: sample-rule
-- severity: warning
-- title: A sample
-- explanation: >-
--   Two lines
--   of explanation.
-- next_step: Look at it.
-- commands:
--   - kubectl: get cm {name} -o jsonpath='{.data}'
--   - psql: SELECT 1 WHERE id = '{id}'
--   - mwtrace: trace {snapshot} --resource-id {id}
--   - kubectl_service: logs -n maestro deploy/maestro
-- message: \"{name} is {{odd}}\"
-- evidence: [id, name]
SELECT 'a' AS id, 'b' AS name, 'c' AS cluster;
";

    #[test]
    fn parses_header_and_query() {
        let rule = Rule::parse("sample-rule.sql", GOOD).unwrap();
        assert_eq!(rule.meta.id, "sample-rule");
        assert_eq!(rule.meta.severity, Severity::Warning);
        assert_eq!(rule.meta.explanation, "Two lines of explanation.");
        assert_eq!(
            rule.meta.commands,
            vec![
                CommandTemplate::Kubectl("get cm {name} -o jsonpath='{.data}'".into()),
                CommandTemplate::Psql("SELECT 1 WHERE id = '{id}'".into()),
                CommandTemplate::Mwtrace("trace {snapshot} --resource-id {id}".into()),
                CommandTemplate::KubectlService("logs -n maestro deploy/maestro".into()),
            ]
        );
        assert_eq!(rule.sql, "SELECT 'a' AS id, 'b' AS name, 'c' AS cluster");
        assert_eq!(rule.required_columns(), vec!["id", "name"]);
        let info = rule.info();
        assert_eq!(info.commands[0].kind, "kubectl");
        assert_eq!(info.file, "crates/analyze/src/doctor/rules/sample-rule.sql");
    }

    #[test]
    fn templates_fill_columns_and_keep_other_braces() {
        let t = Template::parse("{name} is {{odd}} -o jsonpath='{.data}' {end of}").unwrap();
        assert_eq!(t.placeholders().collect::<Vec<_>>(), vec!["name"]);
        let filled = t.fill(|c| Some(format!("<{c}>"))).unwrap();
        assert_eq!(filled, "<name> is {odd} -o jsonpath='{.data}' {end of}");
        assert_eq!(t.fill(|_| None), None);
    }

    #[test]
    fn rejects_bad_rules() {
        let cases = [
            ("x.sql", "SELECT 1", "no metadata header"),
            ("sample-rule.sql", "-- id: sample-rule\n", "no query"),
            ("other.sql", GOOD, "differs from the file name"),
            (
                "sample-rule.sql",
                &GOOD.replace("severity: warning", "severity: fatal"),
                "header",
            ),
            (
                "sample-rule.sql",
                &GOOD.replace("-- title: A sample\n", "-- title: A sample\n-- typo: 1\n"),
                "unknown field",
            ),
            (
                "sample-rule.sql",
                &GOOD.replace("evidence: [id, name]", "evidence: []"),
                "evidence lists no column",
            ),
            (
                "sample-rule.sql",
                &GOOD.replace("evidence: [id, name]", "evidence: [id, id]"),
                "listed twice",
            ),
            (
                "sample-rule.sql",
                &GOOD.replace("evidence: [id, name]", "evidence: [id, Name]"),
                "not a column name",
            ),
            (
                "sample-rule.sql",
                &GOOD.replace("- kubectl:", "- helm:"),
                "unknown field",
            ),
            (
                "sample-rule.sql",
                &GOOD.replace("- kubectl: get", "- kubectl: get\n--     psql: x"),
                "a command is one of",
            ),
            (
                "Sample.sql",
                &GOOD.replace("id: sample-rule", "id: Sample"),
                "lowercase",
            ),
            (
                "sample-rule.sql",
                &GOOD.replace("title: A sample", "title: \"\""),
                "title is empty",
            ),
        ];
        for (file, text, expected) in cases {
            let err = Rule::parse(file, text).expect_err(expected).to_string();
            assert!(
                err.contains(expected),
                "{file}: {err} (expected {expected})"
            );
        }
    }

    #[test]
    fn values_are_displayed_for_their_context() {
        assert_eq!(display_value(&serde_json::json!(null)), "-");
        assert_eq!(display_value(&serde_json::json!(["a", 2])), "a, 2");
        assert_eq!(display_value(&serde_json::json!(true)), "true");
    }
}
