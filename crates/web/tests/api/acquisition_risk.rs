//! Acquisition risk: a deal's credit, market, operational and reputational risk rated by the policy's rules
//! with the figure behind each; a risk rated high holds the contract back from review until someone records
//! a response; a response to avoid a risk stops the deal. The watch warns of new customers overdue or
//! complaining (in the alert queue, for their manager) and of partners whose leads are mostly rejected
//! (disposed of with a reason by those who manage partners).

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::tests![
    a_high_risk_holds_the_contract_back_until_it_has_a_response,
    the_watch_warns_of_new_customers_in_trouble_and_of_partners_whose_leads_are_rejected,
];

async fn act(app: &TestApp, token: &str, id: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/leads/{id}/actions"), token, body)
        .await
}

async fn respond(app: &TestApp, token: &str, id: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/leads/{id}/risks"), token, body)
        .await
}

/// (kind, level, basis) of each rated risk, in order.
fn levels(v: &Value) -> Vec<(String, String, String)> {
    v["risks"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_owned(),
                l["level"].as_str().unwrap().to_owned(),
                l["basis"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn line<'a>(v: &'a Value, kind: &str) -> &'a Value {
    v["risks"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} risk in {v}"))
}

/// A corporate lead of `rm`'s in `industry`, screened, accepted by `rev` and visited (at `proposal`).
pub(crate) async fn corporate_at_proposal(
    app: &TestApp,
    rm: &str,
    rev: &str,
    mobile: &str,
    code: &str,
    industry: &str,
) -> String {
    let r = app
        .post(
            "/api/v1/leads",
            rm,
            json!({"kind": "corporate", "name": format!("{industry}行业拓户{code}"), "mobile": mobile,
                "id_number": credit_code(code), "industry": industry, "income": 9_000_000_000i64,
                "assets": 4_000_000_000i64, "liabilities": 1_000_000_000i64, "channel": "branch",
                "basis": "consent", "consent_on": "2026-11-20", "credit_grade": "AA",
                "credit_source": "中诚信", "credit_on": "2026-10-08"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        act(app, rm, &id, json!({"action": "screen"})).await.body["stage"],
        "screened"
    );
    let r = act(app, rev, &id, json!({"action": "accept"})).await;
    assert_eq!(r.body["stage"], "qualified", "{}", r.text);
    crate::acquisition_visits::visited(app, rm, &id).await;
    id
}

async fn a_high_risk_holds_the_contract_back_until_it_has_a_response(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    // Real estate (K) carries an industry risk of 75 in the shipped policy: market risk high.
    let id = corporate_at_proposal(app, &rm, &rev, "13600004444", "MA3334445", "K").await;
    let v = app.get(&format!("/api/v1/leads/{id}"), &rm).await.body;
    assert_eq!(
        levels(&v),
        vec![
            ("credit".into(), "low".into(), "credit_points".into()),
            ("market".into(), "high".into(), "industry".into()),
            ("operational".into(), "low".into(), "nothing".into()),
            ("reputational".into(), "low".into(), "nothing".into()),
        ]
    );
    let market = line(&v, "market");
    assert_eq!(
        (market["figure"].as_i64(), market["threshold"].as_i64()),
        (Some(75), Some(65))
    );
    assert_eq!(line(&v, "credit")["figure"].as_i64(), Some(90));
    assert_eq!(
        v["risks"]["blocked"],
        json!({"code": "risk_unanswered", "kind": "market"})
    );

    // The contract is drawn up, but does not go to review with the market risk unanswered.
    let r = app
        .post(
            &format!("/api/v1/leads/{id}/proposals"),
            &rm,
            json!({"content": "项目贷款与结算"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = crate::acquisition_papers::papers(
        app,
        &rm,
        &id,
        json!({"action": "agree_proposal", "round": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = act(app, &rm, &id, json!({"action": "advance"})).await;
    assert_eq!(r.body["stage"], "contract", "{}", r.text);
    let submit = json!({"action": "submit_contract"});
    let r = crate::acquisition_papers::papers(app, &rm, &id, submit.clone()).await;
    r.assert_problem(409, "risk_unanswered");
    assert_eq!(r.body["risk"], "market", "{}", r.text);

    // A response names its kind, the response and why; each bad field is named.
    let r = respond(
        app,
        &rm,
        &id,
        json!({"kind": "market", "response": "reduce", "note": "  "}),
    )
    .await;
    assert_eq!(r.field_errors(), vec![("note".into(), "required".into())]);
    let r = respond(
        app,
        &rm,
        &id,
        json!({"kind": "weather", "response": "reduce", "note": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // Another manager does not find the lead; a reviewer may not record a response.
    respond(
        app,
        &rm2,
        &id,
        json!({"kind": "market", "response": "accept", "note": "x"}),
    )
    .await
    .assert_problem(404, "not_found");
    respond(
        app,
        &rev,
        &id,
        json!({"kind": "market", "response": "accept", "note": "x"}),
    )
    .await
    .assert_problem(403, "permission_denied");

    let v = app.get(&format!("/api/v1/leads/{id}"), &rm).await.body;
    let stale = v["version"].as_i64().unwrap() - 1;
    app.req_h(
        reqwest::Method::POST,
        &format!("/api/v1/leads/{id}/risks"),
        Some(&rm),
        Some(json!({"kind": "market", "response": "reduce", "note": "x"})),
        &[("If-Match", &stale.to_string())],
    )
    .await
    .assert_problem(409, "version_conflict");
    let r = respond(
        app,
        &rm,
        &id,
        json!({"kind": "market", "response": "reduce", "note": "首期以在建工程抵押，贷款额度压降至五千万"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let market = line(&r.body, "market");
    assert_eq!(market["response"]["response"], "reduce");
    assert_eq!(market["response"]["level"], "high");
    assert_eq!(market["response"]["by"], "rm1");
    assert_eq!(r.body["risks"]["blocked"], Value::Null);
    let last = r.body["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["action"].as_str(), last["reason"].as_str()),
        (Some("risk_answered"), Some("market"))
    );
    let r = crate::acquisition_papers::papers(app, &rm, &id, submit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Avoiding a risk stops the deal; a later response to the same risk replaces it.
    let r = respond(
        app,
        &rm,
        &id,
        json!({"kind": "credit", "response": "avoid", "note": "担保方涉诉"}),
    )
    .await;
    assert_eq!(
        r.body["risks"]["blocked"],
        json!({"code": "risk_avoided", "kind": "credit"})
    );
    let r = respond(
        app,
        &rm,
        &id,
        json!({"kind": "credit", "response": "accept", "note": "诉讼已撤回"}),
    )
    .await;
    assert_eq!(r.body["risks"]["blocked"], Value::Null, "{}", r.text);

    // Every response is audited with its kind, level and response.
    let aud = app.login_as("aud1", Role::Auditor, None).await;
    let a = app.get("/api/v1/audit?action=lead.risk", &aud).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let items = a.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{}", a.text);
    assert!(
        items
            .iter()
            .any(|e| e["detail"]["response"] == "reduce" && e["detail"]["risk_level"] == "high")
    );

    // A lost lead takes no more responses.
    let r = act(app, &rm, &id, json!({"action": "lose", "reason": "risk"})).await;
    assert_eq!(r.body["stage"], "lost", "{}", r.text);
    respond(
        app,
        &rm,
        &id,
        json!({"kind": "market", "response": "accept", "note": "x"}),
    )
    .await
    .assert_problem(409, "invalid_state");
}

async fn the_watch_warns_of_new_customers_in_trouble_and_of_partners_whose_leads_are_rejected(
    app: &TestApp,
) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let risk = app.login_as("risk1", Role::RiskOfficer, None).await;
    let cs = app
        .login_as("cs1", Role::CustomerService, Some("BR0001"))
        .await;

    // A partner whose five leads the reviewer all rejected.
    let r = app
        .post(
            "/api/v1/partners",
            &ops,
            json!({"name": "速贷信息服务公司", "kind": "third_party", "branch_code": "BR0001"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let partner = r.body["id"].as_str().unwrap().to_owned();
    for i in 0..5 {
        let r = app
            .post(
                "/api/v1/leads",
                &rm,
                json!({"kind": "individual", "name": format!("合作方线索{i}"), "mobile": format!("1390000100{i}"),
                    "channel": "partner", "partner_id": partner, "basis": "consent", "consent_on": "2026-11-20"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_owned();
        act(app, &rm, &id, json!({"action": "screen"})).await;
        let r = act(
            app,
            &rev,
            &id,
            json!({"action": "reject", "reason": "poor_credit"}),
        )
        .await;
        assert_eq!(r.body["stage"], "rejected", "{}", r.text);
    }
    // The partner's next lead carries its reputation.
    let r = app
        .post(
            "/api/v1/leads",
            &rm,
            json!({"kind": "individual", "name": "合作方线索五", "mobile": "13900001099",
                "channel": "partner", "partner_id": partner, "basis": "consent", "consent_on": "2026-11-20"}),
        )
        .await;
    let rep = line(&r.body, "reputational").clone();
    assert_eq!(
        (
            rep["level"].as_str(),
            rep["basis"].as_str(),
            rep["figure"].as_i64()
        ),
        (Some("high"), Some("partner_rejects"), Some(100)),
        "{}",
        r.text
    );

    // A customer won from a clean lead: overdue and complaining within its first days.
    let id = corporate_at_proposal(app, &rm, &rev, "13600005555", "MA5556667", "C").await;
    crate::acquisition_papers::papers_done(app, &rm, &rev, &id).await;
    let won = act(app, &rm, &id, json!({"action": "win"})).await;
    assert_eq!(won.status, StatusCode::OK, "{}", won.text);
    let customer = won.body["customer_id"].as_str().unwrap().to_owned();
    let mut m = crate::segments::metrics("2026-12-01", 100_000, 100, 0);
    m["overdue_count"] = json!(2);
    let r = app
        .post(
            "/api/v1/metrics",
            &risk,
            json!({"items": [{"customer": customer, "metrics": m}]}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .post(
            "/api/v1/cases",
            &cs,
            json!({"kind": "complaint", "channel": "hotline", "product": "deposits", "cause": "waiting_time",
                   "severity": "medium", "customer": customer, "subject": "开户后网银无法登录",
                   "content": "新开户企业反映网银证书无法使用。"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // Only those who manage partners, or compliance, run the watch; a second run raises nothing new.
    app.post("/api/v1/leads/risk/watch", &rm, json!({}))
        .await
        .assert_problem(403, "permission_denied");
    let r = app.post("/api/v1/leads/risk/watch", &sup, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body, json!({"customer_alerts": 2, "partner_alerts": 1}));
    let r = app.post("/api/v1/leads/risk/watch", &risk, json!({})).await;
    assert_eq!(r.body, json!({"customer_alerts": 0, "partner_alerts": 0}));

    // The new customer's warnings are in the manager's alert queue, with the figures.
    let q = app.get("/api/v1/alerts?kind=warning&mine=true", &rm).await;
    let mut indicators: Vec<&str> = q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["alert"]["indicator"].as_str().unwrap())
        .collect();
    indicators.sort_unstable();
    assert_eq!(
        indicators,
        vec!["acq_early_complaint", "acq_early_overdue"],
        "{}",
        q.text
    );
    let overdue = q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["alert"]["indicator"] == "acq_early_overdue")
        .unwrap();
    assert_eq!(overdue["alert"]["checks"][0]["fact"], "overdue_count");
    assert_eq!(overdue["alert"]["checks"][0]["value"], 2.0);

    // The partner's warning, disposed of with a reason by someone who may.
    let p = app
        .get("/api/v1/leads/risk/partner-alerts?status=open", &rm)
        .await;
    assert_eq!(p.body["total"], 1, "{}", p.text);
    assert_eq!(p.body["may_handle"], false);
    let item = &p.body["items"][0];
    assert_eq!(item["partner"], "速贷信息服务公司");
    assert_eq!(item["checks"][0]["fact"], "partner_reject_rate");
    assert_eq!(item["checks"][0]["value"], 1.0);
    let url = format!(
        "/api/v1/leads/risk/partner-alerts/{}/close",
        item["id"].as_str().unwrap()
    );
    app.post(&url, &rm, json!({"resolution": "x"}))
        .await
        .assert_problem(403, "permission_denied");
    let r = app.post(&url, &sup, json!({"resolution": " "})).await;
    assert_eq!(
        r.field_errors(),
        vec![("resolution".into(), "required".into())]
    );
    let r = app
        .post(
            &url,
            &sup,
            json!({"resolution": "x", "disposition": "reported"}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("disposition".into(), "one_of".into())]
    );
    let r = app
        .post(
            &url,
            &sup,
            json!({"resolution": "已暂停与该合作方的线索合作，约谈其负责人", "disposition": "followed_up"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    app.post(&url, &sup, json!({"resolution": "again"}))
        .await
        .assert_problem(409, "invalid_state");
    let p = app
        .get("/api/v1/leads/risk/partner-alerts?status=closed", &rm)
        .await;
    assert_eq!(
        p.body["items"][0]["disposition"], "followed_up",
        "{}",
        p.text
    );
    assert_eq!(p.body["items"][0]["closed_by"], "sup1");
    let unknown = format!(
        "/api/v1/leads/risk/partner-alerts/{}/close",
        uuid::Uuid::now_v7()
    );
    app.post(&unknown, &sup, json!({"resolution": "x"}))
        .await
        .assert_problem(404, "not_found");
}
