//! One error type for every handler. Expected failures carry a message a person
//! can act on; unexpected ones are logged once and shown as a bare 500.
//! Responses are plain text here; `web::errors` turns them into pages.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

pub type AppResult<T> = Result<T, AppError>;

/// One error handed to several waiters (a batch's commit failing for every
/// request in it), each keeping the whole chain of causes for the log.
#[derive(Debug, Clone)]
pub struct SharedError(std::sync::Arc<anyhow::Error>);

impl SharedError {
    pub fn new(err: anyhow::Error) -> SharedError {
        SharedError(std::sync::Arc::new(err))
    }
}

impl std::fmt::Display for SharedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&*self.0, f)
    }
}

impl std::error::Error for SharedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// Marks a response whose error was already logged with its cause, so that
/// the error-page layer (`web::errors`) does not log it a second time.
#[derive(Clone, Copy, Debug)]
pub struct Logged;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Bad request: {0}")]
    BadRequest(String),
    #[error("You need to log in to see this page.")]
    LoginRequired { next: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("This page does not exist.")]
    NotFound,
    #[error("This post was deleted.")]
    Gone,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    TooManyRequests { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        AppError::Internal(anyhow::Error::new(err).context("database error"))
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Gone => StatusCode::GONE,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            AppError::Internal(err) => {
                tracing::error!(error = %format!("{err:#}"), "request failed");
                "Something went wrong on our side. It has been logged; please try again later."
                    .to_owned()
            }
            other => other.to_string(),
        };
        let mut response = (status, message).into_response();
        if status.is_server_error() {
            response.extensions_mut().insert(Logged);
        }
        match &self {
            AppError::LoginRequired { next } => {
                let target = format!("/login?next={}", urlencode(next));
                if let Ok(value) = HeaderValue::from_str(&target) {
                    response.headers_mut().insert(header::LOCATION, value);
                }
            }
            AppError::TooManyRequests { retry_after_secs } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
