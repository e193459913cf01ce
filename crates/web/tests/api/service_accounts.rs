//! Service accounts: other bank systems calling the API with tokens an administrator issues, from the
//! addresses on their list, with their role's few rights, every call audited.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    a_service_token_works_only_from_its_addresses_and_every_call_is_audited,
    a_service_account_holds_only_its_roles_rights_and_its_branch,
    rotation_keeps_old_tokens_for_the_overlap_and_revocation_ends_one_at_once,
    a_retried_creation_writes_one_account_and_never_shows_the_token_again,
    bad_input_names_the_field_and_only_administrators_manage_service_accounts,
];

/// Creates a service account as `admin`; returns the answer (account and token).
async fn create(app: &TestApp, admin: &str, body: Value) -> Value {
    let r = app.post("/api/v1/service-accounts", admin, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

/// Creates a service account as `admin`; returns its first token.
async fn token_of(app: &TestApp, admin: &str, body: Value) -> String {
    create(app, admin, body).await["token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

/// The usernames of a list of accounts.
fn usernames(r: &Resp) -> Vec<&str> {
    r.body
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["username"].as_str().expect("a username"))
        .collect()
}

/// A call with `token` as if from `addr`.
async fn call_from(app: &TestApp, path: &str, token: &str, addr: &str) -> Resp {
    app.req_h(
        Method::GET,
        path,
        Some(token),
        None,
        &[("x-forwarded-for", addr)],
    )
    .await
}

async fn a_service_token_works_only_from_its_addresses_and_every_call_is_audited(app: &TestApp) {
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let made = create(
        app,
        &admin,
        json!({"username": "core-feed", "display_name": "核心系统", "role": "core_feed",
               "allowed_sources": ["10.9.0.0/16", "192.168.7.7"], "token_days": 30}),
    )
    .await;
    let token = made["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("banyan_sa_"), "{token}");
    assert_eq!(
        made["account"]["allowed_sources"],
        json!(["10.9.0.0/16", "192.168.7.7"])
    );
    assert_eq!(
        made["account"]["permissions"],
        json!(["book.load", "metrics.write"])
    );
    let me = call_from(app, "/api/v1/me", &token, "10.9.200.1").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["role"], "core_feed");
    assert_eq!(
        call_from(app, "/api/v1/book/loads", &token, "192.168.7.7")
            .await
            .status,
        StatusCode::OK
    );
    // The same token from anywhere else does not exist.
    call_from(app, "/api/v1/me", &token, "10.8.0.1")
        .await
        .assert_problem(401, "unauthenticated");
    call_from(app, "/api/v1/me", &token, "192.168.7.8")
        .await
        .assert_problem(401, "unauthenticated");
    // Its page shows when the token was last used.
    let a = app.get("/api/v1/service-accounts/core-feed", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(
        a.body["tokens"][0]["last_used_at"].is_string(),
        "{}",
        a.text
    );
    assert_eq!(a.body["tokens"][0]["state"], "active");
    app.seal().await;
    let aud = app.login_as("aud", Role::Auditor, None).await;
    let calls = app.get("/api/v1/audit?action=service.call", &aud).await;
    let calls = calls.body["items"].as_array().unwrap().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|c| c["actor"] == "core-feed"));
    let what: Vec<&str> = calls
        .iter()
        .map(|c| c["detail"]["call"].as_str().unwrap())
        .collect();
    assert!(
        what.contains(&"GET /api/v1/me") && what.contains(&"GET /api/v1/book/loads"),
        "{what:?}"
    );
    let refused = app
        .get("/api/v1/audit?action=auth.source_refused", &aud)
        .await;
    let refused = refused.body["items"].as_array().unwrap().clone();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert_eq!(refused[0]["actor"], "core-feed");
    let created = app.get("/api/v1/audit?action=service.create", &aud).await;
    assert_eq!(
        created.body["items"][0]["actor"], "admin1",
        "{}",
        created.text
    );
}

async fn a_service_account_holds_only_its_roles_rights_and_its_branch(app: &TestApp) {
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = verified_individual(app, &rm, "13812340001", 801).await;
    let bank = token_of(
        app,
        &admin,
        json!({"username": "dw", "display_name": "数据仓库", "role": "data_warehouse",
               "allowed_sources": ["127.0.0.1", "::1"]}),
    )
    .await;
    let narrow = token_of(
        app,
        &admin,
        json!({"username": "dw-br2", "display_name": "二分行数据集市", "role": "data_warehouse",
               "branch_code": "BR0002", "allowed_sources": ["127.0.0.1", "::1"]}),
    )
    .await;
    let all = app.get("/api/v1/customers", &bank).await;
    assert_eq!(
        all.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        all.text
    );
    assert_eq!(
        app.get(&format!("/api/v1/customers/{id}"), &bank)
            .await
            .status,
        StatusCode::OK
    );
    // Narrowed to another branch: the customer does not exist for it.
    let none = app.get("/api/v1/customers", &narrow).await;
    assert_eq!(
        none.body["items"].as_array().unwrap().len(),
        0,
        "{}",
        none.text
    );
    app.get(&format!("/api/v1/customers/{id}"), &narrow)
        .await
        .assert_problem(404, "not_found");
    // Reading is all it may do.
    app.post(
        "/api/v1/customers",
        &bank,
        individual("李四", &resident_id("19850505", 12), "13912340002"),
    )
    .await
    .assert_problem(403, "permission_denied");
    app.post(
        "/api/v1/staff",
        &bank,
        json!({"username": "x", "role": "admin", "password": PASSWORD}),
    )
    .await
    .assert_problem(403, "permission_denied");
    // It never signs in with a password and is not among the people.
    app.req(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "dw", "password": ""})),
    )
    .await
    .assert_problem(401, "bad_credentials");
    let people = app.get("/api/v1/staff", &admin).await;
    let names = usernames(&people);
    assert!(
        !names.contains(&"dw") && names.contains(&"rm1"),
        "{names:?}"
    );
    let accounts = app.get("/api/v1/service-accounts", &admin).await;
    let names = usernames(&accounts);
    assert_eq!(names, vec!["dw", "dw-br2"]);
    // Disabled: its tokens stop at once.
    let d = app
        .post("/api/v1/service-accounts/dw/disable", &admin, json!({}))
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    assert_eq!(d.body["tokens"][0]["state"], "revoked");
    app.get("/api/v1/customers", &bank)
        .await
        .assert_problem(401, "unauthenticated");
}

async fn rotation_keeps_old_tokens_for_the_overlap_and_revocation_ends_one_at_once(app: &TestApp) {
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let first = token_of(
        app,
        &admin,
        json!({"username": "cc", "display_name": "呼叫中心", "role": "call_centre",
               "allowed_sources": ["127.0.0.0/8", "::1"]}),
    )
    .await;
    // A rotation with a day's overlap: both work.
    let r = app
        .post(
            "/api/v1/service-accounts/cc/tokens",
            &admin,
            json!({"token_days": 30, "overlap_hours": 24}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let second = r.body["token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    for t in [&first, &second] {
        assert_eq!(app.get("/api/v1/me", t).await.status, StatusCode::OK);
    }
    let tokens = r.body["account"]["tokens"].as_array().unwrap().clone();
    assert_eq!(tokens.len(), 2);
    // A rotation that ends the others now: only the newest works.
    let r = app
        .post(
            "/api/v1/service-accounts/cc/tokens",
            &admin,
            json!({"overlap_hours": 0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let third = r.body["token"].as_str().unwrap().to_owned();
    for t in [&first, &second] {
        app.get("/api/v1/me", t)
            .await
            .assert_problem(401, "unauthenticated");
    }
    assert_eq!(app.get("/api/v1/me", &third).await.status, StatusCode::OK);
    let states: Vec<&str> = r.body["account"]["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["active", "expired", "expired"]);
    // Revoking the live one ends it at once; revoking it again finds nothing to revoke.
    let live = r.body["account"]["tokens"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = app
        .post(
            &format!("/api/v1/service-accounts/cc/tokens/{live}/revoke"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    assert_eq!(v.body["tokens"][0]["state"], "revoked");
    app.get("/api/v1/me", &third)
        .await
        .assert_problem(401, "unauthenticated");
    app.post(
        &format!("/api/v1/service-accounts/cc/tokens/{live}/revoke"),
        &admin,
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    // The allow-list can be changed: from now on the old address is refused.
    let r = app
        .post("/api/v1/service-accounts/cc/tokens", &admin, json!({}))
        .await;
    let fourth = r.body["token"].as_str().unwrap().to_owned();
    let s = app
        .req(
            Method::PUT,
            "/api/v1/service-accounts/cc/sources",
            Some(&admin),
            Some(json!({"allowed_sources": ["10.1.1.0/24"]})),
        )
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    app.get("/api/v1/me", &fourth)
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(
        call_from(app, "/api/v1/me", &fourth, "10.1.1.9")
            .await
            .status,
        StatusCode::OK
    );
}

async fn a_retried_creation_writes_one_account_and_never_shows_the_token_again(app: &TestApp) {
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let body = json!({"username": "core", "display_name": "核心系统", "role": "core_feed",
                      "allowed_sources": ["127.0.0.1"]});
    let send = || {
        app.req_h(
            Method::POST,
            "/api/v1/service-accounts",
            Some(&admin),
            Some(body.clone()),
            &[("idempotency-key", "sa-create-1")],
        )
    };
    let one = send().await;
    assert_eq!(one.status, StatusCode::CREATED, "{}", one.text);
    assert!(one.body["token"].is_string());
    let two = send().await;
    assert_eq!(two.status, StatusCode::CREATED, "{}", two.text);
    assert!(
        two.body["token"].is_null(),
        "a replay must not show the token: {}",
        two.text
    );
    assert_eq!(two.body["account"]["id"], one.body["account"]["id"]);
    assert_eq!(
        app.get("/api/v1/service-accounts", &admin)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // No token is kept anywhere in the database: only its hash.
    let token = one.body["token"].as_str().unwrap();
    let stored = app
        .texts("SELECT response FROM idempotency_keys")
        .await
        .join("\n");
    assert!(!stored.contains(token));
}

async fn bad_input_names_the_field_and_only_administrators_manage_service_accounts(app: &TestApp) {
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let base = json!({"username": "svc", "display_name": "系统", "role": "core_feed",
                      "allowed_sources": ["10.0.0.0/8"]});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, field, rule) in [
        (
            with("allowed_sources", json!(["10.0.0.0/8", "10.1.2.3/16"])),
            "allowed_sources[1]",
            "format",
        ),
        (
            with("allowed_sources", json!([])),
            "allowed_sources",
            "required",
        ),
        (with("token_days", json!(400)), "token_days", "range"),
        (
            with("role", json!("relationship_manager")),
            "role",
            "one_of",
        ),
        (with("display_name", json!(" ")), "display_name", "length"),
        (with("username", json!("a b")), "username", "format"),
        (with("branch_code", json!("分行")), "branch_code", "format"),
    ] {
        let r = app.post("/api/v1/service-accounts", &admin, body).await;
        r.assert_problem(422, "validation");
        assert!(
            r.field_errors().contains(&(field.into(), rule.into())),
            "{field}: {}",
            r.text
        );
    }
    // Nothing was half-written.
    assert_eq!(
        app.get("/api/v1/service-accounts", &admin).await.body,
        json!([])
    );
    // A person cannot be given a service role.
    let r = app
        .post(
            "/api/v1/staff",
            &admin,
            json!({"username": "p1", "role": "core_feed", "password": PASSWORD}),
        )
        .await;
    assert!(
        r.field_errors().contains(&("role".into(), "one_of".into())),
        "{}",
        r.text
    );
    create(app, &admin, base.clone()).await;
    let r = app
        .post("/api/v1/service-accounts", &admin, base.clone())
        .await;
    r.assert_problem(409, "duplicate_username");
    let r = app
        .post(
            "/api/v1/service-accounts/svc/tokens",
            &admin,
            json!({"overlap_hours": 200}),
        )
        .await;
    assert!(
        r.field_errors()
            .contains(&("overlap_hours".into(), "range".into())),
        "{}",
        r.text
    );
    // A person's username is no service account; others may not even look.
    app.get("/api/v1/service-accounts/admin1", &admin)
        .await
        .assert_problem(404, "not_found");
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    app.get("/api/v1/service-accounts", &sup)
        .await
        .assert_problem(403, "permission_denied");
    app.post("/api/v1/service-accounts/svc/tokens", &sup, json!({}))
        .await
        .assert_problem(403, "permission_denied");
}
