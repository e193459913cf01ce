//! The audit log: chained, verifiable, queryable by auditors (tampering: `audit_chain`).

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::StatusCode;

crate::tests![
    the_audit_chain_verifies_and_reports_what_is_not_sealed_yet,
    auditors_query_by_staff_member_and_time_range,
];

async fn the_audit_chain_verifies_and_reports_what_is_not_sealed_yet(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let aud = app.login_as("aud", Role::Auditor, None).await;
    app.create(
        &rm,
        individual("张三", &resident_id("19800101", 123), "13812345678"),
    )
    .await;
    let r = app.get("/api/v1/audit/verify", &aud).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["unsealed"].as_i64().unwrap() >= 3, "{}", r.text);
    app.seal().await;
    let r = app.get("/api/v1/audit/verify", &aud).await;
    assert_eq!(r.body["ok"], true);
    assert_eq!(r.body["unsealed"], 0);
    assert!(r.body["checked"].as_i64().unwrap() >= 3);
    app.get("/api/v1/audit/verify", &rm)
        .await
        .assert_problem(403, "permission_denied");
}

async fn auditors_query_by_staff_member_and_time_range(app: &TestApp) {
    let rm1 = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let aud = app.login_as("aud", Role::Auditor, None).await;
    app.create(
        &rm1,
        individual("张三", &resident_id("19800101", 123), "13812345678"),
    )
    .await;
    app.create(
        &rm2,
        individual("李四", &resident_id("19810101", 245), "13912345678"),
    )
    .await;
    app.seal().await;
    let rm2_id = app.get("/api/v1/me", &rm2).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .get(
            &format!("/api/v1/audit?staff_id={rm2_id}&action=customer.create"),
            &aud,
        )
        .await;
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", r.text);
    assert_eq!(items[0]["actor"], "rm2");
    let past = app.get("/api/v1/audit?to=2000-01-01T00:00:00Z", &aud).await;
    assert_eq!(past.body["items"].as_array().unwrap().len(), 0);
    let future = app
        .get("/api/v1/audit?from=2000-01-01T00:00:00Z&limit=2", &aud)
        .await;
    assert_eq!(future.body["items"].as_array().unwrap().len(), 2);
    assert!(future.body["next_cursor"].is_string());
    let next = app
        .get(
            &format!(
                "/api/v1/audit?from=2000-01-01T00:00:00Z&limit=2&cursor={}",
                future.body["next_cursor"].as_str().unwrap()
            ),
            &aud,
        )
        .await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.text);
    assert_ne!(next.body["items"][0]["id"], future.body["items"][0]["id"]);
    // Every page counts all the matches; oldest first reads the same records the other way round.
    let all = app
        .get("/api/v1/audit?from=2000-01-01T00:00:00Z&limit=500", &aud)
        .await;
    let n = all.body["items"].as_array().unwrap().len();
    assert!(n > 2, "{}", all.text);
    assert_eq!(future.body["total"], n, "{}", future.text);
    assert_eq!(next.body["total"], n);
    assert_eq!(future.body["total_more"], false);
    let oldest = app
        .get(
            "/api/v1/audit?from=2000-01-01T00:00:00Z&limit=2&order=oldest",
            &aud,
        )
        .await;
    assert_eq!(
        oldest.body["items"][0]["id"],
        all.body["items"][n - 1]["id"]
    );
    let oldest2 = app
        .get(
            &format!(
                "/api/v1/audit?from=2000-01-01T00:00:00Z&limit=2&order=oldest&cursor={}",
                oldest.body["next_cursor"].as_str().unwrap()
            ),
            &aud,
        )
        .await;
    assert_eq!(
        oldest2.body["items"][0]["id"],
        all.body["items"][n - 3]["id"],
        "{}",
        oldest2.text
    );
    app.get("/api/v1/audit?order=sideways", &aud)
        .await
        .assert_problem(400, "validation");
    app.get("/api/v1/audit?from=yesterday", &aud)
        .await
        .assert_problem(400, "validation");
    app.get("/api/v1/audit", &rm1)
        .await
        .assert_problem(403, "permission_denied");
}
