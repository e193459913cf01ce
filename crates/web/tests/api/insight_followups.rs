//! What becomes of an insight: the manager opens a follow-up task from it (once, whatever the retries),
//! carries it out by logging the contact, a sale the gate lets through converts it, and the insight report
//! counts all of it within the reader's scope. An inflow that stays idle is an investment conversation; one
//! paid straight out is not. Rows a load left unmonitored are caught up by the sweep. What the customer says
//! at a contact is read too: two low ratings, or plans abroad in the needs recorded. Holdings are weighed
//! against the client's latest risk assessment: a product above it is a suitability review.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    an_insight_followed_up_is_one_task_carried_out_and_the_report_counts_it_converted,
    a_large_inflow_that_stays_is_an_investment_conversation_and_one_paid_out_is_not,
    rows_a_load_left_unmonitored_are_caught_up_by_the_sweep,
    contacts_rated_low_or_mentioning_plans_abroad_are_insights_for_the_manager,
    a_client_holding_products_above_the_latest_risk_assessment_is_a_suitability_review,
];

fn ago(days: i64) -> String {
    (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days)).to_string()
}

fn in_days(app: &TestApp, n: i64) -> String {
    app.app
        .today()
        .checked_add(jiff::Span::new().days(n))
        .unwrap()
        .to_string()
}

async fn product(app: &TestApp, admin: &str, code: &str, kind: &str) {
    let p = json!({"code": code, "kind": kind, "names": {"zh-CN": format!("产品{code}")},
        "currency": "CNY", "min_amount": 0, "status": "on_sale", "launch_on": "2020-01-01"});
    let r = app.post("/api/v1/products", admin, p).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

/// An account of the customer, known to the book from a holdings load.
async fn account(app: &TestApp, ops: &str, customer: &str, no: &str) {
    let item = json!({"account_no": no, "customer": customer, "product": "DD-CNY", "currency": "CNY",
        "status": "active", "opened_on": "2020-05-01", "balance": 100_000});
    let r = app
        .post(
            "/api/v1/book/holdings",
            ops,
            json!({"source": "core", "as_of": app.app.today().to_string(), "items": [item]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

async fn load_txs(app: &TestApp, ops: &str, items: Value) -> Value {
    let r = app
        .post(
            "/api/v1/book/transactions",
            ops,
            json!({"source": "core", "as_of": app.app.today().to_string(), "items": items}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

fn tx(id: &str, account: &str, days_ago: i64, yuan: i64, direction: &str) -> Value {
    json!({"id": id, "account_no": account, "at": ago(days_ago), "amount": yuan * 100, "currency": "CNY",
        "direction": direction, "channel": "online", "counterparty": "company"})
}

async fn insights_of(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/customers/{id}/insights"), token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body.as_array().unwrap().clone()
}

fn line<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == key)
        .unwrap_or_else(|| panic!("no line {key} in {report}"))
}

async fn an_insight_followed_up_is_one_task_carried_out_and_the_report_counts_it_converted(
    app: &TestApp,
) {
    let admin = app.login_as("adm", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0002"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    product(app, &admin, "DD-CNY", "demand_deposit").await;
    let id = verified_individual(app, &rm, "13812345901", 91).await;
    account(app, &ops, &id, "6222000000000901").await;
    // Three exchange-rate look-ups in 30 days: a possible cross-border need.
    let events: Vec<Value> = (0..3)
        .map(|k| json!({"id": format!("FX-{k}"), "customer": id, "at": ago(k + 1), "kind": "fx_rate_lookup"}))
        .collect();
    let r = app
        .post(
            "/api/v1/book/events",
            &ops,
            json!({"source": "digital", "as_of": app.app.today().to_string(), "items": events}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let found = insights_of(app, &rm, &id).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let iid = found[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/insights/{iid}/follow-up");

    // Bad input names every field and writes nothing; another branch's manager finds no such insight.
    let r = app
        .post(
            &path,
            &rm,
            json!({"version": 1, "method": "fax", "due_on": in_days(app, -1)}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("method".to_owned(), "one_of".to_owned()),
            ("due_on".to_owned(), "range".to_owned())
        ]
    );
    let r = app
        .post(
            &path,
            &rm,
            json!({"version": 1, "method": "call", "due_on": in_days(app, 91)}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("due_on".to_owned(), "range".to_owned())]
    );
    app.post(
        &path,
        &rm2,
        json!({"version": 1, "method": "call", "due_on": in_days(app, 3)}),
    )
    .await
    .assert_problem(404, "not_found");

    // The follow-up, sent twice with one key: one task for the manager, the insight acted on.
    let body = json!({"version": 1, "method": "call", "due_on": in_days(app, 3), "note": "介绍跨境汇款服务"});
    let mut answers = Vec::new();
    for _ in 0..2 {
        let r = app
            .req_h(
                Method::POST,
                &path,
                Some(&rm),
                Some(body.clone()),
                &[("Idempotency-Key", "follow-1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        answers.push(r.body);
    }
    assert_eq!(answers[0], answers[1]);
    let v = &answers[0];
    assert_eq!(
        (
            v["status"].as_str(),
            v["task"]["method"].as_str(),
            v["task"]["status"].as_str()
        ),
        (Some("acted"), Some("call"), Some("open")),
        "{v}"
    );
    assert_eq!(
        app.texts("SELECT kind FROM tasks WHERE kind = 'insight'")
            .await
            .len(),
        1
    );
    // Once is enough: the insight is no longer open.
    app.post(
        &path,
        &rm,
        json!({"version": 2, "method": "visit", "due_on": in_days(app, 5)}),
    )
    .await
    .assert_problem(409, "invalid_state");
    // The task is in the manager's list, and carried out by logging the contact with it.
    let tasks = app.get("/api/v1/tasks?due=all", &rm).await;
    let task_id = v["task"]["id"].as_str().unwrap();
    let listed = tasks.body.as_array().unwrap();
    assert!(
        listed
            .iter()
            .any(|t| t["id"] == task_id && t["kind"] == "insight"),
        "{}",
        tasks.text
    );
    let r = app
        .post(
            &format!("/api/v1/customers/{id}/interactions"),
            &rm,
            json!({"method": "call", "outcome": "客户有意了解跨境汇款", "task_id": task_id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let after = insights_of(app, &rm, &id).await;
    assert_eq!(after[0]["task"]["status"], "done", "{after:?}");
    let audited = app
        .texts("SELECT action FROM audit_log WHERE action = 'insight.follow_up'")
        .await;
    assert_eq!(audited.len(), 1);

    // Before any sale the report counts the insight acted on and followed up, not converted.
    let today = app.app.today().to_string();
    let report_path = format!("/api/v1/insights/report?from={today}&to={today}");
    let r = app.get(&report_path, &rm).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let l = line(&r.body, "cross_border_need");
    assert_eq!(
        (
            l["made"].as_i64(),
            l["acted"].as_i64(),
            l["open"].as_i64(),
            l["tasks"].as_i64(),
            l["tasks_done"].as_i64(),
            l["converted"].as_i64()
        ),
        (Some(1), Some(1), Some(0), Some(1), Some(1), Some(0)),
        "{l}"
    );
    // A refused request converts nothing; one the gate lets through does.
    let r = app
        .post(
            &format!("/api/v1/customers/{id}/sales"),
            &rm,
            json!({"kind": "account_opening", "product": "DD-CNY", "amount": 10_000,
                "account_no": "6222020200009876"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app.get(&report_path, &rm).await;
    let l = line(&r.body, "cross_border_need");
    assert_eq!(
        (l["converted"].as_i64(), l["converted_pct"].as_f64()),
        (Some(1), Some(100.0)),
        "{l}"
    );
    assert_eq!(r.body["total"]["made"].as_i64(), Some(1));
    assert_eq!(r.body["total"]["converted_pct"].as_f64(), Some(100.0));
    assert_eq!(r.body["total"]["offered"].as_i64(), Some(1));
    // Another branch's manager counts none of it; a period backwards is refused naming the field.
    let r = app.get(&report_path, &rm2).await;
    assert_eq!(
        r.body["lines"].as_array().map(Vec::len),
        Some(0),
        "{}",
        r.text
    );
    let r = app
        .get(
            &format!(
                "/api/v1/insights/report?from={}&to={today}",
                in_days(app, 1)
            ),
            &rm,
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("to".to_owned(), "after_from".to_owned())]
    );
}

async fn a_large_inflow_that_stays_is_an_investment_conversation_and_one_paid_out_is_not(
    app: &TestApp,
) {
    let admin = app.login_as("adm", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    product(app, &admin, "DD-CNY", "demand_deposit").await;
    let stays = verified_individual(app, &rm, "13812345911", 92).await;
    let passes = verified_individual(app, &rm, "13812345912", 93).await;
    let later = verified_individual(app, &rm, "13812345913", 95).await;
    account(app, &ops, &stays, "6222000000000911").await;
    account(app, &ops, &passes, "6222000000000912").await;
    account(app, &ops, &later, "6222000000000913").await;
    load_txs(
        app,
        &ops,
        json!([
            // 600,000 in three weeks ago; 50,000 paid out since (under a fifth): it stayed.
            tx("I-1", "6222000000000911", 21, 600_000, "credit"),
            tx("I-2", "6222000000000911", 10, 50_000, "debit"),
            // 600,000 in three weeks ago and 550,000 out within days: it passed through; and 700,000
            // that came in three days ago has not had time to stay.
            tx("P-1", "6222000000000912", 21, 600_000, "credit"),
            tx("P-2", "6222000000000912", 18, 550_000, "debit"),
            tx("P-3", "6222000000000912", 3, 700_000, "credit"),
            // 600,000 that sat for two weeks and was paid out five days ago: no longer waiting.
            tx("L-1", "6222000000000913", 21, 600_000, "credit"),
            tx("L-2", "6222000000000913", 5, 580_000, "debit"),
        ]),
    )
    .await;
    let keys = |v: &[Value]| -> Vec<String> {
        v.iter()
            .map(|i| i["key"].as_str().unwrap().to_owned())
            .collect()
    };
    let found = insights_of(app, &rm, &stays).await;
    assert_eq!(keys(&found), vec!["idle_inflow".to_owned()]);
    assert_eq!(
        (
            found[0]["facts"]["count"].as_u64(),
            found[0]["facts"]["total_cny"].as_i64(),
            found[0]["evidence"][0]["amount_cny"].as_i64()
        ),
        (Some(1), Some(60_000_000), Some(60_000_000)),
        "{found:?}"
    );
    assert!(keys(&insights_of(app, &rm, &passes).await).is_empty());
    assert!(keys(&insights_of(app, &rm, &later).await).is_empty());
    // An insight past its expiry is a stale lead: it is neither followed up nor acted on.
    app.sql("UPDATE insights SET expires_at_us = 1").await;
    let iid = found[0]["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/insights/{iid}/follow-up"),
        &rm,
        json!({"version": 1, "method": "call", "due_on": in_days(app, 2)}),
    )
    .await
    .assert_problem(409, "expired");
    app.post(
        &format!("/api/v1/insights/{iid}/act"),
        &rm,
        json!({"version": 1}),
    )
    .await
    .assert_problem(409, "expired");
}

async fn rows_a_load_left_unmonitored_are_caught_up_by_the_sweep(app: &TestApp) {
    let admin = app.login_as("adm", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    product(app, &admin, "DD-CNY", "demand_deposit").await;
    let id = verified_individual(app, &rm, "13812345921", 94).await;
    account(app, &ops, &id, "6222000000000921").await;
    let mut cash = tx("C-1", "6222000000000921", 1, 60_000, "credit");
    cash["cash"] = json!(true);
    cash["counterparty"] = json!("individual");
    let body = load_txs(app, &ops, json!([cash])).await;
    let load = body["load"]["id"].as_str().unwrap().to_owned();
    let alerts = "SELECT indicator FROM alerts WHERE indicator = 'monitor.large_cash'";
    assert_eq!(app.texts(alerts).await.len(), 1);
    // A load that finished is marked monitored: the sweep has nothing to do.
    assert_eq!(
        banyan_app::book::monitoring::sweep(&app.app).await.unwrap(),
        0
    );
    // The node stopped after the rows were committed and before monitoring read them: no alert, no mark,
    // and the load still says running.
    app.sql("DELETE FROM monitoring_hits").await;
    app.sql("DELETE FROM alerts").await;
    // (The only transactions load so far; ids are stored differently on each backend.)
    app.sql(
        "UPDATE book_loads SET monitored_at_us = NULL, status = 'running', finished_at_us = NULL, \
         created_at_us = created_at_us - 10800000000 WHERE kind = 'transactions'",
    )
    .await;
    // Reloading the file finds the rows known and raises nothing; the sweep reads them.
    let again = load_txs(app, &ops, json!([cash])).await;
    assert_eq!(again["load"]["unchanged"].as_i64(), Some(1), "{again}");
    assert!(app.texts(alerts).await.is_empty());
    assert_eq!(
        banyan_app::book::monitoring::sweep(&app.app).await.unwrap(),
        1
    );
    assert_eq!(app.texts(alerts).await.len(), 1);
    let r = app.get(&format!("/api/v1/book/loads/{load}"), &ops).await;
    assert_eq!(r.body["load"]["status"], "failed", "{}", r.text);
    // Once caught up, never again.
    assert_eq!(
        banyan_app::book::monitoring::sweep(&app.app).await.unwrap(),
        0
    );
    assert_eq!(app.texts(alerts).await.len(), 1);
    // Read again after the manager closed the alert (a load whose mark was lost): the transaction is
    // already recorded, so no second alert opens for the same day.
    app.sql("UPDATE alerts SET status = 'closed'").await;
    app.sql("UPDATE book_loads SET monitored_at_us = NULL WHERE kind = 'transactions'")
        .await;
    assert_eq!(
        banyan_app::book::monitoring::sweep(&app.app).await.unwrap(),
        2
    );
    let open =
        "SELECT indicator FROM alerts WHERE indicator = 'monitor.large_cash' AND status = 'open'";
    assert!(app.texts(open).await.is_empty());
    assert_eq!(app.texts(alerts).await.len(), 1);
}

async fn contacts_rated_low_or_mentioning_plans_abroad_are_insights_for_the_manager(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0002"))
        .await;
    let id = verified_individual(app, &rm, "13812345907", 97).await;
    let path = format!("/api/v1/customers/{id}/interactions");
    let contact = |satisfaction: i64, needs: &str| json!({"method": "call", "outcome": "回访", "satisfaction": satisfaction, "needs": needs});
    // One low rating is not yet a pattern; a well-rated contact about deposits says nothing.
    for body in [contact(2, "想了解定期存款"), contact(5, "想了解定期存款")] {
        let r = app.post(&path, &rm, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    assert!(insights_of(app, &rm, &id).await.is_empty());
    let notices_before = app.count("staff_notices").await;
    // A second low rating within 90 days, mentioning a child's studies abroad: two insights.
    let r = app.post(&path, &rm, contact(1, "孩子明年出国留学")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let found = insights_of(app, &rm, &id).await;
    let mut keys: Vec<&str> = found.iter().map(|i| i["key"].as_str().unwrap()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["low_satisfaction", "overseas_plans"], "{found:?}");
    let low = found
        .iter()
        .find(|i| i["key"] == "low_satisfaction")
        .unwrap();
    assert_eq!(low["source"], "interactions");
    assert_eq!(low["facts"]["count"], 2);
    assert_eq!(low["facts"]["window_days"], 90);
    let evidence = low["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 2);
    // The evidence names the contact by its method, never by what the customer said.
    assert!(evidence.iter().all(|e| e["what"] == "call"), "{evidence:?}");
    assert!(!low.to_string().contains("留学"));
    // The manager is told, once per insight.
    assert_eq!(app.count("staff_notices").await, notices_before + 2);
    // Another contact in the window does not repeat the insights; another branch's manager sees none.
    let r = app.post(&path, &rm, contact(1, "出国前想换汇")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(insights_of(app, &rm, &id).await.len(), 2);
    let r = app
        .get(&format!("/api/v1/customers/{id}/insights"), &rm2)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
}

/// A balanced client (up to R3) who holds an R4 product, after a holdings load: one insight naming the R4
/// product and not the R2 one. An aggressive client holding the same product, and a client never assessed,
/// have none. Loaded again, nothing repeats. The aggressive client re-assessed as balanced has the review at
/// once (an assessment reads the rule for its customer).
async fn a_client_holding_products_above_the_latest_risk_assessment_is_a_suitability_review(
    app: &TestApp,
) {
    let crate::wealth::Desk { rm, .. } = crate::wealth::desk(app).await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let balanced = crate::wealth::client(app, &rm, "19800101", 301).await;
    let aggressive = crate::wealth::client(app, &rm, "19800101", 302).await;
    let never = crate::wealth::client(app, &rm, "19800101", 303).await;
    crate::wealth::assess(app, &rm, &balanced, "balanced", "branch").await;
    crate::wealth::assess(app, &rm, &aggressive, "aggressive", "branch").await;
    let holding = |no: &str, customer: &str, product: &str| {
        json!({"account_no": no, "customer": customer, "product": product, "currency": "CNY",
               "status": "active", "opened_on": "2025-03-01", "balance": 10_000_000})
    };
    let load = json!({"source": "core", "as_of": "2026-11-30", "items": [
        holding("WM0001", &balanced, "WM-R4"),
        holding("WM0002", &balanced, "WM-R2"),
        holding("WM0003", &aggressive, "WM-R4"),
        holding("WM0004", &never, "WM-R4"),
    ]});
    let r = app.post("/api/v1/book/holdings", &ops, load.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let found = insights_of(app, &rm, &balanced).await;
    let above: Vec<&Value> = found
        .iter()
        .filter(|i| i["key"] == "holding_above_appetite")
        .collect();
    assert_eq!(above.len(), 1, "{found:?}");
    assert_eq!(above[0]["source"], "holdings");
    assert_eq!(above[0]["above_risk_appetite"], true);
    assert_eq!(above[0]["facts"]["count"], 1);
    let what: Vec<&str> = above[0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["what"].as_str().unwrap())
        .collect();
    assert_eq!(what, ["WM-R4"]);
    for other in [&aggressive, &never] {
        let found = insights_of(app, &rm, other).await;
        assert!(
            found.iter().all(|i| i["key"] != "holding_above_appetite"),
            "{found:?}"
        );
    }
    // The day's file again: no second insight.
    let r = app.post("/api/v1/book/holdings", &ops, load).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let again = insights_of(app, &rm, &balanced).await;
    assert_eq!(
        again
            .iter()
            .filter(|i| i["key"] == "holding_above_appetite")
            .count(),
        1
    );
    // The aggressive client re-assessed as balanced: the R4 holding is a review at once, without a load.
    crate::wealth::assess(app, &rm, &aggressive, "balanced", "branch").await;
    let found = insights_of(app, &rm, &aggressive).await;
    let above: Vec<&Value> = found
        .iter()
        .filter(|i| i["key"] == "holding_above_appetite")
        .collect();
    assert_eq!(above.len(), 1, "{found:?}");
    assert_eq!(above[0]["evidence"][0]["what"], "WM-R4");
    // A sale within the review's window is no measure of it: the report counts the two reviews made and
    // shows no conversion for them, nor a conversion rate in a total that holds no sales opportunity.
    let sale = crate::wealth::sell(app, &rm, &balanced, "WM-R2", json!({})).await;
    assert_eq!(sale.body["decision"], "recorded", "{}", sale.text);
    let today = app.app.today().to_string();
    let r = app
        .get(
            &format!("/api/v1/insights/report?from={today}&to={today}"),
            &rm,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let l = line(&r.body, "holding_above_appetite");
    assert_eq!(l["made"], 2, "{l}");
    assert!(
        l["converted"].is_null() && l["converted_pct"].is_null(),
        "{l}"
    );
    let total = &r.body["total"];
    assert_eq!(
        (&total["made"], &total["offered"]),
        (&json!(2), &json!(0)),
        "{total}"
    );
    assert!(
        total["converted"].is_null() && total["converted_pct"].is_null(),
        "{total}"
    );
    // The product names reach the words of the page: the catalogue names the evidence's code.
    let names = banyan_app::book::product_names(
        &app.app,
        &banyan_app::access::actor_for(&app.app, "rm1")
            .await
            .unwrap(),
        &["WM-R4".to_owned()],
    )
    .await
    .unwrap();
    assert_eq!(names["WM-R4"]["zh-CN"], "产品WM-R4");
}
