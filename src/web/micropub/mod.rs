//! Micropub (W3C): publishing from apps with a bearer token made on the
//! account page. Posts made here go through the same rules as the editor's,
//! and federate the same way.

mod entry;

use axum::{
    Json,
    body::Bytes,
    extract::{FromRequest, Multipart, Query, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use self::entry::{Invalid, Properties, Request as Action};
use super::WebState;
use crate::{
    pages::Change,
    services::{
        media::{self, MediaError},
        posts::{self, PostStatus, SaveError},
        tokens::{self, Grant, Scope},
    },
};

/// A Micropub error: its code, status and a sentence for the app's user.
#[derive(Debug)]
pub struct MicropubError {
    status: StatusCode,
    code: &'static str,
    description: String,
    scope: Option<&'static str>,
}

impl MicropubError {
    fn invalid(description: impl Into<String>) -> Self {
        MicropubError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_request",
            description: description.into(),
            scope: None,
        }
    }

    fn internal(err: anyhow::Error) -> Self {
        tracing::error!(error = %format!("{err:#}"), "micropub request failed");
        MicropubError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "server_error",
            description: "Something went wrong on the blog's side; it has been logged.".into(),
            scope: None,
        }
    }
}

impl From<Invalid> for MicropubError {
    fn from(Invalid(message): Invalid) -> Self {
        MicropubError::invalid(message)
    }
}

impl IntoResponse for MicropubError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.code, "error_description": self.description });
        if let Some(scope) = self.scope {
            body["scope"] = json!(scope);
        }
        let mut response = (self.status, no_store(), Json(body)).into_response();
        if self.status.is_server_error() {
            response.extensions_mut().insert(crate::error::Logged);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"micropub\""),
            );
        }
        response
    }
}

type Outcome = Result<Response, MicropubError>;

fn no_store() -> [(header::HeaderName, &'static str); 1] {
    [(header::CACHE_CONTROL, "no-store")]
}

/// The token from `Authorization: Bearer ...`, or from the form's
/// `access_token` as the specification also allows.
async fn grant(
    state: &WebState,
    headers: &HeaderMap,
    from_form: Option<&str>,
) -> Result<Grant, MicropubError> {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    let Some(token) = from_header.or(from_form).map(str::trim) else {
        return Err(MicropubError {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            description:
                "Send a token made on the blog's account page: Authorization: Bearer TOKEN.".into(),
            scope: None,
        });
    };
    tokens::authenticate(&state.db, token)
        .await
        .map_err(MicropubError::internal)?
        .ok_or_else(|| MicropubError {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            description: "This token is not valid here (it may have been revoked).".into(),
            scope: None,
        })
}

fn require(grant: &Grant, scope: Scope) -> Result<(), MicropubError> {
    if grant.allows(scope) {
        return Ok(());
    }
    Err(MicropubError {
        status: StatusCode::UNAUTHORIZED,
        code: "insufficient_scope",
        description: format!(
            "This token may not {}; make one that may on the account page.",
            scope.as_str()
        ),
        scope: Some(scope.as_str()),
    })
}

/// `GET /micropub?q=config|source|syndicate-to`.
pub async fn query(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Outcome {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let grant = grant(&state, &headers, param("access_token")).await?;
    let body = match param("q") {
        Some("config") => json!({
            "media-endpoint": state.urls.absolute("/micropub/media"),
            "syndicate-to": [],
            "post-types": [{ "type": "article", "name": "Post" }],
            "q": ["config", "source", "syndicate-to"],
        }),
        Some("syndicate-to") => json!({ "syndicate-to": [] }),
        Some("source") => {
            let url = param("url").ok_or_else(|| MicropubError::invalid("q=source needs url"))?;
            let wanted: Vec<&str> = params
                .iter()
                .filter(|(k, _)| k == "properties[]" || k == "properties")
                .map(|(_, v)| v.as_str())
                .collect();
            source(&state, &grant, url, &wanted).await?
        }
        other => {
            return Err(MicropubError::invalid(format!(
                "unknown query {}: ask for q=config, q=source or q=syndicate-to",
                other.unwrap_or("(none)")
            )));
        }
    };
    Ok((no_store(), Json(body)).into_response())
}

async fn post_id(state: &WebState, url: &str) -> Result<i32, MicropubError> {
    let slug = state
        .urls
        .post_slug(url)
        .ok_or_else(|| MicropubError::invalid(format!("{url} is not a post on this blog")))?;
    posts::id_by_slug(&state.db, slug)
        .await
        .map_err(MicropubError::internal)?
        .ok_or_else(|| MicropubError::invalid(format!("there is no post at {url}")))
}

/// The post at `url`, if the token's user may change it: their own, or
/// any for an admin.
async fn managed_post_id(state: &WebState, grant: &Grant, url: &str) -> Result<i32, MicropubError> {
    let id = post_id(state, url).await?;
    let owner = posts::owner_of(&state.db, id)
        .await
        .map_err(MicropubError::internal)?
        .ok_or_else(|| MicropubError::invalid(format!("there is no post at {url}")))?;
    if !posts::may_manage(&grant.user, owner) {
        return Err(MicropubError {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            description: format!(
                "{url} is another author's post: only they and the blog's admins may read its source or change it."
            ),
            scope: None,
        });
    }
    Ok(id)
}

async fn source(
    state: &WebState,
    grant: &Grant,
    url: &str,
    wanted: &[&str],
) -> Result<Value, MicropubError> {
    // Reading a post back (drafts included) is for apps that write: a token
    // that may only upload images or delete may not.
    if !grant.allows(Scope::Update) {
        require(grant, Scope::Create)?;
    }
    let id = managed_post_id(state, grant, url).await?;
    let (view, form) = posts::editable(&state.db, id, state.config.timezone())
        .await
        .map_err(MicropubError::internal)?
        .ok_or_else(|| MicropubError::invalid(format!("there is no post at {url}")))?;
    let status = if view.status == PostStatus::Draft {
        "draft"
    } else {
        "published"
    };
    let mut properties = json!({
        "name": [view.title],
        "content": [view.markdown],
        "category": view.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        "post-status": [status],
        "url": [state.urls.absolute(&view.path())],
    });
    if !form.summary.is_empty() {
        properties["summary"] = json!([form.summary]);
    }
    if let Some(at) = view.published_at {
        properties["published"] = json!([at.to_rfc3339()]);
    }
    if wanted.is_empty() {
        return Ok(json!({ "type": ["h-entry"], "properties": properties }));
    }
    let picked: serde_json::Map<String, Value> = wanted
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), properties.get(*name)?.clone())))
        .collect();
    Ok(json!({ "properties": picked }))
}

/// `POST /micropub`: create, update or delete.
pub async fn publish(State(state): State<WebState>, request: Request) -> Outcome {
    let headers = request.headers().clone();
    // The token is checked before what the request asks is read: nobody
    // learns anything of the blog's rules without one.
    let Some(Sent {
        action,
        token,
        files,
    }) = read_request(&state, request).await?
    else {
        grant(&state, &headers, None).await?;
        return Err(MicropubError::invalid(
            "send JSON, a URL-encoded form or multipart/form-data",
        ));
    };
    let grant = grant(&state, &headers, token.as_deref()).await?;
    let response = apply(&state, &grant, action?, files).await?;
    state.wake_delivery();
    state.wake_scheduler();
    Ok(response)
}

/// Does what the request asks, if the token's scopes allow it.
async fn apply(
    state: &WebState,
    grant: &Grant,
    action: Action,
    files: Vec<(String, Vec<u8>)>,
) -> Outcome {
    match action {
        Action::Create(mut properties) => {
            require(grant, Scope::Create)?;
            store_photos(state, grant, &mut properties, files).await?;
            create(state, grant, &properties).await
        }
        Action::Update {
            url,
            replace,
            add,
            delete,
        } => {
            require(grant, Scope::Update)?;
            update(state, grant, &url, &replace, &add, &delete).await
        }
        Action::Delete { url } => {
            require(grant, Scope::Delete)?;
            let id = managed_post_id(state, grant, &url).await?;
            posts::delete(&state.db, id)
                .await
                .map_err(MicropubError::internal)?;
            state.changed(&[Change::Post(id)]).await;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    }
}

/// A Micropub request as sent: what it asks (or why it cannot be read), the
/// token given in the body, and any files.
struct Sent {
    action: Result<Action, MicropubError>,
    token: Option<String>,
    files: Vec<(String, Vec<u8>)>,
}

/// Reads a request sent as JSON, a URL-encoded form or a multipart form;
/// `None` for any other content type.
async fn read_request(state: &WebState, request: Request) -> Result<Option<Sent>, MicropubError> {
    let kind = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let sent = if kind.starts_with("application/json") {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|err| MicropubError::invalid(err.body_text()))?;
        let body = serde_json::from_slice::<Value>(&bytes)
            .map_err(|err| MicropubError::invalid(format!("the JSON could not be read: {err}")));
        Sent {
            action: body.and_then(|body| Ok(entry::from_json(&body)?)),
            token: None,
            files: Vec::new(),
        }
    } else if kind.starts_with("multipart/form-data") {
        let (fields, files) = read_multipart(request, state).await?;
        Sent {
            action: entry::from_form(&fields).map_err(Into::into),
            token: token_field(&fields),
            files,
        }
    } else if kind.starts_with("application/x-www-form-urlencoded") {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|err| MicropubError::invalid(err.body_text()))?;
        let fields: Vec<(String, String)> = serde_html_form::from_bytes(&bytes)
            .map_err(|err| MicropubError::invalid(format!("the form could not be read: {err}")))?;
        Sent {
            action: entry::from_form(&fields).map_err(Into::into),
            token: token_field(&fields),
            files: Vec::new(),
        }
    } else {
        return Ok(None);
    };
    Ok(Some(sent))
}

fn token_field(fields: &[(String, String)]) -> Option<String> {
    fields
        .iter()
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.clone())
}

async fn read_multipart(
    request: Request,
    state: &WebState,
) -> Result<(Vec<(String, String)>, Vec<(String, Vec<u8>)>), MicropubError> {
    let read_error = |err: axum::extract::multipart::MultipartError| {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
            MicropubError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: "invalid_request",
                description: format!(
                    "The upload is larger than {} MiB.",
                    state.config.media.max_upload_mib
                ),
                scope: None,
            }
        } else {
            MicropubError::invalid(format!("the form could not be read: {}", err.body_text()))
        }
    };
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|err| MicropubError::invalid(err.body_text()))?;
    let (fields, files) = super::multipart::read(&mut multipart)
        .await
        .map_err(read_error)?;
    Ok((
        fields,
        files.into_iter().map(|f| (f.field, f.bytes)).collect(),
    ))
}

/// Photos sent as files are stored like uploads from the editor, described
/// by the `mp-photo-alt` values that follow the URLs' own.
async fn store_photos(
    state: &WebState,
    grant: &Grant,
    properties: &mut Properties,
    files: Vec<(String, Vec<u8>)>,
) -> Result<(), MicropubError> {
    let alts = properties.get("mp-photo-alt").cloned().unwrap_or_default();
    let first = properties.get("photo").map_or(0, Vec::len);
    let photos = files.into_iter().filter(|(name, _)| name == "photo");
    for (index, (name, bytes)) in (first..).zip(photos) {
        let alt = alts.get(index).and_then(Value::as_str).unwrap_or_default();
        let stored = media::store(
            &state.db,
            &state.config,
            Some(grant.user.id),
            bytes,
            Some(alt),
        )
        .await
        .map_err(|err| media_error(err, index + 1))?;
        properties
            .entry(name)
            .or_default()
            .push(json!({ "value": stored.url, "alt": stored.alt_text }));
    }
    Ok(())
}

fn media_error(err: MediaError, number: usize) -> MicropubError {
    match err {
        MediaError::Other(err) => MicropubError::internal(err),
        MediaError::TooLarge(_) => MicropubError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            ..MicropubError::invalid(format!("photo {number}: {err}"))
        },
        MediaError::MissingAlt => MicropubError::invalid(format!(
            "photo {number}: {err} Send mp-photo-alt with each photo."
        )),
        other => MicropubError::invalid(format!("photo {number}: {other}")),
    }
}

fn save_error(err: SaveError) -> MicropubError {
    match err {
        SaveError::Invalid(errors) => MicropubError::invalid(
            errors
                .0
                .iter()
                .map(|(field, message)| format!("{field}: {message}"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        SaveError::NotFound(_) => MicropubError::invalid("the post is gone"),
        SaveError::Other(err) => MicropubError::internal(err),
    }
}

async fn create(state: &WebState, grant: &Grant, properties: &Properties) -> Outcome {
    let form = entry::new_post(properties)?;
    let mut valid = form
        .validate(state.config.timezone())
        .map_err(|errors| save_error(SaveError::Invalid(errors)))?;
    valid.publish_at = entry::published(properties)?;
    let requested = entry::requested_status(properties, None)?;
    let saved = posts::create(
        &state.db,
        grant.user.id,
        valid,
        requested,
        state.clock.now(),
    )
    .await
    .map_err(save_error)?;
    state.changed(&[Change::Post(saved.id)]).await;
    let location = state.urls.absolute(&crate::urls::post_path(&saved.slug));
    let mut response = (StatusCode::CREATED, no_store()).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

async fn update(
    state: &WebState,
    grant: &Grant,
    url: &str,
    replace: &Properties,
    add: &Properties,
    delete: &entry::Deletion,
) -> Outcome {
    let id = managed_post_id(state, grant, url).await?;
    let tz = state.config.timezone();
    let (view, mut form) = posts::editable(&state.db, id, tz)
        .await
        .map_err(MicropubError::internal)?
        .ok_or_else(|| MicropubError::invalid(format!("there is no post at {url}")))?;
    entry::apply(&mut form, replace, add, delete)?;
    let mut valid = form
        .validate(tz)
        .map_err(|errors| save_error(SaveError::Invalid(errors)))?;
    if let Some(at) = entry::published(replace)? {
        valid.publish_at = Some(at);
    }
    let requested = entry::requested_status(replace, Some(view.status))?;
    posts::update(&state.db, id, valid, requested, state.clock.now())
        .await
        .map_err(save_error)?;
    state.changed(&[Change::Post(id)]).await;
    Ok((StatusCode::NO_CONTENT, no_store()).into_response())
}

/// `POST /micropub/media`: an image in the `file` field; answers with its
/// address. Its description comes with the post that shows it.
pub async fn media_endpoint(State(state): State<WebState>, request: Request) -> Outcome {
    let headers = request.headers().clone();
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        grant(&state, &headers, None).await?;
        return Err(MicropubError::invalid(
            "send the image as multipart/form-data in the file field",
        ));
    }
    let (fields, files) = read_multipart(request, &state).await?;
    let grant = grant(&state, &headers, token_field(&fields).as_deref()).await?;
    require(&grant, Scope::Media)?;
    let Some((_, bytes)) = files.into_iter().find(|(name, _)| name == "file") else {
        return Err(MicropubError::invalid("send the image in the file field"));
    };
    let stored = media::store(&state.db, &state.config, Some(grant.user.id), bytes, None)
        .await
        .map_err(|err| media_error(err, 1))?;
    let mut response = (StatusCode::CREATED, no_store()).into_response();
    if let Ok(value) = HeaderValue::from_str(&stored.url) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}
