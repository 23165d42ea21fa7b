//! What one file, document or value of untrusted input may cost an import (issue 16 items 3
//! and 4), in one place: every parser asks here, and every refusal is one [`Exceeded`] that the
//! parser turns into one error naming the file, its line, document or item, and the limit; the
//! rest of the import goes on.
//!
//! * an entry (a file, or an archive entry) that must be held whole to be parsed, YAML or a JSON
//!   file up to 16 MiB: [`Limits::entry_bytes`], 256 MiB (`MWTRACE_MAX_ENTRY_BYTES`), checked
//!   against the size the directory or archive announces before anything is read, and again
//!   while reading (a zip's size can lie), so a 3 GiB entry is refused after reading 256 MiB at
//!   most, never held;
//! * one JSON value of a streamed file (a List item, an array element, an NDJSON line, or the
//!   whole of any other document): [`Limits::document_bytes`], 64 MiB
//!   (`MWTRACE_MAX_DOCUMENT_BYTES`) of input, and as much again of decoded value (strings plus
//!   [`NODE_COST`] per node), so a long string or a long array of small numbers stops alike.
//!   Kubernetes objects stop at 1.5 MiB in etcd: the largest real value is a Maestro row or a
//!   List item, far below;
//! * a YAML document: serde-saphyr's budget (yaml.rs) with the alias limits here: at most
//!   [`YAML_MAX_ALIASES`] aliases, [`YAML_MAX_ANCHORS`] anchors, [`YAML_MAX_REPLAYED_EVENTS`]
//!   events replayed from aliases, nested [`YAML_MAX_REPLAY_DEPTH`] deep, and no more events,
//!   nodes or scalar bytes than the document's own size allows, replays included (a "billion
//!   laughs" file stops there in milliseconds, before it is built);
//! * nesting: [`MAX_NESTING`] levels for JSON and YAML alike (below serde_json's own 128, so the
//!   error names our limit);
//! * a log line: `mwtrace_logs::MAX_LINE_BYTES` (1 MiB), longer lines are cut (logs.rs).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{self, Read};
use std::sync::LazyLock;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Deepest nesting of mappings and sequences read, from a value's root (a List item counts
/// from the item). Real objects (a CRD's schema, a payload holding a ManifestWork holding a
/// HostedCluster) stay far below.
pub(crate) const MAX_NESTING: usize = 100;

/// serde-saphyr's alias budget (yaml.rs): real Kubernetes YAML (kubectl, must-gather) has no
/// aliases at all; hand-written manifests a few.
pub(crate) const YAML_MAX_ALIASES: usize = 10_000;
pub(crate) const YAML_MAX_ANCHORS: usize = 1_000;
pub(crate) const YAML_MAX_REPLAYED_EVENTS: usize = 1_000_000;
pub(crate) const YAML_MAX_REPLAY_DEPTH: usize = 64;

/// The longest log line copied whole: the log parser's own bound (crates/logs), so a bundle
/// never holds a line the loader would cut differently.
pub(crate) const LOG_LINE_BYTES: usize = mwtrace_logs::MAX_LINE_BYTES;

/// What a decoded node costs on top of its string bytes (about a `serde_json::Value`).
pub(crate) const NODE_COST: u64 = 32;

/// The limits of this process, read once from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub entry_bytes: u64,
    pub document_bytes: u64,
}

pub(crate) const ENTRY_ENV: &str = "MWTRACE_MAX_ENTRY_BYTES";
pub(crate) const DOCUMENT_ENV: &str = "MWTRACE_MAX_DOCUMENT_BYTES";

impl Limits {
    pub const DEFAULT: Limits = Limits {
        entry_bytes: 256 << 20,
        document_bytes: 64 << 20,
    };

    fn from_env() -> Limits {
        let var = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .filter(|v| *v > 0)
                .unwrap_or(default)
        };
        Limits {
            entry_bytes: var(ENTRY_ENV, Self::DEFAULT.entry_bytes),
            document_bytes: var(DOCUMENT_ENV, Self::DEFAULT.document_bytes),
        }
    }
}

/// The limits in force (`MWTRACE_MAX_ENTRY_BYTES`, `MWTRACE_MAX_DOCUMENT_BYTES`, else defaults).
pub(crate) fn limits() -> Limits {
    static LIMITS: LazyLock<Limits> = LazyLock::new(Limits::from_env);
    *LIMITS
}

/// Why input was refused. The message is one line naming the limit; the caller names the file
/// and where in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Exceeded {
    #[error("larger than {limit} bytes: not read ({ENTRY_ENV} raises the limit)")]
    Entry { limit: u64 },
    #[error("value larger than {limit} bytes: not read ({DOCUMENT_ENV} raises the limit)")]
    Document { limit: u64 },
    #[error("nested deeper than {limit} levels: not read")]
    Nesting { limit: usize },
    /// A YAML document beyond serde-saphyr's budget: `what` says which part of it.
    #[error("YAML document beyond its budget ({what}; an alias bomb?): not read")]
    YamlBudget { what: String },
}

/// Reads a whole entry of at most `limit` bytes; `announced` is the size the directory or
/// archive gave, checked first so that nothing of a larger entry is read.
pub(crate) fn read_entry(
    content: &mut dyn Read,
    announced: u64,
    limit: u64,
) -> Result<Vec<u8>, ReadError> {
    if announced > limit {
        return Err(ReadError::Exceeded(Exceeded::Entry { limit }));
    }
    let mut bytes = Vec::with_capacity(announced.min(limit) as usize);
    content
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::Exceeded(Exceeded::Entry { limit }));
    }
    Ok(bytes)
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    #[error("cannot read: {0}")]
    Io(io::Error),
    #[error(transparent)]
    Exceeded(Exceeded),
}

/// What a value being read may still cost: input bytes (counted by [`Metered`]), decoded bytes
/// (counted by [`BoundedValue`]) and nesting. Shared by reference between the reader and the
/// visitors of one parse, on one thread.
pub(crate) struct Budget {
    /// Input bytes read since the current value started; checked against `input_limit`.
    input: Cell<u64>,
    input_limit: Cell<u64>,
    /// Decoded bytes still allowed for the current value.
    left: Cell<u64>,
    node_cost: Cell<u64>,
    depth: Cell<usize>,
    limit: Cell<u64>,
    exceeded: RefCell<Option<Exceeded>>,
}

/// Where a value's budget stood when an inner value (a List item) took its own.
#[derive(Clone, Copy)]
pub(crate) struct Saved {
    input: u64,
    left: u64,
}

impl Budget {
    /// For JSON values: `limit` bytes of input and of decoded value each.
    pub const fn json(limit: u64) -> Budget {
        Budget {
            input: Cell::new(0),
            input_limit: Cell::new(limit),
            left: Cell::new(limit),
            node_cost: Cell::new(NODE_COST),
            depth: Cell::new(0),
            limit: Cell::new(limit),
            exceeded: RefCell::new(None),
        }
    }

    /// For a YAML document: nesting only (serde-saphyr's budget bounds its size, replays
    /// included).
    pub fn reset_nesting_only(&self) {
        self.input.set(0);
        self.input_limit.set(u64::MAX);
        self.left.set(u64::MAX);
        self.node_cost.set(0);
        self.depth.set(0);
        self.limit.set(u64::MAX);
        self.exceeded.replace(None);
    }

    /// Starts a value with a fresh budget; hand the result to [`Budget::resume`] after it.
    pub fn start(&self) -> Saved {
        Saved {
            input: self.input.replace(0),
            left: self.left.replace(self.limit.get()),
        }
    }

    /// Back to the enclosing value's budget.
    pub fn resume(&self, saved: Saved) {
        self.input.set(saved.input);
        self.left.set(saved.left);
    }

    /// Input bytes the current value has read so far.
    pub fn input_used(&self) -> u64 {
        self.input.get()
    }

    /// Values held back together (a List's items kept until its kind is known) count as one.
    pub fn check_held<E: de::Error>(&self, bytes: u64) -> Result<(), E> {
        let limit = self.limit.get();
        if bytes > limit {
            return Err(E::custom(self.trip(Exceeded::Document { limit })));
        }
        Ok(())
    }

    /// Why the value being read was refused, if it was.
    pub fn exceeded(&self) -> Option<Exceeded> {
        self.exceeded.borrow().clone()
    }

    fn trip(&self, why: Exceeded) -> Exceeded {
        self.exceeded.borrow_mut().get_or_insert(why).clone()
    }

    fn charge<E: de::Error>(&self, bytes: usize) -> Result<(), E> {
        let cost = (bytes as u64).saturating_add(self.node_cost.get());
        match self.left.get().checked_sub(cost) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => {
                let limit = self.limit.get();
                Err(E::custom(self.trip(Exceeded::Document { limit })))
            }
        }
    }

    fn enter<E: de::Error>(&self) -> Result<(), E> {
        let depth = self.depth.get() + 1;
        if depth > MAX_NESTING {
            return Err(E::custom(
                self.trip(Exceeded::Nesting { limit: MAX_NESTING }),
            ));
        }
        self.depth.set(depth);
        Ok(())
    }

    fn leave(&self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }
}

/// A reader that fails once the current value of `budget` has read more than its input limit.
pub(crate) struct Metered<'b, R> {
    pub inner: R,
    pub budget: &'b Budget,
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let used = self.budget.input.get().saturating_add(n as u64);
        self.budget.input.set(used);
        let limit = self.budget.input_limit.get();
        if used > limit {
            let why = self.budget.trip(Exceeded::Document { limit });
            return Err(io::Error::other(why));
        }
        Ok(n)
    }
}

/// Reads a `serde_json::Value` within a [`Budget`]: the same value serde_json would build
/// (numbers as serde_json reads them, non-finite floats as null), refused once too large or too
/// deep, before the rest of it is built.
#[derive(Clone, Copy)]
pub(crate) struct BoundedValue<'b>(pub &'b Budget);

impl<'de> DeserializeSeed<'de> for BoundedValue<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BoundedValue<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.0.charge(0)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.0.charge(0)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.0.charge(0)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        self.0.charge(0)?;
        Ok(Number::from_i128(v).map_or(Value::Null, Value::Number))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        self.0.charge(0)?;
        Ok(Number::from_u128(v).map_or(Value::Null, Value::Number))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.0.charge(0)?;
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.0.charge(v.len())?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.0.charge(v.len())?;
        Ok(Value::String(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.0.charge(0)?;
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.0.charge(0)?;
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.0.charge::<A::Error>(0)?;
        self.0.enter::<A::Error>()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        self.0.leave();
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.0.charge::<A::Error>(0)?;
        self.0.enter::<A::Error>()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(BoundedKey(self.0))? {
            let value = map.next_value_seed(self)?;
            out.insert(key, value);
        }
        self.0.leave();
        Ok(Value::Object(out))
    }
}

/// A map key within the budget, read as serde_json's `Value` reads keys (`deserialize_str`:
/// serde-saphyr hands a scalar key over as its text).
struct BoundedKey<'b>(&'b Budget);

impl<'de> DeserializeSeed<'de> for BoundedKey<'_> {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for BoundedKey<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        self.0.charge(v.len())?;
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        self.0.charge(v.len())?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str, limit: u64) -> Result<Value, Option<Exceeded>> {
        let budget = Budget::json(limit);
        let mut de = serde_json::Deserializer::from_str(text);
        BoundedValue(&budget)
            .deserialize(&mut de)
            .map_err(|_| budget.exceeded())
    }

    #[test]
    fn values_within_the_budget_read_as_serde_json_reads_them() {
        let text = r#"{"a":[1,-2,3.5,true,null,"x"],"b":{"c":18446744073709551615}}"#;
        let expected: Value = serde_json::from_str(text).unwrap();
        assert_eq!(json(text, 1 << 20).unwrap(), expected);
    }

    #[test]
    fn too_large_or_too_deep_values_stop_with_their_limit() {
        let long = format!(r#"{{"a":"{}"}}"#, "x".repeat(10_000));
        assert_eq!(
            json(&long, 4096),
            Err(Some(Exceeded::Document { limit: 4096 }))
        );
        let many = format!("[{}0]", "0,".repeat(1000));
        assert_eq!(
            json(&many, 4096),
            Err(Some(Exceeded::Document { limit: 4096 }))
        );
        let deep = format!("{}{}", "[".repeat(110), "]".repeat(110));
        assert_eq!(
            json(&deep, 1 << 20),
            Err(Some(Exceeded::Nesting { limit: MAX_NESTING }))
        );
        let ok = format!("{}{}", "[".repeat(MAX_NESTING), "]".repeat(MAX_NESTING));
        assert!(json(&ok, 1 << 20).is_ok());
    }

    #[test]
    fn entries_are_refused_by_their_announced_size_or_while_read() {
        let bytes = [b'x'; 100];
        let mut unread = &bytes[..];
        assert!(matches!(
            read_entry(&mut unread, 100, 99),
            Err(ReadError::Exceeded(Exceeded::Entry { limit: 99 }))
        ));
        assert_eq!(unread.len(), 100, "nothing read");
        // a lying size (zip) is caught while reading
        assert!(matches!(
            read_entry(&mut &bytes[..], 10, 99),
            Err(ReadError::Exceeded(Exceeded::Entry { limit: 99 }))
        ));
        assert_eq!(read_entry(&mut &bytes[..], 10, 100).unwrap().len(), 100);
    }
}
