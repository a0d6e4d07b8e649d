use std::net::{IpAddr, SocketAddr};

use axum::{extract::ConnectInfo, http::Request};

/// The client address: the socket peer, or the right-most `X-Forwarded-For` entry (the one our own
/// proxy appended) when the proxy is trusted. The left-most entries are client-controlled.
pub fn client_ip<B>(request: &Request<B>, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
            .next_back();
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

impl axum::extract::FromRequestParts<crate::app::AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::app::AppState,
    ) -> Result<Self, Self::Rejection> {
        let request = Request::from_parts(parts.clone(), ());
        Ok(Self(client_ip(&request, state.config.trust_forwarded_for)))
    }
}
