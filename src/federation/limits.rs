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
        }
    }

    /// Counts one request from the client behind `parts`, sent by `actor`.
    pub fn check(&self, parts: &Parts, actor: &str) -> Result<(), FedError> {
        let clock = DefaultClock::default();
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
