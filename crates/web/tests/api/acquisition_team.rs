//! The deal's team: beside the lead's owner (the relationship manager), a product manager and an operations
//! person — one of each, among the staff who may work the lead, never the owner; naming one tells them and
//! is in the lead's history; a part can be taken off; a lost lead keeps its team.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![a_deal_names_its_product_manager_and_operations_beside_its_owner];

async fn team(app: &TestApp, token: &str, id: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/leads/{id}/team"), token, body)
        .await
}

fn members(v: &Value) -> Vec<(String, String)> {
    v["team"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_owned(),
                m["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn a_deal_names_its_product_manager_and_operations_beside_its_owner(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.staff("ops1", Role::Operations, Some("BR0001")).await;
    let sup = app.staff("sup1", Role::Supervisor, Some("BR0001")).await;
    let cs = app
        .staff("cs1", Role::CustomerService, Some("BR0001"))
        .await;
    let far = app.staff("ops9", Role::Operations, Some("BR0002")).await;
    let r = app
        .post(
            "/api/v1/leads",
            &rm,
            json!({"kind": "individual", "name": "团队测试", "mobile": "13700006666",
                "channel": "branch", "basis": "consent", "consent_on": "2026-11-20"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let owner = r.body["rm_id"].clone();

    // The owner is the relationship manager already; someone of another branch cannot see the lead;
    // nobody of that id exists: each refused, naming the field and the rule.
    for (staff, rule) in [
        (owner.clone(), "owner"),
        (json!(far.to_string()), "not_allowed"),
        (json!(uuid::Uuid::now_v7().to_string()), "not_found"),
    ] {
        let r = team(app, &rm, &id, json!({"role": "operations", "staff": staff})).await;
        assert_eq!(
            r.field_errors(),
            vec![("staff".into(), rule.into())],
            "{rule}"
        );
    }
    // Another manager does not find the lead.
    team(
        app,
        &rm2,
        &id,
        json!({"role": "operations", "staff": ops.to_string()}),
    )
    .await
    .assert_problem(404, "not_found");

    let r = team(
        app,
        &rm,
        &id,
        json!({"role": "operations", "staff": ops.to_string()}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = team(
        app,
        &rm,
        &id,
        json!({"role": "product_manager", "staff": sup.to_string()}),
    )
    .await;
    assert_eq!(
        members(&r.body),
        vec![
            ("operations".into(), "ops1".into()),
            ("product_manager".into(), "sup1".into())
        ]
    );
    // One holder per part: naming another replaces them.
    let r = team(
        app,
        &rm,
        &id,
        json!({"role": "product_manager", "staff": cs.to_string()}),
    )
    .await;
    assert_eq!(
        members(&r.body),
        vec![
            ("operations".into(), "ops1".into()),
            ("product_manager".into(), "cs1".into())
        ]
    );
    // Those named are told.
    assert_eq!(
        app.count("staff_notices WHERE kind = 'lead.team_joined'")
            .await,
        3
    );
    // A stale version is refused; the part taken off is gone and the history names each step.
    let version = r.body["version"].as_i64().unwrap();
    let stale = app
        .req_h(
            Method::POST,
            &format!("/api/v1/leads/{id}/team"),
            Some(&rm),
            Some(json!({"role": "operations"})),
            &[("If-Match", &(version - 1).to_string())],
        )
        .await;
    stale.assert_problem(409, "version_conflict");
    let r = team(app, &rm, &id, json!({"role": "operations"})).await;
    assert_eq!(
        members(&r.body),
        vec![("product_manager".into(), "cs1".into())]
    );
    let steps: Vec<(String, String)> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"].as_str().unwrap().starts_with("team_"))
        .map(|h| {
            (
                h["action"].as_str().unwrap().to_owned(),
                h["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(steps.len(), 4, "{steps:?}");
    assert!(
        steps.contains(&("team_left".into(), "operations".into())),
        "{steps:?}"
    );
    assert_eq!(app.count("audit_log WHERE action = 'lead.team'").await, 4);

    // A lost lead keeps its team as it was.
    let r = app
        .post(
            &format!("/api/v1/leads/{id}/actions"),
            &rm,
            json!({"action": "lose", "reason": "competitor"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    team(
        app,
        &rm,
        &id,
        json!({"role": "operations", "staff": ops.to_string()}),
    )
    .await
    .assert_problem(409, "invalid_state");
    assert_eq!(app.count("lead_team").await, 1);
}
