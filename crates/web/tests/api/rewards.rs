//! Rewards and honours: a scheme's awards follow its rule over the period's closed scorecards (never live
//! ones), a second person approves it (never its proposer), only an approved scheme goes to payroll (a CSV
//! with every cell neutralised), schemes are read within reach, and honours are recorded — all audited.

use crate::harness::*;
use banyan_domain::access::Role;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::PerfRating;
use banyan_domain::wealth::kpi::Period;
use banyan_store::performance::ScorecardRow;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    a_reward_scheme_pays_by_its_rule_over_closed_scorecards_after_a_second_persons_approval,
];

fn last_quarter() -> String {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let today = jiff::Timestamp::now().to_zoned(tz).date();
    Period::quarter_of(today).previous().code()
}

async fn closed(app: &TestApp, staff: &str, period: &str, version: i32, composite: f64, by: &str) {
    let row = ScorecardRow {
        id: uuid::Uuid::now_v7(),
        staff_id: StaffId::from_uuid(staff.parse().unwrap()),
        period: period.into(),
        version,
        lines: vec![],
        composite_milli: (composite * 1000.0) as i64,
        policy_version: "test".into(),
        rating: PerfRating::Good,
        comment: None,
        closed_by: StaffId::from_uuid(by.parse().unwrap()),
        closed_at_us: 0,
    };
    banyan_store::performance::insert_scorecard(&app.app.db().conn, &row)
        .await
        .unwrap();
}

async fn a_reward_scheme_pays_by_its_rule_over_closed_scorecards_after_a_second_persons_approval(
    app: &TestApp,
) {
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let sup2 = app.login_as("sup2", Role::Supervisor, Some("BR0002")).await;
    let senior = app.login_as("boss", Role::SeniorManager, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.login_as("rm3", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.login_as("rm9", Role::RelationshipManager, Some("BR0002"))
        .await;
    let (rm1, rm2, rm3, rm9) = (
        app.staff_id("rm1").await,
        app.staff_id("rm2").await,
        app.staff_id("rm3").await,
        app.staff_id("rm9").await,
    );
    let sup_id = app.staff_id("sup1").await;
    let q = last_quarter();
    let url = "/api/v1/performance/rewards";
    let scheme = |rule: &str| {
        json!({"code": format!("ACQ-{}", rule.len()), "name": "拓户专项奖励", "period": q, "role": "relationship_manager",
               "rule": rule, "min_composite": 70.0, "amount_yuan": 1000.0,
               "rank_amounts_yuan": [3000.0, 2000.0], "pool_yuan": 10000.0})
    };
    // Nothing closed yet: nothing to reward.
    app.post(url, &sup, scheme("ranking"))
        .await
        .assert_problem(409, "nothing_closed");
    // rm1 90 and rm2 75 closed (rm2's second version 80 supersedes its first); rm3 still open; rm9 of
    // another branch.
    closed(app, &rm1, &q, 1, 90.0, &sup_id).await;
    closed(app, &rm2, &q, 1, 75.0, &sup_id).await;
    closed(app, &rm2, &q, 2, 80.0, &sup_id).await;
    closed(app, &rm9, &q, 1, 99.0, &sup_id).await;
    // A rule without its figures is refused naming them; a running quarter is refused.
    let bad = app
        .post(
            url,
            &sup,
            json!({"code": "BAD", "name": "x", "period": q, "role": "relationship_manager", "rule": "threshold"}),
        )
        .await;
    bad.assert_problem(422, "validation");
    assert_eq!(
        bad.field_errors(),
        [
            ("min_composite".into(), "range".into()),
            ("amount_yuan".into(), "range".into())
        ]
    );
    let mut running = scheme("ranking");
    running["period"] = json!(Period::quarter_of(jiff::Zoned::now().date()).code());
    assert_eq!(
        app.post(url, &sup, running).await.field_errors(),
        [("period".into(), "not_ended".into())]
    );
    // Ranking: the branch's closed cards only — rm1 first, rm2 second (at its latest version).
    let key = [("Idempotency-Key", "scheme-ranking")];
    let r = app
        .req_h(Method::POST, url, Some(&sup), Some(scheme("ranking")), &key)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let again = app
        .req_h(Method::POST, url, Some(&sup), Some(scheme("ranking")), &key)
        .await;
    assert_eq!(again.body, r.body);
    assert_eq!(app.count("reward_schemes").await, 1);
    let awards: Vec<(String, i64, f64)> = r.body["awards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["staff_id"].as_str().unwrap().to_owned(),
                a["rank"].as_i64().unwrap(),
                a["amount"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        awards,
        [(rm1.clone(), 1, 3000.0), (rm2.clone(), 2, 2000.0)],
        "{}",
        r.text
    );
    assert_eq!(r.body["total"], 5000.0);
    assert_eq!(r.body["state"], "proposed");
    assert!(
        !r.text.contains(&rm3) && !r.text.contains(&rm9),
        "{}",
        r.text
    );
    let id = r.body["id"].as_str().unwrap().to_owned();
    // The pool: 10,000 shared 90 : 80 among those at 70 or over.
    let pool = app.post(url, &sup, scheme("pool_share")).await;
    assert_eq!(pool.status, StatusCode::CREATED, "{}", pool.text);
    let amounts: Vec<f64> = pool.body["awards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["amount"].as_f64().unwrap())
        .collect();
    assert_eq!(amounts, [5294.11, 4705.88], "{}", pool.text);
    // A team pool: only rm1 is in a team (零售一组, mean 90 ≥ 70), so the team's 10,000 yuan is rm1's; rm2, in
    // no team, is in no team's pool.
    app.sql("UPDATE staff SET team = '零售一组' WHERE username = 'rm1'")
        .await;
    let mut team = scheme("team_pool");
    team["code"] = json!("ACQ-TEAM");
    let r = app.post(url, &sup, team).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let got: Vec<(&str, f64)> = r.body["awards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["staff_id"].as_str().unwrap(),
                a["amount"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [(rm1.as_str(), 10000.0)], "{}", r.text);
    let mut none = scheme("team_pool");
    none["code"] = json!("ACQ-TEAM2");
    none["pool_yuan"] = json!(null);
    assert_eq!(
        app.post(url, &sup, none).await.field_errors(),
        [("pool_yuan".to_owned(), "range".to_owned())]
    );

    // Not yet approved: no payroll. The proposer may not approve; another branch's supervisor does not
    // see it; the senior manager approves.
    let payroll = format!("{url}/{id}/payroll");
    app.get(&payroll, &sup)
        .await
        .assert_problem(409, "not_approved");
    let decision = format!("{url}/{id}/decision");
    app.post(&decision, &sup, json!({"approve": true}))
        .await
        .assert_problem(403, "same_person");
    app.post(&decision, &sup2, json!({"approve": true}))
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("{url}/{id}"), &rm)
        .await
        .assert_problem(403, "permission_denied");
    let d = app
        .post(&decision, &senior, json!({"approve": true, "note": "同意"}))
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    assert_eq!(d.body["state"], "approved");
    assert_eq!(d.body["decided_by"], "boss");
    app.post(&decision, &senior, json!({"approve": false}))
        .await
        .assert_problem(409, "invalid_state");
    // The payroll file: one row per award, stable columns, a name a spreadsheet would run neutralised.
    app.sql("UPDATE staff SET display_name = '=HYPERLINK(1)' WHERE username = 'rm1'")
        .await;
    let csv = app.get(&payroll, &sup).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(
        lines[0],
        "username,perf.person,branch_code,reward.scheme,kpi.period,perf.rank,perf.composite,reward.amount"
    );
    assert_eq!(lines.len(), 3, "{}", csv.text);
    assert!(
        lines[1].starts_with("rm1,'=HYPERLINK(1),BR0001,拓户专项奖励,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",1,90.0,3000.00"), "{}", lines[1]);
    // The branch's supervisor lists the branch's schemes; the other branch's none of them.
    let list = app.get(url, &sup2).await;
    assert_eq!(list.body.as_array().map(Vec::len), Some(0), "{}", list.text);

    // Honours for a person in reach; another branch's person is not found.
    let h = app
        .post(
            "/api/v1/performance/honours",
            &sup,
            json!({"staff_id": rm1, "title": "拓户之星", "period": q, "reason": "新增客户居首"}),
        )
        .await;
    assert_eq!(h.status, StatusCode::CREATED, "{}", h.text);
    app.post(
        "/api/v1/performance/honours",
        &sup,
        json!({"staff_id": rm9, "title": "拓户之星", "period": q}),
    )
    .await
    .assert_problem(404, "not_found");
    let mine = app.get("/api/v1/performance/honours", &rm).await;
    assert_eq!(mine.body[0]["title"], "拓户之星", "{}", mine.text);
    let theirs: Vec<Value> = app
        .get("/api/v1/performance/honours", &sup2)
        .await
        .body
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(theirs.is_empty());
    let mut actions = app
        .texts("SELECT action FROM audit_log WHERE action LIKE 'performance.%'")
        .await;
    actions.sort();
    assert_eq!(
        actions,
        [
            "performance.honour",
            "performance.reward_decide",
            "performance.reward_export",
            "performance.reward_propose",
            "performance.reward_propose",
            "performance.reward_propose",
        ]
    );
}
