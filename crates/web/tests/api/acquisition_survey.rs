//! The new customers' satisfaction survey: the policy's days after the win (30), a verified customer won
//! from a lead is asked through the outbox, once; a customer still in review is not yet; the reply comes
//! back through the gateway and is kept with the lead, in its history and in the effectiveness report.

use crate::cases::reply;
use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::tests![a_new_customer_is_asked_how_satisfied_they_are_and_their_answer_is_kept];

async fn act(app: &TestApp, token: &str, id: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/leads/{id}/actions"), token, body)
        .await
}

/// A lead of `rm`'s taken to won; its customer's id.
async fn won(app: &TestApp, rm: &str, rev: &str, mobile: &str, code: &str) -> (String, String) {
    let id = crate::acquisition_risk::corporate_at_proposal(app, rm, rev, mobile, code, "C").await;
    crate::acquisition_papers::papers_done(app, rm, rev, &id).await;
    let w = act(app, rm, &id, json!({"action": "win"})).await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text);
    (id, w.body["customer_id"].as_str().unwrap().to_owned())
}

async fn a_new_customer_is_asked_how_satisfied_they_are_and_their_answer_is_kept(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let (lead, customer) = won(app, &rm, &rev, "13600007001", "MA5557001").await;
    for step in ["submit", "verify"] {
        let who = if step == "submit" { &rm } else { &rev };
        let r = app
            .post(
                &format!("/api/v1/customers/{customer}/{step}"),
                who,
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    // A second won lead whose customer still waits for the registry's review.
    let (draft_lead, _) = won(app, &rm, &rev, "13600007002", "MA5557002").await;

    // Won today: not yet; 30 days on, the verified customer is asked, once.
    let today = app.app.today();
    let send = |d: jiff::civil::Date| banyan_app::acquisition::survey::send_due(&app.app, d);
    assert_eq!(send(today).await.unwrap(), 0);
    let later = today.checked_add(jiff::Span::new().days(30)).unwrap();
    assert_eq!(send(later).await.unwrap(), 1);
    assert_eq!(send(later).await.unwrap(), 0);
    let m = app
        .get(&format!("/api/v1/customers/{customer}/messages"), &rm)
        .await;
    let survey = m
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["cause"] == "lead.survey")
        .cloned()
        .unwrap_or_else(|| panic!("no survey message: {}", m.text));
    assert!(
        survey["body"].as_str().unwrap().contains("请回复1-5分"),
        "{survey}"
    );
    assert_eq!(survey["purpose"], "service");
    let v = app.get(&format!("/api/v1/leads/{lead}"), &rm).await;
    assert_eq!(v.body["survey"]["satisfaction"], Value::Null, "{}", v.text);
    let d = app.get(&format!("/api/v1/leads/{draft_lead}"), &rm).await;
    assert_eq!(d.body["survey"], Value::Null, "{}", d.text);

    // The reply through the gateway: an unreadable one is named, a score is kept once.
    let now = jiff::Timestamp::now().as_second();
    let id = survey["id"].clone();
    let r = reply(
        app,
        json!({"in_reply_to": id, "text": "挺好"}),
        now,
        GATEWAY_SECRET,
    )
    .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors()[0].0, "text");
    let r = reply(
        app,
        json!({"in_reply_to": id, "text": "4，开户很顺利"}),
        now,
        GATEWAY_SECRET,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.body["applied"].as_str(), r.body["satisfaction"].as_i64()),
        (Some("new_customer_survey"), Some(4)),
        "{}",
        r.text
    );
    reply(
        app,
        json!({"in_reply_to": id, "text": "1"}),
        now,
        GATEWAY_SECRET,
    )
    .await
    .assert_problem(409, "already_surveyed");

    // Kept with the lead and in its history.
    let v = app.get(&format!("/api/v1/leads/{lead}"), &rm).await;
    assert_eq!(
        (
            v.body["survey"]["satisfaction"].as_i64(),
            v.body["survey"]["comment"].as_str()
        ),
        (Some(4), Some("开户很顺利")),
        "{}",
        v.text
    );
    let actions: Vec<&str> = v.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"survey_sent") && actions.contains(&"surveyed"),
        "{actions:?}"
    );
    // The effectiveness report counts the period's surveys and their average.
    let e = app.get("/api/v1/leads/effectiveness", &rm).await;
    let c = &e.body["current"];
    assert_eq!(
        (
            c["surveys_sent"].as_i64(),
            c["surveys_answered"].as_i64(),
            c["satisfaction_tenths"].as_i64()
        ),
        (Some(1), Some(1), Some(40)),
        "{}",
        e.text
    );
    // Another branch's manager does not count them.
    let far = app
        .login_as("rm9", Role::RelationshipManager, Some("BR0002"))
        .await;
    let e = app.get("/api/v1/leads/effectiveness", &far).await;
    assert_eq!(e.body["current"]["surveys_sent"], 0, "{}", e.text);
    assert_eq!(
        app.texts("SELECT action FROM audit_log WHERE action IN ('lead.survey_sent', 'lead.survey') ORDER BY at_us")
            .await,
        vec!["lead.survey_sent".to_owned(), "lead.survey".to_owned()]
    );
}
