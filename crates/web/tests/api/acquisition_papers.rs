//! A deal's papers: the proposal's negotiation rounds (each naming what changed) until the customer agrees
//! to one, the contract reviewed by a second person against the legal check list and signed with its copy
//! attached (encrypted, opening audited), the account-opening application whose documents a second person
//! reviews — and the pipeline that does not move on before its paper is done.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    a_deal_goes_from_proposal_rounds_to_a_signed_contract_and_a_reviewed_application,
    papers_are_refused_out_of_turn_out_of_scope_and_twice,
];

pub(crate) const PDF: &[u8] = b"%PDF-1.4 signed by both sides";

/// The legal check list and the corporate document list of the shipped policy.
pub(crate) const CHECKLIST: [&str; 5] = [
    "party_verified",
    "authority_verified",
    "terms_compliant",
    "pricing_approved",
    "aml_checked",
];
pub(crate) const CORPORATE_DOCS: [&str; 5] = [
    "business_licence",
    "legal_rep_id",
    "authorisation",
    "beneficial_owners",
    "application_form",
];

/// Uploads `bytes` as the lead's document `doc`: (status, answer).
pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    id: &str,
    doc: &str,
    filename: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let r = app
        .client
        .post(format!(
            "{}/api/v1/leads/{id}/files?doc={doc}&filename={}",
            app.base,
            form_urlencoded::byte_serialize(filename.as_bytes()).collect::<String>()
        ))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn papers(app: &TestApp, token: &str, id: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/leads/{id}/papers"), token, body)
        .await
}

async fn advance(app: &TestApp, token: &str, id: &str) -> Resp {
    app.post(
        &format!("/api/v1/leads/{id}/actions"),
        token,
        json!({"action": "advance"}),
    )
    .await
}

/// From the proposal stage to the account-opening application with its documents approved: one round
/// agreed, the contract reviewed by `rev` and signed, the corporate documents attached and reviewed.
pub(crate) async fn papers_done(app: &TestApp, rm: &str, rev: &str, id: &str) {
    let r = app
        .post(
            &format!("/api/v1/leads/{id}/proposals"),
            rm,
            json!({"content": "对公结算与流动资金贷款"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = papers(app, rm, id, json!({"action": "agree_proposal", "round": 1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(advance(app, rm, id).await.body["stage"], "contract");
    let r = papers(app, rm, id, json!({"action": "submit_contract"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = papers(
        app,
        rev,
        id,
        json!({"action": "approve_contract", "checked": CHECKLIST}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (s, a) = upload(app, rm, id, "signed_contract", "合同.pdf", PDF).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let r = papers(
        app,
        rm,
        id,
        json!({"action": "sign_contract", "signed_on": "2026-11-30", "signatories": "法定代表人 王五；支行行长 李四"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(advance(app, rm, id).await.body["stage"], "application");
    for d in CORPORATE_DOCS {
        let (s, a) = upload(app, rm, id, d, &format!("{d}.pdf"), PDF).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
    }
    let r = papers(app, rm, id, json!({"action": "submit_application"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = papers(
        app,
        rev,
        id,
        json!({"action": "approve_application", "checked": CORPORATE_DOCS}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// A corporate lead of rm1's, qualified by rev1 and visited, the customer wanting to go on: its id (at the
/// proposal stage).
async fn lead_at_proposal(app: &TestApp, rm: &str, rev: &str, mobile: &str) -> String {
    let r = app
        .post(
            "/api/v1/leads",
            rm,
            json!({"kind": "corporate", "name": "东方港务物流有限公司", "mobile": mobile,
                "id_number": credit_code("MA2223334"), "industry": "G", "income": 9_000_000_000i64,
                "assets": 4_000_000_000i64, "liabilities": 1_000_000_000i64, "channel": "branch",
                "basis": "consent", "consent_on": "2026-11-20", "credit_grade": "AA",
                "credit_source": "中诚信", "credit_on": "2026-10-08"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let act = |t: &str, b: Value| {
        let (t, id) = (t.to_owned(), id.clone());
        async move {
            app.post(&format!("/api/v1/leads/{id}/actions"), &t, b)
                .await
        }
    };
    assert_eq!(
        act(rm, json!({"action": "screen"})).await.body["stage"],
        "screened"
    );
    let r = act(rev, json!({"action": "accept"})).await;
    assert_eq!(r.body["stage"], "qualified", "{}", r.text);
    crate::acquisition_visits::visited(app, rm, &id).await;
    id
}

async fn a_deal_goes_from_proposal_rounds_to_a_signed_contract_and_a_reviewed_application(
    app: &TestApp,
) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let sup = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let id = lead_at_proposal(app, &rm, &rev, "13600002222").await;

    // Negotiation: a first round, a second naming what changed; the same terms again are no round.
    advance(app, &rm, &id)
        .await
        .assert_problem(409, "proposal_not_agreed");
    let url = format!("/api/v1/leads/{id}/proposals");
    let r = app.post(&url, &rm, json!({"content": ""})).await;
    assert_eq!(
        r.field_errors(),
        vec![("content".into(), "required".into())]
    );
    let r = app
        .post(
            &url,
            &rm,
            json!({"content": "对公结算套餐", "pricing": "结算手续费 5 折", "products": ["NOPE"]}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("products".into(), "unknown".into())]
    );
    let first = json!({"content": "对公结算套餐", "pricing": "结算手续费 5 折", "terms": "一年"});
    let r = app.post(&url, &rm, first.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app.post(&url, &rm, first.clone()).await;
    assert_eq!(
        r.field_errors(),
        vec![("content".into(), "unchanged".into())]
    );
    let mut second = first.clone();
    second["pricing"] = json!("结算手续费 4 折，首年免年费");
    second["obligations"] = json!("客户承诺日均存款不低于 500 万元");
    second["note"] = json!("客户要求降价");
    let r = app.post(&url, &rm, second).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let rounds = r.body["papers"]["proposals"].as_array().unwrap().clone();
    assert_eq!(rounds.len(), 2);
    assert_eq!(rounds[1]["round"], 2);
    assert_eq!(rounds[1]["changes"], json!(["pricing", "obligations"]));
    assert_eq!(rounds[0]["changes"], json!([]));
    let r = papers(
        app,
        &rm,
        &id,
        json!({"action": "agree_proposal", "round": 7}),
    )
    .await;
    assert_eq!(r.field_errors(), vec![("round".into(), "unknown".into())]);
    let r = papers(
        app,
        &rm,
        &id,
        json!({"action": "agree_proposal", "round": 2}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["papers"]["proposals"][1]["agreed"], true);
    app.post(&url, &rm, first)
        .await
        .assert_problem(409, "proposal_agreed");
    papers(
        app,
        &rm,
        &id,
        json!({"action": "agree_proposal", "round": 1}),
    )
    .await
    .assert_problem(409, "proposal_agreed");
    assert_eq!(advance(app, &rm, &id).await.body["stage"], "contract");

    // The contract: submitted, reviewed by a second person item by item, then signed with its copy.
    papers(
        app,
        &rev,
        &id,
        json!({"action": "approve_contract", "checked": CHECKLIST}),
    )
    .await
    .assert_problem(409, "invalid_state");
    let r = papers(app, &sup, &id, json!({"action": "submit_contract"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["papers"]["contract"]["state"], "in_review");
    assert_eq!(r.body["papers"]["contract"]["proposal_round"], 2);
    papers(
        app,
        &sup,
        &id,
        json!({"action": "approve_contract", "checked": CHECKLIST}),
    )
    .await
    .assert_problem(403, "own_paper");
    papers(
        app,
        &rm,
        &id,
        json!({"action": "approve_contract", "checked": CHECKLIST}),
    )
    .await
    .assert_problem(403, "permission_denied");
    let r = papers(
        app,
        &rev,
        &id,
        json!({"action": "approve_contract", "checked": CHECKLIST[..4]}),
    )
    .await;
    assert_eq!(
        r.field_errors(),
        vec![("checked".into(), "incomplete".into())]
    );
    let r = papers(app, &rev, &id, json!({"action": "return_contract"})).await;
    assert_eq!(r.field_errors(), vec![("note".into(), "required".into())]);
    let r = papers(
        app,
        &rev,
        &id,
        json!({"action": "return_contract", "note": "授权书缺少董事会决议"}),
    )
    .await;
    assert_eq!(
        r.body["papers"]["contract"]["state"], "returned",
        "{}",
        r.text
    );
    let r = papers(app, &rm, &id, json!({"action": "submit_contract"})).await;
    assert_eq!(
        r.body["papers"]["contract"]["state"], "in_review",
        "{}",
        r.text
    );
    let r = papers(
        app,
        &rev,
        &id,
        json!({"action": "approve_contract", "checked": CHECKLIST, "note": "条款合规"}),
    )
    .await;
    assert_eq!(
        r.body["papers"]["contract"]["state"], "approved",
        "{}",
        r.text
    );
    advance(app, &rm, &id)
        .await
        .assert_problem(409, "contract_not_signed");
    let sign = json!({"action": "sign_contract", "signed_on": "2026-11-30", "signatories": "法定代表人 王五"});
    papers(app, &rm, &id, sign.clone())
        .await
        .assert_problem(409, "signed_copy_missing");
    let r = papers(
        app,
        &rm,
        &id,
        json!({"action": "sign_contract", "signed_on": "2999-01-01"}),
    )
    .await;
    assert_eq!(
        r.field_errors(),
        vec![
            ("signed_on".into(), "future".into()),
            ("signatories".into(), "required".into())
        ]
    );
    let (s, e) = upload(app, &rm, &id, "party_photo", "a.pdf", PDF).await;
    assert_eq!(
        (s.as_u16(), e["errors"][0]["field"].as_str()),
        (422, Some("doc")),
        "{e}"
    );
    let (s, e) = upload(app, &rm, &id, "signed_contract", "合同.exe", b"MZ").await;
    assert_eq!(
        (s.as_u16(), e["errors"][0]["rule"].as_str()),
        (422, Some("file_type")),
        "{e}"
    );
    let (s, copy) = upload(app, &rm, &id, "signed_contract", "东方港务合同.pdf", PDF).await;
    assert_eq!(s, StatusCode::CREATED, "{copy}");
    let r = papers(app, &rm, &id, sign).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let contract = &r.body["papers"]["contract"];
    assert_eq!(contract["state"], "signed");
    assert_eq!(contract["signed_on"], "2026-11-30");
    assert_eq!(
        r.body["papers"]["signed_copy"]["filename"],
        "东方港务合同.pdf"
    );
    // Stored encrypted; opened whole, with its name, and audited.
    let fid = copy["id"].as_str().unwrap();
    let (_, stored) = banyan_store::acquisition::papers::find_file(
        &app.app.db().conn,
        id.parse().unwrap(),
        fid.parse().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(!stored.windows(4).any(|w| w == b"%PDF"), "stored in clear");
    let d = app
        .client
        .get(format!("{}/api/v1/leads/{id}/files/{fid}", app.base))
        .bearer_auth(&rm)
        .send()
        .await
        .unwrap();
    assert_eq!(d.status(), StatusCode::OK);
    assert_eq!(d.headers()["content-type"], "application/pdf");
    assert_eq!(d.bytes().await.unwrap().to_vec(), PDF);

    // The application: every document of the corporate list, reviewed by a second person.
    let won = app
        .post(
            &format!("/api/v1/leads/{id}/actions"),
            &rm,
            json!({"action": "win"}),
        )
        .await;
    won.assert_problem(409, "invalid_state");
    assert_eq!(advance(app, &rm, &id).await.body["stage"], "application");
    app.post(
        &format!("/api/v1/leads/{id}/actions"),
        &rm,
        json!({"action": "win"}),
    )
    .await
    .assert_problem(409, "application_not_approved");
    let r = papers(app, &rm, &id, json!({"action": "submit_application"})).await;
    r.assert_problem(409, "documents_missing");
    assert_eq!(
        r.body["missing"].as_array().map(Vec::len),
        Some(5),
        "{}",
        r.text
    );
    for d in CORPORATE_DOCS {
        let (s, a) = upload(app, &rm, &id, d, &format!("{d}.pdf"), PDF).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
    }
    let r = papers(app, &rm, &id, json!({"action": "submit_application"})).await;
    assert_eq!(
        r.body["papers"]["application"]["state"], "in_review",
        "{}",
        r.text
    );
    let (s, _) = upload(app, &rm, &id, "authorisation", "b.pdf", PDF).await;
    assert_eq!(s.as_u16(), 409, "documents under review are not changed");
    let r = papers(
        app,
        &rev,
        &id,
        json!({"action": "approve_application", "checked": ["business_licence", "nonsense"]}),
    )
    .await;
    assert_eq!(r.field_errors(), vec![("checked".into(), "unknown".into())]);
    let r = papers(
        app,
        &rev,
        &id,
        json!({"action": "approve_application", "checked": CORPORATE_DOCS}),
    )
    .await;
    assert_eq!(
        r.body["papers"]["application"]["state"], "approved",
        "{}",
        r.text
    );
    let documents = r.body["papers"]["documents"].as_array().unwrap();
    assert!(
        documents.iter().all(|d| !d["file"].is_null()),
        "{documents:?}"
    );
    // A field the bank requires of every corporate customer is given with the win, or the registry refuses.
    let admin = app.login_as("adm", Role::Admin, None).await;
    let r = app
        .post(
            "/api/v1/field-definitions",
            &admin,
            json!({"kind": "corporate", "key": "group_code", "label": "集团编号", "field_type": "text", "required": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let win = |custom: Value| {
        let (rm, id) = (rm.clone(), id.clone());
        async move {
            app.post(
                &format!("/api/v1/leads/{id}/actions"),
                &rm,
                json!({"action": "win", "custom": custom}),
            )
            .await
        }
    };
    let r = win(json!({})).await;
    assert_eq!(
        r.field_errors(),
        vec![("custom.group_code".into(), "required".into())],
        "{}",
        r.text
    );
    assert_eq!(app.count("customers").await, 0, "nothing half-written");
    let won = win(json!({"group_code": "JT-0042"})).await;
    assert_eq!(won.status, StatusCode::OK, "{}", won.text);
    assert_eq!(won.body["stage"], "won");
    let customer = won.body["customer_id"].as_str().unwrap();
    let c = app.get(&format!("/api/v1/customers/{customer}"), &rm).await;
    assert!(c.text.contains("JT-0042"), "{}", c.text);

    // The history tells the deal; the audit trail holds each step, never a file's name.
    let actions: Vec<&str> = won.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    for a in [
        "proposed",
        "proposal_agreed",
        "contract_submitted",
        "contract_returned",
        "contract_approved",
        "file_added",
        "contract_signed",
        "application_submitted",
        "application_approved",
        "won",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let audited = app
        .texts("SELECT action FROM audit_log WHERE entity = 'lead'")
        .await;
    for a in [
        "lead.propose",
        "lead.proposal.agree",
        "lead.contract.approve",
        "lead.contract.sign",
        "lead.file.add",
        "lead.file.read",
        "lead.application.approve",
    ] {
        assert!(
            audited.contains(&a.to_owned()),
            "{a} not audited: {audited:?}"
        );
    }
    let details = app.texts("SELECT detail FROM audit_log").await.join("\n");
    assert!(
        !details.contains("东方港务合同.pdf"),
        "a file name in the audit trail"
    );
}

async fn papers_are_refused_out_of_turn_out_of_scope_and_twice(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0002"))
        .await;
    let rev = app.login_as("rev1", Role::Reviewer, None).await;
    let id = lead_at_proposal(app, &rm, &rev, "13600003333").await;
    // Out of scope: not found, alike for the lead's papers and files.
    app.post(
        &format!("/api/v1/leads/{id}/proposals"),
        &rm2,
        json!({"content": "x"}),
    )
    .await
    .assert_problem(404, "not_found");
    papers(app, &rm2, &id, json!({"action": "submit_contract"}))
        .await
        .assert_problem(404, "not_found");
    let (s, _) = upload(app, &rm2, &id, "signed_contract", "a.pdf", PDF).await;
    assert_eq!(s.as_u16(), 404);
    // Out of turn: a contract before the contract stage, a signed copy before the review.
    papers(app, &rm, &id, json!({"action": "submit_contract"}))
        .await
        .assert_problem(409, "invalid_state");
    let (s, _) = upload(app, &rm, &id, "signed_contract", "a.pdf", PDF).await;
    assert_eq!(s.as_u16(), 409);
    // A retried round with the same Idempotency-Key is one round.
    let key = [("Idempotency-Key", "round-1")];
    let url = format!("/api/v1/leads/{id}/proposals");
    for _ in 0..2 {
        let r = app
            .req_h(
                Method::POST,
                &url,
                Some(&rm),
                Some(json!({"content": "个人养老金账户"})),
                &key,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    assert_eq!(app.count("lead_proposals").await, 1);
    // A stale version is refused.
    let v = app.get(&format!("/api/v1/leads/{id}"), &rm).await.body["version"]
        .as_i64()
        .unwrap();
    let stale = app
        .req_h(
            Method::POST,
            &format!("/api/v1/leads/{id}/papers"),
            Some(&rm),
            Some(json!({"action": "agree_proposal", "round": 1})),
            &[("If-Match", &(v - 1).to_string())],
        )
        .await;
    stale.assert_problem(409, "version_conflict");
    let r = papers(
        app,
        &rm,
        &id,
        json!({"action": "agree_proposal", "round": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
