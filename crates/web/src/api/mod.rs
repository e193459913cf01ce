//! The JSON API, one module per resource.

pub mod acquisition;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod book;
pub mod care;
pub mod cases;
pub mod customers;
pub mod engagement;
pub mod events;
pub mod health;
pub mod imports;
pub mod merges;
pub mod notify;
pub mod outbound;
pub mod performance;
pub mod rights;
pub mod segments;
pub mod service_accounts;
pub mod wealth;

use crate::AppState;
use axum::Router;
use axum::routing::{delete, get, patch, post, put};

pub fn router(state: AppState) -> Router<AppState> {
    // Creating POSTs other than customer create (which stores its answer in its own transaction).
    let idem = axum::middleware::from_fn_with_state(state, health::idempotent);
    let creating = |h: axum::routing::MethodRouter<AppState>| h.route_layer(idem.clone());
    let r = acquisition::routes(Router::new(), creating);
    let r = care::routes(r, creating);
    let r = wealth::routes(r, creating);
    let r = service_accounts::routes(r, creating);
    let r = merges::routes(r, creating);
    let r = rights::routes(r, creating);
    let r = outbound::routes(r, creating);
    let r = performance::routes(r, creating);
    r.route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/me", get(auth::me))
        .route(
            "/api/v1/customers",
            get(customers::list).merge(creating(post(customers::create))),
        )
        .route(
            "/api/v1/customers/batch",
            creating(post(customers::create_batch)),
        )
        .route(
            "/api/v1/customers/import",
            creating(post(customers::import)),
        )
        .route("/api/v1/customers/export", get(customers::export))
        .route("/api/v1/imports", get(imports::my_imports))
        .route("/api/v1/imports/{id}", get(imports::import_job))
        .route(
            "/api/v1/leads/import",
            creating(post(imports::import_leads)),
        )
        .route("/api/v1/leads/imports", get(imports::my_lead_imports))
        .route(
            "/api/v1/customers/{id}",
            get(customers::get).patch(customers::update),
        )
        .route("/api/v1/customers/{id}/submit", post(customers::submit))
        .route("/api/v1/customers/{id}/verify", post(customers::verify))
        .route("/api/v1/customers/{id}/return", post(customers::return_))
        .route("/api/v1/customers/{id}/versions", get(customers::versions))
        .route(
            "/api/v1/customers/{id}/contacts",
            get(customers::contacts).merge(creating(post(customers::add_contact))),
        )
        .route(
            "/api/v1/customers/{id}/contacts/{contact_id}",
            patch(customers::update_contact).delete(customers::delete_contact),
        )
        .route(
            "/api/v1/customers/{id}/relationships",
            get(customers::relationships).merge(creating(post(customers::add_relationship))),
        )
        .route(
            "/api/v1/customers/{id}/relationships/{rel_id}",
            delete(customers::delete_relationship),
        )
        .route("/api/v1/review-queue", get(customers::review_queue))
        .route("/api/v1/review-queue/verify", post(customers::verify_many))
        .route(
            "/api/v1/saved-searches",
            get(customers::saved_searches).merge(creating(post(customers::save_search))),
        )
        .route(
            "/api/v1/saved-searches/{id}",
            delete(customers::delete_saved_search),
        )
        .route("/api/v1/audit", get(audit::search))
        .route("/api/v1/audit/verify", get(audit::verify))
        .route(
            "/api/v1/staff",
            get(admin::list_staff).merge(creating(post(admin::add_staff))),
        )
        .route(
            "/api/v1/staff/{username}/disable",
            post(admin::disable_staff),
        )
        .route("/api/v1/staff/{username}/org", put(admin::set_staff_org))
        .route(
            "/api/v1/staff/{username}/totp/reset",
            post(auth::totp_reset),
        )
        .route(
            "/api/v1/me/totp",
            get(auth::totp_status).post(auth::totp_begin),
        )
        .route("/api/v1/me/totp/confirm", post(auth::totp_confirm))
        .route(
            "/api/v1/field-definitions",
            get(admin::list_fields).merge(creating(post(admin::define_field))),
        )
        .route("/api/v1/policy", get(admin::policy))
        .route(
            "/api/v1/cases",
            get(cases::list).merge(creating(post(cases::register))),
        )
        .route("/api/v1/cases/analytics", get(cases::analytics))
        .route("/api/v1/cases/export", get(cases::export))
        .route("/api/v1/cases/{id}", get(cases::get))
        .route("/api/v1/cases/{id}/actions", post(cases::act))
        .route("/api/v1/cases/{id}/attachments", post(cases::attach))
        .route(
            "/api/v1/cases/{id}/attachments/{attachment}",
            get(cases::attachment),
        )
        .route("/api/v1/notices", get(cases::notices))
        .route("/api/v1/inbound", post(cases::inbound))
        .route("/api/v1/notices/read", post(cases::read_notices))
        .route("/api/v1/calendars", get(cases::calendars))
        .route(
            "/api/v1/calendars/{name}",
            get(cases::calendar).put(cases::put_calendar),
        )
        .route("/api/v1/metrics", post(segments::record))
        .route(
            "/api/v1/products",
            get(book::products).merge(creating(post(book::create))),
        )
        .route(
            "/api/v1/products/{id}",
            get(book::product).put(book::update),
        )
        .route("/api/v1/products/{id}/versions", get(book::versions))
        .route("/api/v1/products/import", post(book::import_catalogue))
        .route("/api/v1/book/holdings", creating(post(book::load_holdings)))
        .route(
            "/api/v1/book/holdings/file",
            creating(post(book::load_holdings_file)),
        )
        .route(
            "/api/v1/book/transactions",
            creating(post(book::load_transactions)),
        )
        .route(
            "/api/v1/book/transactions/file",
            creating(post(book::load_transactions_file)),
        )
        .route("/api/v1/book/events", creating(post(book::load_events)))
        .route(
            "/api/v1/book/events/file",
            creating(post(book::load_events_file)),
        )
        .route("/api/v1/book/loads", get(book::loads))
        .route("/api/v1/book/loads/{id}", get(book::load))
        .route("/api/v1/customers/{id}/book", get(book::customer_book))
        .route("/api/v1/customers/{id}/insights", get(book::insights))
        .route("/api/v1/insights", get(book::open_insights))
        .route("/api/v1/insights/report", get(book::insight_report))
        .route(
            "/api/v1/insights/{id}/follow-up",
            creating(post(book::follow_up_insight)),
        )
        .route("/api/v1/insights/{id}/act", post(book::act_insight))
        .route("/api/v1/insights/{id}/dismiss", post(book::dismiss_insight))
        .route("/api/v1/tasks", get(engagement::my_tasks))
        .route(
            "/api/v1/campaigns",
            get(notify::campaigns).merge(creating(post(notify::campaign))),
        )
        .route("/api/v1/campaigns/preview", post(notify::campaign_preview))
        .route("/api/v1/campaigns/{id}/approve", post(notify::approve))
        .route("/api/v1/campaigns/{id}/reject", post(notify::reject))
        .route("/api/v1/campaigns/{id}/cancel", post(notify::cancel))
        .route("/api/v1/visits", get(engagement::my_visits))
        .route("/api/v1/agenda", get(engagement::agenda))
        .route(
            "/api/v1/customers/{id}/visits",
            creating(post(engagement::plan_visit)),
        )
        .route(
            "/api/v1/events",
            get(events::list).merge(creating(post(events::create))),
        )
        .route("/api/v1/events/{id}", get(events::get))
        .route("/api/v1/events/{id}/invitations", post(events::invite))
        .route("/api/v1/events/{id}/responses", post(events::respond))
        .route("/api/v1/events/{id}/feedback", post(events::feedback))
        .route("/api/v1/customers/{id}/messages", get(engagement::messages))
        .route("/api/v1/coverage", get(engagement::coverage))
        .route(
            "/api/v1/customers/{id}/interactions",
            get(engagement::list).merge(creating(post(engagement::log))),
        )
        .route(
            "/api/v1/customers/{id}/tasks",
            get(engagement::customer_tasks),
        )
        .route("/api/v1/risk-questionnaire", get(segments::questionnaire))
        .route("/api/v1/alerts", get(segments::alert_queue))
        .route("/api/v1/alerts/{id}", get(segments::alert))
        .route("/api/v1/alerts/{id}/close", post(segments::close_alert))
        .route("/api/v1/monitoring/large-value", get(book::large_value))
        .route(
            "/api/v1/customers/{id}/sales",
            get(book::customer_sales).merge(creating(post(book::record_sale))),
        )
        .route("/api/v1/sales/refusals", get(book::sale_refusals))
        .route(
            "/api/v1/customers/{id}/risk-assessment",
            creating(post(segments::assess)),
        )
        .route("/api/v1/customers/{id}/segments", get(segments::segments))
        .route("/api/v1/customers/{id}/measures", get(segments::measures))
        .fallback(health::not_found)
}
