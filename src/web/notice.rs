//! The one-line confirmations shown after an action (`?notice=saved`): a
//! closed set, read from the query and shown as a sentence. An unknown
//! name shows nothing.

use axum::response::Redirect;
use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    Published,
    Saved,
    Scheduled,
    Deleted,
    Done,
    Answered,
    Blocked,
    Unblocked,
    Imported,
    Reported,
    Moved,
    Password,
    Uploaded,
    Revoked,
    #[serde(other)]
    Unknown,
}

impl Notice {
    /// As it is written in a redirect's query.
    pub fn as_str(self) -> &'static str {
        match self {
            Notice::Published => "published",
            Notice::Saved => "saved",
            Notice::Scheduled => "scheduled",
            Notice::Deleted => "deleted",
            Notice::Done => "done",
            Notice::Answered => "answered",
            Notice::Blocked => "blocked",
            Notice::Unblocked => "unblocked",
            Notice::Imported => "imported",
            Notice::Reported => "reported",
            Notice::Moved => "moved",
            Notice::Password => "password",
            Notice::Uploaded => "uploaded",
            Notice::Revoked => "revoked",
            Notice::Unknown => "",
        }
    }

    /// A redirect to `to` that shows this notice there.
    pub fn after(self, to: &str) -> Redirect {
        let joint = if to.contains('?') { '&' } else { '?' };
        Redirect::to(&format!("{to}{joint}notice={}", self.as_str()))
    }

    /// What the page says.
    pub fn text(self) -> Option<&'static str> {
        Some(match self {
            Notice::Published => "Post published.",
            Notice::Saved => "Draft saved.",
            Notice::Scheduled => {
                "Post scheduled. It goes public, and out to followers, at the time shown."
            }
            Notice::Deleted => "Post deleted.",
            Notice::Done => "Done.",
            Notice::Answered => "Your answer is published and on its way to the fediverse.",
            Notice::Blocked => {
                "Blocked. Nothing from them is accepted any more and their comments are hidden."
            }
            Notice::Unblocked => "Unblocked. Their comments are shown again.",
            Notice::Imported => {
                "Blocklist imported. The servers it lists are blocked, their followers removed and their comments hidden."
            }
            Notice::Reported => {
                "Report sent: it is on its way to the moderators of the account's server."
            }
            Notice::Moved => {
                "The blog has moved: every follower is being sent the Move, and their servers follow the new account instead."
            }
            Notice::Password => {
                "Your password was changed. Other sessions were logged out and your app tokens revoked."
            }
            Notice::Uploaded => "Image uploaded.",
            Notice::Revoked => "Quote revoked: its author's server is being told.",
            Notice::Unknown => return None,
        })
    }
}

/// A page's `?notice=` parameter.
#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    pub notice: Option<Notice>,
}

impl NoticeQuery {
    pub fn text(&self) -> Option<&'static str> {
        self.notice.and_then(Notice::text)
    }
}

#[cfg(test)]
mod tests {
    use axum::{http::header::LOCATION, response::IntoResponse};

    use super::Notice;

    fn location(notice: Notice, to: &str) -> String {
        let response = notice.after(to).into_response();
        let location = response.headers().get(LOCATION).expect("a redirect");
        location.to_str().expect("ascii").to_owned()
    }

    #[test]
    fn a_notice_joins_the_query_of_where_it_leads() {
        assert_eq!(location(Notice::Deleted, "/admin"), "/admin?notice=deleted");
        assert_eq!(
            location(Notice::Done, "/admin/comments?status=spam"),
            "/admin/comments?status=spam&notice=done"
        );
    }
}
