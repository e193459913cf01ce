//! Relationship maintenance: contact tasks from the tier, interactions, coverage.

use crate::harness::*;
use crate::segments::metrics;
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::tests![
    contact_tasks_follow_the_tier_and_move_when_it_changes,
    logging_a_contact_completes_the_task_and_plans_the_next,
    corporates_get_a_quarterly_meeting,
    a_planned_visit_is_carried_out_and_counts_as_the_contact,
    every_contact_cycle_missed_counts_once,
    the_agenda_holds_the_visits_tasks_and_events_of_the_days_asked,
];

fn months_from_today(app: &TestApp, m: i64) -> String {
    app.app
        .today()
        .checked_add(jiff::Span::new().months(m))
        .unwrap()
        .to_string()
}

async fn tasks(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app.get("/api/v1/tasks?due=all", token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body.as_array().unwrap().clone()
}

async fn load(
    app: &TestApp,
    ops: &str,
    id: &str,
    deposits: i64,
    contribution: i64,
    investments: u32,
) {
    let today = app.app.today().to_string();
    let r = app
        .post(
            "/api/v1/metrics",
            ops,
            json!({"items": [{"customer": id, "metrics": metrics(&today, deposits, contribution, investments)}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["accepted"], 1, "{}", r.text);
}

async fn contact_tasks_follow_the_tier_and_move_when_it_changes(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;
    // No tier yet, no plan.
    assert!(tasks(app, &rm).await.is_empty());
    load(app, &ops, &id, 3_200_000, 12_000, 6).await;
    let t = tasks(app, &rm).await;
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0]["plan_key"], "wealth_platinum");
    assert_eq!(t[0]["customer_id"], id.as_str());
    assert_eq!(t[0]["due_on"], months_from_today(app, 3));
    let task_id = t[0]["id"].clone();
    // Diamond: the same task moves to a month from the start.
    load(app, &ops, &id, 7_000_000, 60_000, 12).await;
    let t = tasks(app, &rm).await;
    assert_eq!(t.len(), 1);
    assert_eq!(t[0]["id"], task_id);
    assert_eq!(t[0]["plan_key"], "wealth_diamond");
    assert_eq!(t[0]["due_on"], months_from_today(app, 1));
    // Re-running the planner changes nothing and never duplicates.
    for _ in 0..2 {
        let r = banyan_app::engagement::plan_all(&app.app, |_, _| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!((r.created, r.moved, r.cancelled), (0, 0, 0), "{r:?}");
    }
    assert_eq!(app.count("tasks").await, 1);
    // Nothing is due today yet.
    let r = app.get("/api/v1/tasks", &rm).await;
    assert!(r.body.as_array().unwrap().is_empty(), "{}", r.text);
}

async fn logging_a_contact_completes_the_task_and_plans_the_next(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;
    load(app, &ops, &id, 3_200_000, 12_000, 6).await;
    let path = format!("/api/v1/customers/{id}/interactions");
    // Bad input is named, and nothing is written.
    let r = app
        .post(
            &path,
            &rm,
            json!({"method": "fax", "outcome": " ", "satisfaction": 9, "occurred_at": "2999-01-01T00:00:00Z"}),
        )
        .await;
    r.assert_problem(422, "validation");
    let mut fields: Vec<String> = r.field_errors().into_iter().map(|(f, _)| f).collect();
    fields.sort();
    assert_eq!(
        fields,
        vec!["method", "occurred_at", "outcome", "satisfaction"]
    );
    assert_eq!(app.count("interactions").await, 0);

    let r = app
        .post(
            &path,
            &rm,
            json!({"method": "call", "outcome": "谈了年底理财到期的安排", "needs": "想了解养老规划", "satisfaction": 5, "next_step": "下月面谈"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let done = r.body["task_id"].clone();
    assert!(done.is_string());
    // The next contact is planned from this one.
    let t = tasks(app, &rm).await;
    assert_eq!(t.len(), 1);
    assert_ne!(t[0]["id"], done);
    assert_eq!(t[0]["due_on"], months_from_today(app, 3));
    let history = app.get(&format!("/api/v1/customers/{id}/tasks"), &rm).await;
    let closed: Vec<&Value> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "done")
        .collect();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["on_time"], true);
    let list = app.get(&path, &rm).await;
    assert_eq!(list.body[0]["needs"], "想了解养老规划");

    // Coverage: one contact due and done on time, then an overdue one.
    let from = app.app.today().to_string();
    let to = months_from_today(app, 12);
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let cov = |by: &'static str| {
        let url = format!("/api/v1/coverage?from=2020-01-01&to={to}&by={by}");
        let sup = sup.clone();
        async move {
            let r = app.get(&url, &sup).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.body[0].clone()
        }
    };
    let c = cov("manager").await;
    assert_eq!(
        (c["due"].as_i64(), c["on_time"].as_i64()),
        (Some(1), Some(1)),
        "{c}"
    );
    assert_eq!(c["pending"], 1);
    assert_eq!(c["coverage_pct"], 100.0);
    app.sql(&format!(
        "UPDATE tasks SET due_on = '2026-01-01' WHERE status = 'open' AND due_on > '{from}'"
    ))
    .await;
    let c = cov("branch").await;
    assert_eq!(c["key"], "BR0001");
    assert_eq!(c["overdue"], 1);
    assert_eq!(c["coverage_pct"], 50.0);
    // Per team: an administrator puts rm1 in a team; coverage follows the owner's team.
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let r = app
        .req(
            reqwest::Method::PUT,
            "/api/v1/staff/rm1/org",
            Some(&admin),
            Some(json!({"team": "retail-a", "department": "retail"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["team"], "retail-a");
    let c = cov("team").await;
    assert_eq!(
        (c["key"].as_str(), c["overdue"].as_i64()),
        (Some("retail-a"), Some(1)),
        "{c}"
    );
    let r = app
        .req(
            reqwest::Method::PUT,
            "/api/v1/staff/rm1/org",
            Some(&admin),
            Some(json!({"team": "x".repeat(65)})),
        )
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors()[0].0, "team");
    app.req(
        reqwest::Method::PUT,
        "/api/v1/staff/rm1/org",
        Some(&sup),
        Some(json!({"team": "mine"})),
    )
    .await
    .assert_problem(403, "permission_denied");
    app.req(
        reqwest::Method::PUT,
        "/api/v1/staff/nobody/org",
        Some(&admin),
        Some(json!({"team": "t"})),
    )
    .await
    .assert_problem(404, "not_found");
    // The overdue task is on the manager's list for today.
    let r = app.get("/api/v1/tasks?due=overdue", &rm).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert_eq!(r.body[0]["overdue"], true);
    // Another manager sees no coverage of rm1's customers.
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let r = app
        .get(&format!("/api/v1/coverage?from=2020-01-01&to={to}"), &rm2)
        .await;
    assert!(r.body.as_array().unwrap().is_empty(), "{}", r.text);
}

async fn corporates_get_a_quarterly_meeting(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let body = json!({
        "kind": "corporate",
        "branch_code": "BR0001",
        "organization": {"registered_name": "上海测试贸易有限公司", "credit_code": credit_code("MA0123456"), "industry": "F"},
    });
    let c = app.create(&rm, body).await;
    let id = c["id"].as_str().unwrap();
    assert!(tasks(app, &rm).await.is_empty(), "drafts are not planned");
    app.post(&format!("/api/v1/customers/{id}/submit"), &rm, json!({}))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let r = app
        .post(&format!("/api/v1/customers/{id}/verify"), &rev, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = tasks(app, &rm).await;
    assert_eq!(t.len(), 1);
    assert_eq!(t[0]["method"], "meeting");
    assert_eq!(t[0]["due_on"], months_from_today(app, 3));
}

async fn a_planned_visit_is_carried_out_and_counts_as_the_contact(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;
    load(app, &ops, &id, 7_000_000, 60_000, 12).await;
    let when = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48)).to_string();
    let path = format!("/api/v1/customers/{id}/visits");
    let r = app
        .post(
            &path,
            &rm,
            json!({"purpose": "", "scheduled_at": "2000-01-01T00:00:00Z", "method": "fax"}),
        )
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors().len(), 3, "{}", r.text);
    let r = app
        .post(
            &path,
            &rm,
            json!({"purpose": "年度资产配置回顾", "scheduled_at": when, "method": "visit", "preparation": "带上养老规划方案", "key_customer": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let visit = r.body["id"].as_str().unwrap().to_owned();
    let v = app.get("/api/v1/visits", &rm).await;
    assert_eq!(v.body.as_array().unwrap().len(), 1, "{}", v.text);
    assert_eq!(v.body[0]["key_customer"], true);
    // Carried out: the visit and the diamond contact task are both done by the one interaction.
    let r = app
        .post(
            &format!("/api/v1/customers/{id}/interactions"),
            &rm,
            json!({"method": "visit", "outcome": "客户同意调整配置", "task_id": visit}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let t = app.get(&format!("/api/v1/customers/{id}/tasks"), &rm).await;
    let done: Vec<&Value> = t
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] == "done")
        .collect();
    assert_eq!(done.len(), 2, "{}", t.text);
    // A task of another customer cannot be completed from here.
    let r = app
        .post(
            &format!("/api/v1/customers/{id}/interactions"),
            &rm,
            json!({"method": "call", "outcome": "x", "task_id": uuid::Uuid::now_v7()}),
        )
        .await;
    r.assert_problem(422, "validation");
}

/// A quarterly customer left alone for seven months has missed two cycles and is overdue for the third:
/// coverage shows three misses, not one.
async fn every_contact_cycle_missed_counts_once(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;
    load(app, &ops, &id, 3_200_000, 12_000, 6).await;
    let seven_ago = months_from_today(app, -7);
    app.sql(&format!(
        "UPDATE tasks SET due_on = '{seven_ago}' WHERE status = 'open' AND kind = 'contact'"
    ))
    .await;
    let r = banyan_app::engagement::plan_all(&app.app, |_, _| {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.missed, r.created), (2, 1), "{r:?}");
    let t = app.get(&format!("/api/v1/customers/{id}/tasks"), &rm).await;
    let mut dues: Vec<(String, String)> = t
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["due_on"].as_str().unwrap().to_owned(),
                x["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    dues.sort();
    assert_eq!(
        dues,
        vec![
            (seven_ago.clone(), "missed".to_owned()),
            (months_from_today(app, -4), "missed".to_owned()),
            (months_from_today(app, -1), "open".to_owned()),
        ]
    );
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let today = app.app.today().to_string();
    let c = app
        .get(
            &format!("/api/v1/coverage?from=2020-01-01&to={today}"),
            &sup,
        )
        .await;
    assert_eq!(
        (
            c.body[0]["due"].as_i64(),
            c.body[0]["on_time"].as_i64(),
            c.body[0]["overdue"].as_i64()
        ),
        (Some(3), Some(0), Some(3)),
        "{}",
        c.text
    );
    // Re-running changes nothing; a contact now completes the current cycle (late).
    let again = banyan_app::engagement::plan_all(&app.app, |_, _| {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.missed, again.created, again.moved),
        (0, 0, 0),
        "{again:?}"
    );
    let r = app
        .post(
            &format!("/api/v1/customers/{id}/interactions"),
            &rm,
            json!({"method": "call", "outcome": "终于联系上，约下周面谈"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let c = app
        .get(
            &format!("/api/v1/coverage?from=2020-01-01&to={today}"),
            &sup,
        )
        .await;
    assert_eq!(
        (c.body[0]["late"].as_i64(), c.body[0]["overdue"].as_i64()),
        (Some(1), Some(2)),
        "{}",
        c.text
    );
}

/// The calendar's agenda: the visits I planned and the contact tasks due on the days asked, with their
/// customers, and my branch's events; another branch's manager sees none of it; a span longer than the
/// month grid, or one running backwards, is refused naming `to`.
async fn the_agenda_holds_the_visits_tasks_and_events_of_the_days_asked(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let other = app
        .login_as("rm9", Role::RelationshipManager, Some("BR0002"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;
    load(app, &ops, &id, 7_000_000, 60_000, 12).await;
    let now = jiff::Timestamp::now();
    let visit_at = (now + jiff::SignedDuration::from_hours(48)).to_string();
    let r = app
        .post(
            &format!("/api/v1/customers/{id}/visits"),
            &rm,
            json!({"purpose": "年度资产配置回顾", "scheduled_at": visit_at, "method": "visit"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let event_at = (now + jiff::SignedDuration::from_hours(72)).to_string();
    let r = app
        .post("/api/v1/events", &rm, json!({"title": "理财沙龙", "kind": "lecture", "location": "三楼", "starts_at": event_at, "capacity": 10}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let today = app.app.today();
    let days = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    // Every open contact task due in the span is on the agenda, and only those.
    let (from, to) = (days(-1), days(40));
    let mut expected: Vec<String> = tasks(app, &rm)
        .await
        .into_iter()
        .filter(|t| t["kind"] != "visit")
        .filter(|t| {
            let d = t["due_on"].as_str().unwrap();
            d >= from.as_str() && d <= to.as_str()
        })
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        !expected.is_empty(),
        "the diamond plan has a contact due within 40 days"
    );
    let r = app
        .get(&format!("/api/v1/agenda?from={from}&to={to}"), &rm)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let items = r.body["tasks"].as_array().unwrap();
    let visit = items
        .iter()
        .find(|t| t["kind"] == "visit")
        .expect("the visit");
    assert_eq!(visit["purpose"], "年度资产配置回顾");
    assert_eq!(visit["customer_id"], id.as_str());
    assert!(!visit["customer_name"].as_str().unwrap().is_empty());
    let mut got: Vec<String> = items
        .iter()
        .filter(|t| t["kind"] != "visit")
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(r.body["events"][0]["title"], "理财沙龙", "{}", r.text);
    // Days before the visit and the event: neither is there.
    let r = app
        .get(
            &format!("/api/v1/agenda?from={}&to={}", days(-10), days(-1)),
            &rm,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.body["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["kind"] != "visit")
    );
    assert!(r.body["events"].as_array().unwrap().is_empty());
    // Another branch's manager: nothing of rm1's.
    let r = app
        .get(&format!("/api/v1/agenda?from={from}&to={to}"), &other)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["tasks"].as_array().unwrap().is_empty(), "{}", r.text);
    assert!(
        r.body["events"].as_array().unwrap().is_empty(),
        "{}",
        r.text
    );
    // Too long, and backwards.
    for (f, t) in [(days(0), days(42)), (days(5), days(4))] {
        let r = app
            .get(&format!("/api/v1/agenda?from={f}&to={t}"), &rm)
            .await;
        r.assert_problem(422, "validation");
        assert_eq!(r.field_errors()[0].0, "to", "{}", r.text);
    }
}
