//! `key=value` pairs as klog's text format and logfmt print them, and the Go-quoted strings
//! inside them (`"receive the event from client" op-id="e63…" extensions=map[a:b c:d]`).
//!
//! A bare value runs to the next space outside brackets and quotes, so the `map[...]`, `{...}`
//! and `[...]` values klog prints with `%+v` stay whole.

use serde_json::Value;

/// Reads a double-quoted string (Go `%q` escapes) at the start of `s`: its unescaped text and
/// the bytes it took, quotes included. None when `s` does not start with a closed string.
pub(crate) fn quoted(s: &str) -> Option<(String, usize)> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'"') {
        return None;
    }
    let mut out = String::new();
    let mut chars = s[1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 2)),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '\'' => out.push('\''),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    'x' | 'u' | 'U' => {
                        let width = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut hex = String::new();
                        for _ in 0..width {
                            hex.push(chars.next()?.1);
                        }
                        match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                            Some(c) => out.push(c),
                            None => {
                                out.push('\\');
                                out.push(e);
                                out.push_str(&hex);
                            }
                        }
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// The length of a bare value at the start of `s`: up to the first whitespace that is outside
/// brackets and quoted strings.
fn bare_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' if depth > 0 => {
                // skip a quoted string inside a bracketed value
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'[' | b'{' | b'(' => depth += 1,
            b']' | b'}' | b')' => depth = depth.saturating_sub(1),
            b' ' | b'\t' if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/' | b'@')
}

/// A bare value as JSON: numbers and booleans typed, a JSON object or array parsed, anything
/// else (including klog's `map[...]`) a string.
fn typed(bare: &str) -> Value {
    match bare {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "<nil>" | "null" => return Value::Null,
        _ => {}
    }
    if let Ok(n) = bare.parse::<i64>() {
        return n.into();
    }
    if bare.contains(['.', 'e', 'E'])
        && bare.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && let Ok(f) = bare.parse::<f64>()
        && f.is_finite()
    {
        return f.into();
    }
    if (bare.starts_with('{') || bare.starts_with('['))
        && let Ok(v) = serde_json::from_str::<Value>(bare)
    {
        return v;
    }
    Value::String(bare.to_string())
}

/// Pairs parsed from `s`, and the text left over where parsing stopped (empty when `s` was all
/// pairs).
pub(crate) fn pairs(s: &str) -> (Vec<(String, Value)>, &str) {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let key_len = rest.bytes().take_while(|b| is_key_byte(*b)).count();
        if key_len == 0 || rest.as_bytes().get(key_len) != Some(&b'=') {
            break;
        }
        let key = &rest[..key_len];
        let after = &rest[key_len + 1..];
        let (value, used) = if after.starts_with('"') {
            match quoted(after) {
                Some((text, used)) => (Value::String(text), used),
                None => break,
            }
        } else {
            let len = bare_len(after);
            (typed(&after[..len]), len)
        };
        let next = &after[used..];
        if !(next.is_empty() || next.starts_with([' ', '\t'])) {
            break;
        }
        out.push((key.to_string(), value));
        rest = next.trim_start();
    }
    (out, rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_quoted_strings() {
        assert_eq!(
            quoted(r#""a \"b\"\n" rest"#),
            Some(("a \"b\"\n".into(), 11))
        );
        assert_eq!(quoted(r#""é\u00e9\x41""#).unwrap().0, "ééA");
        assert_eq!(quoted(r#""unterminated"#), None);
        assert_eq!(quoted("bare"), None);
    }

    #[test]
    fn klog_pairs_keep_maps_whole_and_type_values() {
        let (found, rest) = pairs(
            r#"resourceID="55c61e54" count=3 ok=true ratio=0.5 extensions=map[clustername:mgmt-1 logtracing:{"op-id":"x y"}] err=<nil> obj={"a":1}"#,
        );
        assert_eq!(rest, "");
        let map: serde_json::Map<String, Value> = found.into_iter().collect();
        assert_eq!(
            Value::Object(map),
            json!({"resourceID": "55c61e54", "count": 3, "ok": true, "ratio": 0.5,
                   "extensions": "map[clustername:mgmt-1 logtracing:{\"op-id\":\"x y\"}]",
                   "err": null, "obj": {"a": 1}})
        );
    }

    #[test]
    fn stops_at_text_that_is_not_a_pair() {
        let (found, rest) = pairs("a=1 then some words b=2");
        assert_eq!(found.len(), 1);
        assert_eq!(rest, "then some words b=2");
        let (found, rest) = pairs("just words");
        assert!(found.is_empty());
        assert_eq!(rest, "just words");
    }
}
