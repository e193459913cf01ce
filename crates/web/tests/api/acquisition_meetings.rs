//! The acquisition team's meetings: recorded for the recorder's branch with its attendees, topic, minutes
//! and actions (each given to an attendee, with its day; they are told); read by the branch (not by
//! another); an action marked done by its owner or a supervisor, once.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::tests![a_team_meeting_keeps_its_minutes_and_its_actions_until_they_are_done];

async fn a_team_meeting_keeps_its_minutes_and_its_actions_until_they_are_done(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let far = app
        .login_as("rm9", Role::RelationshipManager, Some("BR0002"))
        .await;
    let id = |u: &str| {
        let u = u.to_owned();
        async move {
            banyan_app::access::actor_for(&app.app, &u)
                .await
                .unwrap()
                .id()
                .to_string()
        }
    };
    let (rm1_id, rm2_id, rm9_id) = (id("rm1").await, id("rm2").await, id("rm9").await);
    let today = app.app.today();
    let day = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    let held = jiff::Timestamp::now().to_string();
    let meeting = json!({"held_at": held, "team": "零售一组", "topic": "十二月拓户周例会",
    "minutes": "分享社区活动获客经验；讨论两家企业的结算方案", "attendees": [rm1_id, rm2_id],
    "actions": [
        {"what": "整理社区活动登记名单", "owner": rm2_id, "due_on": day(3)},
        {"what": "约见明德软件财务总监", "owner": rm1_id, "due_on": day(7)}
    ]});

    // Bad input: names each field and rule, writes nothing.
    let mut bad = meeting.clone();
    bad["held_at"] = json!(
        jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_hours(48))
            .unwrap()
            .to_string()
    );
    bad["minutes"] = json!(" ");
    bad["attendees"] = json!([rm1_id, rm9_id]);
    bad["actions"][0]["owner"] = json!(rm2_id);
    bad["actions"][1]["due_on"] = json!(day(-5));
    let r = app.post("/api/v1/leads/meetings", &rm, bad).await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("attendees".into(), "not_allowed".into()),
            ("held_at".into(), "past".into()),
            ("minutes".into(), "required".into()),
            ("actions[0].owner".into(), "attendee".into()),
            ("actions[1].due_on".into(), "after_meeting".into()),
        ],
        "{}",
        r.text
    );
    assert_eq!(app.count("acq_meetings").await, 0);

    // Recorded once with its key; the owner of an action other than the recorder is told.
    let key = [("Idempotency-Key", "meeting-1")];
    let first = app
        .req_h(
            Method::POST,
            "/api/v1/leads/meetings",
            Some(&rm),
            Some(meeting.clone()),
            &key,
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = app
        .req_h(
            Method::POST,
            "/api/v1/leads/meetings",
            Some(&rm),
            Some(meeting),
            &key,
        )
        .await;
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(app.count("acq_meetings").await, 1);
    assert_eq!(
        app.count("staff_notices WHERE kind = 'lead.meeting_action'")
            .await,
        1
    );
    let mid = first.body["id"].as_str().unwrap().to_owned();
    let action = |k: usize| first.body["actions"][k]["id"].as_str().unwrap().to_owned();

    // The branch reads it; the reader's own open actions come with the list; another branch does not.
    let list = app.get("/api/v1/leads/meetings", &rm2).await;
    assert_eq!(list.body["total"], 1, "{}", list.text);
    assert_eq!(list.body["items"][0]["topic"], "十二月拓户周例会");
    assert_eq!(list.body["my_actions"][0]["what"], "整理社区活动登记名单");
    // Paging past the furthest page is refused, naming the parameter (schemathesis sent 2^63).
    let r = app
        .get("/api/v1/leads/meetings?offset=9223372036854775808", &rm2)
        .await;
    assert_eq!(r.field_errors(), vec![("offset".into(), "max".into())]);
    let other = app.get("/api/v1/leads/meetings", &far).await;
    assert_eq!(other.body["total"], 0, "{}", other.text);
    let done = |token: &str, k: usize| {
        let (token, path) = (
            token.to_owned(),
            format!("/api/v1/leads/meetings/{mid}/actions/{}/done", action(k)),
        );
        async move { app.post(&path, &token, json!({})).await }
    };
    app.post(
        &format!("/api/v1/leads/meetings/{mid}/actions/{}/done", action(0)),
        &far,
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    // Someone else's action: not theirs to mark; its owner marks it, once; a supervisor may mark any.
    done(&rm, 0).await.assert_problem(403, "not_action_owner");
    let r = done(&rm2, 0).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["actions"][0]["state"], "done");
    assert_eq!(r.body["actions"][0]["done_by"], "rm2");
    done(&rm2, 0).await.assert_problem(409, "invalid_state");
    let r = done(&sup, 1).await;
    assert_eq!(r.body["actions"][1]["state"], "done", "{}", r.text);
    let mine = app.get("/api/v1/leads/meetings", &rm).await;
    assert_eq!(mine.body["my_actions"], json!([]), "{}", mine.text);
    assert_eq!(
        app.count("audit_log WHERE action LIKE 'acq.meeting.%'")
            .await,
        3
    );
}
