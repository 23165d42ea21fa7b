//! Small HTTP helpers: the query string, JSON responses and Kubernetes `Status` errors.

use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use mwtrace_analyze::serve::ServeError;
use serde_json::{Value, json};

use super::body::Payload;

/// `?a=b&c=d`, percent-decoded (`+` as a space).
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

pub(crate) fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push((hi * 16 + lo) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn json_response(status: StatusCode, body: impl Into<Bytes>) -> Response<Payload> {
    json_response_as(status, body, "application/json")
}

/// A JSON body of the media type `content_type` (a Table, an aggregated discovery document).
pub(crate) fn json_response_as(
    status: StatusCode,
    body: impl Into<Bytes>,
    content_type: &str,
) -> Response<Payload> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("cache-control", "no-cache, private")
        .body(Payload::full(body))
        .unwrap_or_else(|_| Response::new(Payload::full(Bytes::new())))
}

pub(crate) fn ok_json(value: &Value) -> Response<Payload> {
    json_response(StatusCode::OK, value.to_string())
}

/// A `Status` error body, as the API server sends it.
pub(crate) fn status(
    code: StatusCode,
    reason: &str,
    message: &str,
    details: Option<Value>,
) -> Response<Payload> {
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code.as_u16(),
    });
    if let Some(details) = details {
        body["details"] = details;
    }
    json_response(code, body.to_string())
}

pub(crate) fn not_found(message: &str) -> Response<Payload> {
    status(StatusCode::NOT_FOUND, "NotFound", message, None)
}

pub(crate) fn error(err: ServeError) -> Response<Payload> {
    match err {
        ServeError::BadRequest(m) => status(StatusCode::BAD_REQUEST, "BadRequest", &m, None),
        ServeError::NotFound(m) => not_found(&m),
        ServeError::Db(e) => status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            &format!("the snapshot's database failed: {e}"),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_percent_and_plus() {
        assert_eq!(super::decode("app%3Dx%2Cy+z"), "app=x,y z");
        assert_eq!(super::decode("bad%zz%"), "bad%zz%");
    }
}
