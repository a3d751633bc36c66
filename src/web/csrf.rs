//! Forms that change state carry the CSRF token that `axum_csrf` issued with
//! the page; `CsrfForm` refuses any that does not.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
};
use axum_csrf::CsrfToken;
use serde::{Deserialize, de::DeserializeOwned};

use super::AppState;
use crate::error::AppError;

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

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, AppError> {
        let (mut parts, body) = request.into_parts();
        if !same_origin(&parts.headers, state) {
            return Err(AppError::Forbidden(
                "This form was sent from another site, so it was refused.".into(),
            ));
        }
        let token = CsrfToken::from_request_parts(&mut parts, state)
            .await
            .map_err(|(_, msg)| AppError::Internal(anyhow::anyhow!(msg)))?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|err| AppError::BadRequest(err.body_text()))?;
        let field: TokenField = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        token.verify(&field.authenticity_token).map_err(|_| {
            AppError::Forbidden(
                "This form has expired or did not come from this site. \
                 Go back, reload the page and submit it again."
                    .into(),
            )
        })?;
        let value = serde_html_form::from_bytes(&bytes)
            .map_err(|err| AppError::BadRequest(format!("the form could not be read: {err}")))?;
        Ok(CsrfForm(value))
    }
}

/// Browsers say where a form was sent from; it must be this site, as seen
/// either through `public_url` or through the `Host` the request came to.
/// Requests without an `Origin` (older browsers, command-line clients) rely
/// on the CSRF token alone.
fn same_origin(headers: &axum::http::HeaderMap, state: &AppState) -> bool {
    use axum::http::header::{HOST, ORIGIN};
    let Some(origin) = headers.get(ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return false;
    };
    let authority = match (origin.host_str(), origin.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => return false,
    };
    let public = &state.config.public_url;
    let matches_public = origin.scheme() == public.scheme() && authority == state.config.host();
    let matches_host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| host.eq_ignore_ascii_case(&authority));
    matches_public || matches_host
}

/// The token to put in the page's forms; `None` only if hashing failed.
pub fn form_token(token: &CsrfToken) -> Result<String, AppError> {
    token
        .authenticity_token()
        .map_err(|err| AppError::Internal(anyhow::anyhow!("failed to issue a CSRF token: {err:?}")))
}
