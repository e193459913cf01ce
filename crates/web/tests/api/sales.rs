//! The one gate for every sale or application: a request is checked against the catalogue, then the
//! customer's risk measures refuse what they block (naming the action and the rating), the refusal is kept,
//! audited and counted, and a retry with the same Idempotency-Key records nothing twice.

use crate::harness::*;
use crate::segments::metrics;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::tests![a_high_risk_customer_is_refused_what_their_measures_block_and_it_is_counted,];

async fn a_high_risk_customer_is_refused_what_their_measures_block_and_it_is_counted(
    app: &TestApp,
) {
    let admin = app.login_as("adm", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let risk = app.login_as("risk1", Role::RiskOfficer, None).await;
    for (code, kind, risk_level, min) in [
        ("FD-R2", "fund", Some("R2"), 100_000),
        ("FD-R5", "fund", Some("R5"), 100_000),
        ("CARD", "card", None, 0),
        ("DD", "demand_deposit", None, 0),
    ] {
        let mut p = json!({"code": code, "kind": kind, "names": {"zh-CN": format!("产品{code}")},
            "currency": "CNY", "min_amount": min, "status": "on_sale", "launch_on": "2020-01-01"});
        if let Some(r) = risk_level {
            p["risk_level"] = json!(r);
        }
        let r = app.post("/api/v1/products", &admin, p).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let id = verified_individual(app, &rm, "13812345801", 81).await;
    let path = format!("/api/v1/customers/{id}/sales");
    let sale = |kind: &str, product: &str, amount: i64| json!({"kind": kind, "product": product, "amount": amount});

    // Assessed face to face as aggressive (suitability lets R5 through), before any rating a high-risk fund
    // is recorded.
    let r = app
        .post(
            &format!("/api/v1/customers/{id}/risk-assessment"),
            &rm,
            json!({"channel": "branch", "answers": {"horizon": "over_5y", "experience": "equities",
                "loss_tolerance": "over_30", "objective": "growth", "income_share": "under_20"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(&path, &rm, sale("product_sale", "FD-R5", 200_000))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["decision"], "recorded");

    // Bad requests name the field and the rule, and write nothing.
    let r = app
        .post(&path, &rm, sale("loan_application", "CARD", 0))
        .await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("product".into(), "kind".into()),
            ("amount".into(), "min".into())
        ]
    );
    let r = app
        .post(&path, &rm, sale("product_sale", "FD-R2", 50_000))
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("amount".into(), "below_minimum".into())]
    );
    let r = app
        .post(&path, &rm, sale("product_sale", "NO-SUCH", 1))
        .await;
    assert_eq!(r.field_errors(), vec![("product".into(), "unknown".into())]);
    // Another manager's customer is not found.
    app.post(&path, &rm2, sale("product_sale", "FD-R2", 200_000))
        .await
        .assert_problem(404, "not_found");

    // Overdue debts rate the customer high: new high-risk business and more credit are blocked.
    let mut bad = metrics("2026-11-20", 100_000, 100, 0);
    bad["overdue_count"] = json!(3);
    bad["debts"] = json!(280_000 * 100);
    let r = app
        .post(
            "/api/v1/metrics",
            &risk,
            json!({"items": [{"customer": id, "metrics": bad}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let key = [("Idempotency-Key", "sale-r5-1")];
    let refused = app
        .req_h(
            Method::POST,
            &path,
            Some(&rm),
            Some(sale("product_sale", "FD-R5", 200_000)),
            &key,
        )
        .await;
    assert_eq!(refused.status, StatusCode::CREATED, "{}", refused.text);
    assert_eq!(refused.body["decision"], "refused");
    assert_eq!(
        refused.body["refusal"],
        json!({"action": "new_high_risk_business", "rating": "high"})
    );
    // The same request retried with its key is the same answer, not a second record.
    let again = app
        .req_h(
            Method::POST,
            &path,
            Some(&rm),
            Some(sale("product_sale", "FD-R5", 200_000)),
            &key,
        )
        .await;
    assert_eq!(again.body["id"], refused.body["id"], "{}", again.text);
    let r = app
        .post(&path, &rm, sale("credit_limit", "CARD", 5_000_000))
        .await;
    assert_eq!(r.body["refusal"]["action"], "credit_increase", "{}", r.text);
    // What the measures do not block goes through.
    let r = app
        .post(&path, &rm, sale("product_sale", "FD-R2", 200_000))
        .await;
    assert_eq!(r.body["decision"], "recorded", "{}", r.text);
    // An opening names its account; the number is shown masked, and the account is opened once.
    let r = app.post(&path, &rm, sale("account_opening", "DD", 1)).await;
    assert_eq!(
        r.field_errors(),
        vec![("account_no".into(), "required".into())]
    );
    let mut open = sale("account_opening", "DD", 1);
    open["account_no"] = json!("6222020200001234");
    let r = app.post(&path, &rm, open.clone()).await;
    assert_eq!(r.body["decision"], "recorded", "{}", r.text);
    assert_eq!(r.body["account_no"], "****1234", "{}", r.text);
    let r = app.post(&path, &rm, open).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.body["code"], "duplicate_account", "{}", r.text);

    let list = app.get(&path, &rm).await;
    let decisions: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        decisions,
        vec!["recorded", "recorded", "refused", "refused", "recorded"]
    );
    assert_eq!(app.count("sales").await, 5);

    // Refusals are counted per action and rating, and audited.
    let today = app.app.today().to_string();
    let counts = app
        .get(
            &format!("/api/v1/sales/refusals?from={today}&to={today}"),
            &risk,
        )
        .await;
    assert_eq!(
        counts.body,
        json!([
            {"action": "credit_increase", "rating": "high", "count": 1},
            {"action": "new_high_risk_business", "rating": "high", "count": 1}
        ]),
        "{}",
        counts.text
    );
    app.seal().await;
    let actions = app
        .texts("SELECT action FROM audit_log WHERE action LIKE 'sale.%' ORDER BY seq")
        .await;
    assert_eq!(
        actions,
        vec![
            "sale.record",
            "sale.refuse",
            "sale.refuse",
            "sale.record",
            "sale.record"
        ]
    );
}
