//! Liveness, readiness, Prometheus metrics and request tracking.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and the schema is current.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, description = "ready"), (status = 503, description = "not ready")))]
pub async fn readyz(State(s): State<AppState>) -> Response {
    match s.app.schema_version().await {
        Ok(v) if v > 0 => (StatusCode::OK, format!("ready (schema {v})")).into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database not ready").into_response(),
    }
}

/// Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "health", responses((status = 200, description = "metrics")))]
pub async fn metrics(State(s): State<AppState>) -> Response {
    match &s.metrics {
        Some(h) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4",
            )],
            h.render(),
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder not installed",
        )
            .into_response(),
    }
}

pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

/// Counts requests and their latency by route template (never by concrete path: ids are not labels).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().as_str().to_owned();
    let start = std::time::Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("banyan_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("banyan_http_request_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    resp
}

/// The answer to a handler panic.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let msg = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    tracing::error!(panic = msg, "handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "an internal error occurred; it has been logged",
    )
    .into_response()
}

/// Makes a creating POST idempotent: with an `Idempotency-Key`, the first successful answer is stored and a
/// retry (same staff member, same method, path and body) gets it back instead of acting twice.
pub async fn idempotent(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return next.run(req).await;
    };
    let token = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let Some(actor) = (match token {
        Some(t) => banyan_app::access::authenticate(&s.app, &t).await.ok(),
        None => None,
    }) else {
        return next.run(req).await; // the handler answers 401
    };
    let (parts, body) = req.into_parts();
    let limit = s.import_limit.max(s.body_limit);
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body must be at most {limit} bytes"),
        )
        .into_response();
    };
    let mut material = format!("{} {}\n", parts.method, parts.uri.path()).into_bytes();
    material.extend_from_slice(&bytes);
    let hash = banyan_app::crypto::sha256_hex(&material);
    match banyan_app::idempotency::lookup(&s.app, &actor, &key, &hash).await {
        Err(e) => return ApiError::from(e).into_response(),
        Ok(Some(stored)) => {
            let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
            let mut r = (status, stored.body).into_response();
            r.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            );
            r.headers_mut().insert(
                "idempotent-replayed",
                axum::http::HeaderValue::from_static("true"),
            );
            return r;
        }
        Ok(None) => {}
    }
    let resp = next
        .run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await;
    if !resp.status().is_success() {
        return resp;
    }
    let (rparts, rbody) = resp.into_parts();
    let Ok(out) = axum::body::to_bytes(rbody, usize::MAX).await else {
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; it has been logged",
        )
        .into_response();
    };
    let text = String::from_utf8_lossy(&out).into_owned();
    if let Err(e) =
        banyan_app::idempotency::remember(&s.app, &actor, &key, &hash, rparts.status.as_u16(), text)
            .await
    {
        tracing::warn!(error = %e, "could not store an idempotent answer");
    }
    Response::from_parts(rparts, axum::body::Body::from(out))
}
