//! Visits to a lead: the plan from the screening result (a key lead's prepared in full; who goes picked from
//! the staff who may see the lead), the record and feedback, the cancellation — and the pipeline that a
//! plan and a record move (qualified → visiting → proposal), on the staff member's calendar.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    a_lead_is_visited_from_a_plan_to_a_record_that_moves_it_on,
    visits_are_refused_without_what_they_need_and_out_of_turn,
];

/// `days` days from now, as RFC 3339.
fn in_days(days: i64) -> String {
    jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24 * days))
        .unwrap()
        .to_string()
}

async fn plan(app: &TestApp, token: &str, id: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/leads/{id}/visits"), token, body)
        .await
}

async fn visit(app: &TestApp, token: &str, id: &str, visit: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/leads/{id}/visits/{visit}"), token, body)
        .await
}

async fn act(app: &TestApp, token: &str, id: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/leads/{id}/actions"), token, body)
        .await
}

/// The id of the lead's last visit in the answer `r`.
fn last_visit(r: &Resp) -> String {
    let visits = r.body["visits"].as_array().unwrap();
    visits.last().unwrap()["id"].as_str().unwrap().to_owned()
}

/// A qualified lead visited once by its owner, the customer wanting to go on: it stands at `proposal`.
pub(crate) async fn visited(app: &TestApp, rm: &str, id: &str) {
    let r = plan(
        app,
        rm,
        id,
        json!({"purpose": "了解结算与融资需求", "scheduled_at": in_days(1), "method": "visit"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["stage"], "visiting");
    let v = last_visit(&r);
    let r = visit(
        app,
        rm,
        id,
        &v,
        json!({"action": "record", "summary": "需要代发工资和流动资金贷款", "outcome": "proceed"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["stage"], "proposal");
}

/// A corporate lead of `rm`'s (branch BR0001), screened and accepted by `rev`: its id.
async fn qualified_lead(app: &TestApp, rm: &str, rev: &str, mobile: &str, basis: bool) -> String {
    let mut body = json!({"kind": "corporate", "name": "北辰精密制造有限公司", "mobile": mobile,
        "industry": "C", "income": 5_000_000_000i64, "assets": 3_000_000_000i64,
        "liabilities": 900_000_000i64, "channel": "trade_fair", "credit_grade": "A",
        "credit_source": "中诚信", "credit_on": "2026-10-08"});
    if basis {
        body["basis"] = json!("public_information");
    }
    let r = app.post("/api/v1/leads", rm, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        act(app, rm, &id, json!({"action": "screen"})).await.body["stage"],
        "screened"
    );
    let r = act(app, rev, &id, json!({"action": "accept"})).await;
    assert_eq!(r.body["stage"], "qualified", "{}", r.text);
    id
}

async fn a_lead_is_visited_from_a_plan_to_a_record_that_moves_it_on(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm3_id = app
        .staff("rm3", Role::RelationshipManager, Some("BR0001"))
        .await;
    let sup_id = app.staff("sup1", Role::Supervisor, Some("BR0001")).await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let id = qualified_lead(app, &rm, &rev, "13500004444", true).await;

    // A qualified lead moves on by its first plan, not by hand.
    act(app, &rm, &id, json!({"action": "advance"}))
        .await
        .assert_problem(409, "visit_not_planned");

    // A key lead's special plan is prepared in full; the time is ahead; who goes may see the lead.
    let base = json!({"purpose": "高管会谈：结算与融资方案", "scheduled_at": in_days(2),
        "method": "visit", "key_lead": true});
    let r = plan(app, &rm, &id, base.clone()).await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("background".into(), "required_for_key_lead".into()),
            ("competitors".into(), "required_for_key_lead".into()),
            ("talking_points".into(), "required_for_key_lead".into()),
        ]
    );
    let mut full = base.clone();
    full["background"] = json!("精密零部件出口商，年营收 50 亿，在他行结算");
    full["competitors"] = json!("某股份制银行提供结算手续费减免");
    full["materials"] = json!("对公结算套餐手册、出口信保融资案例");
    full["talking_points"] = json!("跨境结算时效；供应链融资额度");
    let mut past = full.clone();
    past["scheduled_at"] = json!(in_days(-1));
    let r = plan(app, &rm, &id, past).await;
    assert_eq!(
        r.field_errors(),
        vec![("scheduled_at".into(), "future".into())]
    );
    let mut other = full.clone();
    other["staff"] = json!(rm3_id.to_string());
    let r = plan(app, &rm, &id, other).await;
    assert_eq!(
        r.field_errors(),
        vec![("staff".into(), "not_allowed".into())],
        "another manager's book does not show this lead"
    );
    full["staff"] = json!(sup_id.to_string());
    // A retried plan with the same Idempotency-Key is one visit.
    let key = [("Idempotency-Key", "lead-visit-1")];
    let url = format!("/api/v1/leads/{id}/visits");
    let mut answers = Vec::new();
    for _ in 0..2 {
        let r = app
            .req_h(Method::POST, &url, Some(&rm), Some(full.clone()), &key)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        answers.push(r);
    }
    assert_eq!(app.count("lead_visits").await, 1);
    let r = answers.pop().unwrap();
    assert_eq!(r.body["stage"], "visiting", "the plan moved the lead on");
    let v = &r.body["visits"][0];
    assert_eq!(v["state"], "planned");
    assert_eq!(v["key_lead"], true);
    assert_eq!(v["staff"], "sup1");
    let first = last_visit(&r);
    let history = r.body["history"].as_array().unwrap();
    let planned = history
        .iter()
        .find(|h| h["action"] == "visit_planned")
        .unwrap();
    assert_eq!(planned["from_stage"], "qualified");
    assert_eq!(planned["to_stage"], "visiting");

    // The supervisor is told, and finds the visit on their calendar; the owner, not sent, does not.
    let n = app.get("/api/v1/notices", &sup).await;
    assert!(n.text.contains("lead.visit_planned"), "{}", n.text);
    let cal = app.get("/api/v1/leads/visits", &sup).await;
    assert_eq!(cal.status, StatusCode::OK, "{}", cal.text);
    assert_eq!(cal.body.as_array().unwrap().len(), 1, "{}", cal.text);
    assert_eq!(cal.body[0]["lead_name"], "北辰精密制造有限公司");
    assert_eq!(cal.body[0]["visit"]["purpose"], "高管会谈：结算与融资方案");
    let mine = app.get("/api/v1/leads/visits", &rm).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 0, "{}", mine.text);
    let later = app
        .get("/api/v1/leads/visits?from=2030-01-01&to=2030-01-31", &sup)
        .await;
    assert_eq!(later.body.as_array().unwrap().len(), 0);
    let r = app.get("/api/v1/leads/visits?from=2026-13-01", &sup).await;
    assert_eq!(r.field_errors(), vec![("from".into(), "format".into())]);

    // Leaving `visiting` by hand needs a recorded visit.
    act(app, &rm, &id, json!({"action": "advance"}))
        .await
        .assert_problem(409, "visit_not_recorded");

    // The record says what the customer needs; another visit says what for; it is not in the future.
    let r = visit(
        app,
        &sup,
        &id,
        &first,
        json!({"action": "record", "outcome": "follow_up"}),
    )
    .await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("summary".into(), "required".into()),
            ("next_step".into(), "required_for_follow_up".into()),
        ]
    );
    let r = visit(
        app,
        &sup,
        &id,
        &first,
        json!({"action": "record", "summary": "x",
        "outcome": "proceed", "held_at": in_days(1)}),
    )
    .await;
    assert_eq!(
        r.field_errors(),
        vec![("held_at".into(), "not_future".into())]
    );
    let r = visit(
        app,
        &sup,
        &id,
        &first,
        json!({"action": "record", "summary": "财务总监关注跨境结算时效，需要授信方案",
            "opinions": "希望手续费与他行持平", "outcome": "follow_up",
            "next_step": "带产品经理二次拜访，讲解供应链融资"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["stage"], "visiting", "another visit is needed");
    assert_eq!(r.body["visits"][0]["state"], "done");
    assert_eq!(r.body["visits"][0]["outcome"], "follow_up");
    assert_eq!(r.body["visits"][0]["recorded_by"], "sup1");
    // Held today, planned for later: it stands on today's calendar.
    let today = app.app.today();
    let cal = app
        .get(
            &format!("/api/v1/leads/visits?from={today}&to={today}"),
            &sup,
        )
        .await;
    assert_eq!(cal.body.as_array().unwrap().len(), 1, "{}", cal.text);
    assert_eq!(cal.body[0]["visit"]["state"], "done");
    visit(
        app,
        &sup,
        &id,
        &first,
        json!({"action": "record", "summary": "again", "outcome": "proceed"}),
    )
    .await
    .assert_problem(409, "invalid_state");
    // The owner is told that someone else recorded a visit to their lead.
    let n = app.get("/api/v1/notices", &rm).await;
    assert!(n.text.contains("lead.visit_recorded"), "{}", n.text);

    // The second visit: the customer wants to go on, and the lead moves to the proposal.
    let r = plan(
        app,
        &rm,
        &id,
        json!({"purpose": "二次拜访：供应链融资", "scheduled_at": in_days(3), "method": "meeting"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.body["visits"][1]["staff"], "rm1",
        "the owner goes by default"
    );
    let second = last_visit(&r);
    let r = visit(
        app,
        &rm,
        &id,
        &second,
        json!({"action": "record", "summary": "确认合作意向：结算 + 500 万流贷", "outcome": "proceed"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["stage"], "proposal");
    let audited = app
        .texts("SELECT action FROM audit_log WHERE entity = 'lead'")
        .await;
    for a in ["lead.visit.plan", "lead.visit.record"] {
        assert!(audited.contains(&a.to_owned()), "{a} not audited");
    }
}

async fn visits_are_refused_without_what_they_need_and_out_of_turn(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0002"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let ok = json!({"purpose": "初次拜访", "scheduled_at": in_days(1), "method": "video"});

    // Not before a reviewer qualified the lead.
    let r = app
        .post(
            "/api/v1/leads",
            &rm,
            json!({"kind": "individual", "name": "周九", "mobile": "13500005555",
                "channel": "website", "basis": "consent", "consent_on": "2026-11-01"}),
        )
        .await;
    let fresh = r.body["id"].as_str().unwrap().to_owned();
    plan(app, &rm, &fresh, ok.clone())
        .await
        .assert_problem(409, "invalid_state");

    // Not without a lawful basis for contact.
    let id = qualified_lead(app, &rm, &rev, "13500006666", false).await;
    plan(app, &rm, &id, ok.clone())
        .await
        .assert_problem(409, "no_lawful_basis");

    let id = qualified_lead(app, &rm, &rev, "13500007777", true).await;
    // Every missing field is named at once; an unknown method is refused.
    let r = plan(app, &rm, &id, json!({})).await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("purpose".into(), "required".into()),
            ("scheduled_at".into(), "required".into()),
            ("method".into(), "required".into()),
        ]
    );
    let r = plan(
        app,
        &rm,
        &id,
        json!({"purpose": "x", "scheduled_at": in_days(1), "method": "carrier_pigeon"}),
    )
    .await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    // Out of scope: not found; a reviewer does not plan visits.
    plan(app, &rm2, &id, ok.clone())
        .await
        .assert_problem(404, "not_found");
    plan(app, &rev, &id, ok.clone())
        .await
        .assert_problem(403, "permission_denied");

    // A cancellation says why, once.
    let r = plan(app, &rm, &id, ok.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let v = last_visit(&r);
    visit(
        app,
        &rm2,
        &id,
        &v,
        json!({"action": "cancel", "reason": "x"}),
    )
    .await
    .assert_problem(404, "not_found");
    let other = uuid::Uuid::now_v7();
    visit(
        app,
        &rm,
        &id,
        &other.to_string(),
        json!({"action": "cancel", "reason": "x"}),
    )
    .await
    .assert_problem(404, "not_found");
    let r = visit(app, &rm, &id, &v, json!({"action": "cancel"})).await;
    assert_eq!(r.field_errors(), vec![("reason".into(), "required".into())]);
    let r = visit(
        app,
        &rm,
        &id,
        &v,
        json!({"action": "cancel", "reason": "客户出差，改期"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["visits"][0]["state"], "cancelled");
    assert_eq!(
        r.body["stage"], "visiting",
        "a cancelled visit does not move the lead back"
    );
    visit(
        app,
        &rm,
        &id,
        &v,
        json!({"action": "cancel", "reason": "again"}),
    )
    .await
    .assert_problem(409, "invalid_state");
    act(app, &rm, &id, json!({"action": "advance"}))
        .await
        .assert_problem(409, "visit_not_recorded");

    // A lost lead's planned visits are cancelled with it: nobody will make them.
    let r = plan(app, &rm, &id, ok.clone()).await;
    let v = last_visit(&r);
    let r = act(
        app,
        &rm,
        &id,
        json!({"action": "lose", "reason": "no_need"}),
    )
    .await;
    assert_eq!(r.body["stage"], "lost", "{}", r.text);
    assert_eq!(r.body["visits"][1]["state"], "cancelled");
    assert_eq!(r.body["visits"][1]["cancel_reason"], Value::Null);
    visit(
        app,
        &rm,
        &id,
        &v,
        json!({"action": "record", "summary": "x", "outcome": "proceed"}),
    )
    .await
    .assert_problem(409, "invalid_state");
    plan(app, &rm, &id, ok)
        .await
        .assert_problem(409, "invalid_state");
}
