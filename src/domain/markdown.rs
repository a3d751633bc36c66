//! The author's Markdown, rendered by comrak and made safe by ammonia.

use std::sync::LazyLock;

use comrak::{Arena, Options, nodes::NodeValue, parse_document};

/// HTML that went through the sanitiser and may be embedded as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeHtml(String);

impl SafeHtml {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

fn comrak_options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.footnotes = true;
    options.extension.autolink = true;
    options.extension.strikethrough = true;
    options.extension.tasklist = true;
    options.parse.smart = true;
    // Raw HTML in the Markdown is escaped by comrak; ammonia is the second line of defence.
    options.render.r#unsafe = false;
    options
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        // Footnote references and back-references link to element ids.
        .add_tag_attributes("a", ["id"])
        .add_tag_attributes("li", ["id"])
        .add_tag_attributes("sup", ["id"])
        .add_tag_attributes("th", ["align"])
        .add_tag_attributes("td", ["align"])
        .add_tags(["section", "input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_allowed_classes("section", ["footnotes"])
        .add_allowed_classes("a", ["footnote-ref", "footnote-backref"])
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// What a remote reply may contain: basic formatting and links, nothing that
/// runs, loads or submits (no scripts, styles, frames, forms or images).
static REMOTE_SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .add_tags([
            "p",
            "br",
            "a",
            "span",
            "strong",
            "b",
            "em",
            "i",
            "u",
            "s",
            "del",
            "code",
            "pre",
            "blockquote",
            "ul",
            "ol",
            "li",
        ])
        .add_tag_attributes("a", ["href"])
        // Mastodon marks mentions and hashtags with these; nothing else is kept.
        .add_allowed_classes("span", ["h-card", "invisible", "ellipsis"])
        .url_schemes(["http", "https"].into_iter().collect())
        .link_rel(Some("nofollow ugc noopener"))
        .strip_comments(true);
    builder
});

/// Sanitises HTML written on another server.
pub fn sanitize_remote(html: &str) -> SafeHtml {
    SafeHtml(REMOTE_SANITIZER.clean(html).to_string())
}

/// Renders Markdown written on another server (PeerTube sends it) as safe HTML.
pub fn render_remote_markdown(markdown: &str) -> SafeHtml {
    let html = comrak::markdown_to_html(markdown, &comrak_options());
    sanitize_remote(&html)
}

/// Plain text as a safe paragraph.
pub fn text_to_html(text: &str) -> SafeHtml {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", ammonia::clean_text(p).replace("&#10;", "<br>")))
        .collect();
    SafeHtml(paragraphs.join(""))
}

/// Renders Markdown to sanitised HTML.
pub fn render_markdown(markdown: &str) -> SafeHtml {
    let html = comrak::markdown_to_html(markdown, &comrak_options());
    SafeHtml(SANITIZER.clean(&html).to_string())
}

/// An image the Markdown shows: `![alt](url)`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageRef {
    pub url: String,
    pub alt: String,
}

/// Every image in the Markdown, in order.
pub fn images(markdown: &str) -> Vec<ImageRef> {
    let arena = Arena::new();
    let options = comrak_options();
    let root = parse_document(&arena, markdown, &options);
    root.descendants()
        .filter_map(|node| match &node.data().value {
            NodeValue::Image(link) => {
                let alt: String = node
                    .descendants()
                    .filter_map(|child| match &child.data().value {
                        NodeValue::Text(text) => Some(text.to_string()),
                        _ => None,
                    })
                    .collect();
                Some(ImageRef {
                    url: link.url.clone(),
                    alt,
                })
            }
            _ => None,
        })
        .collect()
}

/// The plain text of the first paragraph, cut at a word boundary to `max_chars`.
pub fn derive_summary(markdown: &str, max_chars: usize) -> String {
    let arena = Arena::new();
    let options = comrak_options();
    let root = parse_document(&arena, markdown, &options);
    let Some(paragraph) = root
        .descendants()
        .find(|node| matches!(node.data().value, NodeValue::Paragraph))
    else {
        return String::new();
    };
    let mut text = String::new();
    for node in paragraph.descendants() {
        match &node.data().value {
            NodeValue::Text(t) => text.push_str(t),
            NodeValue::Code(code) => text.push_str(&code.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => text.push(' '),
            _ => {}
        }
    }
    truncate_words(
        text.split_whitespace().collect::<Vec<_>>().join(" "),
        max_chars,
    )
}

fn truncate_words(text: String, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text;
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > max_chars / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_found_with_their_alt_text() {
        let found =
            images("Intro\n\n![A *red* door](/media/a.jpg)\n\n- ![](https://x.org/b.png)\n");
        assert_eq!(
            found,
            vec![
                ImageRef {
                    url: "/media/a.jpg".into(),
                    alt: "A red door".into()
                },
                ImageRef {
                    url: "https://x.org/b.png".into(),
                    alt: String::new()
                },
            ]
        );
    }

    #[test]
    fn remote_html_keeps_formatting_and_links_but_nothing_active() {
        let html = sanitize_remote(
            r#"<p>Hi <a href="https://x.org/@a" class="u-url mention">@a</a> <strong>yes</strong></p><script>x()</script><img src="https://t.co/p.png"><iframe src="https://e.org"></iframe><form><input></form><a href="javascript:alert(1)">j</a><style>p{}</style>"#,
        );
        let html = html.as_str();
        assert!(
            html.contains(r#"<a href="https://x.org/@a" rel="nofollow ugc noopener">@a</a>"#),
            "{html}"
        );
        assert!(html.contains("<strong>yes</strong>"), "{html}");
        for banned in [
            "<script",
            "<img",
            "<iframe",
            "<form",
            "<input",
            "javascript:",
            "<style",
            "class=",
        ] {
            assert!(!html.contains(banned), "{banned} in {html}");
        }
    }

    #[test]
    fn tables_footnotes_and_autolinks_render() {
        let html = render_markdown(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\nSee https://example.org here.[^1]\n\n[^1]: A note.\n",
        );
        let html = html.as_str();
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<td>1</td>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.org" rel="noopener noreferrer">"#),
            "{html}"
        );
        assert!(html.contains(r##"href="#fn-1""##), "{html}");
        assert!(html.contains(r#"class="footnotes""#), "{html}");
    }

    #[test]
    fn raw_html_and_script_urls_never_survive() {
        let html = render_markdown(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        let html = html.as_str();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }

    #[test]
    fn the_summary_is_the_first_paragraph_as_plain_text() {
        let md =
            "# Heading\n\nFirst *para*graph with `code`\nand a [link](https://x.org).\n\nSecond.";
        assert_eq!(
            derive_summary(md, 200),
            "First paragraph with code and a link."
        );
    }

    #[test]
    fn long_summaries_are_cut_at_a_word() {
        let md = "one two three four five six seven eight nine ten";
        assert_eq!(derive_summary(md, 20), "one two three four…");
    }
}
