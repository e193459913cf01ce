//! The customer pages: search and the review queue, the 360 page and its writes, create and edit, import
//! and export.

pub(crate) mod form;
pub(crate) mod io;
pub(crate) mod search;
pub(crate) mod view;

use crate::AppState;
use axum::routing::{get, post};

pub(crate) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/customers", get(search::search))
        .route("/review", get(search::review))
        .route("/customers/new", get(form::new_form).post(form::create))
        .route(
            "/customers/{id}/edit",
            get(form::edit_form).post(form::edit_post),
        )
        .route("/customers/{id}", get(view::show))
        .route("/customers/{id}/{action}", post(view::act))
        .route("/customers/{id}/contacts", post(view::add_contact))
        .route(
            "/customers/{id}/contacts/{cid}/delete",
            post(view::delete_contact),
        )
        .route("/customers/{id}/consents", post(view::record_consent))
        .route(
            "/customers/{id}/relationships",
            post(view::add_relationship),
        )
        .route(
            "/customers/{id}/relationships/{rid}/delete",
            post(view::delete_relationship),
        )
        .route("/import", get(io::import_form).post(io::import))
        .route("/import/rejected", post(io::import_rejected))
        .route("/customers/export", get(io::export))
}
