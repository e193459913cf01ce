//! A feed file loads as a job on the server: the request is answered at once with the load (running), and
//! the load's address shows its progress and then its report. A load whose runner stopped (its process
//! ended) is handed to another runner, which goes on after the rows already committed instead of reading
//! them again; the file is dropped once the load has ended.

use crate::book::{Desk, actions, desk, product};
use crate::harness::*;
use banyan_app::book::files::{self, Feed};

crate::tests![a_file_load_whose_runner_stopped_goes_on_after_the_rows_it_committed,];

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
