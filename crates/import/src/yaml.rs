//! YAML documents to JSON, fast. `oc adm inspect`, `kubectl -o yaml` and `hcpctl mc dump-crs`
//! all print through go-yaml: block style, indentless sequences, plain, quoted or `|` literal
//! scalars. serde-saphyr, the maintained YAML crate, reads 12,000 to 17,000 such objects a second
//! on one core in release, which alone misses import's speed target (bench/README.md, "YAML
//! import speed"; serde_yaml, deprecated, was no faster), so this module converts that block
//! subset straight to JSON text in one pass, and notes on the way the fields an importer needs
//! (`kind`, `apiVersion`, `metadata.{name,namespace,uid,resourceVersion}` of the document and of
//! each `items[]` element).
//!
//! Anything outside the subset (anchors, aliases, tags, folded `>` scalars, complex keys,
//! multi-line flow collections, numbers in YAML-only notations, tabs in indentation) makes the
//! converter give up on that one document, which serde-saphyr then reads: the result is the same
//! JSON either way (the tests compare both on every fixture, and the benchmark's 100,000 objects
//! make the same bundle byte for byte), only slower. Plain scalars are typed as serde-saphyr
//! types them with [`saphyr_options`], which is how serde_yaml 0.9 typed them (YAML 1.2 core
//! schema), but for floats beyond f64 (`1e400`: null now, the text then).

use std::ops::Range;

use serde_json::Value;

/// What the importer wants to know about an object without parsing its JSON again.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    /// `metadata` is present and is a mapping.
    pub has_metadata: bool,
}

/// One document, converted.
#[derive(Debug)]
pub(crate) enum DocBody {
    /// Converted by the fast path: compact JSON text of the whole document.
    Fast(FastDoc),
    /// Read by serde-saphyr (the fast path gave up).
    Value(Value),
    /// Not YAML: the message names the line.
    Error(String),
}

#[derive(Debug)]
pub(crate) struct FastDoc {
    pub json: Vec<u8>,
    pub head: Head,
    /// When the root mapping has an `items` sequence: each element's JSON range and head.
    pub items: Option<Vec<(Range<usize>, Head)>>,
    /// Deepest mapping/sequence nesting seen (the redaction check needs it).
    pub depth: usize,
}

#[derive(Debug)]
pub(crate) struct Doc {
    /// 1-based index among the file's non-empty documents.
    pub index: usize,
    /// 1-based line where the document starts.
    pub line: usize,
    pub body: DocBody,
}

/// Splits a file into documents and converts each; empty documents are skipped.
pub(crate) fn documents(src: &[u8]) -> Vec<Doc> {
    let text = match std::str::from_utf8(src) {
        Ok(text) => text,
        Err(e) => {
            let line = 1 + src[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            return vec![Doc {
                index: 1,
                line,
                body: DocBody::Error(format!("line {line}: not UTF-8 text")),
            }];
        }
    };
    // Directives (`%YAML`) belong to serde-saphyr; so does everything in the benchmark that
    // measures serde-saphyr alone.
    if has_directive(text) || cfg!(feature = "bench-yaml-crate-only") {
        return slow_documents(src, 0, 1);
    }
    let lines = split_lines(text);
    let mut docs = Vec::new();
    for range in split_documents(text, &lines) {
        let doc_lines = &lines[range.clone()];
        if !doc_lines
            .iter()
            .any(|l| l.kind != LineKind::Blank && l.kind != LineKind::Comment)
        {
            continue;
        }
        let first_line = range.start + 1;
        let fast = if doc_lines.iter().any(|l| l.kind == LineKind::TabIndent) {
            Err(Bail)
        } else {
            convert(text, doc_lines.to_vec())
        };
        match fast {
            Ok(Some(fast)) => docs.push(Doc {
                index: docs.len() + 1,
                line: first_line,
                body: DocBody::Fast(fast),
            }),
            Ok(None) => {}
            Err(Bail) => {
                let from = doc_lines[0].start;
                let to = lines.get(range.end).map_or(src.len(), |l| l.start);
                let first_index = docs.len() + 1;
                docs.extend(slow_documents(&src[from..to], range.start, first_index));
            }
        }
    }
    docs
}

/// Deepest nesting of mappings and sequences read (serde_yaml's and serde_json's own limit).
const MAX_DEPTH: usize = 128;

/// serde-saphyr's settings for untrusted YAML of `len` bytes, chosen to read documents into a
/// JSON value as serde_yaml 0.9 did (YAML 1.2 core schema: only `true`/`false` spellings are
/// booleans, `012` and `1_000` stay strings, `<<` is an ordinary key, a repeated key keeps the
/// last value, `.inf`/`.nan` become null as serde_json holds no such numbers), with its budget
/// bounding what a hostile file can cost:
/// * nesting: 128 levels (serde_yaml's and serde_json's recursion limit);
/// * aliases: at most 10,000 aliases and 1,000 anchors, 1,000,000 replayed events in all,
///   replays nested 64 deep (an alias bomb stops there);
/// * size: events, nodes and scalar bytes bounded by the input's own size (a larger count can
///   only come from aliases), so that a 1 GiB List, one document, still reads.
pub(crate) fn saphyr_options(len: usize) -> serde_saphyr::Options {
    // (MAX_DEPTH bounds the converter's recursion too.)
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: Some(len.saturating_add(1)),
            max_documents: len.saturating_add(1),
            max_depth: MAX_DEPTH,
            max_aliases: 10_000,
            max_anchors: 1_000,
            max_events: len.saturating_mul(2).saturating_add(1024),
            max_nodes: len.saturating_add(1024),
            max_total_scalar_bytes: len.saturating_add(1024),
            max_recorded_anchor_events: 1_000_000,
            max_recorded_anchor_bytes: 64 << 20,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 1_000_000,
            max_replay_stack_depth: 64,
        },
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        merge_keys: serde_saphyr::MergeKeyPolicy::AsOrdinary,
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
        with_snippet: false,
        emit_comments: false,
    }
}

/// serde-saphyr on a segment, document by document; `line_offset` turns its line numbers into
/// the file's.
fn slow_documents(segment: &[u8], line_offset: usize, first_index: usize) -> Vec<Doc> {
    // The whole segment at once is a fifth faster than the document iterator, which is only
    // needed to locate an error and go on after it.
    if let Ok(values) = serde_saphyr::from_slice_multiple_with_options::<Value>(
        segment,
        saphyr_options(segment.len()),
    ) {
        return values
            .into_iter()
            .filter(|value| !value.is_null())
            .enumerate()
            .map(|(i, value)| Doc {
                index: first_index + i,
                line: line_offset + 1,
                body: DocBody::Value(value),
            })
            .collect();
    }
    let mut docs = Vec::new();
    let mut reader = segment;
    let options = saphyr_options(segment.len());
    for result in serde_saphyr::read_with_options::<_, Value>(&mut reader, options) {
        let index = first_index + docs.len();
        match result {
            Ok(Value::Null) => {}
            Ok(value) => docs.push(Doc {
                index,
                line: line_offset + 1,
                body: DocBody::Value(value),
            }),
            Err(e) => {
                let line = e
                    .location()
                    .filter(|l| l.line() > 0)
                    .map(|l| l.line() as usize + line_offset);
                let message = match line {
                    Some(line) => format!("line {line}: {}", strip_location(&e.to_string())),
                    None => e.to_string(),
                };
                docs.push(Doc {
                    index,
                    line: line.unwrap_or(line_offset + 1),
                    body: DocBody::Error(message),
                });
                // After a syntax error the parser cannot resynchronize in the same stream (the
                // iterator ends there); after a type error it goes on with the next document.
            }
        }
    }
    docs
}

/// serde-saphyr appends " at line L, column C" to its messages; the line is reported separately.
fn strip_location(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    }
}

/// Line ranges of the documents of a stream, split at `---` and `...` marker lines. Content
/// after `--- ` (a tag, a flow node) stays in the next document, where the fast path gives up
/// on it.
fn split_documents(text: &str, lines: &[Line]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, line) in lines.iter().enumerate() {
        if line.indent != 0 || line.end - line.start < 3 {
            continue;
        }
        let raw = &text[line.start..line.end];
        let dashes = raw.starts_with("---");
        if !dashes && !raw.starts_with("...") {
            continue;
        }
        if raw.len() > 3 && !matches!(raw.as_bytes()[3], b' ' | b'\t') {
            continue;
        }
        out.push(start..i);
        start = if dashes && !raw[3..].trim().is_empty() {
            i
        } else {
            i + 1
        };
    }
    if start < lines.len() {
        out.push(start..lines.len());
    }
    out
}

/// The fast path gave up; serde-saphyr decides.
#[derive(Debug)]
struct Bail;

type R<T> = Result<T, Bail>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Blank,
    Comment,
    Text,
    /// Indented with a tab: the fast path leaves the document to serde-saphyr.
    TabIndent,
}

#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    indent: usize,
    content: usize,
    end: usize,
    kind: LineKind,
}

/// Where a node sits, for noting the head fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    Items,
    Item,
    Meta(Owner),
    Field(Field, Owner),
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Root,
    Item,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    ApiVersion,
    Kind,
    Name,
    Namespace,
    Uid,
    ResourceVersion,
}

impl Role {
    fn child(self, key: &str) -> Role {
        match self {
            Role::Root => match key {
                "items" => Role::Items,
                "metadata" => Role::Meta(Owner::Root),
                "kind" => Role::Field(Field::Kind, Owner::Root),
                "apiVersion" => Role::Field(Field::ApiVersion, Owner::Root),
                _ => Role::Other,
            },
            Role::Item => match key {
                "metadata" => Role::Meta(Owner::Item),
                "kind" => Role::Field(Field::Kind, Owner::Item),
                "apiVersion" => Role::Field(Field::ApiVersion, Owner::Item),
                _ => Role::Other,
            },
            Role::Meta(owner) => match key {
                "name" => Role::Field(Field::Name, owner),
                "namespace" => Role::Field(Field::Namespace, owner),
                "uid" => Role::Field(Field::Uid, owner),
                "resourceVersion" => Role::Field(Field::ResourceVersion, owner),
                _ => Role::Other,
            },
            _ => Role::Other,
        }
    }

    fn element(self) -> Role {
        match self {
            Role::Items => Role::Item,
            _ => Role::Other,
        }
    }
}

/// A scalar as YAML resolved it.
enum Scalar {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str,
}

struct Converter<'a> {
    text: &'a str,
    src: &'a [u8],
    lines: Vec<Line>,
    i: usize,
    out: Vec<u8>,
    depth: usize,
    max_depth: usize,
    head: Head,
    items: Option<Vec<(Range<usize>, Head)>>,
    /// Scratch buffer for decoded scalars.
    buf: String,
}

/// Converts one document (its lines, positioned in `text`); `Ok(None)` when it holds nothing.
fn convert(text: &str, lines: Vec<Line>) -> R<Option<FastDoc>> {
    let size = lines.last().map_or(0, |l| l.end) - lines.first().map_or(0, |l| l.start);
    let mut c = Converter {
        text,
        src: text.as_bytes(),
        lines,
        i: 0,
        out: Vec::with_capacity(size),
        depth: 0,
        max_depth: 0,
        head: Head::default(),
        items: None,
        buf: String::new(),
    };
    let Some(first) = c.next_text() else {
        return Ok(None);
    };
    c.i = first;
    let line = c.lines[first];
    // A document that is a bare scalar or flow node is not an object: serde-saphyr reads it.
    if !c.is_seq_entry(&line) && c.key_of(&line)?.is_none() {
        return Err(Bail);
    }
    c.block(-1, Role::Root)?;
    if c.next_text().is_some() {
        return Err(Bail);
    }
    Ok(Some(FastDoc {
        json: c.out,
        head: c.head,
        items: c.items,
        depth: c.max_depth,
    }))
}

/// Every line of the file, found with `str::find` (memchr: fast even in a debug build).
fn split_lines(text: &str) -> Vec<Line> {
    let src = text.as_bytes();
    let mut lines = Vec::with_capacity(src.len() / 32 + 1);
    let mut pos = 0;
    while pos < src.len() {
        let nl = text[pos..].find('\n').map_or(src.len(), |i| pos + i);
        let end = if nl > pos && src[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        let mut content = pos;
        while content < end && src[content] == b' ' {
            content += 1;
        }
        let kind = if content == end {
            LineKind::Blank
        } else {
            match src[content] {
                b'#' => LineKind::Comment,
                b'\t' if src[content..end].iter().all(|b| *b == b' ' || *b == b'\t') => {
                    LineKind::Blank
                }
                b'\t' => LineKind::TabIndent,
                _ => LineKind::Text,
            }
        };
        lines.push(Line {
            start: pos,
            indent: content - pos,
            content,
            end,
            kind,
        });
        pos = nl + 1;
    }
    lines
}

impl<'a> Converter<'a> {
    /// The document's text between two byte positions (already UTF-8: checked once per file).
    fn slice(&self, from: usize, to: usize) -> R<&'a str> {
        self.text.get(from..to).ok_or(Bail)
    }

    /// Index of the next line with content, from `self.i`.
    fn next_text(&self) -> Option<usize> {
        (self.i..self.lines.len()).find(|&j| self.lines[j].kind == LineKind::Text)
    }

    fn is_seq_entry(&self, line: &Line) -> bool {
        self.src[line.content] == b'-'
            && (line.content + 1 == line.end || matches!(self.src[line.content + 1], b' ' | b'\t'))
    }

    /// A mapping entry's key and where its value starts, when the line is `key: ...`.
    fn key_of(&self, line: &Line) -> R<Option<(String, usize)>> {
        let src = self.src;
        let start = line.content;
        let end = line.end;
        match src[start] {
            b'"' | b'\'' => {
                let mut key = String::new();
                let Some(after) = self.quoted_on_line(start, end, &mut key)? else {
                    return Err(Bail); // a quoted key or scalar running over lines
                };
                let mut p = after;
                while p < end && src[p] == b' ' {
                    p += 1;
                }
                if p < end && src[p] == b':' && (p + 1 == end || matches!(src[p + 1], b' ' | b'\t'))
                {
                    Ok(Some((key, skip_spaces(src, p + 1, end))))
                } else {
                    Ok(None)
                }
            }
            b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'#' => Ok(None),
            b'?' | b':' if start + 1 == end || matches!(src[start + 1], b' ' | b'\t') => Err(Bail),
            _ => {
                let text = &self.text[start..end];
                let Some(colon) = value_colon(text) else {
                    return Ok(None);
                };
                if comment_at(&text[..colon]).is_some() {
                    return Ok(None);
                }
                let key = trim_end_str(&text[..colon]);
                if key.is_empty() {
                    return Err(Bail);
                }
                Ok(Some((
                    key.to_string(),
                    skip_spaces(src, start + colon + 1, end),
                )))
            }
        }
    }

    /// A node in block context whose first line is `self.i` (indented beyond `parent`).
    fn block(&mut self, parent: isize, role: Role) -> R<()> {
        let line = self.lines[self.i];
        if self.is_seq_entry(&line) {
            return self.sequence(line.indent, role);
        }
        if self.key_of(&line)?.is_some() {
            return self.mapping(line.indent, role);
        }
        let start = line.content;
        self.inline_value(self.i, start, parent, role)
    }

    /// One level deeper; past serde-saphyr's bound (128, [`saphyr_options`]) serde-saphyr
    /// decides, and refuses: the converter's recursion stays as bounded as the crate's.
    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Bail);
        }
        self.max_depth = self.max_depth.max(self.depth);
        Ok(())
    }

    fn mapping(&mut self, indent: usize, role: Role) -> R<()> {
        self.enter()?;
        if let Role::Meta(owner) = role {
            self.head_mut(owner).has_metadata = true;
        }
        self.out.push(b'{');
        let mut first = true;
        while let Some(li) = self.next_text() {
            let line = self.lines[li];
            if line.indent < indent {
                break;
            }
            if line.indent > indent || self.is_seq_entry(&line) {
                return Err(Bail);
            }
            let Some((key, value_at)) = self.key_of(&line)? else {
                return Err(Bail);
            };
            if !first {
                self.out.push(b',');
            }
            first = false;
            write_json_str(&mut self.out, &key);
            self.out.push(b':');
            let child = role.child(&key);
            if value_at >= line.end || self.src[value_at] == b'#' {
                self.i = li + 1;
                match self.next_text() {
                    Some(nj) if self.lines[nj].indent > indent => {
                        self.i = nj;
                        self.block(indent as isize, child)?;
                    }
                    Some(nj)
                        if self.lines[nj].indent == indent
                            && self.is_seq_entry(&self.lines[nj]) =>
                    {
                        self.i = nj;
                        self.sequence(indent, child)?;
                    }
                    _ => self.scalar_out(Scalar::Null, child),
                }
            } else {
                self.inline_value(li, value_at, indent as isize, child)?;
            }
        }
        self.out.push(b'}');
        self.depth -= 1;
        Ok(())
    }

    fn sequence(&mut self, indent: usize, role: Role) -> R<()> {
        self.enter()?;
        if role == Role::Items {
            self.items.get_or_insert_with(Vec::new);
        }
        self.out.push(b'[');
        let element = role.element();
        let mut first = true;
        while let Some(li) = self.next_text() {
            let line = self.lines[li];
            if line.indent < indent || (line.indent == indent && !self.is_seq_entry(&line)) {
                break;
            }
            if line.indent > indent {
                return Err(Bail);
            }
            if !first {
                self.out.push(b',');
            }
            first = false;
            let started = self.out.len();
            if element == Role::Item {
                self.items
                    .get_or_insert_with(Vec::new)
                    .push((started..started, Head::default()));
            }
            let rest = skip_spaces(self.src, line.content + 1, line.end);
            if rest >= line.end || self.src[rest] == b'#' {
                self.i = li + 1;
                match self.next_text() {
                    Some(nj) if self.lines[nj].indent > indent => {
                        self.i = nj;
                        self.block(indent as isize, element)?;
                    }
                    _ => self.scalar_out(Scalar::Null, element),
                }
            } else {
                // The entry's node starts on the dash line: view that line from its column.
                let column = line.indent + (rest - line.content);
                self.lines[li].indent = column;
                self.lines[li].content = rest;
                self.i = li;
                let virtual_line = self.lines[li];
                if self.is_seq_entry(&virtual_line) {
                    self.sequence(column, element)?;
                } else if self.key_of(&virtual_line)?.is_some() {
                    self.mapping(column, element)?;
                } else {
                    self.inline_value(li, rest, indent as isize, element)?;
                }
            }
            if element == Role::Item
                && let Some(last) = self.items.as_mut().and_then(|items| items.last_mut())
            {
                last.0 = started..self.out.len();
            }
        }
        self.out.push(b']');
        self.depth -= 1;
        Ok(())
    }

    /// A value that starts at `pos` on line `li`; continuation lines must be indented beyond
    /// `parent`.
    fn inline_value(&mut self, li: usize, pos: usize, parent: isize, role: Role) -> R<()> {
        let line = self.lines[li];
        match self.src[pos] {
            b'"' | b'\'' => {
                let mut text = std::mem::take(&mut self.buf);
                text.clear();
                let result = self.quoted(li, pos, parent, &mut text);
                let outcome = result.map(|()| self.string_out(&text, role));
                self.buf = text;
                outcome
            }
            b'|' => self.literal(li, pos, parent, role),
            b'[' | b'{' => {
                self.i = li + 1;
                let end = self.flow(pos, line.end, role)?;
                let end = skip_spaces(self.src, end, line.end);
                if end < line.end && self.src[end] != b'#' {
                    return Err(Bail);
                }
                Ok(())
            }
            b'>' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b']' | b'}' | b',' => Err(Bail),
            b'-' | b'?' | b':'
                if pos + 1 == line.end || matches!(self.src[pos + 1], b' ' | b'\t') =>
            {
                Err(Bail)
            }
            _ => self.plain(li, pos, parent, role),
        }
    }

    /// A plain scalar, possibly folded over several lines.
    fn plain(&mut self, li: usize, pos: usize, parent: isize, role: Role) -> R<()> {
        let line = self.lines[li];
        let first = plain_segment(self.slice(pos, line.end)?)?;
        let mut j = li + 1;
        let mut continued = false;
        // Continuation lines (go-yaml folds long plain strings at 80 columns).
        let mut blanks = 0usize;
        let mut k = j;
        while k < self.lines.len() {
            let next = self.lines[k];
            match next.kind {
                LineKind::Blank => {
                    blanks += 1;
                    k += 1;
                    continue;
                }
                _ if next.indent as isize <= parent => break,
                LineKind::Comment | LineKind::TabIndent => return Err(Bail),
                LineKind::Text => {}
            }
            if !continued {
                continued = true;
                self.buf.clear();
                self.buf.push_str(first);
            }
            let segment = plain_segment(self.slice(next.content, next.end)?)?;
            if segment.len() != trim_end(&self.src[next.content..next.end]).len() {
                return Err(Bail); // a comment ends the scalar: leave it to serde-saphyr
            }
            fold(&mut self.buf, blanks);
            self.buf.push_str(segment);
            blanks = 0;
            k += 1;
            j = k;
        }
        self.i = j;
        if continued {
            let text = std::mem::take(&mut self.buf);
            let scalar = resolve_plain(&text)?;
            match scalar {
                Scalar::Str => self.string_out(&text, role),
                other => self.typed_out(other, &text, role),
            }
            self.buf = text;
        } else {
            let text = first;
            match resolve_plain(text)? {
                Scalar::Str => self.string_out(text, role),
                other => self.typed_out(other, text, role),
            }
        }
        Ok(())
    }

    /// A quoted scalar that closes on its own line: the position after the closing quote.
    fn quoted_on_line(&self, pos: usize, end: usize, text: &mut String) -> R<Option<usize>> {
        let quote = self.src[pos];
        let mut p = pos + 1;
        let mut run = p;
        while p < end {
            let b = self.src[p];
            if quote == b'\'' && b == b'\'' {
                text.push_str(self.slice(run, p)?);
                if p + 1 < end && self.src[p + 1] == b'\'' {
                    text.push('\'');
                    p += 2;
                    run = p;
                    continue;
                }
                return Ok(Some(p + 1));
            }
            if quote == b'"' && b == b'"' {
                text.push_str(self.slice(run, p)?);
                return Ok(Some(p + 1));
            }
            if quote == b'"' && b == b'\\' {
                text.push_str(self.slice(run, p)?);
                if p + 1 >= end {
                    return Ok(None); // escaped line break
                }
                p = unescape(self.src, p + 1, end, text)?;
                run = p;
                continue;
            }
            p += 1;
        }
        Ok(None)
    }

    /// A single- or double-quoted scalar, folded over lines as YAML folds flow scalars.
    fn quoted(&mut self, li: usize, pos: usize, parent: isize, text: &mut String) -> R<()> {
        let quote = self.src[pos];
        let mut line_index = li;
        let mut p = pos + 1;
        // Escaped characters are content even when they are white space at the end of a line.
        let mut protected = text.len();
        loop {
            let line = self.lines[line_index];
            let end = line.end;
            let mut run = p;
            let mut escaped_break = false;
            while p < end {
                let b = self.src[p];
                if quote == b'\'' && b == b'\'' {
                    text.push_str(self.slice(run, p)?);
                    if p + 1 < end && self.src[p + 1] == b'\'' {
                        text.push('\'');
                        p += 2;
                        run = p;
                        continue;
                    }
                    return self.after_scalar(line_index, p + 1);
                }
                if quote == b'"' && b == b'"' {
                    text.push_str(self.slice(run, p)?);
                    return self.after_scalar(line_index, p + 1);
                }
                if quote == b'"' && b == b'\\' {
                    text.push_str(self.slice(run, p)?);
                    if p + 1 >= end {
                        escaped_break = true;
                        break;
                    }
                    p = unescape(self.src, p + 1, end, text)?;
                    protected = text.len();
                    run = p;
                    continue;
                }
                p += 1;
            }
            if !escaped_break {
                let segment = self.slice(run, end)?;
                text.push_str(segment);
                // Trailing white space before an unescaped break is not content.
                let kept = protected + trim_end_str(&text[protected..]).len();
                text.truncate(kept);
            }
            // Move to the next line with content, counting empty ones.
            let mut blanks = 0usize;
            let mut next = line_index + 1;
            loop {
                let Some(candidate) = self.lines.get(next) else {
                    return Err(Bail); // unterminated
                };
                if candidate.kind == LineKind::Blank {
                    blanks += 1;
                    next += 1;
                    continue;
                }
                if candidate.indent as isize <= parent {
                    return Err(Bail);
                }
                break;
            }
            if escaped_break {
                for _ in 0..blanks {
                    text.push('\n');
                }
            } else {
                fold(text, blanks);
            }
            protected = text.len();
            line_index = next;
            let line = self.lines[line_index];
            // Leading white space of a continuation line is not content.
            p = line.content;
            while p < line.end && matches!(self.src[p], b' ' | b'\t') {
                p += 1;
            }
        }
    }

    /// After a closing quote, only a comment may follow on the line.
    fn after_scalar(&mut self, li: usize, p: usize) -> R<()> {
        let line = self.lines[li];
        let p = skip_spaces(self.src, p, line.end);
        if p < line.end && self.src[p] != b'#' {
            return Err(Bail);
        }
        self.i = li + 1;
        Ok(())
    }

    /// A `|` literal block scalar.
    fn literal(&mut self, li: usize, pos: usize, parent: isize, role: Role) -> R<()> {
        let line = self.lines[li];
        let mut chomp = b'c';
        let mut explicit: Option<usize> = None;
        let mut p = pos + 1;
        while p < line.end {
            match self.src[p] {
                b'-' | b'+' if chomp == b'c' => chomp = self.src[p],
                d @ b'1'..=b'9' if explicit.is_none() => explicit = Some((d - b'0') as usize),
                _ => break,
            }
            p += 1;
        }
        let p = skip_spaces(self.src, p, line.end);
        if p < line.end && self.src[p] != b'#' {
            return Err(Bail);
        }
        let content_indent = match explicit {
            // `key: |2` and `- |2`: relative to the mapping's or the sequence's indentation.
            Some(d) if parent >= 0 => parent as usize + d,
            Some(_) => return Err(Bail),
            None => {
                let mut detected = None;
                let mut longest_blank = 0;
                for next in &self.lines[li + 1..] {
                    if next.kind == LineKind::Blank {
                        longest_blank = longest_blank.max(next.end - next.start);
                        continue;
                    }
                    detected = Some(next.indent);
                    break;
                }
                match detected {
                    Some(indent) if indent as isize > parent => {
                        if longest_blank > indent {
                            return Err(Bail);
                        }
                        indent
                    }
                    _ => {
                        // No content lines: an empty scalar.
                        if chomp == b'+' {
                            return Err(Bail);
                        }
                        self.i = li + 1;
                        while self.i < self.lines.len()
                            && self.lines[self.i].kind == LineKind::Blank
                        {
                            self.i += 1;
                        }
                        self.string_out("", role);
                        return Ok(());
                    }
                }
            }
        };
        let mut text = std::mem::take(&mut self.buf);
        text.clear();
        let mut j = li + 1;
        let mut pending_blank = 0usize;
        let mut any = false;
        while j < self.lines.len() {
            let next = self.lines[j];
            let width = next.end - next.start;
            let is_empty = next.kind == LineKind::Blank && width <= content_indent;
            if !is_empty && next.indent < content_indent {
                break;
            }
            if is_empty {
                pending_blank += 1;
            } else {
                if any {
                    text.push('\n');
                }
                for _ in 0..pending_blank {
                    text.push('\n');
                }
                pending_blank = 0;
                text.push_str(self.slice(next.start + content_indent, next.end)?);
                any = true;
            }
            j += 1;
        }
        self.i = j;
        match chomp {
            b'-' => {}
            b'+' => {
                text.push('\n');
                for _ in 0..pending_blank {
                    text.push('\n');
                }
            }
            _ => {
                if any {
                    text.push('\n');
                }
            }
        }
        self.string_out(&text, role);
        self.buf = text;
        Ok(())
    }

    /// A flow collection or flow scalar on one line, from `pos`; returns where it ends.
    fn flow(&mut self, pos: usize, end: usize, role: Role) -> R<usize> {
        let src = self.src;
        let p = skip_spaces(src, pos, end);
        if p >= end {
            return Err(Bail);
        }
        match src[p] {
            b'[' => {
                self.enter()?;
                self.out.push(b'[');
                let mut q = skip_spaces(src, p + 1, end);
                if role == Role::Items {
                    if q >= end || src[q] != b']' {
                        return Err(Bail);
                    }
                    self.items.get_or_insert_with(Vec::new);
                }
                if q < end && src[q] == b']' {
                    self.out.push(b']');
                    self.depth -= 1;
                    return Ok(q + 1);
                }
                let mut first = true;
                loop {
                    if !first {
                        self.out.push(b',');
                    }
                    first = false;
                    q = self.flow(q, end, Role::Other)?;
                    q = skip_spaces(src, q, end);
                    match src.get(q) {
                        Some(b',') if q < end => q = skip_spaces(src, q + 1, end),
                        Some(b']') if q < end => break,
                        _ => return Err(Bail),
                    }
                    if q < end && src[q] == b']' {
                        return Err(Bail); // trailing comma
                    }
                }
                self.out.push(b']');
                self.depth -= 1;
                Ok(q + 1)
            }
            b'{' => {
                self.enter()?;
                if let Role::Meta(owner) = role {
                    self.head_mut(owner).has_metadata = true;
                }
                self.out.push(b'{');
                let mut q = skip_spaces(src, p + 1, end);
                if q < end && src[q] == b'}' {
                    self.out.push(b'}');
                    self.depth -= 1;
                    return Ok(q + 1);
                }
                let mut first = true;
                loop {
                    if !first {
                        self.out.push(b',');
                    }
                    first = false;
                    let mut key = String::new();
                    let after_key = match src[q] {
                        b'"' | b'\'' => self.quoted_on_line(q, end, &mut key)?.ok_or(Bail)?,
                        _ => {
                            let stop = flow_plain_end(src, q, end, true);
                            let raw = trim_end(&src[q..stop]);
                            if raw.is_empty() {
                                return Err(Bail);
                            }
                            key.push_str(std::str::from_utf8(raw).map_err(|_| Bail)?);
                            stop
                        }
                    };
                    let colon = skip_spaces(src, after_key, end);
                    if colon >= end || src[colon] != b':' {
                        return Err(Bail);
                    }
                    write_json_str(&mut self.out, &key);
                    self.out.push(b':');
                    let child = role.child(&key);
                    let value_at = skip_spaces(src, colon + 1, end);
                    q = if value_at < end && matches!(src[value_at], b',' | b'}') {
                        self.scalar_out(Scalar::Null, child);
                        value_at
                    } else {
                        self.flow(value_at, end, child)?
                    };
                    q = skip_spaces(src, q, end);
                    match src.get(q) {
                        Some(b',') if q < end => q = skip_spaces(src, q + 1, end),
                        Some(b'}') if q < end => break,
                        _ => return Err(Bail),
                    }
                    if q >= end || src[q] == b'}' {
                        return Err(Bail);
                    }
                }
                self.out.push(b'}');
                self.depth -= 1;
                Ok(q + 1)
            }
            b'"' | b'\'' => {
                let mut text = String::new();
                let after = self.quoted_on_line(p, end, &mut text)?.ok_or(Bail)?;
                self.string_out(&text, role);
                Ok(after)
            }
            b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'#' | b',' | b']' | b'}' => {
                Err(Bail)
            }
            _ => {
                let stop = flow_plain_end(src, p, end, false);
                let raw = trim_end(&src[p..stop]);
                if raw.is_empty() {
                    return Err(Bail);
                }
                let text = std::str::from_utf8(raw).map_err(|_| Bail)?;
                match resolve_plain(text)? {
                    Scalar::Str => self.string_out(text, role),
                    other => self.typed_out(other, text, role),
                }
                Ok(stop)
            }
        }
    }

    fn head_mut(&mut self, owner: Owner) -> &mut Head {
        match owner {
            Owner::Root => &mut self.head,
            Owner::Item => match self.items.as_mut().and_then(|items| items.last_mut()) {
                Some(last) => &mut last.1,
                None => &mut self.head, // unreachable: items exist before their fields
            },
        }
    }

    fn note(&mut self, role: Role, value: Option<&str>) {
        if let Role::Field(field, owner) = role {
            let value = value.map(str::to_string);
            let head = self.head_mut(owner);
            let slot = match field {
                Field::ApiVersion => &mut head.api_version,
                Field::Kind => &mut head.kind,
                Field::Name => &mut head.name,
                Field::Namespace => &mut head.namespace,
                Field::Uid => &mut head.uid,
                Field::ResourceVersion => &mut head.resource_version,
            };
            *slot = value;
        }
    }

    fn string_out(&mut self, text: &str, role: Role) {
        write_json_str(&mut self.out, text);
        self.note(role, Some(text));
    }

    fn scalar_out(&mut self, scalar: Scalar, role: Role) {
        self.typed_out(scalar, "", role);
    }

    fn typed_out(&mut self, scalar: Scalar, text: &str, role: Role) {
        let start = self.out.len();
        match scalar {
            Scalar::Null => self.out.extend_from_slice(b"null"),
            Scalar::Bool(true) => self.out.extend_from_slice(b"true"),
            Scalar::Bool(false) => self.out.extend_from_slice(b"false"),
            Scalar::U64(n) => self.out.extend_from_slice(n.to_string().as_bytes()),
            Scalar::I64(n) => self.out.extend_from_slice(n.to_string().as_bytes()),
            Scalar::F64(f) => {
                let _ = serde_json::to_writer(&mut self.out, &f);
            }
            Scalar::Str => write_json_str(&mut self.out, text),
        }
        if matches!(role, Role::Field(..)) {
            let written = String::from_utf8_lossy(&self.out[start..]).into_owned();
            let value = (written != "null").then_some(written);
            self.note(role, value.as_deref());
        }
    }
}

/// The first `:` followed by a space or the end of the line: a mapping key's end.
fn value_colon(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find(':') {
        let colon = from + i;
        if colon + 1 == bytes.len() || matches!(bytes[colon + 1], b' ' | b'\t') {
            return Some(colon);
        }
        from = colon + 1;
    }
    None
}

/// Where a ` #` comment starts in a line of block context.
fn comment_at(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find('#') {
        let hash = from + i;
        if hash > 0 && matches!(bytes[hash - 1], b' ' | b'\t') {
            return Some(hash);
        }
        from = hash + 1;
    }
    None
}

/// A plain scalar on one line (before a ` #` comment), trimmed; `: ` inside is YAML's error
/// to report, so serde-saphyr gets the document.
fn plain_segment(text: &str) -> R<&str> {
    let cut = comment_at(text).unwrap_or(text.len());
    if value_colon(&text[..cut]).is_some() {
        return Err(Bail);
    }
    Ok(trim_end_str(&text[..cut]))
}

/// Where a plain scalar ends inside a flow collection.
fn flow_plain_end(src: &[u8], pos: usize, end: usize, key: bool) -> usize {
    let mut p = pos;
    while p < end {
        match src[p] {
            b',' | b'[' | b']' | b'{' | b'}' => break,
            b':' if key || p + 1 == end || matches!(src[p + 1], b' ' | b',' | b']' | b'}') => break,
            b'#' if p > pos && src[p - 1] == b' ' => break,
            _ => p += 1,
        }
    }
    p
}

/// Line folding of flow and plain scalars: a single break is a space, `n` empty lines are `n`
/// newlines.
fn fold(text: &mut String, blanks: usize) {
    if blanks == 0 {
        text.push(' ');
    } else {
        for _ in 0..blanks {
            text.push('\n');
        }
    }
}

fn skip_spaces(src: &[u8], mut p: usize, end: usize) -> usize {
    while p < end && matches!(src[p], b' ' | b'\t') {
        p += 1;
    }
    p
}

/// `trim_end_matches([' ', '\t'])`, without the generic searcher (slow in a debug build).
fn trim_end_str(text: &str) -> &str {
    let kept = trim_end(text.as_bytes()).len();
    &text[..kept]
}

/// A `%YAML` or `%TAG` directive line.
fn has_directive(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find('%') {
        let at = from + i;
        if at == 0 || bytes[at - 1] == b'\n' {
            return true;
        }
        from = at + 1;
    }
    false
}

fn trim_end(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    &bytes[..end]
}

/// Decodes one double-quoted escape whose letter is at `p`; returns the position after it.
fn unescape(src: &[u8], p: usize, end: usize, text: &mut String) -> R<usize> {
    // Escapes of other control characters (\0 \a \b \v \f \e, \x01 ...) are left to serde-saphyr:
    // the JSON writer's fast path assumes strings hold none.
    let simple = match src[p] {
        b't' | b'\t' => Some('\t'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b' ' => Some(' '),
        b'"' => Some('"'),
        b'/' => Some('/'),
        b'\\' => Some('\\'),
        b'N' => Some('\u{85}'),
        b'_' => Some('\u{a0}'),
        b'L' => Some('\u{2028}'),
        b'P' => Some('\u{2029}'),
        _ => None,
    };
    if let Some(c) = simple {
        text.push(c);
        return Ok(p + 1);
    }
    let digits = match src[p] {
        b'x' => 2,
        b'u' => 4,
        b'U' => 8,
        _ => return Err(Bail),
    };
    let hex = src.get(p + 1..p + 1 + digits).ok_or(Bail)?;
    if p + 1 + digits > end {
        return Err(Bail);
    }
    let hex = std::str::from_utf8(hex).map_err(|_| Bail)?;
    let code = u32::from_str_radix(hex, 16).map_err(|_| Bail)?;
    if code < 0x20 && !matches!(code, 0x09 | 0x0a | 0x0d) {
        return Err(Bail);
    }
    text.push(char::from_u32(code).ok_or(Bail)?);
    Ok(p + 1 + digits)
}

/// JSON string literal, escaped as serde_json escapes.
pub(crate) fn write_json_str(out: &mut Vec<u8>, text: &str) {
    // Most strings need no escape. Long ones are checked for quotes and backslashes by memchr
    // (fast even in a debug build) and for control characters byte by byte, short ones byte by
    // byte: a raw control character, which YAML does not allow but a file may hold anyway, is
    // escaped like any other, so the line stays valid JSON.
    let needs_escape = if text.len() <= 48 {
        text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\')
    } else {
        text.contains('"') || text.contains('\\') || text.bytes().any(|b| b < 0x20)
    };
    if !needs_escape {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
        return;
    }
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[run..i]);
        if escape.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(escape);
        }
        run = i + 1;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// Types a plain scalar exactly as serde-saphyr does with [`saphyr_options`] when deserializing
/// into a JSON value; forms serde_json cannot hold (integers beyond 64 bits) are left to it.
fn resolve_plain(text: &str) -> R<Scalar> {
    let Some(&first) = text.as_bytes().first() else {
        return Ok(Scalar::Null);
    };
    // Fast exit: most scalars are names, which no rule below can match.
    if !matches!(
        first,
        b'0'..=b'9' | b'+' | b'-' | b'.' | b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F'
    ) {
        return Ok(Scalar::Str);
    }
    match text {
        "~" | "null" | "Null" | "NULL" => return Ok(Scalar::Null),
        "true" | "True" | "TRUE" => return Ok(Scalar::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Scalar::Bool(false)),
        _ => {}
    }
    if !matches!(first, b'0'..=b'9' | b'+' | b'-' | b'.') {
        return Ok(Scalar::Str);
    }
    if let Some(n) = parse_unsigned(text) {
        return Ok(Scalar::U64(n));
    }
    if let Some(n) = parse_negative(text) {
        return Ok(Scalar::I64(n));
    }
    if parse_unsigned_wide(text) || parse_negative_wide(text) {
        return Err(Bail);
    }
    // A float beyond f64 (`1e400`) is an infinity to serde-saphyr, so null in JSON (serde_yaml
    // kept the text).
    if overflows_f64(text) {
        return Ok(Scalar::Null);
    }
    if !digits_but_not_number(text)
        && let Some(f) = parse_f64(text)
    {
        return Ok(if f.is_finite() {
            Scalar::F64(f)
        } else {
            Scalar::Null // serde_json holds no infinities or NaN
        });
    }
    Ok(Scalar::Str)
}

fn radix_forms(unpositive: &str) -> Option<(&str, u32)> {
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            return Some((rest, radix));
        }
    }
    None
}

fn parse_unsigned(scalar: &str) -> Option<u64> {
    let unpositive = scalar.strip_prefix('+').unwrap_or(scalar);
    if let Some((rest, radix)) = radix_forms(unpositive)
        && let Ok(n) = u64::from_str_radix(rest, radix)
    {
        return Some(n);
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(scalar) {
        return None;
    }
    unpositive.parse::<u64>().ok()
}

fn parse_negative(scalar: &str) -> Option<i64> {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = scalar.strip_prefix(prefix)
            && let Ok(n) = i64::from_str_radix(&format!("-{rest}"), radix)
        {
            return Some(n);
        }
    }
    if digits_but_not_number(scalar) {
        return None;
    }
    scalar.parse::<i64>().ok()
}

fn parse_unsigned_wide(scalar: &str) -> bool {
    let unpositive = scalar.strip_prefix('+').unwrap_or(scalar);
    if let Some((rest, radix)) = radix_forms(unpositive)
        && u128::from_str_radix(rest, radix).is_ok()
    {
        return true;
    }
    !unpositive.starts_with(['+', '-'])
        && !digits_but_not_number(scalar)
        && unpositive.parse::<u128>().is_ok()
}

fn parse_negative_wide(scalar: &str) -> bool {
    scalar.starts_with('-')
        && (scalar.starts_with("-0x")
            || scalar.starts_with("-0o")
            || scalar.starts_with("-0b")
            || (!digits_but_not_number(scalar) && scalar.parse::<i128>().is_ok()))
}

fn parse_f64(scalar: &str) -> Option<f64> {
    let unpositive = match scalar.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => scalar,
    };
    match unpositive {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        _ => {}
    }
    match scalar {
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    unpositive.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn overflows_f64(scalar: &str) -> bool {
    let unpositive = scalar.strip_prefix('+').unwrap_or(scalar);
    unpositive.bytes().any(|b| b.is_ascii_digit())
        && unpositive.parse::<f64>().is_ok_and(f64::is_infinite)
}

fn digits_but_not_number(scalar: &str) -> bool {
    let scalar = scalar.strip_prefix(['-', '+']).unwrap_or(scalar);
    scalar.len() > 1 && scalar.starts_with('0') && scalar[1..].bytes().all(|b| b.is_ascii_digit())
}

// The benchmark feature skips the converter, which these tests are about.
#[cfg(all(test, not(feature = "bench-yaml-crate-only")))]
mod tests {
    use super::*;

    /// Both readers, document by document: the fast path must agree with serde-saphyr (the test
    /// names keep serde_yaml, the reference before it).
    pub(crate) fn assert_same_as_serde_yaml(src: &str) -> usize {
        let fast: Vec<Value> = documents(src.as_bytes())
            .into_iter()
            .map(|doc| match doc.body {
                DocBody::Fast(fast) => serde_json::from_slice(&fast.json)
                    .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&fast.json))),
                DocBody::Value(v) => v,
                DocBody::Error(e) => panic!("{e}"),
            })
            .collect();
        let slow = saphyr_values(src).unwrap();
        assert_eq!(fast, slow, "in:\n{src}");
        fast.len()
    }

    /// serde-saphyr alone, as the slow path configures it: the documents that are not null.
    fn saphyr_values(src: &str) -> Result<Vec<Value>, serde_saphyr::Error> {
        let mut reader = src.as_bytes();
        serde_saphyr::read_with_options::<_, Value>(&mut reader, saphyr_options(src.len()))
            .filter(|v| !matches!(v, Ok(Value::Null)))
            .collect()
    }

    fn fast_count(src: &str) -> usize {
        documents(src.as_bytes())
            .iter()
            .filter(|d| matches!(d.body, DocBody::Fast(_)))
            .count()
    }

    #[test]
    fn go_yaml_output_converts_on_the_fast_path() {
        let src = r#"---
apiVersion: v1
kind: ConfigMapList
items:
- apiVersion: v1
  data:
    config.yaml: |
      a: 1
        b: 2

      c: "x"
    empty: ""
    script: |-
      #!/bin/sh
      echo hi
    lead: |2-
        indented first line
      second
  kind: ConfigMap
  metadata:
    annotations:
      note: 'it''s a long message that go-yaml folded because it ran past eighty
        columns: see'
      other: "tab\there \u00e9 \"q\" and a folded \
        continuation"
    creationTimestamp: "2025-12-13T13:32:30Z"
    labels:
      app.kubernetes.io/name: x
    name: cm-1
    namespace: default
    resourceVersion: "1552"
    uid: 60c0cf67-9e02-449c-b4b7-1e9de58871e0
- kind: ConfigMap
  metadata: {name: cm-2, labels: {a: b}}
  data: {}
  nested:
  - - a
    - b
  - []
  numbers: [1, -2, 3.5, 0x1F, 0o17, 012, 1e3, .inf, .nan, true, ~, null, yes]
metadata:
  resourceVersion: ""
"#;
        assert_eq!(assert_same_as_serde_yaml(src), 1);
        assert_eq!(fast_count(src), 1);
        let docs = documents(src.as_bytes());
        let DocBody::Fast(fast) = &docs[0].body else {
            panic!()
        };
        assert_eq!(fast.head.kind.as_deref(), Some("ConfigMapList"));
        let items = fast.items.as_ref().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].1.name.as_deref(), Some("cm-1"));
        assert_eq!(items[0].1.resource_version.as_deref(), Some("1552"));
        assert_eq!(
            items[0].1.uid.as_deref(),
            Some("60c0cf67-9e02-449c-b4b7-1e9de58871e0")
        );
        assert_eq!(items[1].1.name.as_deref(), Some("cm-2"));
        assert_eq!(items[1].1.api_version, None);
        let item: Value = serde_json::from_slice(&fast.json[items[1].0.clone()]).unwrap();
        assert_eq!(item["metadata"]["labels"]["a"], "b");
    }

    /// Every YAML file of the import fixtures (and the reference examples they come from)
    /// converts to exactly what serde-saphyr reads; most documents take the fast path.
    #[test]
    fn every_fixture_converts_like_serde_yaml() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/import"),
            &mut files,
        );
        assert!(files.len() > 20, "{files:?}");
        let (mut docs, mut fast) = (0, 0);
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            if saphyr_values(&text).is_err() {
                continue; // the broken fixtures
            }
            docs += assert_same_as_serde_yaml(&text);
            fast += fast_count(&text);
        }
        assert!(
            fast * 10 >= docs * 9,
            "{fast} of {docs} documents on the fast path"
        );
    }

    #[test]
    fn multi_document_files_keep_going_after_a_broken_document() {
        let src = "---\nkind: A\nmetadata:\n  name: a\n---\nkind: B\n  bad: [\n---\nkind: C\nmetadata:\n  name: c\n";
        let docs = documents(src.as_bytes());
        assert_eq!(docs.len(), 3);
        assert!(matches!(docs[0].body, DocBody::Fast(_)));
        match &docs[1].body {
            DocBody::Error(e) => assert!(e.starts_with("line 7:"), "{e}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(docs[1].index, 2);
        assert!(matches!(docs[2].body, DocBody::Fast(_)));
        assert_eq!(docs[2].line, 9);
    }

    #[test]
    fn what_the_fast_path_does_not_know_goes_to_serde_yaml() {
        for src in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: >\n  folded\n  text\n",
            "? complex\n: key\n",
            "a: [1,\n  2]\n",
            "%YAML 1.2\n---\na: 1\n",
            "- just\n- a list\n",
            "plain scalar document\n",
        ] {
            assert_same_as_serde_yaml(src);
        }
    }

    /// serde-saphyr's budget (`saphyr_options`) stops an alias bomb and deep nesting with an
    /// error for that document; the converter hands both to it. (Run on an 8 MiB stack: 128
    /// levels of serde-saphyr into a JSON value need more than 2 MiB at opt-level 0, not in
    /// release.)
    #[test]
    fn hostile_yaml_stops_at_the_budget() {
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(hostile_yaml_cases)
            .unwrap()
            .join()
            .unwrap();
    }

    fn hostile_yaml_cases() {
        let mut bomb = String::from("kind: A\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*l{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        let deep = format!("kind: A\nx: {}{}\n", "[".repeat(200), "]".repeat(200));
        let block_deep: String = (0..200).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        for src in [bomb, deep, block_deep] {
            let docs = documents(src.as_bytes());
            assert_eq!(docs.len(), 1, "{src}");
            assert!(matches!(&docs[0].body, DocBody::Error(_)), "{:?}", docs[0]);
        }
        let ok = format!("kind: A\nx: {}{}\n", "[".repeat(100), "]".repeat(100));
        assert_eq!(fast_count(&ok), 1);
    }

    #[test]
    fn raw_control_characters_still_make_valid_json() {
        let docs = documents(b"kind: A\nmetadata:\n  name: a\x01b\n");
        let DocBody::Fast(fast) = &docs[0].body else {
            panic!("{docs:?}")
        };
        let value: Value = serde_json::from_slice(&fast.json).unwrap();
        assert_eq!(value["metadata"]["name"], "a\u{1}b");
    }

    #[test]
    fn scalars_are_typed_like_serde_yaml() {
        let src = "a: 1\nb: -1\nc: +1\nd: 1.0\ne: 1_000\nf: 0x_1\ng: 00\nh: -0\ni: 1e400\nj: .5\nk: 5.\nl: inf\nm: NaN\nn: Null\no: nULL\np: FALSE\nq: 2025-01-01T00:00:00Z\nr: 10Gi\ns: '1'\nt: \"true\"\nu:\nv: ''\nw: 'x' # comment\nx: y # comment\n";
        assert_same_as_serde_yaml(src);
        assert_eq!(fast_count(src), 1);
    }

    #[test]
    fn folding_and_chomping_match_serde_yaml() {
        for src in [
            "a: one\n  two\n\n  three\n",
            "a: 'one\n\n  two  \n  three'\n",
            "a: \"one \\\n   two\\n \\t\"\n",
            "a: |\n  x\n\n\nb: 1\n",
            "a: |+\n  x\n\n\nb: 1\n",
            "a: |-\n  x\n\n\nb: 1\n",
            "a: |\n\nb: 1\n",
            "- |\n  in a list\n- 'q'\n- \"d\"\n",
            "a:\n  - x\n  - y: 1\n    z: 2\n  -\n    w: 3\nb: end\n",
            "a:\n- x\nb:\n  c:\n  - - 1\n    - 2\n",
            "a: {b: [1, 'two', \"three\"], c: {}, d: x y}\n",
            "a: b:c\nd: http://x.y/z#frag\n",
            "\"quoted key\": 1\n'single': 2\n",
            "a: b\r\nc: d\r\n",
        ] {
            assert_same_as_serde_yaml(src);
        }
    }
}
