//! The JSONPath subset of printer columns: `.a.b`, `['a.b']`, `[0]`, `[*]` and
//! `[?(@.type=="Ready")]` filters, as CRDs' additionalPrinterColumns use them. A path that
//! does not parse yields no value (an empty cell), as the API server prints it.

use serde_json::Value;

#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    All,
    /// `[?(@.a.b=="v")]` (or `!=`)
    Filter(Vec<String>, bool, String),
}

fn parse(path: &str) -> Option<Vec<Step>> {
    let path = path.trim().trim_start_matches('{').trim_end_matches('}');
    let path = path.strip_prefix('$').unwrap_or(path);
    let mut steps = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end > 0 {
                steps.push(Step::Key(r[..end].to_string()));
            }
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = find_close(r)?;
            let inner = r[..end].trim();
            rest = &r[end + 1..];
            if inner == "*" {
                steps.push(Step::All);
            } else if let Ok(i) = inner.parse() {
                steps.push(Step::Index(i));
            } else if let Some(f) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
                let f = f.trim().strip_prefix("@.")?;
                let (lhs, neg, rhs) = if let Some((l, r)) = f.split_once("!=") {
                    (l, true, r)
                } else {
                    let (l, r) = f.split_once("==")?;
                    (l, false, r)
                };
                let rhs = rhs.trim().trim_matches(|c| c == '"' || c == '\'');
                let keys = lhs.trim().split('.').map(str::to_string).collect();
                steps.push(Step::Filter(keys, neg, rhs.to_string()));
            } else {
                let key = inner.trim_matches(|c| c == '"' || c == '\'');
                steps.push(Step::Key(key.to_string()));
            }
        } else {
            return None;
        }
    }
    Some(steps)
}

/// The index of the `]` closing a bracket, quotes respected.
fn find_close(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ']') => return Some(i),
            _ => {}
        }
    }
    None
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every value the path selects (a filter or `[*]` may select several).
pub fn select<'v>(object: &'v Value, path: &str) -> Vec<&'v Value> {
    let Some(steps) = parse(path) else {
        return Vec::new();
    };
    let mut current = vec![object];
    for step in &steps {
        let mut next = Vec::new();
        for v in current {
            match step {
                Step::Key(k) => next.extend(v.get(k.as_str())),
                Step::Index(i) => next.extend(v.get(*i)),
                Step::All => match v {
                    Value::Array(a) => next.extend(a.iter()),
                    Value::Object(o) => next.extend(o.values()),
                    _ => {}
                },
                Step::Filter(keys, neg, want) => {
                    for item in v.as_array().into_iter().flatten() {
                        let mut field = Some(item);
                        for k in keys {
                            field = field.and_then(|f| f.get(k.as_str()));
                        }
                        let matched = field.map(scalar_text).as_deref() == Some(want.as_str());
                        if matched != *neg {
                            next.push(item);
                        }
                    }
                }
            }
        }
        current = next;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_keys_indexes_and_filters() {
        let v = serde_json::json!({"status": {"conditions": [
            {"type": "Available", "status": "True"}, {"type": "Progressing", "status": "False"}]},
            "metadata": {"labels": {"a.b/c": "x"}}});
        assert_eq!(
            select(&v, ".status.conditions[?(@.type==\"Progressing\")].status"),
            vec![&serde_json::json!("False")]
        );
        assert_eq!(
            select(&v, ".status.conditions[0].type"),
            vec![&serde_json::json!("Available")]
        );
        assert_eq!(
            select(&v, ".metadata.labels['a.b/c']"),
            vec![&serde_json::json!("x")]
        );
        assert!(select(&v, ".status.conditions[").is_empty());
        assert_eq!(select(&v, ".status.conditions[*].type").len(), 2);
    }
}
