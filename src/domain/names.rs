use std::fmt;

/// Why a value was refused, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

fn invalid(message: impl Into<String>) -> ValidationError {
    ValidationError(message.into())
}

/// A BCP 47 language tag (`en`, `fr-CA`, `pt-BR`): what a post is
/// written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language(String);

impl Language {
    /// Longer tags exist in theory; no language needs one.
    pub const MAX_LEN: usize = 35;

    pub fn parse(raw: &str) -> Result<Language, ValidationError> {
        let raw = raw.trim();
        let refused = || {
            invalid(format!(
                "\"{raw}\" is not a language tag such as en, fr or pt-BR"
            ))
        };
        if raw.len() > Self::MAX_LEN {
            return Err(refused());
        }
        let tag = language_tags::LanguageTag::parse(raw).map_err(|_| refused())?;
        Ok(Language(tag.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A local account name or the blog's handle: 1 to 32 lowercase letters, digits or `_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, ValidationError> {
        let name = raw.trim();
        if name.is_empty() || name.len() > 32 {
            return Err(invalid("a username has 1 to 32 characters"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(invalid(
                "a username may only use lowercase letters a-z, digits and _",
            ));
        }
        Ok(Username(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that meets the minimum length; never printed.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 1024;

    pub fn parse(raw: String) -> Result<Password, ValidationError> {
        let count = raw.chars().count();
        if count < Self::MIN_CHARS {
            return Err(invalid(format!(
                "the password is too short: use at least {} characters",
                Self::MIN_CHARS
            )));
        }
        if count > Self::MAX_CHARS {
            return Err(invalid(format!(
                "the password is too long: use at most {} characters",
                Self::MAX_CHARS
            )));
        }
        Ok(Password(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

/// The last part of a post's or tag's URL: lowercase ASCII letters, digits and single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 80;

    /// Accepts a slug typed by the author.
    pub fn parse(raw: &str) -> Result<Slug, ValidationError> {
        let slug = raw.trim();
        if slug.is_empty() || slug.len() > Self::MAX_LEN {
            return Err(invalid(format!(
                "a slug has 1 to {} characters",
                Self::MAX_LEN
            )));
        }
        let allowed = slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !allowed || slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
            return Err(invalid(
                "a slug may only use lowercase letters a-z, digits and single hyphens between them",
            ));
        }
        Ok(Slug(slug.to_owned()))
    }

    /// Derives a slug from free text ("Customer Service" -> `customer-service`).
    /// Falls back to `fallback` when the text has no usable letters.
    pub fn derive(text: &str, fallback: &str) -> Slug {
        let mut slug = slug::slugify(text);
        if slug.len() > Self::MAX_LEN {
            let cut = slug[..Self::MAX_LEN].rfind('-').unwrap_or(Self::MAX_LEN);
            slug.truncate(cut);
        }
        let slug = slug.trim_matches('-').to_owned();
        if slug.is_empty() {
            Slug(fallback.to_owned())
        } else {
            Slug(slug)
        }
    }

    /// This slug with `-n` appended, still within the length limit.
    pub fn with_suffix(&self, n: u32) -> Slug {
        let suffix = format!("-{n}");
        let keep = Self::MAX_LEN - suffix.len();
        let base = if self.0.len() > keep {
            self.0[..keep].trim_end_matches('-')
        } else {
            &self.0
        };
        Slug(format!("{base}{suffix}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tag as the author wrote it, with the slug its page lives under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagName {
    pub name: String,
    pub slug: Slug,
}

/// Splits "rust, Fediverse ,rust" into distinct tags, keeping the first spelling.
pub fn parse_tags(raw: &str) -> Result<Vec<TagName>, ValidationError> {
    let mut tags: Vec<TagName> = Vec::new();
    for part in raw.split(',') {
        let name = part.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            continue;
        }
        if name.chars().count() > 64 {
            return Err(invalid("a tag has at most 64 characters"));
        }
        let slug = Slug::derive(&name, "");
        if slug.as_str().is_empty() {
            return Err(invalid(format!(
                "the tag \"{name}\" needs at least one letter or digit"
            )));
        }
        if !tags.iter().any(|t| t.slug == slug) {
            tags.push(TagName { name, slug });
        }
    }
    if tags.len() > 20 {
        return Err(invalid("a post has at most 20 tags"));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_read_as_bcp_47() {
        assert_eq!(Language::parse(" fr-CA ").map(|l| l.0), Ok("fr-CA".into()));
        assert_eq!(Language::parse("en").map(|l| l.0), Ok("en".into()));
        for bad in ["", "english please", "e", "en_GB", &"x".repeat(40)] {
            assert!(Language::parse(bad).is_err(), "{bad} was taken");
        }
    }

    #[test]
    fn a_title_becomes_a_lowercase_hyphenated_slug() {
        assert_eq!(
            Slug::derive("Customer Service", "post").as_str(),
            "customer-service"
        );
        assert_eq!(
            Slug::derive("Ça va? Très bien!", "post").as_str(),
            "ca-va-tres-bien"
        );
        assert_eq!(Slug::derive("!!!", "post").as_str(), "post");
    }

    #[test]
    fn typed_slugs_with_spaces_or_capitals_are_refused() {
        assert!(Slug::parse("Customer Service").is_err());
        assert!(Slug::parse("-lead").is_err());
        assert!(Slug::parse("a--b").is_err());
        assert!(Slug::parse("fine-slug-2").is_ok());
    }

    #[test]
    fn suffixes_keep_slugs_within_the_length_limit() {
        let long = Slug::derive(&"word ".repeat(40), "post");
        assert!(long.as_str().len() <= Slug::MAX_LEN);
        let suffixed = long.with_suffix(12);
        assert!(suffixed.as_str().len() <= Slug::MAX_LEN);
        assert!(suffixed.as_str().ends_with("-12"));
    }

    #[test]
    fn tags_are_split_trimmed_and_deduplicated() {
        let tags = parse_tags(" Rust, fediverse ,rust,, Open  Source").expect("valid tags");
        let names: Vec<_> = tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Rust", "fediverse", "Open Source"]);
        assert_eq!(tags[2].slug.as_str(), "open-source");
    }

    #[test]
    fn short_passwords_are_refused_with_the_minimum_named() {
        let err = Password::parse("short".into()).expect_err("too short");
        assert!(err.0.contains("at least 10"));
    }
}
