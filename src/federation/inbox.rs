//! The personal and shared inboxes. Before any work: refuse blocked senders
//! and skip activities already received. Then signature and digest checks by
//! `activitypub_federation`, and the activity's own `verify` and `receive`.

use activitypub_federation::axum::inbox::{ActivityData, receive_activity};
use axum::{
    body::{Body, to_bytes},
    extract::{FromRequest, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::Value;

use super::{FedData, activities::InboxActivity, actor::RemoteActor, error::FedError};
use crate::{
    services::{blocks, received},
    web::AppState,
};

const MAX_BODY: usize = 1024 * 1024;
/// Deeper JSON than this is refused before parsing: no activity needs it.
const MAX_DEPTH: usize = 32;
/// How far a signature's date may be from now.
const CLOCK_WINDOW: std::time::Duration = std::time::Duration::from_secs(3600);

/// Nesting depth of a JSON text, counted without parsing it.
fn json_depth(body: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Checks the library does not make: RFC 9421 signatures (answered 401 so
/// Mastodon falls back to draft-cavage) and dates in the future.
fn check_signature_headers(headers: &axum::http::HeaderMap) -> Result<(), FedError> {
    let unauthorized = |m: &str| FedError::new(StatusCode::UNAUTHORIZED, m);
    let cavage = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("keyId="));
    if headers.contains_key("signature-input") && !cavage {
        return Err(unauthorized(
            "RFC 9421 signatures are not accepted here; sign with draft-cavage",
        ));
    }
    if !cavage {
        return Err(unauthorized("the request is not signed"));
    }
    let date = headers
        .get("date")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .ok_or_else(|| unauthorized("the request has no valid Date header"))?;
    let now = std::time::SystemTime::now();
    let off = date
        .duration_since(now)
        .or_else(|_| now.duration_since(date))
        .unwrap_or_default();
    if off > CLOCK_WINDOW {
        return Err(unauthorized(
            "the signature's date is more than an hour away from now",
        ));
    }
    Ok(())
}

/// The sender and id, read before anything is verified.
fn peek(body: &[u8]) -> Option<(String, String)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let id = value.get("id")?.as_str()?.to_owned();
    let actor = match value.get("actor")? {
        Value::String(s) => s.clone(),
        Value::Object(map) => map.get("id")?.as_str()?.to_owned(),
        Value::Array(items) => items.iter().find_map(|i| {
            i.as_str()
                .map(str::to_owned)
                .or_else(|| i.get("id")?.as_str().map(str::to_owned))
        })?,
        _ => return None,
    };
    Some((id, actor))
}

pub async fn inbox(State(state): State<AppState>, request: Request) -> Result<Response, FedError> {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_BODY).await.map_err(|_| {
        FedError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the body is larger than 1 MiB",
        )
    })?;
    check_signature_headers(&parts.headers)?;
    if json_depth(&bytes) > MAX_DEPTH {
        return Err(FedError::bad_request("the JSON is nested too deeply"));
    }
    let Some((id, actor)) = peek(&bytes) else {
        return Err(FedError::bad_request(
            "the body is not an activity with an id and an actor",
        ));
    };
    state.inbox_limits.check(&parts, &actor)?;
    if blocks::is_blocked(&state.db, &actor).await? {
        return Err(FedError::new(
            StatusCode::FORBIDDEN,
            "this sender is blocked here",
        ));
    }
    if !received::first_time(&state.db, &id).await? {
        return Ok(StatusCode::ACCEPTED.into_response());
    }
    let request = Request::from_parts(parts, Body::from(bytes));
    let result = match ActivityData::from_request(request, &()).await {
        Ok(activity) => {
            let data = state.federation.to_request_data();
            receive_activity::<InboxActivity, RemoteActor, FedData>(activity, &data).await
        }
        Err(response) => return Ok(response),
    };
    match result {
        Ok(()) => Ok(StatusCode::ACCEPTED.into_response()),
        Err(err) => {
            // Not processed: a retry by the sender must not count as a duplicate.
            received::forget(&state.db, &id).await?;
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::json_depth;

    #[test]
    fn depth_counts_nesting_but_not_brackets_in_strings() {
        assert_eq!(json_depth(br#"{"a": [1, {"b": "[[[{{{"}]}"#), 3);
        assert_eq!(json_depth(br#"{"a": "quote \" [ "}"#), 1);
        assert_eq!(json_depth(&[b'['; 100]), 100);
    }
}
