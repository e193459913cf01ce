//! The policy engine: metrics in, segments with reasons, history, outbox events, measures and alerts out.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::tests![
    metrics_that_cross_a_threshold_upgrade_the_tier_with_reason_history_and_event,
    bad_metrics_are_reported_per_item_and_only_loaders_may_send_them,
    a_high_risk_rating_has_its_measures_and_opens_an_alert_for_the_manager,
    corporates_get_a_size_class_from_the_sme_table,
    a_questionnaire_decides_the_risk_appetite_until_it_expires,
    a_fall_over_months_puts_the_customer_at_risk_without_a_sudden_fall_warning,
];

pub fn metrics(as_of: &str, deposits_yuan: i64, contribution_yuan: i64, investments: u32) -> Value {
    json!({
        "as_of": as_of,
        "assets": {"deposits": deposits_yuan * 100},
        "contribution": contribution_yuan * 100,
        "investment_count": investments,
        "transactions_90d": 12,
        "income": 300_000 * 100,
        "debts": 20_000 * 100,
    })
}

fn assignment<'a>(seg: &'a Value, dim: &str) -> &'a Value {
    seg["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["dimension"] == dim)
        .unwrap_or_else(|| panic!("no {dim} in {seg}"))
}

async fn metrics_that_cross_a_threshold_upgrade_the_tier_with_reason_history_and_event(
    app: &TestApp,
) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;
    // Registry facts alone decide the age group and the lifecycle stage.
    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    assert_eq!(seg.status, StatusCode::OK, "{}", seg.text);
    assert_eq!(assignment(&seg.body, "age_group")["value"], "middle");
    assert_eq!(assignment(&seg.body, "lifecycle_stage")["value"], "new");

    let r = app
        .post(
            "/api/v1/metrics",
            &ops,
            json!({"items": [{"customer": id, "metrics": metrics("2026-11-01", 1_000_000, 5_000, 3)}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["accepted"], 1);
    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    assert_eq!(assignment(&seg.body, "wealth_tier")["value"], "gold");
    assert_eq!(assignment(&seg.body, "asset_tier")["value"], "vip");

    // New figures push the customer over the platinum thresholds (by customer number this time).
    let no = app.get(&format!("/api/v1/customers/{id}"), &rm).await.body["customer_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            "/api/v1/metrics",
            &ops,
            json!({"items": [{"customer": no, "metrics": metrics("2026-11-20", 3_200_000, 12_000, 6)}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let up: Vec<&Value> = r.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["dimension"] == "wealth_tier")
        .collect();
    assert_eq!(up.len(), 1, "{}", r.text);
    assert_eq!(up[0]["old"], "gold");
    assert_eq!(up[0]["new"], "platinum");
    assert_eq!(up[0]["direction"], "upgrade");

    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    let w = assignment(&seg.body, "wealth_tier");
    assert_eq!(w["value"], "platinum");
    assert_eq!(
        w["reason"],
        "platinum: aum 3,200,000.00 CNY >= 2,000,000.00 and investment_count 6 >= 6 and contribution 12,000.00 CNY >= 10,000.00"
    );
    assert_eq!(w["policy_hash"], seg.body["policy_hash"]);
    let hist: Vec<&Value> = seg.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["dimension"] == "wealth_tier")
        .collect();
    assert_eq!(hist[0]["old"], "gold");
    assert_eq!(hist[0]["new"], "platinum");
    assert_eq!(hist[1]["old"], Value::Null);
    assert_eq!(hist[1]["new"], "gold");
    // The outbox has the event, written in the same transaction, for later modules.
    let events: Vec<Value> = app
        .texts("SELECT payload FROM outbox WHERE topic = 'segment.upgrade' ORDER BY created_at_us")
        .await
        .iter()
        .map(|p| serde_json::from_str(p).unwrap())
        .collect();
    let ev: Vec<&Value> = events
        .iter()
        .filter(|e| e["customer_id"] == id && e["dimension"] == "wealth_tier")
        .collect();
    assert_eq!(ev.len(), 1, "{events:?}");
    assert_eq!(ev[0]["new"], "platinum");
    assert_eq!(ev[0]["policy_version"], "2026.1");

    // The list filters by segment.
    let l = app.get("/api/v1/customers?wealth_tier=platinum", &rm).await;
    assert_eq!(l.body["items"].as_array().unwrap().len(), 1, "{}", l.text);
    let l = app.get("/api/v1/customers?wealth_tier=gold", &rm).await;
    assert!(l.body["items"].as_array().unwrap().is_empty());

    // Re-running the batch changes nothing (nothing is written twice).
    let before = app.count("segment_history").await;
    let report = banyan_app::segments::evaluate_all(&app.app, |_, _| {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.customers_changed, 0, "{:?}", report.changed);
    assert_eq!(app.count("segment_history").await, before);
}

async fn bad_metrics_are_reported_per_item_and_only_loaders_may_send_them(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;
    app.post(
        "/api/v1/metrics",
        &rm,
        json!({"items": [{"customer": id, "metrics": metrics("2026-11-01", 1, 1, 1)}]}),
    )
    .await
    .assert_problem(403, "permission_denied");
    let mut bad = metrics("2026-11-01", 1, 1, 1);
    bad["loans"] = json!(-5);
    let r = app
        .post(
            "/api/v1/metrics",
            &ops,
            json!({"items": [
                {"customer": id, "metrics": metrics("2026-11-01", 600_000, 1, 1)},
                {"customer": id, "metrics": bad},
                {"customer": "P-BR0001-99999999", "metrics": metrics("2026-11-01", 1, 1, 1)},
                {"customer": id, "metrics": metrics("2999-01-01", 1, 1, 1)},
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["accepted"], 1);
    let rejected = r.body["rejected"].as_array().unwrap();
    let fields = |i: usize| {
        rejected[i]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(rejected.len(), 3);
    assert_eq!(rejected[0]["index"], 1);
    assert_eq!(fields(0), vec!["metrics.loans"]);
    assert_eq!(fields(1), vec!["customer"]);
    assert_eq!(fields(2), vec!["metrics.as_of"]);
    // An unknown field in the metrics is refused with its path.
    let r = app
        .post(
            "/api/v1/metrics",
            &ops,
            json!({"items": [{"customer": id, "metrics": {"as_of": "2026-11-01", "aum": 5}}]}),
        )
        .await;
    r.assert_problem(422, "validation");
    assert!(r.text.contains("items[0].metrics"), "{}", r.text);
    // Only the valid item was stored and audited.
    assert_eq!(app.count("customer_metrics").await, 1);
    let audit = app
        .texts("SELECT action FROM audit_log WHERE action = 'metrics.record'")
        .await;
    assert_eq!(audit.len(), 1);
}

async fn a_high_risk_rating_has_its_measures_and_opens_an_alert_for_the_manager(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let risk = app.login_as("risk1", Role::RiskOfficer, None).await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;
    let m = app
        .get(&format!("/api/v1/customers/{id}/measures"), &rm)
        .await;
    assert_eq!(m.body["rating"], Value::Null);
    let mut bad = metrics("2026-11-20", 100_000, 100, 0);
    bad["overdue_count"] = json!(3);
    bad["debts"] = json!(280_000 * 100); // debt ratio 0.93 against income 300,000
    let r = app
        .post(
            "/api/v1/metrics",
            &risk,
            json!({"items": [{"customer": id, "metrics": bad}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let m = app
        .get(&format!("/api/v1/customers/{id}/measures"), &rm)
        .await;
    assert_eq!(m.body["dimension"], "risk_rating");
    assert_eq!(m.body["rating"], "high");
    assert!(
        m.body["blocked"]
            .as_array()
            .unwrap()
            .contains(&json!("new_high_risk_business"))
    );
    let e = banyan_app::segments::permits(
        &app.app,
        &banyan_app::access::actor_for(&app.app, "rm1")
            .await
            .unwrap(),
        id.parse().unwrap(),
        "new_high_risk_business",
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("rated high"), "{e}");
    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    let alerts = seg.body["alerts"].as_array().unwrap();
    let debt = alerts
        .iter()
        .find(|a| a["indicator"] == "debt_ratio")
        .unwrap_or_else(|| panic!("{}", seg.text));
    assert_eq!(debt["status"], "open");
    let rm_id = app.get("/api/v1/me", &rm).await.body["id"].clone();
    assert_eq!(debt["owner_id"], rm_id);
    // The same figures again do not open a second alert.
    let r = app
        .post(
            "/api/v1/metrics",
            &risk,
            json!({"items": [{"customer": id, "metrics": bad}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(app.count("alerts").await, 1);
    // The manager closes it with what was done; closing twice is a conflict.
    let close = format!("/api/v1/alerts/{}/close", debt["id"].as_str().unwrap());
    app.post(&close, &rm, json!({"resolution": " "}))
        .await
        .assert_problem(422, "validation");
    let r = app
        .post(
            &close,
            &rm,
            json!({"resolution": "called the customer; restructuring agreed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    app.post(&close, &rm, json!({"resolution": "again"}))
        .await
        .assert_problem(409, "invalid_state");
    let other = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.post(&close, &other, json!({"resolution": "x"}))
        .await
        .assert_problem(404, "not_found");
    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    assert_eq!(seg.body["alerts"][0]["status"], "closed");
}

async fn corporates_get_a_size_class_from_the_sme_table(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let body = json!({
        "kind": "corporate",
        "branch_code": "BR0001",
        "organization": {"registered_name": "北京测试制造有限公司", "credit_code": credit_code("MA0123456"),
                         "industry": "C", "employees": 350,
                         "annual_revenue": {"minor": 250_000_000_000i64, "currency": "CNY"}},
    });
    let c = app.create(&rm, body).await;
    let id = c["id"].as_str().unwrap();
    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    let size = assignment(&seg.body, "company_size");
    // Industry: 350 employees >= 300 and revenue 25,000 (万元) >= 2,000: medium.
    assert_eq!(size["value"], "medium", "{}", seg.text);
    assert_eq!(assignment(&seg.body, "industry_class")["value"], "C");
    assert_eq!(
        assignment(&seg.body, "lifecycle_stage")["value"],
        "prospect"
    );
    // An edit that crosses the large-company bounds changes the class in the same transaction.
    let r = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &rm,
            1,
            json!({"organization": {"employees": 1200, "annual_revenue": {"minor": 500_000_000_000i64, "currency": "CNY"}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    assert_eq!(assignment(&seg.body, "company_size")["value"], "large");
    let l = app.get("/api/v1/customers?company_size=large", &rm).await;
    assert_eq!(l.body["items"].as_array().unwrap().len(), 1);
}

async fn a_questionnaire_decides_the_risk_appetite_until_it_expires(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let c = app
        .create(
            &rm,
            individual("赵六", &resident_id("19800101", 123), "13812345678"),
        )
        .await;
    let id = c["id"].as_str().unwrap();
    let q = app.get("/api/v1/risk-questionnaire", &rm).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text);
    assert_eq!(q.body["expiry_months"], 12);
    let questions = q.body["questions"].as_array().unwrap();
    // The middle answer of every question.
    let answers: serde_json::Map<String, Value> = questions
        .iter()
        .map(|x| {
            let a = x["answers"].as_array().unwrap();
            (
                x["key"].as_str().unwrap().to_owned(),
                a[a.len() / 2]["key"].clone(),
            )
        })
        .collect();
    let path = format!("/api/v1/customers/{id}/risk-assessment");
    // Missing and unknown answers are named.
    let mut partial = answers.clone();
    partial.remove("horizon");
    partial.insert("colour".into(), json!("blue"));
    let r = app
        .post(&path, &rm, json!({"answers": partial, "channel": "branch"}))
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(
        r.field_errors(),
        vec![
            ("answers.horizon".into(), "required".into()),
            ("answers.colour".into(), "unknown_field".into())
        ]
    );
    let r = app
        .post(&path, &rm, json!({"answers": answers, "channel": "branch"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["level"], "balanced");
    let expires = r.body["expires_on"].as_str().unwrap().to_owned();
    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    let a = assignment(&seg.body, "risk_appetite");
    assert_eq!(a["value"], "balanced");
    assert!(a["reason"].as_str().unwrap().contains(&expires), "{a}");
    // A year later the assessment has expired: the nightly batch says so.
    let past = format!(
        "{}-{}",
        expires[..4].parse::<i32>().unwrap() - 1,
        &expires[5..]
    );
    let two_past = format!(
        "{}-{}",
        expires[..4].parse::<i32>().unwrap() - 2,
        &expires[5..]
    );
    app.sql(&format!(
        "UPDATE risk_assessments SET expires_on = '{past}', assessed_on = '{two_past}'"
    ))
    .await;
    banyan_app::segments::evaluate_all(&app.app, |_, _| {})
        .await
        .unwrap()
        .unwrap();
    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    let a = assignment(&seg.body, "risk_appetite");
    assert_eq!(a["value"], "expired");
    assert!(a["reason"].as_str().unwrap().contains("re-assess"), "{a}");
}

async fn a_fall_over_months_puts_the_customer_at_risk_without_a_sudden_fall_warning(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;
    let day = |ago: i64| (jiff::Zoned::now().date() - jiff::Span::new().days(ago)).to_string();
    // Deposits fell from 1,000,000 to 600,000 over five months: 40%, but not within the 30-day window.
    let r = app
        .post(
            "/api/v1/metrics",
            &ops,
            json!({"items": [
                {"customer": id, "metrics": metrics(&day(150), 1_000_000, 1, 1)},
                {"customer": id, "metrics": metrics(&day(10), 600_000, 1, 1)},
            ]}),
        )
        .await;
    assert_eq!(r.body["accepted"], 2, "{}", r.text);
    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    let stage = assignment(&seg.body, "lifecycle_stage");
    assert_eq!(stage["value"], "at_risk", "{}", seg.text);
    let alerts = seg.body["alerts"].as_array().unwrap();
    assert!(
        !alerts.iter().any(|a| a["indicator"] == "aum_drop"),
        "a slow fall is not a sudden-fall warning: {}",
        seg.text
    );
}
