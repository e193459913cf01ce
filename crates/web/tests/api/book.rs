//! The bank's book: the catalogue kept by administrators with every state versioned, a day's holdings
//! loaded from the core system (items or file) with rejected rows named, the figures the segments read
//! derived from the book, and a reload that changes nothing.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

crate::tests![
    an_administrator_keeps_the_catalogue_and_every_change_is_versioned_and_audited,
    a_days_holdings_derive_the_figures_and_loading_them_again_changes_nothing,
    a_holdings_file_without_its_columns_fails_whole_and_a_bad_row_names_its_column,
    transactions_and_channel_events_load_once_show_on_the_customers_page_and_age_out,
    needs_read_from_behaviour_reach_the_manager_and_are_followed_up_once,
];

pub(crate) fn product(code: &str, kind: &str, risk: Option<&str>) -> Value {
    let mut p = json!({
        "code": code, "kind": kind, "names": {"zh-CN": format!("产品{code}"), "en": format!("Product {code}")},
        "currency": "CNY", "min_amount": 1_000_000, "status": "on_sale", "launch_on": "2026-01-01",
    });
    if let Some(r) = risk {
        p["risk_level"] = json!(r);
    }
    if kind == "time_deposit" {
        p["term_months"] = json!(12);
    }
    p
}

/// Who a book test needs (the branch's RM who owns the customer,
/// the branch's operator who loads) and one verified customer, with the given products in the catalogue.
pub(crate) struct Desk {
    pub(crate) rm: String,
    pub(crate) ops: String,
    pub(crate) customer: String,
}

pub(crate) async fn desk(app: &TestApp, products: Vec<Value>, phone: &str, n: u32) -> Desk {
    let admin = app.login_as("adm", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    for p in products {
        let r = app.post("/api/v1/products", &admin, p).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let customer = verified_individual(app, &rm, phone, n).await;
    Desk { rm, ops, customer }
}

pub(crate) async fn actions(app: &TestApp, entity: &str) -> Vec<String> {
    app.texts(&format!(
        "SELECT action FROM audit_log WHERE entity = '{entity}' ORDER BY seq"
    ))
    .await
}

async fn an_administrator_keeps_the_catalogue_and_every_change_is_versioned_and_audited(
    app: &TestApp,
) {
    let admin = app.login_as("adm", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let body = product("WM-R3-1Y", "wealth_product", Some("R3"));
    let r = app
        .req_h(
            Method::POST,
            "/api/v1/products",
            Some(&admin),
            Some(body.clone()),
            &[("Idempotency-Key", "prod-1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (
            r.body["version"].as_i64(),
            r.body["product"]["risk_level"].as_str()
        ),
        (Some(1), Some("R3"))
    );
    let id = r.body["id"].as_str().unwrap().to_owned();
    // A retry with the same key answers the same product; the same code without it is refused.
    let again = app
        .req_h(
            Method::POST,
            "/api/v1/products",
            Some(&admin),
            Some(body.clone()),
            &[("Idempotency-Key", "prod-1")],
        )
        .await;
    assert_eq!(again.body["id"], r.body["id"], "{}", again.text);
    assert_eq!(app.count("products").await, 1);
    let dup = app.post("/api/v1/products", &admin, body).await;
    dup.assert_problem(422, "validation");
    assert_eq!(
        dup.field_errors(),
        vec![("code".to_owned(), "taken".to_owned())]
    );
    // Every broken rule is named: a code in lower case, an investment without its risk level.
    let mut bad = product("wm 2", "fund", None);
    bad["end_on"] = json!("2025-01-01");
    let r = app.post("/api/v1/products", &admin, bad).await;
    r.assert_problem(422, "validation");
    let errs = r.field_errors();
    for want in [
        ("code", "format"),
        ("risk_level", "required"),
        ("end_on", "order"),
    ] {
        assert!(
            errs.contains(&(want.0.to_owned(), want.1.to_owned())),
            "{want:?} in {errs:?}"
        );
    }
    // A relationship manager reads the catalogue but cannot change it.
    app.post(
        "/api/v1/products",
        &rm,
        product("TD-1Y", "time_deposit", None),
    )
    .await
    .assert_problem(403, "permission_denied");
    let list = app.get("/api/v1/products?kind=wealth_product", &rm).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));
    let none = app.get("/api/v1/products?kind=fund", &rm).await;
    assert_eq!(none.body.as_array().map(Vec::len), Some(0));
    // A change at the version read; a stale one is a conflict; the code never changes.
    let path = format!("/api/v1/products/{id}");
    let mut p = product("WM-R3-1Y", "wealth_product", Some("R3"));
    p["status"] = json!("suspended");
    p["dual_recording"] = json!(true);
    let r = app
        .req(
            Method::PUT,
            &path,
            Some(&admin),
            Some(json!({"version": 1, "product": p.clone()})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (
            r.body["version"].as_i64(),
            r.body["product"]["status"].as_str()
        ),
        (Some(2), Some("suspended"))
    );
    app.req(
        Method::PUT,
        &path,
        Some(&admin),
        Some(json!({"version": 1, "product": p.clone()})),
    )
    .await
    .assert_problem(409, "version_conflict");
    p["code"] = json!("WM-OTHER");
    let r = app
        .req(
            Method::PUT,
            &path,
            Some(&admin),
            Some(json!({"version": 2, "product": p})),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("code".to_owned(), "immutable".to_owned())]
    );
    let v = app.get(&format!("{path}/versions"), &rm).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    let states: Vec<(i64, String)> = v
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["version"].as_i64().unwrap(),
                x["product"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(states, vec![(2, "suspended".into()), (1, "on_sale".into())]);
    assert_eq!(
        actions(app, "product").await,
        vec!["product.create", "product.update"]
    );
    app.get("/api/v1/products/01a23aae-220e-7205-9e85-c57a185d4ddf", &rm)
        .await
        .assert_problem(404, "not_found");
}

fn holding(no: &str, customer: &str, product: &str, balance: i64) -> Value {
    json!({"account_no": no, "customer": customer, "product": product, "currency": "CNY",
        "status": "active", "opened_on": "2020-05-01", "balance": balance})
}

fn assignment<'a>(seg: &'a Value, dim: &str) -> &'a Value {
    seg["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["dimension"] == dim)
        .unwrap_or(&Value::Null)
}

async fn a_days_holdings_derive_the_figures_and_loading_them_again_changes_nothing(app: &TestApp) {
    let Desk {
        rm,
        ops,
        customer: id,
    } = desk(
        app,
        vec![
            product("DD-CNY", "demand_deposit", None),
            product("WM-R2", "wealth_product", Some("R2")),
            product("ML-CNY", "mortgage", None),
        ],
        "13812345601",
        41,
    )
    .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0002"))
        .await;
    let no = app.get(&format!("/api/v1/customers/{id}"), &rm).await.body["customer_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut mortgage = holding("ML0001", &no, "ML-CNY", 0);
    mortgage["credit_limit"] = json!(150_000_000);
    mortgage["outstanding"] = json!(90_000_000);
    let mut negative = holding("DD0009", &no, "DD-CNY", -5);
    negative["status"] = json!("closed");
    let mut usd = holding("DD0010", &no, "DD-CNY", 100);
    usd["currency"] = json!("USD");
    let items = json!([
        holding("6222000000000001", &no, "DD-CNY", 30_000_000),
        holding("6222000000000002", &id, "WM-R2", 40_000_000),
        mortgage,
        holding("DD0003", &no, "NO-SUCH", 1),
        holding("DD0004", "P-BR0009-99999999", "DD-CNY", 1),
        negative,
        usd,
        holding("6222000000000001", &no, "DD-CNY", 1),
    ]);
    let load = json!({"source": "core", "as_of": "2026-11-30", "items": items});
    // Loading is operations' work.
    app.post("/api/v1/book/holdings", &rm, load.clone())
        .await
        .assert_problem(403, "permission_denied");
    let r = app.post("/api/v1/book/holdings", &ops, load.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let l = &r.body["load"];
    assert_eq!(
        (
            l["status"].as_str(),
            l["rows"].as_i64(),
            l["loaded"].as_i64(),
            l["rejected"].as_i64(),
            l["customers"].as_i64()
        ),
        (Some("done"), Some(8), Some(3), Some(5), Some(1)),
        "{}",
        r.text
    );
    let rejected: Vec<(i64, Vec<(String, String)>)> = r.body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let errs = x["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["rule"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (x["line"].as_i64().unwrap(), errs)
        })
        .collect();
    let has = |line: i64, field: &str, rule: &str| {
        rejected
            .iter()
            .any(|(l, errs)| *l == line && errs.contains(&(field.to_owned(), rule.to_owned())))
    };
    assert!(has(4, "product", "unknown"), "{rejected:?}");
    assert!(has(5, "customer", "unknown"), "{rejected:?}");
    assert!(
        has(6, "balance", "min") && has(6, "closed_on", "required"),
        "{rejected:?}"
    );
    assert!(has(7, "currency", "mismatch"), "{rejected:?}");
    assert!(has(8, "account_no", "duplicate"), "{rejected:?}");
    // The figures come from the book: AUM 700,000 yuan makes a VIP; the mortgage is a loan.
    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    assert_eq!(
        assignment(&seg.body, "asset_tier")["value"],
        "vip",
        "{}",
        seg.text
    );
    let book = app.get(&format!("/api/v1/customers/{id}/book"), &rm).await;
    assert_eq!(book.status, StatusCode::OK, "{}", book.text);
    assert_eq!(
        (
            book.body["aum"].as_i64(),
            book.body["loans"].as_i64(),
            book.body["as_of"].as_str()
        ),
        (Some(70_000_000), Some(90_000_000), Some("2026-11-30"))
    );
    let numbers: Vec<&str> = book.body["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["account_no"].as_str().unwrap())
        .collect();
    assert!(
        numbers.contains(&"****0001") && !numbers.iter().any(|n| n.contains("62220")),
        "{numbers:?}"
    );
    assert!(
        book.body["services"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "vip_channel"),
        "{}",
        book.text
    );
    // Another branch's manager does not see the customer's book.
    app.get(&format!("/api/v1/customers/{id}/book"), &rm2)
        .await
        .assert_problem(404, "not_found");
    // The same day again: nothing changes.
    let again = app.post("/api/v1/book/holdings", &ops, load).await;
    assert_eq!(
        (
            again.body["load"]["loaded"].as_i64(),
            again.body["load"]["unchanged"].as_i64()
        ),
        (Some(0), Some(3)),
        "{}",
        again.text
    );
    assert_eq!(app.count("holdings").await, 3);
    // Hand-posted figures keep the book's for what the book holds: assets posted as nothing stay 700,000.
    let r = app
        .post(
            "/api/v1/metrics",
            &ops,
            json!({"items": [{"customer": id, "metrics": {"as_of": "2026-11-30", "assets": {"deposits": 0}, "income": 50_000_000}}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    assert_eq!(
        assignment(&seg.body, "asset_tier")["value"],
        "vip",
        "{}",
        seg.text
    );
    // Verified in Banyan today, but a client since the first account of 2020 as the book knows it: with
    // three products and recent transactions posted, mature — not new.
    let r = app
        .post(
            "/api/v1/metrics",
            &ops,
            json!({"items": [{"customer": id, "metrics": {"as_of": "2026-11-30", "transactions_90d": 12}}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let seg = app
        .get(&format!("/api/v1/customers/{id}/segments"), &rm)
        .await;
    let stage = assignment(&seg.body, "lifecycle_stage");
    assert_eq!(stage["value"], "mature", "{}", seg.text);
    let tenure = stage["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["fact"] == "tenure")
        .unwrap_or_else(|| panic!("no tenure in {stage}"));
    assert!(tenure["value"].as_f64().unwrap() >= 78.0, "{stage}");
    let loads = app.get("/api/v1/book/loads", &ops).await;
    assert_eq!(loads.body["total"].as_u64(), Some(2), "{}", loads.text);
    assert_eq!(
        actions(app, "book_load").await,
        vec!["book.load", "book.load"]
    );
}

async fn a_holdings_file_without_its_columns_fails_whole_and_a_bad_row_names_its_column(
    app: &TestApp,
) {
    let Desk {
        rm,
        ops,
        customer: id,
    } = desk(
        app,
        vec![product("DD-CNY", "demand_deposit", None)],
        "13812345602",
        42,
    )
    .await;
    let url = "/api/v1/book/holdings/file?source=core&as_of=2026-11-30&file_name=h.csv";
    let wrong =
        "account_no,customer,product,currency,status,opened_on\n1,2,3,CNY,active,2020-01-01\n";
    let r = app.feed_file(&ops, url, wrong.as_bytes().to_vec()).await;
    assert_eq!(r.body["load"]["status"], "failed", "{}", r.text);
    assert_eq!(
        r.body["load"]["error"][0]["field"], "file.balance",
        "{}",
        r.text
    );
    assert_eq!(app.count("holdings").await, 0);
    let file = format!(
        "account_no,customer,product,currency,status,opened_on,balance\n\
         A1,{id},DD-CNY,CNY,active,2020-01-01,\"1,234.56\"\n\
         A2,{id},DD-CNY,CNY,open,2020-13-01,12.345\n"
    );
    let r = app.feed_file(&ops, url, file.into_bytes()).await;
    assert_eq!(r.body["load"]["status"], "done", "{}", r.text);
    assert_eq!(
        (
            r.body["load"]["loaded"].as_i64(),
            r.body["load"]["rejected"].as_i64()
        ),
        (Some(1), Some(1)),
        "{}",
        r.text
    );
    let errs: Vec<(String, String)> = r.body["rejected"][0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errs,
        vec![
            ("status".to_owned(), "unknown".to_owned()),
            ("opened_on".to_owned(), "date".to_owned()),
            ("balance".to_owned(), "amount".to_owned()),
        ]
    );
    let book = app.get(&format!("/api/v1/customers/{id}/book"), &rm).await;
    assert_eq!(book.body["aum"].as_i64(), Some(123_456), "{}", book.text);
    // A business date after today is refused before anything is read.
    let r = app
        .raw(
            Method::POST,
            "/api/v1/book/holdings/file?source=core&as_of=2999-01-01",
            Some(&ops),
            "text/csv",
            b"x".to_vec(),
        )
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(
        r.field_errors(),
        vec![("as_of".to_owned(), "not_future".to_owned())]
    );
}

fn tx(id: &str, account: &str, at: &str, amount: i64) -> Value {
    json!({"id": id, "account_no": account, "at": at, "amount": amount, "currency": "CNY",
        "direction": "credit", "channel": "batch", "counterparty": "company", "category": "salary"})
}

fn rules_of(r: &Value) -> Vec<(i64, String, String)> {
    r["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|x| {
            let line = x["line"].as_i64().unwrap();
            x["errors"].as_array().unwrap().iter().map(move |e| {
                (
                    line,
                    e["field"].as_str().unwrap().to_owned(),
                    e["rule"].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect()
}

async fn transactions_and_channel_events_load_once_show_on_the_customers_page_and_age_out(
    app: &TestApp,
) {
    let Desk {
        rm,
        ops,
        customer: id,
    } = desk(
        app,
        vec![
            product("DD-CNY", "demand_deposit", None),
            product("FD-1", "fund", Some("R3")),
        ],
        "13812345603",
        43,
    )
    .await;
    let r = app
        .post(
            "/api/v1/book/holdings",
            &ops,
            json!({"source": "core", "as_of": "2026-11-30", "items": [holding("6222000000000007", &id, "DD-CNY", 100_000)]}),
        )
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(1), "{}", r.text);
    // Two months (two partitions on PostgreSQL), and every way a record can be wrong.
    let mut usd = tx("T-5", "6222000000000007", "2026-11-03T09:00:00+08:00", 100);
    usd["currency"] = json!("USD");
    let mut medical = tx(
        "T-2",
        "6222000000000007",
        "2026-11-20T10:00:00+08:00",
        880_000,
    );
    medical["direction"] = json!("debit");
    medical["counterparty"] = json!("company");
    medical["category"] = json!("medical");
    let items = json!([
        tx(
            "T-1",
            "6222000000000007",
            "2026-10-15T09:00:00+08:00",
            1_500_000
        ),
        medical,
        tx(
            "T-3",
            "6222000000000007",
            "2026-11-25T09:00:00+08:00",
            1_500_000
        ),
        tx("T-4", "6222999999999999", "2026-11-03T09:00:00+08:00", 100),
        usd,
        tx("T-6", "6222000000000007", "2026-11-03T09:00:00+08:00", 0),
        tx("T-7", "6222000000000007", "2099-01-01T00:00:00Z", 100),
        tx(
            "T-1",
            "6222000000000007",
            "2026-10-15T09:00:00+08:00",
            1_500_000
        ),
    ]);
    let body = json!({"source": "core", "as_of": "2026-11-30", "items": items});
    app.post("/api/v1/book/transactions", &rm, body.clone())
        .await
        .assert_problem(403, "permission_denied");
    let r = app
        .post("/api/v1/book/transactions", &ops, body.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (
            r.body["load"]["kind"].as_str(),
            r.body["load"]["loaded"].as_i64(),
            r.body["load"]["rejected"].as_i64()
        ),
        (Some("transactions"), Some(3), Some(5)),
        "{}",
        r.text
    );
    let rules = rules_of(&r.body);
    for want in [
        (4, "account_no", "unknown"),
        (5, "currency", "mismatch"),
        (6, "amount", "min"),
        (7, "at", "not_future"),
        (8, "id", "duplicate"),
    ] {
        assert!(
            rules.contains(&(want.0, want.1.to_owned(), want.2.to_owned())),
            "{want:?} in {rules:?}"
        );
    }
    // Sent again: nothing is written twice.
    let again = app.post("/api/v1/book/transactions", &ops, body).await;
    assert_eq!(
        (
            again.body["load"]["loaded"].as_i64(),
            again.body["load"]["unchanged"].as_i64()
        ),
        (Some(0), Some(3)),
        "{}",
        again.text
    );
    assert_eq!(app.count("transactions").await, 3);
    // The customer's page lists them newest first, the account masked.
    let book = app.get(&format!("/api/v1/customers/{id}/book"), &rm).await;
    let lines = book.body["transactions"].as_array().unwrap();
    assert_eq!(lines.len(), 3, "{}", book.text);
    assert_eq!(
        (
            lines[0]["account_no"].as_str(),
            lines[0]["amount"].as_i64(),
            lines[1]["category"].as_str()
        ),
        (Some("****0007"), Some(1_500_000), Some("medical"))
    );
    // A file: a local date-time in the bank's time zone, and a header without its columns.
    let url = "/api/v1/book/transactions/file?source=core&as_of=2026-11-30&file_name=t.csv";
    let file = "id,account_no,at,amount,currency,direction,channel,counterparty,cash\n\
                F-1,6222000000000007,2026-11-28 10:00:00,\"2,000.00\",CNY,debit,branch,internal,true\n\
                F-2,6222000000000007,yesterday,1,CNY,sideways,branch,internal,maybe\n\
                F-3,6222000000000007,2026-11-28 11:00:00,5.00,CNY\n\
                F-4,6222000000000007,2026-11-28 12:00:00,5.00,XYZ,debit,branch,internal,false\n";
    let r = app.feed_file(&ops, url, file.as_bytes().to_vec()).await;
    assert_eq!(
        (
            r.body["load"]["loaded"].as_i64(),
            r.body["load"]["rejected"].as_i64()
        ),
        (Some(1), Some(3)),
        "{}",
        r.text
    );
    let rules = rules_of(&r.body);
    for want in ["at", "direction", "cash"] {
        assert!(
            rules.iter().any(|(l, f, _)| *l == 3 && f == want),
            "{want} in {rules:?}"
        );
    }
    // A row cut short names each missing cell once; a currency that does not exist is named once.
    let of_line = |n: i64| -> Vec<(String, String)> {
        rules
            .iter()
            .filter(|(l, _, _)| *l == n)
            .map(|(_, f, r)| (f.clone(), r.clone()))
            .collect()
    };
    let required = |f: &str| (f.to_owned(), "required".to_owned());
    assert_eq!(
        of_line(4),
        vec![
            required("direction"),
            required("channel"),
            required("counterparty")
        ]
    );
    assert_eq!(
        of_line(5),
        vec![("currency".to_owned(), "unknown".to_owned())]
    );
    assert_eq!(
        app.texts("SELECT tx_id FROM transactions WHERE tx_id IN ('F-3', 'F-4')")
            .await,
        Vec::<String>::new(),
        "nothing of a rejected row is written"
    );
    let at = app
        .texts("SELECT CAST(at_us AS TEXT) FROM transactions WHERE tx_id = 'F-1'")
        .await;
    assert_eq!(
        at,
        vec!["1795831200000000".to_owned()],
        "10:00 in Shanghai is 02:00 UTC"
    );
    let r = app
        .feed_file(&ops, url, b"id,account_no\nX,Y\n".to_vec())
        .await;
    assert_eq!(r.body["load"]["status"], "failed", "{}", r.text);
    // Channel events: a product view names a catalogue product.
    let events = json!([
        {"id": "E-1", "customer": id, "at": "2026-11-29T20:00:00+08:00", "kind": "fx_rate_lookup"},
        {"id": "E-2", "customer": id, "at": "2026-11-29T20:01:00+08:00", "kind": "product_view", "product": "FD-1"},
        {"id": "E-3", "customer": id, "at": "2026-11-29T20:02:00+08:00", "kind": "product_view", "product": "NO-SUCH"},
        {"id": "E-4", "customer": id, "at": "2026-11-29T20:03:00+08:00", "kind": "login", "product": "FD-1"},
    ]);
    let r = app
        .post(
            "/api/v1/book/events",
            &ops,
            json!({"source": "digital", "as_of": "2026-11-30", "items": events}),
        )
        .await;
    assert_eq!(
        (
            r.body["load"]["loaded"].as_i64(),
            r.body["load"]["rejected"].as_i64()
        ),
        (Some(2), Some(2)),
        "{}",
        r.text
    );
    let rules = rules_of(&r.body);
    assert!(
        rules.contains(&(3, "product".into(), "unknown".into())),
        "{rules:?}"
    );
    assert!(
        rules.contains(&(4, "product".into(), "not_allowed".into())),
        "{rules:?}"
    );
    // Past its retention (ten years for transactions), a record goes, with its month on PostgreSQL.
    let old = json!({"source": "core", "as_of": "2026-11-30", "items": [tx("OLD-1", "6222000000000007", "2012-03-01T09:00:00+08:00", 100)]});
    let r = app.post("/api/v1/book/transactions", &ops, old).await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(1), "{}", r.text);
    assert_eq!(app.count("transactions").await, 5);
    let gone = banyan_app::book::activity::apply_retention(&app.app)
        .await
        .unwrap();
    assert_eq!(app.count("transactions").await, 4);
    if app.backend == Backend::Postgres {
        assert_eq!(gone.months_dropped, 1, "{gone:?}");
        let parts = app
            .texts("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'transactions' ORDER BY 1")
            .await;
        assert_eq!(
            parts,
            vec!["transactions_y2026m10", "transactions_y2026m11"]
        );
    } else {
        assert_eq!(gone.rows_deleted, 1, "{gone:?}");
    }
}

async fn needs_read_from_behaviour_reach_the_manager_and_are_followed_up_once(app: &TestApp) {
    let Desk {
        rm,
        ops,
        customer: id,
    } = desk(
        app,
        vec![product("DD-CNY", "demand_deposit", None)],
        "13812345604",
        44,
    )
    .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0002"))
        .await;
    let r = app
        .post(
            "/api/v1/book/holdings",
            &ops,
            json!({"source": "core", "as_of": app_today(app), "items": [holding("6222000000000008", &id, "DD-CNY", 100_000)]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ago = |days: i64| {
        (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days)).to_string()
    };
    // Two hospital bills of 12,000 yuan in the window (the rule: 2 and 20,000 in 90 days).
    let bill = |id: &str, days: i64| {
        let mut t = tx(id, "6222000000000008", &ago(days), 1_200_000);
        t["direction"] = json!("debit");
        t["category"] = json!("medical");
        t
    };
    let items = json!([bill("M-1", 40), bill("M-2", 10)]);
    let r = app
        .post(
            "/api/v1/book/transactions",
            &ops,
            json!({"source": "core", "as_of": app_today(app), "items": items}),
        )
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(2), "{}", r.text);
    // Three exchange-rate look-ups in 30 days.
    let events: Vec<Value> = (0..3)
        .map(|k| json!({"id": format!("FX-{k}"), "customer": id, "at": ago(k + 1), "kind": "fx_rate_lookup"}))
        .collect();
    let r = app
        .post(
            "/api/v1/book/events",
            &ops,
            json!({"source": "digital", "as_of": app_today(app), "items": events}),
        )
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(3), "{}", r.text);
    let list = app
        .get(&format!("/api/v1/customers/{id}/insights"), &rm)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let keys: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"care_lead") && keys.contains(&"cross_border_need"),
        "{keys:?}"
    );
    let care = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "care_lead")
        .unwrap();
    assert_eq!(
        (
            care["facts"]["count"].as_u64(),
            care["facts"]["total_cny"].as_i64(),
            care["evidence"].as_array().map(Vec::len)
        ),
        (Some(2), Some(2_400_000), Some(2)),
        "{care}"
    );
    // The manager sees them among the open insights of their customers; another branch's does not.
    let open = app.get("/api/v1/insights", &rm).await;
    assert_eq!(open.body.as_array().map(Vec::len), Some(2), "{}", open.text);
    let none = app.get("/api/v1/insights", &rm2).await;
    assert_eq!(none.body.as_array().map(Vec::len), Some(0), "{}", none.text);
    // The manager is told.
    let told = app
        .texts("SELECT CAST(COUNT(*) AS TEXT) FROM staff_notices WHERE kind = 'book.insight'")
        .await;
    assert_eq!(told, vec!["2".to_owned()]);
    // The same behaviour again makes no second insight within the rule's window.
    let more = json!([{"id": "FX-9", "customer": id, "at": ago(0), "kind": "fx_rate_lookup"}]);
    app.post(
        "/api/v1/book/events",
        &ops,
        json!({"source": "digital", "as_of": app_today(app), "items": more}),
    )
    .await;
    assert_eq!(app.count("insights").await, 2);
    // Another branch's manager does not see them; setting one aside needs a reason; acting is once.
    let iid = care["id"].as_str().unwrap();
    app.get(&format!("/api/v1/customers/{id}/insights"), &rm2)
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/api/v1/insights/{iid}/act"),
        &rm2,
        json!({"version": 1}),
    )
    .await
    .assert_problem(404, "not_found");
    let r = app
        .post(
            &format!("/api/v1/insights/{iid}/dismiss"),
            &rm,
            json!({"version": 1}),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("note".to_owned(), "required".to_owned())]
    );
    let r = app
        .post(
            &format!("/api/v1/insights/{iid}/act"),
            &rm,
            json!({"version": 1, "note": "已电话关怀，客户暂不需要"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.body["status"].as_str(), r.body["version"].as_i64()),
        (Some("acted"), Some(2))
    );
    app.post(
        &format!("/api/v1/insights/{iid}/act"),
        &rm,
        json!({"version": 2}),
    )
    .await
    .assert_problem(409, "invalid_state");
    assert_eq!(
        actions(app, "customer")
            .await
            .iter()
            .filter(|a| a.starts_with("insight."))
            .count(),
        1
    );
}

fn app_today(app: &TestApp) -> String {
    app.app.today().to_string()
}
