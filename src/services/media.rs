//! Uploaded images: checked, decoded within limits, turned upright, scaled
//! down, and encoded afresh (which leaves camera data such as GPS
//! positions behind), then stored under the media folder.

use std::{
    io::Cursor,
    path::{Path, PathBuf},
};

use anyhow::Context;
use chrono::Utc;
use image::{DynamicImage, ImageDecoder, ImageReader, codecs::jpeg::JpegEncoder};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};

use crate::{
    config::Config,
    domain::{ImageFormat, MediaName},
    entities::media,
};

/// Mastodon's limit for image descriptions.
pub const ALT_CHARS: usize = 1500;
/// Pictures wider or taller than this are refused before decoding.
const MAX_SOURCE_SIDE: u32 = 16_384;
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
const JPEG_QUALITY: u8 = 85;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("Choose an image to upload.")]
    Empty,
    #[error("The image is larger than {0} MiB. Make it smaller and try again.")]
    TooLarge(u64),
    #[error("Only JPEG, PNG, GIF and WebP images can be uploaded.")]
    NotAnImage,
    #[error("Describe the image for people who cannot see it (alt text).")]
    MissingAlt,
    #[error("Keep the description under {ALT_CHARS} characters.")]
    AltTooLong,
    #[error("The image could not be read: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The form field the editor and the library send an image in.
pub const IMAGE_FIELD: &str = "image";

/// What became of the image sent with a form.
pub enum Taken {
    /// No image was sent.
    Nothing,
    Stored(MediaView),
    /// A mistake the author can fix, as a message for the image fields.
    Refused(crate::services::posts::FieldErrors),
}

/// Stores the image sent with a form, if one was; a mistake the author can
/// fix (no description, not an image, too large) comes back as a message for
/// the field it concerns.
pub async fn take(
    db: &DatabaseConnection,
    config: &Config,
    uploader: i32,
    image: Option<Vec<u8>>,
    alt: &str,
) -> anyhow::Result<Taken> {
    use crate::services::posts::FieldErrors;
    let Some(bytes) = image else {
        return Ok(Taken::Nothing);
    };
    match store(db, config, Some(uploader), bytes, Some(alt)).await {
        Ok(view) => Ok(Taken::Stored(view)),
        Err(MediaError::Other(err)) => Err(err),
        Err(err @ (MediaError::MissingAlt | MediaError::AltTooLong)) => Ok(Taken::Refused(
            FieldErrors::one("image_alt", err.to_string()),
        )),
        Err(err) => Ok(Taken::Refused(FieldErrors::one(
            IMAGE_FIELD,
            err.to_string(),
        ))),
    }
}

/// An image as pages and the editor show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MediaView {
    pub file_name: String,
    pub url: String,
    pub media_type: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    pub alt_text: String,
    /// What to paste into a post.
    pub markdown: String,
    pub created_at: chrono::DateTime<Utc>,
}

impl MediaView {
    fn from_model(config: &Config, m: media::Model) -> MediaView {
        let url = crate::urls::Urls::new(config).absolute(&format!("/media/{}", m.file_name));
        MediaView {
            markdown: image_markdown(&m.alt_text, &url),
            url,
            file_name: m.file_name,
            media_type: m.media_type,
            width: m.width,
            height: m.height,
            bytes: m.bytes,
            alt_text: m.alt_text,
            created_at: m.created_at,
        }
    }
}

/// `![alt](url)`, with the brackets Markdown would misread escaped.
pub fn image_markdown(alt: &str, url: &str) -> String {
    let alt = alt
        .replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace(['\n', '\r'], " ");
    format!("![{alt}]({url})")
}

/// Checks the description: required, and short enough for Mastodon.
pub fn check_alt(alt: &str) -> Result<String, MediaError> {
    let alt = alt.split_whitespace().collect::<Vec<_>>().join(" ");
    if alt.is_empty() {
        return Err(MediaError::MissingAlt);
    }
    if alt.chars().count() > ALT_CHARS {
        return Err(MediaError::AltTooLong);
    }
    Ok(alt)
}

/// Stores an uploaded image and records it. The description is required,
/// except from an app's media endpoint (`None`): the app sends it with the
/// post that shows the image.
pub async fn store(
    db: &DatabaseConnection,
    config: &Config,
    uploader: Option<i32>,
    bytes: Vec<u8>,
    alt: Option<&str>,
) -> Result<MediaView, MediaError> {
    let alt = match alt {
        Some(alt) => check_alt(alt)?,
        None => String::new(),
    };
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    let max_mib = config.media.max_upload_mib;
    if bytes.len() as u64 > max_mib * 1024 * 1024 {
        return Err(MediaError::TooLarge(max_mib));
    }
    let max_side = config.media.max_dimension;
    let (name, encoded) = tokio::task::spawn_blocking(move || reencode(&bytes, max_side))
        .await
        .context("image processing stopped")??;
    let dir = config.media_dir();
    write_file(&dir, &name.to_string(), &encoded).await?;
    let saved = media::ActiveModel {
        file_name: Set(name.to_string()),
        media_type: Set(name.format.media_type().to_owned()),
        width: Set(name.width as i32),
        height: Set(name.height as i32),
        bytes: Set(encoded.len() as i64),
        alt_text: Set(alt),
        uploaded_by: Set(uploader),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await;
    match saved {
        Ok(saved) => Ok(MediaView::from_model(config, saved)),
        Err(err) => {
            // No row, no file: nothing would ever clean it up.
            let _ = tokio::fs::remove_file(dir.join(name.to_string())).await;
            Err(anyhow::Error::new(err)
                .context("failed to record an uploaded image")
                .into())
        }
    }
}

/// Decodes within limits, applies the camera's orientation, scales down to
/// `max_side`, and encodes anew: PNG when the picture has transparency,
/// JPEG otherwise. Only the first frame of an animation is kept.
fn reencode(bytes: &[u8], max_side: u32) -> Result<(MediaName, Vec<u8>), MediaError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|err| MediaError::Unreadable(err.to_string()))?;
    match reader.format() {
        Some(
            image::ImageFormat::Jpeg
            | image::ImageFormat::Png
            | image::ImageFormat::Gif
            | image::ImageFormat::WebP,
        ) => {}
        _ => return Err(MediaError::NotAnImage),
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_SIDE);
    limits.max_image_height = Some(MAX_SOURCE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|err| MediaError::Unreadable(err.to_string()))?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder)
        .map_err(|err| MediaError::Unreadable(err.to_string()))?;
    picture.apply_orientation(orientation);
    if picture.width() > max_side || picture.height() > max_side {
        picture = picture.resize(max_side, max_side, image::imageops::FilterType::Lanczos3);
    }
    let transparent = picture.color().has_alpha() && has_transparent_pixel(&picture);
    let format = if transparent {
        ImageFormat::Png
    } else {
        ImageFormat::Jpeg
    };
    let mut out = Vec::new();
    match format {
        ImageFormat::Png => picture
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .context("failed to encode PNG")?,
        ImageFormat::Jpeg => {
            let rgb = DynamicImage::ImageRgb8(picture.to_rgb8());
            JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
                .encode_image(&rgb)
                .context("failed to encode JPEG")?;
        }
    }
    Ok((
        MediaName::new(picture.width(), picture.height(), format),
        out,
    ))
}

fn has_transparent_pixel(picture: &DynamicImage) -> bool {
    picture.to_rgba8().pixels().any(|p| p.0[3] < 255)
}

/// Writes beside the target, then renames: a reader never sees half a file.
async fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    tokio::fs::create_dir_all(dir)
        .await
        .with_context(|| format!("failed to create the media folder {}", dir.display()))?;
    let partial: PathBuf = dir.join(format!(".{name}.partial"));
    tokio::fs::write(&partial, bytes)
        .await
        .with_context(|| format!("failed to write {}", partial.display()))?;
    tokio::fs::rename(&partial, dir.join(name))
        .await
        .with_context(|| format!("failed to move {name} into place"))?;
    Ok(())
}

/// The uploaded images, newest first: every one, or those `uploader` sent.
pub async fn list(
    db: &DatabaseConnection,
    config: &Config,
    uploader: Option<i32>,
) -> anyhow::Result<Vec<MediaView>> {
    let mut query = media::Entity::find();
    if let Some(uploader) = uploader {
        query = query.filter(media::Column::UploadedBy.eq(uploader));
    }
    Ok(query
        .order_by_desc(media::Column::CreatedAt)
        .order_by_desc(media::Column::Id)
        .all(db)
        .await
        .context("failed to list images")?
        .into_iter()
        .map(|m| MediaView::from_model(config, m))
        .collect())
}

/// Where an image named by a request lives, if it is one of ours.
pub fn path_of(config: &Config, name: &str) -> Option<(PathBuf, MediaName)> {
    let parsed = MediaName::parse(name)?;
    Some((config.media_dir().join(parsed.to_string()), parsed))
}
