//! Lead import: a file of leads, headed and filled in the workbench's words or with the column names, runs
//! as a job; each row is captured as the form captures one (numbered, owned, attributed to its partner,
//! contact data masked), each refused row is named with every rule it broke (a mobile an earlier row of the
//! same file holds, a partner not on the list, an amount that does not read, no name), the same file again
//! is the same job, a stranger does not see the job, and the rejected rows come back to correct.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::tests![a_lead_file_is_captured_row_by_row_with_a_report];

/// Posts a CSV file of leads to import.
async fn post(app: &TestApp, token: &str, file: &str) -> Resp {
    app.raw(
        Method::POST,
        "/api/v1/leads/import",
        Some(token),
        "text/csv",
        file.as_bytes().to_vec(),
    )
    .await
}

async fn a_lead_file_is_captured_row_by_row_with_a_report(app: &TestApp) {
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let r = app
        .post(
            "/api/v1/partners",
            &ops,
            json!({"name": "高新区管委会", "kind": "government", "branch_code": "BR0001"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let partner = r.body["id"].as_str().unwrap().to_owned();
    // Headings in Chinese labels and in column names alike; values as labels or codes.
    let file = "类型,姓名/名称,手机,渠道,partner,basis,consent_on,年收入／营业收入（元）,expected_return\n\
        个人,王芳,13900139001,网点（申请表、问卷）,,本人同意,2026-11-20,\"360,000\",3.5%\n\
        企业与机构,园区新材料公司,13900139002,合作机构推荐,高新区管委会,contract,,32000000,\n\
        individual,李雷,13900139001,branch,,consent,2026-11-21,,\n\
        individual,韩梅梅,13900139003,partner,不存在的商会,contract,,三十万,\n\
        individual,,13900139004,branch,,contract,,,\n";
    let started = post(app, &rm, file).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    assert_eq!(started.body["target"], "leads");
    let id = started.body["id"].as_str().unwrap().to_owned();
    let j = app.follow_import(&rm, &id).await;
    assert_eq!(j.body["status"], "done", "{}", j.text);
    assert_eq!(
        (
            j.body["rows"].as_i64(),
            j.body["created"].as_i64(),
            j.body["rejected"].as_i64()
        ),
        (Some(5), Some(2), Some(3)),
        "{}",
        j.text
    );
    // Every refused row with its line and each rule it broke.
    let rules: Vec<(i64, Vec<(String, String)>)> = j.body["report"]["rejected_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_i64().unwrap(),
                r["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap().to_owned(),
                            e["rule"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let pair = |f: &str, r: &str| (f.to_owned(), r.to_owned());
    assert_eq!(
        rules,
        vec![
            (4, vec![pair("mobile", "duplicate_lead")]),
            (
                5,
                vec![pair("income", "amount"), pair("partner_id", "not_found")]
            ),
            (6, vec![pair("name", "required")]),
        ],
        "{}",
        j.text
    );
    // The report's rows are masked; the duplicate names the lead that holds the number.
    let csv = j.body["report"]["rejected_csv"].as_str().unwrap();
    assert!(
        csv.contains("1*********1") && !csv.contains("13900139001"),
        "{csv}"
    );
    let dup = &j.body["report"]["rejected_rows"][0]["errors"][0];
    assert!(
        dup["detail"].as_str().unwrap().starts_with("XS"),
        "{}",
        j.text
    );
    // The leads are captured as the form captures them: owned by the importer, the partner credited.
    let list = app.get("/api/v1/leads?q=园区新材料公司", &rm).await;
    let lead = &list.body["items"][0];
    assert_eq!(lead["channel"], "partner", "{}", list.text);
    let lead = app
        .get(
            &format!("/api/v1/leads/{}", lead["id"].as_str().unwrap()),
            &rm,
        )
        .await;
    assert_eq!(lead.body["partner_id"], partner.as_str(), "{}", lead.text);
    assert_eq!(lead.body["mobile"], "139****9002");
    assert_eq!(lead.body["stage"], "new");
    assert_eq!(lead.body["income"], 3_200_000_000_i64);
    let wang = app.get("/api/v1/leads?q=王芳", &rm).await;
    let wang = app
        .get(
            &format!(
                "/api/v1/leads/{}",
                wang.body["items"][0]["id"].as_str().unwrap()
            ),
            &rm,
        )
        .await;
    assert_eq!(
        (
            wang.body["income"].as_i64(),
            wang.body["expected_return_bp"].as_i64(),
            wang.body["basis"].as_str(),
            wang.body["rm_id"].is_string()
        ),
        (Some(36_000_000), Some(350), Some("consent"), true),
        "{}",
        wang.text
    );
    // The same file again is the same job: nothing is captured twice.
    let again = post(app, &rm, file).await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
    assert_eq!(again.body["id"], id.as_str());
    assert_eq!(app.count("leads").await, 2);
    // The importer's lead imports list it; their customer imports do not; nobody else sees it.
    let mine = app.get("/api/v1/leads/imports", &rm).await;
    assert_eq!(mine.body["items"][0]["id"], id.as_str(), "{}", mine.text);
    let theirs = app.get("/api/v1/leads/imports", &ops).await;
    assert_eq!(theirs.body["items"], json!([]), "{}", theirs.text);
    app.get(&format!("/api/v1/imports/{id}"), &ops)
        .await
        .assert_problem(404, "not_found");
    // Capturing leads is a right of its own: a reviewer may not import them.
    let reviewer = app.login_as("rev1", Role::Reviewer, Some("BR0001")).await;
    post(app, &reviewer, file)
        .await
        .assert_problem(403, "permission_denied");
    // The import is audited.
    assert_eq!(
        app.texts("SELECT action FROM audit_log WHERE action = 'lead.import'")
            .await
            .len(),
        1
    );
}
