//! Events out: the feed of changes other systems follow with a cursor.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    the_feed_tells_each_change_once_in_order_after_a_cursor,
    a_reader_limited_to_a_branch_sees_its_customers_events_only,
    the_feed_is_for_those_granted_it_and_bad_cursors_are_named,
];

/// A data-warehouse service account (bank-wide, or narrowed to `branch`) and its token.
async fn reader(app: &TestApp, username: &str, branch: Option<&str>) -> String {
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let r = app
        .post(
            "/api/v1/service-accounts",
            &admin,
            json!({"username": username, "display_name": "数据仓库", "role": "data_warehouse",
                   "branch_code": branch, "allowed_sources": ["127.0.0.1", "::1"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["token"].as_str().expect("token").to_owned()
}

/// Publishes what was written, then reads the whole feed after `after` (page by page of `limit`).
async fn read_all(app: &TestApp, token: &str, after: i64, limit: u64) -> (Vec<Value>, i64) {
    banyan_app::outbound::publish_pending(&app.app)
        .await
        .expect("publish");
    let mut items = Vec::new();
    let mut cursor = after;
    loop {
        let r = app
            .get(
                &format!("/api/v1/outbound/events?after={cursor}&limit={limit}"),
                token,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let page = r.body["items"].as_array().expect("items").clone();
        let next = r.body["next_after"].as_i64().expect("next_after");
        if page.is_empty() && next == cursor {
            return (items, cursor);
        }
        assert!(next > cursor, "the cursor moves on: {}", r.text);
        cursor = next;
        items.extend(page);
    }
}

/// The kinds of the events about one customer, in feed order.
fn kinds_about(items: &[Value], customer: &str) -> Vec<String> {
    items
        .iter()
        .filter(|e| e["customer_id"] == customer)
        .map(|e| e["kind"].as_str().unwrap_or("").to_owned())
        .filter(|k| !k.starts_with("segment."))
        .collect()
}

async fn the_feed_tells_each_change_once_in_order_after_a_cursor(app: &TestApp) {
    let dw = reader(app, "dw", None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let cs = app
        .login_as("cs1", Role::CustomerService, Some("BR0001"))
        .await;
    let id = verified_individual(app, &rm, "13812345678", 123).await;
    // Nothing is in the feed before it is published: a reader never sees an event its change has not
    // committed with, nor one that could later be numbered before its cursor.
    let r = app.get("/api/v1/outbound/events", &dw).await;
    assert_eq!(r.body["items"], json!([]), "{}", r.text);
    let (first, cursor) = read_all(app, &dw, 0, 2).await;
    assert_eq!(
        kinds_about(&first, &id),
        vec!["customer.created", "customer.changed", "customer.verified"]
    );
    let seqs: Vec<i64> = first.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    assert_eq!(*seqs.last().unwrap(), cursor);
    // Never a person's data: the customer's name and mobile are not in the feed.
    let text = serde_json::to_string(&first).unwrap();
    assert!(
        !text.contains("王五") && !text.contains("13812345678"),
        "{text}"
    );
    let created = first
        .iter()
        .find(|e| e["kind"] == "customer.created")
        .unwrap();
    assert_eq!(created["data"]["status"], "draft");
    assert_eq!(created["data"]["branch_code"], "BR0001");

    // Later changes come after the cursor, once each.
    let c = app.get(&format!("/api/v1/customers/{id}"), &rm).await;
    let version = c.body["version"].as_i64().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &rm,
            version,
            json!({"preferred_channel": "email"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(
            "/api/v1/cases",
            &cs,
            json!({"kind": "complaint", "channel": "hotline", "product": "deposits", "cause": "waiting_time",
                   "severity": "high", "customer": id, "subject": "柜台排队超过一小时",
                   "content": "客户反映排队超过一小时。"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let case = r.body["id"].as_str().unwrap().to_owned();
    let far = jiff::Timestamp::now().as_microsecond() + 100 * 86_400_000_000;
    assert!(
        banyan_app::cases::escalate_due(&app.app, far)
            .await
            .unwrap()
            >= 1
    );
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/actions"),
            &cs,
            json!({"action": "resolve", "solution": "已增派引导员", "reply": "您好，已处理。"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (second, end) = read_all(app, &dw, cursor, 100).await;
    assert!(second.iter().all(|e| e["seq"].as_i64().unwrap() > cursor));
    assert_eq!(
        kinds_about(&second, &id),
        vec![
            "customer.changed",
            "case.registered",
            "case.escalated",
            "case.resolved"
        ]
    );
    let resolved = second
        .iter()
        .find(|e| e["kind"] == "case.resolved")
        .unwrap();
    assert_eq!(resolved["data"]["case_id"], case.as_str());
    assert_eq!(resolved["data"]["status"], "resolved");
    // Read again from the same cursor: the same events, with the same ids and numbers.
    let (again, _) = read_all(app, &dw, cursor, 100).await;
    assert_eq!(again, second);
    let (none, same) = read_all(app, &dw, end, 100).await;
    assert!(none.is_empty());
    assert_eq!(same, end);
}

async fn a_reader_limited_to_a_branch_sees_its_customers_events_only(app: &TestApp) {
    let bank = reader(app, "dw", None).await;
    let br2 = reader(app, "dw-br2", Some("BR0002")).await;
    let rm1 = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm3 = app
        .login_as("rm3", Role::RelationshipManager, Some("BR0002"))
        .await;
    let one = verified_individual(app, &rm1, "13812340001", 801).await;
    // A customer of branch BR0002 (the fixture's own branch is BR0001), left a draft.
    let mut c = individual("赵六", &resident_id("19850505", 802), "13812340002");
    c["branch_code"] = json!("BR0002");
    let two = app.create(&rm3, c).await["id"].as_str().unwrap().to_owned();
    let (all, end) = read_all(app, &bank, 0, 100).await;
    assert!(!kinds_about(&all, &one).is_empty() && !kinds_about(&all, &two).is_empty());
    let (mine, mine_end) = read_all(app, &br2, 0, 100).await;
    assert!(
        kinds_about(&mine, &one).is_empty(),
        "another branch's customer leaks: {mine:?}"
    );
    assert_eq!(kinds_about(&mine, &two), vec!["customer.created"]);
    assert!(mine.iter().all(|e| e["customer_id"] == two.as_str()));
    // The cursor still moves past what it may not see.
    assert_eq!(mine_end, end);
}

async fn the_feed_is_for_those_granted_it_and_bad_cursors_are_named(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.get("/api/v1/outbound/events", &rm)
        .await
        .assert_problem(403, "permission_denied");
    let dw = reader(app, "dw", None).await;
    for (q, field) in [
        ("after=-1", "after"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ] {
        let r = app
            .req(
                Method::GET,
                &format!("/api/v1/outbound/events?{q}"),
                Some(&dw),
                None,
            )
            .await;
        assert_eq!(r.status.as_u16(), 422, "{q}: {}", r.text);
        assert!(
            r.field_errors().contains(&(field.into(), "range".into())),
            "{q}: {}",
            r.text
        );
    }
}
