//! Reading a WordPress export (WXR: RSS 2.0 with `wp:`, `content:`,
//! `excerpt:` and `dc:` elements) into plain records, each with the line it
//! starts on. Nothing here interprets the content; a file that is not
//! well-formed XML, or not a WordPress export, is refused with the line.

use std::collections::HashMap;

use quick_xml::{
    Reader, XmlVersion,
    escape::resolve_predefined_entity,
    events::{BytesRef, BytesStart, Event},
};

/// Where something is in the file, for messages: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Why the file cannot be read, and where.
#[derive(Debug, thiserror::Error)]
#[error("{}:{}: {message}", .position.line, .position.column)]
pub struct ParseError {
    pub position: Position,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Export {
    pub site_title: String,
    /// `wp:base_blog_url`, or the channel's `link`: the old address of the blog.
    pub site_url: String,
    /// Author login to display name.
    pub authors: HashMap<String, String>,
    pub items: Vec<RawItem>,
}

#[derive(Debug, Default)]
pub struct RawItem {
    pub line: usize,
    pub title: String,
    pub link: String,
    pub guid: String,
    pub creator: String,
    pub content: String,
    pub excerpt: String,
    pub post_id: Option<i64>,
    pub post_date: String,
    pub post_date_gmt: String,
    pub post_modified_gmt: String,
    pub post_name: String,
    pub status: String,
    pub post_type: String,
    pub categories: Vec<RawCategory>,
    pub comments: Vec<RawComment>,
}

#[derive(Debug, Default)]
pub struct RawCategory {
    /// `category` or `post_tag`.
    pub domain: String,
    pub nicename: String,
    pub name: String,
}

#[derive(Debug, Default)]
pub struct RawComment {
    pub line: usize,
    pub id: i64,
    pub parent: i64,
    pub author: String,
    pub author_url: String,
    pub date: String,
    pub date_gmt: String,
    pub content: String,
    /// `1`, `0`, `spam` or `trash`.
    pub approved: String,
    /// Empty or `comment` for comments; `pingback`, `trackback`, ...
    pub kind: String,
}

/// Converts a byte offset into a line and column.
pub fn position_of(source: &str, offset: usize) -> Position {
    let offset = offset.min(source.len());
    let before = source.as_bytes().get(..offset).unwrap_or_default();
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    Position { line, column }
}

/// What the parser is filling in at the moment.
#[derive(Default)]
struct State {
    /// Open elements with the offset where each started.
    open: Vec<(String, usize)>,
    text: String,
    wxr_version: bool,
    base_blog_url: String,
    channel_link: String,
    author: Option<(String, String)>,
    item: Option<RawItem>,
    comment: Option<RawComment>,
    category: Option<RawCategory>,
}

pub fn parse(source: &str) -> Result<Export, ParseError> {
    let mut reader = Reader::from_str(source);
    reader.config_mut().check_end_names = true;
    let mut state = State::default();
    let mut export = Export::default();
    loop {
        let offset = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|err| ParseError {
            position: position_of(source, reader.error_position() as usize),
            message: format!("this is not well-formed XML: {err}"),
        })?;
        let fail = |message: String| ParseError {
            position: position_of(source, offset),
            message,
        };
        match event {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                if state.open.is_empty() && name != "rss" {
                    return Err(fail(not_wxr(&format!("it starts with <{name}>"))));
                }
                begin(&mut state, &name, &start, position_of(source, offset).line);
                state.open.push((name, offset));
                state.text.clear();
            }
            Event::Empty(start) => {
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                begin(&mut state, &name, &start, position_of(source, offset).line);
                state.text.clear();
                end(&mut state, &mut export, &name).map_err(fail)?;
            }
            Event::End(_) => {
                let (name, _) = state.open.pop().unwrap_or_default();
                end(&mut state, &mut export, &name).map_err(fail)?;
                state.text.clear();
            }
            Event::Text(text) => {
                let text = text
                    .xml10_content()
                    .map_err(|err| fail(format!("the text is not UTF-8: {err}")))?;
                state.text.push_str(&text);
            }
            Event::CData(data) => {
                let text = data
                    .xml10_content()
                    .map_err(|err| fail(format!("the text is not UTF-8: {err}")))?;
                state.text.push_str(&text);
            }
            Event::GeneralRef(reference) => {
                push_reference(&mut state.text, &reference).map_err(fail)?
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some((name, offset)) = state.open.last() {
        return Err(ParseError {
            position: position_of(source, source.len()),
            message: format!(
                "the file ends inside <{name}>, opened on line {}: it looks cut short",
                position_of(source, *offset).line
            ),
        });
    }
    if !state.wxr_version {
        return Err(ParseError {
            position: position_of(source, 0),
            message: not_wxr("it has no <wp:wxr_version> in its <channel>"),
        });
    }
    export.site_url = if state.base_blog_url.is_empty() {
        state.channel_link
    } else {
        state.base_blog_url
    };
    Ok(export)
}

fn not_wxr(why: &str) -> String {
    format!(
        "this is not a WordPress export (WXR): {why}; export one under Tools > Export in WordPress"
    )
}

fn push_reference(text: &mut String, reference: &BytesRef<'_>) -> Result<(), String> {
    if reference.is_char_ref() {
        match reference.resolve_char_ref() {
            Ok(Some(c)) => text.push(c),
            _ => return Err("a character reference (&#...;) is not a valid character".into()),
        }
        return Ok(());
    }
    let name = reference
        .decode()
        .map_err(|err| format!("an entity name is not UTF-8: {err}"))?;
    match resolve_predefined_entity(&name) {
        Some(value) => text.push_str(value),
        // An HTML entity such as &nbsp; that XML does not define: keep it for
        // the HTML stage, which knows it.
        None => {
            text.push('&');
            text.push_str(&name);
            text.push(';');
        }
    }
    Ok(())
}

fn attribute(start: &BytesStart<'_>, key: &str) -> String {
    start
        .try_get_attribute(key)
        .ok()
        .flatten()
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
        .unwrap_or_default()
}

fn begin(state: &mut State, name: &str, start: &BytesStart<'_>, line: usize) {
    match name {
        "item" => {
            state.item = Some(RawItem {
                line,
                ..RawItem::default()
            });
        }
        "wp:comment" if state.item.is_some() => {
            state.comment = Some(RawComment {
                line,
                ..RawComment::default()
            });
        }
        "category" if state.item.is_some() => {
            state.category = Some(RawCategory {
                domain: attribute(start, "domain"),
                nicename: attribute(start, "nicename"),
                name: String::new(),
            });
        }
        "wp:author" if state.item.is_none() => state.author = Some(Default::default()),
        _ => {}
    }
}

fn number(text: &str, what: &str) -> Result<i64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    text.parse()
        .map_err(|_| format!("<{what}> should be a number, not \"{text}\""))
}

/// Stores the text of the element that just ended where it belongs.
fn end(state: &mut State, export: &mut Export, name: &str) -> Result<(), String> {
    let text = std::mem::take(&mut state.text);
    let in_channel = state.open.last().is_some_and(|(n, _)| n == "channel");
    if let Some(comment) = state.comment.as_mut() {
        match name {
            "wp:comment_id" => comment.id = number(&text, name)?,
            "wp:comment_parent" => comment.parent = number(&text, name)?,
            "wp:comment_author" => comment.author = text,
            "wp:comment_author_url" => comment.author_url = text,
            "wp:comment_date" => comment.date = text,
            "wp:comment_date_gmt" => comment.date_gmt = text,
            "wp:comment_content" => comment.content = text,
            "wp:comment_approved" => comment.approved = text.trim().to_owned(),
            "wp:comment_type" => comment.kind = text.trim().to_owned(),
            "wp:comment" => {
                if let (Some(item), Some(done)) = (state.item.as_mut(), state.comment.take()) {
                    item.comments.push(done);
                }
            }
            _ => {}
        }
        return Ok(());
    }
    if let Some(category) = state.category.as_mut()
        && name == "category"
    {
        category.name = text;
        if let (Some(item), Some(done)) = (state.item.as_mut(), state.category.take()) {
            item.categories.push(done);
        }
        return Ok(());
    }
    if let Some(item) = state.item.as_mut() {
        match name {
            "title" => item.title = text,
            "link" => item.link = text.trim().to_owned(),
            "guid" => item.guid = text.trim().to_owned(),
            "dc:creator" => item.creator = text.trim().to_owned(),
            "content:encoded" => item.content = text,
            "excerpt:encoded" => item.excerpt = text,
            "wp:post_id" => item.post_id = Some(number(&text, name)?),
            "wp:post_date" => item.post_date = text.trim().to_owned(),
            "wp:post_date_gmt" => item.post_date_gmt = text.trim().to_owned(),
            "wp:post_modified_gmt" => item.post_modified_gmt = text.trim().to_owned(),
            "wp:post_name" => item.post_name = text.trim().to_owned(),
            "wp:status" => item.status = text.trim().to_owned(),
            "wp:post_type" => item.post_type = text.trim().to_owned(),
            "item" => {
                if let Some(done) = state.item.take() {
                    export.items.push(done);
                }
            }
            _ => {}
        }
        return Ok(());
    }
    if let Some((login, display)) = state.author.as_mut() {
        match name {
            "wp:author_login" => *login = text.trim().to_owned(),
            "wp:author_display_name" => *display = text.trim().to_owned(),
            "wp:author" => {
                if let Some((login, display)) = state.author.take() {
                    export.authors.insert(login, display);
                }
            }
            _ => {}
        }
        return Ok(());
    }
    match name {
        "wp:wxr_version" => state.wxr_version = true,
        "wp:base_blog_url" => state.base_blog_url = text.trim().to_owned(),
        "link" if in_channel => state.channel_link = text.trim().to_owned(),
        "title" if in_channel => export.site_title = text.trim().to_owned(),
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<title>Old &amp; Gold</title>
<link>https://old.example</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_login><![CDATA[ann]]></wp:author_login><wp:author_display_name><![CDATA[Ann Example]]></wp:author_display_name></wp:author>
"#;

    #[test]
    fn items_comments_and_authors_are_read() {
        let xml = format!(
            "{HEAD}<item><title>Caf&#233; &amp; more</title><dc:creator><![CDATA[ann]]></dc:creator>\
             <category domain=\"post_tag\" nicename=\"tea\"><![CDATA[Tea]]></category>\
             <wp:post_id>7</wp:post_id><wp:comment><wp:comment_id>3</wp:comment_id>\
             <wp:comment_content><![CDATA[Hi <b>there</b>]]></wp:comment_content></wp:comment></item></channel></rss>"
        );
        let export = parse(&xml).expect("parses");
        assert_eq!(export.site_title, "Old & Gold");
        assert_eq!(export.site_url, "https://old.example");
        assert_eq!(export.authors["ann"], "Ann Example");
        let item = &export.items[0];
        assert_eq!(item.title, "Café & more");
        assert_eq!(item.post_id, Some(7));
        assert_eq!(item.line, 8);
        assert_eq!(item.categories[0].nicename, "tea");
        assert_eq!(item.comments[0].content, "Hi <b>there</b>");
    }

    #[test]
    fn a_file_cut_short_names_the_open_element_and_the_last_line() {
        let xml = format!("{HEAD}<item>\n<title>Half");
        let err = parse(&xml).expect_err("cut short");
        assert_eq!(err.position.line, 9);
        assert!(err.message.contains("<title>"), "{err}");
    }

    #[test]
    fn a_mismatched_end_tag_names_its_line() {
        let xml = format!("{HEAD}<item>\n<title>Bad</titel>\n</item></channel></rss>");
        let err = parse(&xml).expect_err("mismatched");
        assert_eq!(err.position.line, 9, "{err}");
        assert!(err.message.contains("titel"), "{err}");
    }

    #[test]
    fn rss_without_wordpress_elements_is_refused() {
        let err = parse("<rss><channel><title>x</title></channel></rss>").expect_err("not WXR");
        assert!(err.message.contains("not a WordPress export"), "{err}");
        let err = parse("<html><body/></html>").expect_err("not WXR");
        assert!(err.message.contains("<html>"), "{err}");
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let source = "ab\nçd\nef";
        assert_eq!(position_of(source, 0), Position { line: 1, column: 1 });
        assert_eq!(position_of(source, 6), Position { line: 2, column: 3 });
    }
}
