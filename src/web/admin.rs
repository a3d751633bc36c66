//! The author's pages: the post list, the editor and deletion.

use super::admin_page::{AdminAction, AdminPage};
use axum::{
    extract::{Path, Query},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_csrf::CsrfToken;
use minijinja::context;
use serde::Deserialize;

use super::{
    WebState,
    admin_page::page,
    auth::CurrentUser,
    csrf::{CsrfUpload, Upload},
    templates::to_value,
};
use crate::{
    error::{AppError, AppResult},
    pages::Change,
    services::posts::{
        self, FieldErrors, PostForm, PostStatus, PostView, SaveError,
        editor::{self, Preview, Submission, Submitted},
    },
};

use super::notice::{Notice, NoticeQuery};

pub async fn list(
    AdminPage { state, user, token }: AdminPage,
    Query(query): Query<NoticeQuery>,
) -> AppResult<Response> {
    let all = posts::managed_by(&state.db, &user.0).await?;
    let mut counts = crate::services::deliveries::counts_by_post(&state.db).await?;
    let rows: Vec<AdminRow> = all
        .iter()
        .map(|post| AdminRow {
            deliveries: counts.remove(&post.id),
            post,
        })
        .collect();
    let extra = context! {
        posts => to_value(&rows),
        notice => query.text(),
    };
    page(
        &state,
        &user,
        token,
        "admin/posts.html",
        StatusCode::OK,
        extra,
    )
    .await
}

/// A post in the admin list, with how its activities are being delivered.
#[derive(serde::Serialize)]
struct AdminRow<'a> {
    #[serde(flatten)]
    post: &'a PostView,
    deliveries: Option<crate::services::deliveries::Counts>,
}

/// What the editor shows besides the fields.
#[derive(Default)]
struct Editor<'a> {
    post: Option<&'a PostView>,
    errors: FieldErrors,
    preview: Option<Preview>,
    notice: Option<&'static str>,
    image_alt: String,
}

impl<'a> Editor<'a> {
    /// The editor of a new post (`None`) or of `post`, with a notice.
    fn of(post: Option<&'a PostView>, notice: Option<&'static str>) -> Editor<'a> {
        Editor {
            post,
            notice,
            ..Editor::default()
        }
    }
}

async fn editor(
    state: &WebState,
    user: &CurrentUser,
    token: CsrfToken,
    form: &PostForm,
    view: Editor<'_>,
    status: StatusCode,
) -> AppResult<Response> {
    let quotes = match view.post {
        Some(post) => crate::services::quotes::of_post(&state.db, post.id).await?,
        None => Vec::new(),
    };
    let extra = context! {
        form => to_value(form),
        post => to_value(view.post),
        quotes => to_value(&quotes),
        quote_policy => to_value(state.config.blog.quote_policy),
        post_url => view.post.map(|p| p.path()),
        slug_fixed => view.post.is_some_and(|p| posts::has_been_public(p.status, p.published_at)),
        timezone => state.config.timezone().name(),
        errors => to_value(&view.errors),
        preview => to_value(&view.preview),
        notice => view.notice,
        image_alt => view.image_alt,
        max_upload_mib => state.config.media.max_upload_mib,
    };
    page(state, user, token, "admin/editor.html", status, extra).await
}

pub async fn new_form(AdminPage { state, user, token }: AdminPage) -> AppResult<Response> {
    let (form, view) = (PostForm::default(), Editor::of(None, None));
    editor(&state, &user, token, &form, view, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct EditorSubmit {
    #[serde(flatten)]
    form: PostForm,
    #[serde(default)]
    action: String,
    /// The description of an image sent with the form.
    #[serde(default)]
    image_alt: String,
}

impl EditorSubmit {
    /// The submission with the files sent along (an image, perhaps).
    fn with_files(self, files: Vec<Upload>) -> AppResult<Submission> {
        Ok(Submission {
            action: self.action.parse().map_err(AppError::BadRequest)?,
            form: self.form,
            image: super::media::sent_image(files),
            image_alt: self.image_alt,
        })
    }
}

/// After a save: the pages that show the post are renewed, the workers
/// woken, and the author sent back to the editor with a notice.
async fn after_save(state: &WebState, saved: &crate::entities::post::Model) -> Response {
    state.changed(&[Change::Post(saved.id)]).await;
    state.wake_delivery();
    state.wake_scheduler();
    let notice = match saved.status {
        PostStatus::Published => Notice::Published,
        PostStatus::Scheduled => Notice::Scheduled,
        PostStatus::Draft => Notice::Saved,
    };
    notice
        .after(&format!("/admin/posts/{}/edit", saved.id))
        .into_response()
}

pub async fn create(
    AdminPage { state, user, token }: AdminPage,
    CsrfUpload(submit, files): CsrfUpload<EditorSubmit>,
) -> AppResult<Response> {
    submitted(&state, &user, token, None, submit, files).await
}

pub async fn update(
    AdminPage { state, user, token }: AdminPage,
    Path(id): Path<i32>,
    CsrfUpload(submit, files): CsrfUpload<EditorSubmit>,
) -> AppResult<Response> {
    let (post, _) = load(&state, &user, id).await?;
    submitted(&state, &user, token, Some(&post), submit, files).await
}

/// The editor's form, sent to create a post (`post` is `None`) or to change
/// one (see `services::posts::editor`).
async fn submitted(
    state: &WebState,
    user: &CurrentUser,
    token: CsrfToken,
    post: Option<&PostView>,
    submit: EditorSubmit,
    files: Vec<Upload>,
) -> AppResult<Response> {
    let image_alt = submit.image_alt.clone();
    let submission = submit.with_files(files)?;
    let (post_id, now) = (post.map(|post| post.id), state.clock.now());
    let submitted = editor::submit(
        &state.db,
        &state.config,
        user.0.id,
        post_id,
        submission,
        now,
    );
    let (form, view, status) = match submitted.await? {
        Submitted::Saved(saved) => return Ok(after_save(state, &saved).await),
        Submitted::Invalid { form, errors } => {
            let view = Editor {
                errors,
                image_alt,
                ..Editor::of(post, None)
            };
            (form, view, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Submitted::Previewed {
            form,
            preview,
            notice,
        } => {
            let view = Editor {
                preview: Some(preview),
                ..Editor::of(post, notice)
            };
            (form, view, StatusCode::OK)
        }
    };
    editor(state, user, token, &form, view, status).await
}

impl From<SaveError> for AppError {
    fn from(err: SaveError) -> AppError {
        match err {
            SaveError::NotFound(_) => AppError::NotFound,
            SaveError::Invalid(_) | SaveError::Other(_) => AppError::Internal(err.into()),
        }
    }
}

/// A post `user` may change: their own, or any for an admin.
async fn load(state: &WebState, user: &CurrentUser, id: i32) -> AppResult<(PostView, PostForm)> {
    let (post, form) = posts::editable(&state.db, id, state.config.timezone())
        .await?
        .ok_or(AppError::NotFound)?;
    if !posts::may_manage(&user.0, post.author_id) {
        return Err(not_yours());
    }
    Ok((post, form))
}

pub(super) fn not_yours() -> AppError {
    AppError::Forbidden(
        "This post is another author's: only they and the blog's admins may change it.".into(),
    )
}

pub async fn edit_form(
    AdminPage { state, user, token }: AdminPage,
    Path(id): Path<i32>,
    Query(query): Query<NoticeQuery>,
) -> AppResult<Response> {
    let (post, form) = load(&state, &user, id).await?;
    let notice = query.text();
    let view = Editor::of(Some(&post), notice);
    editor(&state, &user, token, &form, view, StatusCode::OK).await
}

pub async fn delete_form(
    AdminPage { state, user, token }: AdminPage,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let (post, _) = load(&state, &user, id).await?;
    page(
        &state,
        &user,
        token,
        "admin/delete.html",
        StatusCode::OK,
        context! { post => to_value(&post) },
    )
    .await
}

/// Refuses unless `user` may change post `id` (deleted or not).
async fn check_manages(state: &WebState, user: &CurrentUser, id: i32) -> AppResult<()> {
    let owner = posts::owner_of(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !posts::may_manage(&user.0, owner) {
        return Err(not_yours());
    }
    Ok(())
}

pub async fn delete(
    Path(id): Path<i32>,
    AdminAction { state, user }: AdminAction,
) -> AppResult<Redirect> {
    check_manages(&state, &user, id).await?;
    if !posts::delete(&state.db, id).await? {
        return Err(AppError::NotFound);
    }
    state.changed(&[Change::Post(id)]).await;
    state.wake_delivery();
    Ok(Notice::Deleted.after("/admin"))
}

/// Revokes a quote's authorisation: the quoter is told, and the post no
/// longer lists the quote.
pub async fn revoke_quote(
    Path((id, quote)): Path<(i32, i32)>,
    AdminAction { state, user }: AdminAction,
) -> AppResult<Redirect> {
    check_manages(&state, &user, id).await?;
    if !crate::services::quotes::revoke(&state.db, id, quote).await? {
        return Err(AppError::NotFound);
    }
    state.changed(&[Change::Reactions(id)]).await;
    state.wake_delivery();
    Ok(Notice::Revoked.after(&format!("/admin/posts/{id}/edit")))
}
