//! Label and field selectors as the API server parses them, turned into SQL conditions with
//! every value bound as a parameter (label keys are checked against the Kubernetes syntax
//! first, so the JSON path built from one cannot escape its quotes).

use duckdb::types::Value as SqlValue;

use super::ServeError;

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Exists,
    NotExists,
    Eq(String),
    NotEq(String),
    In(Vec<String>),
    NotIn(Vec<String>),
}

/// `labelSelector`: requirements joined by commas, all of which must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector {
    requirements: Vec<(String, Op)>,
}

fn bad(msg: String) -> ServeError {
    ServeError::BadRequest(msg)
}

fn valid_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
    });
    name_ok && prefix_ok
}

fn valid_value(value: &str) -> bool {
    value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Splits on the commas that are not inside parentheses.
fn split_top(text: &str) -> Result<Vec<&str>, ServeError> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if !(0..=1).contains(&depth) {
            return Err(bad(format!(
                "unable to parse requirement: unbalanced parentheses in {text:?}"
            )));
        }
    }
    if depth != 0 {
        return Err(bad(format!(
            "unable to parse requirement: unbalanced parentheses in {text:?}"
        )));
    }
    parts.push(&text[start..]);
    Ok(parts)
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<LabelSelector, ServeError> {
        let mut requirements = Vec::new();
        if text.trim().is_empty() {
            return Ok(LabelSelector { requirements });
        }
        for part in split_top(text)? {
            let part = part.trim();
            let requirement = parse_requirement(part)?;
            requirements.push(requirement);
        }
        Ok(LabelSelector { requirements })
    }

    /// SQL conditions over the JSON column `labels`, ANDed, with their parameters appended.
    pub fn sql(&self, column: &str, params: &mut Vec<SqlValue>) -> Vec<String> {
        let mut out = Vec::new();
        for (key, op) in &self.requirements {
            let path = format!("$.\"{key}\"");
            let value = format!("json_extract_string({column}, ?)");
            match op {
                Op::Exists => {
                    out.push(format!("json_extract({column}, ?) IS NOT NULL"));
                    params.push(SqlValue::Text(path));
                }
                Op::NotExists => {
                    out.push(format!("json_extract({column}, ?) IS NULL"));
                    params.push(SqlValue::Text(path));
                }
                Op::Eq(v) => {
                    out.push(format!("{value} = ?"));
                    params.push(SqlValue::Text(path));
                    params.push(SqlValue::Text(v.clone()));
                }
                Op::NotEq(v) => {
                    out.push(format!("{value} IS DISTINCT FROM ?"));
                    params.push(SqlValue::Text(path));
                    params.push(SqlValue::Text(v.clone()));
                }
                Op::In(vs) | Op::NotIn(vs) => {
                    let marks = vec!["?"; vs.len()].join(", ");
                    if matches!(op, Op::In(_)) {
                        out.push(format!("{value} IN ({marks})"));
                        params.push(SqlValue::Text(path));
                    } else {
                        out.push(format!("({value} IS NULL OR {value} NOT IN ({marks}))"));
                        params.push(SqlValue::Text(path.clone()));
                        params.push(SqlValue::Text(path));
                    }
                    params.extend(vs.iter().map(|v| SqlValue::Text(v.clone())));
                }
            }
        }
        out
    }
}

fn parse_requirement(part: &str) -> Result<(String, Op), ServeError> {
    let check_key = |key: &str| -> Result<String, ServeError> {
        let key = key.trim();
        if valid_key(key) {
            Ok(key.to_string())
        } else {
            Err(bad(format!(
                "unable to parse requirement: invalid label key {key:?}"
            )))
        }
    };
    let check_value = |value: &str| -> Result<String, ServeError> {
        let value = value.trim();
        if valid_value(value) {
            Ok(value.to_string())
        } else {
            Err(bad(format!(
                "unable to parse requirement: invalid label value {value:?}"
            )))
        }
    };
    if let Some(key) = part.strip_prefix('!') {
        return Ok((check_key(key)?, Op::NotExists));
    }
    for (sep, neg) in [("!=", true), ("==", false), ("=", false)] {
        if let Some((key, value)) = part.split_once(sep) {
            let value = check_value(value)?;
            let op = if neg { Op::NotEq(value) } else { Op::Eq(value) };
            return Ok((check_key(key)?, op));
        }
    }
    if let Some(open) = part.find('(') {
        let head = part[..open].trim();
        let list = part[open + 1..]
            .strip_suffix(')')
            .ok_or_else(|| bad(format!("unable to parse requirement: {part:?}")))?;
        let (key, word) = head
            .rsplit_once(char::is_whitespace)
            .ok_or_else(|| bad(format!("unable to parse requirement: {part:?}")))?;
        let values = list
            .split(',')
            .map(check_value)
            .collect::<Result<Vec<_>, _>>()?;
        let op = match word {
            "in" => Op::In(values),
            "notin" => Op::NotIn(values),
            _ => {
                return Err(bad(format!(
                    "unable to parse requirement: unknown operator {word:?}"
                )));
            }
        };
        return Ok((check_key(key)?, op));
    }
    Ok((check_key(part)?, Op::Exists))
}

/// `fieldSelector`: `metadata.name`, `metadata.namespace`, and `status.phase` for pods, with
/// `=`, `==` or `!=`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector {
    requirements: Vec<(Field, bool, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    Name,
    Namespace,
    Phase,
}

impl FieldSelector {
    /// `pods` says whether `status.phase` is a supported field.
    pub fn parse(text: &str, pods: bool) -> Result<FieldSelector, ServeError> {
        let mut requirements = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, negated, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, true, v)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, false, v)
            } else {
                return Err(bad(format!(
                    "invalid selector: '{part}'; can't understand '{part}'"
                )));
            };
            let field = match field.trim() {
                "metadata.name" => Field::Name,
                "metadata.namespace" => Field::Namespace,
                "status.phase" if pods => Field::Phase,
                other => {
                    return Err(bad(format!("field label not supported: {other}")));
                }
            };
            requirements.push((field, negated, value.trim().to_string()));
        }
        Ok(FieldSelector { requirements })
    }

    /// SQL conditions over `namespace`, `name` and `object`, ANDed.
    pub fn sql(&self, params: &mut Vec<SqlValue>) -> Vec<String> {
        self.requirements
            .iter()
            .map(|(field, negated, value)| {
                let column = match field {
                    Field::Name => "name",
                    Field::Namespace => "coalesce(namespace, '')",
                    Field::Phase => "json_extract_string(object, '$.status.phase')",
                };
                params.push(SqlValue::Text(value.clone()));
                if *negated {
                    format!("{column} IS DISTINCT FROM ?")
                } else {
                    format!("{column} = ?")
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_operator() {
        let s = LabelSelector::parse(
            "app=a,tier==b,env!=c,k in (x, y),j notin (z),has,!gone,api.openshift.com/id=abc",
        )
        .unwrap();
        assert_eq!(s.requirements.len(), 8);
        assert_eq!(s.requirements[3].1, Op::In(vec!["x".into(), "y".into()]));
        assert_eq!(s.requirements[6].1, Op::NotExists);
        let mut params = Vec::new();
        assert_eq!(s.sql("labels", &mut params).len(), 8);
    }

    #[test]
    fn refuses_malformed_selectors() {
        for text in ["a=b=c\"", "k in (a", "\"x\"=1", "a b c", "k foo (a)", "x=)"] {
            assert!(LabelSelector::parse(text).is_err(), "{text}");
        }
        assert!(FieldSelector::parse("spec.nodeName=x", true).is_err());
        assert!(FieldSelector::parse("status.phase=Running", false).is_err());
        assert!(FieldSelector::parse("status.phase=Running,metadata.name!=a", true).is_ok());
    }
}
