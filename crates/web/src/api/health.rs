//! Liveness, readiness, Prometheus metrics and request tracking.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::IdempotencyKey;
use axum::extract::FromRequestParts;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use banyan_app::idempotency as idem;

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
pub async fn metrics(State(s): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    // Off unless a token is configured; the token is compared in constant time.
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::as_bytes);
    let allowed = match (&s.metrics_token, given) {
        (Some(want), Some(got)) => banyan_app::crypto::constant_time_eq(want, got),
        _ => false,
    };
    if !allowed {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
            .into_response();
    }
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

/// Makes a creating POST idempotent (`banyan_app::idempotency`): with an `Idempotency-Key`, the handler runs
/// with the request's claim, and the use case stores the key and its answer in the write's own transaction.
/// A retry (same staff member, method, path and body) gets the stored answer; a request that failed because
/// a concurrent one with the same key won (it conflicted on the key, or on what that one wrote) also answers
/// with the winner's answer once it is stored. Never a second write, never a different answer.
pub async fn idempotent(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let key = match IdempotencyKey::from_request_parts(&mut parts, &s).await {
        Ok(IdempotencyKey(Some(key))) => Ok(key),
        Ok(IdempotencyKey(None)) => return next.run(Request::from_parts(parts, body)).await,
        Err(e) => Err(e),
    };
    let token = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let Some(actor) = (match token {
        Some(t) => {
            let Ok(crate::extract::ClientAddr(source)) =
                crate::extract::ClientAddr::from_request_parts(&mut parts, &s).await;
            banyan_app::access::authenticate(&s.app, &t, &source)
                .await
                .ok()
        }
        None => None,
    }) else {
        // The handler answers 401: who asks is judged before what the request carries.
        return next.run(Request::from_parts(parts, body)).await;
    };
    let key = match key {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    // The route's own limit, enforced while the body streams in: only an import may be large.
    let limit = if parts.uri.path().ends_with("/import") {
        s.import_limit
    } else {
        s.body_limit
    };
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
    let claim = idem::Claim::new(&actor, &key, &hash);
    let answered_here = match idem::lookup(&s.app, &claim).await {
        Err(e) => Some(refused(e)),
        Ok(Some(stored)) => Some(replay(stored)),
        Ok(None) => None,
    };
    if let Some(r) = answered_here {
        // Answered without the handler: a service account's call is audited here instead.
        let (source, route) = crate::extract::call_of(&mut parts, &s).await;
        let call = banyan_app::access::Call {
            source: &source,
            method: parts.method.as_str(),
            route: &route,
        };
        if let Err(e) = banyan_app::access::service::record_call(&s.app, &actor, call).await {
            return ApiError::from(e).into_response();
        }
        return r;
    }
    let req = Request::from_parts(parts, axum::body::Body::from(bytes));
    let resp = idem::with_claim(claim, next.run(req)).await;
    if resp.status().is_success() {
        return resp;
    }
    // Lost to a concurrent request with the same key? Then its answer is this request's answer too.
    match idem::lookup(&s.app, &idem::Claim::new(&actor, &key, &hash)).await {
        Ok(Some(stored)) => replay(stored),
        Err(
            e @ banyan_app::AppError::Conflict {
                code: "idempotency_in_progress",
                ..
            },
        ) => refused(e),
        _ => resp,
    }
}

/// A refused key: reused with another request, or still being worked on (then with `Retry-After`).
fn refused(e: banyan_app::AppError) -> Response {
    let in_progress = matches!(&e, banyan_app::AppError::Conflict { code, .. } if *code == "idempotency_in_progress");
    let mut r = ApiError::from(e).into_response();
    if in_progress {
        r.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(idem::RETRY_AFTER_SECONDS),
        );
    }
    r
}

/// The first answer, as it was given, marked as replayed.
fn replay(stored: idem::Stored) -> Response {
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
    r
}
