//! Messages and case logs grow for ten years: on PostgreSQL they are kept in month partitions made ahead
//! (migration 63), like the audit log. A message's cause key still queues it once, whatever month a second
//! try falls in; a case's log is read whole from its months.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::json;

crate::tests![
    a_message_is_queued_once_whatever_month_a_second_try_falls_in,
    case_logs_and_messages_are_kept_in_months_made_ahead,
];

const DAY_US: i64 = 86_400_000_000;

/// `YYYY`, `MM` and the first instant (µs, UTC) of the month `back` months before this one (negative:
/// ahead).
fn month(back: i32) -> (String, i64) {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .first_of_month();
    let first = if back >= 0 {
        today.checked_sub(jiff::Span::new().months(back)).unwrap()
    } else {
        today.checked_add(jiff::Span::new().months(-back)).unwrap()
    };
    let at = first
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_microsecond();
    (first.strftime("y%Ym%m").to_string(), at)
}

fn message(
    customer: uuid::Uuid,
    key: &str,
    created_at_us: i64,
) -> banyan_store::notify::MessageRow {
    queued_message(
        customer,
        key,
        &format!("sent {created_at_us}"),
        created_at_us,
    )
}

/// The partitions of a table (PostgreSQL), by name.
async fn partitions(app: &TestApp, table: &str) -> Vec<String> {
    app.texts(&format!(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = '{table}' ORDER BY 1"
    ))
    .await
}

/// A greeting queued last month and tried again this month (a job re-run after a crash, a second node): one
/// message, in last month's partition on PostgreSQL, listed once on the customer's page.
async fn a_message_is_queued_once_whatever_month_a_second_try_falls_in(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;
    let customer: uuid::Uuid = id.parse().unwrap();
    let c = &app.app.db().conn;
    let (last_name, last_first) = month(1);
    let key = format!("greeting.birthday:{customer}:2026");
    // Last month's partition existed last month (the daily job makes them 400 days ahead).
    banyan_store::misc::add_months(c, "messages", last_first, last_first + DAY_US)
        .await
        .unwrap();
    let first = message(customer, &key, last_first + 3 * DAY_US);
    let n = banyan_store::notify::enqueue(c, std::slice::from_ref(&first))
        .await
        .unwrap();
    assert_eq!(n, 1);
    // Again this month, with another id, and together with a new one in the same call.
    let now = banyan_store::now_us();
    let again = [
        message(customer, &key, now),
        message(customer, "greeting.festival:spring", now),
    ];
    let n = banyan_store::notify::enqueue(c, &again).await.unwrap();
    assert_eq!(n, 1, "only the new key is queued");
    let kept = app
        .texts(&format!(
            "SELECT body FROM messages WHERE cause_key = '{key}'"
        ))
        .await;
    assert_eq!(kept, vec![first.body.clone()]);
    let listed = app
        .get(&format!("/api/v1/customers/{id}/messages"), &rm)
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body.as_array().unwrap().len(), 2, "{}", listed.text);
    if app.backend == Backend::Postgres {
        let at = app
            .texts(&format!(
                "SELECT CAST(tableoid::regclass AS TEXT) FROM messages WHERE id = '{}'",
                first.id
            ))
            .await;
        assert_eq!(at, vec![format!("messages_{last_name}")]);
    }
    // The dispatcher finds, claims and settles it where it is.
    let due = banyan_store::notify::due(c, now + 1, 10).await.unwrap();
    assert!(due.iter().any(|(at, _, _)| *at == first.at()), "{due:?}");
    let claimed = banyan_store::notify::claim_batch(c, &[first.at()], now, now + 60_000_000)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let settled = banyan_store::notify::settle(
        c,
        first.at(),
        claimed[0].claimed_until_us,
        "sent",
        None,
        None,
        Some(now),
    )
    .await
    .unwrap();
    assert!(settled);
    let m = banyan_store::notify::find(c, first.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.status, "sent");
}

/// A case registered and acted on: its log is read whole; on PostgreSQL its entries and the case's message
/// sit in this month's partitions, and the months of the next year are there before their first row.
async fn case_logs_and_messages_are_kept_in_months_made_ahead(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let cs = app
        .login_as("cs1", Role::CustomerService, Some("BR0001"))
        .await;
    put_org(app, "cs1", "service").await;
    let customer = verified_individual(app, &rm, "13812345678", 123).await;
    let r = app
        .post(
            "/api/v1/cases",
            &cs,
            json!({"kind": "complaint", "channel": "hotline", "product": "deposits", "cause": "waiting_time",
                   "severity": "high", "customer": customer, "subject": "柜台排队超过一小时",
                   "content": "客户反映周六上午在网点排队超过一小时，无人引导。"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/actions"),
            &cs,
            json!({"action": "note", "text": "已致电客户致歉"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let c = app.get(&format!("/api/v1/cases/{id}"), &cs).await;
    let actions: Vec<&str> = c.body["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["register", "note"], "{}", c.text);
    if app.backend == Backend::Postgres {
        let (this, _) = month(0);
        let (ahead, _) = month(-12);
        for table in ["case_log", "messages"] {
            let parts = partitions(app, table).await;
            for want in [
                format!("{table}_{this}"),
                format!("{table}_{ahead}"),
                format!("{table}_default"),
            ] {
                assert!(
                    parts.contains(&want),
                    "{table}: {want} missing in {parts:?}"
                );
            }
        }
        let at = app
            .texts(&format!(
                "SELECT DISTINCT CAST(tableoid::regclass AS TEXT) FROM case_log WHERE case_id = '{id}'"
            ))
            .await;
        assert_eq!(at, vec![format!("case_log_{this}")]);
        // Nothing was written to a default partition (every row had its month).
        assert_eq!(app.count("case_log_default").await, 0);
        assert_eq!(app.count("messages_default").await, 0);
    }
}
