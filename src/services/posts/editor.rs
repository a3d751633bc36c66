//! The editor's form, sent to create a post or to change one: an image sent
//! along is stored and added to the end of the body first, then the form is
//! previewed, shown again with what to mend, or saved.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::{FieldErrors, PostForm, PostStatus, SaveError, ValidPost};
use crate::{
    config::Config,
    domain::{ImageRef, images, render_markdown},
    entities::post,
    services::media::{self, IMAGE_FIELD, Taken},
};

/// What the author asked for with the button they pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Preview,
    /// Store the image sent along and go on writing.
    Upload,
    Save(PostStatus),
}

impl FromStr for Action {
    type Err = String;

    fn from_str(action: &str) -> Result<Action, String> {
        match action {
            "preview" => Ok(Action::Preview),
            "upload" => Ok(Action::Upload),
            "publish" => Ok(Action::Save(PostStatus::Published)),
            "draft" => Ok(Action::Save(PostStatus::Draft)),
            other => Err(format!(
                "unknown editor action \"{other}\": use publish, draft, upload or preview"
            )),
        }
    }
}

/// One sending of the editor's form.
pub struct Submission {
    pub form: PostForm,
    pub action: Action,
    /// The image sent along, if any, and its description.
    pub image: Option<Vec<u8>>,
    pub image_alt: String,
}

/// The post as it will be shown: its page, and the link card Mastodon
/// shows for an Article (title, summary, first image; the byline is the
/// blog's).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Preview {
    pub html: String,
    pub card: Card,
    /// Words in the text, and the minutes it takes to read (at 230 a minute).
    pub words: usize,
    pub minutes: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Card {
    pub title: String,
    pub summary: String,
    pub image: Option<ImageRef>,
}

impl Preview {
    fn of(post: &ValidPost) -> Preview {
        let words = post.body.split_whitespace().count();
        Preview {
            words,
            minutes: words.div_ceil(230).max(1),
            html: render_markdown(&post.body).into_string(),
            card: Card {
                title: post.title.clone(),
                summary: super::summary_of(post),
                image: images(&post.body).into_iter().next(),
            },
        }
    }
}

/// What the editor shows next.
pub enum Submitted {
    Saved(post::Model),
    /// The form again, as it now stands (an uploaded image's Markdown
    /// added), with a message for each field to mend.
    Invalid {
        form: PostForm,
        errors: FieldErrors,
    },
    /// The form again with its body rendered, after a preview or an upload.
    Previewed {
        form: PostForm,
        preview: Preview,
        notice: Option<&'static str>,
    },
}

/// Handles one sending of the editor for `author_id`: a new post when
/// `post_id` is `None`, else a change to that post (which the caller has
/// checked the author may change).
pub async fn submit(
    db: &DatabaseConnection,
    config: &Config,
    author_id: i32,
    post_id: Option<i32>,
    submission: Submission,
    now: DateTime<Utc>,
) -> Result<Submitted, SaveError> {
    let Submission {
        mut form,
        action,
        image,
        image_alt,
    } = submission;
    let problem = match media::take(db, config, author_id, image, &image_alt).await? {
        Taken::Stored(image) => {
            form.append_to_body(&image.markdown);
            None
        }
        Taken::Nothing if action == Action::Upload => {
            Some(FieldErrors::one(IMAGE_FIELD, "Choose an image to upload."))
        }
        Taken::Nothing => None,
        Taken::Refused(errors) => Some(errors),
    };
    let valid = match problem.map_or_else(|| form.validate(config.timezone()), Err) {
        Ok(valid) => valid,
        Err(errors) => return Ok(Submitted::Invalid { form, errors }),
    };
    let status = match action {
        Action::Preview | Action::Upload => {
            return Ok(Submitted::Previewed {
                preview: Preview::of(&valid),
                notice: (action == Action::Upload).then_some(
                    "Image uploaded and added at the end of the text. Move it where you like, then save.",
                ),
                form,
            });
        }
        Action::Save(status) => status,
    };
    let saved = match post_id {
        None => super::create(db, author_id, valid, status, now).await,
        Some(id) => super::update(db, id, valid, status, now).await,
    };
    match saved {
        Ok(saved) => Ok(Submitted::Saved(saved)),
        Err(SaveError::Invalid(errors)) => Ok(Submitted::Invalid { form, errors }),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_button_names_one_action_and_others_are_refused() {
        assert_eq!("preview".parse(), Ok(Action::Preview));
        assert_eq!("upload".parse(), Ok(Action::Upload));
        assert_eq!("publish".parse(), Ok(Action::Save(PostStatus::Published)));
        assert_eq!("draft".parse(), Ok(Action::Save(PostStatus::Draft)));
        let refused = "delete"
            .parse::<Action>()
            .expect_err("no button is called delete");
        assert!(refused.contains("\"delete\""), "{refused}");
    }
}
