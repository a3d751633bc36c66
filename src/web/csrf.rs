//! Forms that change state carry the CSRF token that `axum_csrf` issued with
//! the page; `CsrfForm` refuses any that does not.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
};
use axum_csrf::CsrfToken;
use serde::{Deserialize, de::DeserializeOwned};

use super::WebState;
use crate::{domain::same_server, error::AppError};

#[derive(Deserialize, Default)]
struct TokenField {
    #[serde(default)]
    authenticity_token: String,
}

/// A form that carries nothing but its CSRF token (log out, delete, unblock).
#[derive(Deserialize)]
pub struct NoFields {}

/// A URL-encoded form whose CSRF token was checked.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<WebState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &WebState) -> Result<Self, AppError> {
        let (mut parts, body) = request.into_parts();
        let token = origin_and_token(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|err| AppError::BadRequest(err.body_text()))?;
        let field: TokenField = serde_html_form::from_bytes(&bytes).unwrap_or_default();
        verify(&token, &field.authenticity_token)?;
        let value = serde_html_form::from_bytes(&bytes)
            .map_err(|err| AppError::BadRequest(format!("the form could not be read: {err}")))?;
        Ok(CsrfForm(value))
    }
}

pub use super::multipart::Upload;

/// A form that may carry files (`multipart/form-data`) or not (URL-encoded),
/// whose CSRF token was checked.
pub struct CsrfUpload<T>(pub T, pub Vec<Upload>);

impl<T: DeserializeOwned> FromRequest<WebState> for CsrfUpload<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &WebState) -> Result<Self, AppError> {
        let is_multipart = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !is_multipart {
            let CsrfForm(value) = CsrfForm::from_request(request, state).await?;
            return Ok(CsrfUpload(value, Vec::new()));
        }
        let (mut parts, body) = request.into_parts();
        let token = origin_and_token(&mut parts, state).await?;
        let mut multipart =
            axum::extract::Multipart::from_request(Request::from_parts(parts, body), state)
                .await
                .map_err(|err| AppError::BadRequest(err.body_text()))?;
        let (fields, files) = super::multipart::read(&mut multipart)
            .await
            .map_err(multipart_error)?;
        let sent = fields
            .iter()
            .find(|(name, _)| name == "authenticity_token")
            .map(|(_, value)| value.as_str())
            .unwrap_or_default();
        verify(&token, sent)?;
        let encoded = serde_html_form::to_string(&fields)
            .map_err(|err| AppError::BadRequest(format!("the form could not be read: {err}")))?;
        let value = serde_html_form::from_str(&encoded)
            .map_err(|err| AppError::BadRequest(format!("the form could not be read: {err}")))?;
        Ok(CsrfUpload(value, files))
    }
}

fn multipart_error(err: axum::extract::multipart::MultipartError) -> AppError {
    if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge("The upload is too large. Make the image smaller and try again.".into())
    } else {
        AppError::BadRequest(format!("the form could not be read: {}", err.body_text()))
    }
}

async fn origin_and_token(
    parts: &mut axum::http::request::Parts,
    state: &WebState,
) -> Result<CsrfToken, AppError> {
    if !same_origin(&parts.headers, state) {
        return Err(AppError::Forbidden(
            "This form was sent from another site, so it was refused.".into(),
        ));
    }
    CsrfToken::from_request_parts(parts, state)
        .await
        .map_err(|(_, msg)| AppError::Internal(anyhow::anyhow!(msg)))
}

fn verify(token: &CsrfToken, sent: &str) -> Result<(), AppError> {
    token.verify(sent).map_err(|_| {
        AppError::Forbidden(
            "This form has expired or did not come from this site. \
             Go back, reload the page and submit it again."
                .into(),
        )
    })
}

/// Browsers say where a form was sent from; it must be this site, as seen
/// either through `public_url` or through the `Host` the request came to.
/// Requests without an `Origin` (older browsers, command-line clients) rely
/// on the CSRF token alone.
fn same_origin(headers: &axum::http::HeaderMap, state: &WebState) -> bool {
    use axum::http::header::{HOST, ORIGIN};
    let Some(origin) = headers.get(ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return false;
    };
    let public = &state.config.public_url;
    let matches_public = origin.scheme() == public.scheme() && same_server(&origin, public);
    let matches_host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|host| !host.contains(['/', '@', '?', '#']))
        .and_then(|host| url::Url::parse(&format!("{}://{host}/", origin.scheme())).ok())
        .is_some_and(|host| same_server(&origin, &host));
    matches_public || matches_host
}

/// The token to put in the page's forms; `None` only if hashing failed.
pub fn form_token(token: &CsrfToken) -> Result<String, AppError> {
    token
        .authenticity_token()
        .map_err(|err| AppError::Internal(anyhow::anyhow!("failed to issue a CSRF token: {err:?}")))
}
