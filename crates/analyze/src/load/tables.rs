//! Raw tables: each dumped Maestro table becomes a DuckDB table with every column the dump has,
//! typed by the column's meaning, whatever the schema's age. Columns of the current schema that
//! a dump lacks are added as NULL, and renamed columns feed their current name (`manifest` ->
//! `payload`, `consumer_id` -> `consumer_name`), so queries work on every dump.

use std::collections::BTreeSet;

/// The SQL type a column is loaded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnType {
    Text,
    Json,
    Timestamp,
    BigInt,
    Boolean,
}

impl ColumnType {
    fn sql(self) -> &'static str {
        match self {
            ColumnType::Text => "VARCHAR",
            ColumnType::Json => "JSON",
            ColumnType::Timestamp => "TIMESTAMP",
            ColumnType::BigInt => "BIGINT",
            ColumnType::Boolean => "BOOLEAN",
        }
    }

    /// How DuckDB's JSON reader reads the column: JSON stays JSON, anything else is read as
    /// text and cast by [`ColumnType::extract`], so a bad value becomes NULL, not an error.
    fn read_as(self) -> &'static str {
        match self {
            ColumnType::Json => "JSON",
            _ => "VARCHAR",
        }
    }

    /// The expression that types the read column `key` as this type.
    fn extract(self, key: &str) -> String {
        let key = ident(key);
        match self {
            ColumnType::Text | ColumnType::Json => key,
            ColumnType::Timestamp => format!("mw_ts({key})"),
            ColumnType::BigInt => format!("TRY_CAST({key} AS BIGINT)"),
            ColumnType::Boolean => format!("TRY_CAST({key} AS BOOLEAN)"),
        }
    }

    /// What a dumped value `key` is when it cannot be typed as this type; None for the types
    /// every value has (text, JSON).
    fn expected(self) -> Option<&'static str> {
        match self {
            ColumnType::Text | ColumnType::Json => None,
            ColumnType::Timestamp => Some("a timestamp"),
            ColumnType::BigInt => Some("an integer"),
            ColumnType::Boolean => Some("a boolean"),
        }
    }

    /// The type of a column this module has no definition for, by naming convention.
    fn guess(column: &str) -> ColumnType {
        match column {
            c if c.ends_with("_at") || c.ends_with("_date") || c == "last_heartbeat" => {
                ColumnType::Timestamp
            }
            "payload" | "status" | "manifest" | "labels" => ColumnType::Json,
            _ => ColumnType::Text,
        }
    }
}

use ColumnType::*;

use crate::query::ident;

/// A column of the current Maestro schema, and the older names it was dumped under.
pub(crate) struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub aliases: &'static [&'static str],
}

const fn col(name: &'static str, ty: ColumnType) -> Column {
    Column {
        name,
        ty,
        aliases: &[],
    }
}

const BASE: [Column; 4] = [
    col("id", Text),
    col("created_at", Timestamp),
    col("updated_at", Timestamp),
    col("deleted_at", Timestamp),
];

/// The Maestro tables mwtrace knows, with their columns after all migrations
/// (maestro-data-model.md §1).
pub(crate) fn known_columns(table: &str) -> Option<Vec<Column>> {
    let extra: Vec<Column> = match table {
        "resources" => vec![
            col("name", Text),
            col("source", Text),
            Column {
                name: "consumer_name",
                ty: Text,
                aliases: &["consumer_id"],
            },
            col("version", BigInt),
            col("type", Text),
            Column {
                name: "payload",
                ty: Json,
                aliases: &["manifest"],
            },
            col("status", Json),
        ],
        "events" => vec![
            col("source", Text),
            col("source_id", Text),
            col("event_type", Text),
            col("reconciled_date", Timestamp),
        ],
        "status_events" => vec![
            col("resource_id", Text),
            col("resource_source", Text),
            col("resource_type", Text),
            col("payload", Json),
            col("status", Json),
            col("status_event_type", Text),
            col("reconciled_date", Timestamp),
        ],
        "consumers" => vec![col("name", Text), col("labels", Json)],
        "server_instances" => vec![col("last_heartbeat", Timestamp), col("ready", Boolean)],
        "event_instances" => {
            return Some(vec![
                col("event_id", Text),
                col("instance_id", Text),
                col("spec_event_id", Text),
            ]);
        }
        _ => return None,
    };
    Some(BASE.into_iter().chain(extra).collect())
}

/// Tables that always exist after a load, empty when the bundle has no dump of them.
pub(crate) use mwtrace_bundle::layout::MAESTRO_TABLES;

/// The type a dumped column `key` is read as: its definition's (also under an older name), else
/// by naming convention.
fn type_of_key(known: &[Column], key: &str) -> ColumnType {
    known
        .iter()
        .find(|c| c.name == key || c.aliases.contains(&key))
        .map(|c| c.ty)
        .unwrap_or_else(|| ColumnType::guess(key))
}

/// The `columns` argument of `read_json` for a dump whose rows have `keys`: every key that can
/// be a column, as [`ColumnType::read_as`] says. None when no key can be.
pub(crate) fn read_columns(table: &str, keys: &BTreeSet<String>) -> Option<String> {
    let known = known_columns(table).unwrap_or_default();
    let columns: Vec<String> = keys
        .iter()
        .filter(|k| is_plain_identifier(k))
        .map(|k| format!("{}: '{}'", sql_string(k), type_of_key(&known, k).read_as()))
        .collect();
    (!columns.is_empty()).then(|| format!("{{{}}}", columns.join(", ")))
}

/// The column of a freshly loaded raw table that lists, per row, the values that could not be
/// typed (and were loaded as NULL): the loader reports them as load issues, then drops it.
pub(crate) const BAD_VALUES_COLUMN: &str = "mw_bad_values";

/// The SELECT list that types a raw table read with [`read_columns`] from rows that have
/// `keys`. Known columns come first in schema order, then every other dumped column, then
/// [`BAD_VALUES_COLUMN`].
pub(crate) fn select_list(table: &str, keys: &BTreeSet<String>) -> String {
    let known = known_columns(table).unwrap_or_default();
    let mut items = Vec::new();
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    for column in &known {
        let sources: Vec<String> = std::iter::once(column.name)
            .chain(column.aliases.iter().copied())
            .filter(|k| keys.contains(*k) && is_plain_identifier(k))
            .map(|k| column.ty.extract(k))
            .collect();
        let expr = match sources.len() {
            0 => format!("NULL::{}", column.ty.sql()),
            1 => sources[0].clone(),
            _ => format!("coalesce({})", sources.join(", ")),
        };
        items.push(format!("{expr} AS {}", ident(column.name)));
        covered.insert(column.name);
    }
    for key in keys {
        if covered.contains(key.as_str()) || !is_plain_identifier(key) {
            continue;
        }
        let ty = ColumnType::guess(key);
        items.push(format!("{} AS {}", ty.extract(key), ident(key)));
    }
    items.push(format!(
        "{} AS {BAD_VALUES_COLUMN}",
        bad_values(&known, keys)
    ));
    items.join(",\n       ")
}

/// A list of one text per dumped value that its column's type refused (`version: "seven" is
/// not an integer`), empty for a good row.
fn bad_values(known: &[Column], keys: &BTreeSet<String>) -> String {
    let checks: Vec<String> = keys
        .iter()
        .filter(|k| is_plain_identifier(k))
        .filter_map(|key| {
            let ty = type_of_key(known, key);
            let expected = ty.expected()?;
            let column = ident(key);
            Some(format!(
                "CASE WHEN {column} IS NOT NULL AND {} IS NULL THEN {} || to_json(left({column}, 60)) || {} END",
                ty.extract(key),
                sql_string(&format!("{key}: ")),
                sql_string(&format!(" is not {expected} (loaded as NULL)")),
            ))
        })
        .collect();
    if checks.is_empty() {
        "[]::VARCHAR[]".to_string()
    } else {
        format!(
            "list_filter([{}], lambda v: v IS NOT NULL)",
            checks.join(", ")
        )
    }
}

/// Dumped column names become SQL identifiers only if they look like column names.
pub(crate) fn is_plain_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && name.len() <= 63
}

/// A SQL string literal.
pub(crate) fn sql_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn old_schema_columns_feed_current_names_and_are_kept() {
        let sql = select_list(
            "resources",
            &keys(&["id", "consumer_id", "manifest", "version"]),
        );
        assert!(
            sql.contains("\"consumer_id\" AS \"consumer_name\""),
            "{sql}"
        );
        assert!(sql.contains("\"manifest\" AS \"payload\""), "{sql}");
        assert!(sql.contains("NULL::JSON AS \"status\""), "{sql}");
        assert!(sql.contains("TRY_CAST(\"version\" AS BIGINT)"), "{sql}");
        assert!(sql.contains("is not an integer"), "{sql}");
        assert!(sql.ends_with("AS mw_bad_values"), "{sql}");
        // the dumped columns stay available under their own names
        assert!(sql.contains("\"manifest\" AS \"manifest\""), "{sql}");
        assert!(sql.contains("\"consumer_id\" AS \"consumer_id\""), "{sql}");
        let read = read_columns(
            "resources",
            &keys(&["id", "consumer_id", "manifest", "version"]),
        );
        assert_eq!(
            read.as_deref(),
            Some(
                "{'consumer_id': 'VARCHAR', 'id': 'VARCHAR', 'manifest': 'JSON', 'version': 'VARCHAR'}"
            )
        );
    }

    #[test]
    fn hostile_column_names_are_skipped_and_strings_escaped() {
        let hostile = keys(&["id", "x\" ; DROP TABLE y; --", "note"]);
        let sql = select_list("events", &hostile);
        assert!(!sql.contains("DROP"), "{sql}");
        assert!(sql.contains("\"note\" AS \"note\""), "{sql}");
        let read = read_columns("events", &hostile).unwrap();
        assert!(!read.contains("DROP"), "{read}");
        assert_eq!(read_columns("events", &keys(&["Not A Column"])), None);
        assert_eq!(sql_string("it's"), "'it''s'");
    }

    #[test]
    fn unknown_columns_are_typed_by_convention() {
        assert_eq!(ColumnType::guess("archived_at"), Timestamp);
        assert_eq!(ColumnType::guess("labels"), Json);
        assert_eq!(ColumnType::guess("owner"), Text);
    }
}
