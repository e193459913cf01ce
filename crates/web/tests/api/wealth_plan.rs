//! A client's wealth page (issue 17), on both databases: the financial picture reads the book and what the
//! client declares (sealed, audited without amounts); goals are funded nearest first; a review keeps the
//! figures then; a plan starts from a valid assessment, its target stays within the level, and it recommends
//! only what the book's gate lets through — asked again when the client accepts; an advisory team reads the
//! page by membership (and only while a member) and keeps its notes and tasks; the managers' KPIs count
//! their clients' records, per manager and team, in the reader's reach, and drill down to them.

use crate::harness::*;
use crate::wealth::{assess, client, desk};
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    a_clients_picture_reads_the_book_and_what_they_declare_and_goals_are_funded_nearest_first,
    a_plan_starts_from_the_assessment_and_recommends_only_what_the_gate_lets_through,
    an_advisory_team_reads_the_page_by_membership_and_keeps_its_notes_and_tasks,
    the_managers_kpis_count_their_records_per_manager_and_team_and_drill_down,
];

fn day(app: &TestApp, years: i16) -> String {
    let t = app.app.today();
    jiff::civil::date(t.year() + years, t.month(), 1).to_string()
}

/// Loads the client's holdings of today: `items` as (account, product, balance in fen).
async fn holdings(app: &TestApp, customer: &str, items: &[(&str, &str, i64)]) {
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let admin = app.login_as("adm", Role::Admin, None).await;
    let r = app
        .post(
            "/api/v1/products",
            &admin,
            crate::book::product("DD-CNY", "demand_deposit", None),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let items: Vec<Value> = items
        .iter()
        .map(|(no, p, b)| {
            json!({"account_no": no, "customer": customer, "product": p, "currency": "CNY",
                "status": "active", "opened_on": "2020-05-01", "balance": b})
        })
        .collect();
    let load = json!({"source": "core", "as_of": app.app.today().to_string(), "items": items});
    let r = app.post("/api/v1/book/holdings", &ops, load).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["load"]["rejected"], 0, "{}", r.text);
}

fn wealth(id: &str) -> String {
    format!("/api/v1/customers/{id}/wealth")
}

async fn a_clients_picture_reads_the_book_and_what_they_declare_and_goals_are_funded_nearest_first(
    app: &TestApp,
) {
    let d = desk(app).await;
    let c = client(app, &d.rm, "19800101", 911).await;
    holdings(
        app,
        &c,
        &[
            ("6222000000000101", "DD-CNY", 30_000_000),
            ("6222000000000102", "WM-R2", 40_000_000),
        ],
    )
    .await;
    let v = app.get(&wealth(&c), &d.rm).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    assert_eq!(v.body["with_bank"]["cash"], 30_000_000, "{}", v.text);
    assert_eq!(v.body["with_bank"]["fixed_income"], 40_000_000);
    assert_eq!(v.body["invested"], 70_000_000);
    assert!(v.body["picture"].is_null());
    assert_eq!(v.body["basis"], "scope");
    assert_eq!(app.count("audit_log WHERE action = 'wealth.read'").await, 1);
    // What the client declares: checked by name, then kept whole.
    let pic = |stocks: i64| {
        json!({"assets": {"stocks": stocks, "property": 500_000_000, "cash": 0},
            "liabilities": {"mortgage": 100_000_000}, "income": {"salary": 60_000_000},
            "family": {"marital": "married", "dependants": 2}})
    };
    let path = format!("{}/picture", wealth(&c));
    let r = app
        .req(Method::PUT, &path, Some(&d.rm), Some(pic(-1)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.field_errors(), [("assets.stocks".into(), "range".into())]);
    let r = app
        .req(Method::PUT, &path, Some(&d.rm), Some(pic(20_000_000)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["version"], 1);
    assert!(
        r.body["picture"]["assets"].get("cash").is_none(),
        "zero is none"
    );
    let mut stale = pic(25_000_000);
    stale["version"] = json!(0);
    app.req(Method::PUT, &path, Some(&d.rm), Some(stale))
        .await
        .assert_problem(409, "version_conflict");
    let clear = app
        .texts("SELECT customer_id FROM wealth_pictures WHERE CAST(picture_enc AS TEXT) LIKE '%stocks%'")
        .await;
    assert!(clear.is_empty(), "sealed at rest: {clear:?}");
    // The audit names the kinds, never the amounts.
    let details = app
        .texts("SELECT detail FROM audit_log WHERE action = 'wealth.picture'")
        .await;
    assert_eq!(details.len(), 1);
    assert!(
        details[0].contains("stocks") && !details[0].contains("20000000"),
        "{}",
        details[0]
    );
    let v = app.get(&wealth(&c), &d.rm).await;
    assert_eq!(v.body["invested"], 90_000_000, "{}", v.text);
    assert_eq!(v.body["declared"]["equity"], 20_000_000);
    assert_eq!(v.body["other_assets"], 500_000_000);
    assert_eq!(v.body["net_worth"], 490_000_000);
    assert_eq!(v.body["picture"]["picture"]["family"]["dependants"], 2);
    // Goals: the nearer is funded first, the rest saved monthly.
    let goals = format!("{}/goals", wealth(&c));
    let r = app
        .post(
            &goals,
            &d.rm,
            json!({"kind": "education", "target_amount": 0, "target_on": "2020-01-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let rules = r.field_errors();
    assert!(
        rules.contains(&("target_on".into(), "future".into())),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("target_amount".into(), "range".into())),
        "{rules:?}"
    );
    let edu = app
        .post(
            &goals,
            &d.rm,
            json!({"kind": "education", "target_amount": 50_000_000, "target_on": day(app, 10)}),
        )
        .await;
    assert_eq!(edu.status, StatusCode::CREATED, "{}", edu.text);
    let r = app
        .post(
            &goals,
            &d.rm,
            json!({"kind": "retirement", "target_amount": 200_000_000, "target_on": day(app, 20)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let v = app.get(&wealth(&c), &d.rm).await;
    let g = v.body["goals"].as_array().unwrap();
    assert_eq!(g[0]["kind"], "education");
    assert_eq!(g[0]["funding"]["progress"], 100, "{}", v.text);
    assert_eq!(g[1]["funding"]["funded"], 40_000_000);
    assert_eq!(g[1]["funding"]["progress"], 20);
    assert!(g[1]["funding"]["monthly_needed"].as_i64().unwrap() > 0);
    // The education goal achieved: retirement takes everything.
    let id = edu.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/wealth/goals/{id}"),
            &d.rm,
            json!({"status": "achieved", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = app.get(&wealth(&c), &d.rm).await;
    assert!(v.body["goals"][0]["funding"].is_null());
    assert_eq!(v.body["goals"][1]["funding"]["funded"], 90_000_000);
    // A review keeps the figures then; one a day; the next falls due by the tier's cadence.
    assert_eq!(v.body["review_due"], true);
    let reviews = format!("{}/reviews", wealth(&c));
    let r = app
        .post(&reviews, &d.rm, json!({"note": "客户计划明年换房"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["invested"], 90_000_000);
    assert_eq!(r.body["allocation"]["equity"], 222, "{}", r.text);
    app.post(&reviews, &d.rm, json!({}))
        .await
        .assert_problem(409, "reviewed_today");
    let v = app.get(&wealth(&c), &d.rm).await;
    assert_eq!(v.body["reviews"].as_array().unwrap().len(), 1);
    assert_eq!(v.body["review_due"], false);
    assert!(v.body["next_review_on"].as_str().unwrap() > app.app.today().to_string().as_str());
    // Out of scope, or without the planner's permission and not on the team: not found.
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0002"))
        .await;
    app.get(&wealth(&c), &rm2)
        .await
        .assert_problem(404, "not_found");
    let cs = app.login_as("cs1", Role::CustomerService, None).await;
    app.get(&wealth(&c), &cs)
        .await
        .assert_problem(404, "not_found");
    let r = app.req(Method::PUT, &path, Some(&cs), Some(pic(1))).await;
    r.assert_problem(403, "permission_denied");
}

async fn a_plan_starts_from_the_assessment_and_recommends_only_what_the_gate_lets_through(
    app: &TestApp,
) {
    let d = desk(app).await;
    let c = client(app, &d.rm, "19800101", 912).await;
    let plans = format!("{}/plans", wealth(&c));
    app.post(&plans, &d.rm, json!({"reason": "initial"}))
        .await
        .assert_problem(409, "no_assessment");
    assess(app, &d.rm, &c, "balanced", "branch").await;
    let r = app
        .post(
            &plans,
            &d.rm,
            json!({"reason": "market_change", "note": "x"}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        [("reason".into(), "initial".into())],
        "{}",
        r.text
    );
    // Balanced buys up to R3: equity (R4) is refused, and the percentages add up to 100.
    let r = app
        .post(
            &plans,
            &d.rm,
            json!({"reason": "initial", "target": {"cash": 20, "equity": 70}}),
        )
        .await;
    let rules = r.field_errors();
    assert!(
        rules.contains(&("target.equity".into(), "above_level".into())),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("target".into(), "sum_100".into())),
        "{rules:?}"
    );
    let r = app.post(&plans, &d.rm, json!({"reason": "initial"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["ceiling"], "R3");
    assert_eq!(
        r.body["target"],
        json!({"cash": 10, "deposits": 25, "fixed_income": 40, "mixed": 25})
    );
    let v = app.get(&wealth(&c), &d.rm).await;
    let options: Vec<&str> = v.body["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert!(
        options.contains(&"WM-R2") && options.contains(&"PF-R3"),
        "{options:?}"
    );
    assert!(!options.contains(&"WM-R4"), "{options:?}");
    assert_eq!(v.body["gap"].as_array().unwrap().len(), 4, "{}", v.text);
    // The gate refuses R4 to a balanced client: so does the plan, naming the rule.
    let actions = format!("{}/actions", wealth(&c));
    let r = app
        .post(
            &actions,
            &d.rm,
            json!({"product": "WM-R4", "amount": 5_000_000, "rationale": "增配权益"}),
        )
        .await;
    r.assert_problem(409, "unsuitable");
    assert_eq!(r.body["action"], "suitability.level", "{}", r.text);
    let r = app
        .post(
            &actions,
            &d.rm,
            json!({"product": "WM-R2", "amount": 1, "rationale": "补足固收"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // A retry with the same key recommends once.
    let key = [("Idempotency-Key", "wealth-recommend-1")];
    let body = json!({"product": "WM-R2", "amount": 5_000_000, "rationale": "补足固收"});
    let first = app
        .req_h(
            Method::POST,
            &actions,
            Some(&d.rm),
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = app
        .req_h(Method::POST, &actions, Some(&d.rm), Some(body), &key)
        .await;
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(app.count("wealth_actions").await, 1);
    let pf = app
        .post(
            &actions,
            &d.rm,
            json!({"product": "PF-R3", "amount": 5_000_000, "rationale": "混合配置"}),
        )
        .await;
    assert_eq!(pf.status, StatusCode::CREATED, "{}", pf.text);
    let id = first.body["id"].as_str().unwrap();
    let answer = format!("/api/v1/wealth/actions/{id}/answer");
    let r = app
        .post(
            &answer,
            &d.rm,
            json!({"decision": "accepted", "note": "同意"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["decision"], "accepted");
    app.post(&answer, &d.rm, json!({"decision": "declined"}))
        .await
        .assert_problem(409, "invalid_state");
    // The plan is carried out by the sales the book records after the acceptance.
    let carried = |v: &Resp| {
        let a = v.body["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == first.body["id"])
            .unwrap()
            .clone();
        (
            a["carried_out"]["amount"].as_i64(),
            v.body["execution"]["accepted"].as_i64(),
            v.body["execution"]["carried_out"].as_i64(),
        )
    };
    let v = app.get(&wealth(&c), &d.rm).await;
    assert_eq!(carried(&v), (None, Some(1), Some(0)), "{}", v.text);
    let sale = crate::wealth::sell(app, &d.rm, &c, "WM-R2", json!({})).await;
    assert_eq!(sale.body["decision"], "recorded", "{}", sale.text);
    let v = app.get(&wealth(&c), &d.rm).await;
    assert_eq!(
        carried(&v),
        (Some(5_000_000), Some(1), Some(1)),
        "{}",
        v.text
    );
    // An adjustment says why; the first version stays as history.
    let r = app
        .post(&plans, &d.rm, json!({"reason": "life_event"}))
        .await;
    assert_eq!(
        r.field_errors(),
        [("note".into(), "required".into())],
        "{}",
        r.text
    );
    let r = app
        .post(&plans, &d.rm, json!({"reason": "life_event", "note": "孩子出生", "target": {"cash": 20, "deposits": 30, "fixed_income": 50}}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["seq"], 2);
    let v = app.get(&wealth(&c), &d.rm).await;
    assert_eq!(v.body["plan"]["seq"], 2);
    assert_eq!(v.body["history"][0]["reason"], "initial");
    // The assessment runs out: the open recommendation says what the gate refuses now, and acceptance is
    // refused.
    app.sql("UPDATE risk_assessments SET expires_on = '2020-01-01'")
        .await;
    let v = app.get(&wealth(&c), &d.rm).await;
    let open = v.body["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["product"] == "PF-R3")
        .unwrap();
    assert_eq!(
        open["gate"]["action"], "suitability.assessment",
        "{}",
        v.text
    );
    assert!(v.body["options"].as_array().unwrap().is_empty());
    let pid = pf.body["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/wealth/actions/{pid}/answer"),
        &d.rm,
        json!({"decision": "accepted"}),
    )
    .await
    .assert_problem(409, "unsuitable");
    let r = app
        .post(
            &format!("/api/v1/wealth/actions/{pid}/answer"),
            &d.rm,
            json!({"decision": "deferred"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(app.count("audit_log WHERE action = 'wealth.answer'").await == 2);
}

async fn an_advisory_team_reads_the_page_by_membership_and_keeps_its_notes_and_tasks(
    app: &TestApp,
) {
    let d = desk(app).await;
    let c = client(app, &d.rm, "19700101", 913).await;
    let expert = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0002"))
        .await;
    let expert_id = app.staff_id("rm2").await;
    let rm_id = app.staff_id("rm1").await;
    app.get(&wealth(&c), &expert)
        .await
        .assert_problem(404, "not_found");
    let team = format!("{}/team", wealth(&c));
    let admin_id = app.staff_id("adm").await;
    let r = app
        .post(&team, &d.rm, json!({"staff": admin_id, "role": "lawyer"}))
        .await;
    assert_eq!(
        r.field_errors(),
        [("staff".into(), "unknown".into())],
        "{}",
        r.text
    );
    let r = app
        .post(
            &team,
            &d.rm,
            json!({"staff": expert_id, "role": "investment_expert"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["role"], "investment_expert");
    app.post(&team, &d.rm, json!({"staff": expert_id, "role": "lawyer"}))
        .await
        .assert_problem(409, "already_member");
    assert_eq!(
        app.count("staff_notices WHERE kind = 'wealth.team'").await,
        1
    );
    // The member's notice names the client while they are on the team (its page opens to them).
    let notices = app.get("/api/v1/notices", &expert).await;
    let told = notices
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "wealth.team")
        .unwrap()
        .clone();
    assert_eq!(told["customer_id"], c.as_str(), "{}", notices.text);
    // The member reads the page by membership, and only the page: no planning, no customer record.
    let v = app.get(&wealth(&c), &expert).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    assert_eq!(v.body["basis"], "team");
    assert_eq!(v.body["can_plan"], false);
    assert!(v.body["options"].as_array().unwrap().is_empty());
    app.get(&format!("/api/v1/customers/{c}"), &expert)
        .await
        .assert_problem(404, "not_found");
    app.req(
        Method::PUT,
        &format!("{}/picture", wealth(&c)),
        Some(&expert),
        Some(json!({})),
    )
    .await
    .assert_problem(404, "not_found");
    let texts = app
        .texts("SELECT detail FROM audit_log WHERE action = 'wealth.read'")
        .await;
    assert!(texts.iter().any(|t| t.contains("team")), "{texts:?}");
    // Notes and tasks: a task names a member (or the manager) and a day.
    let entries = format!("{}/entries", wealth(&c));
    let r = app
        .post(&entries, &expert, json!({"kind": "note", "body": "建议关注信托架构", "due_on": app.app.today().to_string()}))
        .await;
    assert_eq!(
        r.field_errors(),
        [("assignee".into(), "not_allowed".into())],
        "{}",
        r.text
    );
    let r = app
        .post(
            &entries,
            &expert,
            json!({"kind": "note", "body": "建议关注信托架构"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let cs_id = {
        app.login_as("cs9", Role::CustomerService, None).await;
        app.staff_id("cs9").await
    };
    let task = |to: &str| json!({"kind": "task", "body": "准备家族信托方案", "assignee": to, "due_on": app.app.today().to_string()});
    let r = app.post(&entries, &expert, task(&cs_id)).await;
    assert_eq!(
        r.field_errors(),
        [("assignee".into(), "member".into())],
        "{}",
        r.text
    );
    let r = app.post(&entries, &expert, task(&rm_id)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        app.count("staff_notices WHERE kind = 'wealth.task'").await,
        1
    );
    let tid = r.body["id"].as_str().unwrap();
    let done = format!("/api/v1/wealth/entries/{tid}/done");
    app.post(&done, &expert, json!({}))
        .await
        .assert_problem(403, "not_assignee");
    let r = app.post(&done, &d.rm, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["done_at"].is_string());
    app.post(&done, &d.rm, json!({}))
        .await
        .assert_problem(409, "invalid_state");
    let v = app.get(&wealth(&c), &d.rm).await;
    assert_eq!(v.body["entries"].as_array().unwrap().len(), 2);
    assert_eq!(
        v.body["entries"][1]["body"], "建议关注信托架构",
        "{}",
        v.text
    );
    // The text is sealed at rest: the words are not there in clear.
    let clear = app
        .texts("SELECT id FROM wealth_entries WHERE CAST(body_enc AS TEXT) LIKE '%信托%'")
        .await;
    assert!(clear.is_empty(), "{clear:?}");
    // Taken off the team, the page is closed to them again.
    let r = app
        .req(
            Method::DELETE,
            &format!("{team}/{expert_id}"),
            Some(&d.rm),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    app.get(&wealth(&c), &expert)
        .await
        .assert_problem(404, "not_found");
    let notices = app.get("/api/v1/notices", &expert).await;
    let told = notices
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "wealth.team")
        .unwrap()
        .clone();
    assert!(told["customer_id"].is_null(), "{}", notices.text);
}

async fn the_managers_kpis_count_their_records_per_manager_and_team_and_drill_down(app: &TestApp) {
    let d = desk(app).await;
    let c1 = client(app, &d.rm, "19800101", 914).await;
    let c2 = client(app, &d.rm, "19810101", 915).await;
    // A contact rated 4; two completed purchases (a repeat buyer); a referral of c2 by c1.
    let r = app
        .post(
            &format!("/api/v1/customers/{c1}/interactions"),
            &d.rm,
            json!({"method": "call", "outcome": "reached", "satisfaction": 4}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assess(app, &d.rm, &c1, "aggressive", "branch").await;
    for _ in 0..2 {
        let r = crate::wealth::sell(app, &d.rm, &c1, "WM-R2", json!({})).await;
        assert_eq!(r.body["suitability"]["step"], "completed", "{}", r.text);
    }
    let no2 = app
        .get(&format!("/api/v1/customers/{c2}"), &d.rm)
        .await
        .body["customer_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let refer = format!("{}/referrals", wealth(&c1));
    let r = app
        .post(&refer, &d.rm, json!({"introduced": "P-BR0009-99999999"}))
        .await;
    assert_eq!(
        r.field_errors(),
        [("introduced".into(), "not_found".into())],
        "{}",
        r.text
    );
    let r = app
        .post(&refer, &d.rm, json!({"introduced": no2, "note": "同事"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.post(&refer, &d.rm, json!({"introduced": no2}))
        .await
        .assert_problem(409, "already_recorded");
    // The supervisor reads the branch's managers; the figures are numerators over denominators.
    let k = app.get("/api/v1/wealth/kpis", &d.sup).await;
    assert_eq!(k.status, StatusCode::OK, "{}", k.text);
    let rm1 = app.staff_id("rm1").await;
    let mine = k.body["managers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["staff_id"] == rm1.as_str())
        .unwrap_or_else(|| panic!("{}", k.text));
    assert_eq!(mine["clients"], 2);
    let fig = |m: &str| {
        mine["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["measure"] == m)
            .unwrap()
            .clone()
    };
    assert_eq!(fig("client_satisfaction")["value"], 4.0);
    assert_eq!(fig("client_satisfaction")["met"], false);
    assert_eq!(fig("repeat_purchase")["value"], 100.0);
    assert_eq!(fig("referral")["value"], 50.0);
    assert_eq!(
        (
            fig("referral")["numerator"].clone(),
            fig("referral")["denominator"].clone()
        ),
        (json!(1), json!(2))
    );
    assert!(fig("complaint_satisfaction")["value"].is_null());
    assert!(!k.body["teams"].as_array().unwrap().is_empty());
    // Each figure drills down to its records.
    let drill = app
        .get(&format!("/api/v1/wealth/kpis/referral?staff={rm1}"), &d.sup)
        .await;
    assert_eq!(drill.status, StatusCode::OK, "{}", drill.text);
    assert_eq!(drill.body["lines"][0]["what"], no2.as_str());
    let drill = app
        .get(
            &format!("/api/v1/wealth/kpis/repeat_purchase?staff={rm1}&period=2026"),
            &d.sup,
        )
        .await;
    assert_eq!(drill.body["lines"][0]["counted"], true, "{}", drill.text);
    // A manager reads their own; another branch's manager does not reach rm1.
    let own = app.get("/api/v1/wealth/kpis", &d.rm).await;
    assert_eq!(
        own.body["managers"].as_array().unwrap().len(),
        1,
        "{}",
        own.text
    );
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0002"))
        .await;
    let theirs = app.get("/api/v1/wealth/kpis", &rm2).await;
    assert!(
        theirs.body["managers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["staff_id"] != rm1.as_str())
    );
    app.get(&format!("/api/v1/wealth/kpis/referral?staff={rm1}"), &rm2)
        .await
        .assert_problem(404, "not_found");
    let r = app.get("/api/v1/wealth/kpis?period=2026-Q9", &d.sup).await;
    assert_eq!(
        r.field_errors(),
        [("period".into(), "period".into())],
        "{}",
        r.text
    );
    let cs = app.login_as("cs1", Role::CustomerService, None).await;
    app.get("/api/v1/wealth/kpis", &cs)
        .await
        .assert_problem(403, "permission_denied");
}
