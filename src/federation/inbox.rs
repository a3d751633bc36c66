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
    let Some((id, actor)) = peek(&bytes) else {
        return Err(FedError::bad_request(
            "the body is not an activity with an id and an actor",
        ));
    };
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
