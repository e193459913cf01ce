//! Campaigns as records: scheduled for later, approved or refused by a second person of the maker's
//! branch, cancelled before they go, and sent by the job when their time comes — as their maker.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::tests![
    a_campaign_waiting_for_approval_goes_only_when_another_person_approves_it,
    a_scheduled_campaign_goes_at_its_time_and_a_cancelled_one_never,
];

fn push(key: &str) -> serde_json::Value {
    json!({"key": key, "channel": "sms", "body": {"zh-CN": "{name}您好，理财讲座本周六举行。"}})
}

async fn messages_of(app: &TestApp, key: &str) -> i64 {
    app.texts(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) FROM messages WHERE cause = 'campaign:{key}'"
    ))
    .await[0]
        .parse()
        .unwrap()
}

async fn a_campaign_waiting_for_approval_goes_only_when_another_person_approves_it(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let sup2 = app.login_as("sup2", Role::Supervisor, Some("BR0002")).await;
    verified_individual(app, &rm, "13912340001", 11).await;
    verified_individual(app, &rm, "13912340002", 12).await;
    // The maker asks for approval: nothing is sent, the report says why.
    let mut body = push("lecture");
    body["ask_approval"] = json!(true);
    let r = app
        .req_h(
            Method::POST,
            "/api/v1/campaigns",
            Some(&rm),
            Some(body.clone()),
            &[("Idempotency-Key", "camp-1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["state"], "awaiting_approval", "{}", r.text);
    assert_eq!(
        (r.body["customers"].as_u64(), r.body["queued"].as_u64()),
        (Some(2), Some(0))
    );
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(messages_of(app, "lecture").await, 0);
    // A retry with the same key answers the same campaign and makes no second one.
    let again = app
        .req_h(
            Method::POST,
            "/api/v1/campaigns",
            Some(&rm),
            Some(body),
            &[("Idempotency-Key", "camp-1")],
        )
        .await;
    assert_eq!(again.body["id"], r.body["id"], "{}", again.text);
    assert_eq!(app.count("campaigns").await, 1);
    // The same name without the key is refused, naming the field.
    let dup = app.post("/api/v1/campaigns", &rm, push("lecture")).await;
    dup.assert_problem(422, "validation");
    assert_eq!(
        dup.field_errors(),
        vec![("key".to_owned(), "taken".to_owned())]
    );
    // The maker cannot approve (no right); another branch's supervisor does not see it.
    let approve = format!("/api/v1/campaigns/{id}/approve");
    app.post(&approve, &rm, json!({"version": 1}))
        .await
        .assert_problem(403, "permission_denied");
    app.post(&approve, &sup2, json!({"version": 1}))
        .await
        .assert_problem(404, "not_found");
    let list = app.get("/api/v1/campaigns", &sup2).await;
    assert!(list.body.as_array().unwrap().is_empty(), "{}", list.text);
    // The branch supervisor sees it waiting, with the buttons offered.
    let list = app.get("/api/v1/campaigns", &sup).await;
    let row = &list.body[0];
    assert_eq!(
        (
            &row["key"],
            &row["state"],
            &row["can_approve"],
            &row["can_cancel"]
        ),
        (
            &json!("lecture"),
            &json!("awaiting_approval"),
            &json!(true),
            &json!(true)
        ),
        "{}",
        list.text
    );
    // Refusing needs a reason; a stale version is a conflict.
    let reject = format!("/api/v1/campaigns/{id}/reject");
    let r = app.post(&reject, &sup, json!({"version": 1})).await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors()[0].0, "note");
    app.post(&approve, &sup, json!({"version": 7}))
        .await
        .assert_problem(409, "version_conflict");
    // Approved with its time passed: it goes at once, to the maker's customers.
    let r = app.post(&approve, &sup, json!({"version": 1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["state"], "sent", "{}", r.text);
    assert_eq!(r.body["total"], 2, "{}", r.text);
    assert_eq!(messages_of(app, "lecture").await, 2);
    // Once sent it cannot be refused or approved again.
    app.post(&reject, &sup, json!({"version": 3, "note": "晚了"}))
        .await
        .assert_problem(409, "campaign_state");
    let mine = app.get("/api/v1/campaigns", &rm).await;
    assert_eq!(mine.body[0]["state"], "sent", "{}", mine.text);
    assert_eq!(mine.body[0]["decided_by"], "sup1", "{}", mine.text);
    assert_eq!(mine.body[0]["created_by"], "rm1", "{}", mine.text);
    assert_eq!(mine.body[0]["can_cancel"], false);
    // Four eyes: a supervisor's own campaign waits for someone else.
    let mut own = push("sup-own");
    own["ask_approval"] = json!(true);
    let r = app.post("/api/v1/campaigns", &sup, own).await;
    let own_id = r.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/campaigns/{own_id}/approve"),
        &sup,
        json!({"version": 1}),
    )
    .await
    .assert_problem(403, "campaign_four_eyes");
    // Refused with a reason: the maker reads it; nothing was sent.
    let r = app
        .post(
            &format!("/api/v1/campaigns/{own_id}/reject"),
            &app.login_as("sup3", Role::Supervisor, Some("BR0001")).await,
            json!({"version": 1, "note": "与上周推送重复"}),
        )
        .await;
    assert_eq!(r.body["state"], "rejected", "{}", r.text);
    let theirs = app.get("/api/v1/campaigns", &sup).await;
    let refused = theirs
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "sup-own")
        .unwrap();
    assert_eq!(refused["note"], "与上周推送重复");
    assert_eq!(messages_of(app, "sup-own").await, 0);
    let actions = app
        .texts("SELECT action FROM audit_log WHERE entity = 'campaign' ORDER BY seq")
        .await;
    for a in [
        "campaign.create",
        "campaign.approve",
        "campaign.queue",
        "campaign.sent",
        "campaign.reject",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} is audited: {actions:?}"
        );
    }
}

async fn a_scheduled_campaign_goes_at_its_time_and_a_cancelled_one_never(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    verified_individual(app, &rm, "13912340003", 13).await;
    let in_an_hour = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
    let mut body = push("saturday");
    body["send_at"] = json!(in_an_hour.to_string());
    let r = app.post("/api/v1/campaigns", &rm, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["state"], "scheduled", "{}", r.text);
    let mut later = push("sunday");
    later["send_at"] = json!(in_an_hour.to_string());
    let r = app.post("/api/v1/campaigns", &rm, later).await;
    let sunday = r.body["id"].as_str().unwrap().to_owned();
    // Before its time the job sends nothing.
    assert_eq!(banyan_app::notify::send_due(&app.app).await.unwrap(), 0);
    assert_eq!(messages_of(app, "saturday").await, 0);
    // The maker cancels one; the other's time comes.
    let r = app
        .post(
            &format!("/api/v1/campaigns/{sunday}/cancel"),
            &rm,
            json!({"version": 1}),
        )
        .await;
    assert_eq!(r.body["state"], "cancelled", "{}", r.text);
    app.sql(&format!(
        "UPDATE campaigns SET send_at_us = {}",
        banyan_store::now_us() - 1
    ))
    .await;
    assert_eq!(banyan_app::notify::send_due(&app.app).await.unwrap(), 1);
    assert_eq!(messages_of(app, "saturday").await, 1);
    assert_eq!(
        messages_of(app, "sunday").await,
        0,
        "cancelled stays unsent"
    );
    let list = app.get("/api/v1/campaigns", &rm).await;
    let state = |k: &str| {
        list.body
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == k)
            .map(|c| c["state"].clone())
    };
    assert_eq!(state("saturday"), Some(json!("sent")), "{}", list.text);
    assert_eq!(state("sunday"), Some(json!("cancelled")), "{}", list.text);
    // A maker disabled before the time: the campaign stops, by nobody, with the reason.
    let mut third = push("monday");
    third["send_at"] = json!(in_an_hour.to_string());
    app.post("/api/v1/campaigns", &rm, third).await;
    app.sql(&format!(
        "UPDATE campaigns SET send_at_us = {} WHERE key = 'monday'",
        banyan_store::now_us() - 1
    ))
    .await;
    app.sql("UPDATE staff SET disabled = TRUE WHERE username = 'rm1'")
        .await;
    banyan_app::notify::send_due(&app.app).await.unwrap();
    assert_eq!(messages_of(app, "monday").await, 0);
    assert_eq!(
        app.texts("SELECT state || ' ' || note FROM campaigns WHERE key = 'monday'")
            .await,
        vec!["cancelled maker_cannot_send".to_owned()]
    );
    // Bad times are named.
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    for (at, rule) in [
        ("2020-01-01T00:00:00Z", "future"),
        ("next saturday", "format"),
        ("2099-01-01T00:00:00Z", "max_days"),
    ] {
        let mut b = push("bad-time");
        b["send_at"] = json!(at);
        let r = app.post("/api/v1/campaigns", &ops, b).await;
        r.assert_problem(422, "validation");
        assert_eq!(
            r.field_errors(),
            vec![("send_at".to_owned(), rule.to_owned())],
            "{at}"
        );
    }
}
