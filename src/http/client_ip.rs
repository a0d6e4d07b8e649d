use std::net::{IpAddr, SocketAddr};

use axum::{extract::ConnectInfo, http::Request};

/// The client address: the socket peer, or the right-most `X-Forwarded-For` entry (the one our own
/// proxy appended) when the proxy is trusted. The left-most entries are client-controlled.
pub fn client_ip<B>(request: &Request<B>, trust_forwarded_for: bool) -> Option<IpAddr> {
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
        ] {
            let ip = client_ip(&request(headers), trusted).map(|ip| ip.to_string());
            assert_eq!(
                ip.as_deref(),
                Some(expected),
                "{headers:?} trusted={trusted}"
            );
        }
    }
}
