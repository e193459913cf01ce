//! Webhooks: the events feed pushed to a real receiver on a local port — signed, in order, retried after
//! a failure without skipping, logged, replayed.

use crate::harness::*;
use axum::body::Bytes;
use axum::http::HeaderMap;
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

crate::tests![
    a_receiver_gets_the_events_it_wants_signed_in_order_once_each,
    a_failing_receiver_is_retried_later_from_the_event_it_missed,
    bad_subscriptions_are_named_and_only_administrators_subscribe,
];

/// What the receiver saw, and how it should answer.
#[derive(Default)]
struct Receiver {
    secret: Vec<u8>,
    /// Answer 503 to this many requests before answering 200 again.
    fail_next: usize,
    /// (event id, kind, body) of every request answered 200, in arrival order.
    got: Vec<(String, String, Value)>,
    /// Requests whose signature did not verify.
    forged: usize,
}

async fn receiver() -> (String, Arc<Mutex<Receiver>>) {
    let state: Arc<Mutex<Receiver>> = Arc::default();
    let s = state.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let s = s.clone();
            async move {
                let h = |k: &str| {
                    headers
                        .get(k)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                let mut g = s.lock().unwrap();
                let ts = h("x-banyan-timestamp");
                if !banyan_app::notify::verify_signature(
                    &g.secret,
                    &ts,
                    &body,
                    &h("x-banyan-signature"),
                ) {
                    g.forged += 1;
                    return StatusCode::UNAUTHORIZED;
                }
                if g.fail_next > 0 {
                    g.fail_next -= 1;
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                assert_eq!(h("idempotency-key"), h("x-banyan-event-id"));
                let v: Value = serde_json::from_slice(&body).unwrap();
                g.got
                    .push((h("x-banyan-event-id"), h("x-banyan-event-kind"), v));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, state)
}

/// Subscribes the receiver to `kinds` as an administrator; returns the subscription's id.
async fn subscribe(app: &TestApp, url: &str, kinds: Value, rx: &Arc<Mutex<Receiver>>) -> String {
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let r = app
        .post(
            "/api/v1/webhooks",
            &admin,
            json!({"name": "数据仓库", "url": url, "kinds": kinds}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let secret = r.body["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    rx.lock().unwrap().secret = secret.as_bytes().to_vec();
    r.body["subscription"]["id"].as_str().unwrap().to_owned()
}

/// Publishes what was written and runs one delivery round at `now` (microseconds).
async fn round(app: &TestApp, now: i64) -> banyan_app::outbound::webhooks::RoundReport {
    banyan_app::outbound::publish_pending(&app.app)
        .await
        .unwrap();
    banyan_app::outbound::webhooks::deliver_due(&app.app, now)
        .await
        .unwrap()
}

fn now() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

async fn a_receiver_gets_the_events_it_wants_signed_in_order_once_each(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    // An event before the subscription is not sent: it follows from the moment it was made.
    let before = verified_individual(app, &rm, "13812340009", 809).await;
    let (url, rx) = receiver().await;
    let id = subscribe(
        app,
        &url,
        json!(["customer.created", "customer.verified"]),
        &rx,
    )
    .await;
    let customer = verified_individual(app, &rm, "13812340001", 801).await;
    let r = round(app, now()).await;
    assert_eq!((r.sent, r.failed), (2, 0), "{r:?}");
    {
        let g = rx.lock().unwrap();
        assert_eq!(g.forged, 0);
        let kinds: Vec<&str> = g.got.iter().map(|(_, k, _)| k.as_str()).collect();
        assert_eq!(kinds, vec!["customer.created", "customer.verified"]);
        assert!(
            g.got
                .iter()
                .all(|(_, _, v)| v["customer_id"] == customer.as_str())
        );
        assert!(
            g.got
                .iter()
                .all(|(_, _, v)| v["customer_id"] != before.as_str())
        );
        assert!(g.got[0].2["seq"].as_i64() < g.got[1].2["seq"].as_i64());
    }
    // Another round sends nothing again.
    let r = round(app, now()).await;
    assert_eq!((r.sent, r.failed), (0, 0));
    assert_eq!(rx.lock().unwrap().got.len(), 2);
    // The log shows both deliveries; a replay sends one again, logged as such, and the place is kept.
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let d = app.get(&format!("/api/v1/webhooks/{id}"), &admin).await;
    let log = d.body["deliveries"].as_array().unwrap().clone();
    assert_eq!(log.len(), 2, "{}", d.text);
    assert!(log.iter().all(|l| l["ok"] == true && l["status"] == 204));
    let first = log[1]["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/webhooks/{id}/deliveries/{first}/replay"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["replay"], true);
    {
        let g = rx.lock().unwrap();
        assert_eq!(g.got.len(), 3);
        assert_eq!(
            g.got[2].0, g.got[0].0,
            "the replay carries the same event id"
        );
    }
    assert_eq!(round(app, now()).await.sent, 0);
    // Paused, it is sent nothing; resumed, it gets what it missed.
    app.post(&format!("/api/v1/webhooks/{id}/pause"), &admin, json!({}))
        .await;
    verified_individual(app, &rm, "13812340002", 802).await;
    assert_eq!(round(app, now()).await.sent, 0);
    let r = app
        .post(&format!("/api/v1/webhooks/{id}/resume"), &admin, json!({}))
        .await;
    assert_eq!(r.body["subscription"]["active"], true, "{}", r.text);
    assert_eq!(round(app, now()).await.sent, 2);
}

async fn a_failing_receiver_is_retried_later_from_the_event_it_missed(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let (url, rx) = receiver().await;
    let id = subscribe(
        app,
        &url,
        json!(["customer.created", "customer.verified"]),
        &rx,
    )
    .await;
    rx.lock().unwrap().fail_next = 1;
    verified_individual(app, &rm, "13812340001", 801).await;
    let t0 = now();
    let r = round(app, t0).await;
    assert_eq!(
        (r.sent, r.failed),
        (0, 1),
        "it stops at the first failure: {r:?}"
    );
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let d = app.get(&format!("/api/v1/webhooks/{id}"), &admin).await;
    assert_eq!(d.body["subscription"]["failures"], 1, "{}", d.text);
    assert_eq!(d.body["subscription"]["last_error"], "refused");
    assert_eq!(d.body["deliveries"][0]["status"], 503);
    assert!(d.body["subscription"]["next_attempt_at"].is_string());
    assert_eq!(d.body["deliveries"][0]["ok"], false);
    // Not due yet: nothing is sent before the wait ends.
    assert_eq!(round(app, t0 + 1_000_000).await, Default::default());
    // After the wait, the missed event first, then the next, in order.
    let r = round(app, t0 + 31_000_000).await;
    assert_eq!((r.sent, r.failed), (2, 0), "{r:?}");
    let g = rx.lock().unwrap();
    let kinds: Vec<&str> = g.got.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(kinds, vec!["customer.created", "customer.verified"]);
}

async fn bad_subscriptions_are_named_and_only_administrators_subscribe(app: &TestApp) {
    let admin = app.login_as("admin1", Role::Admin, None).await;
    for (body, field, rule) in [
        (
            json!({"name": "x", "url": "ftp://dw.bank/x", "kinds": ["case.registered"]}),
            "url",
            "format",
        ),
        (
            json!({"name": "x", "url": "not a url", "kinds": ["case.registered"]}),
            "url",
            "format",
        ),
        // Events name customers: off this machine they travel encrypted.
        (
            json!({"name": "x", "url": "http://dw.bank/x", "kinds": ["case.registered"]}),
            "url",
            "https",
        ),
        (
            json!({"name": "x", "url": "https://dw.bank/x", "kinds": []}),
            "kinds",
            "required",
        ),
        (
            json!({"name": "x", "url": "https://dw.bank/x", "kinds": ["case.registered", "customer.deleted"]}),
            "kinds[1]",
            "one_of",
        ),
        (
            json!({"name": " ", "url": "https://dw.bank/x", "kinds": ["case.registered"]}),
            "name",
            "length",
        ),
    ] {
        let r = app.post("/api/v1/webhooks", &admin, body).await;
        r.assert_problem(422, "validation");
        assert!(
            r.field_errors().contains(&(field.into(), rule.into())),
            "{field}: {}",
            r.text
        );
    }
    assert_eq!(app.get("/api/v1/webhooks", &admin).await.body, json!([]));
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    app.get("/api/v1/webhooks", &sup)
        .await
        .assert_problem(403, "permission_denied");
    app.post(
        "/api/v1/webhooks",
        &sup,
        json!({"name": "x", "url": "https://dw.bank/x", "kinds": ["case.registered"]}),
    )
    .await
    .assert_problem(403, "permission_denied");
    app.get(
        &format!("/api/v1/webhooks/{}", uuid::Uuid::now_v7()),
        &admin,
    )
    .await
    .assert_problem(404, "not_found");
}
