//! The effectiveness report beside the funnel: the customers won in a period with what the book says they
//! brought, beside the period before; the open leads' ageing by stage within the reader's scope; and the
//! lead list that each figure drills down to; the same figures month by month (or by quarter), and as a file.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::tests![a_period_shows_what_its_new_customers_brought_and_how_long_open_leads_wait];

async fn a_period_shows_what_its_new_customers_brought_and_how_long_open_leads_wait(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let risk = app.login_as("risk1", Role::RiskOfficer, None).await;

    // One deal won today, its customer's deposits and loans in the book.
    let id = crate::acquisition_risk::corporate_at_proposal(
        app,
        &rm,
        &rev,
        "13600007777",
        "MA7778889",
        "C",
    )
    .await;
    crate::acquisition_papers::papers_done(app, &rm, &rev, &id).await;
    let won = app
        .post(
            &format!("/api/v1/leads/{id}/actions"),
            &rm,
            json!({"action": "win"}),
        )
        .await;
    assert_eq!(won.status, StatusCode::OK, "{}", won.text);
    let customer = won.body["customer_id"].as_str().unwrap().to_owned();
    let mut m = crate::segments::metrics("2026-12-01", 800_000, 3_000, 0);
    m["loans"] = json!(5_000_000 * 100);
    m["fee_income"] = json!(12_000 * 100);
    let r = app
        .post(
            "/api/v1/metrics",
            &risk,
            json!({"items": [{"customer": customer, "metrics": m}]}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    // Two open leads: rm1's new one, and rm2's (outside rm1's scope).
    for (token, mobile) in [(&rm, "13600008888"), (&rm2, "13600009999")] {
        let r = app
            .post(
                "/api/v1/leads",
                token,
                json!({"kind": "individual", "name": "账龄测试", "mobile": mobile, "channel": "branch",
                    "basis": "consent", "consent_on": "2026-11-20"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }

    let e = app.get("/api/v1/leads/effectiveness", &rm).await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.text);
    let c = &e.body["current"];
    assert_eq!(
        (
            c["new_customers"].as_i64(),
            c["new_corporate"].as_i64(),
            c["new_individual"].as_i64()
        ),
        (Some(1), Some(1), Some(0)),
        "{}",
        e.text
    );
    assert_eq!(c["deposits"], 800_000 * 100);
    assert_eq!(c["loans"], 5_000_000 * 100);
    assert_eq!(c["fee_income"], 12_000 * 100);
    assert_eq!(c["assets"], 800_000 * 100);
    // Won today: too new to judge its activity after 90 days.
    assert_eq!(
        (c["mature"].as_i64(), c["active_after_90d"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(e.body["previous"]["new_customers"], 0);
    assert_eq!(e.body["growth"]["new_customers"], Value::Null);
    // Ageing: rm1's one new lead, entered today (the first band); rm2's is not rm1's to count.
    let new = e.body["ageing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["stage"] == "new")
        .unwrap();
    assert_eq!(new["counts"], json!([1, 0, 0, 0]), "{}", e.text);
    let band = &e.body["bands"][0];
    assert_eq!(
        (band["from_days"].as_i64(), band["to_days"].as_i64()),
        (Some(0), Some(7))
    );
    assert_eq!(band["entered_to"], e.body["to"], "{band}");

    // The drill-down: the leads won in the period, and none the day before.
    let today = e.body["to"].as_str().unwrap().to_owned();
    let l = app
        .get(
            &format!("/api/v1/leads?stage=won&entered_from={today}&entered_to={today}"),
            &rm,
        )
        .await;
    assert_eq!(l.body["total"]["count"], 1, "{}", l.text);
    assert_eq!(l.body["items"][0]["id"], id.as_str());
    let yesterday = e.body["previous_to"].as_str().unwrap().to_owned();
    let l = app
        .get(
            &format!("/api/v1/leads?stage=won&entered_to={yesterday}"),
            &rm,
        )
        .await;
    assert_eq!(l.body["total"]["count"], 0, "{}", l.text);

    // The same figures period by period: six months ending with this one (which runs to today), the won
    // customer in the last; quarters on asking.
    let s = app.get("/api/v1/leads/effectiveness/series", &rm).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    let points = s.body["points"].as_array().unwrap();
    assert_eq!(
        (s.body["period"].as_str(), points.len()),
        (Some("month"), 6)
    );
    assert_eq!(points[5]["to"], e.body["to"], "{}", s.text);
    assert!(points[5]["from"].as_str().unwrap().ends_with("-01"));
    assert_eq!(points[5]["figures"]["new_customers"], 1, "{}", s.text);
    assert_eq!(points[5]["figures"]["deposits"], c["deposits"]);
    assert!(
        points[..5]
            .iter()
            .all(|p| p["figures"]["new_customers"] == 0),
        "{}",
        s.text
    );
    let q = app
        .get(
            "/api/v1/leads/effectiveness/series?period=quarter&count=2",
            &rm,
        )
        .await;
    assert_eq!(q.body["points"].as_array().unwrap().len(), 2, "{}", q.text);
    let r = app
        .get(
            "/api/v1/leads/effectiveness/series?period=week&count=13",
            &rm,
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("period".into(), "one_of".into()),
            ("count".into(), "range".into())
        ]
    );
    // The series as a file, audited.
    let x = app
        .client
        .get(format!(
            "{}/api/v1/leads/effectiveness/export?period=month",
            app.base
        ))
        .bearer_auth(&rm)
        .send()
        .await
        .unwrap();
    assert_eq!(x.status(), StatusCode::OK);
    assert_eq!(&x.bytes().await.unwrap()[..2], b"PK");
    assert_eq!(
        app.texts("SELECT action FROM audit_log WHERE action = 'lead.effectiveness.export'")
            .await
            .len(),
        1
    );

    // Quality targets of the branch for the quarter: new customers in the lowest risk rating of their kind,
    // and new customers still active 90 days after the win (none yet: won today).
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let quality = |starts_on: &str| {
        let starts_on = starts_on.to_owned();
        let sup = sup.clone();
        async move {
            for (metric, value) in [("new_low_risk", 2), ("active_after_90d", 1)] {
                let r = app
                    .post(
                        "/api/v1/leads/targets",
                        &sup,
                        json!({"period": "quarter", "starts_on": starts_on, "level": "branch",
                            "branch_code": "BR0001", "metric": metric, "value": value}),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            }
            let r = app
                .get(
                    &format!("/api/v1/leads/targets?period=quarter&starts_on={starts_on}"),
                    &sup,
                )
                .await;
            let lines = r.body["lines"].as_array().unwrap().clone();
            let actual = |m: &str| {
                lines
                    .iter()
                    .find(|l| l["metric"] == m)
                    .unwrap_or_else(|| panic!("no {m} target: {lines:?}"))["actual"]
                    .as_i64()
            };
            (actual("new_low_risk"), actual("active_after_90d"))
        }
    };
    let today: jiff::civil::Date = e.body["to"].as_str().unwrap().parse().unwrap();
    let now = banyan_domain::acquisition::targets::TargetPeriod::Quarter.containing(today);
    // The registry verifies the new customer and the policy engine rates it (the nightly evaluation).
    for (step, who) in [("submit", &rm), ("verify", &rev)] {
        let r = app
            .post(
                &format!("/api/v1/customers/{customer}/{step}"),
                who,
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    banyan_app::segments::evaluate_all(&app.app, |_, _| {})
        .await
        .unwrap();
    let rated = app.get("/api/v1/leads/effectiveness", &rm).await;
    // A company with no overdue and a manufacturer's industry risk: grade A, the best of its kind.
    assert_eq!(
        rated.body["current"]["ratings"],
        json!({"A": 1}),
        "{}",
        rated.text
    );
    let best = 1;
    assert_eq!(quality(&now.to_string()).await, (Some(best), Some(0)));
    // Won 100 days ago instead (a quarter before; the test's one won lead): now it counts as active after 90
    // days.
    app.sql(&format!(
        "UPDATE leads SET stage_at_us = stage_at_us - {} WHERE stage = 'won'",
        100_i64 * 86_400_000_000
    ))
    .await;
    let then = banyan_domain::acquisition::targets::TargetPeriod::Quarter
        .containing(today.checked_sub(jiff::Span::new().days(100)).unwrap());
    assert_eq!(quality(&then.to_string()).await, (Some(best), Some(1)));

    // Bad periods and days are named.
    let r = app.get("/api/v1/leads?entered_from=yesterday", &rm).await;
    assert_eq!(
        r.field_errors(),
        vec![("entered_from".into(), "format".into())]
    );
    let r = app
        .get(
            "/api/v1/leads/effectiveness?from=2026-12-01&to=2026-11-01",
            &rm,
        )
        .await;
    assert_eq!(r.field_errors(), vec![("to".into(), "range".into())]);
    let r = app
        .get(
            "/api/v1/leads/effectiveness?from=2024-01-01&to=2026-11-01",
            &rm,
        )
        .await;
    assert_eq!(r.field_errors(), vec![("to".into(), "range".into())]);
}
