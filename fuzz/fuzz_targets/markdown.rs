//! The author's Markdown and remote HTML: rendering and sanitising never
//! panic, and no script survives.
#![no_main]

use blog::domain::{derive_summary, render_markdown, sanitize_remote};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let html = render_markdown(text);
    assert!(!html.as_str().to_ascii_lowercase().contains("<script"));
    let _ = derive_summary(text, 280);
    let remote = sanitize_remote(text);
    assert!(!remote.as_str().to_ascii_lowercase().contains("<script"));
});
