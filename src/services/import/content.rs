//! WordPress HTML into what this blog stores: posts as Markdown (so the
//! editor keeps working; the page is rendered from it and sanitised as for
//! any post), comments as sanitised HTML, titles and excerpts as plain text.
//!
//! WordPress stores classic-editor content without `<p>` tags and adds them
//! when it shows a post (`wpautop`): a blank line separates paragraphs and a
//! single line break is a `<br>`. The same is done here before converting.

use std::sync::LazyLock;

use htmd::{Element, HtmlToMarkdown, element_handler::Handlers, options};
use regex::{Captures, Regex};

use crate::domain::{SafeHtml, sanitize_remote};

const BLOCKS: &str = "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary";

fn re(pattern: &str) -> Regex {
    // The patterns are constants, each exercised by the tests below.
    Regex::new(pattern).expect("a valid pattern")
}

macro_rules! regex {
    ($pattern:expr) => {{
        static RE: LazyLock<Regex> = LazyLock::new(|| re(&$pattern));
        &*RE
    }};
}

/// WordPress's paragraphing (`wpautop`), for content written in the classic
/// editor. Block-editor content already has its paragraphs and is kept as is.
pub fn autop(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if text.trim().is_empty() || text.contains("<!-- wp:") {
        return text;
    }
    // Line breaks inside <pre> and <script>-like elements, and inside tags, are not paragraphs.
    let mut kept = Vec::new();
    let text = regex!(r"(?is)<(pre|script|style|svg)\b.*?</(?:pre|script|style|svg)>").replace_all(
        &text,
        |caps: &Captures| {
            kept.push(caps[0].to_owned());
            // A placeholder of the same kind, so that only <pre> counts as a block.
            let tag = caps[1].to_ascii_lowercase();
            format!("<{tag} data-kept=\"{}\"></{tag}>", kept.len() - 1)
        },
    );
    let text = regex!(r"<[^<>]*>").replace_all(&text, |caps: &Captures| caps[0].replace('\n', " "));
    let text = format!("{text}\n");
    let text = regex!(r"<br\s*/?>\s*<br\s*/?>").replace_all(&text, "\n\n");
    let text = regex!(format!(r"(<(?:{BLOCKS})[\s/>])")).replace_all(&text, "\n\n$1");
    let text = regex!(format!(r"(</(?:{BLOCKS})>)")).replace_all(&text, "$1\n\n");
    let text = regex!(r"\n\n+").replace_all(&text, "\n\n");
    let mut out = String::new();
    for chunk in regex!(r"\n\s*\n").split(&text) {
        let chunk = chunk.trim_matches('\n');
        if !chunk.trim().is_empty() {
            out.push_str("<p>");
            out.push_str(chunk);
            out.push_str("</p>\n");
        }
    }
    let out = regex!(format!(r"<p>\s*(</?(?:{BLOCKS})[^>]*>)\s*</p>")).replace_all(&out, "$1");
    let out = regex!(r"(?s)<p>(<li.+?)</p>").replace_all(&out, "$1");
    let out = regex!(r"(?i)<p><blockquote([^>]*)>").replace_all(&out, "<blockquote$1><p>");
    let out = out.replace("</blockquote></p>", "</p></blockquote>");
    let out = regex!(format!(r"<p>\s*(</?(?:{BLOCKS})[^>]*>)")).replace_all(&out, "$1");
    let out = regex!(format!(r"(</?(?:{BLOCKS})[^>]*>)\s*</p>")).replace_all(&out, "$1");
    let out =
        regex!(r"(<br\s*/?>)?[ \t]*\n").replace_all(&out, |caps: &Captures| match caps.get(1) {
            Some(br) => format!("{}\n", br.as_str()),
            None => "<br />\n".to_owned(),
        });
    let out = regex!(format!(r"(</?(?:{BLOCKS})[^>]*>)\s*<br />")).replace_all(&out, "$1");
    let out = regex!(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)")
        .replace_all(&out, "$1");
    // The line break is the <br>; a newline after it would become a space.
    let out = regex!(r"(<br\s*/?>)[ \t]*\n").replace_all(&out, "$1");
    regex!(r#"<(?:pre|script|style|svg) data-kept="(\d+)"></(?:pre|script|style|svg)>"#)
        .replace_all(&out, |caps: &Captures| {
            caps[1]
                .parse::<usize>()
                .ok()
                .and_then(|i| kept.get(i).cloned())
                .unwrap_or_default()
        })
        .trim()
        .to_owned()
}

/// Core shortcodes: captions become figures, embeds links; galleries and
/// players need the old site's media and are left out.
fn expand_shortcodes(text: &str) -> String {
    let text = regex!(
        r"(?is)\[caption[^\]]*\]\s*((?:<a[^>]*>\s*)?<img[^>]*>(?:\s*</a>)?)(.*?)\[/caption\]"
    )
    .replace_all(text, "<figure>$1<figcaption>$2</figcaption></figure>");
    let text = regex!(r"(?is)\[embed[^\]]*\]\s*(https?://[^\s\[]+)\s*\[/embed\]")
        .replace_all(&text, "\n\n<a href=\"$1\">$1</a>\n\n");
    regex!(r"(?i)\[/?(?:gallery|audio|video|playlist|embed)(?:\s[^\]]*)?\]")
        .replace_all(&text, "")
        .into_owned()
}

/// Links and pictures given relative to the old site point at it.
fn absolute_urls(text: &str, site_url: &str) -> String {
    let Some(origin) = url::Url::parse(site_url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o.starts_with("http"))
    else {
        return text.to_owned();
    };
    regex!(r#"(?i)\b(href|src)\s*=\s*(["'])/([^/])"#)
        .replace_all(text, |caps: &Captures| {
            format!("{}={}{origin}/{}", &caps[1], &caps[2], &caps[3])
        })
        .into_owned()
}

/// Embedded players cannot run here; a link to what they showed is kept.
fn embed_as_link(
    _: &dyn Handlers,
    element: Element,
) -> Option<htmd::element_handler::HandlerResult> {
    let src = element
        .attrs
        .iter()
        .find(|a| &*a.name.local == "src")
        .map(|a| a.value.to_string())
        .filter(|s| s.starts_with("https://") || s.starts_with("http://"))?;
    Some(format!("\n\n<{src}>\n\n").into())
}

fn converter() -> HtmlToMarkdown {
    HtmlToMarkdown::builder()
        .options(options::Options {
            bullet_list_marker: options::BulletListMarker::Dash,
            ul_bullet_spacing: 1,
            ol_number_spacing: 1,
            br_style: options::BrStyle::Backslash,
            ..Default::default()
        })
        .skip_tags(vec![
            "script", "style", "noscript", "template", "head", "form", "button", "select",
            "textarea", "input", "object", "svg", "canvas",
        ])
        .add_handler(vec!["iframe", "video", "audio", "embed"], embed_as_link)
        .build()
}

/// A post's HTML as Markdown.
pub fn post_markdown(html: &str, site_url: &str) -> String {
    let html = autop(&absolute_urls(&expand_shortcodes(html), site_url));
    let markdown = converter().convert(&html).unwrap_or_default();
    format!("{}\n", markdown.trim())
}

/// A comment's text (WordPress allows a few tags in comments) as safe HTML.
pub fn comment_html(text: &str) -> SafeHtml {
    sanitize_remote(&autop(text))
}

/// Text with its tags removed and HTML entities decoded, on one line.
pub fn plain_text(html: &str) -> String {
    let text = regex!(r"(?i)</?(?:p|br|div|li|ul|ol|h[1-6]|blockquote|tr|td|th)\b[^>]*>")
        .replace_all(html, " ");
    let text = regex!(r"<[^>]*>").replace_all(&text, "");
    decode_entities(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most `max` characters, cut at a word when one is near.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let head: String = text.chars().take(max - 1).collect();
    let head = match head.rfind(' ') {
        Some(space) if space > head.len() / 2 => &head[..space],
        _ => head.as_str(),
    };
    format!("{}…", head.trim_end())
}

fn decode_entities(text: &str) -> String {
    regex!(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
        .replace_all(text, |caps: &Captures| {
            let name = &caps[1];
            let number = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else {
                name.strip_prefix('#').and_then(|n| n.parse().ok())
            };
            let named = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                "hellip" => Some('…'),
                "mdash" => Some('—'),
                "ndash" => Some('–'),
                "lsquo" => Some('‘'),
                "rsquo" => Some('’'),
                "ldquo" => Some('“'),
                "rdquo" => Some('”'),
                _ => None,
            };
            number
                .and_then(char::from_u32)
                .or(named)
                .map_or_else(|| caps[0].to_owned(), String::from)
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_become_paragraphs_and_single_breaks_line_breaks() {
        let html =
            autop("First line\nsame paragraph.\n\nSecond <em>one</em>.\n\n<ul>\n<li>a</li>\n</ul>");
        assert_eq!(
            html,
            "<p>First line<br />same paragraph.</p>\n<p>Second <em>one</em>.</p>\n<ul>\n<li>a</li>\n</ul>"
        );
    }

    #[test]
    fn preformatted_text_keeps_its_blank_lines() {
        let html = autop("Code:\n\n<pre>fn a() {}\n\nfn b() {}</pre>\n\nDone.");
        assert!(html.contains("<pre>fn a() {}\n\nfn b() {}</pre>"), "{html}");
        assert!(html.contains("<p>Done.</p>"), "{html}");
    }

    #[test]
    fn posts_become_markdown_with_paragraphs_links_and_figures() {
        let md = post_markdown(
            "Hello <a href=\"/about/\">there</a>.\n\n[caption id=\"a\" width=\"300\"]<img src=\"/wp-content/uploads/cat.jpg\" alt=\"Cat\" /> A cat[/caption]\n\n<script>alert(1)</script><iframe src=\"https://video.example/embed/1\"></iframe>",
            "https://old.example/blog",
        );
        assert!(
            md.contains("Hello [there](https://old.example/about/)."),
            "{md}"
        );
        assert!(
            md.contains("![Cat](https://old.example/wp-content/uploads/cat.jpg)"),
            "{md}"
        );
        assert!(md.contains("A cat"), "{md}");
        assert!(md.contains("<https://video.example/embed/1>"), "{md}");
        assert!(!md.contains("alert"), "{md}");
    }

    #[test]
    fn comments_are_paragraphed_and_sanitised() {
        let html = comment_html(
            "Nice!\n\n<img src=x onerror=alert(1)><script>alert(2)</script><b>bold</b>",
        );
        let html = html.as_str();
        assert!(html.starts_with("<p>Nice!</p>"), "{html}");
        assert_eq!(html.matches("<p>").count(), 2, "{html}");
        assert!(html.contains("<b>bold</b>"), "{html}");
        for banned in ["<img", "onerror", "<script", "alert"] {
            assert!(!html.contains(banned), "{banned} in {html}");
        }
    }

    #[test]
    fn titles_lose_tags_and_entities() {
        assert_eq!(
            plain_text("Tea &amp; <em>cake</em>&#8230; &nbsp;now&#x21;"),
            "Tea & cake… now!"
        );
        assert_eq!(cut("one two three four", 10), "one two…");
    }
}
