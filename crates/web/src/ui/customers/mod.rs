//! The customer pages: search and the review queue, the 360 page and its writes, create and edit, import
//! and export.

pub(crate) mod form;
pub(crate) mod glance;
pub(crate) mod io;
pub(crate) mod lines;
pub(crate) mod merge;
pub(crate) mod review;
pub(crate) mod search;
pub(crate) mod timeline;
pub(crate) mod view;
pub(crate) mod writes;

use crate::AppState;
use axum::routing::{get, post};

pub(crate) fn routes() -> axum::Router<AppState> {
    let r = axum::Router::new()
        .route("/customers", get(search::search))
        .route("/review", get(review::queue))
        .route("/review/verify", post(review::verify_many))
        .route("/customers/suggest", get(search::suggest))
        .route("/customers/saved", post(search::save_search))
        .route("/customers/saved/{id}/delete", post(search::delete_search))
        .route("/customers/new", get(form::new_form).post(form::create))
        .route(
            "/customers/{id}/edit",
            get(form::edit_form).post(form::edit_post),
        )
        .route("/customers/{id}", get(view::show))
        .route("/customers/{id}/{action}", post(writes::act))
        .route("/customers/{id}/contacts", post(writes::add_contact))
        .route(
            "/customers/{id}/contacts/{cid}/delete",
            post(writes::delete_contact),
        )
        .route("/customers/{id}/consents", post(writes::record_consent))
        .route("/customers/{id}/sales", post(writes::record_sale))
        .route(
            "/customers/{id}/insights/{insight}/act",
            post(writes::act_insight),
        )
        .route(
            "/customers/{id}/insights/{insight}/dismiss",
            post(writes::dismiss_insight),
        )
        .route(
            "/customers/{id}/insights/{insight}/follow-up",
            post(writes::follow_up_insight),
        )
        .route(
            "/customers/{id}/relationships",
            post(writes::add_relationship),
        )
        .route(
            "/customers/{id}/relationships/{rid}/delete",
            post(writes::delete_relationship),
        )
        .route(
            "/customers/{id}/interactions",
            post(writes::log_interaction),
        )
        .route("/customers/{id}/visits", post(writes::plan_visit))
        .route(
            "/customers/{id}/risk-assessment",
            post(writes::record_assessment),
        )
        .route(
            "/customers/{id}/alerts/{aid}/close",
            post(writes::close_alert),
        )
        .route("/customers/export", get(io::export));
    let r = merge::routes(r);
    crate::ui::imports::routes(r, &io::CUSTOMER_IMPORT)
}
