//! A feed file loads as a job on the server: the request is answered at once with the load (running), and
//! the load's address shows its progress and then its report. A load whose runner stopped (its process
//! ended) is handed to another runner, which goes on after the rows already committed instead of reading
//! them again; the file is dropped once the load has ended. Two loads of the same records at once write each
//! record once.

use crate::book::{Desk, actions, desk, product};
use crate::harness::*;
use banyan_app::book::files::{self, Feed};
use serde_json::json;

crate::tests![
    a_file_load_whose_runner_stopped_goes_on_after_the_rows_it_committed,
    a_feed_of_many_chunks_writes_each_row_once_and_names_the_rows_it_refused,
    two_loads_of_the_same_records_at_once_write_each_once,
];

async fn a_file_load_whose_runner_stopped_goes_on_after_the_rows_it_committed(app: &TestApp) {
    let Desk {
        ops, customer: id, ..
    } = desk(
        app,
        vec![product("DD-CNY", "demand_deposit", None)],
        "13812345603",
        43,
    )
    .await;
    let file = format!(
        "account_no,customer,product,currency,status,opened_on,balance\n\
         R1,{id},DD-CNY,CNY,active,2020-01-01,100.00\n\
         R2,{id},DD-CNY,CNY,active,2020-01-01,200.00\n\
         R3,{id},DD-CNY,CNY,active,2020-01-01,300.00\n"
    );
    // Started as the upload starts it, but its runner's process ended after committing the first row: its
    // claim belongs to a node that is gone and has lapsed.
    let actor = banyan_app::access::actor_for(&app.app, "ops1")
        .await
        .unwrap();
    let as_of = "2026-11-30".parse().unwrap();
    let started = files::start(
        &app.app,
        &actor,
        Feed::Holdings,
        "core",
        as_of,
        "resume.csv",
        file.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(started.status.as_str(), "running");
    let page = app
        .get(&format!("/api/v1/book/loads/{}", started.id), &ops)
        .await;
    assert_eq!(page.body["load"]["status"], "running", "{}", page.text);
    app.sql(
        "UPDATE book_loads SET node = 'gone', lease_until_us = 1, rows = 3, loaded = 1 \
         WHERE file_name = 'resume.csv'",
    )
    .await;
    assert_eq!(files::resume_orphaned(&app.app).await.unwrap(), 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let r = loop {
        let r = app
            .get(&format!("/api/v1/book/loads/{}", started.id), &ops)
            .await;
        if r.body["load"]["status"] != "running" {
            break r;
        }
        assert!(std::time::Instant::now() < deadline, "{}", r.text);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(r.body["load"]["status"], "done", "{}", r.text);
    assert_eq!(
        (
            r.body["load"]["rows"].as_i64(),
            r.body["load"]["loaded"].as_i64()
        ),
        (Some(3), Some(3)),
        "{}",
        r.text
    );
    // The first row counted as committed before was not read again; the rest were loaded.
    let accounts = app
        .texts("SELECT account_no FROM accounts ORDER BY account_no")
        .await;
    assert_eq!(accounts, vec!["R2".to_owned(), "R3".to_owned()]);
    assert_eq!(app.count("book_load_files").await, 0, "the file is dropped");
    assert_eq!(files::resume_orphaned(&app.app).await.unwrap(), 0);
    // Started and ended, both audited.
    assert_eq!(
        actions(app, "book_load").await,
        vec!["book.load", "book.load"]
    );
    // A file whose business date is after today is refused before anything is kept.
    let tomorrow = "2999-01-01".parse().unwrap();
    let e = files::start(
        &app.app,
        &actor,
        Feed::Events,
        "digital",
        tomorrow,
        "e.csv",
        b"x",
    )
    .await
    .unwrap_err();
    assert!(matches!(e, banyan_app::AppError::Validation(_)), "{e:?}");
    assert_eq!(app.count("book_loads").await, 1);
}

/// A feed longer than one chunk (1,000 rows) is checked one chunk ahead of the one being written: an id met
/// in an earlier chunk is still a duplicate, and a second load of the same records writes nothing.
async fn a_feed_of_many_chunks_writes_each_row_once_and_names_the_rows_it_refused(app: &TestApp) {
    let ops = one_account(app, "13812345604", 44, "6222000000000009").await;
    // Line 1,502 (after the header) names an account the book does not hold; line 2,102 repeats the id of line 7.
    let mut file =
        String::from("id,account_no,at,amount,currency,direction,channel,counterparty,category\n");
    for i in 0..2500 {
        let account = if i == 1500 {
            "6222999999999999"
        } else {
            "6222000000000009"
        };
        let tx_id = if i == 2100 {
            "M-5".to_owned()
        } else {
            format!("M-{i}")
        };
        file.push_str(&format!(
            "{tx_id},{account},2026-11-20 10:00:00,{}.00,CNY,credit,batch,company,salary\n",
            1_000 + i
        ));
    }
    let url = "/api/v1/book/transactions/file?source=core&as_of=2026-11-30&file_name=m.csv";
    let r = app.feed_file(&ops, url, file.clone().into_bytes()).await;
    let counts = |r: &Resp| {
        (
            r.body["load"]["loaded"].as_i64(),
            r.body["load"]["unchanged"].as_i64(),
            r.body["load"]["rejected"].as_i64(),
        )
    };
    assert_eq!(
        counts(&r),
        (Some(2498), Some(0), Some(2)),
        "{}",
        r.body["load"]
    );
    let refused: Vec<(i64, String)> = r.body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|x| {
            let line = x["line"].as_i64().unwrap();
            x["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |e| (line, e["rule"].as_str().unwrap().to_owned()))
        })
        .collect();
    assert_eq!(
        refused,
        vec![(1502, "unknown".to_owned()), (2102, "duplicate".to_owned())]
    );
    assert_eq!(app.count("transactions").await, 2498);
    let amounts = app
        .texts("SELECT CAST(SUM(amount) AS TEXT) FROM transactions")
        .await;
    // Every row but the two refused, each once, in fen: sum(1000 + i) yuan for i in 0..2500, less rows
    // 1500 and 2100.
    let want: i64 =
        ((0..2500).map(|i| 1_000 + i).sum::<i64>() - (1_000 + 1500) - (1_000 + 2100)) * 100;
    assert_eq!(amounts, vec![want.to_string()]);
    // The same records again: nothing written, the same two refused.
    let again = app.feed_file(&ops, url, file.into_bytes()).await;
    assert_eq!(
        counts(&again),
        (Some(0), Some(2498), Some(2)),
        "{}",
        again.body["load"]
    );
    assert_eq!(app.count("transactions").await, 2498);
}

/// The core system sends the same day's records twice at the same moment (a retry after a timeout, with a new
/// key): both loads check the ids before either has written them, and each record is still written once.
async fn two_loads_of_the_same_records_at_once_write_each_once(app: &TestApp) {
    let ops = one_account(app, "13812345605", 45, "6222000000000010").await;
    let items: Vec<serde_json::Value> = (0..1500)
        .map(|i| {
            json!({"id": format!("S-{i}"), "account_no": "6222000000000010",
                "at": "2026-11-20T10:00:00+08:00", "amount": 100 + i, "currency": "CNY",
                "direction": "credit", "channel": "batch", "counterparty": "company"})
        })
        .collect();
    let body = json!({"source": "core", "as_of": "2026-11-30", "items": items});
    let (a, b) = tokio::join!(
        app.post("/api/v1/book/transactions", &ops, body.clone()),
        app.post("/api/v1/book/transactions", &ops, body)
    );
    let count = |r: &Resp, k: &str| r.body["load"][k].as_i64().unwrap_or(-1);
    assert_eq!(
        (
            count(&a, "loaded") + count(&b, "loaded"),
            count(&a, "unchanged") + count(&b, "unchanged"),
            count(&a, "rejected") + count(&b, "rejected"),
        ),
        (1500, 1500, 0),
        "{} / {}",
        a.text,
        b.text
    );
    assert_eq!(app.count("transactions").await, 1500);
}

/// A customer with one demand-deposit account the book knows (a holdings load of one row); operations' token.
async fn one_account(app: &TestApp, mobile: &str, seq: u32, account: &str) -> String {
    let Desk {
        ops, customer: id, ..
    } = desk(
        app,
        vec![product("DD-CNY", "demand_deposit", None)],
        mobile,
        seq,
    )
    .await;
    let holding = json!({"account_no": account, "customer": id, "product": "DD-CNY",
        "currency": "CNY", "status": "active", "opened_on": "2020-01-01", "balance": 100_000});
    let r = app
        .post(
            "/api/v1/book/holdings",
            &ops,
            json!({"source": "core", "as_of": "2026-11-30", "items": [holding]}),
        )
        .await;
    assert_eq!(r.body["load"]["loaded"].as_i64(), Some(1), "{}", r.text);
    ops
}
