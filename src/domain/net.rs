//! Addresses from outside: a URL that can only be an absolute http(s) URL,
//! and a host name in the one form every comparison uses.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::{Host, Url};

use super::ValidationError;

/// An absolute `http://` or `https://` URL with a host: the only kind of
/// address taken from remote content (actors, replies, attachments, tags,
/// icons) and the only kind templates link. `javascript:`, `data:` and
/// every other scheme are refused where the value enters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpUrl(Url);

impl HttpUrl {
    /// Longest address kept; no real link is longer.
    pub const MAX_LEN: usize = 2048;

    pub fn parse(raw: &str) -> Result<HttpUrl, ValidationError> {
        let raw = raw.trim();
        if raw.len() > Self::MAX_LEN {
            return Err(ValidationError("the address is too long".into()));
        }
        let url = Url::parse(raw)
            .map_err(|err| ValidationError(format!("{raw} is not an address: {err}")))?;
        HttpUrl::from_url(url)
    }

    pub fn from_url(url: Url) -> Result<HttpUrl, ValidationError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ValidationError(format!(
                "only http and https addresses are taken, not {}:",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(ValidationError("the address has no host".into()));
        }
        Ok(HttpUrl(url))
    }

    /// `parse`, for values that are dropped when they are not http(s).
    pub fn parse_opt(raw: &str) -> Option<HttpUrl> {
        HttpUrl::parse(raw).ok()
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn as_url(&self) -> &Url {
        &self.0
    }

    pub fn into_url(self) -> Url {
        self.0
    }

    /// The host, normalised.
    pub fn host(&self) -> Option<HostName> {
        HostName::of_url(&self.0)
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl From<HttpUrl> for String {
    fn from(url: HttpUrl) -> String {
        url.0.into()
    }
}

impl Serialize for HttpUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for HttpUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        HttpUrl::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A host name as every comparison sees it: lowercase, without the
/// trailing dot of a fully qualified name, internationalised names in
/// their ASCII (punycode) form, IPv6 literals in brackets. `Evil.Example.`,
/// `evil.example` and `EVIL.example` are one host; `bücher.example` and
/// `xn--bcher-kva.example` are one host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostName(String);

impl HostName {
    pub fn parse(raw: &str) -> Result<HostName, ValidationError> {
        let trimmed = raw.trim();
        let bare = trimmed.strip_suffix('.').unwrap_or(trimmed);
        let refuse = || ValidationError(format!("{trimmed} is not a server name"));
        if bare.is_empty() || bare.len() > 253 || bare.ends_with('.') {
            return Err(refuse());
        }
        let host = Host::parse(bare).map_err(|_| refuse())?;
        let text = match host {
            Host::Domain(name) => {
                if name.is_empty()
                    || name.split('.').any(str::is_empty)
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
                {
                    return Err(refuse());
                }
                name.to_ascii_lowercase()
            }
            Host::Ipv4(ip) => ip.to_string(),
            Host::Ipv6(ip) => format!("[{ip}]"),
        };
        Ok(HostName(text))
    }

    /// The normalised host of a URL (without its port).
    pub fn of_url(url: &Url) -> Option<HostName> {
        HostName::parse(url.host_str()?).ok()
    }

    /// The normalised host of a URL given as text.
    pub fn of(raw_url: &str) -> Option<HostName> {
        HostName::of_url(&Url::parse(raw_url).ok()?)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Itself and every parent domain: `a.b.example`, `b.example`, `example`.
    /// An IP address has no parents.
    pub fn with_parents(&self) -> Vec<String> {
        if self.0.starts_with('[') || self.0.parse::<std::net::Ipv4Addr>().is_ok() {
            return vec![self.0.clone()];
        }
        std::iter::once(self.0.clone())
            .chain(
                self.0
                    .match_indices('.')
                    .map(|(at, _)| self.0[at + 1..].to_owned()),
            )
            .collect()
    }

    /// Whether this is `other` or a subdomain of it.
    pub fn is_within(&self, other: &HostName) -> bool {
        self.0 == other.0
            || (self.0.len() > other.0.len()
                && self.0.ends_with(&other.0)
                && self.0.as_bytes()[self.0.len() - other.0.len() - 1] == b'.'
                && !self.0.starts_with('['))
    }
}

impl fmt::Display for HostName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for HostName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Whether `url` is on `host` with `port` (`None`: the scheme's default),
/// comparing normalised names: the test for "this is one of ours".
pub fn same_authority(url: &Url, host: &HostName, port: Option<u16>) -> bool {
    HostName::of_url(url).is_some_and(|h| h == *host) && url.port() == port
}

/// `host` or `host:port` of a URL, the host normalised: what a `Host`
/// header and a handle's server part say.
pub fn authority(url: &Url) -> Option<String> {
    let host = HostName::of_url(url)?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// Whether two URLs are on the same server: normalised host and port.
pub fn same_server(a: &Url, b: &Url) -> bool {
    match (HostName::of_url(a), HostName::of_url(b)) {
        (Some(x), Some(y)) => x == y && a.port_or_known_default() == b.port_or_known_default(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_and_https_urls_are_taken() {
        for good in [
            "https://social.example/@alice",
            "http://social.example/notes/1",
            "HTTPS://Social.Example/x",
            " https://social.example/ ",
        ] {
            assert!(HttpUrl::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(document.cookie)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "ftp://files.example/x",
            "//social.example/x",
            "/relative/path",
            "mailto:a@example.org",
            "http://",
        ] {
            assert!(HttpUrl::parse(bad).is_err(), "{bad} should be refused");
        }
        assert!(HttpUrl::parse(&format!("https://x.example/{}", "a".repeat(3000))).is_err());
    }

    #[test]
    fn urls_deserialize_only_when_http() {
        let good: Result<HttpUrl, _> = serde_json::from_str("\"https://a.example/\"");
        assert!(good.is_ok());
        let bad: Result<HttpUrl, _> = serde_json::from_str("\"javascript:alert(1)\"");
        assert!(bad.is_err());
    }

    #[test]
    fn host_names_are_lowercase_without_trailing_dot_in_ascii() {
        let host = |s: &str| HostName::parse(s).expect(s).to_string();
        assert_eq!(host("Evil.Example."), "evil.example");
        assert_eq!(host("evil.example"), "evil.example");
        assert_eq!(host(" EVIL.EXAMPLE "), "evil.example");
        assert_eq!(host("bücher.example"), "xn--bcher-kva.example");
        assert_eq!(host("BÜCHER.example."), "xn--bcher-kva.example");
        assert_eq!(host("xn--bcher-kva.example"), "xn--bcher-kva.example");
        assert_eq!(host("127.0.0.1"), "127.0.0.1");
        assert_eq!(host("[::1]"), "[::1]");
        for bad in [
            "",
            ".",
            "..",
            "a..b",
            "a b.example",
            "evil.example..",
            "x/y",
            "a@b",
        ] {
            assert!(HostName::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(
            HostName::of("https://Evil.Example.:443/users/a").map(|h| h.to_string()),
            Some("evil.example".into())
        );
    }

    #[test]
    fn same_server_compares_normalised_hosts_and_ports() {
        let url = |s: &str| Url::parse(s).expect(s);
        assert!(same_server(
            &url("https://Social.Example./users/a"),
            &url("https://social.example:443/notes/1")
        ));
        assert!(!same_server(
            &url("https://social.example/users/a"),
            &url("https://social.example:8443/notes/1")
        ));
        assert!(!same_server(
            &url("https://social.example/users/a"),
            &url("https://evil.example/notes/1")
        ));
        assert!(!same_server(
            &url("https://a.example/"),
            &url("javascript:alert(1)")
        ));
    }

    #[test]
    fn parents_and_subdomains() {
        let host = HostName::parse("a.b.example").expect("host");
        assert_eq!(host.with_parents(), ["a.b.example", "b.example", "example"]);
        let parent = HostName::parse("b.example").expect("host");
        assert!(host.is_within(&parent));
        assert!(!parent.is_within(&host));
        let lookalike = HostName::parse("ab.example").expect("host");
        assert!(!lookalike.is_within(&parent));
        assert_eq!(
            HostName::parse("10.0.0.1").expect("ip").with_parents(),
            ["10.0.0.1"]
        );
    }
}
