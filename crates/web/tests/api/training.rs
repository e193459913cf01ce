//! Staff training: a supervisor keeps the course catalogue, schedules sessions for the people of the
//! branch and records attendance, scores and certificates; each person's record shows what is due (a
//! course mandatory for the role, a programme's courses) and where it stands (due, overdue, expiring,
//! done); the hours and the scores count on the scorecard and drill down to the sessions; everything is
//! read within reach and audited.

use crate::harness::*;
use banyan_domain::access::Role;
use banyan_domain::wealth::kpi::Period;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    a_session_recorded_makes_the_record_what_is_due_and_the_scorecards_training_figures,
    a_programme_falls_due_by_its_weeks_and_a_certificate_expires_on_time,
    a_person_signs_up_for_a_session_ahead_of_their_branch_once,
    the_night_reminds_a_person_of_what_falls_due_once_a_month,
];

fn today() -> jiff::civil::Date {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    jiff::Timestamp::now().to_zoned(tz).date()
}

fn days(d: jiff::civil::Date, n: i64) -> jiff::civil::Date {
    d.checked_add(jiff::Span::new().days(n)).unwrap()
}

fn security() -> Value {
    json!({"code": "SEC-ANNUAL", "title": "信息安全年度培训", "title_en": "Yearly information security",
           "kind": "in_service", "topic": "info_security", "hours": 2.5, "pass_score": 80,
           "valid_months": 12, "mandatory_for": ["relationship_manager", "wealth_manager"],
           "refresh_months": 12})
}

fn due_of<'a>(record: &'a Value, course: &str) -> &'a Value {
    record["due"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["course"] == course)
        .unwrap_or_else(|| panic!("{course} due in {record}"))
}

fn line<'a>(card: &'a Value, kpi: &str) -> &'a Value {
    card["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kpi"] == kpi)
        .unwrap_or_else(|| panic!("{kpi} in {card}"))
}

async fn a_session_recorded_makes_the_record_what_is_due_and_the_scorecards_training_figures(
    app: &TestApp,
) {
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.login_as("wm1", Role::WealthManager, Some("BR0001"))
        .await;
    app.login_as("rm3", Role::RelationshipManager, Some("BR0002"))
        .await;
    let (rm1, rm2, wm1, rm3) = (
        app.staff_id("rm1").await,
        app.staff_id("rm2").await,
        app.staff_id("wm1").await,
        app.staff_id("rm3").await,
    );
    let url = "/api/v1/performance/training/courses";

    // Only a supervisor keeps the catalogue; a bad course is refused naming each field.
    app.post(url, &rm, security())
        .await
        .assert_problem(403, "permission_denied");
    let bad = app
        .post(
            url,
            &sup,
            json!({"code": "sec", "title": "外部", "kind": "external", "topic": "risk", "hours": 0.3,
                   "pass_score": 0}),
        )
        .await;
    bad.assert_problem(422, "validation");
    let fields: Vec<String> = bad.field_errors().into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        ["code", "hours", "provider", "pass_score"],
        "{}",
        bad.text
    );
    // A retry with the same key answers the first time's course and writes it once.
    let key = [("Idempotency-Key", "course-sec-1")];
    let first = app
        .req_h(Method::POST, url, Some(&sup), Some(security()), &key)
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = app
        .req_h(Method::POST, url, Some(&sup), Some(security()), &key)
        .await;
    assert_eq!(again.body, first.body);
    assert_eq!(app.count("training_courses").await, 1);
    app.post(url, &sup, security())
        .await
        .assert_problem(409, "duplicate_code");

    // A session last quarter for three of the branch; someone of another branch is unknown to it.
    let q = Period::quarter_of(today()).previous();
    let held = days(q.days().0, 20);
    let sessions = "/api/v1/performance/training/sessions";
    let r = app
        .post(
            sessions,
            &sup,
            json!({"course": "SEC-ANNUAL", "held_on": held.to_string(), "people": [rm3]}),
        )
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors(), [("people[0]".into(), "unknown".into())]);
    let s = app
        .post(
            sessions,
            &sup,
            json!({"course": "SEC-ANNUAL", "held_on": held.to_string(), "place": "BR0001 培训室",
                   "people": [rm1, rm2, wm1]}),
        )
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.text);
    let id = s.body["id"].as_str().unwrap().to_owned();
    let attendance = format!("{sessions}/{id}/attendance");
    // A certificate for someone who did not pass is refused; nothing is written.
    let r = app
        .post(
            &attendance,
            &sup,
            json!({"people": [
                {"staff_id": rm1, "attendance": "attended", "score": 92, "certificate_no": "SEC-1"},
                {"staff_id": rm2, "attendance": "attended", "score": 70, "certificate_no": "SEC-2"}]}),
        )
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(
        r.field_errors(),
        [("people[1].certificate_no".into(), "not_completed".into())]
    );
    let r = app
        .post(
            &attendance,
            &sup,
            json!({"people": [
                {"staff_id": rm1, "attendance": "attended", "score": 92, "certificate_no": "SEC-1"},
                {"staff_id": rm2, "attendance": "attended", "score": 70},
                {"staff_id": wm1, "attendance": "attended", "score": 85, "certificate_no": "SEC-3"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let people = r.body["people"].as_array().unwrap();
    let of = |id: &str| people.iter().find(|p| p["staff_id"] == id).unwrap();
    let expires = held
        .checked_add(jiff::Span::new().months(12))
        .unwrap()
        .to_string();
    assert_eq!(of(&rm1)["completed"], true);
    assert_eq!(of(&rm1)["expires_on"], expires.as_str());
    assert_eq!(of(&rm2)["completed"], false);
    assert_eq!(of(&rm2)["expires_on"], Value::Null);

    // A session not yet held cannot be recorded.
    let later = app
        .post(
            sessions,
            &sup,
            json!({"course": "SEC-ANNUAL", "held_on": days(today(), 7).to_string(), "people": [rm2]}),
        )
        .await;
    let later_id = later.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("{sessions}/{later_id}/attendance"),
            &sup,
            json!({"people": [{"staff_id": rm2, "attendance": "attended", "score": 90}]}),
        )
        .await;
    assert_eq!(r.field_errors(), [("held_on".into(), "not_held".into())]);

    // rm1's own record: the session with its hours and certificate; the mandatory course done until the
    // certificate expires.
    let rec = app
        .get(&format!("/api/v1/performance/training/people/{rm1}"), &rm)
        .await;
    assert_eq!(rec.status, StatusCode::OK, "{}", rec.text);
    assert_eq!(rec.body["sessions"][0]["hours"], 2.5, "{}", rec.text);
    assert_eq!(rec.body["sessions"][0]["certificate_no"], "SEC-1");
    let sec = due_of(&rec.body, "SEC-ANNUAL");
    assert_eq!(sec["why"], "mandatory");
    assert!(
        sec["state"] == "done" || sec["state"] == "expiring",
        "{sec}"
    );
    assert_eq!(sec["on"], expires.as_str());
    // rm2 failed the assessment: still due, within the grace days of the course becoming mandatory today.
    let rec2 = app
        .get(&format!("/api/v1/performance/training/people/{rm2}"), &sup)
        .await;
    let sec2 = due_of(&rec2.body, "SEC-ANNUAL");
    assert_eq!(sec2["state"], "due", "{sec2}");
    assert_eq!(sec2["on"], days(today(), 90).to_string());
    // Someone else's record is not found: another person's for rm1, another branch's for the supervisor.
    app.get(&format!("/api/v1/performance/training/people/{rm2}"), &rm)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/performance/training/people/{rm3}"), &sup)
        .await
        .assert_problem(404, "not_found");
    // The supervisor's overview counts each person's hours and what is due.
    let o = app.get("/api/v1/performance/training/people", &sup).await;
    let row = |id: &str| {
        o.body["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["staff_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(row(&rm2)["due"], 1, "{}", o.text);
    assert_eq!(row(&wm1)["certificates"], 1, "{}", o.text);
    assert!(
        !o.text.contains(&rm3),
        "another branch's person: {}",
        o.text
    );

    // The scorecards of the quarter: rm1's training hours, wm1's assessment score against 80.
    let card = app
        .get(
            &format!("/api/v1/performance/scorecards/{rm1}?period={}", q.code()),
            &sup,
        )
        .await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.text);
    let hours = line(&card.body["card"], "training_hours");
    assert_eq!(hours["numerator"], 150, "{hours}");
    assert_eq!(hours["figure"], 2.5, "{hours}");
    let records: Vec<&Value> = card.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kpi"] == "training_hours")
        .collect();
    assert_eq!(records.len(), 1, "{}", card.text);
    assert_eq!(records[0]["reference"], "SEC-ANNUAL");
    assert_eq!(records[0]["day"], held.to_string());
    let wcard = app
        .get(
            &format!("/api/v1/performance/scorecards/{wm1}?period={}", q.code()),
            &sup,
        )
        .await;
    let score = line(&wcard.body["card"], "assessment_score");
    assert_eq!(score["figure"], 85.0, "{score}");
    assert!(
        (score["attainment"].as_f64().unwrap() - 85.0 * 100.0 / 80.0).abs() < 0.01,
        "{score}"
    );
    // Each write audited.
    let actions = app
        .texts("SELECT action FROM audit_log WHERE action LIKE 'training.%' ORDER BY seq")
        .await;
    assert_eq!(
        actions,
        [
            "training.course",
            "training.session",
            "training.attendance",
            "training.attendance",
            "training.attendance",
            "training.session",
        ]
    );
}

async fn a_programme_falls_due_by_its_weeks_and_a_certificate_expires_on_time(app: &TestApp) {
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    app.login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm1 = app.staff_id("rm1").await;
    let url = "/api/v1/performance/training/courses";
    let basics = json!({"code": "BASIC-101", "title": "客户管理基础", "kind": "induction",
                        "topic": "basics", "hours": 16});
    let r = app.post(url, &sup, basics.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        app.post(url, &sup, security()).await.status,
        StatusCode::CREATED
    );
    // A programme names courses of the catalogue.
    let programmes = "/api/v1/performance/training/programmes";
    let r = app
        .post(
            programmes,
            &sup,
            json!({"code": "NEW-RM", "title": "新员工培训", "weeks": 2, "courses": ["NOPE"]}),
        )
        .await;
    assert_eq!(r.field_errors(), [("courses[0]".into(), "unknown".into())]);
    let r = app
        .post(
            programmes,
            &sup,
            json!({"code": "NEW-RM", "title": "新员工培训", "weeks": 2,
                   "roles": ["relationship_manager"], "courses": ["BASIC-101"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Enrolled 30 days ago for two weeks: its course is overdue since the programme's last day.
    let start = days(today(), -30);
    let enrol = json!({"programme": "NEW-RM", "staff_id": rm1, "starts_on": start.to_string()});
    let r = app
        .post(
            "/api/v1/performance/training/enrolments",
            &sup,
            enrol.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["ends_on"], days(start, 13).to_string());
    app.post("/api/v1/performance/training/enrolments", &sup, enrol)
        .await
        .assert_problem(409, "already_enrolled");
    // The security certificate earned 330 days ago expires in about a month: expiring.
    let sessions = "/api/v1/performance/training/sessions";
    let s = app
        .post(
            sessions,
            &sup,
            json!({"course": "SEC-ANNUAL", "held_on": days(today(), -330).to_string(), "people": [rm1]}),
        )
        .await;
    let id = s.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("{sessions}/{id}/attendance"),
            &sup,
            json!({"people": [{"staff_id": rm1, "attendance": "attended", "score": 95,
                               "certificate_no": "SEC-9"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rec = app
        .get(&format!("/api/v1/performance/training/people/{rm1}"), &sup)
        .await;
    let basics_due = due_of(&rec.body, "BASIC-101");
    assert_eq!(
        (
            basics_due["why"].as_str(),
            basics_due["programme"].as_str(),
            basics_due["state"].as_str()
        ),
        (Some("programme"), Some("NEW-RM"), Some("overdue")),
        "{}",
        rec.text
    );
    assert_eq!(basics_due["on"], days(start, 13).to_string());
    let sec = due_of(&rec.body, "SEC-ANNUAL");
    assert_eq!(sec["state"], "expiring", "{sec}");
    // The most pressing first.
    assert_eq!(rec.body["due"][0]["state"], "overdue", "{}", rec.text);
    assert_eq!(rec.body["enrolments"][0]["completed"], 0);

    // A course changes at the version read; a stale version is refused; the change is audited by field.
    let change = |v: i64, hours: f64| {
        let mut c = basics.clone();
        c["hours"] = json!(hours);
        json!({"version": v, "course": c})
    };
    let put = |body: Value| {
        app.req(
            Method::PUT,
            "/api/v1/performance/training/courses/BASIC-101",
            Some(&sup),
            Some(body),
        )
    };
    let r = put(change(1, 12.0)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.body["version"].as_i64(), r.body["hours"].as_f64()),
        (Some(2), Some(12.0))
    );
    put(change(1, 8.0))
        .await
        .assert_problem(409, "version_conflict");
    let detail = app
        .texts("SELECT detail FROM audit_log WHERE action = 'training.course' ORDER BY seq DESC")
        .await;
    assert!(
        detail.iter().any(|d| d.contains("\"fields\":[\"hours\"]")),
        "{detail:?}"
    );
}

async fn a_person_signs_up_for_a_session_ahead_of_their_branch_once(app: &TestApp) {
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let sup2 = app.login_as("sup2", Role::Supervisor, Some("BR0002")).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm3 = app
        .login_as("rm3", Role::RelationshipManager, Some("BR0002"))
        .await;
    let (rm1, other) = (app.staff_id("rm1").await, app.staff_id("rm2").await);
    let r = app
        .post("/api/v1/performance/training/courses", &sup, security())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let sessions = "/api/v1/performance/training/sessions";
    let schedule = |who: &'static str, day: jiff::civil::Date, people: Value| json!({"course": "SEC-ANNUAL", "held_on": day.to_string(), "place": who, "people": people});
    // BR0001's session next week (rm2 in it), one held last week, and BR0002's next week.
    let ahead = app
        .post(
            sessions,
            &sup,
            schedule("BR0001", days(today(), 7), json!([other])),
        )
        .await;
    assert_eq!(ahead.status, StatusCode::CREATED, "{}", ahead.text);
    let ahead = ahead.body["id"].as_str().unwrap().to_owned();
    let past = app
        .post(
            sessions,
            &sup,
            schedule("BR0001", days(today(), -7), json!([other])),
        )
        .await;
    let past = past.body["id"].as_str().unwrap().to_owned();
    let r3 = app.staff_id("rm3").await;
    let elsewhere = app
        .post(
            sessions,
            &sup2,
            schedule("BR0002", days(today(), 7), json!([r3])),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::CREATED, "{}", elsewhere.text);
    let elsewhere = elsewhere.body["id"].as_str().unwrap().to_owned();

    // rm1 sees only their branch's session ahead, not yet in it.
    let open = app
        .get("/api/v1/performance/training/open-sessions", &rm)
        .await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.text);
    let list = open.body.as_array().unwrap();
    assert_eq!(list.len(), 1, "{}", open.text);
    assert_eq!(
        (
            list[0]["id"].as_str(),
            list[0]["signed_up"].as_bool(),
            list[0]["people"].as_u64()
        ),
        (Some(ahead.as_str()), Some(false), Some(1))
    );
    // Signing up: once (a retry with the same key answers the same, writes nothing twice); again is a
    // conflict; the held session is closed; another branch's is not found.
    let sign = |id: &str| format!("{sessions}/{id}/sign-up");
    let key = [("Idempotency-Key", "sign-up-1")];
    let r = app
        .req_h(Method::POST, &sign(&ahead), Some(&rm), None, &key)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (r.body["signed_up"].as_bool(), r.body["people"].as_u64()),
        (Some(true), Some(2))
    );
    let again = app
        .req_h(Method::POST, &sign(&ahead), Some(&rm), None, &key)
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    app.req(Method::POST, &sign(&ahead), Some(&rm), None)
        .await
        .assert_problem(409, "already_signed_up");
    app.req(Method::POST, &sign(&past), Some(&rm), None)
        .await
        .assert_problem(409, "session_closed");
    app.req(Method::POST, &sign(&elsewhere), Some(&rm), None)
        .await
        .assert_problem(404, "not_found");
    // rm3 was put in their branch's session by its supervisor.
    app.req(Method::POST, &sign(&elsewhere), Some(&rm3), None)
        .await
        .assert_problem(409, "already_signed_up");
    // The session now has rm1 in it: the supervisor reads both; rm1's record lists it.
    let s = app.get(&format!("{sessions}/{ahead}"), &sup).await;
    let people: Vec<&str> = s.body["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["staff_id"].as_str().unwrap())
        .collect();
    assert_eq!(people.len(), 2, "{}", s.text);
    assert!(people.contains(&rm1.as_str()), "{}", s.text);
    let n = app
        .texts("SELECT action FROM audit_log WHERE action = 'training.sign_up'")
        .await;
    assert_eq!(n.len(), 1, "rm1's sign-up, once: {n:?}");

    // Withdrawing: rm1 takes their own place back (a retry answers the same); rm2's place was the supervisor's
    // to give and is not theirs to take back; the held session is closed; another branch's is not found.
    let withdraw = |id: &str| format!("{sessions}/{id}/withdraw");
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let key = [("Idempotency-Key", "withdraw-1")];
    let r = app
        .req_h(Method::POST, &withdraw(&ahead), Some(&rm), None, &key)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.body["signed_up"].as_bool(), r.body["people"].as_u64()),
        (Some(false), Some(1))
    );
    let again = app
        .req_h(Method::POST, &withdraw(&ahead), Some(&rm), None, &key)
        .await;
    assert_eq!(
        (again.status, again.body.clone()),
        (r.status, r.body.clone())
    );
    app.req(Method::POST, &withdraw(&ahead), Some(&rm), None)
        .await
        .assert_problem(409, "not_signed_up");
    app.req(Method::POST, &withdraw(&ahead), Some(&rm2), None)
        .await
        .assert_problem(409, "not_signed_up");
    app.req(Method::POST, &withdraw(&past), Some(&rm2), None)
        .await
        .assert_problem(409, "session_closed");
    app.req(Method::POST, &withdraw(&elsewhere), Some(&rm), None)
        .await
        .assert_problem(404, "not_found");
    let s = app.get(&format!("{sessions}/{ahead}"), &sup).await;
    assert_eq!(s.body["people"].as_array().unwrap().len(), 1, "{}", s.text);
    let n = app
        .texts("SELECT detail FROM audit_log WHERE action = 'training.withdraw'")
        .await;
    assert_eq!(n.len(), 1, "rm1's withdrawal, once: {n:?}");
    // Signed up again, the open list says it is theirs to withdraw.
    let r = app.req(Method::POST, &sign(&ahead), Some(&rm), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["self_signed"], true, "{}", r.text);
    let open = app
        .get("/api/v1/performance/training/open-sessions", &rm2)
        .await;
    assert_eq!(
        (
            open.body[0]["signed_up"].as_bool(),
            open.body[0]["self_signed"].as_bool()
        ),
        (Some(true), Some(false)),
        "{}",
        open.text
    );
}

/// The training notices of a person's home page: (kind, course title), sorted.
async fn training_notices(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let r = app.get("/api/v1/notices", token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut out: Vec<(String, String)> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"].as_str().unwrap().starts_with("training."))
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn the_night_reminds_a_person_of_what_falls_due_once_a_month(app: &TestApp) {
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let rm1_token = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let wm1_token = app
        .login_as("wm1", Role::WealthManager, Some("BR0001"))
        .await;
    let cs1_token = app
        .login_as("cs1", Role::CustomerService, Some("BR0001"))
        .await;
    let (rm1, wm1) = (app.staff_id("rm1").await, app.staff_id("wm1").await);
    let url = "/api/v1/performance/training/courses";
    let r = app.post(url, &sup, security()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // A course mandatory for every role from today, for a person who joined long ago: due within the grace
    // days — 90 days away, beyond the 60 days' warning, so not yet worth a reminder.
    let r = app
        .post(
            url,
            &sup,
            json!({"code": "AML-YEAR", "title": "反洗钱年度培训", "kind": "in_service", "topic": "compliance",
                   "hours": 2, "mandatory_for": ["relationship_manager", "wealth_manager"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // rm1's security certificate, earned 330 days ago, expires within the warning; wm1, who joined 200 days
    // ago, never took it and is past the 90 days' grace since it became mandatory (set back to 2020).
    app.sql("UPDATE training_courses SET mandatory_since = '2020-01-01' WHERE code = 'SEC-ANNUAL'")
        .await;
    app.sql(
        "UPDATE staff SET created_at_us = created_at_us - 17280000000000 WHERE username = 'wm1'",
    )
    .await;
    let s = app
        .post(
            "/api/v1/performance/training/sessions",
            &sup,
            json!({"course": "SEC-ANNUAL", "held_on": days(today(), -330).to_string(), "people": [rm1]}),
        )
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.text);
    let id = s.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/performance/training/sessions/{id}/attendance"),
            &sup,
            json!({"people": [{"staff_id": rm1, "attendance": "attended", "score": 95, "certificate_no": "SEC-1"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rec = app
        .get(&format!("/api/v1/performance/training/people/{wm1}"), &sup)
        .await;
    assert_eq!(
        due_of(&rec.body, "SEC-ANNUAL")["state"],
        "overdue",
        "{}",
        rec.text
    );
    assert_eq!(
        due_of(&rec.body, "AML-YEAR")["state"],
        "due",
        "{}",
        rec.text
    );

    let remind = || banyan_app::performance::training::remind::remind(&app.app);
    assert_eq!(remind().await.unwrap(), Some(2));
    let sec = "信息安全年度培训".to_owned();
    assert_eq!(
        training_notices(app, &rm1_token).await,
        [("training.expiring".to_owned(), sec.clone())]
    );
    assert_eq!(
        training_notices(app, &wm1_token).await,
        [("training.overdue".to_owned(), sec.clone())]
    );
    // Nothing is due for customer service; nothing is said twice the same month.
    assert!(training_notices(app, &cs1_token).await.is_empty());
    assert_eq!(remind().await.unwrap(), Some(0));
    assert_eq!(training_notices(app, &wm1_token).await.len(), 1);
    // A month on, still overdue: said again (the notices are set back 31 days, as a month would).
    app.sql("UPDATE staff_notices SET created_at_us = created_at_us - 2678400000000 WHERE kind LIKE 'training.%'")
        .await;
    assert_eq!(remind().await.unwrap(), Some(2));
    assert_eq!(training_notices(app, &wm1_token).await.len(), 2);
    let detail = app
        .texts("SELECT detail FROM audit_log WHERE action = 'training.reminded' ORDER BY seq")
        .await;
    assert_eq!(detail.len(), 2, "{detail:?}");
    assert!(
        detail[0].contains("\"notices\":2") && detail[0].contains("\"people\":2"),
        "{detail:?}"
    );
}
