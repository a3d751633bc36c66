//! The personal and shared inboxes. A request is checked before anything is
//! stored: its size and shape, its sender's allowance and blocks, then its
//! digest, ids and signature (`signature`), then the activity's own
//! `verify`. Only then is it recorded (`intake`, many to a commit) and
//! answered `202 Accepted`; the inbox worker (`worker`) applies it shortly
//! after. A request that fails a check, or is cut off, leaves no trace; a
//! second copy of a recorded activity is acknowledged and ignored.

pub mod intake;
pub mod signature;
pub mod worker;

use activitypub_federation::traits::Activity;
use axum::{
    body::to_bytes,
    extract::{Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::Value;

use super::{Federation, activities::InboxActivity, error::FedError};
use crate::{domain::HostName, services::inbound::Incoming};

const MAX_BODY: usize = 1024 * 1024;
/// Longer activity ids are refused: no server makes them.
const MAX_ID: usize = 2048;
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
fn peek(value: &Value) -> Option<(String, String)> {
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

pub async fn inbox(State(fed): State<Federation>, request: Request) -> Result<Response, FedError> {
    let data = fed.to_request_data();
    data.intake.arrived();
    let (parts, body) = request.into_parts();
    // Counted by the address it comes from, before anything in it is read
    // or believed; its server is charged only once the signature verifies.
    data.inbox_limits.check_client(&parts)?;
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
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|err| FedError::bad_request(format!("the body is not JSON: {err}")))?;
    let Some((id, actor)) = peek(&value) else {
        return Err(FedError::bad_request(
            "the body is not an activity with an id and an actor",
        ));
    };
    if id.len() > MAX_ID || actor.len() > MAX_ID {
        return Err(FedError::bad_request(
            "the activity's id or actor is longer than 2 KiB",
        ));
    }
    if data.blocks.blocks(&data.db, &actor).await? {
        return Err(FedError::new(
            StatusCode::FORBIDDEN,
            "this sender is blocked here",
        ));
    }
    signature::check_digest(&parts, &bytes)?;
    let activity: InboxActivity = serde_json::from_value(value)
        .map_err(|err| FedError::bad_request(format!("the activity cannot be read: {err}")))?;
    data.verifier.check_ids(&activity, &data).await?;
    let sender = activity.actor().clone();
    let sender = super::actor::RemoteActorId::from(sender)
        .dereference(&data)
        .await?;
    data.verifier.check_signature(&parts, &sender, &data.urls)?;
    if let Some(server) = HostName::of_url(activity.actor()) {
        data.inbox_limits.check_server(&server)?;
    }
    activity.verify(&data).await?;
    let body = String::from_utf8(bytes.to_vec())
        .map_err(|_| FedError::bad_request("the body is not UTF-8"))?;
    // Only now, verified, does its id count as received: a request that
    // failed a check or was cut off before this point leaves no trace.
    data.intake
        .record(Incoming {
            ap_id: id,
            actor: activity.actor().to_string(),
            withdraws: activity.withdraws(),
            body,
        })
        .await?;
    Ok(StatusCode::ACCEPTED.into_response())
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
