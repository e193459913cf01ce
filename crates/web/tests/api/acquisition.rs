//! Customer acquisition: a lead is captured (contact data masked, its source and lawful basis kept),
//! screened by the policy's model with each factor's share shown, reviewed by a second person, moved along
//! the pipeline and counted on the board; a lead the model fails needs a supervisor; a lead without a lawful
//! basis is not contacted; a lead that is already a customer or an open lead is refused without telling a
//! stranger who holds it.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    a_lead_is_screened_reviewed_by_another_and_moved_along_the_pipeline,
    bad_lead_input_names_the_field_and_the_rule_and_writes_nothing,
    a_customer_or_an_open_lead_is_not_captured_twice_and_strangers_learn_no_more,
    a_failed_lead_needs_a_supervisor_and_no_lawful_basis_means_no_contact,
    leads_out_of_scope_are_not_found_and_a_reveal_is_audited,
    partners_are_credited_with_their_leads_and_a_retry_captures_once,
    the_same_person_captured_at_once_by_two_managers_is_one_lead,
];

pub(crate) async fn product(app: &TestApp, code: &str, kind: &str) {
    let admin = app.login_as("adm", Role::Admin, None).await;
    let r = app
        .post(
            "/api/v1/products",
            &admin,
            json!({"code": code, "kind": kind, "names": {"zh-CN": format!("产品{code}")},
                "currency": "CNY", "min_amount": 0, "status": "on_sale", "launch_on": "2020-01-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

pub(crate) fn company(mobile: &str) -> Value {
    json!({
        "kind": "corporate", "name": "星河精密制造有限公司", "mobile": mobile,
        "id_number": credit_code("MA1234567"), "industry": "C", "business_scope": "精密零部件",
        "employees": 120, "income": 8_000_000_000i64, "assets": 5_000_000_000i64,
        "liabilities": 1_500_000_000i64, "products_wanted": ["WCL", "PAY"],
        "channel": "trade_fair", "basis": "consent", "consent_on": "2026-11-20",
        "consent_ref": "交易会登记表 0042",
        "credit_grade": "AA", "credit_source": "中诚信", "credit_on": "2026-10-08",
    })
}

async fn act(app: &TestApp, token: &str, id: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/leads/{id}/actions"), token, body)
        .await
}

async fn a_lead_is_screened_reviewed_by_another_and_moved_along_the_pipeline(app: &TestApp) {
    product(app, "WCL", "working_capital_loan").await;
    product(app, "PAY", "payments").await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let mut first = company("13912340001");
    first.as_object_mut().unwrap().remove("id_number");
    let r = app.post("/api/v1/leads", &rm, first).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(r.body["lead_no"].as_str().unwrap().starts_with("XS"));
    assert_eq!(r.body["stage"], "new");
    assert_eq!(r.body["mobile"], "139****0001", "contact data is masked");
    assert_eq!(r.body["owner"], "rm1", "the capturing manager owns it");
    assert_eq!(r.body["contactable"], true);

    // The model scores it; each factor shows its share and the shares make the score.
    let r = act(app, &rm, &id, json!({"action": "screen"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["stage"], "screened");
    let factors = r.body["factors"].as_array().unwrap();
    assert_eq!(factors.len(), 4);
    let by = |f: &str| factors.iter().find(|x| x["factor"] == f).unwrap().clone();
    assert_eq!(by("credit")["points"], 90, "grade AA");
    assert_eq!(
        by("operating")["points"],
        60,
        "manufacturing's industry risk is 40"
    );
    assert_eq!(by("financial")["points"], 100, "30 % debt ratio");
    assert_eq!(by("needs")["points"], 100, "both products are on sale");
    let sum: u64 = factors
        .iter()
        .map(|f| f["contribution"].as_u64().unwrap())
        .sum();
    assert_eq!(r.body["score"].as_u64().unwrap(), (sum + 50) / 100);
    assert_eq!(r.body["score"], 87, "86.5 rounds up");
    assert_eq!(r.body["outcome"], "pass");

    // Its owner may not accept it; a reviewer does.
    act(app, &rm, &id, json!({"action": "accept"}))
        .await
        .assert_problem(403, "permission_denied");
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let r = act(
        app,
        &rev,
        &id,
        json!({"action": "accept", "note": "资质良好"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["stage"], "qualified");

    // Along the pipeline, step by step; a changed lead is not acted on with a stale version.
    let version = r.body["version"].as_i64().unwrap();
    let stale = app
        .req_h(
            Method::POST,
            &format!("/api/v1/leads/{id}/actions"),
            Some(&rm),
            Some(json!({"action": "advance"})),
            &[("If-Match", &(version - 1).to_string())],
        )
        .await;
    stale.assert_problem(409, "version_conflict");
    // Visited (tested on its own in acquisition_visits): planned, held, the customer wants to go on.
    crate::acquisition_visits::visited(app, &rm, &id).await;
    // The proposal agreed, the contract signed, the application's documents reviewed (each tested on its
    // own in acquisition_papers).
    crate::acquisition_papers::papers_done(app, &rm, &rev, &id).await;
    act(app, &rm, &id, json!({"action": "advance"}))
        .await
        .assert_problem(409, "invalid_state");

    // The lead becomes a customer draft without re-keying, once it carries the identifier an account needs.
    let r = act(app, &rm, &id, json!({"action": "win"})).await;
    assert_eq!(
        r.field_errors(),
        vec![("id_number".into(), "required_for_opening".into())]
    );
    let before = app.get(&format!("/api/v1/leads/{id}"), &rm).await.body;
    let mut form = company("13912340001");
    form["id_number"] = json!(credit_code("MA7654321"));
    form["mobile"] = before["mobile"].clone(); // the masked value shown: kept as stored
    let edited = app
        .req_h(
            Method::PUT,
            &format!("/api/v1/leads/{id}"),
            Some(&rm),
            Some(form),
            &[("If-Match", &before["version"].to_string())],
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(edited.body["mobile"], "139****0001");
    let won = act(app, &rm, &id, json!({"action": "win"})).await;
    assert_eq!(won.status, StatusCode::OK, "{}", won.text);
    assert_eq!(won.body["stage"], "won");
    let customer = won.body["customer_id"].as_str().unwrap().to_owned();
    let c = app.get(&format!("/api/v1/customers/{customer}"), &rm).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    assert_eq!(
        c.body["status"], "draft",
        "the registry's own review follows: {}",
        c.text
    );
    assert!(c.text.contains("星河精密制造有限公司"), "{}", c.text);
    assert!(
        c.text.contains("139****0001"),
        "the lead's mobile came along: {}",
        c.text
    );
    act(app, &rm, &id, json!({"action": "lose", "reason": "price"}))
        .await
        .assert_problem(409, "invalid_state");

    // The board counts it at its stage, for its owner and the branch's supervisor.
    for token in [&rm, &sup] {
        let b = app.get("/api/v1/leads/board", token).await;
        assert_eq!(b.status, StatusCode::OK, "{}", b.text);
        let col = b.body["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["stage"] == "won")
            .unwrap()
            .clone();
        assert_eq!(col["count"], 1);
    }
    // A team's board counts its members' leads: rm1's team has the won lead, another team none.
    app.sql("UPDATE staff SET team = '零售一组' WHERE username = 'rm1'")
        .await;
    let won = |b: &Resp| {
        b.body["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["stage"] == "won")
            .unwrap()["count"]
            .as_i64()
    };
    let b = app
        .get(
            "/api/v1/leads/board?team=%E9%9B%B6%E5%94%AE%E4%B8%80%E7%BB%84&branch_code=BR0001",
            &sup,
        )
        .await;
    assert_eq!(won(&b), Some(1), "{}", b.text);
    let b = app
        .get("/api/v1/leads/board?team=%E5%AF%B9%E5%85%AC%E7%BB%84", &sup)
        .await;
    assert_eq!(won(&b), Some(0), "{}", b.text);

    // Lost needs a reason from the policy's list; a lost lead can be taken up again.
    let r = app.post("/api/v1/leads", &rm, company("13912340009")).await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = act(app, &rm, &id, json!({"action": "lose", "reason": "bored"})).await;
    assert_eq!(r.field_errors(), vec![("reason".into(), "unknown".into())]);
    let r = act(
        app,
        &rm,
        &id,
        json!({"action": "lose", "reason": "competitor", "note": "他行利率更低"}),
    )
    .await;
    assert_eq!(r.body["stage"], "lost", "{}", r.text);
    assert_eq!(r.body["reason"], "competitor");
    let r = act(app, &rm, &id, json!({"action": "reopen"})).await;
    assert_eq!(r.body["stage"], "new", "{}", r.text);
    let actions: Vec<&str> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["created", "lost", "reopened"]);
    let audited = app
        .texts("SELECT action FROM audit_log WHERE entity = 'lead'")
        .await;
    assert!(audited.contains(&"lead.accept".to_owned()), "{audited:?}");
    assert!(audited.contains(&"lead.lose".to_owned()), "{audited:?}");
    assert!(audited.contains(&"lead.win".to_owned()), "{audited:?}");

    // The funnel counts each lead at the furthest stage it reached: the won one went through every stage.
    let f = app.get("/api/v1/leads/funnel?by=channel", &rm).await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.text);
    let fair = f.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == "trade_fair")
        .unwrap()
        .clone();
    assert_eq!(fair["captured"], 2, "{fair}");
    assert_eq!(fair["reached"], json!([1, 1, 1, 1, 1, 1, 1]), "{fair}");
    assert_eq!(fair["won"], 1);
    assert_eq!(fair["conversion_permille"], 500);
    assert_eq!(f.body["total"]["captured"], 2);
    let other = app
        .login_as("rm9", Role::RelationshipManager, Some("BR0009"))
        .await;
    let f = app.get("/api/v1/leads/funnel", &other).await;
    assert_eq!(f.body["total"]["captured"], 0, "out of scope: {}", f.text);
    app.get("/api/v1/leads/funnel?by=colour", &rm)
        .await
        .assert_problem(422, "validation");

    // The branch's target for the quarter stands beside what the quarter has won so far.
    let quarter = app.get("/api/v1/leads/targets", &sup).await;
    assert_eq!(quarter.status, StatusCode::OK, "{}", quarter.text);
    let starts_on = quarter.body["starts_on"].as_str().unwrap().to_owned();
    let target = |level: &str, value: i64| {
        json!({"period": "quarter", "starts_on": starts_on, "level": level, "branch_code": "BR0001",
            "metric": "new_corporate", "value": value})
    };
    app.post("/api/v1/leads/targets", &rm, target("branch", 4))
        .await
        .assert_problem(403, "permission_denied");
    let mut bank = target("bank", 40);
    bank.as_object_mut().unwrap().remove("branch_code");
    app.post("/api/v1/leads/targets", &sup, bank)
        .await
        .assert_problem(403, "target_scope");
    let mut off = target("branch", 4);
    off["starts_on"] = json!("2026-11-15");
    let r = app.post("/api/v1/leads/targets", &sup, off).await;
    assert_eq!(
        r.field_errors(),
        vec![("starts_on".into(), "period_start".into())]
    );
    let r = app
        .post("/api/v1/leads/targets", &sup, target("branch", 3))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post("/api/v1/leads/targets", &sup, target("branch", 4))
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "setting it again replaces it: {}",
        r.text
    );
    // A manager sees only their own targets: the branch's actual counts other managers' leads.
    let mine = app.get("/api/v1/leads/targets", &rm).await;
    assert_eq!(mine.body["lines"], json!([]), "{}", mine.text);
    let report = app.get("/api/v1/leads/targets", &sup).await;
    let lines = report.body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{}", report.text);
    assert_eq!(lines[0]["target"], 4);
    assert_eq!(lines[0]["actual"], 1, "the company won this quarter");
    assert_eq!(lines[0]["gap"], 3);
    assert_eq!(lines[0]["attainment_permille"], 250);

    // A market-share target is read against the market's figure the bank records for the branch's area.
    let mut share = target("branch", 500);
    share["metric"] = json!("share_new_corporate");
    let r = app.post("/api/v1/leads/targets", &sup, share).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (&r.body["actual"], &r.body["own"], &r.body["market"]),
        (&json!(0), &json!(1), &Value::Null),
        "no market figure yet: {}",
        r.text
    );
    let figure = |branch: Option<&str>, value: i64, source: &str| {
        let mut f = json!({"period": "quarter", "starts_on": starts_on, "measure": "new_corporate",
            "value": value, "source": source});
        if let Some(b) = branch {
            f["branch_code"] = json!(b);
        }
        f
    };
    app.post(
        "/api/v1/leads/market",
        &rm,
        figure(Some("BR0001"), 40, "人行统计"),
    )
    .await
    .assert_problem(403, "permission_denied");
    app.post("/api/v1/leads/market", &sup, figure(None, 900, "人行统计"))
        .await
        .assert_problem(403, "target_scope");
    let r = app
        .post("/api/v1/leads/market", &sup, figure(Some("BR0999"), 0, " "))
        .await;
    let mut errors = r.field_errors();
    errors.sort();
    assert_eq!(
        errors,
        vec![
            ("branch_code".into(), "unknown".into()),
            ("source".into(), "required".into()),
            ("value".into(), "min".into()),
        ]
    );
    let r = app
        .post(
            "/api/v1/leads/market",
            &sup,
            figure(Some("BR0001"), 40, "人民银行杭州中心支行季度统计"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let report = app.get("/api/v1/leads/targets", &sup).await;
    let share = report.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["metric"] == "share_new_corporate")
        .unwrap()
        .clone();
    // One of the area's 40 new corporate customers: 2.50 % of the 5.00 % target.
    assert_eq!(
        (
            &share["own"],
            &share["market"],
            &share["actual"],
            &share["attainment_permille"]
        ),
        (&json!(1), &json!(40), &json!(250), &json!(500)),
        "{share}"
    );
    let url = format!("/api/v1/leads/market?period=quarter&starts_on={starts_on}");
    let market = app.get(&url, &rm).await;
    assert_eq!(market.status, StatusCode::OK, "{}", market.text);
    assert_eq!(
        (
            market.body[0]["value"].as_i64(),
            market.body[0]["source"].as_str()
        ),
        (Some(40), Some("人民银行杭州中心支行季度统计")),
        "{}",
        market.text
    );
    assert_eq!(
        crate::book::actions(app, "market").await,
        vec!["market.set"]
    );
}

async fn bad_lead_input_names_the_field_and_the_rule_and_writes_nothing(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let r = app
        .post(
            "/api/v1/leads",
            &rm,
            json!({"kind": "individual", "mobile": "12345", "channel": "partner",
                "basis": "consent", "credit_grade": "Z", "products_wanted": ["NOPE"],
                "birth_year": 1800, "income": -1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let mut errors = r.field_errors();
    errors.sort();
    let mut want: Vec<(String, String)> = [
        ("name", "required"),
        ("mobile", "format"),
        ("birth_year", "range"),
        ("income", "min"),
        ("products_wanted", "unknown"),
        ("partner_id", "required"),
        ("consent_on", "required"),
        ("credit_grade", "unknown"),
        ("credit_on", "required"),
        ("credit_source", "required"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    want.sort();
    assert_eq!(errors, want, "{}", r.text);
    assert_eq!(app.count("leads").await, 0);
    // A lead that would leave the manager's own scope is refused.
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2_id = app.get("/api/v1/me", &rm2).await.body["id"].clone();
    let mut c = company("13912340002");
    c["products_wanted"] = json!([]);
    c["rm_id"] = rm2_id;
    let r = app.post("/api/v1/leads", &rm, c).await;
    assert_eq!(
        r.field_errors(),
        vec![("branch_code".into(), "scope".into())]
    );
    assert_eq!(app.count("leads").await, 0);
}

async fn a_customer_or_an_open_lead_is_not_captured_twice_and_strangers_learn_no_more(
    app: &TestApp,
) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let other = app
        .login_as("rm9", Role::RelationshipManager, Some("BR0009"))
        .await;
    verified_individual(app, &rm, "13812345601", 61).await;
    let lead = json!({"kind": "individual", "name": "王五", "mobile": "13812345601",
        "channel": "branch", "basis": "consent", "consent_on": "2026-11-01"});
    let r = app.post("/api/v1/leads", &rm, lead.clone()).await;
    r.assert_problem(409, "duplicate_mobile");
    assert!(
        r.body["customer_no"].is_string(),
        "its own customer is named: {}",
        r.text
    );
    let r = app.post("/api/v1/leads", &other, lead).await;
    r.assert_problem(409, "duplicate_mobile");
    assert!(
        r.body["customer_no"].is_null(),
        "a stranger is not told who: {}",
        r.text
    );
    assert!(!r.text.contains("王五"));
    assert_eq!(r.body["branch_code"], "BR0001");

    let fresh = json!({"kind": "individual", "name": "赵六", "mobile": "13812345602",
        "channel": "website"});
    let r = app.post("/api/v1/leads", &rm, fresh.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let no = r.body["lead_no"].as_str().unwrap().to_owned();
    let r = app.post("/api/v1/leads", &rm, fresh.clone()).await;
    r.assert_problem(409, "duplicate_lead");
    assert_eq!(r.body["lead_no"], no.as_str());
    let r = app.post("/api/v1/leads", &other, fresh).await;
    r.assert_problem(409, "duplicate_lead");
    assert!(r.body["lead_no"].is_null(), "{}", r.text);
    assert_eq!(app.count("leads").await, 1);
}

async fn a_failed_lead_needs_a_supervisor_and_no_lawful_basis_means_no_contact(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    // From market research, no basis for contact, nothing known: the model fails it.
    let r = app
        .post(
            "/api/v1/leads",
            &rm,
            json!({"kind": "individual", "name": "钱七", "address": "上海市浦东新区世纪大道 100 号",
                "channel": "market_research"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["contactable"], false);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = act(app, &rm, &id, json!({"action": "screen"})).await;
    assert_eq!(r.body["outcome"], "fail", "{}", r.text);
    act(app, &rev, &id, json!({"action": "accept"}))
        .await
        .assert_problem(409, "model_failed");
    act(app, &rev, &id, json!({"action": "override", "note": "x"}))
        .await
        .assert_problem(403, "permission_denied");
    let r = act(app, &sup, &id, json!({"action": "override"})).await;
    assert_eq!(r.field_errors(), vec![("note".into(), "required".into())]);
    let r = act(
        app,
        &sup,
        &id,
        json!({"action": "override", "note": "行长推荐的重点客户"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["stage"], "qualified");
    act(app, &rm, &id, json!({"action": "advance"}))
        .await
        .assert_problem(409, "no_lawful_basis");
    let audited = app
        .texts("SELECT action FROM audit_log WHERE entity = 'lead'")
        .await;
    assert!(audited.contains(&"lead.override".to_owned()), "{audited:?}");

    // A reviewer's rejection names a reason from the list; only a supervisor lets the lead on again.
    let r = app
        .post(
            "/api/v1/leads",
            &rm,
            json!({"kind": "individual", "name": "孙八", "mobile": "13700001111", "income": 40_000_000,
                "assets": 200_000_000, "channel": "branch", "basis": "consent", "consent_on": "2026-12-01",
                "credit_grade": "A", "credit_source": "人行征信", "credit_on": "2026-11-30"}),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    act(app, &rm, &id, json!({"action": "screen"})).await;
    let r = act(app, &rev, &id, json!({"action": "reject"})).await;
    assert_eq!(r.field_errors(), vec![("reason".into(), "required".into())]);
    let r = act(
        app,
        &rev,
        &id,
        json!({"action": "reject", "reason": "aml_concern"}),
    )
    .await;
    assert_eq!(r.body["stage"], "rejected", "{}", r.text);
    act(app, &rm, &id, json!({"action": "advance"}))
        .await
        .assert_problem(409, "invalid_state");
    let r = act(
        app,
        &sup,
        &id,
        json!({"action": "override", "note": "复核后排除洗钱疑点"}),
    )
    .await;
    assert_eq!(r.body["stage"], "qualified", "{}", r.text);

    // Whoever captured a lead does not review it, even with the permission to.
    let r = app
        .post(
            "/api/v1/leads",
            &sup,
            json!({"kind": "individual", "name": "吴十", "mobile": "13700002222", "channel": "branch"}),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    act(app, &sup, &id, json!({"action": "screen"})).await;
    act(
        app,
        &sup,
        &id,
        json!({"action": "reject", "reason": "incomplete"}),
    )
    .await
    .assert_problem(403, "own_lead");
    let r = act(
        app,
        &rev,
        &id,
        json!({"action": "ask_more", "note": "请补充收入证明"}),
    )
    .await;
    assert_eq!(r.body["stage"], "new", "{}", r.text);
}

async fn leads_out_of_scope_are_not_found_and_a_reveal_is_audited(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let r = app
        .post(
            "/api/v1/leads",
            &rm,
            json!({"kind": "individual", "name": "周九", "mobile": "13600002222",
                "email": "zhoujiu@example.com", "channel": "social_media"}),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let no = r.body["lead_no"].as_str().unwrap().to_owned();
    app.get(&format!("/api/v1/leads/{id}"), &rm2)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/leads/{no}"), &rm2)
        .await
        .assert_problem(404, "not_found");
    act(app, &rm2, &id, json!({"action": "screen"}))
        .await
        .assert_problem(404, "not_found");
    let l = app.get("/api/v1/leads", &rm2).await;
    assert_eq!(l.body["total"]["count"], 0, "{}", l.text);
    let l = app.get("/api/v1/leads?q=周", &rm).await;
    assert_eq!(l.body["total"]["count"], 1, "{}", l.text);
    assert_eq!(l.body["items"][0]["mobile"], "136****2222");
    let r = app.get(&format!("/api/v1/leads/{no}"), &rm).await;
    assert_eq!(r.body["id"], id.as_str(), "found by its number");

    let before = app.count("audit_log").await;
    let r = app
        .get(&format!("/api/v1/leads/{id}?reveal=true"), &rm)
        .await;
    assert_eq!(r.body["mobile"], "13600002222", "{}", r.text);
    assert_eq!(r.body["email"], "zhoujiu@example.com");
    assert_eq!(r.body["revealed"], true);
    assert_eq!(app.count("audit_log").await, before + 1);
    let cs = app.login_as("cs1", Role::CustomerService, None).await;
    app.get(&format!("/api/v1/leads/{id}?reveal=true"), &cs)
        .await
        .assert_problem(403, "permission_denied");
    let stored = app.texts("SELECT name FROM leads").await;
    assert_eq!(stored, vec!["周九".to_owned()]);
    let raw = app
        .texts("SELECT COALESCE(mobile_mask, '') FROM leads")
        .await;
    assert_eq!(
        raw,
        vec!["136****2222".to_owned()],
        "the number is kept encrypted"
    );
}

async fn partners_are_credited_with_their_leads_and_a_retry_captures_once(app: &TestApp) {
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.post(
        "/api/v1/partners",
        &rm,
        json!({"name": "x", "kind": "enterprise"}),
    )
    .await
    .assert_problem(403, "permission_denied");
    let r = app
        .post(
            "/api/v1/partners",
            &ops,
            json!({"name": "高新区管委会", "kind": "government", "branch_code": "BR0001"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let partner = r.body["id"].as_str().unwrap().to_owned();
    app.post(
        "/api/v1/partners",
        &ops,
        json!({"name": "高新区管委会", "kind": "government", "branch_code": "BR0001"}),
    )
    .await
    .assert_problem(409, "duplicate_partner");
    // A branch records its own partners; a bank-wide one needs a bank-wide role.
    let r = app
        .post(
            "/api/v1/partners",
            &ops,
            json!({"name": "全国商会", "kind": "association"}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("branch_code".into(), "scope".into())]
    );
    let lead = json!({"kind": "corporate", "name": "园区新材料公司", "mobile": "13500003333",
        "channel": "partner", "partner_id": partner, "basis": "contract"});
    let key = [("Idempotency-Key", "lead-capture-1")];
    let a = app
        .req_h(
            Method::POST,
            "/api/v1/leads",
            Some(&rm),
            Some(lead.clone()),
            &key,
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let b = app
        .req_h(Method::POST, "/api/v1/leads", Some(&rm), Some(lead), &key)
        .await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.text);
    assert_eq!(
        a.body["id"], b.body["id"],
        "the retry answers the first capture"
    );
    assert_eq!(app.count("leads").await, 1);
    assert_eq!(a.body["partner"], "高新区管委会");
    let p = app.get("/api/v1/partners", &rm).await;
    assert_eq!(p.body[0]["leads"], 1, "{}", p.text);
    let by_partner = app
        .get(&format!("/api/v1/leads?partner_id={partner}"), &rm)
        .await;
    assert_eq!(by_partner.body["total"]["count"], 1, "{}", by_partner.text);
}

/// Two managers of a branch (and their supervisor) capture the same person at the same moment, each with a
/// key of their own: one lead is made, the others are refused as duplicates.
async fn the_same_person_captured_at_once_by_two_managers_is_one_lead(app: &TestApp) {
    let rm1 = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let body = json!({"kind": "individual", "name": "同时登记", "mobile": "13700009999",
        "channel": "branch", "basis": "consent", "consent_on": "2026-11-30"});
    let capture = |t: &str| {
        let (t, body) = (t.to_owned(), body.clone());
        async move { app.post("/api/v1/leads", &t, body).await }
    };
    for round in 0..3 {
        let (a, b, c) = tokio::join!(capture(&rm1), capture(&rm2), capture(&sup));
        let made: Vec<&Resp> = [&a, &b, &c]
            .into_iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .collect();
        let expected = usize::from(round == 0);
        assert_eq!(
            made.len(),
            expected,
            "round {round}: {} / {} / {}",
            a.text,
            b.text,
            c.text
        );
        for r in [&a, &b, &c] {
            assert!(
                r.status == StatusCode::CREATED || r.status == StatusCode::CONFLICT,
                "{}",
                r.text
            );
        }
    }
    let n = app
        .texts("SELECT lead_no FROM leads WHERE name = '同时登记'")
        .await;
    assert_eq!(n.len(), 1, "{n:?}");
}
