//! Where the blog may send requests: never to this machine, a private
//! network or any other range of the IANA special-purpose address
//! registries, unless `federation.allow_insecure_local` says so for
//! testing. Literal addresses are checked before a request; names are
//! checked after DNS resolution by [`GuardedResolver`], at the moment of
//! connecting, so a name that later points elsewhere (DNS rebinding) is
//! refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use url::{Host, Url};

/// IPv4 ranges never requested: the IANA IPv4 Special-Purpose Address
/// Registry (globally reachable anycast services included: no fediverse
/// server lives there) and multicast.
const DENIED_V4: &[(&str, &str)] = &[
    (
        "0.0.0.0/8",
        "\"this network\" (0.x reaches loopback on Linux)",
    ),
    ("10.0.0.0/8", "private use"),
    ("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local (cloud metadata services)"),
    ("172.16.0.0/12", "private use"),
    (
        "192.0.0.0/24",
        "IETF protocol assignments (DS-Lite, PCP, TURN, NAT64 discovery)",
    ),
    ("192.0.2.0/24", "documentation (TEST-NET-1)"),
    ("192.31.196.0/24", "AS112-v4"),
    ("192.52.193.0/24", "AMT"),
    ("192.88.99.0/24", "deprecated 6to4 relay anycast"),
    ("192.168.0.0/16", "private use"),
    ("192.175.48.0/24", "direct delegation AS112 service"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("255.255.255.255/32", "limited broadcast"),
];

/// IPv6 ranges never requested: the IANA IPv6 Special-Purpose Address
/// Registry, the prefixes that embed or tunnel to IPv4 (so no IPv4 range
/// above is reached through them), and the non-global unicast and
/// multicast blocks.
const DENIED_V6: &[(&str, &str)] = &[
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "IPv4-compatible (deprecated)"),
    ("::ffff:0:0/96", "IPv4-mapped"),
    ("::ffff:0:0:0/96", "IPv4-translated (SIIT)"),
    ("64:ff9b::/96", "NAT64 well-known prefix"),
    ("64:ff9b:1::/48", "NAT64 local-use prefix"),
    ("100::/64", "discard-only"),
    ("100:0:0:1::/64", "dummy prefix"),
    (
        "2001::/23",
        "IETF protocol assignments (benchmarking, AMT, AS112, ORCHID, DET)",
    ),
    ("2001::/32", "Teredo"),
    ("2001:db8::/32", "documentation"),
    ("2002::/16", "6to4"),
    ("2620:4f:8000::/48", "direct delegation AS112 service"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "segment routing (SRv6) SIDs"),
    ("fc00::/7", "unique local"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local (deprecated)"),
    ("ff00::/8", "multicast"),
];

fn parsed<N: std::str::FromStr>(table: &'static [(&'static str, &'static str)]) -> Vec<N> {
    table
        .iter()
        .filter_map(|(net, _)| net.parse().ok())
        .collect()
}

fn denied_v4() -> &'static [Ipv4Net] {
    static NETS: std::sync::OnceLock<Vec<Ipv4Net>> = std::sync::OnceLock::new();
    NETS.get_or_init(|| parsed(DENIED_V4))
}

fn denied_v6() -> &'static [Ipv6Net] {
    static NETS: std::sync::OnceLock<Vec<Ipv6Net>> = std::sync::OnceLock::new();
    NETS.get_or_init(|| parsed(DENIED_V6))
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    denied_v4().iter().any(|net| net.contains(&ip))
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    denied_v6().iter().any(|net| net.contains(&ip))
}

/// Whether `ip` is on this machine or a private, shared, special-purpose
/// or reserved network.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

/// The denied networks with what each is, for the documentation and tests.
pub fn denied_networks() -> Vec<(IpNet, &'static str)> {
    DENIED_V4
        .iter()
        .chain(DENIED_V6)
        .filter_map(|(net, what)| Some((net.parse().ok()?, *what)))
        .collect()
}

/// Refuses URLs the blog must not request: plain http, explicit ports other
/// than 443, and addresses on local or private networks.
pub fn check_url(url: &Url, allow_insecure_local: bool) -> Result<(), String> {
    if allow_insecure_local {
        return Ok(());
    }
    if url.scheme() != "https" {
        return Err(format!("refusing {url}: only https is allowed"));
    }
    if url.port().is_some_and(|p| p != 443) {
        return Err(format!("refusing {url}: explicit ports are not allowed"));
    }
    match url.host() {
        Some(Host::Ipv4(ip)) if forbidden_v4(ip) => {
            Err(format!("refusing {url}: private or local address"))
        }
        Some(Host::Ipv6(ip)) if forbidden_v6(ip) => {
            Err(format!("refusing {url}: private or local address"))
        }
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            if name.eq_ignore_ascii_case("localhost")
                || name.to_ascii_lowercase().ends_with(".localhost")
            {
                Err(format!("refusing {url}: local address"))
            } else {
                Ok(())
            }
        }
        Some(_) => Ok(()),
        None => Err(format!("refusing {url}: no host")),
    }
}

/// Resolves `url`'s host and refuses it when any of its addresses is
/// denied (for ids the blog checks before fetching anything).
pub async fn check_resolved(url: &Url) -> Result<(), String> {
    check_url(url, false)?;
    let host = match url.host() {
        Some(Host::Domain(name)) => name.trim_end_matches('.').to_owned(),
        Some(_) => return Ok(()),
        None => return Err(format!("refusing {url}: no host")),
    };
    let addrs = tokio::net::lookup_host((host.as_str(), 443))
        .await
        .map_err(|err| format!("cannot resolve {host}: {err}"))?;
    for addr in addrs {
        if is_forbidden_ip(addr.ip().to_canonical()) {
            return Err(format!(
                "refusing {url}: {host} resolves to {}, a private or local address",
                addr.ip()
            ));
        }
    }
    Ok(())
}

/// The HTTP client's DNS resolver: every address a name resolves to must
/// be allowed, checked when the connection is made.
pub struct GuardedResolver {
    pub check: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().trim_end_matches('.').to_owned();
        let check = self.check;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if check
                && let Some(bad) = addrs
                    .iter()
                    .map(|a| a.ip().to_canonical())
                    .find(|ip| is_forbidden_ip(*ip))
            {
                let err: Box<dyn std::error::Error + Send + Sync> =
                    format!("refusing {host}: it resolves to {bad}, a private or local address")
                        .into();
                return Err(err);
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> bool {
        check_url(&Url::parse(url).expect("URL"), false).is_err()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    /// One address inside each denied range, with the range it stands for.
    const INSIDE: &[(&str, &str)] = &[
        ("0.0.0.0/8", "0.1.2.3"),
        ("10.0.0.0/8", "10.1.2.3"),
        ("100.64.0.0/10", "100.127.255.254"),
        ("127.0.0.0/8", "127.9.9.9"),
        ("169.254.0.0/16", "169.254.169.254"),
        ("172.16.0.0/12", "172.31.0.1"),
        ("192.0.0.0/24", "192.0.0.170"),
        ("192.0.2.0/24", "192.0.2.1"),
        ("192.31.196.0/24", "192.31.196.1"),
        ("192.52.193.0/24", "192.52.193.1"),
        ("192.88.99.0/24", "192.88.99.1"),
        ("192.168.0.0/16", "192.168.1.1"),
        ("192.175.48.0/24", "192.175.48.6"),
        ("198.18.0.0/15", "198.19.0.1"),
        ("198.51.100.0/24", "198.51.100.7"),
        ("203.0.113.0/24", "203.0.113.9"),
        ("224.0.0.0/4", "239.255.255.250"),
        ("240.0.0.0/4", "250.1.2.3"),
        ("255.255.255.255/32", "255.255.255.255"),
        ("::/128", "::"),
        ("::1/128", "::1"),
        ("::/96", "::7f00:1"),
        ("::ffff:0:0/96", "::ffff:10.0.0.1"),
        ("::ffff:0:0:0/96", "::ffff:0:a00:1"),
        ("64:ff9b::/96", "64:ff9b::7f00:1"),
        ("64:ff9b:1::/48", "64:ff9b:1::a00:1"),
        ("100::/64", "100::1"),
        ("100:0:0:1::/64", "100:0:0:1::1"),
        ("2001::/23", "2001:2::1"),
        ("2001::/32", "2001:0:4136:e378:8000:63bf:3fff:fdd2"),
        ("2001:db8::/32", "2001:db8::1"),
        ("2002::/16", "2002:7f00:1::1"),
        ("2620:4f:8000::/48", "2620:4f:8000::1"),
        ("3fff::/20", "3fff:fff::1"),
        ("5f00::/16", "5f00::1"),
        ("fc00::/7", "fd12:3456::1"),
        ("fe80::/10", "fe80::1"),
        ("fec0::/10", "fec0::1"),
        ("ff00::/8", "ff02::1"),
    ];

    #[test]
    fn every_denied_range_refuses_an_address_inside_it() {
        let tables: Vec<&str> = DENIED_V4
            .iter()
            .chain(DENIED_V6)
            .map(|(net, _)| *net)
            .collect();
        assert_eq!(denied_networks().len(), tables.len(), "every range parses");
        for net in &tables {
            assert!(
                INSIDE.iter().any(|(n, _)| n == net),
                "{net} has no test address"
            );
        }
        for (net, inside) in INSIDE {
            let address = ip(inside);
            let parsed: IpNet = net.parse().expect("network");
            assert!(parsed.contains(&address), "{inside} is not in {net}");
            assert!(is_forbidden_ip(address), "{inside} ({net}) must be refused");
            let url = match address {
                IpAddr::V4(v4) => format!("https://{v4}/inbox"),
                IpAddr::V6(v6) => format!("https://[{v6}]/inbox"),
            };
            assert!(refused(&url), "{url} must be refused");
        }
    }

    #[test]
    fn public_addresses_next_to_denied_ranges_are_allowed() {
        for public in [
            "1.1.1.1",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "172.32.0.0",
            "192.0.3.1",
            "192.169.0.1",
            "198.20.0.1",
            "93.184.216.34",
            "223.255.255.255",
            "2606:4700::1111",
            "2a01:4f8::1",
            "2001:200::1",
            "2001:4860:4860::8888",
            "64:ff9c::1",
            "2003::1",
        ] {
            assert!(!is_forbidden_ip(ip(public)), "{public} should be allowed");
        }
    }

    #[test]
    fn local_names_plain_http_and_odd_ports_are_refused() {
        for url in [
            "https://localhost/inbox",
            "https://LOCALHOST./inbox",
            "https://db.localhost/inbox",
            "http://social.example/inbox",
            "https://social.example:8443/inbox",
            "https://[::ffff:127.0.0.1]/inbox",
        ] {
            assert!(refused(url), "{url} should be refused");
        }
        for url in [
            "https://social.example/inbox",
            "https://social.example:443/inbox",
            "https://93.184.216.34/inbox",
            "https://[2606:4700::1]/inbox",
        ] {
            assert!(!refused(url), "{url} should be allowed");
        }
        assert!(check_url(&Url::parse("http://127.0.0.1:8080/").expect("URL"), true).is_ok());
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_that_resolve_to_local_addresses() {
        use reqwest::dns::Resolve;
        let name = |s: &str| s.parse::<reqwest::dns::Name>().expect("name");
        let guarded = GuardedResolver { check: true };
        assert!(guarded.resolve(name("localhost")).await.is_err());
        let open = GuardedResolver { check: false };
        assert!(open.resolve(name("localhost")).await.is_ok());
    }
}
