//! The notification outbox: delivered by a signed webhook and by SMTP to real local receivers, checked
//! for consent at send time, exactly once across a crashed dispatcher.

use crate::harness::*;
use axum::body::Bytes;
use axum::http::HeaderMap;
use banyan_app::notify::{Delivery, Gateway, dispatch_once};
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

crate::tests![
    a_birthday_greeting_goes_out_once_by_the_signed_webhook,
    withdrawn_consent_suppresses_marketing_with_the_reason,
    marketing_is_held_back_while_the_customer_is_in_the_care_programme,
    a_content_push_fills_name_honorific_and_tier_in_the_customers_language,
    e_mail_is_delivered_over_smtp,
    a_crashed_dispatcher_never_delivers_a_message_twice,
    a_failing_gateway_is_retried_with_backoff_then_the_message_fails,
    the_weekly_cap_holds_with_several_messages_in_flight,
    the_weekly_cap_counts_what_another_dispatcher_is_sending,
    a_dispatcher_whose_claim_ran_out_does_not_record_the_outcome,
];

const SECRET: &[u8] = b"gateway-secret";

/// What the gateway received: every request (by idempotency key), and those it processed (first per key).
#[derive(Default)]
struct Received {
    requests: Vec<String>,
    processed: HashMap<String, Value>,
}

/// A gateway on a local port that checks the signature and drops repeated idempotency keys.
async fn gateway(delay_ms: u64) -> (String, Arc<Mutex<Received>>) {
    let got: Arc<Mutex<Received>> = Arc::default();
    let state = got.clone();
    let app = axum::Router::new().route(
        "/send",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                let h = |k: &str| {
                    headers
                        .get(k)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                let ts: i64 = h("x-banyan-timestamp").parse().unwrap_or(0);
                let want = format!("v1={}", banyan_app::notify::signature(SECRET, ts, &body));
                if h("x-banyan-signature") != want {
                    return StatusCode::UNAUTHORIZED;
                }
                let key = h("idempotency-key");
                {
                    let mut g = state.lock().unwrap();
                    g.requests.push(key.clone());
                    g.processed
                        .entry(key)
                        .or_insert_with(|| serde_json::from_slice(&body).unwrap());
                }
                tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
                StatusCode::OK
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, got)
}

fn delivery(url: &str) -> Delivery {
    Delivery::new(
        None,
        None,
        Some(Gateway {
            url: url.to_owned(),
            secret: SECRET.to_vec(),
        }),
        "榕树银行",
    )
    .unwrap()
}

/// Noon in the bank's time zone: outside quiet hours whatever the time the tests run.
fn noon(app: &TestApp) -> jiff::Timestamp {
    app.app
        .today()
        .to_datetime(jiff::civil::time(12, 0, 0, 0))
        .to_zoned(app.app.tz.clone())
        .unwrap()
        .timestamp()
}

/// A verified individual (female: even sequence) born 40 years ago today, with SMS and e-mail consent.
async fn birthday_customer(app: &TestApp, rm: &str) -> String {
    let born = app
        .app
        .today()
        .checked_sub(jiff::Span::new().years(40))
        .unwrap();
    let mut body = individual(
        "刘洋",
        &resident_id(&born.strftime("%Y%m%d").to_string(), 124),
        "13912345678",
    );
    body["consents"] = json!([
        {"channel": "sms", "granted": true, "source": "branch_form"},
        {"channel": "email", "granted": true, "source": "branch_form"}
    ]);
    body["preferred_channel"] = json!("sms");
    let c = app.create(rm, body).await;
    let id = c["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/customers/{id}/submit"), rm, json!({}))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let r = app
        .post(&format!("/api/v1/customers/{id}/verify"), &rev, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id
}

async fn a_birthday_greeting_goes_out_once_by_the_signed_webhook(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = birthday_customer(app, &rm).await;
    let (url, got) = gateway(0).await;
    let d = delivery(&url);
    assert_eq!(
        banyan_app::notify::birthday_greetings(&app.app, "榕树银行")
            .await
            .unwrap(),
        1
    );
    // Running the job again the same day queues nothing more.
    assert_eq!(
        banyan_app::notify::birthday_greetings(&app.app, "榕树银行")
            .await
            .unwrap(),
        0
    );
    let r = dispatch_once(&app.app, &d, 100, noon(app)).await.unwrap();
    assert_eq!(r.sent, 1, "{r:?}");
    {
        let g = got.lock().unwrap();
        assert_eq!(g.requests.len(), 1);
        let msg = g.processed.values().next().unwrap();
        assert_eq!(msg["channel"], "sms");
        assert_eq!(msg["to"], "13912345678");
        assert_eq!(
            msg["body"],
            "尊敬的刘洋女士：祝您生日快乐，身体健康，万事如意！——榕树银行"
        );
    }
    let m = app
        .get(&format!("/api/v1/customers/{id}/messages"), &rm)
        .await;
    assert_eq!(m.body[0]["status"], "sent", "{}", m.text);
    assert_eq!(m.body[0]["cause"], "greeting.birthday");
    // A holiday in the list (today, for the test) greets every verified individual once.
    let today = app.app.today();
    let list = format!("[[greetings]]\nkey = \"new_year\"\ndates = [\"{today}\"]\n");
    let h = banyan_app::notify::holiday_greetings(&app.app, &list, "榕树银行")
        .await
        .unwrap();
    assert_eq!(h, 1);
    assert_eq!(
        banyan_app::notify::holiday_greetings(&app.app, &list, "榕树银行")
            .await
            .unwrap(),
        0
    );
    let e = banyan_app::notify::check_holidays(
        &app.app,
        "[[greetings]]\nkey = \"lantern\"\ndates = [\"2026-03-03\"]\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("holiday_lantern"), "{e}");
    // A festival of one locale greets only customers who read that language.
    let christmas = format!(
        "[[greetings]]\nkey = \"christmas\"\ndates = [\"{today}\"]\nlanguages = [\"en\"]\n"
    );
    assert_eq!(
        banyan_app::notify::holiday_greetings(&app.app, &christmas, "榕树银行")
            .await
            .unwrap(),
        0,
        "the customer reads zh-CN"
    );
    let e = banyan_app::notify::check_holidays(
        &app.app,
        "[[greetings]]\nkey = \"christmas\"\ndates = [\"2026-12-25\"]\nlanguages = [\"fr\"]\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("`fr`"), "{e}");
    let r = dispatch_once(&app.app, &d, 100, noon(app)).await.unwrap();
    assert_eq!(r.sent, 1, "{r:?}");
    // In quiet hours (22:00) marketing waits instead of going out.
    banyan_app::notify::campaign(
        &app.app,
        &banyan_app::access::actor_for(&app.app, "rm1")
            .await
            .unwrap(),
        serde_json::from_value(
            json!({"key": "rates-2026-11", "body": {"zh-CN": "{name}您好，存款利率调整说明……"}}),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    let late = noon(app) + jiff::SignedDuration::from_hours(10);
    let r = dispatch_once(&app.app, &d, 100, late).await.unwrap();
    assert_eq!(r.deferred, 1, "{r:?}");
    assert_eq!(got.lock().unwrap().requests.len(), 2);
    let m = app
        .get(&format!("/api/v1/customers/{id}/messages"), &rm)
        .await;
    let held = &m.body[0];
    assert_eq!(held["status"], "queued");
    assert_eq!(held["reason"], "quiet_hours");
    assert_eq!(
        held["attempts"], 0,
        "waiting for quiet hours is not an attempt"
    );
}

/// A content push speaks each customer's language and names their tier and honorific.
async fn a_content_push_fills_name_honorific_and_tier_in_the_customers_language(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let id = birthday_customer(app, &rm).await;
    let r = app
        .post(
            "/api/v1/metrics",
            &ops,
            json!({"items": [{"customer": id, "metrics": crate::segments::metrics("2026-11-20", 3_200_000, 12_000, 6)}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = json!({
        "zh-CN": "{name}{honorific}您好：作为{tier}客户，您可优先认购。",
        "en": "Dear {honorific}{name}, as a {tier} client you may subscribe first."
    });
    let r = app
        .post(
            "/api/v1/campaigns",
            &rm,
            json!({"key": "priority-2026", "segments": {"wealth_tier": "platinum"}, "body": body}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["queued"], 1, "{}", r.text);
    let m = app
        .get(&format!("/api/v1/customers/{id}/messages"), &rm)
        .await;
    assert_eq!(
        m.body[0]["body"],
        "刘洋女士您好：作为白金级客户，您可优先认购。"
    );
    assert_eq!(m.body[0]["channel"], "sms");
    // A customer who reads English gets the English text.
    let mut en = individual("王芳", &resident_id("19900202", 142), "13912345679");
    en["individual"]["language"] = json!("en");
    let c = app.create(&rm, en).await;
    let en_id = c["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/customers/{en_id}/submit"), &rm, json!({}))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let r = app
        .post(
            &format!("/api/v1/customers/{en_id}/verify"),
            &rev,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(
            "/api/v1/metrics",
            &ops,
            json!({"items": [{"customer": en_id, "metrics": crate::segments::metrics("2026-11-20", 3_200_000, 12_000, 6)}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The preview says who and what before anything is sent, and writes nothing.
    let messages_before = app.count("messages").await;
    let audit_before = app.count("audit_log").await;
    let input =
        json!({"key": "priority-2026-b", "segments": {"wealth_tier": "platinum"}, "body": body});
    let p = app
        .post("/api/v1/campaigns/preview", &rm, input.clone())
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert_eq!(p.body["audience"], 2, "{}", p.text);
    assert_eq!(p.body["by_language"], json!({"en": 1, "zh-CN": 1}));
    assert_eq!(p.body["by_channel"]["sms"], 2, "{}", p.text);
    assert_eq!(p.body["samples"][0]["lang"], "en");
    assert_eq!(
        p.body["samples"][0]["body"],
        "Dear Ms 王芳, as a Platinum client you may subscribe first."
    );
    assert_eq!(
        p.body["samples"][1]["body"],
        "刘洋女士您好：作为白金级客户，您可优先认购。"
    );
    assert_eq!(app.count("messages").await, messages_before);
    assert_eq!(app.count("audit_log").await, audit_before);
    let bad = app
        .post(
            "/api/v1/campaigns/preview",
            &rm,
            json!({"key": "x", "body": {"en": "hi"}}),
        )
        .await;
    bad.assert_problem(422, "validation");
    assert_eq!(bad.field_errors()[0].0, "body.zh-CN");
    let r = app.post("/api/v1/campaigns", &rm, input).await;
    assert_eq!(r.body["queued"], 2, "{}", r.text);
    let m = app
        .get(&format!("/api/v1/customers/{en_id}/messages"), &rm)
        .await;
    assert_eq!(
        m.body[0]["body"],
        "Dear Ms 王芳, as a Platinum client you may subscribe first."
    );
    assert_eq!(m.body[0]["lang"], "en");
    // Christmas (a festival listed for English-speaking customers) greets her, not the zh-CN customer.
    let today = app.app.today();
    let christmas = format!(
        "[[greetings]]\nkey = \"christmas\"\ndates = [\"{today}\"]\nlanguages = [\"en\"]\n"
    );
    assert_eq!(
        banyan_app::notify::holiday_greetings(&app.app, &christmas, "Banyan Bank")
            .await
            .unwrap(),
        1
    );
    let m = app
        .get(&format!("/api/v1/customers/{en_id}/messages"), &rm)
        .await;
    assert_eq!(
        m.body[0]["body"], "Dear Ms 王芳, a merry Christmas from Banyan Bank.",
        "{}",
        m.text
    );
    // An unknown language is named.
    let mut bad = individual("李雷", &resident_id("19900303", 151), "13912345670");
    bad["individual"]["language"] = json!("fr");
    let r = app.post("/api/v1/customers", &rm, bad).await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors()[0].0, "individual.language");
    // Other tiers got nothing.
    let r = app
        .post(
            "/api/v1/campaigns",
            &rm,
            json!({"key": "diamond-only", "segments": {"wealth_tier": "diamond"}, "body": body}),
        )
        .await;
    assert_eq!(r.body["queued"], 0);
}

async fn withdrawn_consent_suppresses_marketing_with_the_reason(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = birthday_customer(app, &rm).await;
    let (url, got) = gateway(0).await;
    // Queued while consent was given...
    let r = app
        .post(
            "/api/v1/campaigns",
            &rm,
            json!({"key": "fund-launch", "channel": "sms", "body": {"zh-CN": "{name}您好，新基金发行"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["queued"], 1);
    // ...withdrawn before it went out: checked at send time.
    let v = app.get(&format!("/api/v1/customers/{id}"), &rm).await;
    let r = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &rm,
            v.body["version"].as_i64().unwrap(),
            json!({"consents": [{"channel": "sms", "granted": false, "source": "hotline"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = dispatch_once(&app.app, &delivery(&url), 100, noon(app))
        .await
        .unwrap();
    assert_eq!(r.suppressed, 1, "{r:?}");
    assert!(got.lock().unwrap().requests.is_empty());
    let m = app
        .get(&format!("/api/v1/customers/{id}/messages"), &rm)
        .await;
    assert_eq!(m.body[0]["status"], "suppressed");
    assert!(
        m.body[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("no_consent")
    );
    assert_eq!(m.body[0]["body"], "刘洋您好，新基金发行");
    // The campaign report counts it as suppressed.
    let r = app.get("/api/v1/campaigns", &rm).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body[0]["key"], "fund-launch");
    assert_eq!(
        (
            r.body[0]["total"].as_i64(),
            r.body[0]["suppressed"].as_i64()
        ),
        (Some(1), Some(1)),
        "{}",
        r.text
    );
    // Another branch's manager does not see this branch's customers in the report.
    let rm3 = app
        .login_as("rm3", Role::RelationshipManager, Some("BR0002"))
        .await;
    let r = app.get("/api/v1/campaigns", &rm3).await;
    assert!(r.body.as_array().unwrap().is_empty(), "{}", r.text);
    // The same campaign name again is refused: it would be the same messages' cause.
    let r = app
        .post(
            "/api/v1/campaigns",
            &rm,
            json!({"key": "fund-launch", "channel": "sms", "body": {"zh-CN": "again"}}),
        )
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors()[0], ("key".to_owned(), "taken".to_owned()));
    // Bad input is named.
    let r = app
        .post(
            "/api/v1/campaigns",
            &rm,
            json!({"key": "x", "channel": "pigeon", "segments": {"colour": "red"}, "body": {"en": "hi"}}),
        )
        .await;
    r.assert_problem(422, "validation");
    let mut fields: Vec<String> = r.field_errors().into_iter().map(|(f, _)| f).collect();
    fields.sort();
    assert_eq!(fields, vec!["body.zh-CN", "channel", "segments.colour"]);
    // A misspelt variable is named instead of reaching customers as "{nmae}".
    let r = app
        .post(
            "/api/v1/campaigns",
            &rm,
            json!({"key": "typo", "body": {"zh-CN": "{nmae}您好"}}),
        )
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(
        r.field_errors()[0],
        ("body.zh-CN".to_owned(), "unknown_variable".to_owned())
    );
}

/// The decoded subject and text of a single-part message as the test SMTP server stored it (headers and
/// body as received): RFC 2047 encoded-words in the subject, base64 or plain text.
fn decode_mail(mail: &str) -> (String, String) {
    use base64::Engine;
    let b64 = |s: &str| {
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(s.trim())
                .unwrap_or_default(),
        )
        .unwrap_or_default()
    };
    let subject = mail
        .split("Subject: ")
        .nth(1)
        .map(|rest| {
            let mut out = String::new();
            let mut r = rest;
            while let Some(start) = r.find("=?utf-8?b?").or_else(|| r.find("=?UTF-8?B?")) {
                let after = &r[start + 10..];
                let Some(end) = after.find("?=") else { break };
                out.push_str(&b64(&after[..end]));
                r = &after[end + 2..];
                if !r.trim_start().starts_with("=?") {
                    break;
                }
            }
            if out.is_empty() {
                rest.split(':').next().unwrap_or("").to_owned()
            } else {
                out
            }
        })
        .unwrap_or_default();
    // The body follows the first empty line.
    let text = mail
        .split_once("\n\n")
        .or_else(|| mail.split_once("\r\n\r\n"))
        .map(|(_, b)| b)
        .unwrap_or("");
    let body = if mail.contains("Content-Transfer-Encoding: base64") {
        b64(&text.replace(['\r', '\n'], ""))
    } else {
        text.to_owned()
    };
    (subject, body)
}

/// A minimal SMTP server that stores each message's DATA.
async fn smtp_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", l.local_addr().unwrap());
    let store = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = l.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 test ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let cmd = line.to_ascii_uppercase();
                    if cmd.starts_with("DATA") {
                        w.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        store.lock().unwrap().push(data);
                        w.write_all(b"250 queued\r\n").await.unwrap();
                    } else if cmd.starts_with("QUIT") {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        w.write_all(b"250 OK\r\n").await.unwrap();
                    }
                }
            });
        }
    });
    (url, got)
}

async fn e_mail_is_delivered_over_smtp(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = birthday_customer(app, &rm).await;
    let (url, got) = smtp_server().await;
    let d = Delivery::new(
        Some(&url),
        Some("Banyan Bank <crm@bank.example>"),
        None,
        "榕树银行",
    )
    .unwrap();
    let r = app
        .post(
            "/api/v1/campaigns",
            &rm,
            json!({"key": "statement", "channel": "email", "subject": {"zh-CN": "对账单"}, "body": {"zh-CN": "{name}您好，本月对账单已生成。"}}),
        )
        .await;
    assert_eq!(r.body["queued"], 1, "{}", r.text);
    let r = dispatch_once(&app.app, &d, 100, noon(app)).await.unwrap();
    assert_eq!(r.sent, 1, "{r:?}");
    let mails = got.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.contains("To: zhang@example.cn"), "{mail}");
    assert!(
        mail.contains("@banyan>"),
        "the message id is the idempotency key: {mail}"
    );
    // The subject and the text as the customer reads them (MIME-encoded UTF-8 on the wire).
    let (subject, body) = decode_mail(mail);
    assert_eq!(subject, "对账单", "{mail}");
    assert_eq!(body.trim(), "刘洋您好，本月对账单已生成。", "{mail}");
    let m = app
        .get(&format!("/api/v1/customers/{id}/messages"), &rm)
        .await;
    assert_eq!(m.body[0]["status"], "sent");
    assert_eq!(m.body[0]["channel"], "email");
}

async fn a_crashed_dispatcher_never_delivers_a_message_twice(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id: uuid::Uuid = birthday_customer(app, &rm).await.parse().unwrap();
    // Twenty service messages (no consent or cap applies to service).
    let now = banyan_store::now_us();
    let rows: Vec<_> = (0..20)
        .map(|i| queued_message(id, &format!("test:{i}"), &format!("message {i}"), now))
        .collect();
    banyan_store::notify::enqueue(&app.app.db().conn, &rows)
        .await
        .unwrap();
    // A slow gateway; the dispatcher dies while a message is in flight.
    let (url, got) = gateway(150).await;
    let d = delivery(&url);
    let a = app.app.clone();
    let clock = noon(app);
    let d2 = d.clone();
    let task = tokio::spawn(async move { dispatch_once(&a, &d2, 100, clock).await });
    while got.lock().unwrap().requests.len() < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    task.abort();
    let _ = task.await;
    let seen = got.lock().unwrap().requests.len();
    assert!(seen < 20, "the dispatcher was stopped mid-batch ({seen})");
    // The dead dispatcher's claims run out (a claim statement it had in flight may still land after the
    // abort, so expire and dispatch again as the real dispatcher would on its next rounds)...
    let mut sent = 0;
    for _ in 0..5 {
        app.sql("UPDATE messages SET claimed_until_us = 1 WHERE claimed_until_us IS NOT NULL")
            .await;
        // ...and a new one delivers the rest, the in-flight one again with the same idempotency key.
        sent += dispatch_once(&app.app, &d, 100, clock).await.unwrap().sent;
        if got.lock().unwrap().processed.len() == 20 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(sent >= 20 - seen as u64, "{sent}");
    {
        let g = got.lock().unwrap();
        assert_eq!(
            g.processed.len(),
            20,
            "every message processed exactly once"
        );
        let mut bodies: Vec<&str> = g
            .processed
            .values()
            .map(|v| v["body"].as_str().unwrap())
            .collect();
        bodies.sort();
        bodies.dedup();
        assert_eq!(bodies.len(), 20);
    }
    let statuses = app
        .texts("SELECT status FROM messages WHERE cause = 'test'")
        .await;
    assert!(statuses.iter().all(|s| s == "sent"), "{statuses:?}");
}

async fn a_failing_gateway_is_retried_with_backoff_then_the_message_fails(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = birthday_customer(app, &rm).await;
    // A gateway that always answers 503.
    let router = axum::Router::new().route(
        "/send",
        axum::routing::post(|| async { StatusCode::SERVICE_UNAVAILABLE }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, router).await.unwrap() });
    let d = delivery(&url);
    banyan_app::notify::birthday_greetings(&app.app, "榕树银行")
        .await
        .unwrap();
    let r = dispatch_once(&app.app, &d, 100, noon(app)).await.unwrap();
    assert_eq!(r.retried, 1, "{r:?}");
    let m = app
        .get(&format!("/api/v1/customers/{id}/messages"), &rm)
        .await;
    assert_eq!(m.body[0]["status"], "queued");
    assert_eq!(m.body[0]["attempts"], 1);
    assert!(
        m.body[0]["reason"].as_str().unwrap().contains("503"),
        "{}",
        m.text
    );
    // Not due again before the backoff has passed.
    let r = dispatch_once(&app.app, &d, 100, noon(app)).await.unwrap();
    assert_eq!(r, banyan_app::notify::DispatchReport::default());
    // The last attempt (max_attempts = 8 in the shipped policy) fails the message for good.
    app.sql("UPDATE messages SET attempts = 7, next_attempt_at_us = 0")
        .await;
    let r = dispatch_once(&app.app, &d, 100, noon(app)).await.unwrap();
    assert_eq!(r.failed, 1, "{r:?}");
    let m = app
        .get(&format!("/api/v1/customers/{id}/messages"), &rm)
        .await;
    assert_eq!(m.body[0]["status"], "failed");
    assert_eq!(m.body[0]["attempts"], 8);
}

async fn the_weekly_cap_holds_with_several_messages_in_flight(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = birthday_customer(app, &rm).await;
    for k in 0..5 {
        let r = app
            .post(
                "/api/v1/campaigns",
                &rm,
                json!({"key": format!("news-{k}"), "channel": "sms", "body": {"zh-CN": format!("第{k}期资讯")}}),
            )
            .await;
        assert_eq!(r.body["queued"], 1, "{}", r.text);
    }
    let (url, got) = gateway(20).await;
    let d = delivery(&url);
    let mut total = banyan_app::notify::DispatchReport::default();
    for _ in 0..10 {
        let r = dispatch_once(&app.app, &d, 100, noon(app)).await.unwrap();
        total.sent += r.sent;
        total.suppressed += r.suppressed;
    }
    // The shipped cap is 3 marketing messages per customer in 7 days.
    assert_eq!((total.sent, total.suppressed), (3, 2), "{total:?}");
    assert_eq!(got.lock().unwrap().requests.len(), 3);
    let m = app
        .get(&format!("/api/v1/customers/{id}/messages"), &rm)
        .await;
    let capped = m
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| {
            x["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("frequency_cap"))
        })
        .count();
    assert_eq!(capped, 2, "{}", m.text);
}

/// With several dispatchers, a message another node is sending counts towards the cap: the last free
/// slot goes to one message, the other waits for its outcome instead of also going out.
async fn the_weekly_cap_counts_what_another_dispatcher_is_sending(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = birthday_customer(app, &rm).await;
    for k in 0..4 {
        app.post(
            "/api/v1/campaigns",
            &rm,
            json!({"key": format!("tips-{k}"), "channel": "sms", "body": {"zh-CN": format!("第{k}期")}}),
        )
        .await;
    }
    // Two already sent this week (cap 3), one being sent by another node right now, one due here.
    let now = banyan_store::now_us();
    app.sql(&format!(
        "UPDATE messages SET status = 'sent', sent_at_us = {now} WHERE cause_key IN ('campaign:tips-0:{id}', 'campaign:tips-1:{id}')"
    ))
    .await;
    app.sql(&format!(
        "UPDATE messages SET claimed_until_us = {}, attempts = 1 WHERE cause_key = 'campaign:tips-2:{id}'",
        now + 60_000_000
    ))
    .await;
    let (url, got) = gateway(0).await;
    let d = delivery(&url);
    let r = dispatch_once(&app.app, &d, 100, noon(app)).await.unwrap();
    assert_eq!((r.sent, r.deferred), (0, 1), "{r:?}");
    assert!(got.lock().unwrap().requests.is_empty());
    let reason = app
        .texts(&format!(
            "SELECT reason FROM messages WHERE cause_key = 'campaign:tips-3:{id}'"
        ))
        .await;
    assert_eq!(reason, vec!["cap_pending".to_owned()]);
    // The other node's send went through: the waiting message is then over the cap.
    app.sql(&format!(
        "UPDATE messages SET status = 'sent', sent_at_us = {now}, claimed_until_us = NULL WHERE cause_key = 'campaign:tips-2:{id}'"
    ))
    .await;
    app.sql(&format!(
        "UPDATE messages SET next_attempt_at_us = {now} WHERE cause_key = 'campaign:tips-3:{id}'"
    ))
    .await;
    let r = dispatch_once(&app.app, &d, 100, noon(app)).await.unwrap();
    assert_eq!((r.sent, r.suppressed), (0, 1), "{r:?}");
}

/// A dispatcher records an outcome only while it holds the message: once its claim ran out and another
/// dispatcher took the message, the late outcome is dropped (the other dispatcher's stands).
async fn a_dispatcher_whose_claim_ran_out_does_not_record_the_outcome(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = birthday_customer(app, &rm).await;
    app.post(
        "/api/v1/campaigns",
        &rm,
        json!({"key": "late", "channel": "sms", "body": {"zh-CN": "资讯"}}),
    )
    .await;
    let c = &app.app.db().conn;
    let now = banyan_store::now_us();
    let m = app
        .get(&format!("/api/v1/customers/{id}/messages"), &rm)
        .await;
    let msg: uuid::Uuid = m.body[0]["id"].as_str().unwrap().parse().unwrap();
    let msg = banyan_store::notify::find(c, msg)
        .await
        .unwrap()
        .unwrap()
        .at();
    let mine = banyan_store::notify::claim_batch(c, &[msg], now, now + 1_000)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    // A second claim while the first holds gets nothing.
    assert!(
        banyan_store::notify::claim_batch(c, &[msg], now, now + 5_000)
            .await
            .unwrap()
            .is_empty()
    );
    // After the first claim ran out another dispatcher takes it...
    let theirs = banyan_store::notify::claim_batch(c, &[msg], now + 2_000, now + 60_000_000)
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1);
    // ...and the first one's late outcome is not recorded; the holder's is.
    let late = banyan_store::notify::settle(
        c,
        msg,
        mine[0].claimed_until_us,
        "failed",
        Some("timeout"),
        None,
        None,
    )
    .await
    .unwrap();
    assert!(!late);
    let ok = banyan_store::notify::settle(
        c,
        msg,
        theirs[0].claimed_until_us,
        "sent",
        None,
        None,
        Some(now),
    )
    .await
    .unwrap();
    assert!(ok);
    let m = app
        .get(&format!("/api/v1/customers/{id}/messages"), &rm)
        .await;
    assert_eq!(m.body[0]["status"], "sent", "{}", m.text);
}

/// A customer registered in the care programme (with the default adjustments, which pause marketing) gets
/// no marketing message queued before the registration; service messages still go.
async fn marketing_is_held_back_while_the_customer_is_in_the_care_programme(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = birthday_customer(app, &rm).await;
    let (url, got) = gateway(0).await;
    let r = app
        .post(
            "/api/v1/campaigns",
            &rm,
            json!({"key": "fund-launch", "channel": "sms", "body": {"zh-CN": "{name}您好，新基金发行"}}),
        )
        .await;
    assert_eq!(r.body["queued"], 1, "{}", r.text);
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let sup2 = app.login_as("sup2", Role::Supervisor, Some("BR0001")).await;
    let c = app
        .post(
            "/api/v1/care",
            &sup,
            json!({"customer_id": id, "source": "own_account", "observation": "家属来电告知住院"}),
        )
        .await;
    let care = c.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/care/{care}/decision"),
        &sup2,
        json!({"decision": "verify"}),
    )
    .await;
    let reg = app
        .post(
            &format!("/api/v1/care/{care}/registration"),
            &sup2,
            json!({"situation": "severe_injury", "impact": "minor", "detail": "住院康复"}),
        )
        .await;
    assert_eq!(reg.status, StatusCode::OK, "{}", reg.text);
    assert!(reg.text.contains("no_marketing"), "{}", reg.text);
    let r = dispatch_once(&app.app, &delivery(&url), 100, noon(app))
        .await
        .unwrap();
    assert_eq!(r.suppressed, 1, "{r:?}");
    assert!(got.lock().unwrap().requests.is_empty());
    let m = app
        .get(&format!("/api/v1/customers/{id}/messages"), &rm)
        .await;
    assert!(
        m.body[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("care_pause"),
        "{}",
        m.text
    );
}
