//! Every address the blog hands out (pages, feeds, images, ActivityPub
//! ids), built in one place from `public_url`.

use url::Url;

use crate::{
    config::Config,
    domain::{HostName, same_authority},
};

/// The path of a post's page (and ActivityPub id).
pub fn post_path(slug: &str) -> String {
    format!("/posts/{slug}")
}

#[derive(Clone, Debug)]
pub struct Urls {
    base: String,
    username: String,
    /// The public host, normalised, and its port when not the default.
    host: Option<HostName>,
    port: Option<u16>,
}

impl Urls {
    pub fn new(config: &Config) -> Urls {
        Urls {
            base: config.public_url.as_str().trim_end_matches('/').to_owned(),
            username: config.blog.username.clone(),
            host: HostName::of_url(&config.public_url),
            port: config.public_url.port(),
        }
    }

    /// Whether `url` is on this blog: same host (normalised) and port.
    pub fn is_ours(&self, url: &Url) -> bool {
        self.host
            .as_ref()
            .is_some_and(|host| same_authority(url, host, self.port))
    }

    /// Whether a `Host` header (`name` or `name:port`) names this blog.
    pub fn is_our_host(&self, header: &str) -> bool {
        let header = header.trim();
        let plain = header.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_')
        });
        if !plain || header.is_empty() {
            return false;
        }
        let scheme = self.base.split(':').next().unwrap_or("https");
        Url::parse(&format!("{scheme}://{header}/")).is_ok_and(|url| self.is_ours(&url))
    }

    /// Why other servers cannot reach the blog at `public_url` yet, if they
    /// cannot: not https, a port in the address (handles have none), or a
    /// name or address that only this machine or network knows.
    pub fn unreachable_because(&self) -> Option<&'static str> {
        if !self.base.starts_with("https://") {
            return Some("it is not an https:// address");
        }
        if self.port.is_some() {
            return Some("it names a port; fediverse handles have none, so serve it on 443");
        }
        let host = self.host.as_ref()?.as_str();
        if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
            return Some("it is an IP address; other servers need a domain name");
        }
        let local = [
            "localhost",
            "local",
            "test",
            "internal",
            "lan",
            "home.arpa",
            "example",
        ];
        let private = local
            .iter()
            .any(|tld| host == *tld || host.ends_with(&format!(".{tld}")));
        if private || !host.contains('.') {
            return Some("its name is known only on this machine or network");
        }
        None
    }

    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A stored image.
    pub fn media(&self, name: &crate::domain::MediaName) -> String {
        self.absolute(&format!("/media/{name}"))
    }

    /// The blog's own image named by `url` (absolute or `/media/...`), if it is one.
    pub fn own_media(&self, url: &str) -> Option<crate::domain::MediaName> {
        crate::domain::MediaName::from_url(url, &self.base)
    }

    /// The blog's host name, as pages on it name their domain.
    pub fn domain(&self) -> Option<&str> {
        self.host.as_ref().map(HostName::as_str)
    }

    pub fn home(&self) -> String {
        self.absolute("/")
    }

    pub fn actor(&self) -> String {
        self.absolute(&format!("/users/{}", self.username))
    }

    pub fn actor_url(&self) -> Url {
        Url::parse(&self.actor()).expect("public_url was checked to be a valid URL")
    }

    /// An author's own account (`/users/NAME`), beside the blog's.
    pub fn author(&self, username: &str) -> String {
        self.absolute(&format!("/users/{username}"))
    }

    pub fn author_followers(&self, username: &str) -> String {
        format!("{}/followers", self.author(username))
    }

    /// An author's page of posts, for people.
    pub fn author_page(&self, username: &str) -> String {
        self.absolute(&format!("/authors/{username}"))
    }

    /// The author whose account `url` is, if it is one of ours and not the
    /// blog's.
    pub fn author_name<'a>(&self, url: &'a str) -> Option<&'a str> {
        let name = url.strip_prefix(&self.absolute("/users/"))?;
        (!name.is_empty() && !name.contains(['/', '#', '?']) && name != self.username)
            .then_some(name)
    }

    pub fn key_id(&self) -> String {
        format!("{}#main-key", self.actor())
    }

    pub fn inbox(&self) -> String {
        format!("{}/inbox", self.actor())
    }

    pub fn shared_inbox(&self) -> String {
        self.absolute("/inbox")
    }

    pub fn outbox(&self) -> String {
        format!("{}/outbox", self.actor())
    }

    pub fn followers(&self) -> String {
        format!("{}/followers", self.actor())
    }

    pub fn following(&self) -> String {
        format!("{}/following", self.actor())
    }

    pub fn post(&self, slug: &str) -> String {
        self.absolute(&post_path(slug))
    }

    /// The slug of one of our post URLs, if `url` is one.
    pub fn post_slug<'a>(&self, url: &'a str) -> Option<&'a str> {
        let prefix = format!("{}/posts/", self.base);
        let rest = url.strip_prefix(&prefix)?;
        let slug = rest.trim_end_matches('/');
        (!slug.is_empty() && !slug.contains(['/', '?', '#'])).then_some(slug)
    }

    /// A post's direct replies (`replies`).
    pub fn post_replies(&self, slug: &str) -> String {
        format!("{}/replies", self.post(slug))
    }

    /// The whole conversation under a post (FEP-7888 `context`).
    pub fn conversation(&self, slug: &str) -> String {
        format!("{}/context", self.post(slug))
    }

    pub fn comment(&self, uuid: &str) -> String {
        self.absolute(&format!("/comments/{uuid}"))
    }

    /// A comment's direct replies (`replies`).
    pub fn comment_replies(&self, uuid: &str) -> String {
        format!("{}/replies", self.comment(uuid))
    }

    /// An authorisation to quote one of the blog's posts (FEP-044f).
    pub fn quote_authorization(&self, uuid: &str) -> String {
        self.absolute(&format!("/quote-authorizations/{uuid}"))
    }

    pub fn tag(&self, slug: &str) -> String {
        self.absolute(&format!("/tags/{slug}"))
    }

    pub fn activity(&self, uuid: &str) -> String {
        self.absolute(&format!("/activities/{uuid}"))
    }

    /// The uuid of one of our activity URLs, if `url` is one.
    pub fn activity_uuid<'a>(&self, url: &'a str) -> Option<&'a str> {
        let prefix = format!("{}/activities/", self.base);
        let uuid = url.strip_prefix(&prefix)?;
        (!uuid.is_empty() && !uuid.contains(['/', '?', '#'])).then_some(uuid)
    }
}

#[cfg(test)]
mod tests {
    use super::Urls;
    use crate::config::Config;

    fn at(public_url: &str) -> Option<&'static str> {
        let config = Config {
            public_url: public_url.parse().expect("URL"),
            ..Config::default()
        };
        Urls::new(&config).unreachable_because()
    }

    #[test]
    fn only_a_public_https_name_without_a_port_is_reachable() {
        assert_eq!(at("https://blog.example.org"), None);
        assert_eq!(at("https://words.librarian.net/"), None);
        assert!(at("http://blog.example.org").is_some());
        assert!(at("http://localhost:8080").is_some());
        assert!(at("https://localhost").is_some());
        assert!(at("https://blog.example.org:8443").is_some());
        assert!(at("https://192.0.2.7").is_some());
        assert!(at("https://nas.local").is_some());
        assert!(at("https://intranet").is_some());
    }
}
