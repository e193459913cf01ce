//! Client events: invitations by segment, capacity and waitlist, attendance and feedback.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::tests![
    an_event_fills_up_keeps_a_waitlist_and_gives_back_seats,
    an_unreadable_profile_stops_an_invitation_instead_of_guessing_the_language,
];

fn in_a_week() -> String {
    (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 7)).to_string()
}

async fn an_event_fills_up_keeps_a_waitlist_and_gives_back_seats(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let mut ids = Vec::new();
    for (i, seq) in [(0, 123), (1, 135), (2, 147)] {
        ids.push(verified_individual(app, &rm, &format!("1381234567{i}"), seq).await);
    }
    // Bad input is named.
    let r = app
        .post(
            "/api/v1/events",
            &rm,
            json!({"title": "", "kind": "party", "location": "", "starts_at": "yesterday", "capacity": 0}),
        )
        .await;
    r.assert_problem(422, "validation");
    let mut fields: Vec<String> = r.field_errors().into_iter().map(|(f, _)| f).collect();
    fields.sort();
    assert_eq!(
        fields,
        vec!["capacity", "kind", "location", "starts_at", "title"]
    );

    let r = app
        .post(
            "/api/v1/events",
            &rm,
            json!({"title": "年末宏观经济形势讲座", "kind": "lecture", "location": "BR0001 三楼会议室", "starts_at": in_a_week(), "capacity": 2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ev = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/events/{ev}/invitations"),
            &rm,
            json!({"customers": ids}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["invited"], 3);
    // Inviting again invites nobody twice.
    let r = app
        .post(
            &format!("/api/v1/events/{ev}/invitations"),
            &rm,
            json!({"customers": ids}),
        )
        .await;
    assert_eq!(
        (r.body["invited"].as_i64(), r.body["skipped"].as_i64()),
        (Some(0), Some(3))
    );
    // Each invitation is a message in the outbox.
    assert_eq!(
        app.texts("SELECT cause FROM messages WHERE cause = 'event.invite'")
            .await
            .len(),
        3
    );
    let respond = |who: &str, what: &str| {
        let body = json!({"customer": who, "response": what});
        let url = format!("/api/v1/events/{ev}/responses");
        let rm = rm.clone();
        async move { app.post(&url, &rm, body).await }
    };
    assert_eq!(respond(&ids[0], "accept").await.body["status"], "accepted");
    assert_eq!(respond(&ids[1], "accept").await.body["status"], "accepted");
    assert_eq!(
        respond(&ids[2], "accept").await.body["status"],
        "waitlisted"
    );
    // A seat given back goes to the waitlist.
    assert_eq!(respond(&ids[0], "decline").await.body["status"], "declined");
    let e = app.get(&format!("/api/v1/events/{ev}"), &rm).await;
    let status = |id: &str| -> Value {
        e.body["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["customer_id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status(&ids[2]), "accepted");
    assert_eq!(e.body["counts"]["accepted"], 2);
    // ...and the customer who got the seat is told.
    let m = app
        .get(&format!("/api/v1/customers/{}/messages", ids[2]), &rm)
        .await;
    let seat = m
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["cause"] == "event.seat")
        .cloned()
        .unwrap_or_else(|| panic!("no seat message: {}", m.text));
    assert!(
        seat["body"].as_str().unwrap().contains("名额空出"),
        "{seat}"
    );
    assert_eq!(seat["purpose"], "service");
    // A customer the caller cannot see is a field error, not "no such event"; an unknown event is 404.
    let stranger = uuid::Uuid::now_v7().to_string();
    let r = respond(&stranger, "accept").await;
    r.assert_problem(422, "validation");
    assert_eq!(
        r.field_errors(),
        vec![("customer".to_owned(), "not_found".to_owned())]
    );
    app.post(
        &format!("/api/v1/events/{}/feedback", uuid::Uuid::now_v7()),
        &rm,
        json!({"customer": ids[1], "rating": 5}),
    )
    .await
    .assert_problem(404, "not_found");
    // Attendance only for seat holders; feedback only from attendees.
    respond(&ids[0], "attended")
        .await
        .assert_problem(409, "invalid_state");
    assert_eq!(
        respond(&ids[1], "attended").await.body["status"],
        "attended"
    );
    let fb = format!("/api/v1/events/{ev}/feedback");
    app.post(&fb, &rm, json!({"customer": ids[2], "rating": 5}))
        .await
        .assert_problem(409, "invalid_state");
    app.post(&fb, &rm, json!({"customer": ids[1], "rating": 7}))
        .await
        .assert_problem(422, "validation");
    let r = app
        .post(
            &fb,
            &rm,
            json!({"customer": ids[1], "rating": 5, "comment": "讲得很透彻"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let e = app.get(&format!("/api/v1/events/{ev}"), &rm).await;
    let mine = e.body["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["customer_id"] == ids[1].as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["rating"], 5);
    assert_eq!(mine["feedback"], "讲得很透彻");
    // Another manager sees the event but none of rm1's invitees.
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let e = app.get(&format!("/api/v1/events/{ev}"), &rm2).await;
    assert!(e.body["invitations"].as_array().unwrap().is_empty());
    assert_eq!(e.body["counts"]["accepted"], 1);
}

async fn an_unreadable_profile_stops_an_invitation_instead_of_guessing_the_language(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = verified_individual(app, &rm, "13812345670", 123).await;
    let ev = app
        .post(
            "/api/v1/events",
            &rm,
            json!({"title": "理财沙龙", "kind": "lecture", "location": "三楼", "starts_at": in_a_week(), "capacity": 10}),
        )
        .await;
    assert_eq!(ev.status, StatusCode::CREATED, "{}", ev.text);
    let ev = ev.body["id"].as_str().unwrap().to_owned();
    // The only customer here (verified_individual names every one 王五).
    app.sql("UPDATE customers SET profile = '{\"language\": ' WHERE display_name = '王五'")
        .await;
    let before = app.count("messages").await;
    let r = app
        .post(
            &format!("/api/v1/events/{ev}/invitations"),
            &rm,
            json!({"customers": [id]}),
        )
        .await;
    r.assert_problem(500, "internal");
    assert_eq!(
        app.count("messages").await,
        before,
        "no message in a guessed language"
    );
    assert_eq!(
        app.count("event_invitations").await,
        0,
        "nothing half-written"
    );
}
