//! The second factor for local accounts: TOTP codes from an authenticator app, good once, reset by an
//! administrator.

use crate::harness::*;
use banyan_app::access::totp::{code_at_step, step_of};
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::tests![
    with_a_second_factor_a_sign_in_needs_a_current_code_good_once,
    an_administrator_resets_a_lost_second_factor_but_not_their_own,
    wrong_codes_pause_code_entry_for_the_account_from_every_address,
    a_role_that_must_have_a_second_factor_opens_only_its_enrolment,
    a_recovery_code_signs_in_once_in_place_of_the_apps_code,
];

/// RFC 4648 base32 (no padding) back to bytes, as an authenticator app reads the secret.
fn unbase32(s: &str) -> Vec<u8> {
    const A: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut out, mut buf, mut bits) = (Vec::new(), 0u32, 0u32);
    for c in s.chars() {
        buf = (buf << 5) | A.find(c).expect("base32") as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

fn code(secret: &[u8], step: i64) -> String {
    format!("{:06}", code_at_step(secret, step).unwrap())
}

async fn login_with(app: &TestApp, user: &str, totp: Option<&str>) -> Resp {
    app.req(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": user, "password": PASSWORD, "totp": totp})),
    )
    .await
}

/// Enrols `user` (signed in with `token`); returns the secret.
async fn enrol(app: &TestApp, token: &str) -> Vec<u8> {
    let r = app
        .post("/api/v1/me/totp", token, json!({"password": PASSWORD}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let uri = r.body["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Banyan%3A") && uri.contains("period=30"),
        "{uri}"
    );
    let secret = unbase32(r.body["secret"].as_str().unwrap());
    assert_eq!(secret.len(), 20);
    let now = step_of(jiff::Timestamp::now().as_second());
    let r = app
        .post(
            "/api/v1/me/totp/confirm",
            token,
            json!({"code": code(&secret, now)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["enabled"], true);
    secret
}

async fn with_a_second_factor_a_sign_in_needs_a_current_code_good_once(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    assert_eq!(app.get("/api/v1/me/totp", &rm).await.body["enabled"], false);
    // Beginning asks the password (a stolen session alone cannot enrol the thief's phone).
    let r = app
        .post(
            "/api/v1/me/totp",
            &rm,
            json!({"password": "not-the-password"}),
        )
        .await;
    assert!(
        r.field_errors()
            .contains(&("password".into(), "mismatch".into())),
        "{}",
        r.text
    );
    // A wrong first code does not turn it on.
    app.post("/api/v1/me/totp", &rm, json!({"password": PASSWORD}))
        .await;
    let r = app
        .post("/api/v1/me/totp/confirm", &rm, json!({"code": "12x456"}))
        .await;
    r.assert_problem(422, "validation");
    assert!(
        r.field_errors().contains(&("code".into(), "totp".into())),
        "{}",
        r.text
    );
    assert_eq!(app.get("/api/v1/me/totp", &rm).await.body["enabled"], false);
    // Until confirmed, the password alone still signs in.
    assert_eq!(login_with(app, "rm1", None).await.status, StatusCode::OK);
    let secret = enrol(app, &rm).await;
    // Turning it on ended the sessions and tokens signed in without it, this one too.
    app.get("/api/v1/me", &rm)
        .await
        .assert_problem(401, "unauthenticated");
    // Now the password alone, or with a wrong code, is refused alike.
    login_with(app, "rm1", None)
        .await
        .assert_problem(401, "bad_credentials");
    let now = step_of(jiff::Timestamp::now().as_second());
    let wrong = format!(
        "{:06}",
        (code_at_step(&secret, now).unwrap() + 1) % 1_000_000
    );
    login_with(app, "rm1", Some(&wrong))
        .await
        .assert_problem(401, "bad_credentials");
    // The confirming code's step was used; the next step's code (a clock a little ahead) is good, once.
    let next = code(&secret, now + 1);
    let ok = login_with(app, "rm1", Some(&next)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    login_with(app, "rm1", Some(&next))
        .await
        .assert_problem(401, "bad_credentials");
    // Moving to another app asks a current code of this one as well as the password.
    let token = ok.body["token"].as_str().unwrap();
    let r = app
        .post("/api/v1/me/totp", token, json!({"password": PASSWORD}))
        .await;
    assert!(
        r.field_errors()
            .contains(&("current_code".into(), "totp".into())),
        "{}",
        r.text
    );
    let r = app
        .post(
            "/api/v1/me/totp",
            token,
            json!({"password": PASSWORD, "current_code": next}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.seal().await;
    let aud = app.login_as("aud", Role::Auditor, None).await;
    let f = app
        .get("/api/v1/audit?action=auth.login_failed", &aud)
        .await;
    let mut reasons: Vec<&str> = f.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["detail"]["reason"].as_str().unwrap())
        .collect();
    reasons.sort_unstable();
    assert_eq!(reasons, vec!["totp_missing", "totp_reused", "totp_wrong"]);
    let e = app.get("/api/v1/audit?action=auth.totp_enable", &aud).await;
    assert_eq!(e.body["items"].as_array().unwrap().len(), 1, "{}", e.text);
}

async fn an_administrator_resets_a_lost_second_factor_but_not_their_own(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let secret_of_rm = enrol(app, &rm).await;
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let staff = app.get("/api/v1/staff", &admin).await;
    let rm1 = staff
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["username"] == "rm1")
        .unwrap()
        .clone();
    assert_eq!(rm1["second_factor"], true);
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    app.post("/api/v1/staff/rm1/totp/reset", &sup, json!({}))
        .await
        .assert_problem(403, "permission_denied");
    let before = login_with(
        app,
        "rm1",
        Some(&code(
            &secret_of_rm,
            step_of(jiff::Timestamp::now().as_second()) + 1,
        )),
    )
    .await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    let kept = before.body["token"].as_str().unwrap().to_owned();
    let r = app
        .post("/api/v1/staff/rm1/totp/reset", &admin, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    // Whoever holds the lost phone may hold a session too: the account's tokens ended.
    app.get("/api/v1/me", &kept)
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(login_with(app, "rm1", None).await.status, StatusCode::OK);
    let mine = enrol(app, &admin).await;
    let step = step_of(jiff::Timestamp::now().as_second()) + 1;
    let again = login_with(app, "admin1", Some(&code(&mine, step))).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    let admin = again.body["token"].as_str().unwrap().to_owned();
    app.post("/api/v1/staff/admin1/totp/reset", &admin, json!({}))
        .await
        .assert_problem(409, "cannot_reset_self");
    app.post("/api/v1/staff/nobody/totp/reset", &admin, json!({}))
        .await
        .assert_problem(404, "not_found");
    // A service account has no second factor to enrol.
    let made = app
        .post(
            "/api/v1/service-accounts",
            &admin,
            json!({"username": "dw", "display_name": "数据仓库", "role": "data_warehouse",
                   "allowed_sources": ["127.0.0.1", "::1"]}),
        )
        .await;
    let token = made.body["token"].as_str().unwrap();
    app.post("/api/v1/me/totp", token, json!({"password": "x"}))
        .await
        .assert_problem(409, "service_account");
}

async fn wrong_codes_pause_code_entry_for_the_account_from_every_address(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let secret = enrol(app, &rm).await;
    let from = |addr: String, totp: String| async move {
        app.req_h(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "rm1", "password": PASSWORD, "totp": totp})),
            &[("x-forwarded-for", &addr)],
        )
        .await
    };
    let now = step_of(jiff::Timestamp::now().as_second());
    let wrong = format!(
        "{:06}",
        (code_at_step(&secret, now).unwrap() + 500_000) % 1_000_000
    );
    // One wrong code from each of five addresses: no address reaches its own limit...
    for i in 0..5 {
        from(format!("10.0.0.{i}"), wrong.clone())
            .await
            .assert_problem(401, "bad_credentials");
    }
    // ...but the account's code entry pauses: the right code from a sixth address is refused too.
    let good = code(&secret, now + 1);
    from("10.0.1.1".into(), good.clone())
        .await
        .assert_problem(401, "bad_credentials");
    let paused = app
        .texts("SELECT detail FROM audit_log WHERE action = 'auth.totp_locked'")
        .await;
    assert_eq!(paused.len(), 1, "{paused:?}");
    assert!(paused[0].contains("\"minutes\":15"), "{paused:?}");
    // When the pause is over (its end moved into the past) the right code signs in.
    app.sql("UPDATE staff SET totp_locked_until_us = 1 WHERE username = 'rm1'")
        .await;
    let ok = from("10.0.1.2".into(), good).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    // A session with the password cannot guess codes on the account's page either: the same count and pause.
    let token = ok.body["token"].as_str().unwrap().to_owned();
    let now = step_of(jiff::Timestamp::now().as_second());
    let wrong = format!(
        "{:06}",
        (code_at_step(&secret, now).unwrap() + 500_000) % 1_000_000
    );
    for _ in 0..5 {
        let r = app
            .post(
                "/api/v1/me/totp",
                &token,
                json!({"password": PASSWORD, "current_code": wrong}),
            )
            .await;
        assert_eq!(
            r.field_errors(),
            vec![("current_code".to_owned(), "totp".to_owned())]
        );
    }
    let r = app
        .post(
            "/api/v1/me/totp",
            &token,
            json!({"password": PASSWORD, "current_code": code(&secret, now)}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("current_code".to_owned(), "paused".to_owned())]
    );
    // That pause over, five more wrong codes with no good one between: the next pause is twice as long
    // (a good sign-in before the page's pause had started the count again).
    app.sql("UPDATE staff SET totp_locked_until_us = 1 WHERE username = 'rm1'")
        .await;
    for _ in 0..5 {
        app.post(
            "/api/v1/me/totp",
            &token,
            json!({"password": PASSWORD, "current_code": wrong}),
        )
        .await;
    }
    let mut paused: Vec<String> = app
        .texts("SELECT detail FROM audit_log WHERE action = 'auth.totp_locked'")
        .await
        .into_iter()
        .map(|d| {
            let v: serde_json::Value = serde_json::from_str(&d).unwrap();
            v["minutes"].to_string()
        })
        .collect();
    paused.sort();
    assert_eq!(paused, vec!["15", "15", "30"]);
    let until: i64 = app
        .texts("SELECT CAST(totp_locked_until_us AS TEXT) FROM staff WHERE username = 'rm1'")
        .await[0]
        .parse()
        .unwrap();
    let left = until - jiff::Timestamp::now().as_microsecond();
    assert!(
        (29 * 60_000_000..=30 * 60_000_000).contains(&left),
        "{left} µs left"
    );
}

async fn a_role_that_must_have_a_second_factor_opens_only_its_enrolment(app: &TestApp) {
    use banyan_domain::policy::{DEFAULT_POLICY_TOML, Policy};
    let mut p = Policy::from_toml(DEFAULT_POLICY_TOML).unwrap();
    p.access.second_factor_roles = vec![Role::Supervisor];
    banyan_app::segments::apply(
        &app.app,
        &banyan_app::access::Actor::system_as("test", Role::Admin),
        p,
    )
    .await
    .unwrap();
    app.staff("sup1", Role::Supervisor, Some("BR0001")).await;
    // No API token until the second factor is set up; other roles are not asked.
    login_with(app, "sup1", None)
        .await
        .assert_problem(403, "second_factor_required");
    app.login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    // In the workbench the password opens the enrolment page only.
    let (cookie, session) =
        banyan_app::access::web_login(&app.app, "sup1", PASSWORD, None, "zh-CN", "127.0.0.1")
            .await
            .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &str| {
        browser
            .get(format!("{}{path}", app.base))
            .header("cookie", format!("banyan_session={cookie}"))
            .send()
    };
    for path in ["/", "/customers", "/cases"] {
        let r = get(path).await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.headers()["location"], "/account/security", "{path}");
    }
    let page = get("/account/security").await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("您的岗位要求启用双重验证")
    );
    // Enrolling on that page (the password, then the app's first code) opens the workbench.
    let post = |path: &str, form: Vec<(&str, String)>| {
        browser
            .post(format!("{}{path}", app.base))
            .header("cookie", format!("banyan_session={cookie}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).unwrap())
            .send()
    };
    let begun = post(
        "/account/security/totp",
        vec![
            ("_csrf", session.csrf.clone()),
            ("password", PASSWORD.into()),
        ],
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let shown = begun
        .split("id=\"totp-secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the secret on the page");
    let secret = unbase32(&shown.replace(' ', ""));
    let now = step_of(jiff::Timestamp::now().as_second());
    let done = post(
        "/account/security/totp/confirm",
        vec![
            ("_csrf", session.csrf.clone()),
            ("code", code(&secret, now)),
        ],
    )
    .await
    .unwrap();
    assert!(done.status().is_redirection() || done.status().is_success());
    // Turning it on ended this session (as every enrolment does); the next sign-in, with a code, works.
    let (cookie, _) = banyan_app::access::web_login(
        &app.app,
        "sup1",
        PASSWORD,
        Some(&code(&secret, now + 1)),
        "zh-CN",
        "127.0.0.1",
    )
    .await
    .unwrap();
    let home = browser
        .get(format!("{}/", app.base))
        .header("cookie", format!("banyan_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), StatusCode::OK);
}

async fn a_recovery_code_signs_in_once_in_place_of_the_apps_code(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let r = app
        .post("/api/v1/me/totp", &rm, json!({"password": PASSWORD}))
        .await;
    let secret = unbase32(r.body["secret"].as_str().unwrap());
    let now = step_of(jiff::Timestamp::now().as_second());
    let r = app
        .post(
            "/api/v1/me/totp/confirm",
            &rm,
            json!({"code": code(&secret, now)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Ten codes, shown in this answer only.
    let codes: Vec<String> = r.body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'),
        "{codes:?}"
    );
    assert_eq!(r.body["recovery_left"], 10);
    // In place of the app's code (as typed: lower case, without the dash) it signs in...
    let typed = codes[0].to_lowercase().replace('-', "");
    let ok = login_with(app, "rm1", Some(&typed)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let token = ok.body["token"].as_str().unwrap().to_owned();
    // ...once.
    login_with(app, "rm1", Some(&codes[0]))
        .await
        .assert_problem(401, "bad_credentials");
    // A made-up one is a failure like a wrong code, recorded with its reason.
    login_with(app, "rm1", Some("ABCDE-FGHJK"))
        .await
        .assert_problem(401, "bad_credentials");
    let failed = app
        .texts("SELECT detail FROM audit_log WHERE action = 'auth.login_failed'")
        .await;
    assert!(
        failed.iter().any(|d| d.contains("recovery_wrong")),
        "{failed:?}"
    );
    let used = app
        .texts("SELECT detail FROM audit_log WHERE action = 'auth.recovery_code_used'")
        .await;
    assert_eq!(used.len(), 1);
    assert!(used[0].contains("\"left\":9"), "{used:?}");
    // The account's page says how many are left, and never shows them again.
    let st = app.get("/api/v1/me/totp", &token).await;
    assert_eq!(st.body["recovery_left"], 9);
    assert!(st.body.get("recovery_codes").is_none(), "{}", st.text);
    // An administrator's reset ends them with the factor.
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let r = app
        .post("/api/v1/staff/rm1/totp/reset", &admin, json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(app.count("staff_recovery_codes").await, 0);
}
