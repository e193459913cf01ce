//! Care for customers in critical illness or hardship (seed 003): a lead reported by customer service,
//! verified by a supervisor (not the reporter), registered with the diagnosis only under separate consent,
//! a named team whose members confirm the terms before the compartment opens; an administrator, an auditor
//! and the customer's own RM outside the team get the adjustments only; every read is audited; a named
//! supervisor's access ends with its period; break-glass is told and reviewed; measures wait for one
//! approver; the end of the record shuts the compartment and retention destroys its detail.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    a_care_customer_is_found_verified_registered_and_served_by_a_team,
    only_those_who_need_to_know_read_the_compartment_and_every_read_is_audited,
    measures_wait_for_one_approver_and_the_end_destroys_the_detail_after_retention,
    the_supervision_report_compares_outcomes_only_for_groups_of_ten,
    a_care_customer_is_watched_more_closely_and_the_team_is_told,
];

pub(crate) struct Cast {
    pub(crate) rm: String,
    pub(crate) cs: String,
    pub(crate) sup: String,
    pub(crate) sup2: String,
    pub(crate) team: Vec<(&'static str, String, String)>,
    pub(crate) customer: String,
}

pub(crate) async fn cast(app: &TestApp) -> Cast {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let customer = verified_individual(app, &rm, "13900008001", 801).await;
    let cs = app.login_as("cs1", Role::CustomerService, None).await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let sup2 = app.login_as("sup2", Role::Supervisor, Some("BR0001")).await;
    let mut team = Vec::new();
    for (part, user, role) in [
        ("relationship_manager", "rm2", Role::RelationshipManager),
        ("wealth_manager", "wm1", Role::WealthManager),
        ("risk_specialist", "risk1", Role::RiskOfficer),
        ("operations_support", "ops1", Role::Operations),
        ("customer_service", "cs2", Role::CustomerService),
    ] {
        let token = app.login_as(user, role, Some("BR0001")).await;
        let id = app.staff_id(user).await;
        team.push((part, token, id));
    }
    Cast {
        rm,
        cs,
        sup,
        sup2,
        team,
        customer,
    }
}

/// Reported by customer service, verified by sup1, the team named, registered with consent: the record's id.
async fn registered(app: &TestApp, c: &Cast) -> String {
    registered_with(app, c, json!(["priority", "home_visits", "no_marketing"])).await
}

/// [`registered`] with these adjustments (a significant financial impact, the diagnosis consented to).
pub(crate) async fn registered_with(app: &TestApp, c: &Cast, adjustments: Value) -> String {
    let r = app
        .post(
            "/api/v1/care",
            &c.cs,
            json!({"customer_id": c.customer, "source": "own_account",
                   "observation": "客户来电说刚确诊，需要长期治疗，想了解能否暂停理财定投"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/care/{id}/decision"),
            &c.sup,
            json!({"decision": "verify"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for (part, _, staff) in &c.team {
        let r = app
            .post(
                &format!("/api/v1/care/{id}/team"),
                &c.sup,
                json!({"role": part, "staff": staff}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = app
        .post(
            &format!("/api/v1/care/{id}/registration"),
            &c.sup,
            json!({"situation": "serious_illness", "impact": "significant",
                   "detail": "长期住院治疗，收入中断", "diagnosis": "某恶性肿瘤",
                   "consent_scopes": ["diagnosis"], "consent_on": app.app.today().to_string(),
                   "adjustments": adjustments,
                   "advice_line": "400-800-1234"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id
}

pub(crate) fn member<'a>(c: &'a Cast, part: &str) -> &'a str {
    &c.team.iter().find(|(p, _, _)| *p == part).unwrap().1
}

async fn a_care_customer_is_found_verified_registered_and_served_by_a_team(app: &TestApp) {
    let c = cast(app).await;
    // The lead: a bad one is named field by field; a customer out of the reporter's scope is a field error.
    let r = app
        .post(
            "/api/v1/care",
            &c.cs,
            json!({"customer_id": c.customer, "source": "rumour", "observation": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = app
        .post(
            "/api/v1/care",
            &c.cs,
            json!({"customer_id": c.customer, "source": "staff_observation", "observation": "  "}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("observation".into(), "required".into())]
    );
    let rm3 = app
        .login_as("rm3", Role::RelationshipManager, Some("BR0002"))
        .await;
    let r = app
        .post(
            "/api/v1/care",
            &rm3,
            json!({"customer_id": c.customer, "source": "staff_observation", "observation": "见到客户拄拐"}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("customer_id".into(), "not_found".into())]
    );

    // A partner hospital tells the bank only with the customer's consent: its day is asked.
    let hospital = json!({"customer_id": c.customer, "source": "partner_hospital", "observation": "合作医院转介"});
    let r = app.post("/api/v1/care", &c.sup, hospital.clone()).await;
    assert_eq!(
        r.field_errors(),
        vec![("hospital_consent_on".into(), "required".into())]
    );
    let r = app
        .post(
            "/api/v1/care",
            &c.cs,
            json!({"customer_id": c.customer, "source": "own_account", "observation": "x", "hospital_consent_on": "2026-01-01"}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("hospital_consent_on".into(), "not_allowed".into())]
    );
    let mut with_consent = hospital;
    with_consent["hospital_consent_on"] = json!(app.app.today().to_string());
    let r = app.post("/api/v1/care", &c.sup, with_consent).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["status"], "reported");
    assert_eq!(
        app.count(
            "care_records WHERE consent_scopes LIKE '%hospital_sharing%' AND consent_on IS NOT NULL"
        )
        .await,
        1
    );
    // One open record per customer: a second report adds its observation to it (nothing is lost), and the
    // reporter learns only that it reached the team.
    let again = app
        .post(
            "/api/v1/care",
            &c.cs,
            json!({"customer_id": c.customer, "source": "own_account", "observation": "又一次"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
    assert_eq!(again.body, json!({"added_to_open_record": true}));
    assert_eq!(app.count("care_records").await, 1);
    assert_eq!(app.count("care_notes").await, 1);
    assert_eq!(
        app.count("audit_log WHERE action = 'care.report_again'")
            .await,
        1
    );
    // Four eyes: the reporting supervisor does not verify their own lead; another does.
    let own = app
        .post(
            &format!("/api/v1/care/{id}/decision"),
            &c.sup,
            json!({"decision": "verify"}),
        )
        .await;
    own.assert_problem(403, "own_report");
    let r = app
        .post(
            &format!("/api/v1/care/{id}/decision"),
            &c.sup2,
            json!({"decision": "reject"}),
        )
        .await;
    assert_eq!(r.field_errors(), vec![("note".into(), "required".into())]);
    let r = app
        .post(
            &format!("/api/v1/care/{id}/decision"),
            &c.sup2,
            json!({"decision": "reject", "note": "未达到重症定义"}),
        )
        .await;
    assert_eq!(r.body["status"], "rejected", "{}", r.text);
    // A rejected lead keeps no observation at all.
    let kept = app
        .texts(
            "SELECT CASE WHEN lead_enc IS NULL AND key_enc IS NULL THEN 'gone' ELSE 'kept' END FROM care_records WHERE status = 'rejected'",
        )
        .await;
    assert_eq!(kept, ["gone"]);

    let id = registered(app, &c).await;
    let v = app.get(&format!("/api/v1/care/{id}"), &c.sup).await;
    assert_eq!(v.body["status"], "registered", "{}", v.text);
    assert_eq!(v.body["team"].as_array().unwrap().len(), 5);
    // The seed's duties as tasks, each to its part's holder, on their list.
    let tasks = v.body["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 5, "{}", v.text);
    let first = tasks.iter().find(|t| t["kind"] == "first_contact").unwrap();
    assert_eq!(first["role"], "relationship_manager");
    let lead = member(&c, "relationship_manager");
    let mine = app.get("/api/v1/care/tasks", lead).await;
    assert!(
        mine.body
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kind"] == "first_contact"),
        "{}",
        mine.text
    );
    // A check-in done sets the next; another member's task is not theirs to close.
    let check = tasks.iter().find(|t| t["kind"] == "check_in").unwrap()["id"].clone();
    let r = app
        .post(
            &format!("/api/v1/care/{id}/tasks/{}/done", check.as_str().unwrap()),
            member(&c, "wealth_manager"),
            json!({}),
        )
        .await;
    r.assert_problem(403, "not_your_task");
    let r = app
        .post(
            &format!("/api/v1/care/{id}/tasks/{}/done", check.as_str().unwrap()),
            lead,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let checks: Vec<&Value> = r.body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "check_in")
        .collect();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks.iter().filter(|t| t["done_at"].is_null()).count(), 1);

    // The diagnosis needs the separate consent; registering twice is refused.
    let r = app
        .post(
            &format!("/api/v1/care/{id}/registration"),
            &c.sup,
            json!({"situation": "serious_illness", "impact": "minor", "detail": "x", "diagnosis": "y"}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("diagnosis".into(), "consent_required".into())]
    );

    // Everyone who serves the customer sees that they need adjustments, and which — not why.
    let a = app
        .get(
            &format!("/api/v1/customers/{}/adjustments", c.customer),
            &c.rm,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["needs_adjustments"], true);
    assert_eq!(a.body["priority"], true);
    assert_eq!(a.body["advice_line"], "400-800-1234");
    assert!(
        !a.text.contains("serious_illness") && !a.text.contains("肿瘤"),
        "{}",
        a.text
    );
    // The supervisors' list shows it flagged for priority.
    let l = app.get("/api/v1/care?status=registered", &c.sup).await;
    assert_eq!(l.body["total"], 1, "{}", l.text);
    assert_eq!(l.body["items"][0]["priority"], true);
    let bad = app.get("/api/v1/care?status=unknown", &c.sup).await;
    assert_eq!(bad.field_errors(), vec![("status".into(), "one_of".into())]);
}

async fn only_those_who_need_to_know_read_the_compartment_and_every_read_is_audited(app: &TestApp) {
    let c = cast(app).await;
    let id = registered(app, &c).await;
    let path = format!("/api/v1/care/{id}/compartment");
    let lead = member(&c, "relationship_manager");
    // A member who has not confirmed the terms is not let in yet.
    app.get(&path, lead)
        .await
        .assert_problem(403, "need_to_know");
    let r = app
        .post(&format!("/api/v1/care/{id}/team/confirm"), lead, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let open = app.get(&path, lead).await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.text);
    assert_eq!(open.body["basis"], "team");
    assert_eq!(open.body["diagnosis"], "某恶性肿瘤");
    assert_eq!(open.body["detail"], "长期住院治疗，收入中断");
    // Sealed in the database: the words are not there in clear.
    assert_eq!(
        app.texts("SELECT id FROM care_records WHERE CAST(detail_enc AS TEXT) LIKE '%住院%'")
            .await
            .len(),
        0
    );
    let n = app
        .post(
            &format!("/api/v1/care/{id}/compartment/notes"),
            lead,
            json!({"body": "与家属约定每周三上午电话联系"}),
        )
        .await;
    assert_eq!(n.status, StatusCode::CREATED, "{}", n.text);
    assert_eq!(n.body["notes"][0]["body"], "与家属约定每周三上午电话联系");
    // The team hears of it, by the customer's number only.
    let heard = app
        .get("/api/v1/notices", member(&c, "wealth_manager"))
        .await;
    assert!(heard.text.contains("care.note"), "{}", heard.text);
    assert!(!heard.text.contains("每周三"), "{}", heard.text);

    // An administrator, an auditor and the customer's own RM (outside the team): the adjustments only.
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let auditor = app.login_as("aud1", Role::Auditor, None).await;
    for who in [&admin, &auditor, &c.rm] {
        let g = app.get(&path, who).await;
        assert!(
            g.status == StatusCode::NOT_FOUND || g.status == StatusCode::FORBIDDEN,
            "{}",
            g.text
        );
        assert!(
            !g.text.contains("肿瘤") && !g.text.contains("住院"),
            "{}",
            g.text
        );
        let v = app.get(&format!("/api/v1/care/{id}"), who).await;
        assert!(
            v.status == StatusCode::NOT_FOUND || v.status == StatusCode::FORBIDDEN,
            "{}",
            v.text
        );
    }
    for who in [&auditor, &c.rm] {
        let a = app
            .get(
                &format!("/api/v1/customers/{}/adjustments", c.customer),
                who,
            )
            .await;
        assert_eq!(
            a.body["adjustments"],
            json!(["priority", "home_visits", "no_marketing"]),
            "{}",
            a.text
        );
    }
    // A supervisor named for a purpose reads until the period ends.
    let sup2_id = app.staff_id("sup2").await;
    let until = app
        .app
        .today()
        .checked_add(jiff::Span::new().days(3))
        .unwrap();
    let g = app
        .post(
            &format!("/api/v1/care/{id}/grants"),
            &c.sup,
            json!({"staff": sup2_id, "purpose": "季度督导检查", "until": until.to_string()}),
        )
        .await;
    assert_eq!(g.status, StatusCode::CREATED, "{}", g.text);
    let too_long = app
        .app
        .today()
        .checked_add(jiff::Span::new().days(90))
        .unwrap();
    let g2 = app
        .post(
            &format!("/api/v1/care/{id}/grants"),
            &c.sup,
            json!({"staff": sup2_id, "purpose": "x", "until": too_long.to_string()}),
        )
        .await;
    assert_eq!(g2.field_errors(), vec![("until".into(), "range".into())]);
    let r = app.get(&path, &c.sup2).await;
    assert_eq!(r.body["basis"], "named", "{}", r.text);
    app.sql("UPDATE care_grants SET until_us = 1, from_us = 0")
        .await;
    app.get(&path, &c.sup2)
        .await
        .assert_problem(403, "need_to_know");

    // Break-glass: the customer's RM, with a reason; the team lead is told; a supervisor reviews it.
    let no_reason = app
        .post(
            &format!("/api/v1/care/{id}/break-glass"),
            &c.rm,
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(
        no_reason.field_errors(),
        vec![("reason".into(), "required".into())]
    );
    let bg = app
        .post(
            &format!("/api/v1/care/{id}/break-glass"),
            &c.rm,
            json!({"reason": "客户在柜台晕倒，需要确认紧急联系人"}),
        )
        .await;
    assert_eq!(bg.status, StatusCode::CREATED, "{}", bg.text);
    assert_eq!(bg.body["basis"], "break_glass");
    let notices = app.get("/api/v1/notices", lead).await;
    assert!(
        notices.text.contains("care.break_glass"),
        "{}",
        notices.text
    );
    assert!(!notices.text.contains("肿瘤"), "{}", notices.text);
    let glass = bg.body["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["basis"] == "break_glass")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rv = app
        .post(
            &format!("/api/v1/care/{id}/grants/{glass}/review"),
            &c.sup,
            json!({"verdict": "justified"}),
        )
        .await;
    assert_eq!(rv.status, StatusCode::OK, "{}", rv.text);

    // Every read is audited with its basis and logged for the access review.
    let reads = app
        .texts("SELECT detail FROM audit_log WHERE action = 'care.read' ORDER BY at_us")
        .await;
    let bases: Vec<String> = reads
        .iter()
        .map(|d| {
            serde_json::from_str::<Value>(d).unwrap()["basis"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(bases, ["team", "team", "named", "break_glass"]);
    assert_eq!(app.count("care_reads").await, 4);
    let review = app.get("/api/v1/care/access-review", &c.sup).await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.text);
    assert_eq!(review.body["reads"], 4);
    assert_eq!(review.body["break_glass"], 1);
    assert_eq!(review.body["break_glass_unreviewed"], 0);
    app.get("/api/v1/care/access-review", &c.rm)
        .await
        .assert_problem(403, "permission_denied");

    // The customer withdraws the consent: the diagnosis is destroyed at once.
    let w = app
        .post(
            &format!("/api/v1/care/{id}/consent/withdraw"),
            &c.sup,
            json!({"scopes": ["diagnosis"]}),
        )
        .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text);
    let after = app.get(&path, lead).await;
    assert_eq!(after.body["diagnosis"], Value::Null, "{}", after.text);
    assert_eq!(after.body["detail"], "长期住院治疗，收入中断");
}

async fn measures_wait_for_one_approver_and_the_end_destroys_the_detail_after_retention(
    app: &TestApp,
) {
    let c = cast(app).await;
    let id = registered(app, &c).await;
    let lead = member(&c, "relationship_manager");
    let m = format!("/api/v1/care/{id}/measures");
    let bad = app
        .post(
            &m,
            lead,
            json!({"kind": "fee_waiver", "what": "免除账户管理费"}),
        )
        .await;
    let fields: Vec<String> = bad.field_errors().into_iter().map(|(f, _)| f).collect();
    assert!(
        fields.contains(&"account_no".to_owned()) && fields.contains(&"ends_on".to_owned()),
        "{}",
        bad.text
    );
    let too_much = app
        .post(
            &m,
            lead,
            json!({"kind": "emergency_loan", "what": "紧急医疗借款", "amount": 10_000_000}),
        )
        .await;
    assert_eq!(
        too_much.field_errors(),
        vec![("amount".into(), "range".into())]
    );
    let key = [("idempotency-key", "care-loan-1")];
    let body = json!({"kind": "emergency_loan", "what": "紧急医疗借款", "amount": 3_000_000});
    let r = app
        .req_h(Method::POST, &m, Some(lead), Some(body.clone()), &key)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let again = app
        .req_h(Method::POST, &m, Some(lead), Some(body), &key)
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(app.count("care_measures").await, 1);
    let loan = &r.body["measures"][0];
    assert_eq!(loan["state"], "requested");
    assert!(loan["due_at"].is_string(), "{loan}");
    let mid = loan["id"].as_str().unwrap().to_owned();
    let mv = format!("/api/v1/care/{id}/measures/{mid}");
    app.post(&mv, lead, json!({"action": "approve"}))
        .await
        .assert_problem(403, "permission_denied");
    let ok = app.post(&mv, &c.sup, json!({"action": "approve"})).await;
    assert_eq!(ok.body["measures"][0]["state"], "active", "{}", ok.text);
    let done = app.post(&mv, lead, json!({"action": "complete"})).await;
    assert_eq!(
        done.field_errors(),
        vec![("outcome".into(), "required".into())]
    );
    let done = app
        .post(
            &mv,
            lead,
            json!({"action": "complete", "outcome": "核心系统已放款"}),
        )
        .await;
    assert_eq!(done.body["measures"][0]["state"], "done", "{}", done.text);
    let visit = app
        .post(
            &m,
            lead,
            json!({"kind": "home_visit", "what": "上门办理挂失", "scheduled_at": "2026-12-10T02:00:00Z",
                   "second_staff": c.team[3].2}),
        )
        .await;
    assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);

    // The end: the team is told, the compartment shuts, retention destroys the detail.
    let r = app
        .post(
            &format!("/api/v1/care/{id}/end"),
            &c.sup,
            json!({"reason": "客户康复出院"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.body["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| !t["done_at"].is_null())
    );
    app.post(&format!("/api/v1/care/{id}/team/confirm"), lead, json!({}))
        .await;
    app.get(&format!("/api/v1/care/{id}/compartment"), lead)
        .await
        .assert_problem(403, "need_to_know");
    let a = app
        .get(
            &format!("/api/v1/customers/{}/adjustments", c.customer),
            &c.rm,
        )
        .await;
    assert_eq!(a.body["needs_adjustments"], false, "{}", a.text);
    let purge_on: jiff::civil::Date = r.body["purge_on"].as_str().unwrap().parse().unwrap();
    let before = purge_on.yesterday().unwrap();
    assert_eq!(
        banyan_app::care::purge::run(&app.app, before)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        banyan_app::care::purge::run(&app.app, purge_on)
            .await
            .unwrap(),
        1
    );
    let left = app
        .texts("SELECT CASE WHEN key_enc IS NULL AND detail_enc IS NULL AND diagnosis_enc IS NULL AND lead_enc IS NULL THEN 'gone' ELSE 'kept' END FROM care_records")
        .await;
    assert_eq!(left, ["gone"]);
    let v = app.get(&format!("/api/v1/care/{id}"), &c.sup).await;
    assert_eq!(v.body["purged"], true, "{}", v.text);
    assert_eq!(v.body["measures"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.texts("SELECT action FROM audit_log WHERE action = 'care.purge'")
            .await
            .len(),
        1
    );
}

async fn the_supervision_report_compares_outcomes_only_for_groups_of_ten(app: &TestApp) {
    let c = cast(app).await;
    registered(app, &c).await;
    // With one registered customer its outcomes are not shown; the check list counts what waits.
    let r = app.get("/api/v1/care/report", &c.sup).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let group = |r: &Resp, g: &str| {
        r.body["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["group"] == g)
            .cloned()
            .unwrap()
    };
    let reg = group(&r, "registered");
    assert_eq!(
        (reg["customers"].as_u64(), reg["shown"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(reg["complaints_per_100_tenths"], Value::Null);
    let check = |r: &Resp, item: &str| {
        r.body["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["item"] == item)
            .unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(check(&r, "terms_unconfirmed"), 5, "{}", r.text);
    assert_eq!(check(&r, "lead_contact_missing"), 0);
    assert_eq!(r.body["registered"], 1);

    // Nine more registered customers (ten in all), one of them overdue and complaining.
    let risk = app.login_as("risk1", Role::RiskOfficer, None).await;
    let mut last = String::new();
    for k in 0..9u32 {
        let customer =
            verified_individual(app, &c.rm, &format!("1390000{:04}", 8100 + k), 810 + k).await;
        let v = app
            .post(
                "/api/v1/care",
                &c.cs,
                json!({"customer_id": customer, "source": "own_account", "observation": "家属告知"}),
            )
            .await;
        let id = v.body["id"].as_str().unwrap().to_owned();
        app.post(
            &format!("/api/v1/care/{id}/decision"),
            &c.sup,
            json!({"decision": "verify"}),
        )
        .await;
        let g = app
            .post(
                &format!("/api/v1/care/{id}/registration"),
                &c.sup,
                json!({"situation": "major_hardship", "impact": "minor", "detail": "暂时困难"}),
            )
            .await;
        assert_eq!(g.status, StatusCode::OK, "{}", g.text);
        last = customer;
    }
    let mut m = crate::segments::metrics("2026-12-01", 100_000, 100, 0);
    m["overdue_count"] = json!(1);
    let r = app
        .post(
            "/api/v1/metrics",
            &risk,
            json!({"items": [{"customer": last, "metrics": m}]}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .post(
            "/api/v1/cases",
            &c.cs,
            json!({"kind": "complaint", "channel": "hotline", "product": "deposits", "cause": "waiting_time",
                   "severity": "medium", "customer": last, "subject": "柜台等候太久",
                   "content": "客户反映在柜台等候超过一小时。"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app.get("/api/v1/care/report", &c.sup).await;
    let reg = group(&r, "registered");
    assert_eq!(
        (reg["customers"].as_u64(), reg["shown"].as_bool()),
        (Some(10), Some(true)),
        "{}",
        r.text
    );
    // One complaint among ten customers: 10 per 100; one of the one with figures in arrears: 100 %.
    assert_eq!(reg["complaints_per_100_tenths"], 100, "{}", r.text);
    assert_eq!(reg["arrears_pct_tenths"], 1000, "{}", r.text);
    let others = group(&r, "others");
    assert_eq!(others["shown"], false, "{}", r.text);
    assert_eq!(others["complaints_per_100_tenths"], Value::Null);
    assert_eq!(r.body["registered"], 10);
    assert_eq!(check(&r, "lead_contact_missing"), 9);
    // Only supervisors read it; a period past a year is refused.
    app.get("/api/v1/care/report", &c.rm)
        .await
        .assert_problem(403, "permission_denied");
    let bad = app
        .get("/api/v1/care/report?from=2020-01-01&to=2026-01-01", &c.sup)
        .await;
    assert_eq!(bad.field_errors(), vec![("from".into(), "range".into())]);
}

/// The same transactions on two customers' accounts: five payments of 5,000 and then one of 30,000. Another
/// customer is not unusual (below the policy's 50,000); a registered care customer is read against the halved
/// thresholds (`care_factor`), so an alert opens and the care team hears of it by the customer's number.
async fn a_care_customer_is_watched_more_closely_and_the_team_is_told(app: &TestApp) {
    let c = cast(app).await;
    let care = registered(app, &c).await;
    let v = app.get(&format!("/api/v1/care/{care}"), &c.sup).await;
    let cared = v.body["customer_id"].as_str().unwrap().to_owned();
    let other = verified_individual(app, &c.rm, "13900008201", 821).await;
    let admin = app.login_as("adm", Role::Admin, None).await;
    let ops = member(&c, "operations_support").to_owned();
    let r = app
        .post(
            "/api/v1/products",
            &admin,
            json!({"code": "DD-CNY", "kind": "demand_deposit", "names": {"zh-CN": "活期"}, "currency": "CNY",
                "min_amount": 0, "status": "on_sale", "launch_on": "2020-01-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let today = app.app.today();
    let holdings: Vec<Value> = [(&cared, "6222000000008101"), (&other, "6222000000008102")]
        .iter()
        .map(|(customer, account)| {
            json!({"account_no": account, "customer": customer, "product": "DD-CNY", "currency": "CNY",
                   "status": "active", "opened_on": "2020-05-01", "balance": 100_000_000})
        })
        .collect();
    let r = app
        .post(
            "/api/v1/book/holdings",
            &ops,
            json!({"source": "core", "as_of": today.to_string(), "items": holdings}),
        )
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(2), "{}", r.text);
    let at = |back: i64| {
        let d = today.checked_sub(jiff::Span::new().days(back)).unwrap();
        format!("{d}T10:00:00+08:00")
    };
    let mut items = Vec::new();
    for account in ["6222000000008101", "6222000000008102"] {
        for (i, (back, yuan)) in [
            (20, 5_000),
            (21, 5_000),
            (22, 5_000),
            (23, 5_000),
            (24, 5_000),
            (1, 30_000),
        ]
        .iter()
        .enumerate()
        {
            items.push(
                json!({"id": format!("{account}-{i}"), "account_no": account, "at": at(*back),
                "amount": yuan * 100, "currency": "CNY", "direction": "debit", "channel": "branch",
                "counterparty": "individual"}),
            );
        }
    }
    let r = app
        .post(
            "/api/v1/book/transactions",
            &ops,
            json!({"source": "core", "as_of": today.to_string(), "items": items}),
        )
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(12), "{}", r.text);
    let q = app.get("/api/v1/alerts?kind=monitoring", &c.sup).await;
    let alerted: Vec<&str> = q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["alert"]["indicator"] == "monitor.unusual")
        .map(|i| i["alert"]["customer_id"].as_str().unwrap())
        .collect();
    assert_eq!(alerted, vec![cared.as_str()], "{}", q.text);
    let heard = app
        .get("/api/v1/notices", member(&c, "wealth_manager"))
        .await;
    assert!(heard.text.contains("care.alert"), "{}", heard.text);
}
