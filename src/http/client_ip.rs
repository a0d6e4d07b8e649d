use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::{extract::ConnectInfo, http::Request};

/// The client address: the socket peer, or the right-most `X-Forwarded-For` entry (the one our own
/// proxy appended) when the proxy is trusted. The left-most entries are client-controlled. An
/// IPv4-mapped IPv6 address (`::ffff:203.0.113.5`, as a dual-stack socket reports IPv4 peers) is
/// the IPv4 address it maps.
pub fn client_ip<B>(request: &Request<B>, trust_forwarded_for: bool) -> Option<IpAddr> {
    peer_or_forwarded(request, trust_forwarded_for).map(|ip| ip.to_canonical())
}

/// The key a client's rate-limit bucket is kept under: an IPv4 address as it is, an IPv6 address
/// by its /64 prefix, since one subscriber is usually handed a whole /64 and could otherwise take
/// a fresh bucket for every request.
pub fn rate_limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !u128::from(u64::MAX);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

fn peer_or_forwarded<B>(request: &Request<B>, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for {
        // Only the very last entry counts: skipping an unreadable one would hand the choice to
        // the client, who wrote everything before it.
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|entry| entry.trim().parse::<IpAddr>().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// The client address as an extractor (for audit events).
pub struct ClientIp(pub Option<IpAddr>);

impl axum::extract::FromRequestParts<crate::state::AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::state::AppState,
    ) -> Result<Self, Self::Rejection> {
        let request = Request::from_parts(parts.clone(), ());
        Ok(Self(client_ip(&request, state.config.trust_forwarded_for)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(forwarded: &[&str]) -> Request<()> {
        let mut builder = Request::builder();
        for value in forwarded {
            builder = builder.header("x-forwarded-for", *value);
        }
        let mut request = builder.body(()).unwrap_or_default();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
        request
    }

    #[test]
    fn the_right_most_entry_is_the_client_when_trusted() {
        let peer = "10.0.0.1";
        for (headers, trusted, expected) in [
            (&[][..], true, peer),
            (&["203.0.113.1"][..], false, peer),
            (&["203.0.113.1"][..], true, "203.0.113.1"),
            (&["198.51.100.7, 203.0.113.1"][..], true, "203.0.113.1"),
            (&["198.51.100.7", "203.0.113.1"][..], true, "203.0.113.1"),
            (&["203.0.113.1 , 2001:db8::1 "][..], true, "2001:db8::1"),
            (&["198.51.100.7, garbage"][..], true, peer),
            (&["198.51.100.7, "][..], true, peer),
            (&["::ffff:203.0.113.5"][..], true, "203.0.113.5"),
        ] {
            let ip = client_ip(&request(headers), trusted).map(|ip| ip.to_string());
            assert_eq!(
                ip.as_deref(),
                Some(expected),
                "{headers:?} trusted={trusted}"
            );
        }
    }

    #[test]
    fn ipv6_clients_share_a_key_per_64_and_mapped_addresses_are_ipv4() {
        let key = |raw: &str| rate_limit_key(raw.parse().unwrap_or(IpAddr::from([0, 0, 0, 0])));
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff:1:2:3"));
        assert_eq!(key("2001:db8:1:2::7").to_string(), "2001:db8:1:2::");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:203.0.113.5"), key("203.0.113.5"));
        assert_eq!(key("203.0.113.5").to_string(), "203.0.113.5");
        assert_ne!(key("203.0.113.5"), key("203.0.113.6"));
    }
}
