//! `get` and `list`: one query over `objects` (or the Maestro `resources` view), filtered by
//! cluster, resource, namespace, name and selectors, in (namespace, name) order, a page at a
//! time. A continue token is the last (namespace, name) of the page, hex-encoded: the snapshot is
//! frozen, so a token stays valid for as long as the server runs.

use duckdb::Connection;
use duckdb::types::Value as SqlValue;

use super::{ApiResource, FieldSelector, LabelSelector, ServeError};

/// What to list (or, with `name`, get).
#[derive(Debug, Clone)]
pub struct ListQuery<'a> {
    pub cluster: &'a str,
    pub resource: &'a ApiResource,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    /// 0 or none: everything.
    pub limit: Option<u64>,
    pub continue_token: Option<&'a str>,
}

/// One object: where it is and its JSON (with apiVersion and kind).
#[derive(Debug, Clone)]
pub struct Item {
    pub namespace: Option<String>,
    pub name: String,
    pub object: String,
}

#[derive(Debug, Clone)]
pub struct ListPage {
    pub items: Vec<Item>,
    /// Set when more items follow.
    pub continue_token: Option<String>,
}

/// The rows of `objects` for one resource of one cluster.
const OBJECTS: &str = "SELECT namespace, name, labels, object, api_version, kind \
     FROM objects WHERE cluster = ? AND coalesce(api_group, '') = ? AND resource = ?";

/// An `OBJECTS` row's document, with apiVersion and kind (list items collected from the API
/// may lack them).
const OBJECT_DOC: &str = "CASE WHEN json_extract_string(object, '$.kind') IS NOT NULL \
     THEN CAST(object AS VARCHAR) \
     ELSE CAST(json_merge_patch(object, json_object('apiVersion', api_version, 'kind', kind)) AS VARCHAR) END";

/// The Maestro DB rows; labels from the payload.
const MAESTRO: &str = "SELECT NULL::VARCHAR AS namespace, id AS name, labels, NULL::JSON AS object, \
     id, version, created_at, deleted_at, work_name, work_namespace, consumer_name, source, \
     payload, applied, available, is_deleted, observed_version, cid, op_id, status \
     FROM resources";

/// A `MAESTRO` row as a MaestroBundle object.
const MAESTRO_DOC: &str = "CAST(json_object('apiVersion', 'mwtrace.local/v1', 'kind', 'MaestroBundle', \
       'metadata', json_object('name', id, 'uid', id, 'resourceVersion', CAST(version AS VARCHAR), \
         'creationTimestamp', mw_rfc3339(created_at), 'deletionTimestamp', mw_rfc3339(deleted_at), \
         'labels', coalesce(labels, '{}'::JSON)), \
       'spec', json_object('workName', work_name, 'workNamespace', work_namespace, \
         'consumerName', consumer_name, 'version', version, 'source', source, 'payload', payload), \
       'status', json_object('applied', applied, 'available', available, 'deleted', is_deleted, \
         'observedVersion', observed_version, 'cid', cid, 'opId', op_id, 'status', status)) AS VARCHAR)";

pub fn list(conn: &Connection, q: &ListQuery<'_>) -> Result<ListPage, ServeError> {
    let mut params: Vec<SqlValue> = Vec::new();
    let (source, doc) = if q.resource.maestro {
        (MAESTRO, MAESTRO_DOC)
    } else {
        params.push(SqlValue::Text(q.cluster.to_string()));
        params.push(SqlValue::Text(q.resource.group.clone()));
        params.push(SqlValue::Text(q.resource.resource.clone()));
        (OBJECTS, OBJECT_DOC)
    };
    let mut conditions = Vec::new();
    if let Some(ns) = q.namespace {
        conditions.push("namespace = ?".to_string());
        params.push(SqlValue::Text(ns.to_string()));
    }
    if let Some(name) = q.name {
        conditions.push("name = ?".to_string());
        params.push(SqlValue::Text(name.to_string()));
    }
    conditions.extend(q.labels.sql("labels", &mut params));
    conditions.extend(q.fields.sql(&mut params));
    if let Some(token) = q.continue_token.filter(|t| !t.is_empty()) {
        let (ns, name) = decode_token(token)?;
        conditions.push(
            "(coalesce(namespace, '') > ? OR (coalesce(namespace, '') = ? AND name > ?))"
                .to_string(),
        );
        params.push(SqlValue::Text(ns.clone()));
        params.push(SqlValue::Text(ns));
        params.push(SqlValue::Text(name));
    }
    let limit = q.limit.filter(|l| *l > 0);
    const ORDER: &str = " ORDER BY coalesce(namespace, ''), name";
    let mut page = String::from("SELECT * FROM src");
    if !conditions.is_empty() {
        page.push_str(" WHERE ");
        page.push_str(&conditions.join(" AND "));
    }
    page.push_str(ORDER);
    if let Some(limit) = limit {
        // One more than asked: whether a next page exists.
        page.push_str(" LIMIT ?");
        params.push(SqlValue::BigInt(
            i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX),
        ));
    }
    // The documents are made above the page's sort and limit (DuckDB computes a select list
    // before its own ORDER BY): a page of a continued list (kubectl asks 500 at a time) makes
    // its 500 documents, not one per object of the resource.
    let sql = format!(
        "WITH src AS ({source}), page AS ({page}) SELECT namespace, name, {doc} FROM page{ORDER}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(duckdb::params_from_iter(params), |r| {
        Ok(Item {
            namespace: r.get(0)?,
            name: r.get(1)?,
            object: r
                .get::<_, Option<String>>(2)?
                .unwrap_or_else(|| "{}".to_string()),
        })
    })?;
    let mut items = rows.collect::<Result<Vec<_>, _>>()?;
    let mut continue_token = None;
    if let Some(limit) = limit
        && items.len() as u64 > limit
    {
        items.truncate(limit as usize);
        if let Some(last) = items.last() {
            continue_token = Some(encode_token(
                last.namespace.as_deref().unwrap_or(""),
                &last.name,
            ));
        }
    }
    Ok(ListPage {
        items,
        continue_token,
    })
}

fn encode_token(namespace: &str, name: &str) -> String {
    let json = serde_json::json!([namespace, name]).to_string();
    hex::encode(json)
}

fn decode_token(token: &str) -> Result<(String, String), ServeError> {
    let bad = || ServeError::BadRequest(format!("invalid continue token {token:?}"));
    let bytes = hex::decode(token).map_err(|_| bad())?;
    let (ns, name): (String, String) = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    Ok((ns, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_refuse_garbage() {
        let token = encode_token("ns", "a\"b");
        assert_eq!(decode_token(&token).unwrap(), ("ns".into(), "a\"b".into()));
        assert!(decode_token("zz").is_err());
        assert!(decode_token(&hex::encode("[1]")).is_err());
    }
}
