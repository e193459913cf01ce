//! Monitoring of large and unusual transactions: a transactions load raises alerts in the one alert queue
//! (per customer, criterion and day, the day single or cumulative), a reload raises nothing, the owner
//! disposes of an alert with a reason, an overdue alert escalates once to the branch's supervisors, and
//! the compliance team exports the large-value report.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::tests![large_and_unusual_transactions_reach_the_one_alert_queue_once,];

/// A day `back` days before today in the bank's time zone, at `hh:00` (+08:00).
fn at(app: &TestApp, back: i64, hh: u32) -> String {
    let d = app
        .app
        .today()
        .checked_sub(jiff::Span::new().days(back))
        .unwrap();
    format!("{d}T{hh:02}:00:00+08:00")
}

fn tx(id: &str, at: &str, yuan: i64, direction: &str) -> Value {
    json!({"id": id, "account_no": "6222000000000101", "at": at, "amount": yuan * 100, "currency": "CNY",
        "direction": direction, "channel": "branch", "counterparty": "individual"})
}

fn indicators(page: &Value) -> Vec<String> {
    let mut v: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["alert"]["indicator"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

async fn large_and_unusual_transactions_reach_the_one_alert_queue_once(app: &TestApp) {
    let admin = app.login_as("adm", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let risk = app.login_as("risk1", Role::RiskOfficer, None).await;
    app.staff("sup1", Role::Supervisor, Some("BR0001")).await;
    let r = app
        .post(
            "/api/v1/products",
            &admin,
            json!({"code": "DD-CNY", "kind": "demand_deposit", "names": {"zh-CN": "活期"}, "currency": "CNY",
                "min_amount": 0, "status": "on_sale", "launch_on": "2020-01-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = verified_individual(app, &rm, "13812345701", 71).await;
    let r = app
        .post(
            "/api/v1/book/holdings",
            &ops,
            json!({"source": "core", "as_of": app.app.today().to_string(), "items": [{"account_no": "6222000000000101",
                "customer": id, "product": "DD-CNY", "currency": "CNY", "status": "active",
                "opened_on": "2020-05-01", "balance": 100_000_000}]}),
        )
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(1), "{}", r.text);

    // Five ordinary payments make the baseline; two cash deposits make a large cash day together (30,000 +
    // 25,000 ≥ 50,000, neither alone); 250,000 abroad is a large cross-border transfer and 50 times the
    // average; a transfer between own accounts is nothing to report.
    let mut items: Vec<Value> = (0..5)
        .map(|i| tx(&format!("B-{i}"), &at(app, 20 + i, 10), 5_000, "debit"))
        .collect();
    let mut cash1 = tx("C-1", &at(app, 2, 9), 30_000, "credit");
    cash1["cash"] = json!(true);
    let mut cash2 = tx("C-2", &at(app, 2, 15), 25_000, "credit");
    cash2["cash"] = json!(true);
    let mut abroad = tx("X-1", &at(app, 1, 11), 250_000, "debit");
    abroad["cross_border"] = json!(true);
    abroad["channel"] = json!("wire");
    let mut own = tx("O-1", &at(app, 1, 12), 900_000, "credit");
    own["counterparty"] = json!("internal");
    items.extend([cash1, cash2, abroad, own]);
    let body = json!({"source": "core", "as_of": app.app.today().to_string(), "items": items});
    let r = app
        .post("/api/v1/book/transactions", &ops, body.clone())
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(9), "{}", r.text);

    let q = app.get("/api/v1/alerts?kind=monitoring", &rm).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text);
    assert_eq!(
        indicators(&q.body),
        vec![
            "monitor.large_cash",
            "monitor.large_cross_border",
            "monitor.unusual"
        ],
        "{}",
        q.text
    );
    assert_eq!(q.body["total"].as_u64(), Some(3));
    let cash = q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["alert"]["indicator"] == "monitor.large_cash")
        .unwrap()["alert"]
        .clone();
    let cash_id = cash["id"].as_str().unwrap().to_owned();
    assert_eq!(cash["subject"].as_str(), Some(&at(app, 2, 0)[..10]));
    assert_eq!(cash["checks"][0]["fact"], "day_total");
    assert_eq!(cash["checks"][0]["value"].as_f64(), Some(5_500_000.0));
    let d = app.get(&format!("/api/v1/alerts/{cash_id}"), &rm).await;
    let hits: Vec<&str> = d.body["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["tx_id"].as_str().unwrap())
        .collect();
    assert_eq!(hits, vec!["C-1", "C-2"], "{}", d.text);
    // The manager was told.
    let notices = app
        .texts("SELECT kind FROM staff_notices WHERE kind = 'book.alert'")
        .await;
    assert_eq!(notices.len(), 3);

    // The same file again raises nothing.
    let r = app.post("/api/v1/book/transactions", &ops, body).await;
    assert_eq!(r.body["load"]["unchanged"].as_i64(), Some(9), "{}", r.text);
    assert_eq!(app.count("alerts").await, 3);
    assert_eq!(app.count("monitoring_hits").await, 4);

    // A later cash deposit of the same day joins the day's open alert, whose figures now say the day's total.
    let mut cash3 = tx("C-3", &at(app, 2, 17), 30_000, "credit");
    cash3["cash"] = json!(true);
    let later = json!({"source": "core", "as_of": app.app.today().to_string(), "items": [cash3]});
    let r = app.post("/api/v1/book/transactions", &ops, later).await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(1), "{}", r.text);
    assert_eq!(app.count("alerts").await, 3);
    let joined = app.get(&format!("/api/v1/alerts/{cash_id}"), &rm).await;
    assert_eq!(
        joined.body["alert"]["checks"][0]["value"].as_f64(),
        Some(8_500_000.0),
        "{}",
        joined.text
    );
    assert_eq!(joined.body["transactions"].as_array().unwrap().len(), 3);

    // Another manager of the branch does not see the customer's alerts; out of scope is not found.
    let other = app.get("/api/v1/alerts", &rm2).await;
    assert_eq!(other.body["total"].as_u64(), Some(0), "{}", other.text);
    app.get(&format!("/api/v1/alerts/{cash_id}"), &rm2)
        .await
        .assert_problem(404, "not_found");

    // Due five working days on, by the bank's calendar (not five calendar days).
    let today = app.app.today();
    let due = banyan_domain::calendar::WorkCalendar::china()
        .add_working_days(today, 5)
        .unwrap();
    assert_eq!(cash["due_on"].as_str(), Some(&due.to_string()[..]));

    // A large-value alert is compliance's: the manager sees it and is not offered to close it, and is
    // refused when trying.
    assert_eq!(d.body["may_close"], false, "{}", d.text);
    let close = format!("/api/v1/alerts/{cash_id}/close");
    app.post(
        &close,
        &rm,
        json!({"resolution": "客户经营收入存现，已核实", "disposition": "reported"}),
    )
    .await
    .assert_problem(403, "permission_denied");
    let seen = app.get(&format!("/api/v1/alerts/{cash_id}"), &risk).await;
    assert_eq!(seen.body["may_close"], true, "{}", seen.text);
    // Disposed of with its disposition and a reason; the customer's business does not waive the report.
    let r = app
        .post(&close, &risk, json!({"resolution": "客户经营收入存现"}))
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("disposition".into(), "required".into())]
    );
    let r = app
        .post(
            &close,
            &risk,
            json!({"resolution": "  ", "disposition": "reported"}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("resolution".into(), "required".into())]
    );
    let r = app
        .post(
            &close,
            &risk,
            json!({"resolution": "客户经营收入存现", "disposition": "explained"}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("disposition".into(), "one_of".into())]
    );
    let r = app
        .post(
            &close,
            &risk,
            json!({"resolution": "已核实并纳入大额交易报告", "disposition": "reported"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    app.post(
        &close,
        &risk,
        json!({"resolution": "again", "disposition": "reported"}),
    )
    .await
    .assert_problem(409, "invalid_state");
    let closed = app.get(&format!("/api/v1/alerts/{cash_id}"), &rm).await;
    assert_eq!(closed.body["alert"]["status"], "closed");
    assert_eq!(closed.body["alert"]["disposition"], "reported");
    assert_eq!(closed.body["may_close"], false);
    // The manager disposes of their customer's behavioural alert (not a large-value one) as explained.
    let unusual = q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["alert"]["indicator"] == "monitor.unusual")
        .unwrap()["alert"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &format!("/api/v1/alerts/{unusual}/close"),
            &rm,
            json!({"resolution": "客户购房首付，已核实", "disposition": "explained"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let open = app.get("/api/v1/alerts?status=open", &rm).await;
    assert_eq!(open.body["total"].as_u64(), Some(1), "{}", open.text);

    // Past its due day an open alert escalates once, to the branch's supervisors.
    app.sql("UPDATE alerts SET due_on = '2020-01-01' WHERE status = 'open'")
        .await;
    let overdue = app.get("/api/v1/alerts?overdue=true", &rm).await;
    assert_eq!(overdue.body["total"].as_u64(), Some(1), "{}", overdue.text);
    assert!(
        overdue.body["items"][0]["alert"]["overdue"]
            .as_bool()
            .unwrap()
    );
    let n = banyan_app::segments::alerts::escalate_overdue(&app.app)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let again = banyan_app::segments::alerts::escalate_overdue(&app.app)
        .await
        .unwrap();
    assert_eq!(again, 0);
    // The branch has one supervisor, told once; the alert left is large-value (cross-border), so the risk
    // officer, who alone may dispose of it, is told too.
    let told = app
        .texts("SELECT s.username FROM staff_notices n JOIN staff s ON s.id = n.staff_id WHERE n.kind = 'alert.escalated' ORDER BY s.username")
        .await;
    assert_eq!(told, vec!["risk1", "sup1"]);

    // The large-value report: compliance's, per customer, day and criterion; audited.
    let from = at(app, 7, 0)[..10].to_owned();
    let to = app.app.today().to_string();
    let path = format!("/api/v1/monitoring/large-value?from={from}&to={to}");
    app.get(&path, &rm)
        .await
        .assert_problem(403, "permission_denied");
    let rep = app.get(&path, &risk).await;
    assert_eq!(rep.status, StatusCode::OK, "{}", rep.text);
    let lines: Vec<(String, String, i64, i64)> = rep
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["criterion"].as_str().unwrap().to_owned(),
                l["direction"].as_str().unwrap().to_owned(),
                l["count"].as_i64().unwrap(),
                l["total_cny"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("large_cash".into(), "credit".into(), 3, 8_500_000),
            ("large_cross_border".into(), "debit".into(), 1, 25_000_000),
        ],
        "{}",
        rep.text
    );
    let bad = app
        .get(
            &format!("/api/v1/monitoring/large-value?from={to}&to={from}"),
            &risk,
        )
        .await;
    assert_eq!(bad.field_errors(), vec![("to".into(), "after_from".into())]);
    app.seal().await;
    let actions = app
        .texts("SELECT action FROM audit_log WHERE action IN ('alert.close', 'alert.escalate', 'monitoring.large_value_report') ORDER BY seq")
        .await;
    assert_eq!(
        actions,
        vec![
            "alert.close",
            "alert.close",
            "alert.escalate",
            "monitoring.large_value_report"
        ]
    );
}
