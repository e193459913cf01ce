//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use crate::api;
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(Debug)]
struct Bearer;
impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Banyan API", description = "Customer-relationship management for banks: the customer registry, four-eyes review, audit."),
    modifiers(&Bearer),
    paths(
        api::health::healthz, api::health::readyz, api::health::metrics,
        api::auth::login, api::auth::logout, api::auth::me,
        api::customers::create, api::customers::create_batch, api::customers::list, api::customers::export, api::customers::import,
        api::customers::get, api::customers::update, api::customers::submit, api::customers::verify, api::customers::return_,
        api::customers::review_queue, api::customers::versions, api::customers::contacts, api::customers::add_contact,
        api::customers::update_contact, api::customers::delete_contact, api::customers::relationships,
        api::customers::add_relationship, api::customers::delete_relationship,
        api::audit::search, api::audit::verify,
        api::admin::list_staff, api::admin::add_staff, api::admin::disable_staff, api::admin::set_staff_org, api::admin::list_fields,
        api::admin::define_field, api::admin::policy,
        api::segments::record, api::segments::segments, api::segments::measures,
        api::segments::questionnaire, api::segments::assess, api::segments::close_alert,
        api::engagement::my_tasks, api::engagement::log, api::engagement::list, api::engagement::customer_tasks,
        api::engagement::coverage, api::engagement::campaign, api::engagement::campaigns, api::engagement::messages,
        api::events::create, api::events::list, api::events::get, api::events::invite, api::events::respond,
        api::events::feedback, api::engagement::plan_visit, api::engagement::my_visits,
        api::cases::register, api::cases::list, api::cases::get, api::cases::act, api::cases::analytics,
        api::cases::export, api::cases::notices, api::cases::read_notices, api::cases::calendars,
        api::cases::put_calendar, api::cases::calendar, api::cases::attach, api::cases::attachment, api::cases::inbound,
    )
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
