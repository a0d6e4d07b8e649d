//! HTTP request metrics labelled by route template (never the raw path, so cardinality is bounded).

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};
use metrics::{counter, histogram};

use super::request_id;

/// Runs after routing (as a route layer) and notes the matched template for [`layer`] and the
/// request log.
pub async fn remember_route(request: Request, next: Next) -> Response {
    if let Some(template) = request.extensions().get::<MatchedPath>() {
        request_id::record_route(template.clone());
    }
    next.run(request).await
}

pub async fn layer(request: Request, next: Next) -> Response {
    let start = Instant::now();
    // Only the methods the API knows: a client sending `FOO` must not mint a new series.
    let method = match *request.method() {
        axum::http::Method::GET => "GET",
        axum::http::Method::POST => "POST",
        axum::http::Method::PUT => "PUT",
        axum::http::Method::PATCH => "PATCH",
        axum::http::Method::DELETE => "DELETE",
        axum::http::Method::HEAD => "HEAD",
        axum::http::Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    };
    let response = next.run(request).await;
    let route = request_id::current_route()
        .map_or_else(|| "unmatched".to_owned(), |r| r.as_str().to_owned());
    let status = response.status().as_u16().to_string();
    histogram!("http_request_duration_seconds", "method" => method, "route" => route.clone())
        .record(start.elapsed().as_secs_f64());
    counter!("http_requests_total", "method" => method, "route" => route, "status" => status)
        .increment(1);
    response
}
