//! `blog export FILE.zip`: every post as Markdown with TOML front matter
//! (`posts/SLUG.md`, the format static site generators such as Hugo read)
//! and every reply, with its author and thread, as `comments.json`, and
//! the uploaded images as `media/NAME`, where the posts' image addresses
//! (`/media/NAME`) point.

use std::{io::Write, path::Path};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use zip::{CompressionMethod, ZipWriter, write::SimpleFileOptions};

use super::{comments, posts};

#[derive(Serialize)]
struct FrontMatter<'a> {
    title: &'a str,
    slug: &'a str,
    status: posts::PostStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<DateTime<Utc>>,
    lastmod: DateTime<Utc>,
    author: &'a str,
    summary: &'a str,
    tags: Vec<&'a str>,
}

/// What went into the archive.
pub struct Summary {
    pub posts: usize,
    pub comments: usize,
    pub images: usize,
}

/// Writes the archive to `file`, which must not exist yet.
pub async fn write_zip(
    db: &DatabaseConnection,
    file: &Path,
    media_dir: &Path,
) -> anyhow::Result<Summary> {
    let posts = posts::all_for_admin(db).await?;
    let comments = comments::all(db).await?;
    let out = crate::files::create_private(file)
        .with_context(|| format!("cannot create {} (it must not exist yet)", file.display()))?;
    let mut zip = ZipWriter::new(out);
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for post in &posts {
        let front = FrontMatter {
            title: &post.title,
            slug: &post.slug,
            status: post.status,
            date: post.published_at,
            lastmod: post.updated_at,
            author: &post.author,
            summary: &post.summary,
            tags: post.tags.iter().map(|t| t.name.as_str()).collect(),
        };
        let toml = toml::to_string(&front).context("cannot write front matter")?;
        zip.start_file(format!("posts/{}.md", post.slug), options)?;
        write!(zip, "+++\n{toml}+++\n\n{}\n", post.markdown.trim_end())?;
    }
    zip.start_file("comments.json", options)?;
    serde_json::to_writer_pretty(&mut zip, &comments).context("cannot write comments")?;
    let images = add_images(&mut zip, media_dir)?;
    zip.finish().context("cannot finish the archive")?;
    Ok(Summary {
        images,
        posts: posts.len(),
        comments: comments.len(),
    })
}

/// Copies the stored images (already compressed, so stored as they are).
fn add_images(zip: &mut ZipWriter<std::fs::File>, media_dir: &Path) -> anyhow::Result<usize> {
    let entries = match std::fs::read_dir(media_dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => {
            return Err(err).with_context(|| format!("cannot read {}", media_dir.display()));
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| crate::domain::MediaName::parse(name).is_some())
        .collect();
    names.sort();
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for name in &names {
        let path = media_dir.join(name);
        let mut image = std::fs::File::open(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        zip.start_file(format!("media/{name}"), options)?;
        std::io::copy(&mut image, zip).with_context(|| format!("cannot copy {name}"))?;
    }
    Ok(names.len())
}
