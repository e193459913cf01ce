//! Acquisition campaigns: a supervisor creates the branch's with its strategy, channels, partners, period and
//! targets; a lead captured through one of its channels while it runs names it; the campaign is read beside
//! what it brought and the funnel breaks leads down by campaign; another branch neither sees nor names it.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::tests![a_campaign_carries_its_strategy_and_counts_the_leads_that_name_it];

async fn a_campaign_carries_its_strategy_and_counts_the_leads_that_name_it(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let far = app
        .login_as("rm9", Role::RelationshipManager, Some("BR0002"))
        .await;
    let today = app.app.today();
    let day = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    let campaign = json!({"name": "社区养老金融季", "strategy": "channel_expansion", "kind": "individual",
        "segment": "社区 50 岁以上居民", "channels": ["community_event"], "starts_on": day(-10),
        "ends_on": day(20), "leads_target": 10, "won_target": 2});

    // Bad input names each rule; a manager may not create one.
    let mut bad = campaign.clone();
    bad["strategy"] = json!("partnership");
    bad["channels"] = json!([]);
    bad["ends_on"] = json!(day(-20));
    let r = app.post("/api/v1/leads/campaigns", &sup, bad).await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("channels".into(), "required".into()),
            ("partners".into(), "required_for_partnership".into()),
            ("ends_on".into(), "range".into()),
        ],
        "{}",
        r.text
    );
    app.post("/api/v1/leads/campaigns", &rm, campaign.clone())
        .await
        .assert_problem(403, "permission_denied");
    let r = app
        .post("/api/v1/leads/campaigns", &sup, campaign.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (r.body["running"].clone(), r.body["branch_code"].clone()),
        (json!(true), json!("BR0001"))
    );
    let id = r.body["id"].as_str().unwrap().to_owned();
    app.post("/api/v1/leads/campaigns", &sup, campaign)
        .await
        .assert_problem(409, "duplicate_campaign");

    // A lead of the campaign's channel names it; another channel may not; another branch does not know it.
    let lead = |channel: &str, mobile: &str| -> Value {
        json!({"kind": "individual", "name": "活动线索", "mobile": mobile, "channel": channel,
            "basis": "consent", "consent_on": day(-1), "campaign_id": id})
    };
    let r = app
        .post("/api/v1/leads", &rm, lead("community_event", "13600005551"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["campaign"], "社区养老金融季");
    let r = app
        .post("/api/v1/leads", &rm, lead("website", "13600005552"))
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("campaign_id".into(), "not_running".into())]
    );
    let r = app
        .post(
            "/api/v1/leads",
            &far,
            lead("community_event", "13600005553"),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("campaign_id".into(), "unknown".into())]
    );
    assert_eq!(app.count("leads").await, 1);

    // Read beside what it brought; the funnel by campaign names it; another branch does not see it.
    let list = app.get("/api/v1/leads/campaigns", &sup).await;
    let c = &list.body[0];
    assert_eq!(
        (
            c["captured"].as_i64(),
            c["qualified"].as_i64(),
            c["won"].as_i64(),
            c["leads_target"].as_i64()
        ),
        (Some(1), Some(0), Some(0), Some(10)),
        "{}",
        list.text
    );
    // Its count drills down to its leads.
    let l = app
        .get(&format!("/api/v1/leads?campaign_id={id}"), &sup)
        .await;
    assert_eq!(l.body["total"]["count"], 1, "{}", l.text);
    assert_eq!(l.body["items"][0]["name"], "活动线索");
    let f = app.get("/api/v1/leads/funnel?by=campaign", &sup).await;
    assert_eq!(f.body["lines"][0]["name"], "社区养老金融季", "{}", f.text);
    assert_eq!(f.body["lines"][0]["captured"], 1);
    // Against the period before (no leads then): no growth to speak of; the same funnel as a workbook,
    // audited.
    assert_eq!(
        (
            f.body["previous"]["captured"].as_i64(),
            f.body["growth_captured_permille"].is_null()
        ),
        (Some(0), true),
        "{}",
        f.text
    );
    let x = app
        .get("/api/v1/leads/funnel/export?by=campaign", &sup)
        .await;
    assert_eq!(x.status, StatusCode::OK);
    assert_eq!(
        x.headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(x.text.starts_with("PK"), "a zip: an XLSX workbook");
    assert_eq!(
        app.count("audit_log WHERE action = 'lead.funnel.export'")
            .await,
        1
    );
    let other = app.get("/api/v1/leads/campaigns", &far).await;
    assert_eq!(other.body, json!([]), "{}", other.text);
}
