//! Plain types that can only hold valid values: parse, don't validate.

mod markdown;
mod media;
mod names;
mod net;
mod role;

pub use markdown::{
    ImageRef, SafeHtml, derive_summary, images, render_markdown, render_remote_markdown,
    sanitize_remote, text_to_html,
};
pub use media::{ImageFormat, MediaName};
pub use names::{Language, Password, Slug, TagName, Username, ValidationError, parse_tags};
pub use net::{HostName, HttpUrl, authority, same_authority, same_server};
pub use role::Role;
