//! Idempotency-Key on every creating endpoint: requests sent at the same moment with one key write once
//! and all get the same answer (the key is claimed in the write's own transaction).

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests!(
    concurrent_retries_of_every_creating_request_write_once_and_answer_alike,
    a_key_reused_for_another_request_is_refused_and_one_in_progress_says_when_to_retry,
    a_malformed_key_is_judged_after_who_asks,
    answers_are_forgotten_after_the_retry_window,
);

/// A stored answer holds what was written (here a customer's name and masked numbers): kept for the
/// policy's retry window (72 hours), then forgotten by the nightly job — and a retry after that is new.
async fn answers_are_forgotten_after_the_retry_window(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm = rm.as_str();
    let create = |key: &'static str, seq: u32, mobile: &'static str| {
        let body = individual("张三", &resident_id("19800101", seq), mobile);
        async move {
            app.req_h(
                Method::POST,
                "/api/v1/customers",
                Some(rm),
                Some(body),
                &[("idempotency-key", key)],
            )
            .await
        }
    };
    assert_eq!(
        create("old", 123, "13812345678").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        create("new", 345, "13812345679").await.status,
        StatusCode::CREATED
    );
    let stored = app
        .texts("SELECT response FROM idempotency_keys WHERE key = 'old'")
        .await;
    assert!(
        stored[0].contains("张三"),
        "the answer holds what was written"
    );
    // Three days and a minute ago.
    let old = jiff::Timestamp::now().as_microsecond() - (72 * 60 + 1) * 60_000_000;
    app.sql(&format!(
        "UPDATE idempotency_keys SET created_at_us = {old} WHERE key = 'old'"
    ))
    .await;
    assert_eq!(banyan_app::idempotency::purge(&app.app).await.unwrap(), 1);
    assert_eq!(
        app.texts("SELECT key FROM idempotency_keys ORDER BY key")
            .await,
        ["new"]
    );
    // The retry window of the recent one holds: its retry still gets the first answer.
    let again = create("new", 345, "13812345679").await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(app.count("customers").await, 2);
}

/// Who asks comes first: without a valid token the answer is 401 whatever the key; with one, an empty key
/// is a 400 naming the header.
async fn a_malformed_key_is_judged_after_who_asks(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let body = individual("张三", &resident_id("19800101", 123), "13812345678");
    app.req_h(
        Method::POST,
        "/api/v1/customers",
        None,
        Some(body.clone()),
        &[("idempotency-key", " ")],
    )
    .await
    .assert_problem(401, "unauthenticated");
    let r = app
        .req_h(
            Method::POST,
            "/api/v1/customers",
            Some(&rm),
            Some(body),
            &[("idempotency-key", " ")],
        )
        .await;
    r.assert_problem(400, "validation");
    assert_eq!(
        r.field_errors(),
        vec![("Idempotency-Key".to_owned(), "format".to_owned())]
    );
    assert_eq!(app.count("customers").await, 0);
}

/// Sends the same request six times at once with one key; returns the answers.
async fn six_at_once(
    app: &TestApp,
    token: &str,
    path: &str,
    body: &Value,
    key: &str,
    extra: &[(&str, &str)],
) -> Vec<Resp> {
    let mut headers = vec![("idempotency-key", key)];
    headers.extend_from_slice(extra);
    let one = || {
        app.req_h(
            Method::POST,
            path,
            Some(token),
            Some(body.clone()),
            &headers,
        )
    };
    let (a, b, c, d, e, f) = tokio::join!(one(), one(), one(), one(), one(), one());
    vec![a, b, c, d, e, f]
}

/// All answers are the first answer: the same status and the same body.
fn alike(rs: &[Resp], status: StatusCode, what: &str) {
    for r in rs {
        assert_eq!(r.status, status, "{what}: {}", r.text);
        assert_eq!(r.body, rs[0].body, "{what}: answers differ");
    }
    let replayed = rs
        .iter()
        .filter(|r| r.headers.get("idempotent-replayed").is_some())
        .count();
    assert!(
        replayed >= 5,
        "{what}: {replayed} of 6 answers were replays"
    );
}

async fn concurrent_retries_of_every_creating_request_write_once_and_answer_alike(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let admin = app.login_as("admin1", Role::Admin, None).await;

    // A customer.
    let body = individual("张三", &resident_id("19800101", 123), "13812345678");
    let rs = six_at_once(app, &rm, "/api/v1/customers", &body, "c-1", &[]).await;
    alike(&rs, StatusCode::CREATED, "customer");
    assert_eq!(app.count("customers").await, 1);
    let customer = rs[0].body["id"].as_str().unwrap().to_owned();

    // A batch of two.
    let batch = json!({"customers": [
        individual("李四", &resident_id("19810101", 245), "13912345678"),
        individual("王五", &resident_id("19820101", 356), "13712345678"),
    ]});
    let rs = six_at_once(app, &rm, "/api/v1/customers/batch", &batch, "b-1", &[]).await;
    alike(&rs, StatusCode::OK, "batch");
    assert_eq!(rs[0].body["created"], 2, "{}", rs[0].text);
    assert_eq!(app.count("customers").await, 3);

    // A contact point, sent with the version it was read at: the losers' version no longer matches, and
    // still they get the winner's answer.
    let path = format!("/api/v1/customers/{customer}/contacts");
    let contact = json!({"kind": "email", "value": "zhang@example.com", "label": "work"});
    let before = app.count("customer_contacts").await;
    let rs = six_at_once(app, &rm, &path, &contact, "ct-1", &[("if-match", "1")]).await;
    alike(&rs, StatusCode::CREATED, "contact");
    assert_eq!(app.count("customer_contacts").await, before + 1);

    // A logged contact.
    let path = format!("/api/v1/customers/{customer}/interactions");
    let log = json!({"method": "call", "outcome": "客户同意下周面谈"});
    let rs = six_at_once(app, &rm, &path, &log, "i-1", &[]).await;
    alike(&rs, StatusCode::CREATED, "interaction");
    assert_eq!(app.count("interactions").await, 1);

    // A complaint case.
    let case = json!({"kind": "complaint", "channel": "hotline", "severity": "high", "customer": customer,
                      "subject": "柜台排队超过一小时", "content": "客户反映周六上午排队超过一小时。"});
    let rs = six_at_once(app, &rm, "/api/v1/cases", &case, "case-1", &[]).await;
    alike(&rs, StatusCode::CREATED, "case");
    assert_eq!(app.count("cases").await, 1);

    // An event.
    let starts = "2099-03-01T10:00:00+08:00";
    let event = json!({"title": "理财沙龙", "kind": "lecture", "location": "三楼", "starts_at": starts, "capacity": 10});
    let rs = six_at_once(app, &rm, "/api/v1/events", &event, "e-1", &[]).await;
    alike(&rs, StatusCode::CREATED, "event");
    assert_eq!(app.count("events").await, 1);

    // A staff account.
    let staff = json!({"username": "aud9", "display_name": "审计九", "role": "auditor", "password": "a long enough password"});
    let before = app.count("staff").await;
    let rs = six_at_once(app, &admin, "/api/v1/staff", &staff, "s-1", &[]).await;
    alike(&rs, StatusCode::CREATED, "staff");
    assert_eq!(app.count("staff").await, before + 1);

    // Nothing was written twice, and each key holds one answer.
    assert_eq!(app.count("idempotency_keys").await, 7);
}

async fn a_key_reused_for_another_request_is_refused_and_one_in_progress_says_when_to_retry(
    app: &TestApp,
) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = app
        .create(
            &rm,
            individual("张三", &resident_id("19800101", 123), "13812345678"),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let log = json!({"method": "call", "outcome": "约定面谈"});
    let path = format!("/api/v1/customers/{id}/interactions");
    let first = app
        .req_h(
            Method::POST,
            &path,
            Some(&rm),
            Some(log),
            &[("idempotency-key", "k")],
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    // The same key on another path, or with another body, is another request.
    app.req_h(
        Method::POST,
        &path,
        Some(&rm),
        Some(json!({"method": "call", "outcome": "另一件事"})),
        &[("idempotency-key", "k")],
    )
    .await
    .assert_problem(409, "idempotency_key_reused");
    assert_eq!(app.count("interactions").await, 1);
    // A key whose multi-step work is still running (an import or a campaign holds it pending).
    app.sql("UPDATE idempotency_keys SET status = 0, response = '' WHERE key = 'k'")
        .await;
    let r = app
        .req_h(
            Method::POST,
            &path,
            Some(&rm),
            Some(json!({"method": "call", "outcome": "约定面谈"})),
            &[("idempotency-key", "k")],
        )
        .await;
    r.assert_problem(409, "idempotency_in_progress");
    assert_eq!(r.headers.get("retry-after").unwrap(), "2");
    assert_eq!(app.count("interactions").await, 1);
}
