//! DuckDB's Arrow batches as polars DataFrames, built column by column so that every result
//! renders. duckdb-rs's own conversion (`query_polars`) panics on duplicate column names and on
//! types polars cannot import (INTERVAL, HUGEINT, UNION, MAP, BLOB, ...); here a column of a
//! type polars carries in every format is copied as it is, a nested one (LIST, STRUCT, MAP,
//! UNION) becomes JSON text, and any other becomes its text form, each noted once on stderr.

use anyhow::{Context as _, Result};
use duckdb::arrow::array::{Array, AsArray};
use duckdb::arrow::compute::cast;
use duckdb::arrow::datatypes::{self as dt, DataType as Arrow, Schema, TimeUnit as ArrowUnit};
use duckdb::arrow::record_batch::RecordBatch;
use mwtrace_analyze::terminal::escape_line;
use polars::prelude::*;

use super::arrow_json;

/// How a column reaches polars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carry {
    /// As its own type.
    Native,
    /// As JSON text (nested types).
    Json,
    /// As its text form.
    Text,
}

/// Converts the batches of one result.
pub struct Frames {
    names: Vec<PlSmallStr>,
    carry: Vec<Carry>,
    /// Cells and names escaped for a terminal.
    terminal: bool,
    notes: Vec<String>,
}

impl Frames {
    /// The conversion of results of `schema`; `terminal` escapes control characters in names
    /// and text cells (the `table` format).
    pub fn new(schema: &Schema, terminal: bool) -> Frames {
        let mut notes = Vec::new();
        let raw: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| match terminal {
                true => escape_line(f.name()).into_owned(),
                false => f.name().clone(),
            })
            .collect();
        let names = unique_names(&raw, &mut notes);
        let carry = schema
            .fields()
            .iter()
            .zip(&names)
            .map(|(field, name)| {
                let carry = carry_of(field.data_type());
                match carry {
                    Carry::Native => {}
                    Carry::Json => notes.push(format!(
                        "column {name} ({}) is written as JSON text",
                        field.data_type()
                    )),
                    Carry::Text => notes.push(format!(
                        "column {name} ({}) is written as text",
                        field.data_type()
                    )),
                }
                carry
            })
            .collect();
        Frames {
            names: names.into_iter().map(PlSmallStr::from).collect(),
            carry,
            terminal,
            notes,
        }
    }

    /// What the conversion changed, one line each, for stderr.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    pub fn names(&self) -> Vec<String> {
        self.names.iter().map(|n| n.to_string()).collect()
    }

    /// One batch as a DataFrame.
    pub fn convert(&self, batch: &RecordBatch) -> Result<DataFrame> {
        let mut columns = Vec::with_capacity(self.names.len());
        for ((array, name), carry) in batch.columns().iter().zip(&self.names).zip(&self.carry) {
            let series = match carry {
                Carry::Native => native(name.clone(), array.as_ref(), self.terminal)
                    .with_context(|| format!("result column {name}"))?,
                Carry::Json => strings(name.clone(), array.as_ref(), self.terminal, |a, i| {
                    arrow_json::value(a, i).to_string()
                }),
                Carry::Text => strings(
                    name.clone(),
                    array.as_ref(),
                    self.terminal,
                    arrow_json::text,
                ),
            };
            columns.push(series.into_column());
        }
        DataFrame::new(columns).context("result batch")
    }
}

/// `names`, a later duplicate suffixed `_2`, `_3`... (skipping names taken).
fn unique_names(names: &[String], notes: &mut Vec<String>) -> Vec<String> {
    let mut taken: std::collections::HashSet<String> = names.iter().cloned().collect();
    let mut seen = std::collections::HashSet::new();
    let mut renamed = Vec::new();
    let unique = names
        .iter()
        .map(|name| {
            if seen.insert(name.clone()) {
                return name.clone();
            }
            let fresh = (2..)
                .map(|n| format!("{name}_{n}"))
                .find(|candidate| !taken.contains(candidate))
                .unwrap_or_default();
            taken.insert(fresh.clone());
            seen.insert(fresh.clone());
            renamed.push(format!("{name} -> {fresh}"));
            fresh
        })
        .collect();
    if !renamed.is_empty() {
        notes.push(format!(
            "duplicate column names made unique: {}",
            renamed.join(", ")
        ));
    }
    unique
}

fn carry_of(ty: &Arrow) -> Carry {
    match ty {
        Arrow::Null
        | Arrow::Boolean
        | Arrow::Int8
        | Arrow::Int16
        | Arrow::Int32
        | Arrow::Int64
        | Arrow::UInt8
        | Arrow::UInt16
        | Arrow::UInt32
        | Arrow::UInt64
        | Arrow::Float16
        | Arrow::Float32
        | Arrow::Float64
        | Arrow::Utf8
        | Arrow::LargeUtf8
        | Arrow::Utf8View
        | Arrow::Date32
        | Arrow::Timestamp(_, _)
        | Arrow::Time64(_)
        | Arrow::Duration(_) => Carry::Native,
        Arrow::Decimal128(precision, scale) if *scale >= 0 && *precision <= 38 => Carry::Native,
        Arrow::Dictionary(_, values) if matches!(**values, Arrow::Utf8 | Arrow::LargeUtf8) => {
            Carry::Native
        }
        Arrow::List(_)
        | Arrow::LargeList(_)
        | Arrow::FixedSizeList(_, _)
        | Arrow::Struct(_)
        | Arrow::Map(_, _)
        | Arrow::Union(_, _) => Carry::Json,
        _ => Carry::Text,
    }
}

/// A column polars carries as its own type.
fn native(name: PlSmallStr, array: &dyn Array, terminal: bool) -> Result<Series> {
    fn prim<T: dt::ArrowPrimitiveType>(array: &dyn Array) -> Vec<Option<T::Native>> {
        array.as_primitive::<T>().iter().collect()
    }
    let series = match array.data_type() {
        Arrow::Null => Series::full_null(name, array.len(), &DataType::String),
        Arrow::Boolean => Series::new(name, array.as_boolean().iter().collect::<Vec<_>>()),
        Arrow::Int8 => Series::new(name, prim::<dt::Int8Type>(array)),
        Arrow::Int16 => Series::new(name, prim::<dt::Int16Type>(array)),
        Arrow::Int32 => Series::new(name, prim::<dt::Int32Type>(array)),
        Arrow::Int64 => Series::new(name, prim::<dt::Int64Type>(array)),
        Arrow::UInt8 => Series::new(name, prim::<dt::UInt8Type>(array)),
        Arrow::UInt16 => Series::new(name, prim::<dt::UInt16Type>(array)),
        Arrow::UInt32 => Series::new(name, prim::<dt::UInt32Type>(array)),
        Arrow::UInt64 => Series::new(name, prim::<dt::UInt64Type>(array)),
        Arrow::Float16 => Series::new(
            name,
            prim::<dt::Float16Type>(array)
                .into_iter()
                .map(|v| v.map(f32::from))
                .collect::<Vec<_>>(),
        ),
        Arrow::Float32 => Series::new(name, prim::<dt::Float32Type>(array)),
        Arrow::Float64 => Series::new(name, prim::<dt::Float64Type>(array)),
        Arrow::Utf8 | Arrow::LargeUtf8 | Arrow::Utf8View | Arrow::Dictionary(_, _) => {
            let utf8 = cast(array, &Arrow::Utf8)?;
            let values = utf8.as_string::<i32>().iter().map(|v| match terminal {
                true => v.map(|s| escape_line(s).into_owned()),
                false => v.map(str::to_owned),
            });
            Series::new(name, values.collect::<Vec<_>>())
        }
        Arrow::Date32 => Series::new(name, prim::<dt::Date32Type>(array)).cast(&DataType::Date)?,
        Arrow::Timestamp(unit, zone) => {
            let (values, unit) = match unit {
                ArrowUnit::Second => (
                    scaled::<dt::TimestampSecondType>(array),
                    TimeUnit::Milliseconds,
                ),
                ArrowUnit::Millisecond => (
                    prim::<dt::TimestampMillisecondType>(array),
                    TimeUnit::Milliseconds,
                ),
                ArrowUnit::Microsecond => (
                    prim::<dt::TimestampMicrosecondType>(array),
                    TimeUnit::Microseconds,
                ),
                ArrowUnit::Nanosecond => (
                    prim::<dt::TimestampNanosecondType>(array),
                    TimeUnit::Nanoseconds,
                ),
            };
            let zone = TimeZone::opt_try_new(zone.as_deref())?;
            Series::new(name, values).cast(&DataType::Datetime(unit, zone))?
        }
        Arrow::Duration(unit) => {
            let (values, unit) = match unit {
                ArrowUnit::Second => (
                    scaled::<dt::DurationSecondType>(array),
                    TimeUnit::Milliseconds,
                ),
                ArrowUnit::Millisecond => (
                    prim::<dt::DurationMillisecondType>(array),
                    TimeUnit::Milliseconds,
                ),
                ArrowUnit::Microsecond => (
                    prim::<dt::DurationMicrosecondType>(array),
                    TimeUnit::Microseconds,
                ),
                ArrowUnit::Nanosecond => (
                    prim::<dt::DurationNanosecondType>(array),
                    TimeUnit::Nanoseconds,
                ),
            };
            Series::new(name, values).cast(&DataType::Duration(unit))?
        }
        Arrow::Time64(unit) => {
            let nanos: Vec<Option<i64>> = match unit {
                ArrowUnit::Microsecond => prim::<dt::Time64MicrosecondType>(array)
                    .into_iter()
                    .map(|v| v.map(|v| v.saturating_mul(1000)))
                    .collect(),
                _ => prim::<dt::Time64NanosecondType>(array),
            };
            Series::new(name, nanos).cast(&DataType::Time)?
        }
        Arrow::Decimal128(precision, scale) => {
            let values = prim::<dt::Decimal128Type>(array);
            Int128Chunked::from_iter_options(name, values.into_iter())
                .into_decimal(Some(*precision as usize), *scale as usize)?
                .into_series()
        }
        other => anyhow::bail!("no native conversion for {other}"),
    };
    Ok(series)
}

/// Seconds as milliseconds (polars has no seconds unit).
fn scaled<T: dt::ArrowPrimitiveType<Native = i64>>(array: &dyn Array) -> Vec<Option<i64>> {
    array
        .as_primitive::<T>()
        .iter()
        .map(|v| v.map(|v| v.saturating_mul(1000)))
        .collect()
}

/// A column of text made by `render` from each non-null row.
fn strings(
    name: PlSmallStr,
    array: &dyn Array,
    terminal: bool,
    render: impl Fn(&dyn Array, usize) -> String,
) -> Series {
    let values = (0..array.len()).map(|i| {
        if array.is_null(i) {
            return None;
        }
        let text = render(array, i);
        Some(match terminal {
            true => escape_line(&text).into_owned(),
            false => text,
        })
    });
    Series::new(name, values.collect::<Vec<_>>())
}
