//! The catalogue imported from a file: headed by labels in any language or by the column names, each row
//! added, changed (versioned, its fields audited), left or refused with its rules; a preview writes nothing;
//! the same file again changes nothing.

use crate::book::product;
use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::Value;

crate::tests![a_catalogue_file_is_previewed_then_imported_and_loading_it_again_changes_nothing,];

/// Posts a catalogue file (CSV).
async fn post_file(app: &TestApp, token: &str, url: &str, body: &[u8]) -> Resp {
    app.raw(Method::POST, url, Some(token), "text/csv", body.to_vec())
        .await
}

fn outcomes(r: &Resp) -> (i64, i64, i64, i64) {
    let n = |k: &str| r.body[k].as_i64().unwrap_or(-1);
    (n("created"), n("updated"), n("unchanged"), n("rejected"))
}

fn rules_of(r: &Resp, line: i64) -> Vec<(String, String)> {
    r.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["line"] == line)
        .map(|x| {
            x["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["rule"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn a_catalogue_file_is_previewed_then_imported_and_loading_it_again_changes_nothing(
    app: &TestApp,
) {
    let admin = app.login_as("adm", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    for code in ["DD-CNY", "DD-KEEP"] {
        let r = app
            .post(
                "/api/v1/products",
                &admin,
                product(code, "demand_deposit", None),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    // Headed by the workbench's labels; values as codes or as labels.
    let file = "产品代码,类型,产品名称（简体中文）,Name (English),币种,期限（月）,起购金额,风险等级,私募,状态,上市日期,目标客群\n\
        WM-R2-90D,wealth_product,稳健90天,Steady 90,CNY,3,\"50,000.00\",R2,否,on_sale,2026-12-01,理财客户等级:黄金级；wealth_tier:diamond\n\
        DD-USD,活期存款,美元活期,,usd,,0,,,在售,2026-12-01\n\
        BAD-1,sideways,坏行,,CNY,three,lots,R9,maybe,on_sale,tomorrow\n\
        WM-R2-90D,wealth_product,重复,,CNY,3,1,R2,否,on_sale,2026-12-01\n\
        DD-CNY,demand_deposit,产品DD-CNY,Product DD-CNY,CNY,,\"20,000.00\",,否,在售,2026-01-01\n\
        DD-KEEP,demand_deposit,产品DD-KEEP,Product DD-KEEP,CNY,,\"10,000.00\",,否,在售,2026-01-01\n";
    let url = |dry: bool| format!("/api/v1/products/import?dry_run={dry}&file_name=catalogue.csv");
    // Keeping the catalogue is an administrator's.
    post_file(app, &rm, &url(true), file.as_bytes())
        .await
        .assert_problem(403, "permission_denied");
    let audits = app.count("audit_log").await;
    let preview = post_file(app, &admin, &url(true), file.as_bytes()).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    assert_eq!(outcomes(&preview), (2, 1, 1, 2), "{}", preview.text);
    assert_eq!(preview.body["dry_run"], true);
    // Every broken rule of a row is named; a code twice in the file is refused the second time.
    let mut bad = rules_of(&preview, 4);
    bad.sort();
    let want: Vec<(String, String)> = [
        ("kind", "unknown"),
        ("launch_on", "format"),
        ("min_amount", "format"),
        ("private", "format"),
        ("risk_level", "unknown"),
        ("term_months", "format"),
    ]
    .iter()
    .map(|(f, r)| ((*f).to_owned(), (*r).to_owned()))
    .collect();
    assert_eq!(bad, want, "{}", preview.text);
    assert_eq!(
        rules_of(&preview, 5),
        vec![("code".to_owned(), "repeated_in_file".to_owned())]
    );
    let changed: Vec<Value> = preview.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "updated")
        .map(|r| r["changed"].clone())
        .collect();
    assert_eq!(changed, vec![serde_json::json!(["min_amount"])]);
    // The preview wrote nothing.
    assert_eq!(app.count("products").await, 2);
    assert_eq!(app.count("audit_log").await, audits);

    let done = post_file(app, &admin, &url(false), file.as_bytes()).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(outcomes(&done), (2, 1, 1, 2), "{}", done.text);
    assert_eq!(app.count("products").await, 4);
    let list = app.get("/api/v1/products?q=WM-R2-90D", &admin).await;
    let p = &list.body[0];
    assert_eq!(
        (
            p["product"]["min_amount"].as_i64(),
            p["product"]["risk_level"].as_str(),
            p["product"]["names"]["en"].as_str(),
            p["product"]["term_months"].as_i64(),
            &p["product"]["targets"]
        ),
        (
            Some(5_000_000),
            Some("R2"),
            Some("Steady 90"),
            Some(3),
            &serde_json::json!(["wealth_tier:gold", "wealth_tier:diamond"])
        ),
        "{}",
        list.text
    );
    let list = app.get("/api/v1/products?q=DD-CNY", &admin).await;
    assert_eq!(
        (
            list.body[0]["version"].as_i64(),
            list.body[0]["product"]["min_amount"].as_i64()
        ),
        (Some(2), Some(2_000_000)),
        "{}",
        list.text
    );
    let actions = crate::book::actions(app, "product").await;
    for want in ["product.create", "product.update", "product.import"] {
        assert!(actions.iter().any(|a| a == want), "{want} in {actions:?}");
    }
    // The same file again: nothing changes.
    let again = post_file(app, &admin, &url(false), file.as_bytes()).await;
    assert_eq!(outcomes(&again), (0, 0, 4, 2), "{}", again.text);
    assert_eq!(app.count("product_versions").await, 5);
    // A file without the columns a product needs is refused whole, naming them.
    let r = post_file(app, &admin, &url(false), b"code,kind\nX-1,fund\n").await;
    let mut missing = r.field_errors();
    missing.sort();
    assert_eq!(
        missing,
        ["currency", "launch_on", "name_zh_cn", "status"]
            .iter()
            .map(|c| ((*c).to_owned(), "column_missing".to_owned()))
            .collect::<Vec<_>>()
    );
}
