//! One error type for every HTTP answer: RFC 9457 problem+json with a stable `code` and per-field errors.
//! 5xx answers are opaque to the client and logged once here with their cause.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use banyan_app::AppError;
use banyan_domain::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `/problems/{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code (`validation`, `not_found`, `duplicate_id_number`, `four_eyes`, ...).
    pub code: String,
    /// One entry per broken rule, naming the field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldError>,
    /// Extra facts (the existing customer number, the current version and what changed since, ...).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// An HTTP-level error.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub extra: serde_json::Map<String, serde_json::Value>,
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            detail: detail.into(),
            errors: Vec::new(),
            extra: Default::default(),
            retry_after: None,
        }
    }
    pub fn field(status: StatusCode, field: &str, rule: &str, message: &str) -> Self {
        let mut e = ApiError::new(status, "validation", format!("{field}: {message}"));
        e.errors.push(FieldError {
            field: field.into(),
            rule: rule.into(),
            message: message.into(),
        });
        e
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        use StatusCode as S;
        match e {
            AppError::Unauthenticated => ApiError::new(
                S::UNAUTHORIZED,
                "unauthenticated",
                "sign in first: send Authorization: Bearer <token>",
            ),
            AppError::BadCredentials => {
                ApiError::new(S::UNAUTHORIZED, "bad_credentials", e.to_string())
            }
            AppError::Throttled { retry_after_s } => {
                let mut a = ApiError::new(S::TOO_MANY_REQUESTS, "throttled", e.to_string());
                a.retry_after = Some(retry_after_s);
                a
            }
            AppError::Forbidden { code, message } => ApiError::new(S::FORBIDDEN, code, message),
            AppError::NotFound => ApiError::new(S::NOT_FOUND, "not_found", "no such resource"),
            AppError::Validation(f) => {
                let syntax = f.0.iter().any(|e| e.rule == "json_syntax");
                let mut a = ApiError::new(
                    if syntax {
                        S::BAD_REQUEST
                    } else {
                        S::UNPROCESSABLE_ENTITY
                    },
                    "validation",
                    f.to_string(),
                );
                a.errors = f.0;
                a
            }
            AppError::VersionConflict {
                current_version,
                ref since,
            } => {
                let mut a = ApiError::new(S::CONFLICT, "version_conflict", e.to_string());
                a.extra
                    .insert("current_version".into(), current_version.into());
                a.extra.insert("changes_since".into(), since.clone());
                a
            }
            AppError::VersionRequired => {
                ApiError::new(S::PRECONDITION_REQUIRED, "version_required", e.to_string())
            }
            AppError::Conflict {
                code,
                message,
                detail,
            } => {
                let mut a = ApiError::new(S::CONFLICT, code, message);
                if let serde_json::Value::Object(m) = detail {
                    // The problem's own members win: an extra `status` once sat beside the HTTP status.
                    const OWN: [&str; 7] = [
                        "type", "title", "status", "detail", "code", "errors", "message",
                    ];
                    for (k, v) in m {
                        if !OWN.contains(&k.as_str()) {
                            a.extra.insert(k, v);
                        }
                    }
                }
                a
            }
            AppError::Store(s) => {
                tracing::error!(error = %s, "store error");
                ApiError::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "an internal error occurred; it has been logged",
                )
            }
            e @ AppError::Internal { .. } => {
                tracing::error!(error = %e.chain(), "internal error");
                ApiError::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "an internal error occurred; it has been logged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error").to_owned();
        let p = Problem {
            kind: format!("/problems/{}", self.code),
            title,
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code,
            errors: self.errors,
            extra: self.extra,
        };
        let body = serde_json::to_vec(&p).unwrap_or_default();
        let mut r = (self.status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Every error the API answers is a problem document, including the framework's own refusals (a path
/// segment that is not a UUID, an unknown route, a method the route lacks), which come as plain text or
/// an empty body: the OpenAPI document promises `application/problem+json` for every 4xx and 5xx.
pub async fn problems_only(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let r = next.run(req).await;
    let status = r.status();
    let is_problem = r
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !api || is_problem || !(status.is_client_error() || status.is_server_error()) {
        return r;
    }
    let allow = r.headers().get(header::ALLOW).cloned();
    let (code, detail) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such resource".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this resource does not answer that method".to_owned(),
        ),
        _ => {
            let text = axum::body::to_bytes(r.into_body(), 4096)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            ("bad_request", text)
        }
    };
    let mut out = ApiError::new(status, code, detail).into_response();
    if let Some(a) = allow {
        out.headers_mut().insert(header::ALLOW, a);
    }
    out
}
