//! Names of stored images. A name carries everything a reader of the post
//! needs to know about the picture (`{id}-{width}x{height}.{jpg|png}`), so
//! pages and Articles describe images without asking the database.

use std::fmt;

/// A stored image's file name, checked to be one the blog made (never a
/// path: no dots but the extension's, no slashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaName {
    id: String,
    pub width: u32,
    pub height: u32,
    pub format: ImageFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
}

impl ImageFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
        }
    }
}

impl MediaName {
    /// A new name for an image of this size and format.
    pub fn new(width: u32, height: u32, format: ImageFormat) -> MediaName {
        MediaName {
            id: uuid::Uuid::new_v4().simple().to_string(),
            width,
            height,
            format,
        }
    }

    pub fn parse(name: &str) -> Option<MediaName> {
        let (stem, extension) = name.rsplit_once('.')?;
        let format = match extension {
            "jpg" => ImageFormat::Jpeg,
            "png" => ImageFormat::Png,
            _ => return None,
        };
        let (id, size) = stem.split_once('-')?;
        let (width, height) = size.split_once('x')?;
        let valid_id = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
        let number = |text: &str| {
            (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
                .then(|| text.parse::<u32>().ok())
                .flatten()
        };
        Some(MediaName {
            id: valid_id.then(|| id.to_owned())?,
            width: number(width)?,
            height: number(height)?,
            format,
        })
    }

    /// The name, if `url` points at an image stored by this blog, whose
    /// address (`public_url`) is `base`: `/media/NAME` or `{base}/media/NAME`.
    pub fn from_url(url: &str, base: &str) -> Option<MediaName> {
        let path = url.strip_prefix(base.trim_end_matches('/')).unwrap_or(url);
        MediaName::parse(path.strip_prefix("/media/")?)
    }
}

impl fmt::Display for MediaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}x{}.{}",
            self.id,
            self.width,
            self.height,
            self.format.extension()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_nothing_else_parses() {
        let name = MediaName::new(640, 480, ImageFormat::Png);
        let text = name.to_string();
        assert_eq!(MediaName::parse(&text), Some(name.clone()));
        assert_eq!(
            MediaName::from_url(&format!("https://b.org/media/{text}"), "https://b.org/"),
            Some(name.clone())
        );
        assert_eq!(
            MediaName::from_url(&format!("/media/{text}"), "https://b.org"),
            Some(name)
        );
        for bad in [
            "../../etc/passwd",
            "0123456789abcdef0123456789abcdef-1x1.gif",
            "0123456789abcdef0123456789abcdef-1x.png",
            "0123456789abcdef0123456789abcdeg-1x1.png",
            "0123456789abcdef0123456789abcdef-+1x1.png",
            "a/b-1x1.png",
        ] {
            assert_eq!(MediaName::parse(bad), None, "{bad}");
        }
        assert_eq!(
            MediaName::from_url("https://elsewhere.org/media/x.png", "https://b.org"),
            None
        );
    }
}
