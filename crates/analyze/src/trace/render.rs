//! Text output of a trace, in the layout of the manual procedure (trace-manifestwork.md step 5):
//! identifiers, DB timestamps, manifests with their status, a one-line verdict, next steps.

use std::fmt::Write;

use super::model::*;
use crate::columns::Columns;
use crate::terminal::escape_line;

/// Conditions shown in text for HostedClusters, NodePools and ManagedClusters (all are in JSON).
const KEY_CONDITIONS: &[&str] = &[
    "Available",
    "Degraded",
    "Progressing",
    "ReconciliationSucceeded",
    "ValidConfiguration",
    "ValidReleaseImage",
    "Ready",
    "AllMachinesReady",
    "AllNodesHealthy",
    "HubAcceptedManagedCluster",
    "ManagedClusterJoined",
    "ManagedClusterConditionAvailable",
    "ManagedClusterImportSucceeded",
    "Deleting",
];

const RULE: &str = "═══════════════════════════════════════════════════";

pub fn render(report: &TraceReport) -> String {
    let mut out = String::new();
    if let Some(as_of) = &report.as_of {
        let _ = writeln!(out, "As of {}\n", escape_line(as_of));
    }
    match report.query.kind.as_str() {
        "search" => search(&mut out, report),
        "cluster-id" => cluster(&mut out, report),
        "manifest" => manifest(&mut out, report),
        _ => works(&mut out, report),
    }
    if let Some(logs) = &report.logs {
        log_section(&mut out, logs);
    }
    if !report.next_steps.is_empty() {
        let _ = writeln!(out, "\nNext steps:");
        for step in &report.next_steps {
            let _ = writeln!(out, "  {step}");
        }
    }
    out
}

/// ` (3h29m before the snapshot)` beside a timestamp, as an engineer reads a snapshot: relative to
/// when it was taken, never to the reader's clock. Empty when either time is unreadable.
fn before_snapshot(at: &str, snapshot_at: Option<&str>) -> String {
    let parse = |t: &str| t.parse::<jiff::Timestamp>().ok();
    match (parse(at), snapshot_at.and_then(parse)) {
        (Some(at), Some(snapshot)) if at <= snapshot => format!(
            " ({} before the snapshot)",
            crate::human::short_age(snapshot.duration_since(at))
        ),
        (Some(at), Some(snapshot)) => format!(
            " ({} after the snapshot was taken)",
            crate::human::short_age(at.duration_since(snapshot))
        ),
        _ => String::new(),
    }
}

fn opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("<none>")
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "True",
        Some(false) => "False",
        None => "-",
    }
}

fn works(out: &mut String, report: &TraceReport) {
    if report.works.is_empty() {
        not_found(out, report);
        return;
    }
    if report.works.len() > 1 {
        let _ = writeln!(out, "{}\n", report.message);
    }
    for work in &report.works {
        work_block(out, work, report.snapshot_created_at.as_deref());
    }
}

fn not_found(out: &mut String, report: &TraceReport) {
    let _ = writeln!(out, "{}", report.message);
    if !report.matches.is_empty() {
        let _ = writeln!(out, "\nDid you mean:");
        for m in &report.matches {
            let _ = writeln!(out, "  {:<24} {}  ({})", m.what, m.value, m.detail);
        }
    }
}

fn work_block(out: &mut String, work: &WorkTrace, snapshot_at: Option<&str>) {
    let deleted = matches!(work.state, WorkState::Deleted);
    let title = if deleted {
        "ManifestWork Trace Results (DELETED)"
    } else {
        "ManifestWork Trace Results"
    };
    let _ = writeln!(out, "{title}\n{RULE}\n");
    let _ = writeln!(out, "User-Created Work Name: {}", opt(&work.work_name));
    let _ = writeln!(out, "Resource ID (DB):       {}", work.resource_id);
    let amw = match (&work.applied_manifest_work, work.amw_status) {
        (Some(a), _) => match a.linked_by.as_deref() {
            Some("work_name") => format!(
                "{} (cluster {}, layer {}, named after the work name: agent before maestro PR #434)",
                a.name, a.cluster, a.layer
            ),
            _ => format!("{} (cluster {}, layer {})", a.name, a.cluster, a.layer),
        },
        (None, AmwStatus::NotCollected) => {
            format!("Unknown: {}", work.missing_sources.join("; "))
        }
        (None, AmwStatus::Deleted) => "Not found on cluster (work deleted)".into(),
        (None, _) => "Not found on cluster (not applied yet)".into(),
    };
    let _ = writeln!(out, "AppliedManifestWork:    {amw}");
    let _ = writeln!(out, "Consumer:               {}", opt(&work.consumer));
    if let Some(cid) = &work.cid {
        let _ = writeln!(out, "Cluster ID (cid):       {cid}");
    }

    let _ = writeln!(out, "\nDatabase Information:\n────────────────────");
    let when = |at: &Option<String>| match at {
        Some(at) => format!("{at}{}", before_snapshot(at, snapshot_at)),
        None => opt(at).to_string(),
    };
    let _ = writeln!(out, "Created:  {}", when(&work.created_at));
    let _ = writeln!(out, "Updated:  {}", when(&work.updated_at));
    let _ = writeln!(
        out,
        "Deleted:  {}",
        work.deleted_at
            .as_ref()
            .map(|_| when(&work.deleted_at))
            .as_deref()
            .unwrap_or("<null> (still active)")
    );
    let version = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    let _ = writeln!(
        out,
        "Version:  {} (applied by the agent: {})",
        version(work.version),
        version(work.observed_version)
    );
    if !work.conditions.is_empty() {
        let _ = writeln!(out, "\nConditions (DB status):");
        let mut table = Columns::new("  ");
        for c in &work.conditions {
            table.row([
                c.type_.as_str(),
                opt(&c.status),
                opt(&c.reason),
                c.message.as_deref().unwrap_or(""),
            ]);
        }
        table.write(out);
    }

    if deleted {
        let _ = writeln!(
            out,
            "\nOriginal Manifests (from DB):\n─────────────────────────────"
        );
        for m in &work.manifests {
            let _ = writeln!(out, "- {}", manifest_path(m));
        }
    } else {
        let heading = format!("Applied Manifests ({} total):", work.manifests.len());
        let _ = writeln!(out, "\n{heading}\n{}", "─".repeat(heading.chars().count()));
        let mut table = Columns::new("");
        table.row(["Resource Type", "Namespace", "Name", "Applied", "Available"]);
        for m in &work.manifests {
            table.row([
                opt(&m.kind),
                m.namespace.as_deref().unwrap_or("cluster-scoped"),
                opt(&m.name),
                yes_no(m.applied),
                yes_no(m.available),
            ]);
            if let Some(message) = &m.message {
                table.note(format!(
                    "    └─ {}: {}",
                    escape_line(opt(&m.reason)),
                    escape_line(message)
                ));
            }
        }
        table.write(out);
    }
    if !work.applied_resources.is_empty() {
        let _ = writeln!(
            out,
            "\nOn the cluster (AppliedManifestWork status.appliedResources):"
        );
        for a in &work.applied_resources {
            let presence = match a.in_snapshot {
                Some(true) => "present",
                Some(false) => "MISSING or recreated (uid differs)",
                None => "not collected",
            };
            let _ = writeln!(
                out,
                "  {}/{}{}  uid {}  [{presence}]",
                opt(&a.resource),
                a.namespace
                    .as_ref()
                    .map(|n| format!("{n}/"))
                    .unwrap_or_default(),
                opt(&a.name),
                opt(&a.uid)
            );
        }
    }
    for nested in &work.nested_works {
        let _ = writeln!(
            out,
            "\nLayer 2: ManifestWork {}/{} ({}){}",
            nested.namespace,
            nested.name,
            if nested.in_snapshot {
                format!(
                    "Applied {}, Available {}",
                    yes_no(nested.applied),
                    yes_no(nested.available)
                )
            } else {
                "not in the snapshot".to_string()
            },
            nested
                .cluster
                .as_ref()
                .map(|c| format!(" on {c}"))
                .unwrap_or_default()
        );
        match &nested.applied_manifest_work {
            Some(a) => {
                let _ = writeln!(out, "  AppliedManifestWork: {} (layer 2)", a.name);
            }
            None => {
                let _ = writeln!(
                    out,
                    "  AppliedManifestWork: not found (layer 2 not applied)"
                );
            }
        }
        let mut table = Columns::new("  - ");
        for m in &nested.manifests {
            table.row([
                manifest_path(m).as_str(),
                "Applied",
                yes_no(m.applied),
                "Available",
                yes_no(m.available),
            ]);
        }
        table.write(out);
    }
    let _ = writeln!(out, "\nStatus: {}\n", work.verdict);
}

fn manifest_path(m: &ManifestStatus) -> String {
    format!(
        "{}/{}{}",
        opt(&m.kind),
        m.namespace
            .as_ref()
            .map(|n| format!("{n}/"))
            .unwrap_or_default(),
        opt(&m.name)
    )
}

fn manifest(out: &mut String, report: &TraceReport) {
    let _ = writeln!(out, "Manifest Trace: {}\n{RULE}\n", report.query.value);
    if report.chains.is_empty() {
        not_found(out, report);
        return;
    }
    for (i, chain) in report.chains.iter().enumerate() {
        let _ = writeln!(out, "Chain {} of {}:", i + 1, report.chains.len());
        for (n, hop) in chain.hops.iter().enumerate() {
            if let Some(via) = &hop.via {
                let _ = writeln!(out, "      │ via {via}");
            }
            let place = match (&hop.namespace, hop.role.as_str()) {
                (Some(ns), "maestro_resource") => format!(" (consumer {ns})"),
                (Some(ns), _) => format!(" in {ns}"),
                (None, _) => String::new(),
            };
            let layer = hop
                .layer
                .map(|l| format!(" [layer {l}]"))
                .unwrap_or_default();
            let cluster = hop
                .cluster
                .as_ref()
                .map(|c| format!(" on {c}"))
                .unwrap_or_default();
            let note = match (&hop.note, hop.role.as_str()) {
                (Some(work), "maestro_resource") => format!(" — work name {work}"),
                (Some(note), _) => format!(" — {note}"),
                (None, _) => String::new(),
            };
            let missing = if hop.in_snapshot {
                ""
            } else {
                " (not in snapshot)"
            };
            let _ = writeln!(
                out,
                "  [{}] {} {}{place}{layer}{cluster}{missing}{note}",
                n + 1,
                hop.kind,
                hop.name
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "{}\n", report.message);
    for work in &report.works {
        work_block(out, work, report.snapshot_created_at.as_deref());
    }
    if report.outcome != Outcome::Found {
        not_found(out, report);
    }
}

fn cluster(out: &mut String, report: &TraceReport) {
    let Some(c) = &report.cluster else {
        not_found(out, report);
        return;
    };
    let _ = writeln!(out, "Hosted Cluster Trace: {}\n{RULE}\n", c.cid);
    let _ = writeln!(out, "Creation flow:");
    let mut table = Columns::new("  ");
    for s in &c.stages {
        let mark = match s.status.as_str() {
            "ok" => "✓",
            "failing" => "✗",
            _ => "∅",
        };
        table.row([mark, s.name.as_str(), s.status.as_str(), s.detail.as_str()]);
    }
    table.write(out);
    let _ = writeln!(out, "\nMaestro resource bundles ({}):", c.resources.len());
    let mut table = Columns::new("  ");
    for r in &c.resources {
        let amw = r
            .applied_manifest_work
            .as_ref()
            .map(|a| a.name.as_str())
            .unwrap_or("none");
        table.row([
            r.resource_id.as_str(),
            r.work_name.as_deref().unwrap_or("<no work name>"),
            format!("{:?}", r.state).as_str(),
            format!("AMW: {amw}").as_str(),
        ]);
        for m in &r.manifests {
            table.note(format!("    - {}", escape_line(m)));
        }
    }
    table.write(out);
    let _ = writeln!(
        out,
        "\nlocal-cluster ManifestWorks ({}):",
        c.manifest_works.len()
    );
    for w in &c.manifest_works {
        let _ = writeln!(
            out,
            "  {}/{}  Applied {} Available {}  AMW: {}{}",
            w.namespace,
            w.name,
            yes_no(w.applied),
            yes_no(w.available),
            w.applied_manifest_work
                .as_ref()
                .map(|a| a.name.as_str())
                .unwrap_or("none"),
            if w.in_snapshot {
                ""
            } else {
                "  (not in snapshot)"
            }
        );
    }
    for (title, objects) in [
        ("HostedClusters", &c.hosted_clusters),
        ("NodePools", &c.node_pools),
        ("ManagedClusters", &c.managed_clusters),
    ] {
        let _ = writeln!(out, "\n{title} ({}):", objects.len());
        for o in objects {
            let _ = writeln!(
                out,
                "  {}{} on {}  healthy: {}",
                o.namespace
                    .as_ref()
                    .map(|n| format!("{n}/"))
                    .unwrap_or_default(),
                o.name,
                o.cluster,
                yes_no(o.healthy)
            );
            let shown: Vec<&Condition> = o
                .conditions
                .iter()
                .filter(|c| {
                    KEY_CONDITIONS.contains(&c.type_.as_str())
                        || c.status.as_deref() == Some("Unknown")
                })
                .collect();
            let mut table = Columns::new("      ");
            for cond in &shown {
                table.row([
                    cond.type_.as_str(),
                    opt(&cond.status),
                    opt(&cond.reason),
                    cond.message.as_deref().unwrap_or(""),
                ]);
            }
            table.write(out);
            if shown.len() < o.conditions.len() {
                let _ = writeln!(
                    out,
                    "      ({} more conditions: -o json shows all)",
                    o.conditions.len() - shown.len()
                );
            }
        }
    }
    let _ = writeln!(out, "\nStatus: {}", report.message);
}

fn search(out: &mut String, report: &TraceReport) {
    let _ = writeln!(out, "{}", report.message);
    for m in &report.matches {
        let _ = writeln!(
            out,
            "  {:<22} {}\n      {}\n      {}",
            m.what, m.value, m.detail, m.trace
        );
    }
}

/// One line of a log entry: time, pod/container, level, message and its error.
fn log_line(e: &LogEvidence) -> String {
    let mut text = format!(
        "{:<27} {}/{}  {:<5} {}",
        e.ts.as_deref().unwrap_or("-"),
        e.pod,
        e.container,
        e.level.as_deref().unwrap_or("-").to_uppercase(),
        escape_line(&e.msg)
    );
    if let Some(err) = &e.error {
        text.push_str(&format!(": {}", escape_line(err)));
    }
    text
}

fn log_section(out: &mut String, logs: &LogTrace) {
    let heading = "Request in the logs (server and agent):";
    let _ = writeln!(out, "\n{heading}\n{}", "─".repeat(heading.chars().count()));
    let ids: Vec<String> = logs
        .resource_ids
        .iter()
        .map(|r| format!("resource {r}"))
        .chain(logs.op_ids.iter().map(|o| format!("op-id {o}")))
        .collect();
    let _ = writeln!(
        out,
        "{} entries for {}",
        logs.lines,
        if ids.is_empty() {
            "nothing".to_string()
        } else {
            ids.join(", ")
        }
    );
    if logs.snapshot_lines > 0 && logs.lines > 0 {
        let mut table = Columns::new("  ");
        for (i, s) in logs.stages.iter().enumerate() {
            let mark = if s.status == "ok" { "✓" } else { "∅" };
            let place = s
                .evidence
                .first()
                .map(|e| format!("{}/{}", e.pod, e.container))
                .unwrap_or_default();
            table.row([
                format!("{mark} {}", i + 1),
                s.title.clone(),
                s.first_ts
                    .clone()
                    .unwrap_or_else(|| "(no line)".to_string()),
                place,
            ]);
            if let Some(note) = &s.note {
                table.note(format!("      └─ {}", escape_line(note)));
            }
        }
        table.write(out);
    }
    let _ = writeln!(out, "\n{}", logs.verdict);
    if !logs.errors.is_empty() {
        let _ = writeln!(out, "\nErrors:");
        for e in &logs.errors {
            let _ = writeln!(out, "  {}", log_line(e));
        }
    }
    if !logs.timeline.is_empty() {
        let _ = writeln!(out, "\nTimeline:");
        for e in &logs.timeline {
            let tag = match (&e.stage, &e.note) {
                (Some(stage), _) => format!("  [{stage}]"),
                (None, Some(note)) => format!("  ({note})"),
                (None, None) => String::new(),
            };
            let _ = writeln!(out, "  {}{tag}", log_line(e));
        }
        if (logs.timeline.len() as i64) < logs.lines {
            let _ = writeln!(
                out,
                "  ... {} more: mwtrace logs SNAPSHOT --resource-id/--op-id shows all",
                logs.lines - logs.timeline.len() as i64
            );
        }
    }
}
