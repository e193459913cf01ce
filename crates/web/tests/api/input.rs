//! Bad input gets a clear 4xx problem naming the field and the rule, never a 500, and writes nothing.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};

crate::tests![
    malformed_json_is_400_and_writes_nothing,
    wrong_types_unknown_fields_and_bad_enums_are_422_naming_the_field,
    a_wrong_content_type_is_415,
    an_oversized_body_is_413,
    bad_query_parameters_name_the_parameter,
    the_openapi_document_health_and_metrics_are_served,
    security_headers_are_set,
];

async fn malformed_json_is_400_and_writes_nothing(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let r = app
        .raw(
            Method::POST,
            "/api/v1/customers",
            Some(&rm),
            "application/json",
            b"{\"kind\": ".to_vec(),
        )
        .await;
    r.assert_problem(400, "validation");
    assert_eq!(r.field_errors()[0].1, "json_syntax");
    assert_eq!(app.count("customers").await, 0);
    assert_eq!(app.count("customer_contacts").await, 0);
}

async fn wrong_types_unknown_fields_and_bad_enums_are_422_naming_the_field(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let mut b = individual("张三", &resident_id("19800101", 123), "13812345678");
    b["individual"]["birth_date"] = serde_json::json!(19800101);
    let r = app.post("/api/v1/customers", &rm, b).await;
    r.assert_problem(422, "validation");
    assert_eq!(
        r.field_errors()[0],
        ("individual.birth_date".to_owned(), "type".to_owned())
    );
    // A wrong-typed tag is a field error too, not "invalid JSON".
    let r = app
        .post("/api/v1/customers", &rm, serde_json::json!({"kind": 5}))
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors()[0], ("kind".to_owned(), "type".to_owned()));
    let mut b = individual("张三", &resident_id("19800101", 123), "13812345678");
    b["nickname"] = serde_json::json!("三儿");
    let r = app.post("/api/v1/customers", &rm, b).await;
    assert_eq!(
        r.field_errors()[0],
        ("nickname".to_owned(), "unknown_field".to_owned())
    );
    let mut b = individual("张三", &resident_id("19800101", 123), "13812345678");
    b["contacts"][0]["kind"] = serde_json::json!("fax");
    let r = app.post("/api/v1/customers", &rm, b).await;
    assert_eq!(
        r.field_errors()[0],
        ("contacts[0].kind".to_owned(), "one_of".to_owned())
    );
    let mut b = individual("张三", &resident_id("19800101", 123), "13812345678");
    b["individual"]["birth_date"] = serde_json::json!("1985-05-05");
    let r = app.post("/api/v1/customers", &rm, b).await;
    assert_eq!(
        r.field_errors()[0],
        ("individual.birth_date".to_owned(), "matches_id".to_owned())
    );
    assert_eq!(app.count("customers").await, 0);
    // The two logins and the policy the server put in force at start, nothing more.
    assert_eq!(app.count("audit_log").await, 3);
}

async fn a_wrong_content_type_is_415(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let r = app
        .raw(
            Method::POST,
            "/api/v1/customers",
            Some(&rm),
            "text/plain",
            b"{}".to_vec(),
        )
        .await;
    r.assert_problem(415, "unsupported_media_type");
}

async fn an_oversized_body_is_413(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let mut b = individual("张三", &resident_id("19800101", 123), "13812345678");
    b["individual"]["occupation"] = serde_json::json!("x".repeat(300 * 1024));
    let r = app.post("/api/v1/customers", &rm, b).await;
    r.assert_problem(413, "payload_too_large");
    assert_eq!(app.count("customers").await, 0);
}

async fn bad_query_parameters_name_the_parameter(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let r = app.get("/api/v1/customers?kind=alien", &rm).await;
    r.assert_problem(400, "validation");
    assert_eq!(r.field_errors()[0].0, "kind");
    let r = app.get("/api/v1/customers?colour=red", &rm).await;
    assert_eq!(r.field_errors()[0].0, "colour");
    let r = app.get("/api/v1/customers/not-a-uuid", &rm).await;
    assert!(r.status.is_client_error(), "{}", r.text);
}

async fn the_openapi_document_health_and_metrics_are_served(app: &TestApp) {
    let r = app
        .req(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3.1"));
    for p in [
        "/api/v1/customers",
        "/api/v1/customers/{id}",
        "/api/v1/customers/{id}/verify",
        "/api/v1/audit/verify",
        "/api/v1/review-queue",
        "/api/v1/auth/login",
    ] {
        assert!(r.body["paths"][p].is_object(), "openapi lacks {p}");
    }
    // Every reference resolves; query parameters are query parameters; errors are problem documents.
    let text = r.text.clone();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(
            r.body["components"]["schemas"][name].is_object(),
            "$ref to undefined schema {name}"
        );
    }
    let list = &r.body["paths"]["/api/v1/customers"]["get"];
    let params = list["parameters"].as_array().unwrap();
    assert!(
        params
            .iter()
            .all(|p| p["in"] == "query" && p["required"] != true),
        "{params:?}"
    );
    let get = &r.body["paths"]["/api/v1/customers/{id}"]["get"];
    for code in ["400", "401", "403", "404", "422"] {
        assert!(
            get["responses"][code]["content"]["application/problem+json"].is_object(),
            "GET /customers/{{id}} {code}: {}",
            get["responses"][code]
        );
    }
    let mut ids: Vec<&str> = r.body["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|i| i.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "operation ids are unique");
    assert_eq!(
        app.req(Method::GET, "/healthz", None, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.req(Method::GET, "/readyz", None, None).await.status,
        StatusCode::OK
    );
    // Metrics answer only with their token: to anyone else the endpoint does not exist.
    app.req(Method::GET, "/metrics", None, None)
        .await
        .assert_problem(404, "not_found");
    app.req(Method::GET, "/metrics", Some("not-the-metrics-token"), None)
        .await
        .assert_problem(404, "not_found");
    let token = std::str::from_utf8(METRICS_TOKEN).unwrap();
    let m = app.req(Method::GET, "/metrics", Some(token), None).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.text.contains("banyan_http_requests_total"), "{}", m.text);
    app.req(Method::GET, "/nope", None, None)
        .await
        .assert_problem(404, "not_found");
    // The framework's own refusals are problem documents too.
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let r = app.get("/api/v1/customers/not-a-uuid", &rm).await;
    r.assert_problem(400, "bad_request");
    assert_eq!(
        r.headers["content-type"], "application/problem+json",
        "{}",
        r.text
    );
    app.req(Method::DELETE, "/api/v1/review-queue", Some(&rm), None)
        .await
        .assert_problem(405, "method_not_allowed");
}

async fn security_headers_are_set(app: &TestApp) {
    let r = app.req(Method::GET, "/healthz", None, None).await;
    assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
    assert!(r.headers.get("content-security-policy").is_some());
}
