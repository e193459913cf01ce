//! Sign-in, tokens, throttling, roles and scope.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::tests![
    login_gives_a_token_that_logout_revokes,
    an_administrator_cannot_disable_themselves_or_the_last_administrator,
    a_wrong_password_is_refused_and_repeated_failures_lock_the_account,
    unknown_usernames_are_throttled_too,
    a_stranger_cannot_lock_the_owner_out_and_a_spray_is_blocked_and_raised,
    requests_without_a_valid_token_are_401,
    a_relationship_manager_reading_another_managers_customer_gets_404,
    a_supervisor_sees_the_branch_and_not_other_branches,
    an_auditor_reads_everything_and_writes_nothing,
    a_disabled_account_loses_its_tokens,
    a_workbench_session_counts_its_own_unread_notices_and_ends_with_the_account,
    staff_are_managed_by_administrators_only,
    every_answer_carries_a_request_id,
];

async fn login_gives_a_token_that_logout_revokes(app: &TestApp) {
    app.staff("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let r = app
        .req(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "rm1", "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["expires_at"].as_str().unwrap().ends_with('Z'));
    let token = r.body["token"].as_str().unwrap();
    let me = app.get("/api/v1/me", token).await;
    assert_eq!(me.body["role"], "relationship_manager");
    let out = app
        .req(Method::POST, "/api/v1/auth/logout", Some(token), None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    app.get("/api/v1/me", token)
        .await
        .assert_problem(401, "unauthenticated");
}

async fn a_wrong_password_is_refused_and_repeated_failures_lock_the_account(app: &TestApp) {
    app.staff("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    for _ in 0..5 {
        let r = app
            .req(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "rm1", "password": "wrong-password!"})),
            )
            .await;
        r.assert_problem(401, "bad_credentials");
    }
    // Locked now: even the right password is refused, with a Retry-After.
    let r = app
        .req(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "rm1", "password": PASSWORD})),
        )
        .await;
    r.assert_problem(429, "throttled");
    assert!(r.headers.get("retry-after").is_some());
    app.seal().await;
    let auditor = app.login_as("aud", Role::Auditor, None).await;
    let a = app
        .get("/api/v1/audit?action=auth.login_failed", &auditor)
        .await;
    assert_eq!(a.body["items"].as_array().unwrap().len(), 5, "{}", a.text);
}

async fn unknown_usernames_are_throttled_too(app: &TestApp) {
    for _ in 0..5 {
        app.req(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "ghost", "password": "whatever-123"})),
        )
        .await
        .assert_problem(401, "bad_credentials");
    }
    app.req(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "ghost", "password": "whatever-123"})),
    )
    .await
    .assert_problem(429, "throttled");
}

async fn requests_without_a_valid_token_are_401(app: &TestApp) {
    app.req(Method::GET, "/api/v1/customers", None, None)
        .await
        .assert_problem(401, "unauthenticated");
    app.req(Method::GET, "/api/v1/customers", Some("not-a-token"), None)
        .await
        .assert_problem(401, "unauthenticated");
}

async fn a_relationship_manager_reading_another_managers_customer_gets_404(app: &TestApp) {
    let rm1 = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let c = app
        .create(
            &rm1,
            individual("张三", &resident_id("19800101", 123), "13812345678"),
        )
        .await;
    let id = c["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/customers/{id}"), &rm1)
            .await
            .status,
        StatusCode::OK
    );
    // Out of scope looks exactly like absent.
    let other = app.get(&format!("/api/v1/customers/{id}"), &rm2).await;
    other.assert_problem(404, "not_found");
    let absent = app
        .get(&format!("/api/v1/customers/{}", uuid::Uuid::now_v7()), &rm2)
        .await;
    assert_eq!(other.text, absent.text);
    // Nor does it appear in rm2's listing, or in search by its exact mobile number.
    let list = app.get("/api/v1/customers?q=13812345678", &rm2).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
    let r = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &rm2,
            1,
            json!({"individual": {"occupation": "x"}}),
        )
        .await;
    r.assert_problem(404, "not_found");
}

async fn a_supervisor_sees_the_branch_and_not_other_branches(app: &TestApp) {
    let rm1 = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm3 = app
        .login_as("rm3", Role::RelationshipManager, Some("BR0002"))
        .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let a = app
        .create(
            &rm1,
            individual("张三", &resident_id("19800101", 123), "13812345678"),
        )
        .await;
    let mut b = individual("李四", &resident_id("19810202", 245), "13912345678");
    b["branch_code"] = json!("BR0002");
    let b = app.create(&rm3, b).await;
    assert_eq!(
        app.get(
            &format!("/api/v1/customers/{}", a["id"].as_str().unwrap()),
            &sup
        )
        .await
        .status,
        StatusCode::OK
    );
    app.get(
        &format!("/api/v1/customers/{}", b["id"].as_str().unwrap()),
        &sup,
    )
    .await
    .assert_problem(404, "not_found");
    let list = app.get("/api/v1/customers", &sup).await;
    let nos: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["customer_no"].as_str().unwrap())
        .collect();
    assert_eq!(nos, vec![a["customer_no"].as_str().unwrap()]);
    // A supervisor cannot create in another branch.
    let mut c = individual("王五", &resident_id("19820303", 367), "13712345678");
    c["branch_code"] = json!("BR0002");
    let r = app.post("/api/v1/customers", &sup, c).await;
    r.assert_problem(422, "validation");
    assert!(
        r.field_errors()
            .contains(&("branch_code".into(), "scope".into()))
    );
}

async fn an_auditor_reads_everything_and_writes_nothing(app: &TestApp) {
    let rm1 = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let aud = app.login_as("aud", Role::Auditor, None).await;
    let c = app
        .create(
            &rm1,
            individual("张三", &resident_id("19800101", 123), "13812345678"),
        )
        .await;
    let id = c["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/customers/{id}"), &aud)
            .await
            .status,
        StatusCode::OK
    );
    app.post(
        "/api/v1/customers",
        &aud,
        individual("李四", &resident_id("19810202", 245), "13912345678"),
    )
    .await
    .assert_problem(403, "permission_denied");
    app.patch(
        &format!("/api/v1/customers/{id}"),
        &aud,
        1,
        json!({"individual": {"occupation": "x"}}),
    )
    .await
    .assert_problem(403, "permission_denied");
    app.req(
        Method::POST,
        &format!("/api/v1/customers/{id}/submit"),
        Some(&aud),
        None,
    )
    .await
    .assert_problem(403, "permission_denied");
    app.get(&format!("/api/v1/customers/{id}?reveal=true"), &aud)
        .await
        .assert_problem(403, "permission_denied");
    assert_eq!(app.count("customers").await, 1);
}

async fn a_disabled_account_loses_its_tokens(app: &TestApp) {
    let admin = app.login_as("admin", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    assert_eq!(app.get("/api/v1/me", &rm).await.status, StatusCode::OK);
    let r = app
        .req(
            Method::POST,
            "/api/v1/staff/rm1/disable",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["disabled"], true);
    app.get("/api/v1/me", &rm)
        .await
        .assert_problem(401, "unauthenticated");
    app.req(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "rm1", "password": PASSWORD})),
    )
    .await
    .assert_problem(401, "bad_credentials");
}

/// A workbench page begins by reading the session, its staff member and their unread notices in one statement:
/// the count is the person's own unread notices, and a disabled account's session no longer opens.
async fn a_workbench_session_counts_its_own_unread_notices_and_ends_with_the_account(
    app: &TestApp,
) {
    let admin = app.login_as("admin", Role::Admin, None).await;
    app.login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let (cookie, session) =
        banyan_app::access::web_login(&app.app, "rm1", PASSWORD, None, "zh-CN", "127.0.0.1")
            .await
            .expect("rm1 signs in to the workbench");
    assert_eq!(session.unread_notices, 0);
    let notice = |who: &str, read: Option<i64>| {
        let who = who.to_owned();
        async move {
            let staff_id: uuid::Uuid = app.staff_id(&who).await.parse().expect("a staff id");
            banyan_store::cases::NoticeRow {
                id: uuid::Uuid::now_v7(),
                staff_id,
                case_id: None,
                customer_id: None,
                kind: "customer.verified".into(),
                text: "C000001".into(),
                created_at_us: 1,
                read_at_us: read,
            }
        }
    };
    let rows = vec![
        notice("rm1", None).await,
        notice("rm1", None).await,
        notice("rm1", Some(2)).await,
        notice("rm2", None).await,
    ];
    banyan_store::cases::insert_notices(&app.app.db().conn, &rows)
        .await
        .expect("notices");
    let again = banyan_app::access::web_session(&app.app, &cookie)
        .await
        .expect("the session opens");
    assert_eq!(again.unread_notices, 2, "rm1's own unread notices only");
    assert_eq!(again.actor.username(), "rm1");
    let r = app
        .req(
            Method::POST,
            "/api/v1/staff/rm1/disable",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(matches!(
        banyan_app::access::web_session(&app.app, &cookie).await,
        Err(banyan_app::AppError::Unauthenticated)
    ));
    assert!(matches!(
        banyan_app::access::web_session(&app.app, "not-a-session").await,
        Err(banyan_app::AppError::Unauthenticated)
    ));
}

async fn staff_are_managed_by_administrators_only(app: &TestApp) {
    let admin = app.login_as("admin", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let body = json!({"username": "ops9", "role": "operations", "branch_code": "BR0009", "password": "long-enough-pw"});
    app.post("/api/v1/staff", &rm, body.clone())
        .await
        .assert_problem(403, "permission_denied");
    let r = app.post("/api/v1/staff", &admin, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.post("/api/v1/staff", &admin, body)
        .await
        .assert_problem(409, "duplicate_username");
    let short = app
        .post(
            "/api/v1/staff",
            &admin,
            json!({"username": "x1", "role": "auditor", "password": "short"}),
        )
        .await;
    short.assert_problem(422, "validation");
    assert_eq!(
        short.field_errors(),
        vec![("password".to_owned(), "length".to_owned())]
    );
    let list = app.get("/api/v1/staff", &admin).await;
    assert_eq!(list.body.as_array().unwrap().len(), 3);
    // The admin has no customer access (least privilege).
    app.get("/api/v1/customers", &admin)
        .await
        .assert_problem(403, "permission_denied");
}

/// Every answer names its request (the id in the server's log lines for it): a fresh one, or the well-formed
/// id a proxy sent; a malformed one is replaced, so nobody can write arbitrary text into the log.
async fn every_answer_carries_a_request_id(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id_of = |r: &Resp| {
        r.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let a = app.get("/api/v1/customers", &rm).await;
    let b = app.get("/api/v1/customers", &rm).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(uuid::Uuid::parse_str(&id_of(&a)).is_ok(), "{:?}", a.headers);
    assert_ne!(id_of(&a), id_of(&b), "each request has its own id");
    let refused = app.req(Method::GET, "/api/v1/customers", None, None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(uuid::Uuid::parse_str(&id_of(&refused)).is_ok());
    let sent = app
        .req_h(
            Method::GET,
            "/api/v1/customers",
            Some(&rm),
            None,
            &[("x-request-id", "gw-20261202-0001")],
        )
        .await;
    assert_eq!(id_of(&sent), "gw-20261202-0001");
    let forged = app
        .req_h(
            Method::GET,
            "/api/v1/customers",
            Some(&rm),
            None,
            &[("x-request-id", "a b {\"user\":\"admin\"}")],
        )
        .await;
    assert!(
        uuid::Uuid::parse_str(&id_of(&forged)).is_ok(),
        "{}",
        id_of(&forged)
    );
    // The workbench's pages too.
    let page = app.req(Method::GET, "/login", None, None).await;
    assert!(uuid::Uuid::parse_str(&id_of(&page)).is_ok());
}

async fn an_administrator_cannot_disable_themselves_or_the_last_administrator(app: &TestApp) {
    let a1 = app.login_as("admin1", Role::Admin, None).await;
    let disable = |who: &str, token: &str| {
        let path = format!("/api/v1/staff/{who}/disable");
        let token = token.to_owned();
        async move { app.req(Method::POST, &path, Some(&token), None).await }
    };
    disable("admin1", &a1)
        .await
        .assert_problem(409, "cannot_disable_self");
    assert_eq!(app.get("/api/v1/me", &a1).await.status, StatusCode::OK);
    // Two administrators disabling each other at the same moment: one succeeds, the other is refused
    // (or finds its own token revoked), and one administrator remains.
    let a2 = app.login_as("admin2", Role::Admin, None).await;
    let (r1, r2) = tokio::join!(disable("admin2", &a1), disable("admin1", &a2));
    let ok = [&r1, &r2]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "{} / {}", r1.text, r2.text);
    let refused = if r1.status == StatusCode::OK {
        &r2
    } else {
        &r1
    };
    assert!(
        refused.status == StatusCode::UNAUTHORIZED || refused.body["code"] == "last_admin",
        "{}",
        refused.text
    );
    let active = app
        .texts("SELECT username FROM staff WHERE role = 'admin' AND disabled = false")
        .await;
    assert_eq!(active.len(), 1, "{active:?}");
}

async fn a_stranger_cannot_lock_the_owner_out_and_a_spray_is_blocked_and_raised(app: &TestApp) {
    app.staff("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let login = |ip: &'static str, user: String, password: &'static str| async move {
        app.req_h(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": user, "password": password})),
            &[("x-forwarded-for", ip)],
        )
        .await
    };
    // A stranger guesses rm1's password five times: that address is refused for rm1 ...
    for _ in 0..5 {
        login("203.0.113.9", "rm1".into(), "wrong-password!")
            .await
            .assert_problem(401, "bad_credentials");
    }
    let r = login("203.0.113.9", "rm1".into(), PASSWORD).await;
    r.assert_problem(429, "throttled");
    assert!(r.headers.get("retry-after").is_some());
    // ... and the owner, elsewhere, signs in.
    let r = login("10.0.0.1", "rm1".into(), PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A spray: 20 failures over 10 accounts from one address blocks that address for every account.
    for i in 0..20 {
        login("198.51.100.7", format!("user{}", i % 10), "Password123!")
            .await
            .assert_problem(401, "bad_credentials");
    }
    login("198.51.100.7", "rm1".into(), PASSWORD)
        .await
        .assert_problem(429, "throttled");
    assert_eq!(
        login("10.0.0.1", "rm1".into(), PASSWORD).await.status,
        StatusCode::OK
    );
    // Administrators are told, and the audit log says so.
    let n = app.get("/api/v1/notices", &admin).await;
    let spray: Vec<&serde_json::Value> = n
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "auth.spray_suspected")
        .collect();
    assert_eq!(spray.len(), 1, "{}", n.text);
    assert_eq!(spray[0]["text"], "198.51.100.7");
    let raised = app
        .texts("SELECT action FROM audit_log WHERE action = 'auth.spray_suspected'")
        .await;
    assert_eq!(raised.len(), 1);
}
