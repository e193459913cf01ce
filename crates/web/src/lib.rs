//! Banyan over HTTP: the JSON API under `/api/v1` (OpenAPI at `/api/v1/openapi.json`), health and metrics.
//!
//! Handlers translate HTTP to use-case calls and back; no permission check or SQL lives here.

pub mod api;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod trace;
pub mod ui;

use axum::Router;
use axum::http::{HeaderValue, header};
use banyan_app::App;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// Shared state of every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    pub app: Arc<App>,
    /// Largest JSON body accepted (bytes).
    pub body_limit: usize,
    /// Largest import file accepted (bytes).
    pub import_limit: usize,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// The notification gateway's shared secret: signs customer replies sent to `POST /api/v1/inbound`
    /// (`None`: the endpoint answers 503).
    pub gateway_secret: Option<Vec<u8>>,
    /// When workbench cookies carry `Secure`.
    pub secure_cookies: SecureCookies,
    /// Bearer token `GET /metrics` requires (`None`: the endpoint answers 404).
    pub metrics_token: Option<Vec<u8>>,
    /// The header a trusted proxy puts the client's address in (`None`: the connection's peer is the client).
    pub client_ip_header: Option<String>,
    /// A demonstration (the data directory's demo key, no real key configured): the sign-in page lists
    /// the demo accounts and their shared password. Never set for real data.
    pub demo: Option<DemoLogin>,
}

/// The demo accounts the sign-in page of a demonstration shows.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub password: String,
    /// (username, role code).
    pub accounts: Vec<(String, String)>,
}

/// When workbench session cookies carry `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecureCookies {
    /// Always (Banyan is reachable beyond this machine).
    Always,
    /// When a proxy says the request came over HTTPS (`X-Forwarded-Proto: https`); Banyan on loopback.
    BehindHttps,
    /// Never (local testing over plain HTTP, chosen explicitly).
    Never,
}

/// Installs the Prometheus recorder once per process and returns its handle.
pub fn metrics_handle() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    static H: std::sync::OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        std::sync::OnceLock::new();
    H.get_or_init(|| {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .install_recorder()
            .ok()
    })
    .clone()
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    // Import files may be headed and filled in the workbench's words, in any of its languages.
    state.app.accept_import_words(ui::import_words());
    state.app.accept_lead_import_words(ui::lead_import_words());
    let security = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ),
    ];
    let mut r = api::router(state.clone())
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(openapi::document),
        )
        .merge(ui::router())
        .with_state(state);
    for (name, value) in security {
        r = r.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    r.layer(axum::middleware::from_fn(error::problems_only))
        .layer(axum::middleware::from_fn(api::health::track))
        .layer(axum::middleware::from_fn(trace::request_span))
        // A panic answers an opaque problem+json 500 (logged) instead of dropping the connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            api::health::panic_response,
        ))
}

/// Serves `router` on an already-bound listener until `shutdown` resolves (tests bind port 0).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address is the client's when no trusted proxy header is configured (sign-in throttling).
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
