//! Errors of federation endpoints, answered as JSON with a status peers
//! understand: 401 for bad signatures, 4xx for what they sent, 500 for us.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

#[derive(Debug)]
pub struct FedError {
    pub status: StatusCode,
    pub error: anyhow::Error,
    /// Seconds to wait, for 429 answers.
    pub retry_after: Option<u64>,
    /// It may pass: a remote server that did not answer.
    pub transient: bool,
}

impl FedError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        FedError {
            status,
            error: anyhow::anyhow!(message.into()),
            retry_after: None,
            transient: false,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        FedError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn too_many(retry_after: u64) -> Self {
        FedError {
            retry_after: Some(retry_after),
            ..FedError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too many requests; slow down",
            )
        }
    }

    pub fn not_found() -> Self {
        FedError::new(StatusCode::NOT_FOUND, "not found")
    }

    /// Whether trying again later may succeed: our own failures, and remote
    /// servers that could not be reached.
    pub fn is_transient(&self) -> bool {
        self.transient || self.status.is_server_error()
    }
}

impl std::fmt::Display for FedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {:#}", self.status, self.error)
    }
}

impl From<anyhow::Error> for FedError {
    fn from(error: anyhow::Error) -> Self {
        FedError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error,
            retry_after: None,
            transient: false,
        }
    }
}

impl From<sea_orm::DbErr> for FedError {
    fn from(error: sea_orm::DbErr) -> Self {
        FedError::from(anyhow::Error::new(error).context("database error"))
    }
}

impl From<url::ParseError> for FedError {
    fn from(error: url::ParseError) -> Self {
        FedError {
            status: StatusCode::BAD_REQUEST,
            error: error.into(),
            retry_after: None,
            transient: false,
        }
    }
}

impl From<serde_json::Error> for FedError {
    fn from(error: serde_json::Error) -> Self {
        FedError {
            status: StatusCode::BAD_REQUEST,
            error: error.into(),
            retry_after: None,
            transient: false,
        }
    }
}

impl From<activitypub_federation::error::Error> for FedError {
    fn from(error: activitypub_federation::error::Error) -> Self {
        use activitypub_federation::error::Error as E;
        // A server that is down or busy answers with an error page, which
        // reads as an object of the wrong type or unreadable JSON.
        let transient = matches!(
            &error,
            E::Reqwest(_)
                | E::ReqwestMiddleware(_)
                | E::IoError(_)
                | E::DomainResolveError(_)
                | E::FetchInvalidContentType(_)
                | E::ParseFetchedObject(..)
        );
        let status = match &error {
            E::ActivitySignatureInvalid | E::ActivityBodyDigestInvalid => StatusCode::UNAUTHORIZED,
            E::ParseReceivedActivity { .. } | E::UrlVerificationError(_) | E::UrlParse(_) => {
                StatusCode::BAD_REQUEST
            }
            E::ObjectDeleted(_) => StatusCode::GONE,
            E::NotFound => StatusCode::NOT_FOUND,
            // Fetching the sender's actor failed: it is their problem, not ours.
            _ => StatusCode::BAD_REQUEST,
        };
        FedError {
            status,
            error: error.into(),
            retry_after: None,
            transient,
        }
    }
}

impl IntoResponse for FedError {
    fn into_response(self) -> Response {
        let message = if self.status.is_server_error() {
            tracing::error!(error = %format!("{:#}", self.error), "federation request failed");
            "internal error".to_owned()
        } else {
            tracing::info!(status = %self.status, error = %format!("{:#}", self.error), "refused a federation request");
            format!("{:#}", self.error)
        };
        let mut response = (self.status, Json(json!({ "error": message }))).into_response();
        if self.status.is_server_error() {
            response.extensions_mut().insert(crate::error::Logged);
        }
        response.headers_mut().insert(
            axum::http::header::VARY,
            axum::http::HeaderValue::from_static("Accept"),
        );
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
