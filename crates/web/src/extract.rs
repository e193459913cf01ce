//! Request extractors: the authenticated actor, JSON bodies with field-naming errors, If-Match versions.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use banyan_app::access::Actor;
use serde::de::DeserializeOwned;

/// The signed-in staff member (from `Authorization: Bearer <token>`).
#[derive(Debug, Clone)]
pub struct Auth {
    pub actor: Actor,
    pub token: String,
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_owned())
            .ok_or_else(|| ApiError::from(banyan_app::AppError::Unauthenticated))?;
        let (source, route) = call_of(parts, state).await;
        let call = banyan_app::access::Call {
            source: &source,
            method: parts.method.as_str(),
            route: &route,
        };
        let actor =
            banyan_app::access::service::authenticate_call(&state.app, &token, call).await?;
        crate::trace::record_actor(actor.id().uuid());
        Ok(Auth { actor, token })
    }
}

/// Where a call comes from and which route it asks (its template, without the values in the path): what a
/// service account's call is audited with.
pub(crate) async fn call_of(parts: &mut Parts, state: &AppState) -> (String, String) {
    let Ok(ClientAddr(source)) = ClientAddr::from_request_parts(parts, state).await;
    let route = parts
        .extensions
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| parts.uri.path().to_owned(), |m| m.as_str().to_owned());
    (source, route)
}

/// A JSON body: must be `application/json`, within the size limit, and well-formed; errors name the field.
#[derive(Debug)]
pub struct Json<T> {
    pub value: T,
    /// The raw body (for idempotency hashing).
    pub bytes: Bytes,
}

fn is_json(parts: &axum::http::HeaderMap) -> bool {
    parts
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|m| m == "application/json" || m == "application/merge-patch+json")
}

impl<T: DeserializeOwned> FromRequest<AppState> for Json<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as Content-Type: application/json",
            ));
        }
        let bytes = read_body(req, state.body_limit).await?;
        let value = banyan_app::json::from_slice(&bytes)?;
        Ok(Json { value, bytes })
    }
}

/// Reads a body up to `limit` bytes; larger bodies answer 413.
pub async fn read_body(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body must be at most {limit} bytes"),
            )
        })
}

/// The version from `If-Match` (`"3"`, `W/"3"` or `3`), if sent.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i64>);

impl FromRequestParts<AppState> for IfMatch {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        match parts.headers.get(header::IF_MATCH) {
            None => Ok(IfMatch(None)),
            Some(v) => {
                let s = v
                    .to_str()
                    .unwrap_or("")
                    .trim()
                    .trim_start_matches("W/")
                    .trim_matches('"');
                s.parse::<i64>().map(|n| IfMatch(Some(n))).map_err(|_| {
                    ApiError::field(
                        StatusCode::BAD_REQUEST,
                        "If-Match",
                        "format",
                        "must be the version number from the ETag, e.g. \"3\"",
                    )
                })
            }
        }
    }
}

/// The `Identity-Check` header: how staff confirmed, with a second factor, that they deal with the customer
/// (`in_person`, `video_call`, `call_back`) — required to change the contacts of a customer registered with
/// stronger authentication (care, seed 003 §五).
#[derive(Debug, Clone, Copy)]
pub struct IdentityCheckHeader(pub Option<banyan_domain::care::IdentityCheck>);

impl FromRequestParts<AppState> for IdentityCheckHeader {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let Some(v) = parts.headers.get("identity-check") else {
            return Ok(IdentityCheckHeader(None));
        };
        v.to_str()
            .ok()
            .and_then(|s| banyan_domain::care::IdentityCheck::parse(s.trim()))
            .map(|c| IdentityCheckHeader(Some(c)))
            .ok_or_else(|| {
                ApiError::field(
                    StatusCode::BAD_REQUEST,
                    "Identity-Check",
                    "one_of",
                    "must be in_person, video_call or call_back",
                )
            })
    }
}

/// The client's address: the trusted proxy's header when one is configured (`trusted_proxy_header`; with a
/// list, the last entry, the one the proxy added), else the connection's peer. Sign-in throttling keys on it.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let from_proxy = s.client_ip_header.as_ref().and_then(|h| {
            // The last copy and its last entry: what the proxy added (a client may send its own before it).
            parts
                .headers
                .get_all(h.as_str())
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim)
                .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
                .map(str::to_owned)
        });
        let peer = || {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string())
        };
        Ok(ClientAddr(
            from_proxy.or_else(peer).unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// The `Idempotency-Key` header, if sent.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequestParts<AppState> for IdempotencyKey {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        match parts.headers.get("idempotency-key") {
            None => Ok(IdempotencyKey(None)),
            Some(v) => {
                let s = v.to_str().unwrap_or("").trim();
                if s.is_empty() || s.len() > 200 {
                    return Err(ApiError::field(
                        StatusCode::BAD_REQUEST,
                        "Idempotency-Key",
                        "format",
                        "must be 1-200 visible characters",
                    ));
                }
                Ok(IdempotencyKey(Some(s.to_owned())))
            }
        }
    }
}

/// Query strings parsed with errors that name the parameter.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for Query<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded_compat(q).map(Query)
    }
}

fn serde_urlencoded_compat<T: DeserializeOwned>(q: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(q));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        let field = if path == "." || path.is_empty() {
            msg.split('`').nth(1).unwrap_or("query").to_owned()
        } else {
            path
        };
        ApiError::field(StatusCode::BAD_REQUEST, &field, "query", &msg)
    })
}

fn form_urlencoded_parse(q: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(q.as_bytes())
}

/// A stored file as a download (never rendered inline: staff's files come from outside the bank).
pub fn download(filename: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = form_urlencoded::byte_serialize(filename.as_bytes()).collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encoded.replace('+', "%20")
    );
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    if let Ok(ct) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, ct);
    }
    if let Ok(d) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}
