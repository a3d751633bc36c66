//! Where the blog may send requests: never to this machine or a private
//! network, unless `federation.allow_insecure_local` says so for testing.
//! Names are checked again after DNS resolution by the client's resolver.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        // Carrier-grade NAT, 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // Benchmarking, 198.18.0.0/15, and reserved, 240.0.0.0/4.
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, documentation 2001:db8::/32.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
}

/// Whether `ip` is on this machine or a private, shared or reserved network.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
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
        Some(Host::Domain(name))
            if name.eq_ignore_ascii_case("localhost") || name.ends_with(".localhost") =>
        {
            Err(format!("refusing {url}: local address"))
        }
        Some(_) => Ok(()),
        None => Err(format!("refusing {url}: no host")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> bool {
        check_url(&Url::parse(url).expect("URL"), false).is_err()
    }

    #[test]
    fn local_private_and_reserved_addresses_are_refused() {
        for url in [
            "https://127.0.0.1/inbox",
            "https://10.1.2.3/inbox",
            "https://172.16.0.1/inbox",
            "https://192.168.1.1/inbox",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/inbox",
            "https://0.0.0.0/inbox",
            "https://240.0.0.1/inbox",
            "https://[::1]/inbox",
            "https://[fd00::1]/inbox",
            "https://[fe80::1]/inbox",
            "https://[::ffff:127.0.0.1]/inbox",
            "https://localhost/inbox",
            "http://social.example/inbox",
            "https://social.example:8443/inbox",
        ] {
            assert!(refused(url), "{url} should be refused");
        }
    }

    #[test]
    fn public_https_addresses_are_allowed() {
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
}
