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

/// Every operation's errors as the server answers them: `application/problem+json` (not the
/// `application/json` the annotations name), and the refusals any operation may give declared once here
/// rather than on each handler. Operation ids are made unique by their tag (`customers_list`).
#[derive(Debug)]
struct Problems;

const COMMON_ERRORS: &[(&str, &str)] = &[
    (
        "400",
        "The request is malformed (a path, query or header value that does not parse)",
    ),
    ("401", "No valid bearer token or session"),
    ("403", "The caller's role lacks the permission"),
    ("404", "No such resource, or not within the caller's scope"),
    ("405", "The resource does not answer this method"),
    (
        "409",
        "A conflict with the stored state (version, duplicate, idempotency)",
    ),
    ("413", "The body is larger than allowed"),
    ("415", "The body is not of the accepted media type"),
    (
        "422",
        "A field breaks a rule: `errors` names each field and rule",
    ),
    (
        "429",
        "Too many attempts: retry after `Retry-After` seconds",
    ),
    ("500", "An internal error (logged with the request id)"),
    ("503", "Not ready or not configured"),
];

impl Modify for Problems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        const PROBLEM: &str = "application/problem+json";
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                for (code, resp) in op.responses.responses.iter_mut() {
                    if let RefOr::T(r) = resp
                        && (code.starts_with('4') || code.starts_with('5'))
                        && let Some(c) = r.content.shift_remove("application/json")
                    {
                        r.content.insert(PROBLEM.to_owned(), c);
                    }
                }
                for (code, what) in COMMON_ERRORS {
                    op.responses
                        .responses
                        .entry((*code).to_owned())
                        .or_insert_with(|| {
                            RefOr::T(
                                ResponseBuilder::new()
                                    .description(*what)
                                    .content(
                                        PROBLEM,
                                        ContentBuilder::new()
                                            .schema(Some(Ref::from_schema_name("Problem")))
                                            .build(),
                                    )
                                    .build(),
                            )
                        });
                }
                if let (Some(tag), Some(id)) = (
                    op.tags.as_ref().and_then(|t| t.first()),
                    op.operation_id.as_mut(),
                ) && !id.starts_with(tag.as_str())
                {
                    *id = format!("{tag}_{id}");
                }
            }
        }
    }
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Banyan API", description = "Customer-relationship management for banks: the customer registry, four-eyes review, audit."),
    modifiers(&Bearer, &Problems),
    components(schemas(banyan_app::segments::alerts::AlertKind, banyan_app::engagement::Due, banyan_app::engagement::CoverageBy, banyan_app::audit::AuditOrder, crate::error::Problem)),
    paths(
        api::health::healthz, api::health::readyz, api::health::metrics,
        api::auth::login, api::auth::logout, api::auth::me, api::auth::totp_status, api::auth::totp_begin, api::auth::totp_confirm, api::auth::totp_reset,
        api::customers::create, api::customers::create_batch, api::customers::list, api::customers::export, api::customers::import, api::imports::my_imports, api::imports::import_job, api::imports::import_leads, api::imports::my_lead_imports,
        api::customers::get, api::customers::update, api::customers::submit, api::customers::verify, api::customers::return_,
        api::customers::verify_many, api::customers::saved_searches, api::customers::save_search, api::customers::delete_saved_search, api::customers::review_queue, api::customers::versions, api::customers::contacts, api::customers::add_contact,
        api::customers::update_contact, api::customers::delete_contact, api::customers::relationships,
        api::customers::add_relationship, api::customers::delete_relationship,
        api::audit::search, api::audit::verify,
        api::admin::list_staff, api::admin::add_staff, api::admin::disable_staff, api::admin::set_staff_org, api::admin::list_fields,
        api::admin::define_field, api::admin::policy,
        api::rights::list, api::rights::register, api::rights::one, api::rights::copy, api::rights::complete, api::rights::refuse, api::rights::withdraw, api::rights::erase, api::rights::holds, api::rights::place_hold, api::rights::lift_hold,
        api::merges::queue, api::merges::scan, api::merges::pair, api::merges::dismiss, api::merges::list, api::merges::preview, api::merges::propose, api::merges::one, api::merges::approve, api::merges::reject, api::merges::withdraw, api::merges::undo, api::merges::redirect,
        api::service_accounts::list, api::service_accounts::create, api::service_accounts::account, api::service_accounts::rotate, api::service_accounts::revoke, api::service_accounts::set_sources, api::service_accounts::disable, api::outbound::feed, api::outbound::subscriptions, api::outbound::subscribe, api::outbound::subscription, api::outbound::pause, api::outbound::resume, api::outbound::replay,
        api::segments::record, api::segments::segments, api::segments::measures,
        api::segments::questionnaire, api::segments::assess, api::segments::close_alert, api::segments::alert_queue, api::segments::alert,
        api::engagement::my_tasks, api::engagement::log, api::engagement::list, api::engagement::customer_tasks,
        api::engagement::coverage, api::notify::campaign, api::notify::campaigns, api::notify::approve, api::notify::reject, api::notify::cancel, api::engagement::messages,
        api::events::create, api::events::list, api::events::get, api::events::invite, api::events::respond,
        api::events::feedback, api::engagement::plan_visit, api::engagement::my_visits, api::engagement::agenda, api::notify::campaign_preview,
        api::cases::register, api::cases::list, api::cases::get, api::cases::act, api::cases::analytics,
        api::cases::export, api::cases::notices, api::cases::read_notices, api::cases::calendars,
        api::cases::put_calendar, api::cases::calendar, api::cases::attach, api::cases::attachment, api::cases::inbound,
        api::book::products, api::book::create, api::book::product, api::book::update, api::book::versions, api::book::import_catalogue,
        api::book::load_holdings, api::book::load_holdings_file, api::book::load_transactions, api::book::load_transactions_file, api::book::load_events, api::book::load_events_file, api::book::loads, api::book::load, api::book::customer_book, api::book::insights, api::book::open_insights, api::book::act_insight, api::book::dismiss_insight, api::book::follow_up_insight, api::book::insight_report, api::book::large_value, api::book::record_sale, api::book::customer_sales, api::book::sale_refusals,
        api::acquisition::create, api::acquisition::list, api::acquisition::board, api::acquisition::funnel, api::acquisition::funnel_export, api::acquisition::effectiveness, api::acquisition::effectiveness_series, api::acquisition::effectiveness_export, api::acquisition::targets, api::acquisition::set_target, api::acquisition::market, api::acquisition::set_market, api::acquisition::lead, api::acquisition::update, api::acquisition::act, api::acquisition::propose, api::acquisition::record_sale, api::acquisition::team, api::acquisition::respond_risk, api::acquisition::run_watch, api::acquisition::partner_alerts, api::acquisition::close_partner_alert, api::acquisition::campaigns, api::acquisition::create_campaign, api::acquisition::meetings, api::acquisition::record_meeting, api::acquisition::action_done, api::acquisition::plan_visit, api::acquisition::visit, api::acquisition::my_visits, api::acquisition::papers, api::acquisition::attach, api::acquisition::file, api::acquisition::partners, api::acquisition::create_partner,
        api::care::report, api::care::list, api::care::record, api::care::decide, api::care::register, api::care::end, api::care::team, api::care::confirm_terms, api::care::task_done, api::care::my_tasks, api::care::add_measure, api::care::move_measure, api::care::compartment, api::care::add_note, api::care::withdraw, api::care::grant, api::care::revoke, api::care::review, api::care::break_glass, api::care::access_review, api::care::supervision, api::care::adjustments, api::care::attach, api::care::document, api::care::hospitals, api::care::add_hospital, api::care::update_hospital, api::care::collection_holds, api::wealth::review, api::wealth::cancel, api::wealth::report, api::wealth::wealth, api::wealth::save_picture, api::wealth::add_goal, api::wealth::change_goal, api::wealth::add_review, api::wealth::make_plan, api::wealth::recommend, api::wealth::answer, api::wealth::add_member, api::wealth::remove_member, api::wealth::add_entry, api::wealth::finish_task, api::wealth::add_referral, api::wealth::kpis, api::wealth::kpi_drill, api::performance::scorecards, api::performance::export, api::performance::scorecard, api::performance::set_target, api::performance::close, api::performance::decide, api::performance::group_targets, api::performance::set_group_target,
        api::performance::training::courses, api::performance::training::add_course, api::performance::training::update_course, api::performance::training::programmes, api::performance::training::add_programme, api::performance::training::enrol, api::performance::training::sessions, api::performance::training::schedule, api::performance::training::session, api::performance::training::record, api::performance::training::overview, api::performance::training::person, api::performance::training::open_sessions, api::performance::training::sign_up, api::performance::training::withdraw,
        api::performance::rewards::propose, api::performance::rewards::schemes, api::performance::rewards::scheme, api::performance::rewards::decide_scheme, api::performance::rewards::payroll, api::performance::rewards::honour, api::performance::rewards::honours,
    )
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The enum's codes as the document lists them under `name`.
    fn codes(doc: &serde_json::Value, name: &str) -> Vec<String> {
        doc["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("no schema {name}"))
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    /// The schema names of the types behind the document (`#[derive(ToSchema)]`, `code_enum!`), as utoipa names
    /// them — the type's name, or its `#[schema(as = …)]` — with the file each comes from.
    fn schema_names() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).expect("source directory").flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for c in ["app/src", "domain/src", "web/src"] {
            walk(&root.join(c), &mut files);
        }
        let mut out = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("source file");
            let lines: Vec<&str> = text.lines().collect();
            for (i, l) in lines.iter().enumerate() {
                let derive = l.contains("derive(") && l.contains("ToSchema");
                let code_enum = l.trim() == "code_enum!(";
                if !derive && !code_enum {
                    continue;
                }
                let mut renamed = None;
                for next in lines.iter().skip(i + 1).take(30) {
                    let t = next.trim();
                    if let Some(r) = t.strip_prefix("#[schema(as = ") {
                        renamed = r.strip_suffix(")]").map(str::to_owned);
                    }
                    if t.starts_with("///") || t.starts_with("#[") || t.is_empty() {
                        continue;
                    }
                    let name: String = t
                        .trim_start_matches("pub struct ")
                        .trim_start_matches("pub enum ")
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    out.push((renamed.unwrap_or(name), f.display().to_string()));
                    break;
                }
            }
        }
        out
    }

    /// utoipa names a schema by its type's name: two types of one name become one schema, the later
    /// overwriting the earlier, and every answer of the other "violates" its documented shape (schemathesis
    /// found an alert's checks read as the care report's check list). Each name is used once.
    #[test]
    fn no_two_types_share_a_schema_name() {
        let names = schema_names();
        assert!(names.len() > 100, "the scan found {} types", names.len());
        let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        let mut clashes = Vec::new();
        for (name, file) in &names {
            if let Some(other) = seen.insert(name, file) {
                clashes.push(format!("{name}: {other} and {file}"));
            }
        }
        assert!(
            clashes.is_empty(),
            "schema names used twice:\n{}",
            clashes.join("\n")
        );
    }

    /// Two types of one name share one schema in the document, the later overwriting the earlier: a
    /// product's R1–R5 risk level read as a deal's low/medium/high made every product list "violate" its
    /// schema (schemathesis found it). Each keeps its own name.
    #[test]
    fn a_products_risk_level_and_a_deals_are_two_schemas() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
        assert_eq!(codes(&doc, "RiskLevel"), ["R1", "R2", "R3", "R4", "R5"]);
        assert_eq!(codes(&doc, "DealRiskLevel"), ["low", "medium", "high"]);
    }
}
