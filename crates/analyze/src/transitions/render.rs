//! The text of `mwtrace transitions`: one aligned row per bundle with its seven counts and the
//! first broken layer in words, a totals line, the lines no bundle could claim, and a legend.
//! Values from the bundle go through `Columns`, which escapes them for the terminal.

use std::fmt::Write;

use super::{BundleTransitions, Collection, TransitionsReport};
use crate::columns::Columns;
use crate::terminal::escape_line;

fn cell(count: Option<u64>, coverage: Collection) -> String {
    match (count, coverage) {
        (None, _) | (_, Collection::NotCollected) => "-".to_string(),
        // A lower bound: the load cut the side's logs.
        (Some(n), Collection::Truncated) => format!("{n}+"),
        (Some(n), Collection::Collected) => n.to_string(),
    }
}

fn verdict(bundle: &BundleTransitions) -> String {
    match (&bundle.first_broken_layer, &bundle.broken) {
        (Some(layer), Some(words)) => format!("{layer}: {words}"),
        _ if bundle
            .coverage
            .iter()
            .all(|c| *c == Collection::NotCollected) =>
        {
            "no logs collected".to_string()
        }
        _ if bundle.layers.iter().all(|n| n.unwrap_or(0) == 0) => {
            "ok (no line in the logs)".to_string()
        }
        _ => "ok".to_string(),
    }
}

pub fn render(report: &TransitionsReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Maestro transitions matrix");
    let _ = writeln!(out, "══════════════════════════");
    if let Some(cid) = &report.cluster_id {
        let _ = writeln!(out, "Hosted cluster: {}", escape_line(cid));
    }
    if let Some(id) = &report.resource_id {
        let _ = writeln!(out, "Resource id:    {}", escape_line(id));
    }
    let _ = writeln!(
        out,
        "Server logs: {}; agent logs: {}; DB resources: {}",
        report.server_logs.as_str(),
        report.agent_logs.as_str(),
        if report.db_collected {
            "collected"
        } else {
            "not collected (bundles are the ids seen in the logs)"
        }
    );
    if report.server_logs == Collection::NotCollected
        && report.agent_logs == Collection::NotCollected
    {
        let _ = writeln!(
            out,
            "The snapshot holds no Maestro logs: collect with --logs, or import the pods' logs"
        );
    }
    if !report.truncated_files.is_empty() {
        let _ = writeln!(
            out,
            "{} log files were cut at load (see `info`): their counts are lower bounds (n+), never blamed",
            report.truncated_files.len()
        );
    }
    let _ = writeln!(
        out,
        "{} bundle{}, {} breaking the expectations\n",
        report.bundles.len(),
        if report.bundles.len() == 1 { "" } else { "s" },
        report.broken
    );

    let mut table = Columns::new("");
    let mut header = vec![
        "RESOURCE ID".to_string(),
        "WORK NAME".to_string(),
        "CID".to_string(),
    ];
    header.extend((1..=7).map(|l| l.to_string()));
    header.push("FIRST BROKEN LAYER".to_string());
    table.row(header);
    for bundle in &report.bundles {
        let mut row = vec![
            bundle.resource_id.clone(),
            bundle.work_name.clone().unwrap_or_else(|| "-".to_string()),
            bundle.cid.clone().unwrap_or_else(|| "-".to_string()),
        ];
        row.extend((0..7).map(|i| cell(bundle.layers[i], bundle.coverage[i])));
        row.push(verdict(bundle));
        table.row(row);
        if bundle.in_db == Some(false) {
            table.note("└─ not in the DB: seen only in the logs".to_string());
        }
        if bundle.attributed_by_name > 0 {
            table.note(format!(
                "└─ {} agent line{} attributed by the object name (no resource id in the line)",
                bundle.attributed_by_name,
                if bundle.attributed_by_name == 1 {
                    ""
                } else {
                    "s"
                }
            ));
        }
    }
    let mut totals = vec!["TOTAL".to_string(), String::new(), String::new()];
    totals.extend(
        report
            .totals
            .iter()
            .map(|t| t.map(|n| n.to_string()).unwrap_or_else(|| "-".into())),
    );
    totals.push(String::new());
    table.row(totals);
    if report.unattributed.iter().any(|n| *n > 0) {
        let mut row = vec!["UNATTRIBUTED".to_string(), String::new(), String::new()];
        row.extend(report.unattributed.iter().map(u64::to_string));
        row.push("lines of no bundle (object name ambiguous or unknown)".to_string());
        table.row(row);
    }
    table.write(&mut out);

    let _ = writeln!(out, "\nLayers (- not collected, n+ truncated):");
    for def in &report.layer_definitions {
        let _ = writeln!(
            out,
            "  {} {} ({}: {})",
            def.layer,
            def.title,
            def.component,
            def.messages
                .iter()
                .map(|m| format!("\"{m}\""))
                .collect::<Vec<_>>()
                .join(" or ")
        );
    }
    let _ = writeln!(
        out,
        "Expected: 1 = 2 = 3; 4 >= the spec count; 5, 6, 7 roughly equal (within 10% or 1) \
         and >= the spec count."
    );
    out
}
