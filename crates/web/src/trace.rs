//! Every request runs in a span: a request id (taken from a well-formed `x-request-id` sent by a proxy, else
//! new, and always returned in the response's `x-request-id`), the method, the route pattern (never the
//! path itself, which may carry a customer number) and, once authenticated, the actor's id. Nothing else:
//! no names, no query strings, no bodies. A log line from a handler, a use case or the error mapping then
//! says which request and whose it was.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The header carrying the request id both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// An id a proxy sent, if it is short and plain (anything else could forge log lines).
fn sent_id(req: &Request) -> Option<String> {
    let v = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let ok = (1..=64).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    ok.then(|| v.to_owned())
}

/// Middleware: runs the rest of the request inside its span and returns the id.
pub async fn request_span(req: Request, next: Next) -> Response {
    let id = sent_id(&req).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        route = %route,
        actor = tracing::field::Empty,
    );
    let mut resp = next.run(req).instrument(span).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    resp
}

/// Records the authenticated actor's id (an opaque UUID, never a name) on the current request's span.
pub fn record_actor(id: uuid::Uuid) {
    tracing::Span::current().record("actor", tracing::field::display(id));
}
