//! Staff performance: a person's scorecard counts every KPI from the records they own in the quarter —
//! won leads, contact tasks, complaints and their surveys, alerts — against the role's card (or the
//! person's own target), ranks the team, drills down to the same records, is read only within reach,
//! and once closed stays frozen until closed again as a new version.

use crate::acquisition::{company, product};
use crate::harness::*;
use banyan_domain::access::Role;
use banyan_domain::book::monitoring::AlertStatus;
use banyan_domain::wealth::kpi::Period;
use banyan_store::engagement::TaskRow;
use banyan_store::segments::AlertRow;
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::tests![a_scorecard_counts_each_kpi_from_the_records_and_a_closed_quarter_stays_frozen,];

/// The quarter before today's, and an instant (µs) and a day in its middle.
fn last_quarter() -> (String, i64, String) {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let today = jiff::Timestamp::now().to_zoned(tz.clone()).date();
    let now = Period::quarter_of(today);
    let q = now.previous();
    let day = q.days().0.checked_add(jiff::Span::new().days(20)).unwrap();
    let at = day
        .at(12, 0, 0, 0)
        .to_zoned(tz)
        .unwrap()
        .timestamp()
        .as_microsecond();
    (q.code(), at, day.to_string())
}

fn line<'a>(card: &'a Value, kpi: &str) -> &'a Value {
    card["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kpi"] == kpi)
        .unwrap_or_else(|| panic!("{kpi} in {card}"))
}

fn close_to(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 0.01)
}

async fn a_scorecard_counts_each_kpi_from_the_records_and_a_closed_quarter_stays_frozen(
    app: &TestApp,
) {
    product(app, "WCL", "working_capital_loan").await;
    product(app, "PAY", "payments").await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.login_as("rm3", Role::RelationshipManager, Some("BR0002"))
        .await;
    let cs = app.login_as("cs1", Role::CustomerService, None).await;
    app.sql("UPDATE staff SET team = '零售一组' WHERE username IN ('rm1', 'rm2')")
        .await;
    let (rm1_id, rm2_id, rm3_id) = (
        app.staff_id("rm1").await,
        app.staff_id("rm2").await,
        app.staff_id("rm3").await,
    );
    let (q, mid_us, mid_day) = last_quarter();

    // Won leads: two of rm1's, one of rm2's, in the quarter.
    // Ended leads: two of rm1's won and one lost, one of rm2's won, in the quarter.
    for (i, (tok, owner, stage)) in [
        (&rm, "rm1", "won"),
        (&rm, "rm1", "won"),
        (&rm2, "rm2", "won"),
        (&rm, "rm1", "lost"),
    ]
    .into_iter()
    .enumerate()
    {
        let r = app
            .post("/api/v1/leads", tok, company(&format!("1391234100{i}")))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let no = r.body["lead_no"].as_str().unwrap();
        // Identifiers by what names them (SQLite keeps UUIDs as bytes, PostgreSQL as uuid).
        app.sql(&format!(
            "UPDATE leads SET stage = '{stage}', stage_at_us = {mid_us}, \
             rm_id = (SELECT id FROM staff WHERE username = '{owner}') WHERE lead_no = '{no}'"
        ))
        .await;
    }
    // Contact tasks of rm1 due in the quarter: three done on time, one late.
    let customer = verified_individual(app, &rm, "13812345690", 90).await;
    let db = &app.app.db().conn;
    let (cust, owner) = (
        uuid::Uuid::parse_str(&customer).unwrap(),
        uuid::Uuid::parse_str(&rm1_id).unwrap(),
    );
    let tasks: Vec<TaskRow> = [true, true, true, false]
        .into_iter()
        .map(|on_time| TaskRow {
            id: uuid::Uuid::now_v7(),
            customer_id: cust,
            owner_id: Some(owner),
            kind: "contact".into(),
            plan_key: None,
            method: "phone".into(),
            due_on: mid_day.clone(),
            status: "done".into(),
            note: None,
            purpose: None,
            scheduled_at_us: None,
            key_customer: false,
            created_at_us: mid_us,
            done_at_us: Some(mid_us),
            interaction_id: None,
            on_time: Some(on_time),
        })
        .collect();
    banyan_store::engagement::insert_tasks(db, &tasks)
        .await
        .unwrap();
    // Two complaints rm1 owned: one within its SLA rated 5, one past it rated 3.
    for (met, rating) in [(true, 5), (false, 3)] {
        let r = app
            .post(
                "/api/v1/cases",
                &cs,
                json!({"kind": "complaint", "channel": "hotline", "product": "deposits", "cause": "waiting_time",
                    "severity": "high", "customer": customer, "subject": "排队时间过长",
                    "content": "客户反映在网点排队时间过长。"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let no = r.body["case_no"].as_str().unwrap();
        app.sql(&format!(
            "UPDATE cases SET owner_id = (SELECT id FROM staff WHERE username = 'rm1'), \
             received_at_us = {mid_us}, status = 'resolved', sla_met = {met}, satisfaction = {rating} \
             WHERE case_no = '{no}'"
        ))
        .await;
    }
    // Two alerts rm1 owned due in the quarter: one closed on its day, one still open.
    let alerts: Vec<AlertRow> = [Some(mid_us), None]
        .into_iter()
        .enumerate()
        .map(|(i, closed)| AlertRow {
            id: uuid::Uuid::now_v7(),
            customer_id: cust,
            indicator: format!("test_{i}"),
            subject: String::new(),
            status: if closed.is_some() {
                AlertStatus::Closed
            } else {
                AlertStatus::Open
            },
            owner_id: Some(owner),
            reason: String::new(),
            checks: "[]".into(),
            due_on: mid_day.clone(),
            created_at_us: mid_us,
            closed_at_us: closed,
            closed_by: None,
            resolution: None,
            disposition: None,
            escalated_at_us: None,
        })
        .collect();
    banyan_store::segments::open_alerts(db, &alerts)
        .await
        .unwrap();
    // The supervisor reads the branch's people, ranked within the team; not another branch's.
    let r = app
        .get(&format!("/api/v1/performance/scorecards?period={q}"), &sup)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["ended"], true);
    let cards = r.body["cards"].as_array().unwrap();
    let ids: Vec<&str> = cards
        .iter()
        .map(|c| c["staff_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![rm1_id.as_str(), rm2_id.as_str()], "{}", r.text);
    let c1 = &cards[0];
    // Each figure from its records, against the relationship manager's card in the shipped policy.
    assert_eq!(line(c1, "new_customers")["numerator"], 2);
    let conv = line(c1, "lead_conversion");
    assert_eq!(
        (conv["numerator"].as_i64(), conv["denominator"].as_i64()),
        (Some(2), Some(3))
    );
    assert!(close_to(&conv["attainment"], 120.0), "{conv}");
    assert!(close_to(
        &line(c1, "new_customers")["attainment"],
        100.0 * 2.0 / 6.0
    ));
    assert!(
        close_to(&line(c1, "contact_coverage")["figure"], 75.0),
        "{c1}"
    );
    assert!(close_to(&line(c1, "case_sla")["figure"], 50.0), "{c1}");
    assert!(
        close_to(&line(c1, "case_satisfaction")["figure"], 4.0),
        "{c1}"
    );
    assert_eq!(line(c1, "overdue_alerts")["numerator"], 1, "{c1}");
    assert!(
        close_to(&line(c1, "overdue_alerts")["attainment"], 50.0),
        "{c1}"
    );
    let composite = 25.0 * (2.0 / 6.0)
        + 10.0 * 1.2
        + 20.0 * (75.0 / 90.0)
        + 15.0 * (50.0 / 95.0)
        + 15.0 * (4.0 / 4.5)
        + 15.0 * 0.5;
    assert!(close_to(&c1["composite"], composite), "{c1}");
    assert_eq!(
        (c1["rank"].as_u64(), c1["team_size"].as_u64()),
        (Some(1), Some(2))
    );
    // rm2: one won lead and nothing overdue; no records for the ratios scores nothing for them.
    assert!(
        close_to(&cards[1]["composite"], 25.0 / 6.0 + 12.0 + 15.0),
        "{}",
        cards[1]
    );
    assert_eq!(cards[1]["rank"], 2);

    // The drill-down is the records the figures count, for every KPI.
    let d = app
        .get(
            &format!("/api/v1/performance/scorecards/{rm1_id}?period={q}"),
            &sup,
        )
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    let records = d.body["records"].as_array().unwrap();
    for l in d.body["card"]["lines"].as_array().unwrap() {
        let mine: Vec<&Value> = records.iter().filter(|r| r["kpi"] == l["kpi"]).collect();
        let counted = mine.iter().filter(|r| r["counts"] == true).count() as i64;
        match l["kpi"].as_str().unwrap() {
            "case_satisfaction" => {
                let sum: i64 = mine.iter().map(|r| r["rating"].as_i64().unwrap()).sum();
                assert_eq!((sum, mine.len() as i64), (8, 2));
                assert_eq!(
                    (l["numerator"].as_i64(), l["denominator"].as_i64()),
                    (Some(8), Some(2))
                );
            }
            "lead_conversion" | "contact_coverage" | "case_sla" => assert_eq!(
                (l["numerator"].as_i64(), l["denominator"].as_i64()),
                (Some(counted), Some(mine.len() as i64)),
                "{l}"
            ),
            _ => assert_eq!(l["numerator"].as_i64(), Some(counted), "{l}"),
        }
    }

    // The year's scorecard counts the same records; a count's target is four quarters' worth.
    let y = app
        .get(
            &format!("/api/v1/performance/scorecards?period={}", &q[..4]),
            &sup,
        )
        .await;
    assert_eq!(y.status, StatusCode::OK, "{}", y.text);
    let yc = y.body["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["staff_id"] == rm1_id.as_str())
        .unwrap();
    let ync = line(yc, "new_customers");
    assert_eq!(
        (ync["numerator"].as_i64(), ync["target"].as_f64()),
        (Some(2), Some(24.0))
    );
    assert!(close_to(&line(yc, "case_sla")["target"], 95.0));

    // A manager reads their own card only; another's is not found, as is one outside the supervisor's branch.
    let own = app
        .get(&format!("/api/v1/performance/scorecards?period={q}"), &rm)
        .await;
    assert_eq!(
        own.body["cards"].as_array().unwrap().len(),
        1,
        "{}",
        own.text
    );
    assert_eq!(own.body["may_manage"], false);
    // Their rank among the team shows; the others' figures do not.
    assert_eq!(own.body["cards"][0]["team_size"], 2, "{}", own.text);
    app.get(
        &format!("/api/v1/performance/scorecards/{rm2_id}?period={q}"),
        &rm,
    )
    .await
    .assert_problem(404, "not_found");
    app.get(
        &format!("/api/v1/performance/scorecards/{rm3_id}?period={q}"),
        &sup,
    )
    .await
    .assert_problem(404, "not_found");

    // A person's own target replaces the card's, audited; a target off its scale names the field.
    let t = json!({"period": q, "staff_id": rm1_id, "kpi": "new_customers", "target_value": 2.0});
    app.post("/api/v1/performance/targets", &rm, t.clone())
        .await
        .assert_problem(403, "permission_denied");
    let r = app.post("/api/v1/performance/targets", &sup, t).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let bad = app
        .post(
            "/api/v1/performance/targets",
            &sup,
            json!({"period": q, "staff_id": rm1_id, "kpi": "contact_coverage", "target_value": 150.0}),
        )
        .await;
    assert_eq!(
        bad.field_errors(),
        vec![("target_value".to_owned(), "scale".to_owned())]
    );
    let a = app
        .post(
            "/api/v1/performance/targets",
            &sup,
            json!({"period": "2026-Q5", "staff_id": rm1_id, "kpi": "new_customers", "target_value": 1.0}),
        )
        .await;
    assert_eq!(
        a.field_errors(),
        vec![("period".to_owned(), "period".to_owned())]
    );
    let d = app
        .get(
            &format!("/api/v1/performance/scorecards/{rm1_id}?period={q}"),
            &sup,
        )
        .await;
    let nc = line(&d.body["card"], "new_customers");
    assert_eq!(
        (nc["own_target"].as_bool(), nc["target"].as_f64()),
        (Some(true), Some(2.0))
    );
    let raised = composite - 25.0 * (2.0 / 6.0) + 25.0;
    assert!(close_to(&d.body["card"]["composite"], raised), "{}", d.text);

    // Closing: not by the person, not a quarter still running; then frozen against later changes.
    let close = json!({"period": q, "rating": "good", "comment": "客户拓展达标，联系计划需加强"});
    app.post(
        &format!("/api/v1/performance/scorecards/{rm1_id}/close"),
        &rm,
        close.clone(),
    )
    .await
    .assert_problem(403, "permission_denied");
    let running = Period::quarter_of(jiff::Zoned::now().date()).code();
    let early = app
        .post(
            &format!("/api/v1/performance/scorecards/{rm1_id}/close"),
            &sup,
            json!({"period": running, "rating": "good"}),
        )
        .await;
    assert_eq!(
        early.field_errors(),
        vec![("period".to_owned(), "not_ended".to_owned())]
    );
    let c = app
        .post(
            &format!("/api/v1/performance/scorecards/{rm1_id}/close"),
            &sup,
            close.clone(),
        )
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    assert_eq!(c.body["closed"]["version"], 1, "{}", c.text);
    assert_eq!(c.body["closed"]["rating"], "good");
    app.sql("UPDATE alerts SET status = 'closed', closed_at_us = 1 WHERE closed_at_us IS NULL")
        .await;
    let frozen = app
        .get(
            &format!("/api/v1/performance/scorecards/{rm1_id}?period={q}"),
            &sup,
        )
        .await;
    assert_eq!(line(&frozen.body["card"], "overdue_alerts")["numerator"], 1);
    assert!(close_to(&frozen.body["card"]["composite"], raised));
    // Closed again: a corrected version from today's records, the first kept.
    let again = app
        .post(
            &format!("/api/v1/performance/scorecards/{rm1_id}/close"),
            &sup,
            close,
        )
        .await;
    assert_eq!(again.body["closed"]["version"], 2, "{}", again.text);
    assert_eq!(line(&again.body, "overdue_alerts")["numerator"], 0);
    assert_eq!(app.count("perf_scorecards").await, 2);
    // The workbook: one row per person and KPI, the frozen figures, the status.
    let actor = banyan_app::access::actor_for(&app.app, "sup1")
        .await
        .unwrap();
    let q_code = q.clone();
    let q = banyan_app::performance::ScorecardQuery {
        period: Some(q.clone()),
        team: None,
    };
    let bytes =
        banyan_app::performance::export_xlsx(&app.app, &actor, q, &banyan_app::tabular::Codes)
            .await
            .unwrap();
    // The API's export is the same workbook.
    let r = app
        .get(
            &format!("/api/v1/performance/scorecards/export?period={q_code}"),
            &sup,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let book = banyan_app::tabular::read_xlsx(&bytes).unwrap();
    assert_eq!(book.headers[3], "perf.kpi");
    let rows: Vec<Vec<String>> = book.rows.into_iter().map(|r| r.cells.unwrap()).collect();
    assert_eq!(
        rows.len(),
        6 + 6,
        "two relationship managers' cards of six KPIs"
    );
    let nc = rows
        .iter()
        .find(|r| r[0] == "rm1" && r[3] == "new_customers")
        .unwrap();
    assert_eq!(
        (nc[5].as_str(), nc[6].as_str(), nc[12].as_str()),
        ("2", "2", "good")
    );
    let actions = app
        .texts("SELECT action FROM audit_log WHERE action LIKE 'performance.%' ORDER BY at_us, id")
        .await;
    assert_eq!(
        actions,
        vec![
            "performance.target",
            "performance.close",
            "performance.close",
            "performance.export",
            "performance.export"
        ]
    );
}
