//! The post editor's fields, as typed and once checked.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{PostStatus, QuotePolicy, ReplyPolicy, SaveError};
use crate::domain::{HttpUrl, Language, Slug, TagName, parse_tags};
use sea_orm::ActiveEnum;

pub const TITLE_CHARS: usize = 200;
pub const BODY_BYTES: usize = 512 * 1024;
pub const CUSTOM_SUMMARY_CHARS: usize = 500;

/// The editor's fields exactly as submitted, kept to show the form again.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct PostForm {
    pub title: String,
    pub body: String,
    pub summary: String,
    pub tags: String,
    pub slug: String,
    /// `2026-12-01T09:30` in the blog's time zone (an HTML `datetime-local`);
    /// a future time schedules the post.
    pub publish_at: String,
    /// Who may reply.
    pub replies: ReplyPolicy,
    /// Who may quote: `anyone`, `followers`, `nobody`, or empty for the
    /// blog's setting.
    pub quotes: String,
    /// A BCP 47 tag; empty for the blog's language.
    pub language: String,
    /// The address of a post on the fediverse that this one quotes.
    pub quote: String,
}

/// A message per field, shown next to it.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn one(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.0.insert(field, message.into());
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A post that passed every check that does not need the database.
#[derive(Debug, Clone)]
pub struct ValidPost {
    pub title: String,
    pub body: String,
    pub summary: Option<String>,
    pub tags: Vec<TagName>,
    pub slug: Option<Slug>,
    /// When the post goes (or went) public; `None` for "now".
    pub publish_at: Option<DateTime<Utc>>,
    pub reply_policy: ReplyPolicy,
    /// `None`: as the blog's setting says.
    pub quote_policy: Option<QuotePolicy>,
    /// `None` for the blog's language.
    pub language: Option<Language>,
    /// The post on another server this one quotes.
    pub quote: Option<HttpUrl>,
}

impl PostForm {
    /// Adds an image's Markdown at the end of the body, after a blank line.
    pub fn append_to_body(&mut self, markdown: &str) {
        let body = self.body.trim_end();
        let gap = if body.is_empty() { "" } else { "\n\n" };
        self.body = format!("{body}{gap}{markdown}\n");
    }

    pub fn validate(&self, tz: Tz) -> Result<ValidPost, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = self.title.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.is_empty() {
            errors.0.insert("title", "Give the post a title.".into());
        } else if title.chars().count() > TITLE_CHARS {
            errors.0.insert(
                "title",
                format!("Keep the title under {TITLE_CHARS} characters."),
            );
        }
        let body = self.body.replace("\r\n", "\n");
        if body.len() > BODY_BYTES {
            errors.0.insert(
                "body",
                format!("The post is too long: at most {} KiB.", BODY_BYTES / 1024),
            );
        }
        let summary = self
            .summary
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if summary.chars().count() > CUSTOM_SUMMARY_CHARS {
            errors.0.insert(
                "summary",
                format!("Keep the summary under {CUSTOM_SUMMARY_CHARS} characters."),
            );
        }
        let tags = parse_tags(&self.tags).unwrap_or_else(|err| {
            errors.0.insert("tags", format!("{}.", capitalise(&err.0)));
            Vec::new()
        });
        let slug = match self.slug.trim() {
            "" => None,
            typed => Slug::parse(typed)
                .map_err(|err| errors.0.insert("slug", format!("{}.", capitalise(&err.0))))
                .ok(),
        };
        let language = match self.language.trim() {
            "" => None,
            typed => Language::parse(typed)
                .map_err(|err| {
                    errors
                        .0
                        .insert("language", format!("{}.", capitalise(&err.0)))
                })
                .ok(),
        };
        let quote_policy = match self.quotes.trim() {
            "" => None,
            chosen => QuotePolicy::try_from_value(&chosen.to_owned())
                .map_err(|_| {
                    errors
                        .0
                        .insert("quotes", "Choose who may quote the post.".into())
                })
                .ok(),
        };
        let quote = match self.quote.trim() {
            "" => None,
            typed => HttpUrl::parse(typed)
                .map_err(|_| {
                    errors.0.insert(
                        "quote",
                        "Paste the address of the post to quote, starting with https://.".into(),
                    )
                })
                .ok(),
        };
        let publish_at = parse_local_time(&self.publish_at, tz)
            .map_err(|message| errors.0.insert("publish_at", message))
            .ok()
            .flatten();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidPost {
            title,
            body,
            summary: (!summary.is_empty()).then_some(summary),
            tags,
            slug,
            publish_at,
            reply_policy: self.replies,
            quote_policy,
            language,
            quote,
        })
    }
}

impl ValidPost {
    pub(super) fn check_publishable(&self, status: PostStatus) -> Result<(), SaveError> {
        if status != PostStatus::Draft && self.body.trim().is_empty() {
            return Err(SaveError::Invalid(FieldErrors::one(
                "body",
                "Write something before publishing, or save it as a draft.",
            )));
        }
        Ok(())
    }
}

/// A time as an HTML `datetime-local` field sends it, in the blog's zone.
fn parse_local_time(text: &str, tz: Tz) -> Result<Option<DateTime<Utc>>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or_else(|| format!("Use a date and time like 2026-12-01T09:30, not \"{text}\"."))?;
    let local = tz.from_local_datetime(&naive).earliest().ok_or_else(|| {
        format!("{text} does not exist in {tz} (the clocks change then); pick another time.")
    })?;
    Ok(Some(local.with_timezone(&Utc)))
}

/// The `datetime-local` value for a time, in the blog's zone.
pub fn local_time_field(time: DateTime<Utc>, tz: Tz) -> String {
    time.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_goes_at_the_end_after_a_blank_line() {
        let mut form = PostForm {
            body: "First words.\n\n".into(),
            ..Default::default()
        };
        form.append_to_body("![a cat](/media/cat.png)");
        assert_eq!(form.body, "First words.\n\n![a cat](/media/cat.png)\n");
        let mut empty = PostForm::default();
        empty.append_to_body("![a cat](/media/cat.png)");
        assert_eq!(empty.body, "![a cat](/media/cat.png)\n");
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let form = PostForm {
            title: "  ".into(),
            slug: "Not A Slug".into(),
            tags: "ok, !!!".into(),
            ..Default::default()
        };
        let errors = form.validate(Tz::UTC).expect_err("invalid form");
        assert!(errors.0.contains_key("title"));
        assert!(errors.0.contains_key("slug"));
        assert!(errors.0.contains_key("tags"));
    }

    #[test]
    fn whitespace_is_tidied_and_empty_optionals_become_none() {
        let form = PostForm {
            title: " Customer   Service ".into(),
            body: "Hello\r\nworld".into(),
            ..Default::default()
        };
        let post = form.validate(Tz::UTC).expect("valid form");
        assert_eq!(post.title, "Customer Service");
        assert_eq!(post.body, "Hello\nworld");
        assert!(post.summary.is_none() && post.slug.is_none() && post.tags.is_empty());
        assert!(post.publish_at.is_none());
    }

    #[test]
    fn publish_times_are_read_in_the_blogs_time_zone() {
        let form = PostForm {
            title: "Later".into(),
            publish_at: "2026-07-01T09:30".into(),
            ..Default::default()
        };
        let paris: Tz = "Europe/Paris".parse().expect("zone");
        let post = form.validate(paris).expect("valid form");
        let expected = Utc.with_ymd_and_hms(2026, 7, 1, 7, 30, 0).single();
        assert_eq!(post.publish_at, expected);
        assert_eq!(
            local_time_field(post.publish_at.expect("time"), paris),
            "2026-07-01T09:30"
        );

        let bad = PostForm {
            title: "Later".into(),
            publish_at: "next tuesday".into(),
            ..Default::default()
        };
        let errors = bad.validate(paris).expect_err("unreadable time");
        assert!(errors.0["publish_at"].contains("2026-12-01T09:30"));
        // 02:30 on the last Sunday of March does not exist in Paris.
        let gap = PostForm {
            title: "Later".into(),
            publish_at: "2026-03-29T02:30".into(),
            ..Default::default()
        };
        assert!(gap.validate(paris).is_err());
    }
}
