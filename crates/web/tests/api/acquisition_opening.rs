//! A won lead's account and products (seed 002 §六.1): once the registry has verified the new customer,
//! the account the core system opened is recorded with its number, then the products signed — each through
//! the book's one gate, in one transaction with the lead's history; the account before any product; an
//! account once; a retry with the same Idempotency-Key records nothing twice.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::tests![
    a_won_lead_opens_its_account_signs_its_products_and_counts_toward_the_business_targets
];

async fn a_won_lead_opens_its_account_signs_its_products_and_counts_toward_the_business_targets(
    app: &TestApp,
) {
    let admin = app.login_as("adm", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    for (code, kind) in [
        ("DD-CORP", "demand_deposit"),
        ("WCL", "working_capital_loan"),
    ] {
        let p = json!({"code": code, "kind": kind, "names": {"zh-CN": format!("产品{code}")},
            "currency": "CNY", "min_amount": 0, "status": "on_sale", "launch_on": "2020-01-01"});
        let r = app.post("/api/v1/products", &admin, p).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let r = app
        .post(
            "/api/v1/leads",
            &rm,
            json!({"kind": "corporate", "name": "东湖精密仪器有限公司", "mobile": "13500007777",
                "id_number": credit_code("MA7776665"), "industry": "C", "income": 6_000_000_000i64,
                "assets": 2_000_000_000i64, "liabilities": 500_000_000i64, "channel": "trade_fair",
                "basis": "consent", "consent_on": "2026-11-20", "credit_grade": "AA",
                "credit_source": "中诚信", "credit_on": "2026-10-08"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/leads/{id}/sales");
    let open = json!({"kind": "account_opening", "product": "DD-CORP", "amount": 1_000_000,
        "account_no": "6228480012345678"});

    // Before the win there is no customer to open an account for.
    app.post(&path, &rm, open.clone())
        .await
        .assert_problem(409, "invalid_state");
    let act = |t: &str, b: serde_json::Value| {
        let (t, id) = (t.to_owned(), id.clone());
        async move {
            app.post(&format!("/api/v1/leads/{id}/actions"), &t, b)
                .await
        }
    };
    act(&rm, json!({"action": "screen"})).await;
    act(&rev, json!({"action": "accept"})).await;
    crate::acquisition_visits::visited(app, &rm, &id).await;
    crate::acquisition_papers::papers_done(app, &rm, &rev, &id).await;
    let won = act(&rm, json!({"action": "win"})).await;
    assert_eq!(won.status, StatusCode::OK, "{}", won.text);
    assert_eq!(
        won.body["opening"],
        json!({"customer_status": "draft", "account_opened": false, "sales": [], "accounts": []})
    );
    let customer = won.body["customer_id"].as_str().unwrap().to_owned();

    // The registry's identification review comes first.
    app.post(&path, &rm, open.clone())
        .await
        .assert_problem(409, "customer_not_verified");
    let r = app
        .post(
            &format!("/api/v1/customers/{customer}/submit"),
            &rm,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/customers/{customer}/verify"),
            &rev,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // A product before the account; an opening without its number or with a malformed one: refused,
    // nothing written.
    let loan = json!({"kind": "loan_application", "product": "WCL", "amount": 500_000_000});
    app.post(&path, &rm, loan.clone())
        .await
        .assert_problem(409, "account_not_opened");
    let mut bad = open.clone();
    bad["account_no"] = json!("6228 4800");
    assert_eq!(
        app.post(&path, &rm, bad).await.field_errors(),
        vec![("account_no".into(), "account_format".into())]
    );
    assert_eq!(app.count("sales").await, 0);

    // Another manager does not find the lead.
    app.post(&path, &rm2, open.clone())
        .await
        .assert_problem(404, "not_found");

    // The opening, retried with its key, is one record.
    let key = [("Idempotency-Key", "lead-open-1")];
    let first = app
        .req_h(Method::POST, &path, Some(&rm), Some(open.clone()), &key)
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(
        (&first.body["decision"], &first.body["account_no"]),
        (&json!("recorded"), &json!("****5678"))
    );
    let again = app
        .req_h(Method::POST, &path, Some(&rm), Some(open.clone()), &key)
        .await;
    assert_eq!(again.body["id"], first.body["id"], "{}", again.text);
    assert_eq!(app.count("sales").await, 1);
    // The same account again, without the key: opened once.
    app.post(&path, &rm, open.clone())
        .await
        .assert_problem(409, "duplicate_account");

    // Now the product: the working-capital loan the proposal agreed.
    let r = app.post(&path, &rm, loan).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["decision"], "recorded", "{}", r.text);

    // The lead's page: the customer verified, the account opened, both records; the history names them.
    let v = app.get(&format!("/api/v1/leads/{id}"), &rm).await.body;
    assert_eq!(v["opening"]["customer_status"], "verified");
    assert_eq!(v["opening"]["account_opened"], true);
    let kinds: Vec<&str> = v["opening"]["sales"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["loan_application", "account_opening"]);
    let actions: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.ends_with(&["won", "account_opened", "product_signed"])
            || actions.starts_with(&["product_signed", "account_opened", "won"]),
        "{actions:?}"
    );
    // The customer's own page lists the same records (the book is one).
    let sales = app
        .get(&format!("/api/v1/customers/{customer}/sales"), &rm)
        .await;
    assert_eq!(sales.body.as_array().unwrap().len(), 2, "{}", sales.text);
    // Audited on the customer (the gate) and on the lead.
    for action in ["sale.record", "lead.sale"] {
        let n = app
            .count(&format!("audit_log WHERE action = '{action}'"))
            .await;
        assert_eq!(n, 2, "{action}");
    }

    // What the new customer brought counts toward the owner's business targets once the book has its
    // figures: the deposits and the loans of the customers won this quarter.
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let risk = app.login_as("risk1", Role::RiskOfficer, None).await;
    let quarter = app.get("/api/v1/leads/targets", &sup).await;
    let starts_on = quarter.body["starts_on"].as_str().unwrap().to_owned();
    for (metric, value) in [("new_deposits", 100_000_000), ("new_loans", 400_000_000)] {
        let r = app
            .post(
                "/api/v1/leads/targets",
                &sup,
                json!({"period": "quarter", "starts_on": starts_on, "level": "person",
                    "staff": v["rm_id"], "metric": metric, "value": value}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["actual"], 0, "no figures yet: {}", r.text);
    }
    let figures = json!({"as_of": app.app.today().to_string(),
        "assets": {"deposits": 40_000_000, "wealth_products": 10_000_000},
        "loans": 500_000_000, "fee_income": 1_200_000});
    let r = app
        .post(
            "/api/v1/metrics",
            &risk,
            json!({"items": [{"customer": customer, "metrics": figures}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let report = app.get("/api/v1/leads/targets", &sup).await;
    let got: Vec<(String, i64, i64, i64)> = report.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["metric"].as_str().unwrap().to_owned(),
                l["actual"].as_i64().unwrap(),
                l["gap"].as_i64().unwrap(),
                l["attainment_permille"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("new_deposits".into(), 40_000_000, 60_000_000, 400),
            ("new_loans".into(), 500_000_000, 0, 1250)
        ],
        "{}",
        report.text
    );
}
