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

/// The rows of `objects` for one resource of one cluster, each object with apiVersion and kind
/// (list items collected from the API may lack them).
const OBJECTS: &str = "SELECT namespace, name, labels, \
     CASE WHEN json_extract_string(object, '$.kind') IS NOT NULL THEN CAST(object AS VARCHAR) \
     ELSE CAST(json_merge_patch(object, json_object('apiVersion', api_version, 'kind', kind)) AS VARCHAR) END AS doc, \
     object \
     FROM objects WHERE cluster = ? AND coalesce(api_group, '') = ? AND resource = ?";

/// The Maestro DB rows as MaestroBundle objects; labels from the payload.
const MAESTRO: &str = "SELECT NULL::VARCHAR AS namespace, id AS name, labels, \
     CAST(json_object('apiVersion', 'mwtrace.local/v1', 'kind', 'MaestroBundle', \
       'metadata', json_object('name', id, 'uid', id, 'resourceVersion', CAST(version AS VARCHAR), \
         'creationTimestamp', mw_rfc3339(created_at), 'deletionTimestamp', mw_rfc3339(deleted_at), \
         'labels', coalesce(labels, '{}'::JSON)), \
       'spec', json_object('workName', work_name, 'workNamespace', work_namespace, \
         'consumerName', consumer_name, 'version', version, 'source', source, 'payload', payload), \
       'status', json_object('applied', applied, 'available', available, 'deleted', is_deleted, \
         'observedVersion', observed_version, 'cid', cid, 'opId', op_id, 'status', status)) AS VARCHAR) AS doc, \
     NULL::JSON AS object \
     FROM resources";

pub fn list(conn: &Connection, q: &ListQuery<'_>) -> Result<ListPage, ServeError> {
    let mut params: Vec<SqlValue> = Vec::new();
    let source = if q.resource.maestro {
        MAESTRO.to_string()
    } else {
        params.push(SqlValue::Text(q.cluster.to_string()));
        params.push(SqlValue::Text(q.resource.group.clone()));
        params.push(SqlValue::Text(q.resource.resource.clone()));
        OBJECTS.to_string()
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
    let mut sql = format!("WITH src AS ({source}) SELECT namespace, name, doc FROM src");
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(" ORDER BY coalesce(namespace, ''), name");
    if let Some(limit) = limit {
        // One more than asked: whether a next page exists.
        sql.push_str(" LIMIT ?");
        params.push(SqlValue::BigInt(
            i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX),
        ));
    }
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
