//! Container logs, line by line, into entries: zap JSON (and any JSON-lines logger), zap
//! console (`2023-06-20T15:42:39Z  INFO  logger  msg  {json}`), klog (`E0530 05:01:20.297972
//! 1 file.go:367] msg k="v"`), logfmt, Go's standard `log` and plain text, each possibly behind
//! the container runtime's RFC 3339 timestamp (`kubectl logs --timestamps`, CRI log files).
//!
//! Go stack traces (`goroutine N [...]`, frames, tab-indented `file.go:N` lines) and any
//! indented line belong to the entry before them: they are appended to its `raw`. A line that
//! no format explains is kept whole as a `plain` entry; nothing is ever dropped but blank
//! lines.

use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::civil::Date;
use regex::Regex;
use serde_json::{Map, Value};

use super::ids::{self, Ids};
use super::kv;

/// The most text kept in one entry's `raw` (a stack dump of every goroutine can be megabytes).
pub const MAX_ENTRY_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Panic,
    Fatal,
}

impl Level {
    pub const ALL: [Level; 7] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Panic,
        Level::Fatal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Panic => "panic",
            Level::Fatal => "fatal",
        }
    }

    /// A level as loggers spell it: `INFO`, `warning`, `E`, zap's `LEVEL(-3)` (a verbosity,
    /// so debug), klog JSON's `v`.
    pub fn parse(word: &str) -> Option<Level> {
        let w = word.trim().to_ascii_lowercase();
        Some(match w.as_str() {
            "trace" | "trc" => Level::Trace,
            "debug" | "dbg" | "d" => Level::Debug,
            "info" | "inf" | "i" | "notice" => Level::Info,
            "warn" | "warning" | "wrn" | "w" => Level::Warn,
            "error" | "err" | "erro" | "e" => Level::Error,
            "dpanic" | "panic" => Level::Panic,
            "fatal" | "crit" | "critical" | "f" => Level::Fatal,
            _ if w.starts_with("level(") && w.ends_with(')') => {
                match w[6..w.len() - 1].parse::<i64>() {
                    Ok(n) if n < 0 => Level::Debug,
                    Ok(0) => Level::Info,
                    Ok(1) => Level::Warn,
                    Ok(_) => Level::Error,
                    Err(_) => return None,
                }
            }
            _ => return None,
        })
    }
}

/// Which parser understood an entry (the `logs.format` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Console,
    Klog,
    Logfmt,
    StdLog,
    Plain,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Console => "console",
            Format::Klog => "klog",
            Format::Logfmt => "logfmt",
            Format::StdLog => "stdlog",
            Format::Plain => "plain",
        }
    }
}

/// One log entry: its first line and everything attached to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// 1-based line of the file where the entry starts.
    pub line: u64,
    pub ts: Option<Timestamp>,
    pub level: Option<Level>,
    pub logger: Option<String>,
    pub caller: Option<String>,
    pub msg: String,
    pub fields: Map<String, Value>,
    /// The entry's lines as written, runtime timestamp and stack trace included.
    pub raw: String,
    pub format: Format,
    pub ids: Ids,
}

/// What is known outside the file: the snapshot's date, which gives klog lines their year.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    pub reference: Option<Date>,
}

/// Groups physical lines into entries. Feed lines in order with [`EntryParser::push`]; finished
/// entries are appended to the caller's vector; [`EntryParser::finish`] flushes the last one.
pub struct EntryParser {
    ctx: Context,
    current: Option<Open>,
    /// Blank lines seen after the current entry, kept only if a continuation follows them.
    blanks: Vec<String>,
    /// A CRI partial line (`P`) waiting for its end: (first line, runtime ts, raw, content).
    partial: Option<(u64, Option<Timestamp>, String, String)>,
}

struct Open {
    entry: Entry,
    /// Inside a stack trace: unindented Go frame lines continue the entry.
    in_stack: bool,
    dropped_lines: u64,
}

impl EntryParser {
    pub fn new(ctx: Context) -> EntryParser {
        EntryParser {
            ctx,
            current: None,
            blanks: Vec::new(),
            partial: None,
        }
    }

    /// One physical line (without its newline).
    pub fn push(&mut self, line_no: u64, line: &str, out: &mut Vec<Entry>) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let (runtime_ts, content) = split_runtime_prefix(line);
        // CRI log files: `<ts> stdout|stderr P|F <text>`; P is a partial line continued by the
        // next record.
        if runtime_ts.is_some()
            && let Some((tag, text)) = cri_stream(content)
        {
            let (start, ts, mut raw, mut joined) =
                self.partial
                    .take()
                    .unwrap_or((line_no, runtime_ts, String::new(), String::new()));
            if !raw.is_empty() {
                raw.push('\n');
            }
            raw.push_str(line);
            joined.push_str(text);
            if tag == 'P' {
                self.partial = Some((start, ts, raw, joined));
            } else {
                self.line(start, ts, &raw, &joined, out);
            }
            return;
        }
        if let Some((start, ts, raw, joined)) = self.partial.take() {
            self.line(start, ts, &raw, &joined, out);
        }
        self.line(line_no, runtime_ts, line, content, out);
    }

    fn line(
        &mut self,
        line_no: u64,
        runtime_ts: Option<Timestamp>,
        raw: &str,
        content: &str,
        out: &mut Vec<Entry>,
    ) {
        if content.trim().is_empty() {
            if self.current.as_ref().is_some_and(|o| o.in_stack) {
                self.blanks.push(raw.to_string());
            }
            return;
        }
        if let Some(open) = &mut self.current
            && is_continuation(content, open)
        {
            for blank in self.blanks.drain(..) {
                open.append(&blank);
            }
            open.append(raw);
            open.in_stack = true;
            return;
        }
        self.blanks.clear();
        let heads = parse_heads(content, &self.ctx);
        let many = heads.len() > 1;
        for head in heads {
            self.flush(out);
            let mut entry = head.entry;
            entry.line = line_no;
            entry.raw = match (&head.piece, many) {
                (Some(piece), true) => piece.clone(),
                _ => raw.to_string(),
            };
            // The runtime's timestamp is exact; a klog header has no year.
            if runtime_ts.is_some() && (entry.ts.is_none() || entry.format == Format::Klog) {
                entry.ts = runtime_ts;
            }
            self.current = Some(Open {
                in_stack: head.starts_stack,
                entry,
                dropped_lines: 0,
            });
        }
    }

    fn flush(&mut self, out: &mut Vec<Entry>) {
        self.blanks.clear();
        if let Some(open) = self.current.take() {
            out.push(open.close());
        }
    }

    /// Flushes the last entry (and a dangling CRI partial line).
    pub fn finish(&mut self, out: &mut Vec<Entry>) {
        if let Some((start, ts, raw, text)) = self.partial.take() {
            self.line(start, ts, &raw, &text, out);
        }
        self.flush(out);
    }
}

impl Open {
    fn append(&mut self, raw: &str) {
        if self.entry.raw.len() + raw.len() + 1 > MAX_ENTRY_BYTES {
            self.dropped_lines += 1;
            return;
        }
        self.entry.raw.push('\n');
        self.entry.raw.push_str(raw);
    }

    fn close(mut self) -> Entry {
        if self.dropped_lines > 0 {
            self.entry.raw.push_str(&format!(
                "\n[mwtrace: {} more lines of this entry not kept]",
                self.dropped_lines
            ));
        }
        self.entry
    }
}

/// A `<RFC 3339> ` prefix written by the container runtime, and the text after it. A zap
/// console line also starts with a timestamp, but a level follows it, not the text.
fn split_runtime_prefix(line: &str) -> (Option<Timestamp>, &str) {
    if !starts_with_date(line) {
        return (None, line);
    }
    let Some(space) = line.find(' ') else {
        return match parse_ts_text(line) {
            Some(ts) => (Some(ts), ""),
            None => (None, line),
        };
    };
    let (head, rest) = (&line[..space], &line[space + 1..]);
    if !head.contains('T') {
        return (None, line);
    }
    // `ts  INFO  ...` is zap console; `ts \t/path/file.go:12` is an indented line behind a prefix.
    let first_word = rest.split_whitespace().next().unwrap_or("");
    if console_level(first_word).is_some() {
        return (None, line);
    }
    match parse_ts_text(head) {
        Some(ts) => (Some(ts), rest),
        None => (None, line),
    }
}

/// A level word as a console encoder prints it (never a single letter, unlike klog's).
fn console_level(word: &str) -> Option<Level> {
    if word.len() < 3 {
        return None;
    }
    Level::parse(word)
}

/// `stdout F text` / `stderr P text` after a CRI timestamp.
fn cri_stream(rest: &str) -> Option<(char, &str)> {
    let after = rest
        .strip_prefix("stdout ")
        .or_else(|| rest.strip_prefix("stderr "))?;
    let mut chars = after.chars();
    let tag = chars.next()?;
    if !matches!(tag, 'F' | 'P') {
        return None;
    }
    let text = chars.as_str();
    match text.strip_prefix(' ') {
        Some(text) => Some((tag, text)),
        None if text.is_empty() => Some((tag, "")),
        None => None,
    }
}

fn starts_with_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// RFC 3339 (any offset, any fraction), or the same without a zone (then UTC).
pub fn parse_ts_text(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts);
    }
    // More than 9 fractional digits, or no zone at all.
    let trimmed = trim_fraction(s, 9);
    if let Ok(ts) = trimmed.parse::<Timestamp>() {
        return Some(ts);
    }
    let civil = trimmed.parse::<jiff::civil::DateTime>().ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

fn trim_fraction(s: &str, max: usize) -> String {
    let Some(dot) = s.find('.') else {
        return s.to_string();
    };
    let digits = s[dot + 1..].bytes().take_while(u8::is_ascii_digit).count();
    if digits <= max {
        return s.to_string();
    }
    format!("{}{}", &s[..dot + 1 + max], &s[dot + 1 + digits..])
}

/// Epoch seconds, milliseconds, microseconds or nanoseconds, by magnitude.
fn parse_ts_number(n: f64) -> Option<Timestamp> {
    if !n.is_finite() || n <= 0.0 {
        return None;
    }
    let micros = if n < 1e11 {
        n * 1e6
    } else if n < 1e14 {
        n * 1e3
    } else if n < 1e17 {
        n
    } else {
        n / 1e3
    };
    Timestamp::from_microsecond(micros.round() as i64).ok()
}

fn parse_ts_value(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => {
            parse_ts_text(s).or_else(|| s.parse::<f64>().ok().and_then(parse_ts_number))
        }
        Value::Number(n) => n.as_f64().and_then(parse_ts_number),
        _ => None,
    }
}

static GO_FILE_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\S+\.go:\d+(?: \+0x[0-9a-f]+)?$").expect("file regex"));
static GO_FRAME: LazyLock<Regex> = LazyLock::new(|| {
    // `main.main()`, `k8s.io/x/y.(*T).Run(0xc000123, {0x1, 0x2})`, `pkg/path.func1`
    Regex::new(r"^[\w\-.~/]*[\w\-~]\.[\w\-.*()\[\]]+(?:\(.*\))?$").expect("frame regex")
});
static KLOG_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d{6}\s+\d+ [^\s\]]+:\d+\] ").expect("klog regex")
});
static STD_LOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ").expect("log")
});
static CALLER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w\-.~/@]+\.go:\d+$").expect("caller regex"));
static COLUMNS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\t| {2,}").expect("columns regex"));

/// Whether `content` continues the open entry rather than starting one.
fn is_continuation(content: &str, open: &Open) -> bool {
    if content.starts_with([' ', '\t']) {
        return true;
    }
    if let Some(rest) = content.strip_prefix("goroutine ")
        && rest.starts_with(|c: char| c.is_ascii_digit())
        && rest.contains(" [")
    {
        return true;
    }
    if content.starts_with("created by ") || GO_FILE_LINE.is_match(content) {
        return true;
    }
    let stacky = open.in_stack || open.entry.level.is_some_and(|l| l >= Level::Error);
    if !stacky {
        return false;
    }
    if content.starts_with("exit status ") || content.starts_with("[signal ") {
        return true;
    }
    // An unindented frame: no spaces (outside its argument list), a package path or a call.
    let head = content.split('(').next().unwrap_or(content);
    if head.is_empty() || head.contains([' ', ':', '=', '"']) {
        return false;
    }
    if open.in_stack
        && content.ends_with(')')
        && head
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '_')
    {
        return true; // `panic({0x1e2f3a0?, 0x3c2b5e0?})`
    }
    (content.contains('/') || content.ends_with(')')) && GO_FRAME.is_match(content)
}

/// An entry's start as one format reads it; `piece` is its own text when a physical line held
/// several entries (concatenated JSON objects, glued klog lines).
struct Head {
    entry: Entry,
    piece: Option<String>,
    starts_stack: bool,
}

fn entry(format: Format, msg: String) -> Entry {
    Entry {
        line: 0,
        ts: None,
        level: None,
        logger: None,
        caller: None,
        msg,
        fields: Map::new(),
        raw: String::new(),
        format,
        ids: Ids::default(),
    }
}

fn head(mut entry: Entry, piece: Option<String>) -> Head {
    entry.ids = ids::extract(&entry.msg, &entry.fields);
    let starts_stack =
        matches!(entry.level, Some(Level::Panic | Level::Fatal)) && entry.format == Format::Plain;
    Head {
        entry,
        piece,
        starts_stack,
    }
}

fn parse_heads(content: &str, ctx: &Context) -> Vec<Head> {
    if content.starts_with('{')
        && let Some(heads) = json_heads(content)
    {
        return heads;
    }
    if let Some(heads) = klog_heads(content, ctx) {
        return heads;
    }
    if let Some(e) = console(content) {
        return vec![head(e, None)];
    }
    if let Some(e) = std_log(content) {
        return vec![head(e, None)];
    }
    for (prefix, level) in [("panic: ", Level::Panic), ("fatal error: ", Level::Fatal)] {
        if content.starts_with(prefix) {
            let mut e = entry(Format::Plain, content.to_string());
            e.level = Some(level);
            return vec![head(e, None)];
        }
    }
    if let Some(e) = logfmt(content) {
        return vec![head(e, None)];
    }
    vec![head(entry(Format::Plain, content.to_string()), None)]
}

/// One or more JSON objects (some loggers glue two on a line). None when the text is not JSON.
fn json_heads(content: &str) -> Option<Vec<Head>> {
    let mut stream = serde_json::Deserializer::from_str(content).into_iter::<Value>();
    let mut heads = Vec::new();
    let mut start = 0;
    while let Some(item) = stream.next() {
        let Ok(Value::Object(map)) = item else {
            return None;
        };
        let end = stream.byte_offset();
        let piece = content[start..end].trim().to_string();
        start = end;
        heads.push(head(json_entry(map), Some(piece)));
    }
    (!heads.is_empty() && content[start..].trim().is_empty()).then_some(heads)
}

fn take_str(map: &mut Map<String, Value>, keys: &[&str]) -> Option<String> {
    for key in keys {
        if let Some(Value::String(_)) = map.get(*key)
            && let Some(Value::String(s)) = map.shift_remove(*key)
        {
            return Some(s);
        }
    }
    None
}

fn json_entry(mut map: Map<String, Value>) -> Entry {
    let mut e = entry(Format::Json, String::new());
    for key in ["ts", "time", "timestamp", "@timestamp", "T"] {
        if let Some(ts) = map.get(key).and_then(parse_ts_value) {
            e.ts = Some(ts);
            map.shift_remove(key);
            break;
        }
    }
    for key in ["level", "lvl", "severity", "L"] {
        if let Some(level) = map.get(key).and_then(Value::as_str).and_then(Level::parse) {
            e.level = Some(level);
            map.shift_remove(key);
            break;
        }
    }
    if e.level.is_none() {
        // klog's JSON format: `v` is the verbosity; errors carry `err` and no `v`.
        if let Some(v) = map.get("v").and_then(Value::as_i64) {
            e.level = Some(if v > 0 { Level::Debug } else { Level::Info });
            map.shift_remove("v");
        } else if map.contains_key("err") {
            e.level = Some(Level::Error);
        }
    }
    e.msg = take_str(&mut map, &["msg", "message", "M"]).unwrap_or_default();
    e.logger = take_str(&mut map, &["logger", "N"]);
    e.caller = take_str(&mut map, &["caller", "C"]);
    e.fields = map;
    e
}

/// `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`, possibly several glued on one line.
fn klog_heads(content: &str, ctx: &Context) -> Option<Vec<Head>> {
    let first = KLOG_HEADER.find(content)?;
    if first.start() != 0 {
        return None;
    }
    let mut starts: Vec<usize> = KLOG_HEADER.find_iter(content).map(|m| m.start()).collect();
    starts.push(content.len());
    let many = starts.len() > 2;
    let mut heads = Vec::new();
    for pair in starts.windows(2) {
        let piece = &content[pair[0]..pair[1]];
        let e = klog_entry(piece, ctx)?;
        heads.push(head(e, many.then(|| piece.to_string())));
    }
    Some(heads)
}

fn klog_entry(piece: &str, ctx: &Context) -> Option<Entry> {
    let b = piece.as_bytes();
    let level = Level::parse(&piece[..1])?;
    let num =
        |from: usize, len: usize| -> Option<i64> { piece.get(from..from + len)?.parse().ok() };
    let (month, day) = (num(1, 2)?, num(3, 2)?);
    let (hour, minute, second, micros) = (num(6, 2)?, num(9, 2)?, num(12, 2)?, num(15, 6)?);
    if b.get(5) != Some(&b' ') {
        return None;
    }
    let close = piece.find("] ")?;
    let header = &piece[21..close];
    let caller = header.split_whitespace().last()?.to_string();
    let text = piece[close + 2..].trim_end();

    let mut e = entry(Format::Klog, String::new());
    e.level = Some(level);
    e.caller = Some(caller);
    e.ts = klog_ts(ctx, month, day, hour, minute, second, micros);
    match kv::quoted(text) {
        // Structured (InfoS/ErrorS): `"msg" k=v ...`.
        Some((msg, used)) => {
            e.msg = msg;
            let (pairs, rest) = kv::pairs(&text[used..]);
            e.fields = pairs.into_iter().collect();
            if !rest.is_empty() {
                e.fields
                    .insert("_unparsed".into(), Value::String(rest.to_string()));
            }
        }
        None => e.msg = text.to_string(),
    }
    Some(e)
}

/// klog has no year: the snapshot's, or the year before when the date is after the snapshot's.
fn klog_ts(
    ctx: &Context,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    micros: i64,
) -> Option<Timestamp> {
    let reference = ctx.reference?;
    let mut year = reference.year();
    if (month, day) > (i64::from(reference.month()), i64::from(reference.day()) + 1) {
        year -= 1;
    }
    let date = Date::new(year, month as i8, day as i8).ok()?;
    let time = jiff::civil::Time::new(
        hour as i8,
        minute as i8,
        second as i8,
        (micros * 1000) as i32,
    )
    .ok()?;
    date.to_datetime(time)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// zap's console encoder: time, level, [logger], [caller], message, [JSON context], separated by
/// tabs (or by the runs of spaces a terminal or a copy turns them into).
fn console(content: &str) -> Option<Entry> {
    if !starts_with_date(content) {
        return None;
    }
    let ts_end = content.find([' ', '\t'])?;
    let ts = parse_ts_text(&content[..ts_end])?;
    let after_ts = content[ts_end..].trim_start_matches([' ', '\t']);
    let level_end = after_ts.find([' ', '\t']).unwrap_or(after_ts.len());
    let level = console_level(&after_ts[..level_end])?;
    let rest = after_ts[level_end..].trim_start_matches([' ', '\t']);

    let mut e = entry(Format::Console, String::new());
    e.ts = Some(ts);
    e.level = Some(level);
    let (text, fields) = trailing_json(rest);
    let has_json = fields.is_some();
    if let Some(fields) = fields {
        e.fields = fields;
    }
    let text = text.trim_end();
    // Column spans, in order.
    let mut spans = Vec::new();
    let mut start = 0;
    for sep in COLUMNS.find_iter(text) {
        spans.push((start, sep.start()));
        start = sep.end();
    }
    spans.push((start, text.len()));
    spans.retain(|(s, e)| s < e);
    let col = |i: usize| &text[spans[i].0..spans[i].1];
    let mut next = 0;
    let looks_like_logger = |s: &str| {
        !s.contains(' ')
            && !CALLER.is_match(s)
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
    };
    if spans.len() >= 2 && looks_like_logger(col(0)) {
        e.logger = Some(col(0).to_string());
        next = 1;
    } else if spans.len() == 1
        && has_json
        && looks_like_logger(col(0))
        && col(0).starts_with(|c: char| c.is_ascii_lowercase())
    {
        // `ERROR  httpclient    {"error": ...}`: a logger and an empty message.
        e.logger = Some(col(0).to_string());
        next = 1;
    }
    if next < spans.len() && CALLER.is_match(col(next)) {
        e.caller = Some(col(next).to_string());
        next += 1;
    }
    if next < spans.len() {
        e.msg = text[spans[next].0..].to_string();
    }
    Some(e)
}

/// Splits a trailing JSON object (zap console's context) from the text before it.
fn trailing_json(rest: &str) -> (&str, Option<Map<String, Value>>) {
    if !rest.trim_end().ends_with('}') {
        return (rest, None);
    }
    for (i, _) in rest.match_indices('{') {
        if i > 0 && !rest[..i].ends_with([' ', '\t']) {
            continue;
        }
        if let Ok(map) = serde_json::from_str::<Map<String, Value>>(&rest[i..]) {
            return (&rest[..i], Some(map));
        }
    }
    (rest, None)
}

/// Go's standard `log` package: `2023/06/28 19:09:06 text` (local time; taken as UTC).
fn std_log(content: &str) -> Option<Entry> {
    let caps = STD_LOG.captures(content)?;
    let n = |i: usize| caps.get(i).map_or("0", |m| m.as_str()).parse::<i32>().ok();
    let nanos = caps
        .get(7)
        .map(|m| format!("{:0<9}", m.as_str()).parse::<i32>().unwrap_or(0))
        .unwrap_or(0);
    let date = Date::new(n(1)? as i16, n(2)? as i8, n(3)? as i8).ok()?;
    let time = jiff::civil::Time::new(n(4)? as i8, n(5)? as i8, n(6)? as i8, nanos).ok()?;
    let mut e = entry(Format::StdLog, content[caps[0].len()..].to_string());
    e.ts = date
        .to_datetime(time)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp());
    Some(e)
}

/// `time=... level=info msg="..." k=v`: all pairs, with a level or a message among them.
fn logfmt(content: &str) -> Option<Entry> {
    let (pairs, rest) = kv::pairs(content);
    if !rest.is_empty() || pairs.len() < 2 {
        return None;
    }
    let mut map: Map<String, Value> = pairs.into_iter().collect();
    if !["level", "lvl", "msg", "message"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        return None;
    }
    let mut e = entry(Format::Logfmt, String::new());
    for key in ["time", "ts", "t", "timestamp"] {
        if let Some(ts) = map.get(key).and_then(parse_ts_value) {
            e.ts = Some(ts);
            map.shift_remove(key);
            break;
        }
    }
    for key in ["level", "lvl", "severity"] {
        if let Some(level) = map.get(key).and_then(Value::as_str).and_then(Level::parse) {
            e.level = Some(level);
            map.shift_remove(key);
            break;
        }
    }
    e.msg = take_str(&mut map, &["msg", "message"]).unwrap_or_default();
    e.logger = take_str(&mut map, &["logger", "component"]);
    e.caller = take_str(&mut map, &["caller", "source"]);
    e.fields = map;
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Context {
        Context {
            reference: Some(jiff::civil::date(2024, 6, 1)),
        }
    }

    fn parse(text: &str) -> Vec<Entry> {
        let mut parser = EntryParser::new(ctx());
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            parser.push(i as u64 + 1, line, &mut out);
        }
        parser.finish(&mut out);
        out
    }

    fn one(text: &str) -> Entry {
        let mut all = parse(text);
        assert_eq!(all.len(), 1, "{all:#?}");
        all.remove(0)
    }

    fn ts(e: &Entry) -> String {
        e.ts.map(|t| t.to_string()).unwrap_or_default()
    }

    #[test]
    fn zap_json_with_epoch_or_rfc3339_time_and_a_stacktrace_field() {
        let e = one(
            r#"{"level":"error","ts":"2024-05-30T05:01:20.298180924Z","logger":"main.setup","caller":"amr-observer/main.go:294","msg":"problem running manager","error":"leader election lost","stacktrace":"main.main\n\tamr-observer/main.go:294"}"#,
        );
        assert_eq!(e.format, Format::Json);
        assert_eq!(e.level, Some(Level::Error));
        assert_eq!(ts(&e), "2024-05-30T05:01:20.298180924Z");
        assert_eq!(e.logger.as_deref(), Some("main.setup"));
        assert_eq!(e.caller.as_deref(), Some("amr-observer/main.go:294"));
        assert_eq!(e.msg, "problem running manager");
        assert_eq!(e.fields["error"], "leader election lost");
        assert!(e.fields.contains_key("stacktrace"));

        let e = one(r#"{"level":"info","ts":1686800000.5,"msg":"m"}"#);
        assert_eq!(ts(&e), "2023-06-15T03:33:20.5Z");
        // klog's JSON format: milliseconds, `v` for the verbosity.
        let e = one(r#"{"ts":1686800000123.456,"caller":"x/y.go:1","msg":"m","v":2}"#);
        assert_eq!(e.level, Some(Level::Debug));
        assert_eq!(ts(&e), "2023-06-15T03:33:20.123456Z");
    }

    #[test]
    fn two_json_objects_on_one_line_are_two_entries() {
        let all = parse(
            r#"{"level":"error","msg":"a"} {"level":"info","ts":"2024-05-30T05:01:20Z","msg":"b"}"#,
        );
        assert_eq!(all.len(), 2);
        assert_eq!((all[0].line, all[1].line), (1, 1));
        assert_eq!(
            all[1].raw,
            r#"{"level":"info","ts":"2024-05-30T05:01:20Z","msg":"b"}"#
        );
    }

    #[test]
    fn zap_console_with_spaces_or_tabs() {
        let e = one(
            r#"2023-06-20T15:42:39Z  LEVEL(-3)  httpclient.circuitbreaker  AMR CloudEventHandler  {"availability": true, "State": "closed"}"#,
        );
        assert_eq!(e.format, Format::Console);
        assert_eq!(e.level, Some(Level::Debug));
        assert_eq!(e.logger.as_deref(), Some("httpclient.circuitbreaker"));
        assert_eq!(e.msg, "AMR CloudEventHandler");
        assert_eq!(
            Value::Object(e.fields),
            json!({"availability": true, "State": "closed"})
        );

        let e = one(
            "2023-06-20T15:42:39.123Z\tINFO\tcontroller\tcontroller/controller.go:220\tStarting workers\t{\"worker count\": 1}",
        );
        assert_eq!(
            (e.logger.as_deref(), e.caller.as_deref(), e.msg.as_str()),
            (
                Some("controller"),
                Some("controller/controller.go:220"),
                "Starting workers"
            )
        );
        let e = one(
            r#"2023-06-28T17:56:43Z  INFO  Starting Controller  {"controller": "imagevulnerabilityscan"}"#,
        );
        assert_eq!((e.logger, e.msg.as_str()), (None, "Starting Controller"));
        let e = one(
            r#"2023-06-20T19:01:58Z  ERROR  httpclient    {"error": "request failed with status 503"}"#,
        );
        assert_eq!(
            (e.logger.as_deref(), e.msg.as_str()),
            (Some("httpclient"), "")
        );
        assert_eq!(e.fields["error"], "request failed with status 503");
        let e = one(
            "2023-06-20T15:51:50Z  INFO  httpclient.circuitbreaker  Successfully sent CloudEvent",
        );
        assert_eq!(e.msg, "Successfully sent CloudEvent");
    }

    #[test]
    fn zap_console_stack_trace_frames_attach_to_the_error() {
        let all = parse(
            "2023-06-20T19:01:58Z  ERROR  httpclient    {\"error\": \"request failed with status 503\"}\n\
             gitlab.eng.vmware.com/tanzu/amr-observer/internal/client.(*CloudEventClient).logAndReturnError\n  \
             /workspace/internal/cloud/event/client/client.go:53\n\
             github.com/sony/gobreaker.(*CircuitBreaker).Execute\n  \
             /go/pkg/mod/github.com/sony/gobreaker@v0.5.0/gobreaker.go:242\n\
             2023-06-20T19:02:00Z  INFO  httpclient.circuitbreaker  Successfully sent CloudEvent",
        );
        assert_eq!(all.len(), 2, "{all:#?}");
        assert_eq!(all[0].raw.lines().count(), 5);
        assert_eq!(all[1].line, 6);
    }

    #[test]
    fn klog_structured_and_unstructured_with_the_snapshot_year() {
        let e = one(
            r#"I0530 05:01:20.297972       1 source_client.go:153] "Publishing resource for db row insert" resourceID="1ee62e78-d2ca-5c49-8a65-01e695821450" extensions=map[a:b c:d] count=2"#,
        );
        assert_eq!(e.format, Format::Klog);
        assert_eq!(e.level, Some(Level::Info));
        assert_eq!(ts(&e), "2024-05-30T05:01:20.297972Z");
        assert_eq!(e.caller.as_deref(), Some("source_client.go:153"));
        assert_eq!(e.msg, "Publishing resource for db row insert");
        assert_eq!(e.fields["extensions"], "map[a:b c:d]");
        assert_eq!(e.fields["count"], 2);
        assert_eq!(
            e.ids.resource_id.as_deref(),
            Some("1ee62e78-d2ca-5c49-8a65-01e695821450")
        );
        // December before a June snapshot is last year's.
        let e = one(
            "E1231 23:59:59.000001 7 leaderelection.go:367] Failed to update lock: i/o timeout",
        );
        assert_eq!(ts(&e), "2023-12-31T23:59:59.000001Z");
        assert_eq!(e.msg, "Failed to update lock: i/o timeout");
        assert!(e.fields.is_empty());
    }

    #[test]
    fn glued_klog_lines_are_split() {
        let all = parse(
            r#"E0530 05:01:20.297972       1 leaderelection.go:367] Failed to update lock: dial tcp 10.0.0.1:443: i/o timeoutI0530 05:01:20.298127       1 leaderelection.go:283] failed to renew lease amr/3ed94067: timed out waiting for the condition"#,
        );
        assert_eq!(all.len(), 2);
        assert!(all[0].msg.ends_with("i/o timeout"));
        assert_eq!(all[1].level, Some(Level::Info));
        assert!(all[1].msg.starts_with("failed to renew lease"));
    }

    #[test]
    fn logfmt_and_std_log_and_plain() {
        let e = one(
            r#"time="2024-05-30T05:01:20Z" level=warning msg="retrying request" attempt=3 op-id=abc"#,
        );
        assert_eq!(e.format, Format::Logfmt);
        assert_eq!(e.level, Some(Level::Warn));
        assert_eq!(e.msg, "retrying request");
        assert_eq!(e.fields["attempt"], 3);
        assert_eq!(e.ids.op_id.as_deref(), Some("abc"));

        let e = one("2023/06/28 19:09:06 No certs appended, using system certs only");
        assert_eq!(
            (e.format, ts(&e).as_str()),
            (Format::StdLog, "2023-06-28T19:09:06Z")
        );
        assert_eq!(e.msg, "No certs appended, using system certs only");

        let e = one("Extensions: whatever = this is");
        assert_eq!((e.format, e.level, e.ts), (Format::Plain, None, None));
        let e = one("{not json");
        assert_eq!((e.format, e.msg.as_str()), (Format::Plain, "{not json"));
    }

    #[test]
    fn runtime_timestamps_prefix_any_format() {
        let all = parse(
            "2024-05-30T05:01:20.100000000Z I0530 05:01:20.099999       1 x.go:1] \"hello\"\n\
             2024-05-30T05:01:21.000000000Z plain text line\n\
             2024-05-30T05:01:22.000000000Z {\"level\":\"info\",\"msg\":\"json\"}",
        );
        assert_eq!(all.len(), 3);
        assert_eq!(ts(&all[0]), "2024-05-30T05:01:20.1Z");
        assert_eq!(
            (all[1].format, ts(&all[1]).as_str()),
            (Format::Plain, "2024-05-30T05:01:21Z")
        );
        assert_eq!(all[1].msg, "plain text line");
        assert_eq!((all[2].format, all[2].msg.as_str()), (Format::Json, "json"));
        assert!(all[2].raw.starts_with("2024-05-30T05:01:22.000000000Z {"));
    }

    #[test]
    fn indented_lines_behind_runtime_timestamps_continue_the_entry() {
        let all = parse(
            "2026-11-21T08:59:58.77Z panic: boom\n\
             2026-11-21T08:59:58.77Z \n\
             2026-11-21T08:59:58.77Z goroutine 412 [running]:\n\
             2026-11-21T08:59:58.77Z main.main()\n\
             2026-11-21T08:59:58.77Z \t/workspace/main.go:181 +0x112\n\
             2026-11-21T08:59:59Z  INFO  setup  next",
        );
        assert_eq!(all.len(), 2, "{all:#?}");
        assert_eq!(all[0].raw.lines().count(), 5);
        assert_eq!(
            (all[1].format, all[1].msg.as_str()),
            (Format::Console, "next")
        );
    }

    #[test]
    fn cri_partial_lines_are_joined() {
        let all = parse(
            "2024-05-30T05:01:20.1Z stdout P {\"level\":\"info\",\n\
             2024-05-30T05:01:20.1Z stdout F \"msg\":\"joined\"}\n\
             2024-05-30T05:01:21Z stderr F plain",
        );
        assert_eq!(all.len(), 2);
        assert_eq!(
            (all[0].format, all[0].msg.as_str()),
            (Format::Json, "joined")
        );
        assert_eq!(all[1].line, 3);
    }

    #[test]
    fn a_go_panic_is_an_entry_with_its_goroutines() {
        let all = parse(
            "I0530 05:01:20.297972 1 x.go:1] \"working\"\n\
             panic: runtime error: invalid memory address or nil pointer dereference\n\
             [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1a2b3c]\n\
             \n\
             goroutine 1 [running]:\n\
             main.main()\n\
             \t/app/main.go:12 +0x1d\n\
             created by k8s.io/client-go/tools/cache.(*Reflector).Run in goroutine 120\n\
             \t/go/pkg/mod/k8s.io/client-go/tools/cache/reflector.go:300 +0x80\n\
             exit status 2\n\
             I0530 05:01:21.000000 1 x.go:1] \"restarted\"",
        );
        assert_eq!(all.len(), 3, "{all:#?}");
        assert_eq!(all[1].level, Some(Level::Panic));
        assert_eq!(all[1].line, 2);
        assert_eq!(all[1].raw.lines().count(), 9);
        assert_eq!(all[2].msg, "restarted");
    }

    #[test]
    fn frames_after_an_info_line_start_entries_and_blank_lines_vanish() {
        let all = parse("{\"level\":\"info\",\"msg\":\"a\"}\n\nmain.main()\n\n");
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].format, Format::Plain);
        assert_eq!(all[1].line, 3);
    }

    #[test]
    fn huge_stack_traces_are_capped() {
        let mut text = String::from("panic: boom\n");
        for i in 0..40_000 {
            text.push_str(&format!(
                "\t/very/long/path/to/some/file/number/{i}.go:1 +0x1\n"
            ));
        }
        let e = one(&text);
        assert!(e.raw.len() <= MAX_ENTRY_BYTES + 100);
        assert!(
            e.raw.ends_with("more lines of this entry not kept]"),
            "{}",
            &e.raw[e.raw.len() - 80..]
        );
    }

    #[test]
    fn never_panics_on_garbage() {
        // Fragments of every format, multi-byte characters and control bytes, spliced at
        // random (a fixed seed): the parser must keep every non-blank line and never panic.
        let pieces = [
            "2024-05-30T05:01:20.1Z ",
            "E0530 05:01:20.297972 1 f.go:1] ",
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            "map[",
            "k=",
            "=v",
            " ",
            "\t",
            "é",
            "日本",
            "\u{1b}[31m",
            "panic: ",
            "goroutine 1 [",
            "main.main()",
            "\tx.go:1 +0x1",
            "stdout P ",
            "stdout F ",
            "2023/06/28 19:09:06 ",
            "  INFO  ",
            "LEVEL(-",
            ")",
            "level=",
            "msg=\"",
            "\"ts\":",
            "1e400",
            "-",
            ".",
            ":",
            "\u{0}",
        ];
        let mut seed: u64 = 0x9e3779b97f4a7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut text = String::new();
        for _ in 0..3000 {
            let n = next() % 12;
            for _ in 0..n {
                text.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
            text.push('\n');
        }
        let mut parser = EntryParser::new(ctx());
        let mut out = Vec::new();
        for (i, line) in text.split('\n').enumerate() {
            parser.push(i as u64 + 1, line, &mut out);
        }
        parser.finish(&mut out);
        assert!(!out.is_empty());
        assert!(out.windows(2).all(|w| w[0].line <= w[1].line));
    }

    #[test]
    fn levels() {
        for (word, level) in [
            ("INFO", Level::Info),
            ("warning", Level::Warn),
            ("E", Level::Error),
            ("DPANIC", Level::Panic),
            ("LEVEL(-3)", Level::Debug),
            ("Level(-1)", Level::Debug),
        ] {
            assert_eq!(Level::parse(word), Some(level), "{word}");
        }
        assert_eq!(Level::parse("verbose"), None);
    }
}
