//! One file's content to records, by format: YAML (multi-document, read by serde-saphyr), JSON (one
//! value, read as a stream so that a huge List or array never sits in memory whole) and NDJSON
//! (line by line). The content decides what each document is: a Kubernetes object or List, a
//! Maestro REST document, or rows of the table the file is named after.

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::ops::Range;

use serde::de::{DeserializeSeed, Deserializer as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::detect::Format;
use super::kube_tree::{self, ListCtx};
use super::kusto;
use super::limits::{self, BoundedValue, Budget, Exceeded, Metered};
use super::maestro::{self, REST_KINDS};
use super::yaml::{self, DocBody};
use super::{Ctx, Loc, ROW_BATCH, ROW_BATCH_BYTES, Record, RowPipe};

/// Parses `content`; `format` is None for the must-gather `timestamp` file.
pub(crate) fn parse(
    ctx: &Ctx<'_>,
    format: Option<Format>,
    content: &mut dyn Read,
    size: u64,
    out: &mut dyn FnMut(Record),
) {
    match format {
        None => timestamp(content, out),
        // YAML is parsed in memory, a document at a time, within the entry limit.
        Some(Format::Yaml) => {
            if let Some(bytes) = read_whole(ctx, content, size, out) {
                yaml_docs(ctx, &bytes, out)
            }
        }
        Some(Format::Json) => json(ctx, content, size, out),
        Some(Format::Ndjson) => ndjson(ctx, content, out),
        // Kusto exports are the only CSV mwtrace reads (kusto/: by their header).
        Some(Format::Csv) => kusto::csv(ctx, content, out),
    }
}

fn yaml_docs(ctx: &Ctx<'_>, bytes: &[u8], out: &mut dyn FnMut(Record)) {
    for doc in yaml::documents(bytes) {
        let loc = Loc::doc(doc.index, doc.line);
        match doc.body {
            DocBody::Value(value) => value_doc(ctx, value, loc, out),
            // The message names the line already.
            DocBody::Error(message) => out(ctx.error(Loc::doc_only(doc.index), &message)),
        }
    }
}

/// A whole document as a JSON value.
fn value_doc(ctx: &Ctx<'_>, value: Value, loc: Loc, out: &mut dyn FnMut(Record)) {
    match value {
        Value::Object(map) => object_doc(ctx, map, loc, out),
        Value::Array(elements) => {
            for (i, element) in elements.into_iter().enumerate() {
                array_element(ctx, element, loc.item(i + 1), out);
            }
        }
        _ => unrecognized(ctx, loc, out),
    }
}

fn object_doc(ctx: &Ctx<'_>, mut map: Map<String, Value>, loc: Loc, out: &mut dyn FnMut(Record)) {
    let kind = map.get("kind").and_then(Value::as_str).map(str::to_string);
    if let Some(kind) = kind.as_deref().filter(|k| REST_KINDS.contains(k)) {
        return maestro::rest(ctx, kind, Value::Object(map), loc, out);
    }
    let is_list = map.get("items").is_some_and(Value::is_array)
        && (kind.as_deref().is_some_and(|k| k.ends_with("List"))
            || map.get("metadata").and_then(|m| m.get("name")).is_none());
    // Old `oc` prints an empty List with `items: null` (YAML `items:`): an empty List.
    let null_list = map
        .get("items")
        .is_some_and(|items| items.is_null() || items.as_array().is_some_and(Vec::is_empty))
        && kind.as_deref().is_some_and(is_list_kind);
    if null_list && ctx.table().is_none() {
        return out(Record::EmptyList(ctx.layout.label()));
    }
    if is_list && ctx.table().is_none() {
        let api_version = map
            .get("apiVersion")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(Value::Array(items)) = map.remove("items") {
            let items = items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i + 1, v))
                .collect();
            list_items(
                ctx,
                kind.as_deref(),
                api_version.as_deref(),
                items,
                loc,
                out,
            );
        }
        return;
    }
    if let Some(table) = ctx.table() {
        return out(maestro::db_row(ctx, table, Value::Object(map), loc));
    }
    if kube_tree::is_object(&map, ctx.layout) {
        return out(kube_tree::object_from_value(
            ctx,
            Value::Object(map),
            None,
            loc,
        ));
    }
    unrecognized(ctx, loc, out)
}

/// An element of a top-level JSON (or YAML) array: a row, an object, or a REST item.
fn array_element(ctx: &Ctx<'_>, element: Value, loc: Loc, out: &mut dyn FnMut(Record)) {
    // The web UI's JSON export of a Kusto query: an array of rows.
    let element = match element {
        Value::Object(map) => match kusto::json_row(ctx, map, loc) {
            Ok(record) => return out(record),
            Err(map) => Value::Object(map),
        },
        other => other,
    };
    if let Some(table) = ctx.table() {
        return out(maestro::db_row(ctx, table, element, loc));
    }
    match element {
        Value::Object(map) => {
            if let Some(kind) = map
                .get("kind")
                .and_then(Value::as_str)
                .filter(|k| REST_KINDS.contains(k))
            {
                let kind = kind.to_string();
                return maestro::rest(ctx, &kind, Value::Object(map), loc, out);
            }
            if kube_tree::is_object(&map, ctx.layout) {
                return out(kube_tree::object_from_value(
                    ctx,
                    Value::Object(map),
                    None,
                    loc,
                ));
            }
            unrecognized(ctx, loc, out)
        }
        _ => unrecognized(ctx, loc, out),
    }
}

fn is_list_kind(kind: &str) -> bool {
    kind.ends_with("List") && !REST_KINDS.contains(&kind)
}

/// The items of a List. Without a `<Kind>List` or `List` kind, an object with an `items` array is
/// a List only if every item is a Kubernetes object (a gather holds other JSON too).
fn list_items(
    ctx: &Ctx<'_>,
    kind: Option<&str>,
    api_version: Option<&str>,
    items: Vec<(usize, Value)>,
    loc: Loc,
    out: &mut dyn FnMut(Record),
) {
    let typed = kind.is_some_and(is_list_kind);
    let all_objects = items.iter().all(|(_, item)| {
        item.as_object()
            .is_some_and(|m| kube_tree::is_object(m, ctx.layout))
    });
    if !typed && !all_objects {
        return unrecognized(ctx, loc, out);
    }
    let list = ListCtx::new(kind, api_version);
    for (i, item) in items {
        out(kube_tree::object_from_value(
            ctx,
            item,
            Some(&list),
            loc.item(i),
        ));
    }
}

fn unrecognized(ctx: &Ctx<'_>, loc: Loc, out: &mut dyn FnMut(Record)) {
    if ctx.strict {
        out(ctx.error(
            loc,
            "not a Kubernetes object or List, a Maestro REST list, or rows of a Maestro table (name a DB dump after its table: resources.ndjson, consumers.json, ...)",
        ))
    } else {
        out(Record::Skipped)
    }
}

/// A whole file, within the entry limit: None (and an error recorded) when it cannot be read or
/// is larger.
fn read_whole(
    ctx: &Ctx<'_>,
    content: &mut dyn Read,
    size: u64,
    out: &mut dyn FnMut(Record),
) -> Option<Vec<u8>> {
    match limits::read_entry(content, size, limits::limits().entry_bytes) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            out(ctx.error(Loc::default(), &e.to_string()));
            None
        }
    }
}

/// A JSON file, read as a stream: a top-level array element by element, a List item by item,
/// each value within the document limit (input and decoded size, nesting).
fn json(ctx: &Ctx<'_>, content: &mut dyn Read, size: u64, out: &mut dyn FnMut(Record)) {
    let budget = Budget::json(limits::limits().document_bytes);
    let item = std::cell::Cell::new(None);
    let result = if size <= super::SMALL_FILE {
        let Some(bytes) = read_whole(ctx, content, size, out) else {
            return;
        };
        let bytes = bytes.strip_prefix(kusto::BOM).unwrap_or(&bytes);
        let mut de = serde_json::Deserializer::from_slice(bytes);
        de.deserialize_any(Top {
            ctx,
            out: &mut *out,
            budget: &budget,
            item: &item,
        })
        .and_then(|()| de.end())
    } else {
        let mut inner = BufReader::with_capacity(1 << 20, content);
        if let Ok(head) = inner.fill_buf()
            && head.starts_with(kusto::BOM)
        {
            inner.consume(kusto::BOM.len());
        }
        let input = Metered {
            inner,
            budget: &budget,
        };
        let mut de = serde_json::Deserializer::from_reader(input);
        de.deserialize_any(Top {
            ctx,
            out: &mut *out,
            budget: &budget,
            item: &item,
        })
        .and_then(|()| de.end())
    };
    if let Err(e) = result {
        match budget.exceeded() {
            Some(why) => out(limit_error(ctx, &why, e.line(), item.get())),
            None => out(json_error(ctx, &e, None)),
        }
    }
}

/// A value refused by its limit, at `line` (0: unknown) and List item or array element `item`.
fn limit_error(ctx: &Ctx<'_>, why: &Exceeded, line: usize, item: Option<usize>) -> Record {
    let loc = if line > 0 {
        Loc::line(line)
    } else {
        Loc::default()
    };
    let loc = match item {
        Some(i) => loc.item(i),
        None => loc,
    };
    ctx.error(loc, &why.to_string())
}

fn json_error(ctx: &Ctx<'_>, e: &serde_json::Error, line: Option<usize>) -> Record {
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => &message,
    };
    match line {
        Some(line) => ctx.error(Loc::line(line), &format!("invalid JSON: {message}")),
        None if e.line() > 0 => ctx.error(
            Loc::line(e.line()),
            &format!("invalid JSON (column {}): {message}", e.column()),
        ),
        None => ctx.error(Loc::default(), &format!("invalid JSON: {message}")),
    }
}

/// The top-level JSON value.
struct Top<'c, 'o> {
    ctx: &'c Ctx<'c>,
    out: &'o mut dyn FnMut(Record),
    budget: &'c Budget,
    /// The List item or array element being read, for errors.
    item: &'c std::cell::Cell<Option<usize>>,
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object or array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        loop {
            self.item.set(Some(i + 1));
            let saved = self.budget.start();
            let element = seq.next_element_seed(BoundedValue(self.budget))?;
            self.budget.resume(saved);
            let Some(element) = element else { break };
            i += 1;
            array_element(self.ctx, element, Loc::default().item(i), self.out);
        }
        self.item.set(None);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut rest = Map::new();
        let mut items: Option<Items> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "items" && items.is_none() && self.ctx.table().is_none() {
                let mut state = Items {
                    list_kind: rest.get("kind").and_then(Value::as_str).map(str::to_string),
                    api_version: rest
                        .get("apiVersion")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    pending: Vec::new(),
                    pending_bytes: 0,
                    seen: 0,
                    array: false,
                    other: None,
                };
                map.next_value_seed(ItemsSeed {
                    ctx: self.ctx,
                    out: &mut *self.out,
                    state: &mut state,
                    budget: self.budget,
                    item: self.item,
                })?;
                items = Some(state);
            } else {
                let value = map.next_value_seed(BoundedValue(self.budget))?;
                rest.insert(key, value);
            }
        }
        let Some(state) = items else {
            object_doc(self.ctx, rest, Loc::default(), self.out);
            return Ok(());
        };
        if !state.array {
            // `items` was null or an object: not a List after all.
            rest.insert("items".into(), state.other.unwrap_or(Value::Null));
            object_doc(self.ctx, rest, Loc::default(), self.out);
            return Ok(());
        }
        let kind = rest
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if REST_KINDS.contains(&kind.as_str()) {
            let items = state.pending.into_iter().map(|(_, item)| item).collect();
            rest.insert("items".into(), Value::Array(items));
            maestro::rest(
                self.ctx,
                &kind,
                Value::Object(rest),
                Loc::default(),
                self.out,
            );
            return Ok(());
        }
        if state.seen == 0 && is_list_kind(&kind) {
            (self.out)(Record::EmptyList(self.ctx.layout.label()));
            return Ok(());
        }
        list_items(
            self.ctx,
            Some(kind.as_str()).filter(|k| !k.is_empty()),
            rest.get("apiVersion").and_then(Value::as_str),
            state.pending,
            Loc::default(),
            self.out,
        );
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        unrecognized(self.ctx, Loc::default(), self.out);
        Ok(())
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        unrecognized(self.ctx, Loc::default(), self.out);
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        unrecognized(self.ctx, Loc::default(), self.out);
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        unrecognized(self.ctx, Loc::default(), self.out);
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        unrecognized(self.ctx, Loc::default(), self.out);
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        unrecognized(self.ctx, Loc::default(), self.out);
        Ok(())
    }
}

/// The `items` of a top-level object, whose `kind` may come before or after them.
struct Items {
    list_kind: Option<String>,
    api_version: Option<String>,
    /// Items kept until the end of the object: REST items, and items that need the List's
    /// kind or apiVersion when the List names them only after `items` (kubectl's key order).
    pending: Vec<(usize, Value)>,
    /// Input bytes of the pending items, held within the document limit as one value.
    pending_bytes: u64,
    seen: usize,
    array: bool,
    /// `items` when it is not an array.
    other: Option<Value>,
}

struct ItemsSeed<'c, 'o, 's> {
    ctx: &'c Ctx<'c>,
    out: &'o mut dyn FnMut(Record),
    state: &'s mut Items,
    budget: &'c Budget,
    item: &'c std::cell::Cell<Option<usize>>,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.state.array = true;
        let known = self.state.list_kind.clone();
        let rest_list = known.as_deref().is_some_and(|k| REST_KINDS.contains(&k));
        let list = known
            .as_deref()
            .filter(|_| !rest_list)
            .map(|k| ListCtx::new(Some(k), self.state.api_version.as_deref()));
        loop {
            self.item.set(Some(self.state.seen + 1));
            let saved = self.budget.start();
            let item = seq.next_element_seed(BoundedValue(self.budget))?;
            let bytes = self.budget.input_used();
            self.budget.resume(saved);
            let Some(item) = item else { break };
            self.state.seen += 1;
            let i = self.state.seen;
            let complete = item
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| !REST_KINDS.contains(&k))
                && item.get("apiVersion").is_some_and(Value::is_string);
            if let Some(list) = &list {
                (self.out)(kube_tree::object_from_value(
                    self.ctx,
                    item,
                    Some(list),
                    Loc::default().item(i),
                ));
            } else if complete && !rest_list {
                (self.out)(kube_tree::object_from_value(
                    self.ctx,
                    item,
                    None,
                    Loc::default().item(i),
                ));
            } else {
                self.state.pending_bytes += bytes;
                self.budget
                    .check_held::<A::Error>(self.state.pending_bytes)?;
                self.state.pending.push((i, item));
            }
        }
        self.item.set(None);
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let value = BoundedValue(self.budget)
            .deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        self.state.other = Some(value);
        Ok(())
    }
}

/// NDJSON: one JSON value per line. A line that is a Kusto export row (kusto/) is one; the
/// first line that is neither data nor such a row, in a file found in a directory or archive,
/// makes the whole file a skipped one (a log in JSON lines, say).
fn ndjson(ctx: &Ctx<'_>, content: &mut dyn Read, out: &mut dyn FnMut(Record)) {
    let mut recognized = false;
    // Kusto rows, the bulk of a large file, are made records on the parser pool.
    let kusto_row = |value, loc| match value {
        Value::Object(map) => kusto::json_row(ctx, map, loc).map_err(Value::Object),
        other => Err(other),
    };
    json_lines(ctx, content, out, &kusto_row, &mut |row, loc, out| {
        let value = match row {
            Ok(record) => {
                recognized = true;
                out(record);
                return true;
            }
            Err(value) => value,
        };
        let known = match &value {
            Value::Object(map) => {
                ctx.table().is_some()
                    || kube_tree::is_object(map, ctx.layout)
                    || map
                        .get("kind")
                        .and_then(Value::as_str)
                        .is_some_and(|k| REST_KINDS.contains(&k))
            }
            _ => false,
        };
        if !known && !ctx.strict && !recognized {
            out(Record::Skipped);
            return false;
        }
        recognized = true;
        match value {
            Value::Object(map) => object_doc(ctx, map, loc, out),
            other => array_element(ctx, other, loc, out),
        }
        true
    });
}

/// What [`json_lines`] makes of each line's value on the parser pool, in any order.
pub(crate) type LinePrepare<'a, T> = dyn Fn(Value, Loc) -> T + Sync + 'a;

/// What [`json_lines`] hands each prepared line to, in order: the line's value as prepared,
/// where it is, and where records go; false stops the file.
pub(crate) type LineVisitor<'a, T> = dyn FnMut(T, Loc, &mut dyn FnMut(Record)) -> bool + 'a;

/// JSON lines, each within the document limit: decoded and handed to `prepare` on the parser
/// pool a batch at a time (while the batch before is handed on), then to `each` with its line,
/// in order; a line that is too long or not JSON is one error and the next line is read.
/// `each` returns false to stop (the lines read ahead are dropped). A UTF-8 BOM before the
/// first line is skipped.
pub(crate) fn json_lines<T: Send>(
    ctx: &Ctx<'_>,
    content: &mut dyn Read,
    out: &mut dyn FnMut(Record),
    prepare: &LinePrepare<'_, T>,
    each: &mut LineVisitor<'_, T>,
) {
    let mut input = BufReader::with_capacity(1 << 20, content);
    let limit = limits::limits().document_bytes;
    std::thread::scope(|scope| {
        let mut pipe = RowPipe::new(scope);
        // The batch: its lines' bytes back to back, and each line's number and range (or error).
        let mut text = Vec::new();
        let mut lines: Vec<(usize, Line<Range<usize>>)> = Vec::new();
        let mut line_no = 0usize;
        let mut failure = None;
        loop {
            let start = text.len();
            let read = match (&mut input).take(limit + 1).read_until(b'\n', &mut text) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    let message = format!("cannot read: {e}");
                    failure = Some(ctx.error(Loc::line(line_no + 1), &message));
                    break;
                }
            };
            line_no += 1;
            if read as u64 > limit {
                text.truncate(start);
                let error = ctx.error(
                    Loc::line(line_no),
                    &Exceeded::Document { limit }.to_string(),
                );
                lines.push((line_no, Line::Error(Box::new(error))));
                // The rest of the line is skipped, a buffer at a time; the next line is read.
                if let Err(e) = skip_line(&mut input) {
                    let message = format!("cannot read: {e}");
                    failure = Some(ctx.error(Loc::line(line_no), &message));
                    break;
                }
            } else {
                lines.push((line_no, Line::Value(start..text.len())));
            }
            if lines.len() >= ROW_BATCH || text.len() >= ROW_BATCH_BYTES {
                let (text, lines) = (std::mem::take(&mut text), std::mem::take(&mut lines));
                if !hand_on(
                    submit_lines(&mut pipe, ctx, prepare, text, lines),
                    each,
                    out,
                ) {
                    return;
                }
            }
        }
        let last = submit_lines(&mut pipe, ctx, prepare, text, lines);
        if hand_on(last, each, out)
            && hand_on(pipe.finish(), each, out)
            && let Some(failure) = failure
        {
            out(failure);
        }
    })
}

/// A line made ready on the parser pool, with its number.
type Prepared<T> = (usize, Line<T>);

/// A line of [`json_lines`]: blank, an error (not JSON, too long), or a JSON value (as
/// `prepare` made it, once on the pool).
enum Line<T> {
    Blank,
    Error(Box<Record>),
    Value(T),
}

impl<T> Line<T> {
    /// `f` of the value; a blank or refused line stays as it is.
    fn and_then<U>(self, f: impl FnOnce(T) -> Line<U>) -> Line<U> {
        match self {
            Line::Blank => Line::Blank,
            Line::Error(error) => Line::Error(error),
            Line::Value(value) => f(value),
        }
    }
}

/// Starts a batch of lines on the pool; the lines of the batch before, prepared.
fn submit_lines<'scope, T: Send + 'scope>(
    pipe: &mut RowPipe<'scope, '_, Prepared<T>>,
    ctx: &'scope Ctx<'scope>,
    prepare: &'scope LinePrepare<'scope, T>,
    text: Vec<u8>,
    lines: Vec<(usize, Line<Range<usize>>)>,
) -> Vec<Prepared<T>> {
    pipe.submit(lines, move |(line_no, line)| {
        let line = line.and_then(|range| {
            line_value(ctx, &text[range], line_no)
                .and_then(|value| Line::Value(prepare(value, Loc::line(line_no))))
        });
        (line_no, line)
    })
}

/// Prepared lines to `each` (errors to `out`), in order: false when `each` stopped the file.
fn hand_on<T>(
    lines: Vec<Prepared<T>>,
    each: &mut LineVisitor<'_, T>,
    out: &mut dyn FnMut(Record),
) -> bool {
    lines.into_iter().all(|(line_no, line)| match line {
        Line::Blank => true,
        Line::Error(error) => {
            out(*error);
            true
        }
        Line::Value(value) => each(value, Loc::line(line_no), out),
    })
}

/// A line's JSON value within the document limit.
fn line_value(ctx: &Ctx<'_>, line: &[u8], line_no: usize) -> Line<Value> {
    let mut text = line.trim_ascii();
    if line_no == 1 {
        text = text.strip_prefix(kusto::BOM).unwrap_or(text);
    }
    if text.is_empty() {
        return Line::Blank;
    }
    let budget = Budget::json(limits::limits().document_bytes);
    let mut de = serde_json::Deserializer::from_slice(text);
    let value = BoundedValue(&budget)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    match value {
        Ok(value) => Line::Value(value),
        Err(e) => Line::Error(Box::new(match budget.exceeded() {
            Some(why) => limit_error(ctx, &why, line_no, None),
            None => json_error(ctx, &e, Some(line_no)),
        })),
    }
}

/// Reads up to the end of the current line, keeping nothing.
fn skip_line(input: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|b| *b == b'\n') {
            Some(i) => {
                input.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    }
}

/// The must-gather `timestamp` file: Go `time.String()` lines (`2026-11-21 09:58:03.12 +0000
/// UTC m=+0.01`); the latest one is when the gather ended.
fn timestamp(content: &mut dyn Read, out: &mut dyn FnMut(Record)) {
    let mut text = String::new();
    if content.take(64 << 10).read_to_string(&mut text).is_err() {
        return;
    }
    let latest = text.lines().filter_map(parse_go_time).max();
    if let Some(t) = latest {
        out(Record::Timestamp(t));
    }
}

pub(crate) fn parse_go_time(line: &str) -> Option<jiff::Timestamp> {
    let mut parts = line.split_whitespace();
    let (date, time, offset) = (parts.next()?, parts.next()?, parts.next()?);
    // `get`, not slicing: the offset is text from the file, and `+0б0` has no byte 3 boundary.
    let offset = match (offset.len(), offset.get(..3), offset.get(3..)) {
        (5, Some(hours), Some(minutes)) => format!("{hours}:{minutes}"),
        _ => offset.to_string(),
    };
    format!("{date}T{time}{offset}").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Layout, TreeHint};

    fn run(layout: Layout, format: Format, text: &str) -> Vec<Record> {
        let ctx = Ctx::new(0, "f", &layout, true, true);
        let mut records = Vec::new();
        parse(
            &ctx,
            Some(format),
            &mut text.as_bytes(),
            text.len() as u64,
            &mut |r| records.push(r),
        );
        records
    }

    fn objects(records: &[Record]) -> Vec<Value> {
        records
            .iter()
            .map(|r| match r {
                Record::Object(o) => serde_json::from_slice(&o.line).unwrap(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn kubectl_json_list_items_get_kind_from_the_list_even_when_it_comes_last() {
        let text = r#"{"apiVersion":"v1","items":[{"metadata":{"name":"a","uid":"1"}},
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}],
            "kind":"ConfigMapList","metadata":{"resourceVersion":"9"}}"#;
        let records = run(Layout::Loose { table: None }, Format::Json, text);
        let objs = objects(&records);
        assert_eq!(objs.len(), 2);
        let kinds: Vec<&str> = objs.iter().map(|o| o["kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"ConfigMap"));
        assert!(objs.iter().all(|o| o["apiVersion"] == "v1"));
    }

    #[test]
    fn an_items_array_is_a_list_only_of_kubernetes_objects() {
        let loose = Layout::Loose { table: None };
        let ctx = Ctx::new(0, "f", &loose, true, false);
        let mut records = Vec::new();
        let text = r#"{"status": "success", "items": [{"metric": 1}]}"#;
        parse(
            &ctx,
            Some(Format::Json),
            &mut text.as_bytes(),
            50,
            &mut |r| records.push(r),
        );
        assert!(
            matches!(records.as_slice(), [Record::Skipped]),
            "{records:?}"
        );
        let records = run(loose, Format::Yaml, "items:\n- metric: 1\n");
        assert!(matches!(&records[0], Record::Error { .. }), "{records:?}");
        let generic = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}]}"#;
        let objs = objects(&run(Layout::Loose { table: None }, Format::Json, generic));
        assert_eq!(objs[0]["kind"], "Namespace");
    }

    #[test]
    fn a_list_with_null_or_no_items_is_an_empty_list_not_an_error() {
        let tree = || {
            Layout::Tree(TreeHint {
                group_dir: Some("core".into()),
                plural: Some("configmaps".into()),
                ..TreeHint::default()
            })
        };
        for (format, text) in [
            (
                Format::Yaml,
                "apiVersion: v1\nitems: null\nkind: ConfigMapList\nmetadata:\n  resourceVersion: \"1\"\n",
            ),
            (
                Format::Yaml,
                "apiVersion: v1\nitems:\nkind: List\nmetadata: {}\n",
            ),
            (
                Format::Yaml,
                "apiVersion: v1\nitems: []\nkind: ConfigMapList\n",
            ),
            (
                Format::Json,
                r#"{"apiVersion":"v1","items":null,"kind":"ConfigMapList","metadata":{}}"#,
            ),
            (
                Format::Json,
                r#"{"kind":"List","apiVersion":"v1","items":null}"#,
            ),
            (
                Format::Json,
                r#"{"apiVersion":"v1","items":[],"kind":"List"}"#,
            ),
            (
                Format::Ndjson,
                r#"{"apiVersion":"v1","items":null,"kind":"PodList"}"#,
            ),
        ] {
            for layout in [tree(), Layout::Loose { table: None }] {
                let records = run(layout, format, text);
                assert!(
                    matches!(records.as_slice(), [Record::EmptyList(_)]),
                    "{text}: {records:?}"
                );
            }
        }
        // A List holding items still yields them (no empty-list record in between).
        let records = run(
            tree(),
            Format::Json,
            r#"{"kind":"ConfigMapList","apiVersion":"v1","items":[{"metadata":{"name":"a"}}]}"#,
        );
        assert_eq!(objects(&records).len(), 1);
    }

    #[test]
    fn errors_name_the_line_or_document() {
        let records = run(
            Layout::Loose {
                table: Some("resources"),
            },
            Format::Ndjson,
            "{\"id\":\"a\"}\n{\"id\":\n",
        );
        assert!(matches!(&records[0], Record::Row(_)));
        match &records[1] {
            Record::Error { message, .. } => {
                assert!(message.starts_with("line 2: invalid JSON"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        let tree = Layout::Tree(TreeHint::default());
        let records = run(
            tree,
            Format::Yaml,
            "---\nkind: Pod\nmetadata:\n  name: p\n---\nkind: [\n",
        );
        match &records[1] {
            Record::Error { message, .. } => {
                assert!(message.starts_with("document 2"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    /// Lines are made records on the parser pool a batch at a time, but come out in file order,
    /// each error where its line is.
    #[test]
    fn json_lines_keep_their_order_across_batches() {
        let mut text = String::new();
        for i in 1..=3 * ROW_BATCH {
            if i % 100 == 0 {
                text.push_str("{not json\n");
            } else {
                text.push_str(&format!(
                    r#"{{"timestamp":"2026-11-21T09:00:00Z","event":"Add","apiVersion":"v1","objectKind":"ConfigMap","name":"c{i}","object":"{{}}"}}"#
                ));
                text.push('\n');
            }
        }
        let records = run(Layout::Loose { table: None }, Format::Ndjson, &text);
        assert_eq!(records.len(), 3 * ROW_BATCH);
        for (i, record) in (1..).zip(&records) {
            match record {
                Record::Revision(r) => assert_eq!(r.name_key, format!("ConfigMap//c{i}")),
                Record::Error { message, .. } => {
                    assert!(i % 100 == 0, "line {i}: {message}");
                    assert!(message.starts_with(&format!("line {i}: invalid JSON")));
                }
                other => panic!("line {i}: {other:?}"),
            }
        }
    }

    #[test]
    fn go_time_strings_parse() {
        let t = parse_go_time("2026-11-21 09:58:03.123456789 +0000 UTC m=+0.012").unwrap();
        assert_eq!(t.to_string(), "2026-11-21T09:58:03.123456789Z");
    }
}
