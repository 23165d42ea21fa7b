//! `timeline -o html`: one self-contained page (inline SVG and CSS, no script from elsewhere, no
//! network): a lane per object, in the order a work travels (DB row, layer-1
//! AppliedManifestWork, ManifestWork, layer-2 AppliedManifestWork, HostedCluster, NodePool,
//! ManagedCluster, then other objects and log streams). A bar spans the time an object is seen
//! to exist, dashed once it was deleted; its color follows the object's condition state (green
//! healthy, red after a condition turned bad); a diamond marks each fact, and hovering one shows
//! its time, event and detail (the changed paths of an Update). Clicking a diamond shows the
//! same in the panel under the chart. Lanes with more than [`MAX_MARKS`] facts are aggregated
//! into buckets so that the page stays light with 10,000 facts.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Entry, TimelineReport, object_label};

/// Diamonds drawn per lane at most; beyond, facts are grouped into this many time buckets.
const MAX_MARKS: usize = 400;
const LANE_HEIGHT: f64 = 28.0;
const LABEL_WIDTH: f64 = 360.0;
const CHART_WIDTH: f64 = 1100.0;

pub fn render(report: &TimelineReport) -> String {
    let lanes = lanes(&report.entries);
    let times: Vec<i64> = report
        .entries
        .iter()
        .filter_map(|e| seconds(&e.ts))
        .collect();
    let snapshot = report.snapshot_created_at.as_deref().and_then(seconds);
    let start = times.iter().min().copied().unwrap_or(0);
    let end = times
        .iter()
        .max()
        .copied()
        .max(snapshot)
        .unwrap_or(start)
        .max(start + 1);
    let x = |t: i64| LABEL_WIDTH + (t - start) as f64 / (end - start) as f64 * CHART_WIDTH;
    let height = 40.0 + LANE_HEIGHT * lanes.len() as f64 + 30.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" role="img">"#,
        w = LABEL_WIDTH + CHART_WIDTH + 20.0
    );
    // Time axis: five ticks.
    for i in 0..=4 {
        let t = start + (end - start) * i / 4;
        let _ = write!(
            svg,
            r#"<line class="tick" x1="{0}" y1="30" x2="{0}" y2="{1}"/><text class="axis" x="{0}" y="20">{2}</text>"#,
            x(t),
            height - 20.0,
            text(&format_ts(t))
        );
    }
    for (row, (label, entries)) in lanes.iter().enumerate() {
        let y = 40.0 + LANE_HEIGHT * row as f64;
        let mid = y + LANE_HEIGHT / 2.0;
        let _ = write!(
            svg,
            r#"<g class="lane" data-lane="{}"><text class="label" x="6" y="{}">{}</text>"#,
            text(label),
            mid + 4.0,
            text(&shorten(label, 52))
        );
        for bar in bars(entries, snapshot.unwrap_or(end)) {
            let _ = write!(
                svg,
                r#"<line class="bar {}{}" x1="{:.1}" y1="{mid}" x2="{:.1}" y2="{mid}"/>"#,
                bar.state,
                if bar.deleted { " deleted" } else { "" },
                x(bar.from),
                x(bar.to).max(x(bar.from) + 2.0)
            );
        }
        for mark in marks(entries) {
            let cx = x(mark.at);
            let _ = write!(
                svg,
                r#"<path class="mark {level}" d="M{cx:.1} {top:.1} l5 7 l-5 7 l-5 -7 z" data-detail="{detail}"><title>{detail}</title></path>"#,
                level = mark.level,
                top = mid - 7.0,
                detail = text(&mark.detail),
            );
        }
        svg.push_str("</g>");
    }
    if let Some(snapshot) = snapshot {
        let _ = write!(
            svg,
            r#"<line class="now" x1="{0:.1}" y1="30" x2="{0:.1}" y2="{1}"/><text class="axis" x="{0:.1}" y="{2}">snapshot</text>"#,
            x(snapshot),
            height - 20.0,
            height - 6.0
        );
    }
    svg.push_str("</svg>");

    let mut page = String::new();
    let title = format!(
        "mwtrace timeline of {} {}",
        report.query.kind, report.query.value
    );
    let _ = write!(
        page,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{title}</title>
<style>
body {{ font: 13px system-ui, sans-serif; margin: 16px; color: #222; }}
h1 {{ font-size: 16px; margin: 0 0 4px; }}
.lane:nth-child(even) .label {{ fill: #333; }}
.label {{ font: 12px ui-monospace, monospace; fill: #111; }}
.axis {{ font: 11px ui-monospace, monospace; fill: #666; }}
.tick {{ stroke: #ddd; }}
.now {{ stroke: #888; stroke-dasharray: 2 3; }}
.bar {{ stroke-width: 8; stroke-linecap: butt; }}
.bar.ok {{ stroke: #5cb85c; }}
.bar.bad {{ stroke: #d9534f; }}
.bar.unknown {{ stroke: #9bb0c4; }}
.bar.deleted {{ stroke-dasharray: 4 3; opacity: 0.6; }}
.mark {{ stroke: #fff; stroke-width: 1; cursor: pointer; }}
.mark.info {{ fill: #31708f; }}
.mark.warning {{ fill: #f0ad4e; }}
.mark.error {{ fill: #c9302c; }}
#detail {{ white-space: pre-wrap; font: 12px ui-monospace, monospace; background: #f6f6f6; padding: 8px; min-height: 2em; }}
.missing {{ color: #a94442; }}
</style></head><body>
<h1>{title}</h1>
<p>{message}</p>
"#,
        title = text(&title),
        message = text(&report.message)
    );
    if !report.missing_sources.is_empty() {
        page.push_str("<p class=\"missing\">Not collected (no fact from these can appear):</p><ul class=\"missing\">");
        for source in &report.missing_sources {
            let _ = write!(page, "<li>{}</li>", text(source));
        }
        page.push_str("</ul>");
    }
    page.push_str(&svg);
    page.push_str("<div id=\"detail\">Click a diamond for its details.</div>");
    if report.omitted > 0 {
        let _ = write!(
            page,
            "<p>{} more facts not shown: narrow with --since/--until.</p>",
            report.omitted
        );
    }
    page.push_str("<ul>");
    for note in &report.notes {
        let _ = write!(page, "<li>{}</li>", text(note));
    }
    page.push_str(
        "</ul><script>document.querySelectorAll('.mark').forEach(function (m) {\
         m.addEventListener('click', function () {\
         document.getElementById('detail').textContent = m.getAttribute('data-detail'); });\
         });</script></body></html>\n",
    );
    page
}

/// Facts grouped by object, lanes in the order a work travels.
fn lanes(entries: &[Entry]) -> Vec<(String, Vec<&Entry>)> {
    let mut lanes: BTreeMap<(u8, String), Vec<&Entry>> = BTreeMap::new();
    for entry in entries {
        // A spec or status event of the DB belongs on its resource's lane.
        let object = match (
            entry.source.as_str(),
            entry.kind.as_deref(),
            &entry.resource_id,
        ) {
            ("db", Some("Event" | "StatusEvent"), Some(id)) => format!("MaestroResource {id}"),
            _ => object_label(entry),
        };
        let label = match &entry.cluster {
            Some(cluster) => format!("{object} @{cluster}"),
            None => object,
        };
        let rank = match label.starts_with("MaestroResource ") {
            true => 0,
            false => lane_rank(entry),
        };
        lanes.entry((rank, label)).or_default().push(entry);
    }
    lanes
        .into_iter()
        .map(|((_, label), entries)| (label, entries))
        .collect()
}

fn lane_rank(entry: &Entry) -> u8 {
    match (
        entry.kind.as_deref().unwrap_or(""),
        entry.resource_id.is_some(),
    ) {
        ("MaestroResource", _) => 0,
        ("AppliedManifestWork", true) => 2,
        ("ManifestWork", _) => 3,
        ("AppliedManifestWork", false) => 4,
        ("HostedCluster", _) => 5,
        ("NodePool", _) => 6,
        ("ManagedCluster", _) => 7,
        ("Log", _) => 9,
        _ => 8,
    }
}

struct Bar {
    from: i64,
    to: i64,
    /// `ok`, `bad` or `unknown` (no condition seen yet).
    state: &'static str,
    deleted: bool,
}

/// The spans of a lane: cut where a condition changes the object's state or where it is
/// deleted (dashed after) or created again.
fn bars(entries: &[&Entry], end: i64) -> Vec<Bar> {
    let mut bars = Vec::new();
    let Some(first) = entries.iter().find_map(|e| seconds(&e.ts)) else {
        return bars;
    };
    if entries.iter().all(|e| e.source == "log") {
        return bars;
    }
    let mut from = first;
    let mut state = "unknown";
    let mut deleted = false;
    for entry in entries {
        let Some(at) = seconds(&entry.ts) else {
            continue;
        };
        let next_state = if entry.event == "condition" {
            if entry.level == "error" { "bad" } else { "ok" }
        } else {
            state
        };
        let next_deleted = match entry.event.as_str() {
            "deleted" | "delete" | "deletion requested" => true,
            "created" | "add" => false,
            _ => deleted,
        };
        if next_state != state || next_deleted != deleted {
            bars.push(Bar {
                from,
                to: at,
                state,
                deleted,
            });
            from = at;
            state = next_state;
            deleted = next_deleted;
        }
    }
    bars.push(Bar {
        from,
        to: end.max(from),
        state,
        deleted,
    });
    bars
}

struct Mark {
    at: i64,
    level: &'static str,
    detail: String,
}

/// One diamond per fact, or per time bucket when a lane has more than [`MAX_MARKS`] facts.
fn marks(entries: &[&Entry]) -> Vec<Mark> {
    let one = |e: &Entry| Mark {
        at: seconds(&e.ts).unwrap_or(0),
        level: level(&e.level),
        detail: format!("{}  {}  {}  {}", e.ts, e.source, e.event, e.detail),
    };
    if entries.len() <= MAX_MARKS {
        return entries.iter().map(|e| one(e)).collect();
    }
    let per_bucket = entries.len().div_ceil(MAX_MARKS);
    entries
        .chunks(per_bucket)
        .map(|chunk| {
            let worst = chunk
                .iter()
                .map(|e| level(&e.level))
                .max_by_key(|l| match *l {
                    "error" => 2,
                    "warning" => 1,
                    _ => 0,
                })
                .unwrap_or("info");
            Mark {
                at: seconds(&chunk[0].ts).unwrap_or(0),
                level: worst,
                detail: format!(
                    "{} facts from {} to {} (the first: {} {})",
                    chunk.len(),
                    chunk[0].ts,
                    chunk[chunk.len() - 1].ts,
                    chunk[0].event,
                    chunk[0].detail
                ),
            }
        })
        .collect()
}

fn level(level: &str) -> &'static str {
    match level {
        "error" => "error",
        "warning" => "warning",
        _ => "info",
    }
}

fn seconds(ts: &str) -> Option<i64> {
    ts.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

fn format_ts(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// A lane label of at most `max` characters that keeps its first word (the kind) and the end
/// of the name (where names differ), cutting the middle with `…`.
fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        return label.to_string();
    }
    let (kind, rest) = label.split_once(' ').unwrap_or(("", label));
    let keep = max.saturating_sub(kind.chars().count() + 2).max(8);
    let chars: Vec<char> = rest.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(keep)..].iter().collect();
    format!("{kind} …{tail}")
}

/// Text for HTML content and attribute values: markup characters as entities, control
/// characters as visible escapes (values come from a bundle someone else may have made).
fn text(value: &str) -> String {
    let visible = crate::terminal::escape_line(value);
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_lane_label_keeps_its_kind_and_the_end_of_its_name() {
        let label =
            "HostedCluster ocm-arohcpint-2qrppk0otds3rdmdcojqcqkqq8f0s591/x8y5p7r4g6j9e3v @mgmt-1";
        let short = shorten(label, 52);
        assert!(short.starts_with("HostedCluster …"), "{short}");
        assert!(short.ends_with("x8y5p7r4g6j9e3v @mgmt-1"), "{short}");
        assert_eq!(short.chars().count(), 52);
        assert_eq!(shorten("ManagedCluster x", 52), "ManagedCluster x");
    }

    #[test]
    fn values_from_the_bundle_cannot_become_markup() {
        assert_eq!(
            text("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(text("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
    }
}
