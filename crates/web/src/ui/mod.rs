//! The workbench: server-rendered pages (askama, auto-escaped, one typed context per page) over the same
//! use cases as the API. Sessions are cookies (HttpOnly, SameSite=Strict, Secure behind TLS); every form
//! carries the session's CSRF token; no permission check or SQL lives here.
//!
//! One module per context, each with its own `routes()`; this file only puts them together. The page
//! kernel (chrome, errors, sessions, CSRF) is in `page`, pieces several pages share in `forms`,
//! stored values in words in `labels`.

#![allow(
    clippy::result_large_err,
    reason = "a page error carries the session to render the error page; it is built once per failed request"
)]

mod access;
mod acquisition;
mod audit;
mod book;
mod care;
mod cases;
mod charts;
mod customers;
mod engagement;
mod forms;
mod home;
pub mod i18n;
pub(crate) mod imports;
mod labels;
mod listing;
mod notify;
mod outbound;
mod rights;
pub use acquisition::lead_import_words;
pub(crate) use book::catalogue_words;
pub use labels::import_words;
mod page;
mod paging;
mod performance;
mod segments;
mod wealth;

pub use page::{Chrome, PageError, Signed, SignedForm};

use crate::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(home::routes())
        .merge(access::routes())
        .merge(customers::routes())
        .merge(segments::routes())
        .merge(engagement::routes())
        .merge(notify::routes())
        .merge(outbound::routes())
        .merge(rights::routes())
        .merge(audit::routes())
        .merge(book::routes())
        .merge(cases::routes())
        .merge(acquisition::routes())
        .merge(care::routes())
        .merge(wealth::routes())
        .merge(performance::routes())
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .route("/static/confirm.js", get(confirm_js))
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../static/app.js"),
    )
        .into_response()
}

async fn confirm_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../static/confirm.js"),
    )
        .into_response()
}
