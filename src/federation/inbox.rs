//! The personal and shared inboxes: signature and digest checks by
//! `activitypub_federation`, then the activity's own `verify` and `receive`.

use activitypub_federation::axum::inbox::{ActivityData, receive_activity};
use axum::{extract::State, http::StatusCode};

use super::{FedData, activities::InboxActivity, actor::RemoteActor, error::FedError};
use crate::web::AppState;

pub async fn inbox(
    State(state): State<AppState>,
    activity: ActivityData,
) -> Result<StatusCode, FedError> {
    let data = state.federation.to_request_data();
    receive_activity::<InboxActivity, RemoteActor, FedData>(activity, &data).await?;
    Ok(StatusCode::ACCEPTED)
}
