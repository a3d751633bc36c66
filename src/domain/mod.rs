//! Plain types that can only hold valid values: parse, don't validate.

mod markdown;
mod names;

pub use markdown::{
    SafeHtml, derive_summary, render_markdown, render_remote_markdown, sanitize_remote,
    text_to_html,
};
pub use names::{Password, Slug, TagName, Username, ValidationError, parse_tags};
