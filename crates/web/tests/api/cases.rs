//! Feedback and complaints: register -> route -> escalate -> resolve -> survey -> analytics, deadlines with
//! working days, extensions and pauses, repeats, scope, bad input, calendars.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    a_complaint_goes_from_registration_to_analytics,
    a_critical_case_gets_its_own_shorter_clock,
    a_case_goes_only_to_an_owner_who_may_see_the_customer,
    extensions_need_their_approvers_and_a_pause_stops_the_clock,
    corporate_cases_count_working_days_and_a_repeat_with_new_facts_restarts_the_clock,
    bad_cases_and_calendars_are_named_and_cases_stay_in_scope,
    attachments_are_typed_limited_encrypted_and_audited,
    each_clock_escalates_and_a_breach_cannot_be_undone,
    contacts_reveal_drill_down_without_a_value_and_calendar_text,
    customers_answer_surveys_and_invitations_through_the_gateway,
    an_unreadable_stored_value_is_an_error_naming_the_row,
];

const HOUR: i64 = 3_600_000_000;

fn ago(hours: i64) -> String {
    jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(hours))
        .unwrap()
        .to_string()
}

async fn act(app: &TestApp, token: &str, id: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/cases/{id}/actions"), token, body)
        .await
}

fn us(s: &Value) -> i64 {
    s.as_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_microsecond()
}

async fn a_complaint_goes_from_registration_to_analytics(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let cs = app
        .login_as("cs1", Role::CustomerService, Some("BR0001"))
        .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    put_org(app, "cs1", "service").await;
    put_org(app, "sup1", "service").await;
    put_org(app, "ops1", "operations").await;
    let customer = verified_individual(app, &rm, "13812345678", 123).await;

    // Register: a complaint by hotline received 20 hours ago (individual: 24-hour SLA).
    let received = ago(20);
    let r = app
        .post(
            "/api/v1/cases",
            &cs,
            json!({"kind": "complaint", "channel": "hotline", "product": "deposits", "cause": "waiting_time",
                   "severity": "high", "customer": customer, "subject": "柜台排队超过一小时",
                   "content": "客户反映周六上午在网点排队超过一小时，无人引导。", "received_at": received}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let case = r.body.clone();
    let id = case["id"].as_str().unwrap().to_owned();
    assert!(
        case["case_no"].as_str().unwrap().starts_with("FB20"),
        "{case}"
    );
    // Routed by the default rule to the service department's least-loaded member.
    assert_eq!(case["department"], "service");
    assert_eq!(case["route_rule"], "default");
    assert_eq!(case["owner"], "cs1");
    // Two clocks, each with its amount and unit.
    assert_eq!(
        (case["sla"]["amount"].as_i64(), case["sla"]["unit"].as_str()),
        (Some(24), Some("hours"))
    );
    assert_eq!(
        us(&case["sla"]["due_at"]) - us(&Value::String(received.clone())),
        24 * HOUR
    );
    assert_eq!(case["regulatory"]["amount"], 15);
    assert_eq!(case["regulatory"]["unit"], "calendar_days");
    assert_eq!(case["escalation_level"], 0);
    let n = app.get("/api/v1/notices", &cs).await;
    assert_eq!(n.body[0]["kind"], "case.assigned", "{}", n.text);

    // Escalate at 80% (19.2 of 24 hours have passed): owner and supervisor are told; a second pass does nothing.
    let now = jiff::Timestamp::now().as_microsecond();
    assert_eq!(
        banyan_app::cases::escalate_due(&app.app, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        banyan_app::cases::escalate_due(&app.app, now)
            .await
            .unwrap(),
        0
    );
    let c = app.get(&format!("/api/v1/cases/{id}"), &cs).await;
    assert_eq!(c.body["escalation_level"], 1);
    assert!(
        c.body["log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["action"] == "escalate")
    );
    for t in [&cs, &sup] {
        let n = app.get("/api/v1/notices", t).await;
        assert_eq!(n.body[0]["kind"], "case.sla_warning", "{}", n.text);
    }
    let escalated = app.get("/api/v1/cases?min_level=1", &sup).await;
    assert_eq!(escalated.body["items"].as_array().unwrap().len(), 1);

    // Investigate: a note and a task for operations with its result.
    let r = act(
        app,
        &cs,
        &id,
        json!({"action": "note", "text": "调取监控，确认当日叫号系统故障"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let due = app.app.today().tomorrow().unwrap().to_string();
    let r = act(
        app,
        &cs,
        &id,
        json!({"action": "task", "department": "operations", "title": "排查叫号系统", "due": due}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let task = &r.body["tasks"][0];
    assert_eq!(task["owner"], "ops1");
    let r = act(
        app,
        &ops,
        &id,
        json!({"action": "complete_task", "task": task["id"], "result": "已更换叫号主机"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["tasks"][0]["status"], "done");

    // Resolve: the reply and a survey go to the customer through the outbox; the SLA was met.
    let r = act(
        app,
        &cs,
        &id,
        json!({"action": "resolve", "solution": "叫号系统已修复，周末增派引导员",
        "reply": "您好，您反映的排队问题已处理：叫号系统已修复，周末增派引导员。"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "resolved");
    assert_eq!(r.body["sla"]["met"], true);
    assert_eq!(r.body["regulatory"]["met"], true);
    assert_eq!(r.body["reply_via"], "outbox:sms");
    let m = app
        .get(&format!("/api/v1/customers/{customer}/messages"), &rm)
        .await;
    let causes: Vec<&str> = m
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["cause"].as_str().unwrap())
        .collect();
    assert!(
        causes.contains(&"case.reply") && causes.contains(&"case.survey"),
        "{causes:?}"
    );
    // Survey -> closed; reopened within the window; resolved and surveyed again.
    let r = act(
        app,
        &cs,
        &id,
        json!({"action": "survey", "satisfaction": 3, "comment": "还行"}),
    )
    .await;
    assert_eq!(r.body["status"], "closed", "{}", r.text);
    let r = act(
        app,
        &cs,
        &id,
        json!({"action": "reopen", "reason": "客户来电称周日仍无人引导"}),
    )
    .await;
    assert_eq!(
        (r.body["status"].as_str(), r.body["reopen_count"].as_i64()),
        (Some("open"), Some(1)),
        "{}",
        r.text
    );
    act(app, &cs, &id, json!({"action": "resolve", "solution": "周日同样安排引导员", "reply": "周日已安排引导员。"})).await;
    let r = act(
        app,
        &cs,
        &id,
        json!({"action": "survey", "satisfaction": 5}),
    )
    .await;
    assert_eq!(r.body["satisfaction"], 5);
    let r = act(app, &cs, &id, json!({"action": "lessons", "lessons": "周末客流高峰需预案", "improvement": "周末排班增加一名大堂经理"})).await;
    assert_eq!(r.body["lessons"], "周末客流高峰需预案");
    // Closed cases take no more tasks.
    act(
        app,
        &cs,
        &id,
        json!({"action": "task", "department": "operations", "title": "x", "due": due}),
    )
    .await
    .assert_problem(409, "invalid_state");

    // Two more: an inquiry from a non-customer by e-mail, and praise at the branch.
    let r = app
        .post(
            "/api/v1/cases",
            &cs,
            json!({"kind": "inquiry", "channel": "email", "product": "cards", "complainant": {"name": "赵六", "contact": "13900001111"},
                   "branch_code": "BR0001", "subject": "信用卡年费", "content": "询问信用卡年费减免政策"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["complainant"], "赵*");
    assert_eq!(r.body["contact"], "139****1111");
    assert_eq!(r.body["department"], "operations", "cards go to operations");
    assert!(
        r.body["regulatory"].is_null(),
        "inquiries have no regulatory clock"
    );
    let r = app
        .post(
            "/api/v1/cases",
            &cs,
            json!({"kind": "praise", "channel": "branch", "customer": customer, "subject": "表扬大堂经理", "content": "大堂经理耐心细致"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // Analytics for today, and each count matches its drill-down list.
    let today = app.app.today().to_string();
    let period = format!("from={today}&to={today}");
    let a = app
        .get(&format!("/api/v1/cases/analytics?{period}"), &sup)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let received_today = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(20))
        .unwrap()
        .to_zoned(app.app.tz.clone())
        .date()
        .to_string()
        == today;
    let expected_total = if received_today { 3 } else { 2 };
    assert_eq!(a.body["total"], expected_total, "{}", a.text);
    let all = app.get(&format!("/api/v1/cases?{period}"), &sup).await;
    assert_eq!(
        all.body["items"].as_array().unwrap().len(),
        expected_total,
        "{}",
        all.text
    );
    for (dim, param) in [
        ("by_kind", "kind"),
        ("by_channel", "channel"),
        ("by_product", "product"),
        ("by_department", "department"),
    ] {
        for c in a.body[dim].as_array().unwrap() {
            let key = c["key"].as_str().unwrap();
            if key == "-" {
                continue;
            }
            let list = app
                .get(&format!("/api/v1/cases?{period}&{param}={key}"), &sup)
                .await;
            assert_eq!(
                list.body["items"].as_array().unwrap().len() as u64,
                c["count"].as_u64().unwrap(),
                "{dim} {key}: {}",
                list.text
            );
        }
    }
    // Over a wider period the complaint counts too: SLA attained 1 of 1, satisfaction 5, handling time.
    let from = app.app.today().yesterday().unwrap().to_string();
    let a = app
        .get(
            &format!("/api/v1/cases/analytics?from={from}&to={today}"),
            &sup,
        )
        .await;
    assert_eq!(a.body["total"], 3, "{}", a.text);
    assert_eq!(
        (
            a.body["sla"]["resolved"].as_u64(),
            a.body["sla"]["met"].as_u64()
        ),
        (Some(1), Some(1)),
        "{}",
        a.text
    );
    assert_eq!(a.body["sla"]["pct"], 100.0);
    assert_eq!(a.body["satisfaction_avg"], 5.0);
    assert_eq!(a.body["satisfaction_dist"][4], 1);
    // Trends per value of a dimension: one series per kind, aligned with the days, adding up to the counts.
    let days = a.body["by_day"].as_array().unwrap().len();
    assert_eq!(days, 2, "yesterday and today");
    for sr in a.body["trend"].as_array().unwrap() {
        assert_eq!(sr["counts"].as_array().unwrap().len(), days);
        let total: u64 = sr["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .sum();
        let by_kind = a.body["by_kind"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == sr["key"])
            .unwrap();
        assert_eq!(by_kind["count"].as_u64().unwrap(), total, "{sr}");
    }
    let ch = app
        .get(
            &format!("/api/v1/cases/analytics?from={from}&to={today}&trend_by=channel"),
            &sup,
        )
        .await;
    assert_eq!(
        ch.body["trend"].as_array().unwrap().len(),
        3,
        "hotline, email, branch: {}",
        ch.text
    );
    let bad = app
        .get("/api/v1/cases/analytics?trend_by=weather", &sup)
        .await;
    bad.assert_problem(422, "validation");
    assert_eq!(bad.field_errors()[0].0, "trend_by");
    assert!(
        a.body["avg_handling_hours"].as_f64().unwrap() >= 20.0,
        "{}",
        a.text
    );
    let heat: u64 = a.body["heat"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d.as_array().unwrap().iter().map(|n| n.as_u64().unwrap()))
        .sum();
    assert_eq!(heat, 3);
    // XLSX export of the same period.
    let x = app
        .client
        .get(format!(
            "{}/api/v1/cases/export?from={from}&to={today}",
            app.base
        ))
        .bearer_auth(&sup)
        .send()
        .await
        .unwrap();
    assert_eq!(x.status(), StatusCode::OK);
    let bytes = x.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height(), 4, "header and three cases");
    // The API's file keeps stable column names; times are to the minute in the bank's zone.
    assert_eq!(sheet.get((0, 1)).unwrap().to_string(), "received_at");
    let received = sheet.get((1, 1)).unwrap().to_string();
    assert!(
        received.len() == 16 && received.as_bytes()[10] == b' ',
        "{received}"
    );
}

async fn extensions_need_their_approvers_and_a_pause_stops_the_clock(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let cs = app
        .login_as("cs1", Role::CustomerService, Some("BR0001"))
        .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let senior = app.login_as("senior1", Role::SeniorManager, None).await;
    let customer = verified_individual(app, &rm, "13812345678", 123).await;
    let r = app
        .post(
            "/api/v1/cases",
            &cs,
            json!({"kind": "complaint", "channel": "letter", "product": "wealth", "cause": "mis_selling", "customer": customer,
                   "subject": "理财产品风险揭示不足", "content": "客户称购买时未被告知产品风险等级"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["department"], "wealth");
    let id = r.body["id"].as_str().unwrap().to_owned();
    let reg0 = us(&r.body["regulatory"]["due_at"]);
    // Customer service cannot extend; a supervisor can, with a reason: 15 -> 30 days.
    act(
        app,
        &cs,
        &id,
        json!({"action": "extend", "reason": "需调取双录"}),
    )
    .await
    .assert_problem(403, "permission_denied");
    act(app, &sup, &id, json!({"action": "extend", "reason": " "}))
        .await
        .assert_problem(422, "validation");
    let r = act(
        app,
        &sup,
        &id,
        json!({"action": "extend", "reason": "需调取双录视频核实"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["regulatory"]["amount"], 30);
    assert_eq!(us(&r.body["regulatory"]["due_at"]) - reg0, 15 * 24 * HOUR);
    // The second extension needs a senior manager; the customer is told through the outbox with it.
    act(
        app,
        &sup,
        &id,
        json!({"action": "extend", "reason": "情况特别复杂"}),
    )
    .await
    .assert_problem(403, "permission_denied");
    let r = act(
        app,
        &senior,
        &id,
        json!({"action": "extend", "reason": "情况特别复杂"}),
    )
    .await;
    assert_eq!(r.body["regulatory"]["amount"], 60, "{}", r.text);
    assert_eq!(r.body["extensions"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["extensions"][1]["customer_notified"], true);
    let m = app
        .get(&format!("/api/v1/customers/{customer}/messages"), &rm)
        .await;
    let notice = m
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["cause"] == "case.extension")
        .cloned();
    let notice = notice.unwrap_or_else(|| panic!("no extension notice: {}", m.text));
    assert!(
        notice["body"]
            .as_str()
            .unwrap()
            .contains(r.body["case_no"].as_str().unwrap()),
        "{notice}"
    );
    act(
        app,
        &senior,
        &id,
        json!({"action": "extend", "reason": "再延", "customer_notified": true}),
    )
    .await
    .assert_problem(409, "extension_refused");

    // A pause (external appraisal) stops escalation; resuming moves the hour-based SLA by the paused time.
    let sla0 = us(&r.body["sla"]["due_at"]);
    let r = act(
        app,
        &sup,
        &id,
        json!({"action": "pause", "reason": "委托第三方鉴定录音"}),
    )
    .await;
    assert_eq!(r.body["paused"], true, "{}", r.text);
    let far = jiff::Timestamp::now().as_microsecond() + 100 * 24 * HOUR;
    assert_eq!(
        banyan_app::cases::escalate_due(&app.app, far)
            .await
            .unwrap(),
        0
    );
    act(
        app,
        &cs,
        &id,
        json!({"action": "resolve", "solution": "x", "reply": "y"}),
    )
    .await
    .assert_problem(409, "paused");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let r = act(
        app,
        &cs,
        &id,
        json!({"action": "resume", "note": "鉴定完成"}),
    )
    .await;
    assert_eq!(r.body["paused"], false, "{}", r.text);
    assert!(us(&r.body["sla"]["due_at"]) > sla0, "{}", r.text);
    // And breach now escalates to the regulatory levels.
    assert_eq!(
        banyan_app::cases::escalate_due(&app.app, far)
            .await
            .unwrap(),
        1
    );
    let c = app.get(&format!("/api/v1/cases/{id}"), &sup).await;
    assert_eq!(c.body["escalation_level"], 4);
    let a = app.get("/api/v1/cases/analytics", &sup).await;
    assert_eq!(a.body["breached_open"], 1, "{}", a.text);
}

async fn corporate_cases_count_working_days_and_a_repeat_with_new_facts_restarts_the_clock(
    app: &TestApp,
) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let body = json!({
        "kind": "corporate",
        "branch_code": "BR0001",
        "organization": {"registered_name": "北京测试制造有限公司", "credit_code": credit_code("MA0123456"), "industry": "C"},
    });
    let c = app.create(&rm, body).await;
    let org = c["id"].as_str().unwrap().to_owned();
    let register = |complex: bool, received: &'static str| {
        let rm = rm.clone();
        let org = org.clone();
        async move {
            let r = app
                .post(
                    "/api/v1/cases",
                    &rm,
                    json!({"kind": "complaint", "channel": "online", "product": "corporate_banking", "complex": complex,
                           "customer": org, "subject": "跨境汇款延误", "content": "货款汇出延误三天", "received_at": received}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            r.body
        }
    };
    // Received 30 September 2026: 1-7 October are holidays, Saturday 10 October is a make-up working day.
    let complex = register(true, "2026-09-30T16:30:00+08:00").await;
    assert_eq!(complex["department"], "corporate");
    assert_eq!(complex["sla"]["unit"], "working_days");
    assert_eq!(complex["sla"]["amount"], 5);
    assert_eq!(complex["sla"]["due_at"], "2026-10-13T15:59:59Z");
    let simple = register(false, "2026-09-30T16:30:00+08:00").await;
    assert_eq!(simple["sla"]["amount"], 3);
    assert_eq!(simple["sla"]["due_at"], "2026-10-10T15:59:59Z");
    // 15 calendar days from 30 September, end of day.
    assert_eq!(simple["regulatory"]["due_at"], "2026-10-15T15:59:59Z");

    // A repeat without new facts is merged and changes nothing; with new facts the clocks restart.
    let no = simple["case_no"].as_str().unwrap();
    let id = simple["id"].as_str().unwrap();
    let r = app
        .post(
            "/api/v1/cases",
            &rm,
            json!({"kind": "complaint", "channel": "hotline", "customer": org, "subject": "再次催办", "content": "客户再次来电催办",
                   "received_at": "2026-10-09T10:00:00+08:00", "repeat_of": no}),
        )
        .await;
    assert_eq!(r.body["status"], "merged", "{}", r.text);
    assert_eq!(r.body["linked_case"], no);
    let same = app.get(&format!("/api/v1/cases/{id}"), &rm).await;
    assert_eq!(same.body["sla"]["due_at"], "2026-10-10T15:59:59Z");
    let r = app
        .post(
            "/api/v1/cases",
            &rm,
            json!({"kind": "complaint", "channel": "email", "customer": org, "subject": "补充材料", "content": "客户补充了银行回单，显示资金已被扣划",
                   "received_at": "2026-10-12T09:00:00+08:00", "repeat_of": no, "new_facts": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let restarted = app.get(&format!("/api/v1/cases/{id}"), &rm).await;
    // Three working days from Monday 12 October: Thursday 15 October; 15 calendar days: 27 October.
    assert_eq!(
        restarted.body["sla"]["due_at"], "2026-10-15T15:59:59Z",
        "{}",
        restarted.text
    );
    assert_eq!(
        restarted.body["regulatory"]["due_at"],
        "2026-10-27T15:59:59Z"
    );
    assert!(
        restarted.body["log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["action"] == "restart"),
        "{}",
        restarted.text
    );
}

async fn bad_cases_and_calendars_are_named_and_cases_stay_in_scope(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let customer = verified_individual(app, &rm, "13812345678", 123).await;
    let r = app
        .post(
            "/api/v1/cases",
            &rm,
            json!({"kind": "rant", "channel": "pigeon", "cause": "weather", "subject": "", "content": "x", "received_at": "2999-01-01T00:00:00Z"}),
        )
        .await;
    r.assert_problem(422, "validation");
    let mut fields: Vec<String> = r.field_errors().into_iter().map(|(f, _)| f).collect();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "cause",
            "channel",
            "customer",
            "kind",
            "received_at",
            "subject"
        ]
    );
    assert_eq!(app.count("cases").await, 0, "nothing half-written");

    // A case about rm1's customer: rm1 sees it, another branch's manager does not (404), auditors read only.
    let r = app
        .post(
            "/api/v1/cases",
            &rm,
            json!({"kind": "suggestion", "channel": "app", "product": "digital", "customer": customer, "subject": "App 增加夜间模式", "content": "建议手机银行增加夜间模式"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (
            r.body["sla"]["amount"].as_i64(),
            r.body["sla"]["unit"].as_str()
        ),
        (Some(5), Some("working_days"))
    );
    let id = r.body["id"].as_str().unwrap().to_owned();
    let rm3 = app
        .login_as("rm3", Role::RelationshipManager, Some("BR0002"))
        .await;
    app.get(&format!("/api/v1/cases/{id}"), &rm3)
        .await
        .assert_problem(404, "not_found");
    assert!(
        app.get("/api/v1/cases", &rm3).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let aud = app.login_as("aud1", Role::Auditor, None).await;
    assert_eq!(
        app.get(&format!("/api/v1/cases/{id}"), &aud).await.status,
        StatusCode::OK
    );
    act(app, &aud, &id, json!({"action": "note", "text": "x"}))
        .await
        .assert_problem(403, "permission_denied");
    let reviewer = app.login_as("rev1", Role::Reviewer, None).await;
    app.get("/api/v1/cases", &reviewer)
        .await
        .assert_problem(403, "permission_denied");
    // Unknown actions and fields are named.
    let r = act(app, &rm, &id, json!({"action": "shout"})).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);

    // Calendars: an administrator loads Hong Kong's; a broken file names its line.
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let bad = app
        .req(Method::PUT, "/api/v1/calendars/HK", Some(&admin), Some(json!({"body": "name = \"HK\"\nweekend = [\"sunday\"]\nholidays = [\"2026-13-01\"]\nworkdays = []\nyears = [2026]\n"})))
        .await;
    bad.assert_problem(422, "validation");
    assert!(bad.text.contains("line 3"), "{}", bad.text);
    let hk = "name = \"HK\"\nweekend = [\"saturday\", \"sunday\"]\nholidays = [\"2026-12-25\", \"2026-12-26\"]\nworkdays = []\nyears = [2026]\n";
    let r = app
        .req(
            Method::PUT,
            "/api/v1/calendars/HK",
            Some(&admin),
            Some(json!({"body": hk})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["years"], json!([2026]));
    // A branch can count in its own calendar (a Hong Kong branch on HK); a test calendar with one extra
    // holiday, Friday 20 November 2026, for branch BR0009.
    let hk_branch = "name = \"TEST\"\nweekend = [\"saturday\", \"sunday\"]\nholidays = [\"2026-11-20\"]\nworkdays = []\nyears = [2026]\nbranches = [\"BR0009\"]\n".to_owned();
    let r = app
        .req(
            Method::PUT,
            "/api/v1/calendars/TEST",
            Some(&admin),
            Some(json!({"body": hk_branch})),
        )
        .await;
    assert_eq!(r.body["branches"], json!(["BR0009"]), "{}", r.text);
    let suggestion = |branch: &'static str| {
        let rm = rm.clone();
        async move {
            let r = app
                .post(
                    "/api/v1/cases",
                    &rm,
                    json!({"kind": "suggestion", "channel": "branch", "complainant": {"name": "陈七", "contact": "chen@example.hk"},
                           "branch_code": branch, "subject": "延长营业时间", "content": "建议周六营业", "received_at": "2026-11-18T10:00:00+08:00"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            r.body["sla"]["due_at"].as_str().unwrap().to_owned()
        }
    };
    // Five working days from Wednesday 18 November: the 25th in the China calendar, the 26th in TEST.
    assert_eq!(suggestion("BR0009").await, "2026-11-26T15:59:59Z");
    assert_eq!(suggestion("BR0001").await, "2026-11-25T15:59:59Z");
    // A branch counts in one calendar only.
    let clash = app
        .req(
            Method::PUT,
            "/api/v1/calendars/TEST2",
            Some(&admin),
            Some(json!({"body": hk_branch.replace("name = \"TEST\"", "name = \"TEST2\"")})),
        )
        .await;
    clash.assert_problem(422, "validation");
    assert_eq!(clash.field_errors()[0].1, "branches");
    let list = app.get("/api/v1/calendars", &admin).await;
    let names: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["CN", "HK", "TEST"]);
    // The registering staff member follows their own case even outside their customer scope.
    assert!(
        app.get("/api/v1/cases", &rm).await.body["items"]
            .as_array()
            .unwrap()
            .len()
            >= 3
    );
    app.req(
        Method::PUT,
        "/api/v1/calendars/HK",
        Some(&rm),
        Some(json!({"body": hk})),
    )
    .await
    .assert_problem(403, "permission_denied");
}

async fn attachments_are_typed_limited_encrypted_and_audited(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let customer = verified_individual(app, &rm, "13812345678", 123).await;
    let r = app
        .post(
            "/api/v1/cases",
            &rm,
            json!({"kind": "complaint", "channel": "letter", "customer": customer, "subject": "来信投诉", "content": "见附件"}),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let pdf = b"%PDF-1.4\n% complaint letter scanned\n".to_vec();
    let up = |name: &str, body: Vec<u8>| {
        let url = format!(
            "{}/api/v1/cases/{id}/attachments?filename={}",
            app.base,
            form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        );
        let rm = rm.clone();
        async move {
            let r = app
                .client
                .post(url)
                .bearer_auth(&rm)
                .header("content-type", "application/octet-stream")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            (status, v)
        }
    };
    let (status, a) = up("投诉信.pdf", pdf.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert_eq!(a["content_type"], "application/pdf");
    assert_eq!(a["size_bytes"], pdf.len());
    let c = app.get(&format!("/api/v1/cases/{id}"), &rm).await;
    assert_eq!(c.body["attachments"][0]["filename"], "投诉信.pdf");
    assert!(
        c.body["log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["action"] == "attach")
    );
    // Stored encrypted: the bytes in the database are not the file.
    let aid: uuid::Uuid = a["id"].as_str().unwrap().parse().unwrap();
    let (_, stored) =
        banyan_store::cases::find_attachment(&app.app.db().conn, id.parse().unwrap(), aid)
            .await
            .unwrap()
            .unwrap();
    assert!(!stored.windows(4).any(|w| w == b"%PDF"), "stored in clear");
    // Downloaded as a file with its name, and audited.
    let d = app
        .client
        .get(format!("{}/api/v1/cases/{id}/attachments/{aid}", app.base))
        .bearer_auth(&rm)
        .send()
        .await
        .unwrap();
    assert_eq!(d.status(), StatusCode::OK);
    assert_eq!(d.headers()["content-type"], "application/pdf");
    let disp = d.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disp.starts_with("attachment;") && disp.contains("UTF-8''%E6%8A%95"),
        "{disp}"
    );
    assert_eq!(d.bytes().await.unwrap().to_vec(), pdf);
    let aud = app.login_as("aud1", Role::Auditor, None).await;
    let log = app
        .get("/api/v1/audit?action=case.attachment.read", &aud)
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    assert!(log.text.contains("case.attachment.read"), "{}", log.text);
    // Wrong types, disguised content, empty and oversized files are refused, naming why.
    let (s1, e1) = up("setup.exe", b"MZ".to_vec()).await;
    assert_eq!(
        (s1.as_u16(), e1["errors"][0]["field"].as_str()),
        (422, Some("filename")),
        "{e1}"
    );
    let (s2, e2) = up("photo.png", b"not a picture".to_vec()).await;
    assert_eq!(
        (s2.as_u16(), e2["errors"][0]["rule"].as_str()),
        (422, Some("file_type")),
        "{e2}"
    );
    let (s3, e3) = up("empty.txt", Vec::new()).await;
    assert_eq!(
        (s3.as_u16(), e3["errors"][0]["rule"].as_str()),
        (422, Some("required")),
        "{e3}"
    );
    let (s4, e4) = up(
        "big.txt",
        vec![b'a'; banyan_app::cases::ATTACHMENT_MAX_BYTES + 1],
    )
    .await;
    assert_eq!(
        (s4.as_u16(), e4["errors"][0]["rule"].as_str()),
        (422, Some("size")),
        "{e4}"
    );
    assert_eq!(app.count("case_attachments").await, 1);
    // Out of scope: 404 for the case and the file alike.
    let rm3 = app
        .login_as("rm3", Role::RelationshipManager, Some("BR0002"))
        .await;
    app.get(&format!("/api/v1/cases/{id}/attachments/{aid}"), &rm3)
        .await
        .assert_problem(404, "not_found");
}

fn at(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().unwrap().as_microsecond()
}

/// Each clock escalates on its own; a breached deadline stays breached; states and versions hold.
async fn each_clock_escalates_and_a_breach_cannot_be_undone(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    put_org(app, "rm1", "corporate").await;
    let body = json!({
        "kind": "corporate",
        "branch_code": "BR0001",
        "organization": {"registered_name": "北京测试制造有限公司", "credit_code": credit_code("MA0123456"), "industry": "C"},
    });
    let org = app.create(&rm, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Received Thursday 12 February 2026: five working days skip the Spring Festival (15-23 February) and
    // count Saturday 14 February, so the SLA ends 26 February; the regulatory 15 days end 27 February.
    let r = app
        .post(
            "/api/v1/cases",
            &rm,
            json!({"kind": "complaint", "channel": "branch", "product": "loans", "complex": true, "customer": org,
                   "subject": "贷款审批延误", "content": "授信审批超过约定时间", "received_at": "2026-02-12T10:00:00+08:00"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["sla"]["due_at"], "2026-02-26T15:59:59Z");
    assert_eq!(r.body["regulatory"]["due_at"], "2026-02-27T15:59:59Z");
    let id = r.body["id"].as_str().unwrap().to_owned();
    let no = r.body["case_no"].as_str().unwrap().to_owned();
    let log_of = |c: &Value| -> Vec<String> {
        c["log"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["action"] == "escalate")
            .flat_map(|l| {
                l["detail"]["reached"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|w| w.as_str().unwrap().to_owned())
            })
            .collect()
    };
    // 25 February: both clocks past 80%.
    assert_eq!(
        banyan_app::cases::escalate_due(&app.app, at("2026-02-25T00:00:00+08:00"))
            .await
            .unwrap(),
        1
    );
    let c = app.get(&format!("/api/v1/cases/{id}"), &sup).await;
    assert_eq!(log_of(&c.body), vec!["sla_warning", "regulatory_warning"]);
    assert_eq!(c.body["escalation_level"], 3);
    // Both points passed in one pass are one notice to each person, of the graver one.
    let n = app.get("/api/v1/notices", &sup).await;
    let kinds: Vec<&str> = n
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["kind"].as_str())
        .filter(|k| k.contains("warning"))
        .collect();
    assert_eq!(kinds, vec!["case.regulatory_warning"], "{}", n.text);
    // 27 February: the SLA breach is still told, although the regulatory clock warned first.
    assert_eq!(
        banyan_app::cases::escalate_due(&app.app, at("2026-02-27T12:00:00+08:00"))
            .await
            .unwrap(),
        1
    );
    let c = app.get(&format!("/api/v1/cases/{id}"), &sup).await;
    assert_eq!(
        log_of(&c.body),
        vec!["sla_warning", "regulatory_warning", "sla_breach"]
    );
    let n = app.get("/api/v1/notices", &sup).await;
    assert!(n.text.contains("sla_breach"), "{}", n.text);
    assert_eq!(
        banyan_app::cases::escalate_due(&app.app, at("2026-02-28T12:00:00+08:00"))
            .await
            .unwrap(),
        1
    );
    let c = app.get(&format!("/api/v1/cases/{id}"), &sup).await;
    assert_eq!(c.body["escalation_level"], 4);
    // The breach cannot be extended or paused away.
    act(
        app,
        &sup,
        &id,
        json!({"action": "extend", "reason": "补充调查"}),
    )
    .await
    .assert_problem(409, "deadline_passed");
    let before =
        app.get(&format!("/api/v1/cases/{id}"), &sup).await.body["regulatory"]["due_at"].clone();
    act(
        app,
        &sup,
        &id,
        json!({"action": "pause", "reason": "外部鉴定"}),
    )
    .await;
    act(app, &sup, &id, json!({"action": "resume"})).await;
    let after = app.get(&format!("/api/v1/cases/{id}"), &sup).await;
    assert_eq!(
        after.body["regulatory"]["due_at"], before,
        "a pause after the deadline does not move it"
    );
    // New facts after a regulatory breach open a new case linked to it; the breached one keeps its clocks.
    let r = app
        .post(
            "/api/v1/cases",
            &rm,
            json!({"kind": "complaint", "channel": "letter", "customer": org, "subject": "补充材料", "content": "新的审批记录",
                   "repeat_of": no, "new_facts": true}),
        )
        .await;
    assert_eq!(
        (r.body["status"].as_str(), r.body["linked_case"].as_str()),
        (Some("open"), Some(no.as_str())),
        "{}",
        r.text
    );
    let second = r.body["id"].as_str().unwrap().to_owned();
    let again = app.get(&format!("/api/v1/cases/{id}"), &sup).await;
    assert_eq!(again.body["regulatory"]["due_at"], before);
    // A merged repeat is listed only when asked for.
    let r = app
        .post(
            "/api/v1/cases",
            &rm,
            json!({"kind": "complaint", "channel": "hotline", "customer": org, "subject": "催办", "content": "催办", "repeat_of": r.body["case_no"]}),
        )
        .await;
    assert_eq!(r.body["status"], "merged", "{}", r.text);
    let listed = app.get(&format!("/api/v1/cases?customer={org}"), &rm).await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        listed.text
    );
    let merged = app
        .get(&format!("/api/v1/cases?customer={org}&status=merged"), &rm)
        .await;
    assert_eq!(merged.body["items"].as_array().unwrap().len(), 1);

    // States: no resolving with an open task; one survey per resolution; known departments only.
    let r = act(
        app,
        &rm,
        &second,
        json!({"action": "task", "department": "nowhere", "title": "x", "due": "2026-12-01"}),
    )
    .await;
    r.assert_problem(422, "validation");
    assert_eq!(
        r.field_errors()[0],
        ("department".to_owned(), "unknown".to_owned())
    );
    let r = act(app, &rm, &second, json!({"action": "task", "department": "corporate", "title": "核对审批记录", "due": "2026-12-01"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let task = r.body["tasks"][0]["id"].clone();
    act(
        app,
        &rm,
        &second,
        json!({"action": "resolve", "solution": "x", "reply": "y"}),
    )
    .await
    .assert_problem(409, "open_tasks");
    act(
        app,
        &rm,
        &second,
        json!({"action": "complete_task", "task": task, "result": "已核对"}),
    )
    .await;
    // A stale page (If-Match of an older version) is refused; the current one goes through.
    let current = app.get(&format!("/api/v1/cases/{second}"), &rm).await.body["version"]
        .as_i64()
        .unwrap();
    let stale = app
        .req_h(
            Method::POST,
            &format!("/api/v1/cases/{second}/actions"),
            Some(&rm),
            Some(json!({"action": "resolve", "solution": "已重新审批", "reply": "您好，已处理。"})),
            &[("If-Match", &format!("\"{}\"", current - 1))],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    let ok = app
        .req_h(
            Method::POST,
            &format!("/api/v1/cases/{second}/actions"),
            Some(&rm),
            Some(json!({"action": "resolve", "solution": "已重新审批", "reply": "您好，已处理。"})),
            &[("If-Match", &format!("\"{current}\""))],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    act(
        app,
        &rm,
        &second,
        json!({"action": "survey", "satisfaction": 4}),
    )
    .await;
    act(
        app,
        &rm,
        &second,
        json!({"action": "survey", "satisfaction": 1}),
    )
    .await
    .assert_problem(409, "already_surveyed");
}

/// A non-customer's contact is masked, shown in full only to entitled staff (audited); the cases without a
/// cause are their own drill-down; calendars can be read back to edit.
async fn contacts_reveal_drill_down_without_a_value_and_calendar_text(app: &TestApp) {
    let cs = app
        .login_as("cs1", Role::CustomerService, Some("BR0001"))
        .await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let r = app
        .post(
            "/api/v1/cases",
            &cs,
            json!({"kind": "inquiry", "channel": "hotline", "complainant": {"name": "赵六", "contact": "13900001111"},
                   "branch_code": "BR0001", "subject": "开户所需材料", "content": "询问开户所需材料"}),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["contact"], "139****1111");
    app.get(&format!("/api/v1/cases/{id}?reveal=true"), &cs)
        .await
        .assert_problem(403, "permission_denied");
    let full = app
        .get(&format!("/api/v1/cases/{id}?reveal=true"), &sup)
        .await;
    assert_eq!(
        (
            full.body["complainant"].as_str(),
            full.body["contact"].as_str()
        ),
        (Some("赵六"), Some("13900001111")),
        "{}",
        full.text
    );
    let aud = app.login_as("aud1", Role::Auditor, None).await;
    assert!(
        app.get("/api/v1/audit?action=case.reveal", &aud)
            .await
            .text
            .contains("case.reveal")
    );
    // No cause given: the "-" bucket, and its drill-down lists exactly that case.
    let today = app.app.today().to_string();
    let a = app
        .get(
            &format!("/api/v1/cases/analytics?from={today}&to={today}"),
            &sup,
        )
        .await;
    let none = a.body["by_cause"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "-")
        .cloned()
        .unwrap();
    assert_eq!(none["count"], 1);
    let l = app
        .get(
            &format!("/api/v1/cases?from={today}&to={today}&cause=-"),
            &sup,
        )
        .await;
    assert_eq!(l.body["items"].as_array().unwrap().len(), 1, "{}", l.text);
    // The shipped calendar can be read back as a file.
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let c = app.get("/api/v1/calendars/CN", &admin).await;
    assert!(
        c.body["body"].as_str().unwrap().contains("2026-10-10"),
        "{}",
        c.text
    );
    app.get("/api/v1/calendars/XX", &admin)
        .await
        .assert_problem(404, "not_found");
}

/// Posts a customer's reply as the gateway would (signed unless `sign` says otherwise).
pub(crate) async fn reply(app: &TestApp, body: Value, ts: i64, secret: &[u8]) -> Resp {
    let bytes = serde_json::to_vec(&body).unwrap();
    let sig = banyan_app::notify::signature(secret, ts, &bytes);
    app.raw_h(
        Method::POST,
        "/api/v1/inbound",
        &[
            ("content-type", "application/json"),
            ("x-banyan-timestamp", &ts.to_string()),
            ("x-banyan-signature", &format!("v1={sig}")),
        ],
        bytes,
    )
    .await
}

/// Customers answer the satisfaction survey and event invitations through the gateway.
async fn customers_answer_surveys_and_invitations_through_the_gateway(app: &TestApp) {
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
            json!({"kind": "complaint", "channel": "hotline", "customer": customer, "subject": "转账到账慢", "content": "跨行转账两小时未到账"}),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    act(
        app,
        &cs,
        &id,
        json!({"action": "resolve", "solution": "系统延迟已恢复", "reply": "您好，转账已到账。"}),
    )
    .await;
    let m = app
        .get(&format!("/api/v1/customers/{customer}/messages"), &rm)
        .await;
    let survey = m
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["cause"] == "case.survey")
        .unwrap()["id"]
        .clone();
    let now = jiff::Timestamp::now().as_second();
    // Unsigned, wrongly signed and stale replies are refused.
    reply(
        app,
        json!({"in_reply_to": survey, "text": "5"}),
        now,
        b"wrong",
    )
    .await
    .assert_problem(401, "bad_signature");
    reply(
        app,
        json!({"in_reply_to": survey, "text": "5"}),
        now - 3600,
        GATEWAY_SECRET,
    )
    .await
    .assert_problem(401, "bad_signature");
    // An unreadable score is named; a real one closes the case with the customer's words.
    let r = reply(
        app,
        json!({"in_reply_to": survey, "text": "很好"}),
        now,
        GATEWAY_SECRET,
    )
    .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors()[0].0, "text");
    let r = reply(
        app,
        json!({"in_reply_to": survey, "text": "4，处理及时"}),
        now,
        GATEWAY_SECRET,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.body["applied"].as_str(), r.body["satisfaction"].as_i64()),
        (Some("survey"), Some(4))
    );
    let c = app.get(&format!("/api/v1/cases/{id}"), &cs).await;
    assert_eq!(
        (c.body["status"].as_str(), c.body["satisfaction"].as_i64()),
        (Some("closed"), Some(4))
    );
    assert_eq!(c.body["survey_comment"], "处理及时");
    reply(
        app,
        json!({"in_reply_to": survey, "text": "1"}),
        now,
        GATEWAY_SECRET,
    )
    .await
    .assert_problem(409, "already_surveyed");
    reply(
        app,
        json!({"in_reply_to": uuid::Uuid::now_v7(), "text": "5"}),
        now,
        GATEWAY_SECRET,
    )
    .await
    .assert_problem(404, "not_found");
    // An invitation answered "是" takes a seat.
    let starts = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 7)).to_string();
    let ev = app
        .post("/api/v1/events", &rm, json!({"title": "理财沙龙", "kind": "lecture", "location": "三楼", "starts_at": starts, "capacity": 10}))
        .await;
    let ev = ev.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/events/{ev}/invitations"),
        &rm,
        json!({"customers": [customer]}),
    )
    .await;
    let m = app
        .get(&format!("/api/v1/customers/{customer}/messages"), &rm)
        .await;
    let invite = m
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["cause"] == "event.invite")
        .unwrap()["id"]
        .clone();
    let r = reply(
        app,
        json!({"in_reply_to": invite, "text": "是"}),
        now,
        GATEWAY_SECRET,
    )
    .await;
    assert_eq!(
        (r.body["applied"].as_str(), r.body["status"].as_str()),
        (Some("rsvp"), Some("accepted")),
        "{}",
        r.text
    );
    let e = app.get(&format!("/api/v1/events/{ev}"), &rm).await;
    assert_eq!(e.body["invitations"][0]["status"], "accepted", "{}", e.text);
}

/// A stored value that does not parse (here: the pauses that move a regulatory deadline, and the status) is
/// an error naming the table, the row and the column; it is never read as "no pauses", which would quietly
/// move the deadline. The API answers an opaque 500 for such a case.
async fn an_unreadable_stored_value_is_an_error_naming_the_row(app: &TestApp) {
    use banyan_store::ConnectionTrait;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let cs = app
        .login_as("cs1", Role::CustomerService, Some("BR0001"))
        .await;
    put_org(app, "cs1", "service").await;
    let customer = verified_individual(app, &rm, "13812345670", 121).await;
    let r = app
        .post(
            "/api/v1/cases",
            &cs,
            json!({"kind": "complaint", "channel": "hotline", "severity": "medium", "customer": customer,
                   "subject": "转账未到账", "content": "客户称转账三天未到账。", "received_at": ago(1)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let conn = &app.app.db().conn;
    let uuid: banyan_domain::ids::CaseId = id.parse().unwrap();
    assert!(banyan_store::cases::find_case(conn, uuid).await.is_ok());

    for (column, bad) in [("pauses", "[{\"from\": 1}]"), ("status", "pending")] {
        conn.execute_unprepared(&format!(
            "UPDATE cases SET {column} = '{bad}' WHERE case_no = '{}'",
            r.body["case_no"].as_str().unwrap()
        ))
        .await
        .unwrap();
        let err = banyan_store::cases::find_case(conn, uuid)
            .await
            .expect_err("an unreadable value must not read as a default");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("cases.{column} of row {id}")),
            "{msg}"
        );
        let page = app.get(&format!("/api/v1/cases/{id}"), &cs).await;
        page.assert_problem(500, "internal");
        assert!(!page.text.contains(bad), "{}", page.text);
        // Put the good value back before breaking the next column.
        let good = if column == "pauses" { "[]" } else { "open" };
        conn.execute_unprepared(&format!(
            "UPDATE cases SET {column} = '{good}' WHERE case_no = '{}'",
            r.body["case_no"].as_str().unwrap()
        ))
        .await
        .unwrap();
    }
    assert_eq!(
        app.get(&format!("/api/v1/cases/{id}"), &cs).await.status,
        StatusCode::OK
    );
    // A plain action logs an empty detail object (not null): the case page shows nothing for it.
    let noted = act(
        app,
        &cs,
        &id,
        json!({"action": "note", "text": "已联系客户"}),
    )
    .await;
    assert_eq!(noted.status, StatusCode::OK, "{}", noted.text);
    let last = noted.body["log"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "note", "{}", noted.text);
    assert_eq!(last["detail"], json!({}), "{}", noted.text);
}

async fn a_critical_case_gets_its_own_shorter_clock(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let cs = app
        .login_as("cs1", Role::CustomerService, Some("BR0001"))
        .await;
    put_org(app, "cs1", "service").await;
    let customer = verified_individual(app, &rm, "13812345678", 123).await;
    let received = ago(1);
    // A critical matter gets its own, shorter clock (policy: severity = "critical", 4 hours).
    let urgent = app
        .post(
            "/api/v1/cases",
            &cs,
            json!({"kind": "complaint", "channel": "hotline", "severity": "critical", "customer": customer,
                   "subject": "账户疑似被盗刷", "content": "客户称账户出现多笔陌生交易。", "received_at": received}),
        )
        .await;
    assert_eq!(urgent.status, StatusCode::CREATED, "{}", urgent.text);
    assert_eq!(
        (
            urgent.body["sla"]["amount"].as_i64(),
            urgent.body["sla"]["unit"].as_str()
        ),
        (Some(4), Some("hours"))
    );
    assert_eq!(urgent.body["sla_rule"], "sla[0]", "{}", urgent.text);
    assert_eq!(
        us(&urgent.body["sla"]["due_at"]) - us(&Value::String(received.clone())),
        4 * HOUR
    );
    // A newer routine case still queues behind the open critical one, on every page.
    let routine = app
        .post(
            "/api/v1/cases",
            &cs,
            json!({"kind": "inquiry", "channel": "hotline", "customer": customer,
                   "subject": "询问网点营业时间", "content": "客户询问周末营业时间。"}),
        )
        .await;
    assert_eq!(routine.status, StatusCode::CREATED, "{}", routine.text);
    let first = app.get("/api/v1/cases?limit=1", &cs).await;
    assert_eq!(
        first.body["items"][0]["id"], urgent.body["id"],
        "{}",
        first.text
    );
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/api/v1/cases?limit=1&cursor={cursor}"), &cs)
        .await;
    assert_eq!(
        second.body["items"][0]["id"], routine.body["id"],
        "{}",
        second.text
    );
    assert!(second.body["next_cursor"].is_null(), "{}", second.text);
    // Every page says how many there are in all.
    assert_eq!(first.body["total"]["count"], 2, "{}", first.text);
    assert_eq!(second.body["total"], json!({"count": 2, "more": false}));
    // The other orders page through the same cases, each in its own order.
    for (sort, key) in [("oldest", "received_at"), ("due", "sla")] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let r = app
                .get(&format!("/api/v1/cases?limit=1&sort={sort}{cursor}"), &cs)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let item = &r.body["items"][0];
            seen.push(if key == "sla" {
                us(&item["sla"]["due_at"])
            } else {
                us(&item["received_at"])
            });
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 2, "{sort}");
        assert!(seen[0] <= seen[1], "{sort}: {seen:?}");
    }
    let r = app.get("/api/v1/cases?sort=loudest", &cs).await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors()[0].0, "sort");
    // A cursor of one order does not lead through another.
    let r = app
        .get(
            &format!("/api/v1/cases?limit=1&sort=due&cursor={cursor}"),
            &cs,
        )
        .await;
    r.assert_problem(422, "validation");
    // A page size beyond the documented range is refused, not quietly shrunk.
    let r = app
        .get("/api/v1/cases?limit=9223372036854775808", &cs)
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(
        r.field_errors(),
        vec![("limit".to_owned(), "range".to_owned())]
    );
}

async fn a_case_goes_only_to_an_owner_who_may_see_the_customer(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let cs = app
        .login_as("cs1", Role::CustomerService, Some("BR0001"))
        .await;
    // In the service department: another RM of the customer's branch (who sees only their own customers,
    // and would be picked first as the same branch's least-loaded member) and an agent of another branch.
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let cs2 = app
        .login_as("cs2", Role::CustomerService, Some("BR0002"))
        .await;
    put_org(app, "rm2", "service").await;
    put_org(app, "cs2", "service").await;
    let customer = verified_individual(app, &rm, "13812345678", 123).await;
    let r = app
        .post(
            "/api/v1/cases",
            &cs,
            json!({"kind": "complaint", "channel": "hotline", "customer": customer,
                   "subject": "转账未到账", "content": "客户称跨行转账两天未到账。"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let cs2_id = app.get("/api/v1/me", &cs2).await.body["id"].clone();
    assert_eq!(r.body["owner_id"], cs2_id, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    // The owner opens the customer from the case; the RM who may not would have met a 404.
    let c = app
        .get(&format!("/api/v1/customers/{customer}"), &cs2)
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    app.get(&format!("/api/v1/customers/{customer}"), &rm2)
        .await
        .assert_problem(404, "not_found");
    // Nor can the case be handed to them by name.
    let r = act(
        app,
        &cs,
        &id,
        json!({"action": "assign", "department": "service", "owner": "rm2"}),
    )
    .await;
    r.assert_problem(422, "validation");
    assert_eq!(
        r.field_errors(),
        vec![("owner".to_owned(), "scope".to_owned())]
    );
}
