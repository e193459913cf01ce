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

crate::tests![
    a_scorecard_counts_each_kpi_from_the_records_and_a_closed_quarter_stays_frozen,
    the_book_loyalty_and_care_kpis_count_what_a_person_manages_and_the_care_they_give,
    a_closed_year_gets_its_bonus_and_promotion_decision_with_who_decided,
    a_team_or_branch_target_applies_to_its_people_without_their_own,
];

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
    let mut won_lead = None;
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
        if i == 0 {
            won_lead = Some(r.body["id"].as_str().unwrap().to_owned());
        }
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
             received_at_us = {mid_us}, status = 'resolved', sla_met = {met}, satisfaction = {rating}, \
             reg_met = true WHERE case_no = '{no}'"
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
    // A phone follow-up rm1 logged, rated 4; the survey of a won lead's new customer, answered 5.
    let at_rfc = jiff::Timestamp::from_microsecond(mid_us)
        .unwrap()
        .to_string();
    let r = app
        .post(
            &format!("/api/v1/customers/{customer}/interactions"),
            &rm,
            json!({"method": "call", "occurred_at": at_rfc, "outcome": "回访服务体验", "satisfaction": 4}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    banyan_store::acquisition::survey::insert_once(
        db,
        &banyan_store::acquisition::survey::SurveyRow {
            id: uuid::Uuid::now_v7(),
            lead_id: won_lead.unwrap().parse().unwrap(),
            customer_id: customer.parse().unwrap(),
            message_id: uuid::Uuid::now_v7(),
            sent_at_us: mid_us - 86_400_000_000,
            satisfaction: Some(5),
            comment: None,
            answered_at_us: Some(mid_us),
        },
    )
    .await
    .unwrap();
    // rm1's acquisition targets for the quarter: two new corporate customers (met), five leads captured (the
    // leads were captured today: missed once the quarter ended).
    let q_first = Period::parse(&q).unwrap().days().0.to_string();
    for (metric, value) in [("new_corporate", 2), ("leads_captured", 5)] {
        let r = app
            .post(
                "/api/v1/leads/targets",
                &sup,
                json!({"period": "quarter", "starts_on": q_first, "level": "person", "staff": rm1_id,
                       "metric": metric, "value": value}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
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
    // Both complaints carry the regulator's deadline and were resolved within it, one past its own SLA.
    assert!(
        close_to(&line(c1, "case_regulatory")["figure"], 100.0),
        "{c1}"
    );
    assert!(
        close_to(&line(c1, "case_satisfaction")["figure"], 4.0),
        "{c1}"
    );
    assert_eq!(line(c1, "overdue_alerts")["numerator"], 1, "{c1}");
    assert!(
        close_to(&line(c1, "overdue_alerts")["attainment"], 50.0),
        "{c1}"
    );
    // Alerts: one of two closed by its day (the rate), both raised on rm1's customer in the quarter (risk
    // events, at the target of two).
    let on_time = line(c1, "alerts_on_time");
    assert_eq!(
        (
            on_time["numerator"].as_i64(),
            on_time["denominator"].as_i64()
        ),
        (Some(1), Some(2)),
        "{on_time}"
    );
    assert_eq!(line(c1, "risk_events")["numerator"], 2, "{c1}");
    assert!(close_to(&line(c1, "risk_events")["attainment"], 100.0));
    // Customers' ratings: 4 at the follow-up, 5 in the survey.
    let sat = line(c1, "customer_satisfaction");
    assert_eq!(
        (sat["numerator"].as_i64(), sat["denominator"].as_i64()),
        (Some(9), Some(2)),
        "{sat}"
    );
    // One of the two acquisition targets met: 50 % against 80.
    let acq = line(c1, "acquisition_targets");
    assert_eq!(
        (acq["numerator"].as_i64(), acq["denominator"].as_i64()),
        (Some(1), Some(2)),
        "{acq}"
    );
    assert!(close_to(&acq["attainment"], 62.5), "{acq}");
    // rm1 manages no customer with a book and has no care task: those KPIs score nothing.
    let composite = 10.0 * (2.0 / 6.0)
        + 10.0 * 1.2
        + 5.0 * 0.625
        + 10.0 * (75.0 / 90.0)
        + 5.0 * (50.0 / 95.0)
        + 5.0 * (100.0 / 95.0)
        + 5.0
        + 5.0 * (4.0 / 4.5)
        + 5.0 * 0.5
        + 5.0 * (50.0 / 95.0)
        + 5.0;
    assert!(close_to(&c1["composite"], composite), "{c1}");
    assert_eq!(
        (c1["rank"].as_u64(), c1["team_size"].as_u64()),
        (Some(1), Some(2))
    );
    // rm2: one won lead and nothing overdue; no records for the ratios scores nothing for them.
    assert!(
        close_to(&cards[1]["composite"], 10.0 / 6.0 + 12.0 + 5.0 + 5.0),
        "{}",
        cards[1]
    );
    assert_eq!(cards[1]["rank"], 2);
    // The team summed: the two managers' records added up against their targets added up, the mean
    // composite and its distribution; no bank-wide summary for a branch's supervisor.
    let groups = r.body["groups"].as_array().unwrap();
    let team = groups
        .iter()
        .find(|g| g["level"] == "team" && g["role"] == "relationship_manager")
        .unwrap_or_else(|| panic!("{}", r.text));
    assert_eq!(
        (team["people"].as_u64(), team["team"].as_str()),
        (Some(2), Some("零售一组"))
    );
    let nc = team["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kpi"] == "new_customers")
        .unwrap();
    assert_eq!(
        (nc["numerator"].as_i64(), nc["target"].as_f64()),
        (Some(3), Some(12.0)),
        "{nc}"
    );
    assert!(close_to(&nc["attainment"], 25.0), "{nc}");
    let conv = team["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kpi"] == "lead_conversion")
        .unwrap();
    assert_eq!(
        (conv["numerator"].as_i64(), conv["denominator"].as_i64()),
        (Some(3), Some(4))
    );
    let mean = (c1["composite"].as_f64().unwrap() + cards[1]["composite"].as_f64().unwrap()) / 2.0;
    assert!(close_to(&team["composite"], mean), "{team}");
    assert_eq!(team["distribution"], json!([0, 1, 1, 0, 0, 0]), "{team}");
    assert!(groups.iter().all(|g| g["level"] != "bank"), "{}", r.text);

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
            "customer_satisfaction" => {
                let sum: i64 = mine.iter().map(|r| r["rating"].as_i64().unwrap()).sum();
                assert_eq!((sum, mine.len() as i64), (9, 2));
                assert_eq!(l["numerator"].as_i64(), Some(sum));
                let via: Vec<&str> = mine.iter().map(|r| r["via"].as_str().unwrap()).collect();
                assert_eq!(via, vec!["call", "survey"]);
            }
            "acquisition_targets" => {
                assert_eq!(
                    (l["numerator"].as_i64(), l["denominator"].as_i64()),
                    (Some(counted), Some(mine.len() as i64)),
                    "{l}"
                );
                let met: Vec<(&str, i64, i64)> = mine
                    .iter()
                    .map(|r| {
                        (
                            r["reference"].as_str().unwrap(),
                            r["target"].as_i64().unwrap(),
                            r["actual"].as_i64().unwrap(),
                        )
                    })
                    .collect();
                assert_eq!(met, vec![("leads_captured", 5, 0), ("new_corporate", 2, 2)]);
            }
            "lead_conversion" | "contact_coverage" | "case_sla" | "case_regulatory"
            | "alerts_on_time" => assert_eq!(
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
    let raised = composite - 10.0 * (2.0 / 6.0) + 10.0;
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
    // The second sheet: the team and the branch summed, a row per KPI.
    {
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        assert_eq!(wb.sheet_names().len(), 2);
        let sums = wb.worksheet_range("perf.groups").unwrap();
        let rows: Vec<Vec<String>> = sums
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        // A row per KPI of the relationship manager's card (17), for the team and the branch.
        assert_eq!(rows.len(), 1 + 17 + 17, "{rows:?}");
        let team_nc = rows
            .iter()
            .find(|r| r[0] == "team" && r[5] == "new_customers")
            .unwrap();
        assert_eq!(
            (
                team_nc[1].as_str(),
                team_nc[2].as_str(),
                team_nc[3].as_str()
            ),
            ("BR0001 零售一组", "relationship_manager", "2")
        );
    }
    let book = banyan_app::tabular::read_xlsx(&bytes).unwrap();
    assert_eq!(book.headers[3], "perf.kpi");
    let rows: Vec<Vec<String>> = book.rows.into_iter().map(|r| r.cells.unwrap()).collect();
    assert_eq!(
        rows.len(),
        17 + 17,
        "two relationship managers' cards of seventeen KPIs"
    );
    let nc = rows
        .iter()
        .find(|r| r[0] == "rm1" && r[3] == "new_customers")
        .unwrap();
    assert_eq!(
        (
            nc[5].as_str(),
            nc[6].as_str(),
            nc[7].as_str(),
            nc[13].as_str()
        ),
        ("count", "2", "2", "good")
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

async fn the_book_loyalty_and_care_kpis_count_what_a_person_manages_and_the_care_they_give(
    app: &TestApp,
) {
    use crate::book::{Desk, desk, product as book_product};
    let (q, mid_us, mid_day) = last_quarter();
    let period = Period::parse(&q).unwrap();
    let (first, last) = period.days();
    let before = first.yesterday().unwrap().to_string();
    // rm1's customer: a current account and a mortgage, the day before the quarter and in it.
    let Desk { rm, ops, customer } = desk(
        app,
        vec![
            book_product("DD-CNY", "demand_deposit", None),
            book_product("ML-CNY", "mortgage", None),
        ],
        "13900007001",
        701,
    )
    .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let rm1 = app.staff_id("rm1").await;
    let load = |as_of: &str, deposit: i64, owed: i64| {
        json!({"source": "core", "as_of": as_of, "items": [
            {"account_no": "6222000000007001", "customer": customer, "product": "DD-CNY", "currency": "CNY",
             "status": "active", "opened_on": "2020-05-01", "balance": deposit},
            {"account_no": "ML7001", "customer": customer, "product": "ML-CNY", "currency": "CNY",
             "status": "active", "opened_on": "2020-05-01", "balance": 0, "credit_limit": 100_000_000,
             "outstanding": owed}
        ]})
    };
    for (day, deposit, owed) in [
        (before.as_str(), 100_000_000, 50_000_000),
        (mid_day.as_str(), 110_000_000, 45_000_000),
    ] {
        let r = app
            .post("/api/v1/book/holdings", &ops, load(day, deposit, owed))
            .await;
        assert_eq!(r.body["load"]["loaded"].as_i64(), Some(2), "{}", r.text);
    }
    // Fees: 2,000 yuan debited in the quarter, 500 refunded (a credit), 900 debited before it.
    let at = |us: i64| jiff::Timestamp::from_microsecond(us).unwrap().to_string();
    let tx = |id: &str, at: String, amount: i64, direction: &str| {
        json!({"id": id, "account_no": "6222000000007001", "at": at, "amount": amount, "currency": "CNY",
               "direction": direction, "channel": "online", "counterparty": "internal", "category": "fee"})
    };
    let before_us = mid_us - 120 * 86_400_000_000;
    let r = app
        .post(
            "/api/v1/book/transactions",
            &ops,
            json!({"source": "core", "as_of": last.to_string(), "items": [
                tx("FEE-1", at(mid_us), 200_000, "debit"),
                tx("FEE-2", at(mid_us + 1_000_000), 50_000, "credit"),
                tx("FEE-0", at(before_us), 90_000, "debit"),
            ]}),
        )
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(3), "{}", r.text);

    let d = app
        .get(
            &format!("/api/v1/performance/scorecards/{rm1}?period={q}"),
            &sup,
        )
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    let card = &d.body["card"];
    // AUM and deposits grew by a tenth, the loans shrank by a tenth (from the figures the book derives).
    let aum = line(card, "aum_growth");
    assert_eq!(
        (aum["numerator"].as_i64(), aum["denominator"].as_i64()),
        (Some(110_000_000), Some(100_000_000)),
        "{aum}"
    );
    assert!(close_to(&aum["figure"], 10.0), "{aum}");
    assert!(close_to(&line(card, "deposit_growth")["figure"], 10.0));
    assert!(
        close_to(&line(card, "loan_growth")["figure"], -10.0),
        "{card}"
    );
    // Growth over the 3 % target caps at 120; a loss scores nothing.
    assert!(close_to(&aum["attainment"], 120.0), "{aum}");
    assert!(close_to(&line(card, "loan_growth")["attainment"], 0.0));
    // The quarter's fees debited: 2,000 yuan against the 5,000 target.
    let fee = line(card, "fee_income");
    assert_eq!(fee["numerator"].as_i64(), Some(200_000), "{fee}");
    assert!(
        close_to(&fee["figure"], 2_000.0) && close_to(&fee["attainment"], 40.0),
        "{fee}"
    );
    // The drill-down names the customer with the start and the end.
    let no = app
        .get(&format!("/api/v1/customers/{customer}"), &rm)
        .await
        .body["customer_no"]
        .clone();
    let records = d.body["records"].as_array().unwrap();
    let growth: Vec<&Value> = records
        .iter()
        .filter(|r| r["kpi"] == "loan_growth")
        .collect();
    assert_eq!(growth.len(), 1, "{records:?}");
    assert_eq!(
        (
            growth[0]["reference"].as_str(),
            growth[0]["amount_from"].as_i64(),
            growth[0]["amount_to"].as_i64(),
            growth[0]["counts"].as_bool()
        ),
        (no.as_str(), Some(50_000_000), Some(45_000_000), Some(false))
    );

    // A wealth manager's loyalty, on their own card: the customers their clients introduced in the quarter.
    let wm = app
        .login_as("wm1", Role::WealthManager, Some("BR0001"))
        .await;
    let wm_id = app.staff_id("wm1").await;
    // The client is opened by a relationship manager and handed to the wealth manager.
    let client = verified_individual(app, &rm, "13900007002", 702).await;
    let friend = verified_individual(app, &rm, "13900007003", 703).await;
    let earlier = verified_individual(app, &rm, "13900007004", 704).await;
    let client_no = app
        .get(&format!("/api/v1/customers/{client}"), &rm)
        .await
        .body["customer_no"]
        .as_str()
        .unwrap()
        .to_owned();
    app.sql(&format!(
        "UPDATE customers SET rm_id = (SELECT id FROM staff WHERE username = 'wm1') \
         WHERE customer_no = '{client_no}'"
    ))
    .await;
    let conn = &app.app.db().conn;
    // One introduced in the quarter, one before it.
    for (k, (introduced, at_us)) in [(&friend, mid_us), (&earlier, before_us)]
        .into_iter()
        .enumerate()
    {
        banyan_store::wealth::kpis::insert_referral(
            conn,
            &banyan_store::wealth::kpis::ReferralRow {
                id: uuid::Uuid::now_v7(),
                referrer_id: client.parse().unwrap(),
                referred_id: introduced.parse().unwrap(),
                note: Some(format!("第 {k} 次介绍")),
                recorded_by: wm_id.parse().unwrap(),
                at_us,
            },
        )
        .await
        .unwrap();
    }
    let w = app
        .get(
            &format!("/api/v1/performance/scorecards/{wm_id}?period={q}"),
            &wm,
        )
        .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text);
    assert_eq!(
        line(&w.body["card"], "referrals")["numerator"],
        1,
        "{}",
        w.text
    );
    let friend_no = app
        .get(&format!("/api/v1/customers/{friend}"), &rm)
        .await
        .body["customer_no"]
        .clone();
    assert!(
        w.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kpi"] == "referrals" && r["reference"] == friend_no),
        "{}",
        w.text
    );
    // Nobody bought an investment: no repeat-purchase figure.
    assert!(line(&w.body["card"], "repeat_purchase")["figure"].is_null());
    // The client buys a wealth product twice — before the quarter and in it: a repeat purchase.
    let admin = app.login_as("adm", Role::Admin, None).await;
    let r = app
        .post(
            "/api/v1/products",
            &admin,
            book_product("WM-R2", "wealth_product", Some("R2")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    crate::wealth::assess(app, &wm, &client, "balanced", "branch").await;
    for at in [before_us, mid_us] {
        let r = crate::wealth::sell(app, &wm, &client, "WM-R2", json!({})).await;
        assert_eq!(r.body["decision"], "recorded", "{}", r.text);
        // The newest sale moved to its day.
        app.sql(&format!(
            "UPDATE wealth_sales SET sold_at_us = {at} WHERE sale_id = \
             (SELECT sale_id FROM wealth_sales ORDER BY sold_at_us DESC LIMIT 1)"
        ))
        .await;
    }
    let w = app
        .get(
            &format!("/api/v1/performance/scorecards/{wm_id}?period={q}"),
            &wm,
        )
        .await;
    let repeat = line(&w.body["card"], "repeat_purchase");
    assert_eq!(
        (repeat["numerator"].as_i64(), repeat["denominator"].as_i64()),
        (Some(1), Some(1)),
        "{repeat}"
    );
    // The client's ratings: 5 at a visit wm1 logged; 4 for a complaint wm1 handled, 2 for an inquiry (a
    // case, not a complaint: not in the complaint-handling figure).
    let at_rfc = jiff::Timestamp::from_microsecond(mid_us)
        .unwrap()
        .to_string();
    let r = app
        .post(
            &format!("/api/v1/customers/{client}/interactions"),
            &wm,
            json!({"method": "visit", "occurred_at": at_rfc, "outcome": "上门回访", "satisfaction": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let cs = app.login_as("cs1", Role::CustomerService, None).await;
    for (kind, rating) in [("complaint", 4), ("inquiry", 2)] {
        let r = app
            .post(
                "/api/v1/cases",
                &cs,
                json!({"kind": kind, "channel": "hotline", "product": "deposits", "cause": "waiting_time",
                    "severity": "medium", "customer": client, "subject": "网点服务",
                    "content": "客户来电反映网点服务情况。"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let no = r.body["case_no"].as_str().unwrap();
        app.sql(&format!(
            "UPDATE cases SET owner_id = (SELECT id FROM staff WHERE username = 'wm1'), \
             received_at_us = {mid_us}, status = 'resolved', sla_met = true, satisfaction = {rating} \
             WHERE case_no = '{no}'"
        ))
        .await;
    }
    let w = app
        .get(
            &format!("/api/v1/performance/scorecards/{wm_id}?period={q}"),
            &wm,
        )
        .await;
    let (cust, compl) = (
        line(&w.body["card"], "customer_satisfaction"),
        line(&w.body["card"], "complaint_satisfaction"),
    );
    assert_eq!(
        (cust["numerator"].as_i64(), cust["denominator"].as_i64()),
        (Some(5), Some(1)),
        "{cust}"
    );
    assert_eq!(
        (compl["numerator"].as_i64(), compl["denominator"].as_i64()),
        (Some(4), Some(1)),
        "{compl}"
    );
    assert!(close_to(&compl["figure"], 4.0), "{compl}");
    assert!(
        w.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kpi"] == "customer_satisfaction"
                && r["reference"] == client_no.as_str()
                && r["via"] == "visit"),
        "{}",
        w.text
    );

    // Customer service's care work: the tasks of a care record due in the quarter — one done that day, the
    // rest never — and a measure that took two days; the customer is not named, the task's kind is.
    let c = crate::care::cast(app).await;
    let record = crate::care::registered_with(app, &c, json!(["priority"])).await;
    let cs2 = app.staff_id("cs2").await;
    app.sql(&format!(
        "UPDATE care_tasks SET staff_id = (SELECT id FROM staff WHERE username = 'cs2'), \
         due_on = '{mid_day}', done_at_us = NULL"
    ))
    .await;
    app.sql(&format!(
        "UPDATE care_tasks SET done_at_us = {mid_us} \
         WHERE id IN (SELECT id FROM care_tasks ORDER BY kind LIMIT 1)"
    ))
    .await;
    let tasks = app.count("care_tasks").await;
    assert!(tasks >= 2, "{tasks} care tasks");
    let hour = 3_600_000_000i64;
    banyan_store::care::insert_measure(
        conn,
        &banyan_store::care::MeasureRow {
            id: banyan_domain::ids::CareMeasureId::new(),
            record_id: record.parse().unwrap(),
            kind: banyan_domain::care::measures::MeasureKind::FeeWaiver,
            state: banyan_domain::care::measures::MeasureState::Done,
            owner_id: cs2.parse().unwrap(),
            second_staff: None,
            requested_by: cs2.parse().unwrap(),
            requested_at_us: mid_us - 48 * hour,
            due_at_us: None,
            account_no: None,
            amount: None,
            starts_on: None,
            ends_on: None,
            scheduled_at_us: None,
            what: "减免账户管理费".into(),
            decided_by: None,
            decided_at_us: None,
            reason: None,
            outcome: Some("已办结".into()),
            done_at_us: Some(mid_us),
            version: 1,
            hospital_id: None,
        },
    )
    .await
    .unwrap();
    // The care customer answered the care survey with 4 in the quarter: the care team's satisfaction.
    app.sql(&format!(
        "INSERT INTO care_surveys (record_id, message_id, sent_at_us, satisfaction, answered_at_us) \
         SELECT id, id, {}, 4, {mid_us} FROM care_records",
        mid_us - 24 * hour
    ))
    .await;
    let k = app
        .get(
            &format!("/api/v1/performance/scorecards/{cs2}?period={q}"),
            &c.sup,
        )
        .await;
    let rated = line(&k.body["card"], "care_satisfaction");
    assert_eq!(
        (rated["numerator"].as_i64(), rated["denominator"].as_i64()),
        (Some(4), Some(1)),
        "{rated}"
    );
    assert!(close_to(&rated["figure"], 4.0), "{rated}");
    assert!(
        k.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kpi"] == "care_satisfaction"
                && r["reference"] == "customer_service"
                && r["rating"] == 4),
        "{}",
        k.text
    );
    assert_eq!(k.status, StatusCode::OK, "{}", k.text);
    let on_time = line(&k.body["card"], "care_on_time");
    assert_eq!(
        (
            on_time["numerator"].as_i64(),
            on_time["denominator"].as_i64()
        ),
        (Some(1), Some(tasks)),
        "{on_time}"
    );
    let days = line(&k.body["card"], "care_handling_days");
    assert!(close_to(&days["figure"], 2.0), "{days}");
    assert!(close_to(&days["attainment"], 100.0), "{days}");
    let care: Vec<&Value> = k.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kpi"] == "care_handling_days" || r["kpi"] == "care_on_time")
        .collect();
    assert!(
        care.iter()
            .any(|r| r["reference"] == "fee_waiver" && r["hours"] == 48),
        "{care:?}"
    );
    let care_no = app
        .get(&format!("/api/v1/customers/{}", c.customer), &c.rm)
        .await
        .body["customer_no"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !k.text.contains(&care_no),
        "the care customer is not named on a scorecard: {}",
        k.text
    );
}

async fn a_closed_year_gets_its_bonus_and_promotion_decision_with_who_decided(app: &TestApp) {
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm1 = app.staff_id("rm1").await;
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let last_year = (jiff::Timestamp::now().to_zoned(tz).date().year() - 1).to_string();
    let path = format!("/api/v1/performance/scorecards/{rm1}/decision");
    let body = json!({"period": last_year, "bonus_pct": 120, "promotion": "consider",
                      "note": "全年达成率较高，列入明年晋升考察"});
    // Not before the year's scorecard is closed; not on a quarter; not by the person; not off the scale.
    let r = app.post(&path, &sup, body.clone()).await;
    assert_eq!(
        r.field_errors(),
        vec![("period".to_owned(), "not_closed".to_owned())]
    );
    let r = app
        .post(
            &path,
            &sup,
            json!({"period": format!("{last_year}-Q4"), "bonus_pct": 250, "promotion": "recommend"}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("period".to_owned(), "year".to_owned()),
            ("bonus_pct".to_owned(), "bonus_scale".to_owned())
        ]
    );
    app.post(&path, &rm, body.clone())
        .await
        .assert_problem(403, "permission_denied");
    let c = app
        .post(
            &format!("/api/v1/performance/scorecards/{rm1}/close"),
            &sup,
            json!({"period": last_year, "rating": "excellent"}),
        )
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    // Recorded once however often it is retried with its key.
    let send = || {
        app.req_h(
            reqwest::Method::POST,
            &path,
            Some(&sup),
            Some(body.clone()),
            &[("idempotency-key", "decide-1")],
        )
    };
    let first = send().await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = send().await;
    assert_eq!(again.body, first.body);
    assert!(again.headers.get("idempotent-replayed").is_some());
    assert_eq!(app.count("perf_decisions").await, 1);
    assert_eq!(
        (
            first.body["version"].as_i64(),
            first.body["scorecard_version"].as_i64(),
            first.body["bonus_pct"].as_i64(),
            first.body["promotion"].as_str(),
            first.body["decided_by"].as_str()
        ),
        (Some(1), Some(1), Some(120), Some("consider"), Some("sup1"))
    );
    // A revision is a new version; the card shows the latest, and the person reads it on their own card.
    let r = app
        .post(
            &path,
            &sup,
            json!({"period": last_year, "bonus_pct": 130, "promotion": "recommend"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let own = app
        .get(
            &format!("/api/v1/performance/scorecards/{rm1}?period={last_year}"),
            &rm,
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    let d = &own.body["decision"];
    assert_eq!(
        (
            d["version"].as_i64(),
            d["bonus_pct"].as_i64(),
            d["promotion"].as_str()
        ),
        (Some(2), Some(130), Some("recommend")),
        "{}",
        own.text
    );
    // A quarter's card has none.
    let q = app
        .get(
            &format!("/api/v1/performance/scorecards/{rm1}?period={last_year}-Q4"),
            &sup,
        )
        .await;
    assert!(q.body["decision"].is_null(), "{}", q.text);
    let actions = app
        .texts("SELECT action FROM audit_log WHERE action = 'performance.decide'")
        .await;
    assert_eq!(actions.len(), 2);
}

async fn a_team_or_branch_target_applies_to_its_people_without_their_own(app: &TestApp) {
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    for (u, b) in [("rm2", "BR0001"), ("rm4", "BR0001"), ("rm3", "BR0002")] {
        app.login_as(u, Role::RelationshipManager, Some(b)).await;
    }
    app.sql("UPDATE staff SET team = '零售一组' WHERE username IN ('rm1', 'rm2')")
        .await;
    let q = Period::quarter_of(jiff::Zoned::now().date()).code();
    let set = |body: Value| app.post("/api/v1/performance/group-targets", &sup, body);
    let r = set(
        json!({"period": q, "branch_code": "BR0001", "kpi": "new_customers", "target_value": 10.0}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(
        r.body["team"].is_null() && r.body["before"].is_null(),
        "{}",
        r.text
    );
    let r = set(
        json!({"period": q, "branch_code": "BR0001", "team": "零售一组", "kpi": "new_customers",
                       "target_value": 8.0}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(
            "/api/v1/performance/targets",
            &sup,
            json!({"period": q, "staff_id": app.staff_id("rm1").await, "kpi": "new_customers", "target_value": 5.0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Each person reads the nearest: rm1 their own, rm2 the team's, rm4 (no team) the branch's.
    let cards = app
        .get(&format!("/api/v1/performance/scorecards?period={q}"), &sup)
        .await;
    assert_eq!(cards.status, StatusCode::OK, "{}", cards.text);
    let target_of = |name: &str| {
        let c = cards.body["cards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {}", cards.text));
        let l = line(c, "new_customers");
        (
            l["target"].as_f64(),
            l["target_source"].as_str().map(str::to_owned),
        )
    };
    assert_eq!(target_of("rm1"), (Some(5.0), Some("own".to_owned())));
    assert_eq!(target_of("rm2"), (Some(8.0), Some("team".to_owned())));
    assert_eq!(target_of("rm4"), (Some(10.0), Some("branch".to_owned())));
    // Another branch reads as unknown to this supervisor; so does a team the branch does not have; a value
    // off its scale names the field; a manager sets none.
    let r = set(
        json!({"period": q, "branch_code": "BR0002", "kpi": "new_customers", "target_value": 3.0}),
    )
    .await;
    assert_eq!(
        r.field_errors(),
        vec![("branch_code".to_owned(), "unknown".to_owned())]
    );
    let r = set(
        json!({"period": q, "branch_code": "BR0001", "team": "不存在的组", "kpi": "case_sla",
                       "target_value": 150.0}),
    )
    .await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("team".to_owned(), "unknown".to_owned()),
            ("target_value".to_owned(), "scale".to_owned())
        ]
    );
    app.post(
        "/api/v1/performance/group-targets",
        &rm,
        json!({"period": q, "branch_code": "BR0001", "kpi": "new_customers", "target_value": 1.0}),
    )
    .await
    .assert_problem(403, "permission_denied");
    // Set again: replaced, the value before in the answer; listed for the period.
    let r = set(
        json!({"period": q, "branch_code": "BR0001", "kpi": "new_customers", "target_value": 12.0}),
    )
    .await;
    assert_eq!(r.body["before"].as_f64(), Some(10.0), "{}", r.text);
    let list = app
        .get(
            &format!("/api/v1/performance/group-targets?period={q}"),
            &sup,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let rows: Vec<(Option<&str>, Option<f64>)> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["team"].as_str(), g["target"].as_f64()))
        .collect();
    assert_eq!(
        rows,
        vec![(None, Some(12.0)), (Some("零售一组"), Some(8.0))]
    );
    let again = app
        .get(&format!("/api/v1/performance/scorecards?period={q}"), &sup)
        .await;
    let rm4 = again.body["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "rm4")
        .unwrap();
    assert_eq!(line(rm4, "new_customers")["target"].as_f64(), Some(12.0));
    let actions = app
        .texts("SELECT action FROM audit_log WHERE action = 'performance.group_target'")
        .await;
    assert_eq!(actions.len(), 3);

    // A target for the team as a whole: the team's summary reads it against everyone's figures added up; the
    // people's own lines keep theirs (the policy's 5,000 yuan of fees each), and the branch's summary adds up
    // its people's targets as before.
    let r = set(
        json!({"period": q, "branch_code": "BR0001", "team": "零售一组", "kpi": "fee_income",
               "target_value": 20000.0, "whole": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["whole"], true, "{}", r.text);
    let cards = app
        .get(&format!("/api/v1/performance/scorecards?period={q}"), &sup)
        .await;
    let person = |name: &str| {
        let c = cards.body["cards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap();
        let l = line(c, "fee_income");
        (
            l["target"].as_f64(),
            l["target_source"].as_str().map(str::to_owned),
        )
    };
    assert_eq!(person("rm1"), (Some(5000.0), Some("policy".to_owned())));
    assert_eq!(person("rm2"), (Some(5000.0), Some("policy".to_owned())));
    let group = |level: &str, team: Option<&str>| {
        let g = cards.body["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| {
                g["level"] == level
                    && g["branch_code"] == "BR0001"
                    && g["team"].as_str() == team
                    && g["role"] == "relationship_manager"
            })
            .unwrap_or_else(|| panic!("{level} {team:?} in {}", cards.text));
        let l = g["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["kpi"] == "fee_income")
            .unwrap();
        (l["target"].as_f64(), l["whole_target"].as_bool())
    };
    assert_eq!(group("team", Some("零售一组")), (Some(20000.0), Some(true)));
    assert_eq!(group("branch", None), (Some(15000.0), Some(false)));
    // The team's new-customer target is still each person's: the team's summary adds them up (rm1 5 + rm2 8).
    let g = cards.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["level"] == "team" && g["role"] == "relationship_manager")
        .unwrap();
    let nc = g["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kpi"] == "new_customers")
        .unwrap();
    assert_eq!(
        (nc["target"].as_f64(), nc["whole_target"].as_bool()),
        (Some(13.0), Some(false))
    );
}
