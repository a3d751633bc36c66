//! Rate limits on the inbox: per client address and per sending server, so
//! no one address or server can flood the blog.

use std::{
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
};

use axum::{extract::ConnectInfo, http::request::Parts};
use governor::{
    DefaultKeyedRateLimiter, Quota,
    clock::{Clock, DefaultClock},
};

use super::error::FedError;

pub struct InboxLimits {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_host: DefaultKeyedRateLimiter<String>,
    /// Made once: creating a clock reads the CPU's timer features.
    clock: DefaultClock,
}

impl InboxLimits {
    /// `per_minute` requests from each address and from each server, with
    /// bursts of the same size.
    pub fn new(per_minute: u32) -> InboxLimits {
        let rate = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(rate).allow_burst(rate);
        InboxLimits {
            by_address: DefaultKeyedRateLimiter::keyed(quota),
            by_host: DefaultKeyedRateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one request from the client behind `parts`, sent by `actor`.
    pub fn check(&self, parts: &Parts, actor: &str) -> Result<(), FedError> {
        let clock = &self.clock;
        let wait = |not_until: governor::NotUntil<_>| {
            FedError::too_many(not_until.wait_time_from(clock.now()).as_secs().max(1))
        };
        if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            self.by_address.check_key(&peer.ip()).map_err(wait)?;
        }
        if let Some(host) = crate::services::blocks::domain_of(actor) {
            self.by_host.check_key(&host).map_err(wait)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::{extract::ConnectInfo, http::Request};

    use super::InboxLimits;

    fn parts(from: Option<&str>) -> axum::http::request::Parts {
        let mut request = Request::new(());
        if let Some(addr) = from {
            let addr: SocketAddr = addr.parse().expect("address");
            request.extensions_mut().insert(ConnectInfo(addr));
        }
        request.into_parts().0
    }

    #[test]
    fn one_server_is_limited_whatever_addresses_it_uses() {
        let limits = InboxLimits::new(3);
        for n in 1..=3 {
            let from = format!("192.0.2.{n}:443");
            assert!(
                limits
                    .check(&parts(Some(&from)), "https://busy.example/users/a")
                    .is_ok()
            );
        }
        let refused = limits
            .check(
                &parts(Some("192.0.2.9:443")),
                "https://busy.example/users/b",
            )
            .expect_err("fourth request from the same server");
        assert_eq!(refused.status, axum::http::StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.retry_after.is_some_and(|s| s >= 1));
        assert!(
            limits
                .check(
                    &parts(Some("192.0.2.9:443")),
                    "https://quiet.example/users/c"
                )
                .is_ok()
        );
    }

    #[test]
    fn one_address_is_limited_whatever_servers_it_claims() {
        let limits = InboxLimits::new(3);
        for n in 1..=3 {
            let actor = format!("https://host{n}.example/users/a");
            assert!(
                limits
                    .check(&parts(Some("198.51.100.7:5000")), &actor)
                    .is_ok()
            );
        }
        assert!(
            limits
                .check(
                    &parts(Some("198.51.100.7:5000")),
                    "https://host9.example/users/a"
                )
                .is_err()
        );
    }
}
