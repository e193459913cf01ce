//! Suitability at the moment of sale (issue 17; DOMAIN-DEFAULTS §2), on both databases: every rule of the
//! book's gate refuses an unsuitable sale naming itself and passes a suitable one; each decision is stored
//! with the facts it read; an older client and a high-risk product wait for the client's confirmation and a
//! senior reviewer; a private product cools off — the client may cancel, the seller may not contact them —
//! and completes when the period ends; the suitability report answers from the record.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::tests![
    each_rule_of_the_gate_refuses_naming_itself_and_the_record_keeps_what_it_read,
    an_older_client_and_a_high_risk_product_wait_for_a_senior_reviewer,
    a_private_product_cools_off_and_its_seller_keeps_away,
];

pub(crate) struct Desk {
    pub(crate) rm: String,
    pub(crate) sup: String,
}

/// The catalogue the tests sell from: R2 and R4 wealth products, a private R3 one, an R3 fund the
/// catalogue marks for recording (ending 2027-06-30).
pub(crate) async fn desk(app: &TestApp) -> Desk {
    let admin = app.login_as("adm", Role::Admin, None).await;
    let mut products = vec![
        crate::book::product("WM-R2", "wealth_product", Some("R2")),
        crate::book::product("WM-R4", "wealth_product", Some("R4")),
    ];
    let mut private = crate::book::product("PF-R3", "wealth_product", Some("R3"));
    private["private"] = json!(true);
    products.push(private);
    let mut recorded = crate::book::product("FD-R3", "fund", Some("R3"));
    recorded["dual_recording"] = json!(true);
    recorded["end_on"] = json!("2027-06-30");
    products.push(recorded);
    for p in products {
        let r = app.post("/api/v1/products", &admin, p).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    Desk {
        rm: app
            .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
            .await,
        sup: app.login_as("sup1", Role::Supervisor, Some("BR0001")).await,
    }
}

/// A verified individual born on `born` (YYYYMMDD).
pub(crate) async fn client(app: &TestApp, rm: &str, born: &str, seq: u32) -> String {
    let v = app
        .create(
            rm,
            individual("钱七", &resident_id(born, seq), &format!("1390000{seq:04}")),
        )
        .await;
    let id = v["id"].as_str().unwrap().to_owned();
    let r = app
        .post(&format!("/api/v1/customers/{id}/submit"), rm, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let r = app
        .post(&format!("/api/v1/customers/{id}/verify"), &rev, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id
}

/// A risk questionnaire: `balanced` (score 18) or `aggressive` (32), at the branch or online.
pub(crate) async fn assess(app: &TestApp, rm: &str, customer: &str, appetite: &str, channel: &str) {
    let answers = match appetite {
        "balanced" => {
            json!({"horizon": "1_3y", "experience": "funds", "loss_tolerance": "up_to_10",
                             "objective": "steady", "income_share": "20_50"})
        }
        _ => json!({"horizon": "over_5y", "experience": "equities", "loss_tolerance": "over_30",
                    "objective": "growth", "income_share": "under_20"}),
    };
    let r = app
        .post(
            &format!("/api/v1/customers/{customer}/risk-assessment"),
            rm,
            json!({"answers": answers, "channel": channel}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["level"], appetite, "{}", r.text);
}

pub(crate) async fn sell(
    app: &TestApp,
    token: &str,
    customer: &str,
    product: &str,
    extra: Value,
) -> Resp {
    let mut body = json!({"kind": "product_sale", "product": product, "amount": 5_000_000});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app
        .post(&format!("/api/v1/customers/{customer}/sales"), token, body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r
}

fn refused_by(r: &Resp) -> String {
    assert_eq!(r.body["decision"], "refused", "{}", r.text);
    r.body["refusal"]["action"].as_str().unwrap().to_owned()
}

async fn each_rule_of_the_gate_refuses_naming_itself_and_the_record_keeps_what_it_read(
    app: &TestApp,
) {
    let d = desk(app).await;
    let c = client(app, &d.rm, "19800101", 901).await;
    // No assessment: refused until the client is assessed; the record says none was read.
    let r = sell(app, &d.rm, &c, "WM-R2", json!({})).await;
    assert_eq!(refused_by(&r), "suitability.assessment");
    assert_eq!(r.body["refusal"]["rating"], "none");
    assert!(
        r.body["suitability"]["facts"]["assessment"].is_null(),
        "{}",
        r.text
    );
    assert_eq!(r.body["suitability"]["verdict"]["refused"], "assessment");
    // Assessed online: a first purchase needs a face-to-face assessment at a branch.
    assess(app, &d.rm, &c, "balanced", "online").await;
    let r = sell(app, &d.rm, &c, "WM-R2", json!({"channel": "online"})).await;
    assert_eq!(refused_by(&r), "suitability.face_to_face");
    // At the branch: balanced buys up to R3 — R4 is above it, R2 passes.
    assess(app, &d.rm, &c, "balanced", "branch").await;
    let r = sell(app, &d.rm, &c, "WM-R4", json!({})).await;
    assert_eq!(refused_by(&r), "suitability.level");
    assert_eq!(r.body["refusal"]["rating"], "balanced");
    assert_eq!(r.body["suitability"]["verdict"]["ceiling"], "R3");
    assert_eq!(r.body["suitability"]["facts"]["product_level"], "R4");
    let r = sell(app, &d.rm, &c, "WM-R2", json!({})).await;
    assert_eq!(r.body["decision"], "recorded", "{}", r.text);
    assert_eq!(r.body["suitability"]["step"], "completed");
    // In the branch, a product the catalogue marks for recording needs the recording's reference; online
    // it does not.
    let r = sell(app, &d.rm, &c, "FD-R3", json!({})).await;
    assert_eq!(refused_by(&r), "suitability.dual_recording");
    let r = sell(app, &d.rm, &c, "FD-R3", json!({"channel": "online"})).await;
    assert_eq!(r.body["decision"], "recorded", "{}", r.text);
    let r = sell(
        app,
        &d.rm,
        &c,
        "FD-R3",
        json!({"channel": "branch", "recording_ref": "SZ-BR0001-000123"}),
    )
    .await;
    assert_eq!(r.body["decision"], "recorded", "{}", r.text);
    assert_eq!(r.body["suitability"]["recording_ref"], "SZ-BR0001-000123");
    assert_eq!(
        r.body["suitability"]["recording_keep_until"], "2027-12-30",
        "six months after the product ends"
    );
    // The assessment expires after a year: refused until re-assessed.
    app.sql("UPDATE risk_assessments SET expires_on = '2020-01-01'")
        .await;
    let r = sell(app, &d.rm, &c, "WM-R2", json!({})).await;
    assert_eq!(refused_by(&r), "suitability.assessment");
    assert_eq!(r.body["refusal"]["rating"], "expired");
    // What the seller types is checked: a reference is one line.
    let r = app
        .post(
            &format!("/api/v1/customers/{c}/sales"),
            &d.rm,
            json!({"kind": "product_sale", "product": "WM-R2", "amount": 5_000_000, "recording_ref": "x\u{7}"}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("recording_ref".into(), "length".into())]
    );
    // Every decision is stored with what it read; the refusals are audited as refusals.
    assert_eq!(app.count("wealth_sales").await, 8);
    assert_eq!(app.count("audit_log WHERE action = 'sale.refuse'").await, 5);
    // The suitability report answers from the record, for compliance, not for the seller.
    let risk = app.login_as("risk1", Role::RiskOfficer, None).await;
    let rep = app.get("/api/v1/wealth/suitability", &risk).await;
    assert_eq!(rep.status, StatusCode::OK, "{}", rep.text);
    assert_eq!(rep.body["total"], 8, "{}", rep.text);
    let count = |rule: Value| {
        rep.body["counts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["refused_rule"] == rule)
            .map(|x| x["count"].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(count(json!("assessment")), 2);
    assert_eq!(count(json!("level")), 1);
    assert_eq!(count(Value::Null), 3);
    app.get("/api/v1/wealth/suitability", &d.rm)
        .await
        .assert_problem(403, "permission_denied");
}

async fn an_older_client_and_a_high_risk_product_wait_for_a_senior_reviewer(app: &TestApp) {
    let d = desk(app).await;
    let old = client(app, &d.rm, "19550101", 911).await;
    assess(app, &d.rm, &old, "aggressive", "branch").await;
    // Age alone asks nothing: an R2 product is sold as to anyone.
    let r = sell(app, &d.rm, &old, "WM-R2", json!({})).await;
    assert_eq!(r.body["decision"], "recorded", "{}", r.text);
    // R4 at 71: the client's extra confirmation first…
    let r = sell(app, &d.rm, &old, "WM-R4", json!({})).await;
    assert_eq!(refused_by(&r), "suitability.senior_care");
    // …then the sale waits for a senior reviewer.
    let r = sell(
        app,
        &d.rm,
        &old,
        "WM-R4",
        json!({"client_confirmation": "客户签署《高风险产品购买确认书》编号 CF-0042"}),
    )
    .await;
    assert_eq!(r.body["decision"], "pending", "{}", r.text);
    assert_eq!(r.body["suitability"]["step"], "awaiting_review");
    assert_eq!(r.body["suitability"]["facts"]["age"], 71);
    let sale = r.body["id"].as_str().unwrap().to_owned();
    // The seller may not review it; a supervisor may, and the seller hears of it.
    app.post(
        &format!("/api/v1/sales/{sale}/review"),
        &d.rm,
        json!({"decision": "approve"}),
    )
    .await
    .assert_problem(403, "permission_denied");
    let r = app
        .post(
            &format!("/api/v1/sales/{sale}/review"),
            &d.sup,
            json!({"decision": "approve", "note": "已核实客户理解产品风险"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["step"], "completed");
    assert_eq!(r.body["reviewed_by"], "sup1");
    let sales = app
        .get(&format!("/api/v1/customers/{old}/sales"), &d.rm)
        .await;
    let decided = sales
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == sale.as_str())
        .unwrap()["decision"]
        .clone();
    assert_eq!(decided, "recorded");
    let heard = app.get("/api/v1/notices", &d.rm).await;
    assert!(heard.text.contains("wealth.reviewed"), "{}", heard.text);
    // Reviewed once: again is a conflict.
    app.post(
        &format!("/api/v1/sales/{sale}/review"),
        &d.sup,
        json!({"decision": "approve"}),
    )
    .await
    .assert_problem(409, "invalid_state");
    // A decline needs its reason and withdraws the sale.
    let r = sell(
        app,
        &d.rm,
        &old,
        "WM-R4",
        json!({"client_confirmation": "确认书 CF-0043"}),
    )
    .await;
    let second = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/sales/{second}/review"),
            &d.sup,
            json!({"decision": "decline"}),
        )
        .await;
    assert_eq!(r.field_errors(), vec![("note".into(), "required".into())]);
    let r = app
        .post(
            &format!("/api/v1/sales/{second}/review"),
            &d.sup,
            json!({"decision": "decline", "note": "客户对产品风险理解不足"}),
        )
        .await;
    assert_eq!(r.body["step"], "declined", "{}", r.text);
    // A supervisor who sells does not review their own sale.
    let r = sell(
        app,
        &d.sup,
        &old,
        "WM-R4",
        json!({"client_confirmation": "确认书 CF-0044"}),
    )
    .await;
    let own = r.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/sales/{own}/review"),
        &d.sup,
        json!({"decision": "approve"}),
    )
    .await
    .assert_problem(403, "own_sale");
    // Out of scope, a sale does not exist.
    let other = app.login_as("sup9", Role::Supervisor, Some("BR0002")).await;
    app.post(
        &format!("/api/v1/sales/{own}/review"),
        &other,
        json!({"decision": "approve"}),
    )
    .await
    .assert_problem(404, "not_found");
}

async fn a_private_product_cools_off_and_its_seller_keeps_away(app: &TestApp) {
    let d = desk(app).await;
    let c = client(app, &d.rm, "19800101", 921).await;
    assess(app, &d.rm, &c, "balanced", "branch").await;
    let r = sell(app, &d.rm, &c, "PF-R3", json!({})).await;
    assert_eq!(r.body["decision"], "pending", "{}", r.text);
    assert_eq!(r.body["suitability"]["step"], "cooling_off");
    assert!(r.body["suitability"]["cooling_off_until"].is_string());
    let sale = r.body["id"].as_str().unwrap().to_owned();
    // The seller may not contact the client during the cooling-off.
    let r = app
        .post(
            &format!("/api/v1/customers/{c}/interactions"),
            &d.rm,
            json!({"method": "call", "outcome": "回访产品体验"}),
        )
        .await;
    r.assert_problem(409, "cooling_off");
    // The client changes their mind: withdrawn, in full; a second cancel is a conflict.
    let r = app
        .post(
            &format!("/api/v1/sales/{sale}/cancel"),
            &d.rm,
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(r.field_errors(), vec![("reason".into(), "required".into())]);
    let r = app
        .post(
            &format!("/api/v1/sales/{sale}/cancel"),
            &d.rm,
            json!({"reason": "客户来电表示家中急需用钱，要求撤销"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["step"], "cancelled");
    app.post(
        &format!("/api/v1/sales/{sale}/cancel"),
        &d.rm,
        json!({"reason": "再次"}),
    )
    .await
    .assert_problem(409, "invalid_state");
    // The seller may contact the client again.
    let r = app
        .post(
            &format!("/api/v1/customers/{c}/interactions"),
            &d.rm,
            json!({"method": "call", "outcome": "确认撤销已办理"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Another purchase cools off; once the period ends the job completes it and it can no longer be cancelled.
    let r = sell(app, &d.rm, &c, "PF-R3", json!({})).await;
    let kept = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        banyan_app::wealth::suitability::finalise_due(&app.app)
            .await
            .unwrap(),
        0
    );
    app.sql("UPDATE wealth_sales SET cooling_off_until_us = cooling_off_until_us - 90000000000 WHERE step = 'cooling_off'")
        .await;
    assert_eq!(
        banyan_app::wealth::suitability::finalise_due(&app.app)
            .await
            .unwrap(),
        1
    );
    let sales = app
        .get(&format!("/api/v1/customers/{c}/sales"), &d.rm)
        .await;
    let s = sales
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == kept.as_str())
        .unwrap()
        .clone();
    assert_eq!(s["decision"], "recorded", "{}", sales.text);
    assert_eq!(s["suitability"]["step"], "completed");
    app.post(
        &format!("/api/v1/sales/{kept}/cancel"),
        &d.rm,
        json!({"reason": "太晚了"}),
    )
    .await
    .assert_problem(409, "cooling_off_over");
}
