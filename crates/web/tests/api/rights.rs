//! A person's rights over their data (PIPL Art. 44-47): requests with a working-day deadline, answered by a
//! second person; the copy of everything held; a withdrawal of consent everywhere at once.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::tests![
    a_request_is_answered_by_a_second_person_within_its_deadline,
    a_withdrawal_refuses_every_channel_at_once_and_a_deletion_is_refused_with_the_reason,
    the_call_centres_system_registers_a_request_it_cannot_answer,
];

async fn register(app: &TestApp, token: &str, customer: &str, kind: &str) -> serde_json::Value {
    let r = app
        .post(
            "/api/v1/rights",
            token,
            json!({"customer_id": customer, "kind": kind, "channel": "branch", "detail": "客户到网点书面提出"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

async fn a_request_is_answered_by_a_second_person_within_its_deadline(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0002"))
        .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;

    // Bad input is named.
    let r = app
        .post("/api/v1/rights", &rm, json!({"customer_id": id, "kind": "access", "channel": "branch", "detail": " ", "received_on": "2999-01-01"}))
        .await;
    r.assert_problem(422, "validation");
    let r = app
        .post("/api/v1/rights", &rm, json!({"customer_id": id, "kind": "access", "channel": "branch", "detail": "x", "received_on": "2999-01-01"}))
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("received_on".to_owned(), "future".to_owned())]
    );
    // Another branch's customer is not found, named by its field.
    let r = app
        .post(
            "/api/v1/rights",
            &rm2,
            json!({"customer_id": id, "kind": "access", "channel": "branch", "detail": "x"}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("customer_id".to_owned(), "not_found".to_owned())]
    );

    // Registered once under one Idempotency-Key; due 15 working days on.
    let body = json!({"customer_id": id, "kind": "access", "channel": "letter", "detail": "客户来函要求提供其个人信息副本", "received_on": "2026-09-28"});
    let key = [("idempotency-key", "rights-1")];
    let r = app
        .req_h(
            Method::POST,
            "/api/v1/rights",
            Some(&rm),
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let again = app
        .req_h(Method::POST, "/api/v1/rights", Some(&rm), Some(body), &key)
        .await;
    assert_eq!(again.body["id"], r.body["id"]);
    assert_eq!(app.count("rights_requests").await, 1);
    let req = r.body.clone();
    assert!(
        req["request_no"].as_str().unwrap().starts_with("RR2026"),
        "{req}"
    );
    // 28 September 2026 is a Monday before the National Day week (1-7 October off, 10 October worked):
    // fifteen working days end on 23 October.
    assert_eq!(req["due_on"], "2026-10-23", "{req}");
    assert_eq!(req["overdue"], true);
    assert_eq!(req["blocker"], "copy_needed");
    let rid = req["id"].as_str().unwrap().to_owned();

    // Not answered before the copy is produced; not by whoever registered; not without the right to verify.
    app.post(
        &format!("/api/v1/rights/{rid}/complete"),
        &sup,
        json!({"version": 1}),
    )
    .await
    .assert_problem(409, "rights_blocked");
    let copy = app
        .post(&format!("/api/v1/rights/{rid}/copy"), &rm, json!({}))
        .await;
    assert_eq!(copy.status, StatusCode::OK, "{}", copy.text);
    assert!(
        !copy.body["customer"]["identifier"]["number"]
            .as_str()
            .unwrap()
            .contains('*'),
        "{}",
        copy.text
    );
    assert_eq!(copy.body["customer"]["identifier"]["revealed"], true);
    assert!(copy.body["records"].is_object());
    assert_eq!(
        app.texts("SELECT action FROM audit_log WHERE action = 'rights.copy'")
            .await
            .len(),
        1
    );
    app.post(
        &format!("/api/v1/rights/{rid}/complete"),
        &rm,
        json!({"version": 2}),
    )
    .await
    .assert_problem(403, "permission_denied");
    app.post(
        &format!("/api/v1/rights/{rid}/complete"),
        &sup,
        json!({"version": 1}),
    )
    .await
    .assert_problem(409, "version_conflict");
    let done = app
        .post(
            &format!("/api/v1/rights/{rid}/complete"),
            &sup,
            json!({"version": 2, "note": "已于柜面交付副本"}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.body["status"], "done");
    assert_eq!(done.body["overdue"], false);
    app.post(
        &format!("/api/v1/rights/{rid}/refuse"),
        &sup,
        json!({"version": 3, "note": "x"}),
    )
    .await
    .assert_problem(409, "rights_state");
    app.post(&format!("/api/v1/rights/{rid}/copy"), &rm, json!({}))
        .await
        .assert_problem(409, "rights_state");

    // A correction is answered once the record was changed and stands verified.
    let c = register(app, &rm, &id, "correction").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    assert_eq!(c["blocker"], "correction_unverified");
    app.post(
        &format!("/api/v1/rights/{cid}/complete"),
        &sup,
        json!({"version": 1}),
    )
    .await
    .assert_problem(409, "rights_blocked");
    let v = app.get(&format!("/api/v1/customers/{id}"), &rm).await.body["version"]
        .as_i64()
        .unwrap();
    let r = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &rm,
            v,
            json!({"individual": {"occupation": "会计"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/rights/{cid}/complete"),
            &sup,
            json!({"version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Four eyes: whoever registered does not answer.
    let own = register(app, &sup, &id, "access").await;
    app.post(
        &format!("/api/v1/rights/{}/refuse", own["id"].as_str().unwrap()),
        &sup,
        json!({"version": 1, "note": "x"}),
    )
    .await
    .assert_problem(403, "rights_four_eyes");
    // Lists: by state, in scope.
    let open = app.get("/api/v1/rights?status=open", &rm).await;
    assert_eq!(open.body["total"], 1, "{}", open.text);
    assert_eq!(app.get("/api/v1/rights", &rm).await.body["total"], 3);
    assert_eq!(app.get("/api/v1/rights", &rm2).await.body["total"], 0);
    app.get(&format!("/api/v1/rights/{rid}"), &rm2)
        .await
        .assert_problem(404, "not_found");
}

async fn a_withdrawal_refuses_every_channel_at_once_and_a_deletion_is_refused_with_the_reason(
    app: &TestApp,
) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let id = verified_individual(app, &rm, "13812345679", 124).await;
    let before = app.get(&format!("/api/v1/customers/{id}"), &rm).await.body;
    assert_eq!(before["consents"][0]["granted"], true, "{before}");

    let w = register(app, &rm, &id, "withdrawal").await;
    let wid = w["id"].as_str().unwrap().to_owned();
    // A withdrawal is carried out at once, by the front office: no second person to wait for.
    app.post(
        &format!("/api/v1/rights/{wid}/complete"),
        &sup,
        json!({"version": 1}),
    )
    .await
    .assert_problem(409, "rights_withdraw");
    let r = app
        .post(
            &format!("/api/v1/rights/{wid}/withdraw"),
            &rm,
            json!({"version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "done");
    let after = app.get(&format!("/api/v1/customers/{id}"), &rm).await.body;
    let consents = after["consents"].as_array().unwrap();
    assert_eq!(consents.len(), 5, "{after}");
    assert!(
        consents
            .iter()
            .all(|c| c["granted"] == false && c["source"] == "rights_request"),
        "{after}"
    );
    assert_eq!(
        after["version"].as_i64().unwrap(),
        before["version"].as_i64().unwrap() + 1
    );
    let hist = app
        .get(&format!("/api/v1/customers/{id}/versions"), &rm)
        .await;
    assert!(hist.text.contains("consents_withdraw"), "{}", hist.text);

    // A deletion: the bank keeps account records ten years under AML law; refused with that reason.
    let d = register(app, &rm, &id, "deletion").await;
    let did = d["id"].as_str().unwrap().to_owned();
    assert_eq!(d["blocker"], "erasure_needed");
    app.post(
        &format!("/api/v1/rights/{did}/complete"),
        &sup,
        json!({"version": 1}),
    )
    .await
    .assert_problem(409, "rights_blocked");
    app.post(
        &format!("/api/v1/rights/{did}/refuse"),
        &sup,
        json!({"version": 1}),
    )
    .await
    .assert_problem(422, "validation");
    let r = app
        .post(&format!("/api/v1/rights/{did}/refuse"), &sup, json!({"version": 1, "note": "账户及交易记录须依反洗钱法保存至少十年，保存期内停止除存储外的处理"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "refused");
    assert!(r.body["outcome"].as_str().unwrap().contains("反洗钱"));
    let actions = app
        .texts("SELECT action FROM audit_log WHERE entity = 'rights_request' ORDER BY id")
        .await;
    assert_eq!(
        actions,
        vec![
            "rights.register",
            "rights.withdraw",
            "rights.register",
            "rights.refuse"
        ]
    );
}

/// A person who calls the call centre: its system (a service account with the call centre's narrow role)
/// registers the request with the channel it came by — and can neither answer it nor change the customer.
async fn the_call_centres_system_registers_a_request_it_cannot_answer(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;
    let r = app
        .post(
            "/api/v1/service-accounts",
            &admin,
            json!({"username": "cc", "display_name": "呼叫中心", "role": "call_centre",
                   "allowed_sources": ["127.0.0.0/8", "::1"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let cc = r.body["token"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/rights",
            &cc,
            json!({"customer_id": id, "kind": "correction", "channel": "phone",
                   "detail": "来电：通讯地址已变更，要求更正"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["channel"], "phone");
    let rid = r.body["id"].as_str().unwrap().to_owned();
    // It shows in the branch's queue for someone to answer.
    let queue = app.get("/api/v1/rights", &rm).await;
    assert!(queue.text.contains(&rid), "{}", queue.text);
    // The call centre's system does not answer it, nor edit the customer.
    app.post(
        &format!("/api/v1/rights/{rid}/refuse"),
        &cc,
        json!({"version": 1, "note": "x"}),
    )
    .await
    .assert_problem(403, "permission_denied");
    let v = app.get(&format!("/api/v1/customers/{id}"), &rm).await.body;
    app.patch(
        &format!("/api/v1/customers/{id}"),
        &cc,
        v["version"].as_i64().unwrap(),
        json!({"individual": {"occupation": "x"}}),
    )
    .await
    .assert_problem(403, "permission_denied");
}
