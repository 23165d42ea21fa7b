//! One value of an Arrow array as JSON: how nested query results (LIST, STRUCT, MAP, UNION)
//! reach every output format, since CSV and a terminal table have no nested cells.

use duckdb::arrow::array::{Array, AsArray};
use duckdb::arrow::datatypes::{self as dt, DataType};
use duckdb::arrow::util::display::{ArrayFormatter, FormatOptions};
use serde_json::{Map, Number, Value};

/// Row `i` of `array` as JSON. Numbers, booleans, strings and nesting map to their JSON forms;
/// any other type becomes its text (Arrow's display form: decimals, times, intervals, hex for
/// binary).
pub fn value(array: &dyn Array, i: usize) -> Value {
    if array.is_null(i) {
        return Value::Null;
    }
    match array.data_type() {
        DataType::Boolean => Value::Bool(array.as_boolean().value(i)),
        DataType::Int8 => array.as_primitive::<dt::Int8Type>().value(i).into(),
        DataType::Int16 => array.as_primitive::<dt::Int16Type>().value(i).into(),
        DataType::Int32 => array.as_primitive::<dt::Int32Type>().value(i).into(),
        DataType::Int64 => array.as_primitive::<dt::Int64Type>().value(i).into(),
        DataType::UInt8 => array.as_primitive::<dt::UInt8Type>().value(i).into(),
        DataType::UInt16 => array.as_primitive::<dt::UInt16Type>().value(i).into(),
        DataType::UInt32 => array.as_primitive::<dt::UInt32Type>().value(i).into(),
        DataType::UInt64 => array.as_primitive::<dt::UInt64Type>().value(i).into(),
        DataType::Float32 => float(array.as_primitive::<dt::Float32Type>().value(i).into()),
        DataType::Float64 => float(array.as_primitive::<dt::Float64Type>().value(i)),
        DataType::Utf8 => array.as_string::<i32>().value(i).into(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(i).into(),
        DataType::Utf8View => array.as_string_view().value(i).into(),
        DataType::List(_) => list(array.as_list::<i32>().value(i).as_ref()),
        DataType::LargeList(_) => list(array.as_list::<i64>().value(i).as_ref()),
        DataType::FixedSizeList(_, _) => list(array.as_fixed_size_list().value(i).as_ref()),
        DataType::Struct(fields) => {
            let array = array.as_struct();
            let object = fields
                .iter()
                .zip(array.columns())
                .map(|(field, column)| (field.name().clone(), value(column.as_ref(), i)))
                .collect::<Map<_, _>>();
            Value::Object(object)
        }
        DataType::Map(_, _) => {
            let entries = array.as_map().value(i);
            let (keys, values) = (entries.column(0), entries.column(1));
            let object = (0..entries.len())
                .map(|j| {
                    let key = match value(keys.as_ref(), j) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, value(values.as_ref(), j))
                })
                .collect::<Map<_, _>>();
            Value::Object(object)
        }
        DataType::Union(_, _) => {
            let array = array.as_union();
            let child = array.child(array.type_id(i));
            value(child.as_ref(), array.value_offset(i))
        }
        _ => Value::String(text(array, i)),
    }
}

/// Row `i` of `array` in Arrow's display form; empty for a type Arrow cannot display.
pub fn text(array: &dyn Array, i: usize) -> String {
    ArrayFormatter::try_new(array, &FormatOptions::default())
        .map(|f| f.value(i).to_string())
        .unwrap_or_default()
}

fn list(items: &dyn Array) -> Value {
    Value::Array((0..items.len()).map(|j| value(items, j)).collect())
}

/// NaN and the infinities have no JSON number: they are written as text.
fn float(v: f64) -> Value {
    Number::from_f64(v)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(v.to_string()))
}
