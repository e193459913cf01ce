//! After the opening: a lead that became a customer gives its owner the first-service guidance and the
//! follow-ups at the policy's days (3; 7, 30 and 90), as tasks carried out by logging the contact; when every
//! one is done the customer is handed over to its relationship-maintenance plan.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::StatusCode;
use serde_json::json;

crate::tests![a_won_lead_gives_its_owner_a_first_service_and_follow_ups_until_the_hand_over];

async fn a_won_lead_gives_its_owner_a_first_service_and_follow_ups_until_the_hand_over(
    app: &TestApp,
) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let r = app
        .post(
            "/api/v1/leads",
            &rm,
            json!({"kind": "corporate", "name": "南湖新材料科技有限公司", "mobile": "13500008888",
                "id_number": credit_code("MA7778889"), "industry": "C", "income": 6_000_000_000i64,
                "assets": 2_000_000_000i64, "liabilities": 500_000_000i64, "channel": "trade_fair",
                "basis": "consent", "consent_on": "2026-11-20", "credit_grade": "AA",
                "credit_source": "中诚信", "credit_on": "2026-10-08"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let act = |t: &str, b: serde_json::Value| {
        let (t, id) = (t.to_owned(), id.clone());
        async move {
            app.post(&format!("/api/v1/leads/{id}/actions"), &t, b)
                .await
        }
    };
    act(&rm, json!({"action": "screen"})).await;
    assert_eq!(
        act(&rev, json!({"action": "accept"})).await.body["stage"],
        "qualified"
    );
    crate::acquisition_visits::visited(app, &rm, &id).await;
    assert_eq!(
        app.get(&format!("/api/v1/leads/{id}"), &rm).await.body["onboarding"],
        json!([]),
        "no onboarding before the opening"
    );
    crate::acquisition_papers::papers_done(app, &rm, &rev, &id).await;
    let won = act(&rm, json!({"action": "win"})).await;
    assert_eq!(won.status, StatusCode::OK, "{}", won.text);

    // The first service in 3 days, the follow-ups at 7, 30 and 90, all the owner's, all open.
    let steps = won.body["onboarding"].as_array().unwrap().clone();
    let keys: Vec<&str> = steps
        .iter()
        .map(|s| s["plan_key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        vec![
            "first_service",
            "follow_up:7",
            "follow_up:30",
            "follow_up:90"
        ]
    );
    let today = app.app.today();
    let day = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    let due: Vec<&str> = steps
        .iter()
        .map(|s| s["due_on"].as_str().unwrap())
        .collect();
    assert_eq!(due, vec![day(3), day(7), day(30), day(90)]);
    assert!(steps.iter().all(|s| s["status"] == "open"));
    assert_eq!(steps[0]["method"], "meeting");
    assert_eq!(steps[1]["method"], "call");
    assert_eq!(won.body["handed_over"], false);
    let customer = won.body["customer_id"].as_str().unwrap().to_owned();
    // They are the customer's tasks, on the owner's list.
    let tasks = app
        .get(&format!("/api/v1/customers/{customer}/tasks"), &rm)
        .await;
    assert_eq!(tasks.status, StatusCode::OK, "{}", tasks.text);
    assert_eq!(
        tasks
            .body
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] == "onboarding")
            .count(),
        4,
        "{}",
        tasks.text
    );

    // Each is carried out by logging the contact for it; the last one hands the customer over.
    for s in &steps {
        let r = app
            .post(
                &format!("/api/v1/customers/{customer}/interactions"),
                &rm,
                json!({"method": s["method"], "outcome": "讲解网银与代发工资的使用，客户满意",
                    "satisfaction": 5, "task_id": s["id"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let lead = app.get(&format!("/api/v1/leads/{id}"), &rm).await;
        let last = s == steps.last().unwrap();
        assert_eq!(lead.body["handed_over"], last, "{}", lead.text);
    }
    let lead = app.get(&format!("/api/v1/leads/{id}"), &rm).await;
    let onboarding = lead.body["onboarding"].as_array().unwrap();
    assert!(
        onboarding
            .iter()
            .all(|s| s["status"] == "done" && s["on_time"] == true),
        "{}",
        lead.text
    );
}
