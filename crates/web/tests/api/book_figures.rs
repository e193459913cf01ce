//! The figures the book gives the policy engine from transactions: the fee contribution and the investment
//! purchases of the last 12 months and the transactions of the last 90 days, derived at the day's holdings
//! load once the bank feeds transactions (the hand-posted ones stand until then), and shown on the
//! customer's page.

use crate::book::{Desk, desk, product};
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::tests![fees_and_investments_come_from_the_customers_transactions_once_the_bank_feeds_them,];

fn holdings(app_customer: &str, as_of: &str, balance: i64) -> Value {
    json!({"source": "core", "as_of": as_of, "items": [
        {"account_no": "6222000000000031", "customer": app_customer, "product": "DD-CNY", "currency": "CNY",
         "status": "active", "opened_on": "2020-05-01", "balance": balance}
    ]})
}

fn tx(id: &str, at: &str, amount: i64, direction: &str, category: &str) -> Value {
    json!({"id": id, "account_no": "6222000000000031", "at": at, "amount": amount, "currency": "CNY",
        "direction": direction, "channel": "online", "counterparty": "internal", "category": category})
}

/// The figures the segments read for a business date, as stored.
async fn metrics_of(app: &TestApp, as_of: &str) -> Value {
    let data = app
        .texts(&format!(
            "SELECT CAST(data AS TEXT) FROM customer_metrics WHERE as_of = '{as_of}'"
        ))
        .await;
    assert_eq!(data.len(), 1, "{data:?}");
    serde_json::from_str(&data[0]).unwrap()
}

fn figures(m: &Value) -> (Option<i64>, Option<i64>, Option<i64>) {
    (
        m["fee_income"].as_i64(),
        m["investment_count"].as_i64(),
        m["transactions_90d"].as_i64(),
    )
}

async fn fees_and_investments_come_from_the_customers_transactions_once_the_bank_feeds_them(
    app: &TestApp,
) {
    let Desk {
        rm,
        ops,
        customer: id,
    } = desk(
        app,
        vec![product("DD-CNY", "demand_deposit", None)],
        "13812345631",
        61,
    )
    .await;
    // Figures posted by hand before the bank feeds any transaction.
    let r = app
        .post(
            "/api/v1/metrics",
            &ops,
            json!({"items": [{"customer": id, "metrics": {"as_of": "2026-11-28", "fee_income": 77_700,
                "investment_count": 9, "transactions_90d": 40}}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(
            "/api/v1/book/holdings",
            &ops,
            holdings(&id, "2026-11-29", 500_000),
        )
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(1), "{}", r.text);
    // The book holds no transaction: the posted figures stand, and the page shows none of its own.
    assert_eq!(
        figures(&metrics_of(app, "2026-11-29").await),
        (Some(77_700), Some(9), Some(40))
    );
    let book = app.get(&format!("/api/v1/customers/{id}/book"), &rm).await;
    assert!(book.body["activity"].is_null(), "{}", book.text);

    // A year of the customer's transactions.
    let items = json!([
        tx("F-1", "2026-11-10T10:00:00+08:00", 20_000, "debit", "fee"),
        // Thirteen months before the business date: outside the year.
        tx("F-2", "2025-11-01T10:00:00+08:00", 30_000, "debit", "fee"),
        // A fee refunded is no fee income.
        tx("F-3", "2026-11-11T10:00:00+08:00", 5_000, "credit", "fee"),
        tx(
            "I-1",
            "2026-06-01T10:00:00+08:00",
            1_000_000,
            "debit",
            "investment"
        ),
        tx(
            "I-2",
            "2026-11-20T10:00:00+08:00",
            2_000_000,
            "debit",
            "investment"
        ),
        // A redemption is not a purchase.
        tx(
            "I-3",
            "2026-11-21T10:00:00+08:00",
            500_000,
            "credit",
            "investment"
        ),
        // After the business date (its first minute in Shanghai): counted from the next day on.
        tx("F-4", "2026-12-01T00:00:00+08:00", 1_000, "debit", "fee"),
    ]);
    let r = app
        .post(
            "/api/v1/book/transactions",
            &ops,
            json!({"source": "core", "as_of": "2026-12-01", "items": items}),
        )
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(7), "{}", r.text);
    // The next day's holdings derive them: one fee of 200 yuan, two purchases, four transactions in the
    // 90 days to 30 November (F-1, F-3, I-2, I-3).
    let r = app
        .post(
            "/api/v1/book/holdings",
            &ops,
            holdings(&id, "2026-11-30", 600_000),
        )
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(1), "{}", r.text);
    assert_eq!(
        figures(&metrics_of(app, "2026-11-30").await),
        (Some(20_000), Some(2), Some(4))
    );
    // A figure the book does not hold stays as posted.
    assert_eq!(
        metrics_of(app, "2026-11-30").await["assets"]["deposits"].as_i64(),
        Some(600_000)
    );
    // The customer's page counts up to today: F-4 is in now.
    let book = app.get(&format!("/api/v1/customers/{id}/book"), &rm).await;
    assert_eq!(book.status, StatusCode::OK, "{}", book.text);
    let a = &book.body["activity"];
    assert_eq!(
        (
            a["fee_income"].as_i64(),
            a["investment_count"].as_i64(),
            a["transactions_90d"].as_i64()
        ),
        (Some(21_000), Some(2), Some(5)),
        "{}",
        book.text
    );
    // The page shows each account once, at its latest day, however many days the book keeps; a backfill
    // of an older day adds that day's snapshot and leaves the page as it was.
    let r = app
        .post(
            "/api/v1/book/holdings",
            &ops,
            holdings(&id, "2026-11-27", 100_000),
        )
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(1), "{}", r.text);
    let book = app.get(&format!("/api/v1/customers/{id}/book"), &rm).await;
    let lines = book.body["holdings"].as_array().unwrap();
    assert_eq!(
        (
            lines.len(),
            lines[0]["balance"].as_i64(),
            lines[0]["as_of"].as_str(),
            book.body["as_of"].as_str(),
            book.body["aum"].as_i64()
        ),
        (
            1,
            Some(600_000),
            Some("2026-11-30"),
            Some("2026-11-30"),
            Some(600_000)
        ),
        "{}",
        book.text
    );
}
