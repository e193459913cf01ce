//! Four eyes: submit, verify, return; periodic review.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::tests![
    a_maker_verifying_their_own_record_gets_403_and_a_reviewer_verifies_it,
    a_returned_record_carries_reasons_and_missing_items_and_can_be_resubmitted,
    a_submitted_record_cannot_be_edited_or_submitted_twice,
    the_review_queue_lists_what_waits_for_a_checker,
    changing_identity_facts_of_a_verified_customer_needs_a_new_verification,
    overdue_periodic_reviews_are_listed,
    a_checker_verifies_several_records_at_once_each_as_one_by_one,
    a_notice_stops_naming_a_customer_handed_to_another_manager,
];

async fn make(app: &TestApp, token: &str) -> (String, serde_json::Value) {
    let c = app
        .create(
            token,
            individual("张三", &resident_id("19800101", 123), "13812345678"),
        )
        .await;
    (
        format!("/api/v1/customers/{}", c["id"].as_str().unwrap()),
        c,
    )
}

async fn a_maker_verifying_their_own_record_gets_403_and_a_reviewer_verifies_it(app: &TestApp) {
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let (p, _) = make(app, &sup).await;
    let s = app
        .req(Method::POST, &format!("{p}/submit"), Some(&sup), None)
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_eq!(s.body["status"], "submitted");
    // The supervisor may verify in general, but not their own record.
    app.req(Method::POST, &format!("{p}/verify"), Some(&sup), None)
        .await
        .assert_problem(403, "four_eyes");
    let v = app
        .req(Method::POST, &format!("{p}/verify"), Some(&rev), None)
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    assert_eq!(v.body["status"], "verified");
    assert_eq!(v.body["active"], true);
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date();
    let due = today.checked_add(jiff::Span::new().months(6)).unwrap();
    assert_eq!(v.body["review_due"], due.to_string());
    // Verifying twice is a state error.
    app.req(Method::POST, &format!("{p}/verify"), Some(&rev), None)
        .await
        .assert_problem(409, "invalid_state");
    app.seal().await;
    let aud = app.login_as("aud", Role::Auditor, None).await;
    let a = app
        .get(
            &format!(
                "/api/v1/audit?customer_id={}",
                v.body["id"].as_str().unwrap()
            ),
            &aud,
        )
        .await;
    let actions: Vec<&str> = a.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["customer.verify", "customer.submit", "customer.create"]
    );
    assert_eq!(a.body["items"][0]["actor"], "rev1");
}

async fn a_returned_record_carries_reasons_and_missing_items_and_can_be_resubmitted(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let (p, _) = make(app, &rm).await;
    app.req(Method::POST, &format!("{p}/submit"), Some(&rm), None)
        .await;
    let r = app
        .post(&format!("{p}/return"), &rev, json!({"reasons": []}))
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors()[0].0, "reasons");
    let r = app
        .post(
            &format!("{p}/return"),
            &rev,
            json!({"reasons": ["地址与证件不符"], "missing_items": ["居住证明"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "returned");
    assert_eq!(r.body["return_note"]["reasons"][0], "地址与证件不符");
    assert_eq!(r.body["return_note"]["missing_items"][0], "居住证明");
    // The maker sees their returned records, fixes and resubmits.
    let mine = app.get("/api/v1/customers?status=returned", &rm).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    let v = r.body["version"].as_i64().unwrap();
    let e = app
        .patch(&p, &rm, v, json!({"individual": {"occupation": "医生"}}))
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.text);
    let s = app
        .req(Method::POST, &format!("{p}/submit"), Some(&rm), None)
        .await;
    assert_eq!(s.body["status"], "submitted");
    assert!(s.body["return_note"].is_null());
}

async fn a_submitted_record_cannot_be_edited_or_submitted_twice(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let (p, _) = make(app, &rm).await;
    let s = app
        .req(Method::POST, &format!("{p}/submit"), Some(&rm), None)
        .await;
    let v = s.body["version"].as_i64().unwrap();
    app.patch(&p, &rm, v, json!({"individual": {"occupation": "医生"}}))
        .await
        .assert_problem(409, "invalid_state");
    app.req(Method::POST, &format!("{p}/submit"), Some(&rm), None)
        .await
        .assert_problem(409, "invalid_state");
    // A relationship manager cannot verify at all.
    app.req(Method::POST, &format!("{p}/verify"), Some(&rm), None)
        .await
        .assert_problem(403, "permission_denied");
}

async fn the_review_queue_lists_what_waits_for_a_checker(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let (p, c) = make(app, &rm).await;
    app.create(
        &rm,
        individual("李四", &resident_id("19810101", 245), "13912345678"),
    )
    .await;
    assert_eq!(
        app.get("/api/v1/review-queue", &rev).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    app.req(Method::POST, &format!("{p}/submit"), Some(&rm), None)
        .await;
    let q = app.get("/api/v1/review-queue", &rev).await;
    let items = q.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["customer_no"], c["customer_no"]);
    // Who submitted it and when, whether this checker may verify it, and how many wait.
    assert_eq!(items[0]["submitter"], "rm1", "{}", q.text);
    assert!(items[0]["submitted_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(items[0]["may_verify"], true);
    assert_eq!(q.body["total"], 1);
    app.get("/api/v1/review-queue", &rm)
        .await
        .assert_problem(403, "permission_denied");
    // A supervisor who made a record sees it in the queue but may not verify it (four eyes).
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let own = app
        .create(
            &sup,
            individual("王五", &resident_id("19820101", 367), "13712345678"),
        )
        .await;
    let own_path = format!("/api/v1/customers/{}", own["id"].as_str().unwrap());
    app.req(
        Method::POST,
        &format!("{own_path}/submit"),
        Some(&sup),
        None,
    )
    .await;
    let q = app.get("/api/v1/review-queue", &sup).await;
    let by_no = |q: &Resp, no: &serde_json::Value| {
        q.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| &i["customer_no"] == no)
            .cloned()
            .unwrap()
    };
    assert_eq!(q.body["total"], 2, "{}", q.text);
    assert_eq!(by_no(&q, &own["customer_no"])["may_verify"], false);
    assert_eq!(by_no(&q, &c["customer_no"])["may_verify"], true);
    // Oldest submission first by default, newest first on request; filtered by kind; paged with a cursor.
    let order = |q: &Resp| {
        q.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["display_name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        order(&app.get("/api/v1/review-queue", &rev).await),
        ["张三", "王五"]
    );
    assert_eq!(
        order(&app.get("/api/v1/review-queue?order=newest", &rev).await),
        ["王五", "张三"]
    );
    let corporate = app.get("/api/v1/review-queue?kind=corporate", &rev).await;
    assert_eq!(corporate.body["total"], 0);
    let first = app.get("/api/v1/review-queue?limit=1", &rev).await;
    assert_eq!(order(&first), ["张三"]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(
            &format!("/api/v1/review-queue?limit=1&cursor={cursor}"),
            &rev,
        )
        .await;
    assert_eq!(order(&second), ["王五"]);
    assert!(second.body["next_cursor"].is_null());
    app.get("/api/v1/review-queue?order=sideways", &rev)
        .await
        .assert_problem(422, "validation");
}

async fn changing_identity_facts_of_a_verified_customer_needs_a_new_verification(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let (p, _) = make(app, &rm).await;
    app.req(Method::POST, &format!("{p}/submit"), Some(&rm), None)
        .await;
    let v = app
        .req(Method::POST, &format!("{p}/verify"), Some(&rev), None)
        .await;
    let ver = v.body["version"].as_i64().unwrap();
    // A non-identity change keeps the customer active.
    let r = app
        .patch(&p, &rm, ver, json!({"individual": {"occupation": "医生"}}))
        .await;
    assert_eq!(r.body["status"], "verified", "{}", r.text);
    let r = app
        .patch(&p, &rm, ver + 1, json!({"individual": {"name_zh": "张叁"}}))
        .await;
    assert_eq!(r.body["status"], "draft", "{}", r.text);
    assert_eq!(r.body["active"], false);
}

async fn overdue_periodic_reviews_are_listed(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let (p, c) = make(app, &rm).await;
    app.req(Method::POST, &format!("{p}/submit"), Some(&rm), None)
        .await;
    app.req(Method::POST, &format!("{p}/verify"), Some(&rev), None)
        .await;
    assert_eq!(
        app.get("/api/v1/customers?review=overdue", &rm).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Seven months pass (simulated by moving the due date back).
    app.sql(&format!(
        "UPDATE customers SET review_due = '2020-01-01' WHERE customer_no = '{}'",
        c["customer_no"].as_str().unwrap()
    ))
    .await;
    let r = app.get("/api/v1/customers?review=overdue", &rm).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
    assert_eq!(app.get(&p, &rm).await.body["review_overdue"], true);
    app.get("/api/v1/customers?review=soon", &rm)
        .await
        .assert_problem(400, "validation");
}

/// Bulk verification: each record on its own (four eyes, the version reviewed, one audit record each);
/// the refused ones are named with their reason; a retry verifies nothing twice.
async fn a_checker_verifies_several_records_at_once_each_as_one_by_one(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let mut made = Vec::new();
    for (i, (name, mobile)) in [
        ("张三", "13812345678"),
        ("李四", "13912345678"),
        ("王五", "13712345678"),
    ]
    .into_iter()
    .enumerate()
    {
        let c = app
            .create(
                &rm,
                individual(name, &resident_id("19800101", 123 + i as u32 * 111), mobile),
            )
            .await;
        let id = c["id"].as_str().unwrap().to_owned();
        let r = app
            .req(
                Method::POST,
                &format!("/api/v1/customers/{id}/submit"),
                Some(&rm),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        made.push((id, r.body["version"].as_i64().unwrap()));
    }
    // The supervisor's own record: four eyes refuse it.
    let own = app
        .create(
            &sup,
            individual("赵六", &resident_id("19820101", 367), "13612345678"),
        )
        .await;
    let own_id = own["id"].as_str().unwrap().to_owned();
    let r = app
        .req(
            Method::POST,
            &format!("/api/v1/customers/{own_id}/submit"),
            Some(&sup),
            None,
        )
        .await;
    let own_version = r.body["version"].as_i64().unwrap();
    // The third changed after it was reviewed: its old version is refused.
    let stale = made[2].1 - 1;
    let items = json!([
        {"id": made[0].0, "version": made[0].1},
        {"id": made[1].0},
        {"id": made[2].0, "version": stale},
        {"id": own_id, "version": own_version},
        {"id": uuid::Uuid::now_v7()},
    ]);
    let audit_before = app.count("audit_log").await;
    let r = app
        .post("/api/v1/review-queue/verify", &sup, json!({"items": items}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let verified: Vec<&str> = r.body["verified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(verified, [made[0].0.as_str(), made[1].0.as_str()]);
    let refused: Vec<(String, String)> = r.body["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["id"].as_str().unwrap().to_owned(),
                x["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        refused[0],
        (made[2].0.clone(), "version_conflict".to_owned())
    );
    assert_eq!(refused[1], (own_id.clone(), "four_eyes".to_owned()));
    assert_eq!(refused[2].1, "not_found");
    assert_eq!(
        app.count("audit_log").await,
        audit_before + 2,
        "one audit record per verification"
    );
    for (id, _) in &made[..2] {
        let c = app.get(&format!("/api/v1/customers/{id}"), &sup).await;
        assert_eq!(c.body["status"], "verified");
    }
    // A retry writes nothing twice: the two are already verified.
    let r = app
        .post("/api/v1/review-queue/verify", &sup, json!({"items": items}))
        .await;
    assert!(
        r.body["verified"].as_array().unwrap().is_empty(),
        "{}",
        r.text
    );
    assert_eq!(r.body["refused"][0]["code"], "version_conflict");
    assert_eq!(r.body["refused"][1]["code"], "invalid_state");
    assert_eq!(app.count("audit_log").await, audit_before + 2);
    // Nothing, or too much, is refused naming the field; a maker may not verify at all.
    let r = app
        .post("/api/v1/review-queue/verify", &sup, json!({"items": []}))
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors()[0].0, "items");
    let many: Vec<_> = (0..101)
        .map(|_| json!({"id": uuid::Uuid::now_v7()}))
        .collect();
    app.post("/api/v1/review-queue/verify", &sup, json!({"items": many}))
        .await
        .assert_problem(422, "validation");
    app.post(
        "/api/v1/review-queue/verify",
        &rm,
        json!({"items": [{"id": made[2].0}]}),
    )
    .await
    .assert_problem(403, "permission_denied");
}

/// The maker is told of the verdict with a link to the customer; once the customer is handed to another
/// manager, the notice keeps its words but no longer names (links) a customer the maker may not see.
async fn a_notice_stops_naming_a_customer_handed_to_another_manager(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let (p, c) = make(app, &rm).await;
    app.req(Method::POST, &format!("{p}/submit"), Some(&rm), None)
        .await;
    let r = app
        .req(Method::POST, &format!("{p}/verify"), Some(&rev), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(verdict(app, &rm).await["customer_id"], c["id"]);
    // Handed to rm2 by the supervisor.
    let rm2_id = app.get("/api/v1/me", &rm2).await.body["id"].clone();
    let current = app.get(&p, &sup).await;
    let r = app
        .req(
            Method::PATCH,
            &p,
            Some(&sup),
            Some(json!({"rm_id": rm2_id, "version": current.body["version"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.get(&p, &rm).await.assert_problem(404, "not_found");
    let told = verdict(app, &rm).await;
    assert!(told["customer_id"].is_null(), "{told}");
    assert!(!told["text"].as_str().unwrap().is_empty());
}

/// The maker's notice of the verdict on their record.
async fn verdict(app: &TestApp, token: &str) -> serde_json::Value {
    let n = app.get("/api/v1/notices", token).await;
    let told = n
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "customer.verified")
        .cloned();
    told.unwrap_or_else(|| panic!("{}", n.text))
}
