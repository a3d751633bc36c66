//! Images: serving them, the image library, and uploads from the editor.

use super::admin_page::AdminPage;
use axum::{
    extract::{DefaultBodyLimit, Path, Query, Request, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use axum_csrf::CsrfToken;
use minijinja::context;
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::{
    WebState,
    admin_page::page,
    auth::CurrentUser,
    csrf::{CsrfUpload, Upload},
    notice::{Notice, NoticeQuery},
    templates::to_value,
};
use crate::{
    error::{AppError, AppResult},
    services::{
        media::{self, IMAGE_FIELD, MediaError, Taken},
        posts::FieldErrors,
    },
};

/// Room for the largest image plus the rest of the form.
pub fn upload_limit(state: &WebState) -> DefaultBodyLimit {
    let bytes = (state.config.media.max_upload_mib + 1) * 1024 * 1024;
    DefaultBodyLimit::max(usize::try_from(bytes).unwrap_or(usize::MAX))
}

/// Serves a stored image. Names never change, so caches may keep it forever.
pub async fn serve(
    State(state): State<WebState>,
    Path(name): Path<String>,
    request: Request,
) -> AppResult<Response> {
    let (path, parsed) = media::path_of(&state.config, &name).ok_or(AppError::NotFound)?;
    let mut response = ServeFile::new_with_mime(
        path,
        &parsed
            .format
            .media_type()
            .parse()
            .map_err(|_| AppError::NotFound)?,
    )
    .oneshot(request)
    .await
    .map_err(|err| AppError::Internal(anyhow::anyhow!("failed to read an image: {err}")))?
    .into_response();
    if response.status() == StatusCode::NOT_FOUND {
        return Err(AppError::NotFound);
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}

/// The image among the files sent with a form, if there is one.
pub(super) fn sent_image(files: Vec<Upload>) -> Option<Vec<u8>> {
    files
        .into_iter()
        .find(|file| file.field == IMAGE_FIELD)
        .map(|file| file.bytes)
}

/// Every uploaded image with the Markdown that shows it.
pub async fn library(
    AdminPage { state, user, token }: AdminPage,
    Query(query): Query<NoticeQuery>,
) -> AppResult<Response> {
    library_page(&state, &user, token, FieldErrors::default(), query.notice).await
}

async fn library_page(
    state: &WebState,
    user: &CurrentUser,
    token: CsrfToken,
    errors: FieldErrors,
    notice: Option<Notice>,
) -> AppResult<Response> {
    // An author sees the images they uploaded; an admin every one.
    let uploader = (!user.0.is_admin).then_some(user.0.id);
    let images = media::list(&state.db, &state.config, uploader).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let extra = context! {
        images => to_value(&images),
        errors => to_value(&errors),
        notice => notice.and_then(Notice::text),
        max_upload_mib => state.config.media.max_upload_mib,
    };
    page(state, user, token, "admin/media.html", status, extra).await
}

#[derive(Deserialize)]
pub struct LibraryUpload {
    #[serde(default)]
    image_alt: String,
}

pub async fn upload(
    AdminPage { state, user, token }: AdminPage,
    CsrfUpload(form, files): CsrfUpload<LibraryUpload>,
) -> AppResult<Response> {
    let image = sent_image(files);
    if image.is_none() {
        let errors = FieldErrors::one(IMAGE_FIELD, MediaError::Empty.to_string());
        return library_page(&state, &user, token, errors, None).await;
    }
    match media::take(&state.db, &state.config, user.0.id, image, &form.image_alt).await? {
        Taken::Refused(errors) => library_page(&state, &user, token, errors, None).await,
        Taken::Stored(_) | Taken::Nothing => {
            Ok(Notice::Uploaded.after("/admin/media").into_response())
        }
    }
}
