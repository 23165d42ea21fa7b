//! Redaction of Kubernetes Secrets wherever they sit in a JSON document (DESIGN.md §6).
//!
//! Secrets reach a bundle by more routes than the top-level `v1/Secret` object: as manifests
//! inside a Maestro payload (`data.manifests[]`, legacy `data.manifest`), inside a ManifestWork
//! carried by such a payload (`spec.workload.manifests[]`), in `List` items, and inside *strings*
//! that hold JSON (status feedback `jsonRaw`, the `kubectl.kubernetes.io/last-applied-configuration`
//! annotation, the CloudEvent `metadata` that old rows stored as a string). Rather than list those
//! paths, [`redact`] walks the whole tree, so a new nesting cannot slip through.
//!
//! A redacted value becomes a [`marker`] that keeps the key and the value's length, so an analyst
//! can still see that `.dockerconfigjson` was set and roughly how big it was.
//!
//! Pure `serde_json`, no I/O: the collector calls it on each row or object before spooling it.

use serde_json::{Map, Value};

const MARKER_PREFIX: &str = "<redacted by mwtrace: ";
const MARKER_SUFFIX: &str = " bytes>";

/// How deep [`redact`] descends, counting JSON decoded from strings as further levels. Real
/// payloads (a payload holding a ManifestWork holding a HostedCluster) stay far below it; the bound
/// exists for hostile input. It stays below serde_json's own parse limit (128), so embedded JSON within the
/// bound always parses.
const MAX_DEPTH: usize = 64;

/// Marker written in place of a secret value: keeps that a value existed and its length.
pub fn marker(len: usize) -> String {
    format!("{MARKER_PREFIX}{len}{MARKER_SUFFIX}")
}

/// True if `text` is a marker produced by `marker`.
pub fn is_marker(text: &str) -> bool {
    text.strip_prefix(MARKER_PREFIX)
        .and_then(|rest| rest.strip_suffix(MARKER_SUFFIX))
        .is_some_and(|len| len.bytes().all(|b| b.is_ascii_digit()) && len.parse::<usize>().is_ok())
}

/// Redacts every Secret found anywhere in `value`, in place; returns how many values were redacted.
///
/// Existing markers are left alone and not counted, so redacting twice changes nothing.
pub fn redact(value: &mut Value) -> usize {
    walk(value, 0)
}

fn walk(value: &mut Value, depth: usize) -> usize {
    if depth > MAX_DEPTH {
        return redact_too_deep(value);
    }
    match value {
        Value::Object(map) => {
            let mut count = 0;
            if is_core(map, "Secret") {
                count += redact_secret(map);
            } else if is_core(map, "SecretList") {
                count += redact_kindless_items(map);
            }
            if is_secret_status(map) {
                count += redact_feedback(map);
            }
            // Still descend into a Secret: its own last-applied-configuration annotation repeats
            // the data.
            count
                + map
                    .values_mut()
                    .map(|child| walk(child, depth + 1))
                    .sum::<usize>()
        }
        Value::Array(items) => items.iter_mut().map(|item| walk(item, depth + 1)).sum(),
        Value::String(text) => redact_embedded_json(text, depth),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

/// True for `kind: <kind>` in the core group: `apiVersion` is `v1`, or absent or empty, as in
/// hand-written manifests and in some tools' output.
fn is_core(map: &Map<String, Value>, kind: &str) -> bool {
    map.get("kind").and_then(Value::as_str) == Some(kind)
        && match map.get("apiVersion") {
            None | Some(Value::Null) => true,
            Some(Value::String(version)) => version.is_empty() || version == "v1",
            Some(_) => false,
        }
}

/// Replaces the values of a Secret's `data` (base64) and `stringData` (plain text).
fn redact_secret(secret: &mut Map<String, Value>) -> usize {
    let mut count = 0;
    for (field, base64) in [("data", true), ("stringData", false)] {
        match secret.get_mut(field) {
            None | Some(Value::Null) => {}
            Some(Value::Object(entries)) => {
                count += entries
                    .values_mut()
                    .map(|v| redact_value(v, base64))
                    .sum::<usize>();
            }
            // Not a map, so not a valid Secret, but its content is still secret as a whole.
            Some(other) => count += redact_value(other, false),
        }
    }
    count
}

/// The list API (`GET /api/v1/secrets`) returns `SecretList` items without `kind`/`apiVersion`;
/// those are Secrets too. Items that name their kind are handled by the ordinary walk.
fn redact_kindless_items(list: &mut Map<String, Value>) -> usize {
    let Some(Value::Array(items)) = list.get_mut("items") else {
        return 0;
    };
    items
        .iter_mut()
        .filter_map(Value::as_object_mut)
        .filter(|item| !item.contains_key("kind"))
        .map(redact_secret)
        .sum()
}

/// A per-manifest status entry (ManifestWork `status.resourceStatus.manifests[]`, Maestro
/// `data.resourceStatus[]`) whose `resourceMeta` names a core Secret. Its feedback values were read
/// from the Secret, and a rule such as `.data` copies the data out without any `kind` beside it.
fn is_secret_status(map: &Map<String, Value>) -> bool {
    map.get("resourceMeta")
        .and_then(Value::as_object)
        .is_some_and(|meta| {
            meta.get("kind").and_then(Value::as_str) == Some("Secret")
                && meta
                    .get("group")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .is_empty()
        })
}

/// Redacts every `statusFeedback.values[].fieldValue` member except its `type`.
fn redact_feedback(status: &mut Map<String, Value>) -> usize {
    let Some(Value::Array(values)) = status
        .get_mut("statusFeedback")
        .and_then(|feedback| feedback.get_mut("values"))
    else {
        return 0;
    };
    values
        .iter_mut()
        .filter_map(|value| value.get_mut("fieldValue").and_then(Value::as_object_mut))
        .flat_map(|field| field.iter_mut().filter(|(key, _)| *key != "type"))
        .map(|(_, v)| redact_value(v, false))
        .sum()
}

/// Replaces one secret value by its marker; returns 1 if it did.
fn redact_value(value: &mut Value, base64: bool) -> usize {
    let len = match &*value {
        Value::Null => return 0,
        Value::String(text) if is_marker(text) => return 0,
        Value::String(text) if base64 => base64_decoded_len(text)
            .or_else(|| oc_redacted_len(text))
            .unwrap_or(text.len()),
        Value::String(text) => text.len(),
        other => other.to_string().len(),
    };
    *value = Value::String(marker(len));
    1
}

/// Decodes, redacts and re-encodes a string that holds JSON, so a Secret inside `jsonRaw` or an
/// annotation is caught. The string is rewritten only when something was redacted, so every other
/// string keeps its exact bytes.
fn redact_embedded_json(text: &mut String, depth: usize) -> usize {
    let looks_like_json = matches!(
        text.trim_start().as_bytes().first(),
        Some(b'{' | b'[' | b'"')
    );
    if !looks_like_json || !might_hide_secret(text) {
        return 0;
    }
    if nesting(text) > MAX_DEPTH {
        // Too deep to parse safely: drop it whole rather than let a Secret through.
        *text = marker(text.len());
        return 1;
    }
    let Ok(mut inner) = serde_json::from_str::<Value>(text) else {
        return 0; // Not JSON after all (a message that starts with a brace).
    };
    let count = walk(&mut inner, depth + 1);
    if count > 0 {
        *text = inner.to_string();
    }
    count
}

/// Past [`MAX_DEPTH`], a subtree that might hold a Secret is replaced whole by a marker of its
/// JSON length; anything else is kept.
fn redact_too_deep(value: &mut Value) -> usize {
    let text = value.to_string();
    if !might_hide_secret(&text) {
        return 0;
    }
    *value = Value::String(marker(text.len()));
    1
}

/// Secrets in container log text (issue 16 item 1): only where a pattern leaves no doubt, so
/// that ordinary lines keep their bytes. Each value becomes a [`marker`] of its length:
/// * a bearer token: `Bearer <token>` (token68 characters), when the line names
///   `Authorization` before it or the token is at least 16 characters long;
/// * a password: the value of a key ending in `password`, as `password=VALUE` (also quoted,
///   `db_password=`, `--password=`) or JSON `"password":"VALUE"`; `password_policy=strict`, a
///   bare `password` and an empty value are left alone;
/// * a PEM private key: everything between `-----BEGIN ... PRIVATE KEY-----` and its
///   `-----END` line, on one line (escaped newlines in a JSON log) or over the following lines
///   ([`PEM_MAX_LINES`] at most, should the END line never come).
///
/// Lines are fed in order, without their line end; the redactor carries a PEM block from one
/// line to the next.
#[derive(Debug, Default)]
pub struct LogRedactor {
    /// Inside a PEM private key block: its body lines redacted so far.
    pem_lines: Option<usize>,
    redacted: usize,
}

/// A log redacted on its way into `inner`, for logs that arrive in chunks (`collect --logs`
/// streams them): complete lines go through a [`LogRedactor`]; a line longer than
/// [`STREAM_LINE_BYTES`] is redacted and passed on in pieces of that size.
pub struct RedactingWriter<W: std::io::Write> {
    inner: W,
    redactor: LogRedactor,
    pending: Vec<u8>,
}

/// How much of one line a [`RedactingWriter`] holds before passing it on (the log parser
/// reads lines up to 1 MiB).
pub const STREAM_LINE_BYTES: usize = 1 << 20;

impl<W: std::io::Write> RedactingWriter<W> {
    pub fn new(inner: W) -> Self {
        RedactingWriter {
            inner,
            redactor: LogRedactor::new(),
            pending: Vec::new(),
        }
    }

    /// Passes on the last, unterminated line; returns the writer and the values redacted.
    pub fn finish(mut self) -> std::io::Result<(W, usize)> {
        self.pass_pending(false)?;
        Ok((self.inner, self.redactor.redacted()))
    }

    fn pass_pending(&mut self, line_end: bool) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            let line = self.redactor.line(&self.pending);
            self.inner.write_all(&line)?;
            self.pending.clear();
        }
        if line_end {
            self.inner.write_all(b"\n")?;
        }
        Ok(())
    }
}

impl<W: std::io::Write> std::io::Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            match rest.iter().position(|b| *b == b'\n') {
                Some(end) => {
                    self.pending.extend_from_slice(&rest[..end]);
                    self.pass_pending(true)?;
                    rest = &rest[end + 1..];
                }
                None => {
                    self.pending.extend_from_slice(rest);
                    rest = &[];
                }
            }
            if self.pending.len() >= STREAM_LINE_BYTES {
                self.pass_pending(false)?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The longest PEM body redacted line by line without its END line (a 16384-bit RSA key is
/// about 200 lines of base64).
pub const PEM_MAX_LINES: usize = 256;

const PEM_BEGIN: &[u8] = b"-----BEGIN ";
const PEM_END: &[u8] = b"-----END ";
const PEM_DASHES: &[u8] = b"-----";

impl LogRedactor {
    pub fn new() -> LogRedactor {
        LogRedactor::default()
    }

    /// Secret values redacted so far (a PEM block counts once).
    pub fn redacted(&self) -> usize {
        self.redacted
    }

    /// One line, redacted; borrowed as it was when nothing in it is secret.
    pub fn line<'a>(&mut self, line: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        use std::borrow::Cow;
        if let Some(n) = self.pem_lines {
            if find(line, PEM_END).is_some() || n >= PEM_MAX_LINES {
                self.pem_lines = None;
            } else {
                self.pem_lines = Some(n + 1);
                return Cow::Owned(marker(line.len()).into_bytes());
            }
        }
        let mut text = Cow::Borrowed(line);
        for pass in [Self::pem, Self::bearer, Self::password] {
            if let Some(changed) = pass(self, &text) {
                text = Cow::Owned(changed);
            }
        }
        text
    }

    /// A PEM private key starting on this line: its body, to the END marker or the line's end.
    fn pem(&mut self, line: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut rest = line;
        while let Some(begin) = find(rest, PEM_BEGIN) {
            let label_from = begin + PEM_BEGIN.len();
            let Some(label_len) = find(&rest[label_from..], PEM_DASHES) else {
                break;
            };
            let body_from = label_from + label_len + PEM_DASHES.len();
            if !rest[label_from..label_from + label_len].ends_with(b"PRIVATE KEY") {
                out.extend_from_slice(&rest[..body_from]);
                rest = &rest[body_from..];
                continue;
            }
            out.extend_from_slice(&rest[..body_from]);
            let body = &rest[body_from..];
            self.redacted += 1;
            match find(body, PEM_END) {
                Some(end) => {
                    out.extend_from_slice(marker(end).as_bytes());
                    rest = &body[end..];
                }
                None => {
                    if !body.trim_ascii().is_empty() {
                        out.extend_from_slice(marker(body.len()).as_bytes());
                    }
                    self.pem_lines = Some(0);
                    rest = &[];
                    break;
                }
            }
        }
        if out.is_empty() {
            return None;
        }
        out.extend_from_slice(rest);
        Some(out)
    }

    /// `Bearer <token>`.
    fn bearer(&mut self, line: &[u8]) -> Option<Vec<u8>> {
        let token_char = |b: u8| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        };
        self.replace_values(line, b"bearer ", |line, at| {
            let from = at + b"bearer ".len();
            let mut to = from;
            while to < line.len() && token_char(line[to]) {
                to += 1;
            }
            while to < line.len() && line[to] == b'=' {
                to += 1;
            }
            let len = to - from;
            let named = find_ascii_ci(&line[..at], b"authorization").is_some();
            (len >= 16 || (len > 0 && named)).then_some(from..to)
        })
    }

    /// `password=VALUE`, `"password":"VALUE"`.
    fn password(&mut self, line: &[u8]) -> Option<Vec<u8>> {
        self.replace_values(line, b"password", |line, at| {
            let after = &line[at + b"password".len()..];
            let (skip, quoted_json) = match after {
                [b'=', ..] => (1, false),
                [b'"', b':', ..] => (2, true),
                _ => return None,
            };
            let mut from = line.len() - after.len() + skip;
            if quoted_json {
                while line.get(from) == Some(&b' ') {
                    from += 1;
                }
                if line.get(from) != Some(&b'"') {
                    return None; // a number, null, an object: not a password value
                }
            }
            if line[from..].starts_with(MARKER_PREFIX.as_bytes()) {
                return None; // redacted already
            }
            let (from, to) = match line.get(from) {
                Some(&q @ (b'"' | b'\'')) => {
                    let start = from + 1;
                    let mut end = start;
                    while end < line.len() && line[end] != q {
                        end += if line[end] == b'\\' { 2 } else { 1 };
                    }
                    (start, end.min(line.len()))
                }
                _ => {
                    let end = line[from..]
                        .iter()
                        .position(|b| b.is_ascii_whitespace() || b"&,;\"'".contains(b))
                        .map_or(line.len(), |i| from + i);
                    (from, end)
                }
            };
            let value = &line[from..to];
            let already = std::str::from_utf8(value).is_ok_and(is_marker);
            (!value.is_empty() && !already).then_some(from..to)
        })
    }

    /// Replaces the value that `value_at` finds after each case-insensitive `needle`.
    fn replace_values(
        &mut self,
        line: &[u8],
        needle: &[u8],
        value_at: impl Fn(&[u8], usize) -> Option<std::ops::Range<usize>>,
    ) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let (mut copied, mut search) = (0, 0);
        while let Some(i) = find_ascii_ci(&line[search..], needle) {
            let at = search + i;
            search = at + needle.len();
            if let Some(range) = value_at(line, at) {
                out.extend_from_slice(&line[copied..range.start]);
                out.extend_from_slice(marker(range.len()).as_bytes());
                copied = range.end;
                search = search.max(range.end);
                self.redacted += 1;
            }
        }
        if copied == 0 {
            return None;
        }
        out.extend_from_slice(&line[copied..]);
        Some(out)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn find_ascii_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Cheap filter before parsing: `"Secret"` can only appear, at any level of JSON-in-JSON, as the
/// literal letters or through a `\u` escape.
fn might_hide_secret(text: &str) -> bool {
    text.contains("Secret") || text.contains("\\u")
}

/// Deepest `{`/`[` nesting of JSON text, ignoring brackets inside string literals.
fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for byte in text.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    deepest
}

/// Byte length of what `text` decodes to as padded standard base64 (Go's `StdEncoding`, which the
/// API server uses for Secret `data`; it skips CR and LF), or `None` if it is not such base64.
/// Computed from the text alone: the length is all the marker needs.
fn base64_decoded_len(text: &str) -> Option<usize> {
    let (mut symbols, mut padding) = (0usize, 0usize);
    for byte in text.bytes() {
        match byte {
            b'\r' | b'\n' => {}
            b'=' => padding += 1,
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' if padding == 0 => symbols += 1,
            _ => return None,
        }
    }
    let total = symbols + padding;
    if padding > 2 || total % 4 != 0 {
        return None;
    }
    // Every 4 symbols carry 3 bytes; each `=` stands for one byte fewer.
    Some(total / 4 * 3 - padding)
}

/// `oc adm inspect` (must-gather) already replaced Secret data with `"<N> bytes long"`; keep its N
/// when a must-gather directory is imported, not the length of that phrase.
fn oc_redacted_len(text: &str) -> Option<usize> {
    text.strip_suffix(" bytes long")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_streamed_in_chunks_is_redacted_as_whole_lines() {
        use std::io::Write;
        let log = b"ok line\nAuthorization: Bearer abcdefghijklmnopqrstuvwxyz0123\npassword=hunter2 user=x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nlast without end";
        let mut whole = Vec::new();
        let mut redactor = LogRedactor::new();
        for (i, line) in log.split(|b| *b == b'\n').enumerate() {
            if i > 0 {
                whole.push(b'\n');
            }
            whole.extend_from_slice(&redactor.line(line));
        }
        // Chunks of 3 bytes split tokens, keys and line ends: the result is the same.
        let mut writer = RedactingWriter::new(Vec::new());
        for chunk in log.chunks(3) {
            writer.write_all(chunk).unwrap();
        }
        let (streamed, redacted) = writer.finish().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&streamed),
            String::from_utf8_lossy(&whole)
        );
        assert_eq!(redacted, redactor.redacted());
        assert_eq!(redacted, 3, "token, password and key");
        let text = String::from_utf8(streamed).unwrap();
        assert!(!text.contains("hunter2") && !text.contains("abcdefghijklmnop"));
        assert!(!text.contains("MIIEpAIBAAKCAQEA") && text.starts_with("ok line\n"));
        assert!(text.ends_with("last without end"));
    }
    use serde_json::json;

    /// Planted values: base64 `data` (unpadded and padded) and plain `stringData`.
    const PASSWORD_B64: &str = "c3VwZXItc2VjcmV0LXBhc3N3b3JkLTQy"; // "super-secret-password-42"
    const KEY_B64: &str = "1ob6uAy0DAlTmRZREk0fQyJO/H0kEBFsU+wwOcLgZQI="; // 32 random bytes
    const TOKEN: &str = "plain-text-token-value";
    const PLANTED: [&str; 3] = [PASSWORD_B64, KEY_B64, TOKEN];

    fn secret() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db-creds", "namespace": "ocm-arohcpint-x"},
            "type": "Opaque",
            "data": {"password": PASSWORD_B64, "key": KEY_B64},
            "stringData": {"token": TOKEN},
        })
    }

    /// Same data as [`secret`], in an object that is not a Secret.
    fn config_map() -> Value {
        let mut cm = secret();
        cm["kind"] = json!("ConfigMap");
        cm.as_object_mut().unwrap().remove("type");
        cm
    }

    /// Plants a Secret with `place`, redacts, and checks: no planted value is left anywhere,
    /// the keys and the right markers are there, and the count is 3 per Secret. Then plants a
    /// ConfigMap with the same data the same way and checks that nothing changes.
    fn check_place(secrets: usize, place: impl Fn(Value) -> Value) {
        let mut value = place(secret());
        assert_eq!(redact(&mut value), 3 * secrets);
        let text = serde_json::to_string(&value).unwrap();
        for planted in PLANTED {
            assert!(!text.contains(planted), "{planted} left in {text}");
        }
        for key in ["password", "key", "token", "db-creds"] {
            assert!(text.contains(key), "{key} lost in {text}");
        }
        for len in [24, 32, TOKEN.len()] {
            assert_eq!(
                text.matches(&marker(len)).count(),
                secrets,
                "marker({len}) in {text}"
            );
        }

        let mut untouched = place(config_map());
        let before = untouched.clone();
        assert_eq!(redact(&mut untouched), 0);
        assert_eq!(untouched, before);
    }

    /// A Maestro `resources.payload` CloudEvent around `manifests`.
    fn payload(data: Value) -> Value {
        json!({
            "specversion": "1.0",
            "type": "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request",
            "metadata": {"name": "work-1", "labels": {"api.openshift.com/id": "cid1"}},
            "data": data,
        })
    }

    fn manifest_work(manifests: Vec<Value>) -> Value {
        json!({
            "apiVersion": "work.open-cluster-management.io/v1",
            "kind": "ManifestWork",
            "metadata": {"name": "cid1", "namespace": "local-cluster"},
            "spec": {"workload": {"manifests": manifests}},
        })
    }

    #[test]
    fn marker_round_trips_and_rejects_near_misses() {
        assert_eq!(marker(24), "<redacted by mwtrace: 24 bytes>");
        assert!(is_marker(&marker(0)));
        assert!(is_marker(&marker(usize::MAX)));
        for text in [
            "",
            "<redacted by mwtrace:  bytes>",
            "<redacted by mwtrace: x bytes>",
            "<redacted by mwtrace: 24 bytes> ",
            "24 bytes long",
            PASSWORD_B64,
        ] {
            assert!(!is_marker(text), "{text:?}");
        }
    }

    #[test]
    fn top_level_secret_keeps_keys_and_lengths() {
        check_place(1, |obj| obj);
        let mut value = secret();
        redact(&mut value);
        assert_eq!(
            value["data"],
            json!({"password": marker(24), "key": marker(32)})
        );
        assert_eq!(value["stringData"], json!({"token": marker(TOKEN.len())}));
        assert_eq!(value["metadata"], secret()["metadata"]);
        assert_eq!(value["type"], "Opaque");
    }

    #[test]
    fn secret_without_api_version_is_redacted() {
        check_place(1, |mut obj| {
            obj.as_object_mut().unwrap().remove("apiVersion");
            obj
        });
    }

    #[test]
    fn secret_in_other_group_is_not_a_core_secret() {
        let mut value = secret();
        value["apiVersion"] = json!("example.com/v1");
        let before = value.clone();
        assert_eq!(redact(&mut value), 0);
        assert_eq!(value, before);
    }

    #[test]
    fn secret_in_payload_manifests() {
        check_place(1, |obj| {
            payload(json!({"manifests": [config_map_other(), obj]}))
        });
    }

    #[test]
    fn secret_in_legacy_single_manifest() {
        check_place(1, |obj| {
            payload(json!({"manifest": obj, "configOption": {}}))
        });
    }

    #[test]
    fn secret_in_manifest_work_nested_in_payload() {
        check_place(2, |obj| {
            payload(json!({"manifests": [manifest_work(vec![obj.clone(), obj])]}))
        });
    }

    #[test]
    fn secret_in_list_items() {
        check_place(
            1,
            |obj| json!({"apiVersion": "v1", "kind": "List", "items": [obj]}),
        );
    }

    #[test]
    fn secret_list_items_without_kind() {
        // As the list API returns them: items carry neither kind nor apiVersion.
        check_place(1, |mut obj| {
            let list_kind = if obj["kind"] == "Secret" {
                "SecretList"
            } else {
                "ConfigMapList"
            };
            let item = obj.as_object_mut().unwrap();
            item.remove("kind");
            item.remove("apiVersion");
            json!({"apiVersion": "v1", "kind": list_kind, "metadata": {}, "items": [obj]})
        });
    }

    #[test]
    fn secret_in_json_raw_feedback_string() {
        // A local-cluster ManifestWork's status fed back through Maestro as `jsonRaw`, its own
        // feedback carrying the Secret as `jsonRaw` again: two levels of JSON in strings.
        check_place(1, |obj| {
            let inner = json!({"resourceStatus": {"manifests": [{
                "statusFeedback": {"values": [{
                    "name": "object", "fieldValue": {"type": "JsonRaw", "jsonRaw": obj.to_string()},
                }]},
            }]}});
            json!({"data": {"resourceStatus": [{
                "resourceMeta": {"kind": "ManifestWork", "group": "work.open-cluster-management.io"},
                "statusFeedback": {"values": [{
                    "name": "status", "fieldValue": {"type": "JsonRaw", "jsonRaw": inner.to_string()},
                }]},
            }]}})
        });
        // Still a string, still valid JSON.
        let mut value = json!({"jsonRaw": secret().to_string()});
        redact(&mut value);
        let decoded: Value = serde_json::from_str(value["jsonRaw"].as_str().unwrap()).unwrap();
        assert_eq!(decoded["data"]["key"], marker(32));
    }

    #[test]
    fn feedback_read_from_a_secret_manifest() {
        // A rule `.data` on a Secret copies the data out with no `kind` next to it.
        let data = secret()["data"].to_string();
        let mut value = json!({"resourceStatus": {"manifests": [{
            "resourceMeta": {"group": "", "version": "v1", "kind": "Secret", "name": "db-creds"},
            "statusFeedback": {"values": [
                {"name": "data", "fieldValue": {"type": "JsonRaw", "jsonRaw": data}},
                {"name": "type", "fieldValue": {"type": "String", "string": "Opaque"}},
            ]},
        }]}});
        assert_eq!(redact(&mut value), 2);
        let text = value.to_string();
        assert!(
            !text.contains(PASSWORD_B64) && !text.contains(KEY_B64),
            "{text}"
        );
        let values = &value["resourceStatus"]["manifests"][0]["statusFeedback"]["values"];
        assert_eq!(values[0]["fieldValue"]["type"], "JsonRaw");
        assert_eq!(values[1]["fieldValue"]["string"], marker("Opaque".len()));
    }

    #[test]
    fn secret_in_last_applied_configuration() {
        // `kubectl apply` repeats the whole Secret, data included, in this annotation.
        check_place(2, |mut obj| {
            let applied = obj.to_string();
            obj["metadata"]["annotations"] =
                json!({"kubectl.kubernetes.io/last-applied-configuration": applied});
            obj
        });
    }

    #[test]
    fn secret_in_metadata_stored_as_string() {
        // Rows before 2024-06-25 keep the CloudEvent `metadata` as a JSON string; a Secret can
        // hide in it through the last-applied-configuration annotation.
        check_place(1, |obj| {
            let metadata = json!({"name": "work-1", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": obj.to_string(),
            }});
            json!({"metadata": metadata.to_string(), "data": {"manifests": []}})
        });
    }

    #[test]
    fn secret_in_status_event_payload() {
        check_place(
            1,
            |obj| json!({"id": "e1", "payload": payload(json!({"manifests": [obj]}))}),
        );
    }

    #[test]
    fn strings_without_secrets_keep_their_bytes() {
        let spaced = "{ \"kind\" : \"ConfigMap\" }";
        let mut value = json!({"a": spaced, "b": "{not json Secret", "c": "[1, 2]", "d": "Secret"});
        let before = value.clone();
        assert_eq!(redact(&mut value), 0);
        assert_eq!(value, before);
    }

    #[test]
    fn redacting_twice_changes_nothing() {
        let mut value = payload(json!({"manifests": [secret()]}));
        redact(&mut value);
        let once = value.clone();
        assert_eq!(redact(&mut value), 0);
        assert_eq!(value, once);
    }

    #[test]
    fn unicode_escaped_kind_in_a_string_is_found() {
        let escaped = secret()
            .to_string()
            .replace("\"Secret\"", "\"\\u0053ecret\"");
        let mut value = json!({"jsonRaw": escaped});
        assert_eq!(redact(&mut value), 3);
        assert!(!value.to_string().contains(PASSWORD_B64));
    }

    #[test]
    fn malformed_secrets_do_not_panic_and_leak_nothing() {
        let mut value = json!([
            {"kind": "Secret", "data": "c2VjcmV0", "stringData": ["s3cr3t"]},
            {"kind": "Secret", "data": {"n": 12345, "nothing": null, "o": {"x": "s3cr3t"}}},
            {"kind": 7, "apiVersion": 1, "data": {"a": "b"}},
            {"kind": "SecretList", "items": "nope"},
            {"kind": "SecretList", "items": [1, "x", {"data": {"k": "s3cr3t"}}]},
        ]);
        assert_eq!(redact(&mut value), 5);
        let text = value.to_string();
        assert!(!text.contains("c2VjcmV0") && !text.contains("s3cr3t") && !text.contains("12345"));
        assert_eq!(value[1]["data"]["nothing"], Value::Null);
        assert_eq!(value[2]["data"]["a"], "b");
    }

    #[test]
    fn must_gather_lengths_are_kept() {
        let mut value = json!({"kind": "Secret", "data": {"tls.key": "1704 bytes long"}});
        redact(&mut value);
        assert_eq!(value["data"]["tls.key"], marker(1704));
    }

    #[test]
    fn secret_beyond_the_depth_limit_is_dropped_not_leaked() {
        let mut value = secret();
        for _ in 0..2 * MAX_DEPTH {
            value = json!([value]);
        }
        assert_eq!(redact(&mut value), 1);
        assert!(!value.to_string().contains(PASSWORD_B64));

        // The same inside a string nested too deep to parse.
        let deep = format!("{}{}{}", "[".repeat(200), secret(), "]".repeat(200));
        let mut value = json!({"jsonRaw": deep});
        assert_eq!(redact(&mut value), 1);
        assert!(is_marker(value["jsonRaw"].as_str().unwrap()));

        // Deep data without a Secret is kept.
        let mut value = json!(1);
        for _ in 0..2 * MAX_DEPTH {
            value = json!({"a": value});
        }
        let before = value.clone();
        assert_eq!(redact(&mut value), 0);
        assert_eq!(value, before);
    }

    #[test]
    fn base64_length_is_computed_from_the_text() {
        for (text, len) in [
            ("", Some(0)),
            ("YQ==", Some(1)),
            ("YWI=", Some(2)),
            ("YWJj", Some(3)),
            (PASSWORD_B64, Some(24)),
            (KEY_B64, Some(32)),
            ("YWJj\nZGVm\r\n", Some(6)),
            ("YWJ", None),
            ("YQ=A", None),
            ("Y===", None),
            ("__OCP_PULL_SECRET__", None),
            ("YW Jj", None),
            ("YWJj-_==", None),
        ] {
            assert_eq!(base64_decoded_len(text), len, "{text:?}");
        }
    }

    /// A ConfigMap with unrelated data, beside the planted object.
    fn config_map_other() -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "b"}})
    }

    fn log(lines: &[&str]) -> (Vec<String>, usize) {
        let mut redactor = LogRedactor::new();
        let out = lines
            .iter()
            .map(|l| String::from_utf8(redactor.line(l.as_bytes()).into_owned()).unwrap())
            .collect();
        (out, redactor.redacted())
    }

    #[test]
    fn log_lines_lose_bearer_tokens_passwords_and_private_keys() {
        let (out, n) = log(&[
            "I0101 GET /api Authorization: Bearer abc.def-ghi",
            r#"{"msg":"login","password":"hunter2","user":"a"}"#,
            "connecting with password=hunter2 user=admin",
            "db_password='s3cr et' --password=x&next=1",
            "token eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.payload.sig in header: bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ",
            "-----BEGIN RSA PRIVATE KEY-----",
            "MIIEpAIBAAKCAQEA",
            "-----END RSA PRIVATE KEY-----",
            r#"{"key":"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"}"#,
        ]);
        assert_eq!(
            out[0],
            "I0101 GET /api Authorization: Bearer <redacted by mwtrace: 11 bytes>"
        );
        assert_eq!(
            out[1],
            r#"{"msg":"login","password":"<redacted by mwtrace: 7 bytes>","user":"a"}"#
        );
        assert_eq!(
            out[2],
            "connecting with password=<redacted by mwtrace: 7 bytes> user=admin"
        );
        assert_eq!(
            out[3],
            "db_password='<redacted by mwtrace: 7 bytes>' --password=<redacted by mwtrace: 1 bytes>&next=1"
        );
        assert!(
            out[4].ends_with("bearer <redacted by mwtrace: 34 bytes>"),
            "{}",
            out[4]
        );
        assert!(
            out[4].starts_with("token eyJ"),
            "a token without Bearer stays: {}",
            out[4]
        );
        assert_eq!(out[5], "-----BEGIN RSA PRIVATE KEY-----");
        assert_eq!(out[6], "<redacted by mwtrace: 16 bytes>");
        assert_eq!(out[7], "-----END RSA PRIVATE KEY-----");
        assert_eq!(
            out[8],
            r#"{"key":"-----BEGIN PRIVATE KEY-----<redacted by mwtrace: 8 bytes>-----END PRIVATE KEY-----\n"}"#
        );
        assert_eq!(n, 8);
        // redacting twice changes nothing
        let again: Vec<&str> = out.iter().map(String::as_str).collect();
        assert_eq!(log(&again[..5]).1, 0);
    }

    #[test]
    fn ordinary_log_lines_keep_their_bytes() {
        let lines = [
            "password_policy=strict min_length=12",
            "password reset requested for user bob",
            "the password: field is required; password= (empty)",
            r#"{"password":null,"passwordChanged":true}"#,
            "Bearer tokens expire after 1h",
            "-----BEGIN CERTIFICATE-----",
            "MIIDdzCCAl+gAwIBAgIE",
            "-----END CERTIFICATE-----",
            "authorization failed: Bearer",
        ];
        let (out, n) = log(&lines);
        assert_eq!(out, lines);
        assert_eq!(n, 0);
    }
}
