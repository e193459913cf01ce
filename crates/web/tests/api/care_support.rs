//! The rest of the care programme (seed 003 §四-§七): what the book tells of a care customer's capacity sets
//! the wealth manager's and the risk specialist's tasks once, and the gentle-collection holds name the
//! person; documents sealed in the compartment with how they were signed; referrals to active partner
//! hospitals; the satisfaction survey through the outbox and its answer in the report; contacts of a
//! customer with stronger authentication change only after a second factor; the priority flag in the
//! review queue.

use crate::care::{Cast, cast, member, registered_with};
use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    the_book_sets_a_rebalancing_review_and_a_personal_contact_once,
    documents_are_sealed_with_how_they_were_signed_and_read_on_a_basis,
    a_referral_names_an_active_partner_hospital,
    the_care_survey_goes_once_and_its_answer_reaches_the_report,
    contacts_of_a_strongly_authenticated_customer_change_after_a_second_factor,
    the_review_queue_shows_a_care_customer_to_serve_first,
];

async fn confirm_all(app: &TestApp, c: &Cast, care: &str) {
    for (_, token, _) in &c.team {
        let r = app
            .post(
                &format!("/api/v1/care/{care}/team/confirm"),
                token,
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
}

fn open_tasks(v: &Value, kind: &str) -> Vec<Value> {
    v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == kind && t["done_at"].is_null())
        .cloned()
        .collect()
}

async fn load_holdings(app: &TestApp, ops: &str, items: Value) {
    let r = app
        .post(
            "/api/v1/book/holdings",
            ops,
            json!({"source": "core", "as_of": app.app.today().to_string(), "items": items}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["load"]["rejected"].as_i64(), Some(0), "{}", r.text);
}

async fn the_book_sets_a_rebalancing_review_and_a_personal_contact_once(app: &TestApp) {
    let c = cast(app).await;
    let admin = app.login_as("adm", Role::Admin, None).await;
    for p in [
        crate::book::product("FD-R4", "fund", Some("R4")),
        crate::book::product("FD-R2", "fund", Some("R2")),
        crate::book::product("LN-1", "personal_loan", None),
    ] {
        let r = app.post("/api/v1/products", &admin, p).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let ops = member(&c, "operations_support").to_owned();
    let cust = c.customer.clone();
    let fund = |no: &str, code: &str| {
        json!({"account_no": no, "customer": cust, "product": code, "currency": "CNY",
               "status": "active", "opened_on": "2024-01-10", "balance": 30_000_000})
    };
    // Before the registration: an R4 fund and an R2 fund, a loan that is current.
    let loan = |dpd: u32| {
        json!({"account_no": "LN0000001", "customer": cust, "product": "LN-1", "currency": "CNY",
               "status": "active", "opened_on": "2023-06-01", "credit_limit": 50_000_000,
               "outstanding": 20_000_000, "days_past_due": dpd})
    };
    load_holdings(
        app,
        &ops,
        json!([
            fund("FD0000001", "FD-R4"),
            fund("FD0000002", "FD-R2"),
            loan(0)
        ]),
    )
    .await;
    // Registered with a significant impact: capacity R2 — the R4 fund is above it, a rebalancing review
    // for the wealth manager from today; the current loan calls for nobody.
    let care = registered_with(
        app,
        &c,
        json!(["priority", "no_marketing", "gentle_collection"]),
    )
    .await;
    let v = app.get(&format!("/api/v1/care/{care}"), &c.sup).await;
    assert_eq!(v.body["watch"]["capacity"], "R2", "{}", v.text);
    let above: Vec<&str> = v.body["watch"]["above_capacity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["product_code"].as_str().unwrap())
        .collect();
    assert_eq!(above, vec!["FD-R4"], "{}", v.text);
    assert_eq!(v.body["watch"]["arrears"].as_array().unwrap().len(), 0);
    let rebalance = open_tasks(&v.body, "rebalance");
    assert_eq!(rebalance.len(), 1, "{}", v.text);
    assert_eq!(rebalance[0]["role"], "wealth_manager");
    assert_eq!(rebalance[0]["staff"], "wm1", "{}", v.text);
    assert!(open_tasks(&v.body, "arrears_contact").is_empty());
    // The wealth manager hears of it; the account number is masked in the watch.
    let heard = app
        .get("/api/v1/notices", member(&c, "wealth_manager"))
        .await;
    assert!(heard.text.contains("care.watch"), "{}", heard.text);
    assert!(!v.text.contains("FD0000001"), "{}", v.text);
    // The next day's file: the loan 15 days past due — a personal contact for the risk specialist; the
    // fund still above capacity sets no second review while the first is open.
    load_holdings(
        app,
        &ops,
        json!([
            fund("FD0000001", "FD-R4"),
            fund("FD0000002", "FD-R2"),
            loan(15)
        ]),
    )
    .await;
    let v = app.get(&format!("/api/v1/care/{care}"), &c.sup).await;
    assert_eq!(open_tasks(&v.body, "rebalance").len(), 1, "{}", v.text);
    let contact = open_tasks(&v.body, "arrears_contact");
    assert_eq!(contact.len(), 1, "{}", v.text);
    assert_eq!(contact[0]["staff"], "risk1");
    assert_eq!(v.body["watch"]["arrears"][0]["days_past_due"], 15);
    assert_eq!(v.body["watch"]["gentle_collection"], true);
    assert_eq!(v.body["watch"]["named_person"], "risk1");
    // The same file again sets nothing more.
    load_holdings(
        app,
        &ops,
        json!([
            fund("FD0000001", "FD-R4"),
            fund("FD0000002", "FD-R2"),
            loan(15)
        ]),
    )
    .await;
    let again = app.get(&format!("/api/v1/care/{care}"), &c.sup).await;
    assert_eq!(
        again.body["tasks"].as_array().unwrap().len(),
        v.body["tasks"].as_array().unwrap().len()
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'care.watch'").await,
        2,
        "one audit record per watch that set tasks"
    );
    // The gentle-collection holds: the customer and the named person, for supervisors only.
    let holds = app.get("/api/v1/care/collection-holds", &c.sup).await;
    assert_eq!(holds.status, StatusCode::OK, "{}", holds.text);
    assert_eq!(holds.body.as_array().unwrap().len(), 1, "{}", holds.text);
    assert_eq!(holds.body[0]["named_person"], "risk1");
    app.get("/api/v1/care/collection-holds", &c.cs)
        .await
        .assert_problem(403, "permission_denied");
    // The RM outside the team sees no watch in any view of the record (they cannot see the record).
    app.get(&format!("/api/v1/care/{care}"), &c.rm)
        .await
        .assert_problem(404, "not_found");
}

async fn attach(app: &TestApp, token: &str, care: &str, query: &str, body: &[u8]) -> Resp {
    app.raw(
        Method::POST,
        &format!("/api/v1/care/{care}/documents?{query}"),
        Some(token),
        "application/octet-stream",
        body.to_vec(),
    )
    .await
}

async fn documents_are_sealed_with_how_they_were_signed_and_read_on_a_basis(app: &TestApp) {
    let c = cast(app).await;
    let care = registered_with(app, &c, json!(["priority"])).await;
    let lead = member(&c, "relationship_manager").to_owned();
    let pdf = b"%PDF-1.4 repayment agreement".to_vec();
    // Before the terms are confirmed the compartment is shut, to documents too.
    attach(
        app,
        &lead,
        &care,
        "filename=a.pdf&kind=other&subject=x&signing=unsigned",
        &pdf,
    )
    .await
    .assert_problem(403, "need_to_know");
    confirm_all(app, &c, &care).await;
    // Each way of signing asks for what proves it.
    let r = attach(
        app,
        &lead,
        &care,
        "filename=a.pdf&kind=repayment_agreement&subject=还款协议&signing=e_signature",
        &pdf,
    )
    .await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("signed_on".into(), "required".into()),
            ("reference".into(), "required".into())
        ],
        "{}",
        r.text
    );
    let today = app.app.today();
    let q = format!(
        "filename=a.pdf&kind=repayment_agreement&subject=还款协议&signing=remote_video&signed_on={today}&reference=VID-77"
    );
    let r = attach(app, &lead, &care, &q, &pdf).await;
    assert_eq!(
        r.field_errors(),
        vec![("witness".into(), "required".into())]
    );
    let outsider = app.staff_id("rm1").await;
    let r = attach(app, &lead, &care, &format!("{q}&witness={outsider}"), &pdf).await;
    assert_eq!(
        r.field_errors(),
        vec![("witness".into(), "not_on_team".into())]
    );
    let witness = c
        .team
        .iter()
        .find(|(p, _, _)| *p == "customer_service")
        .unwrap()
        .2
        .clone();
    let r = attach(app, &lead, &care, &format!("{q}&witness={witness}"), &pdf).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let doc = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["signing"], "remote_video");
    assert_eq!(r.body["witness"], "cs2");
    // Sealed: neither the subject nor the file is in the clear in the database.
    let stored = app.texts("SELECT content_type FROM care_documents").await;
    assert_eq!(stored, vec!["application/pdf".to_owned()]);
    assert_eq!(
        app.count("care_documents WHERE reference = 'VID-77'").await,
        1
    );
    // A medical certificate needs the consent to the diagnosis (given at registration here).
    let cert = "filename=c.pdf&kind=medical_certificate&subject=诊断证明&signing=unsigned";
    let r = attach(app, &lead, &care, cert, b"%PDF-1.4 cert").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // The team reads the file; the read is logged and audited with its basis.
    let r = app
        .get(
            &format!("/api/v1/care/{care}/documents/{doc}"),
            member(&c, "wealth_manager"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text.as_bytes(), pdf.as_slice());
    assert_eq!(
        app.count("audit_log WHERE action = 'care.document_read'")
            .await,
        1
    );
    let v = app
        .get(&format!("/api/v1/care/{care}/compartment"), &lead)
        .await;
    assert_eq!(
        v.body["documents"].as_array().unwrap().len(),
        2,
        "{}",
        v.text
    );
    assert!(v.text.contains("还款协议"), "{}", v.text);
    // An administrator, an auditor and the customer's RM outside the team do not read it.
    let admin = app.login_as("adm", Role::Admin, None).await;
    let auditor = app.login_as("aud", Role::Auditor, None).await;
    for token in [&admin, &auditor, &c.rm] {
        let r = app
            .get(&format!("/api/v1/care/{care}/documents/{doc}"), token)
            .await;
        assert!(
            r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN,
            "{} {}",
            r.status,
            r.text
        );
        assert!(!r.text.contains("repayment agreement"));
    }
    // The customer withdraws the diagnosis consent: the certificate goes with it, the agreement stays.
    let v = app.get(&format!("/api/v1/care/{care}"), &c.sup).await;
    let r = app
        .post(
            &format!("/api/v1/care/{care}/consent/withdraw"),
            &c.sup,
            json!({"scopes": ["diagnosis"], "version": v.body["version"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(app.count("care_documents").await, 1);
    let r = attach(app, &lead, &care, cert, b"%PDF-1.4 cert").await;
    assert_eq!(r.field_errors(), vec![("kind".into(), "consent".into())]);
}

async fn a_referral_names_an_active_partner_hospital(app: &TestApp) {
    let c = cast(app).await;
    let care = registered_with(app, &c, json!(["priority"])).await;
    let h = json!({"name": "市第一人民医院", "city": "上海", "green_channel": "肿瘤科 张主任 021-5555-0101"});
    let r = app.post("/api/v1/care/hospitals", &c.cs, h.clone()).await;
    r.assert_problem(403, "permission_denied");
    let r = app.post("/api/v1/care/hospitals", &c.sup, h.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let first = r.body["id"].as_str().unwrap().to_owned();
    let r = app.post("/api/v1/care/hospitals", &c.sup2, h.clone()).await;
    assert_eq!(r.field_errors(), vec![("name".into(), "taken".into())]);
    let r = app
        .post(
            "/api/v1/care/hospitals",
            &c.sup,
            json!({"name": "市第二医院", "city": "上海", "green_channel": " "}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("green_channel".into(), "required".into())]
    );
    let r = app
        .post(
            "/api/v1/care/hospitals",
            &c.sup,
            json!({"name": "市第二医院", "city": "上海", "green_channel": "急诊 021-5555-0202"}),
        )
        .await;
    let second = r.body["id"].as_str().unwrap().to_owned();
    // The second stops being a partner (at the version read; a stale one is refused).
    let r = app
        .req(
            Method::PUT,
            &format!("/api/v1/care/hospitals/{second}"),
            Some(&c.sup),
            Some(json!({"name": "市第二医院", "city": "上海", "green_channel": "急诊 021-5555-0202", "active": false, "version": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["active"], false);
    let r = app
        .req(
            Method::PUT,
            &format!("/api/v1/care/hospitals/{second}"),
            Some(&c.sup),
            Some(json!({"name": "市第二医院", "city": "上海", "green_channel": "x", "version": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // Everyone who works care reads the list, active first.
    let l = app
        .get("/api/v1/care/hospitals", member(&c, "customer_service"))
        .await;
    let names: Vec<&str> = l
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["市第一人民医院", "市第二医院"], "{}", l.text);
    // A referral names an active partner; the inactive one and none are refused.
    let lead = member(&c, "relationship_manager");
    let referral = |hospital: Option<&str>| {
        let mut m = json!({"kind": "hospital_referral", "what": "协调住院绿色通道"});
        if let Some(h) = hospital {
            m["hospital"] = json!(h);
        }
        m
    };
    let r = app
        .post(
            &format!("/api/v1/care/{care}/measures"),
            lead,
            referral(None),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("hospital".into(), "required".into())]
    );
    let r = app
        .post(
            &format!("/api/v1/care/{care}/measures"),
            lead,
            referral(Some(&second)),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("hospital".into(), "not_partner".into())]
    );
    let r = app
        .post(
            &format!("/api/v1/care/{care}/measures"),
            lead,
            referral(Some(&first)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.body["measures"][0]["hospital"], "市第一人民医院",
        "{}",
        r.text
    );
    // Another kind names no hospital.
    let r = app
        .post(
            &format!("/api/v1/care/{care}/measures"),
            lead,
            json!({"kind": "counselling", "what": "心理咨询转介", "hospital": first}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("hospital".into(), "not_allowed".into())]
    );
}

async fn the_care_survey_goes_once_and_its_answer_reaches_the_report(app: &TestApp) {
    let c = cast(app).await;
    let care = registered_with(app, &c, json!(["priority", "no_marketing"])).await;
    // Not due yet: registered today.
    assert_eq!(
        banyan_app::care::survey::send_due(&app.app).await.unwrap(),
        0
    );
    // The shipped policy surveys 30 days after the registration.
    let days = 30 * 86_400_000_000_i64 + 60_000_000;
    app.sql(&format!(
        "UPDATE care_records SET registered_at_us = registered_at_us - {days}"
    ))
    .await;
    assert_eq!(
        banyan_app::care::survey::send_due(&app.app).await.unwrap(),
        1
    );
    assert_eq!(
        banyan_app::care::survey::send_due(&app.app).await.unwrap(),
        0
    );
    // A service message that says nothing of the situation, in the customer's language.
    let m = app
        .get(&format!("/api/v1/customers/{}/messages", c.customer), &c.rm)
        .await;
    let sent: Vec<&Value> = m
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["cause"] == "care.survey")
        .collect();
    assert_eq!(sent.len(), 1, "{}", m.text);
    assert_eq!(sent[0]["purpose"], "service", "{}", m.text);
    let body = sent[0]["body"].as_str().unwrap();
    assert!(body.contains("1-5"), "{body}");
    assert!(!body.contains("肿瘤") && !body.contains("关怀"), "{body}");
    let message = sent[0]["id"].clone();
    let v = app.get(&format!("/api/v1/care/{care}"), &c.sup).await;
    assert!(v.body["survey"]["sent_at"].is_string(), "{}", v.text);
    assert!(v.body["survey"]["satisfaction"].is_null());
    // The customer answers through the gateway: the score is kept, the words sealed in the compartment.
    let ts = jiff::Timestamp::now().as_second();
    let r = crate::cases::reply(
        app,
        json!({"in_reply_to": message, "text": "4 上门服务很贴心"}),
        ts,
        GATEWAY_SECRET,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["applied"], "care_survey");
    assert_eq!(r.body["satisfaction"], 4);
    let r = crate::cases::reply(
        app,
        json!({"in_reply_to": message, "text": "5"}),
        ts,
        GATEWAY_SECRET,
    )
    .await;
    r.assert_problem(409, "already_surveyed");
    assert_eq!(
        app.count("care_surveys WHERE comment_enc IS NOT NULL")
            .await,
        1
    );
    assert_eq!(app.count("care_surveys WHERE satisfaction = 4").await, 1);
    confirm_all(app, &c, &care).await;
    let comp = app
        .get(
            &format!("/api/v1/care/{care}/compartment"),
            member(&c, "relationship_manager"),
        )
        .await;
    assert_eq!(
        comp.body["survey_comment"], "上门服务很贴心",
        "{}",
        comp.text
    );
    let heard = app
        .get("/api/v1/notices", member(&c, "relationship_manager"))
        .await;
    assert!(heard.text.contains("care.surveyed"), "{}", heard.text);
    let report = app.get("/api/v1/care/report", &c.sup).await;
    assert_eq!(report.body["surveys_sent"], 1, "{}", report.text);
    assert_eq!(report.body["surveys_answered"], 1);
    assert_eq!(report.body["satisfaction_avg_tenths"], 40);
}

async fn contacts_of_a_strongly_authenticated_customer_change_after_a_second_factor(app: &TestApp) {
    let c = cast(app).await;
    let other = verified_individual(app, &c.rm, "13900008301", 831).await;
    let care = registered_with(app, &c, json!(["priority", "strong_authentication"])).await;
    let version = |v: &Resp| v.body["version"].as_i64().unwrap().to_string();
    let add = |id: String, v: String, headers: Vec<(&'static str, String)>| {
        let rm = c.rm.clone();
        async move {
            let mut h: Vec<(&str, &str)> = vec![("if-match", v.as_str())];
            for (k, x) in &headers {
                h.push((k, x.as_str()));
            }
            app.req_h(
                Method::POST,
                &format!("/api/v1/customers/{id}/contacts"),
                Some(&rm),
                Some(json!({"kind": "email", "value": "new@example.com"})),
                &h,
            )
            .await
        }
    };
    let cv = app
        .get(&format!("/api/v1/customers/{}", c.customer), &c.rm)
        .await;
    let r = add(c.customer.clone(), version(&cv), vec![]).await;
    assert_eq!(
        r.field_errors(),
        vec![("identity_check".into(), "strong_authentication".into())],
        "{}",
        r.text
    );
    let r = add(
        c.customer.clone(),
        version(&cv),
        vec![("identity-check", "by_guess".into())],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = add(
        c.customer.clone(),
        version(&cv),
        vec![("identity-check", "call_back".into())],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        app.count("audit_log WHERE action = 'customer.identity_check'")
            .await,
        1
    );
    // Another customer's contacts change as before.
    let ov = app.get(&format!("/api/v1/customers/{other}"), &c.rm).await;
    let r = add(other.clone(), version(&ov), vec![]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // The flag goes with the registration: once the record ends, no second factor is asked.
    let v = app.get(&format!("/api/v1/care/{care}"), &c.sup).await;
    let r = app
        .post(
            &format!("/api/v1/care/{care}/end"),
            &c.sup,
            json!({"reason": "康复", "version": v.body["version"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let cv = app
        .get(&format!("/api/v1/customers/{}", c.customer), &c.rm)
        .await;
    let contact = cv.body["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "email")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .req_h(
            Method::DELETE,
            &format!("/api/v1/customers/{}/contacts/{contact}", c.customer),
            Some(&c.rm),
            None,
            &[("if-match", version(&cv).as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn the_review_queue_shows_a_care_customer_to_serve_first(app: &TestApp) {
    let c = cast(app).await;
    // Two customers waiting for a checker; one of them registered in care with the priority flag.
    let mut waiting = Vec::new();
    for (mobile, seq) in [("13900008401", 841), ("13900008402", 842)] {
        let v = app
            .create(
                &c.rm,
                individual("赵六", &resident_id("19700101", seq), mobile),
            )
            .await;
        let id = v["id"].as_str().unwrap().to_owned();
        let r = app
            .post(&format!("/api/v1/customers/{id}/submit"), &c.rm, json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        waiting.push(id);
    }
    let first = waiting[0].clone();
    let c = Cast {
        customer: first.clone(),
        ..c
    };
    registered_with(app, &c, json!(["priority"])).await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let q = app.get("/api/v1/review-queue", &rev).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text);
    let flags: Vec<(String, bool)> = q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_owned(),
                i["priority"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(flags.contains(&(first, true)), "{}", q.text);
    assert!(flags.contains(&(waiting[1].clone(), false)), "{}", q.text);
    // The reason is not in the queue: no situation, no diagnosis.
    assert!(
        !q.text.contains("serious_illness") && !q.text.contains("肿瘤"),
        "{}",
        q.text
    );
}
