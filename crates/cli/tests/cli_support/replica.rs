//! Reads from a replica (`database_read_url`): a real hot standby streaming from the primary. Customer
//! lists are served by the standby while it is within `read_max_lag_ms` of the primary — a customer saved
//! a moment ago is not listed yet, while the customer's own page (read on the primary) shows it at once —
//! and never staler than the bound: with the standby's replay paused, the listing falls back to the
//! primary once the bound has passed. Reports (here the feedback analytics) likewise. A standby that has
//! not replayed the node's migrations serves nothing, whatever the bound. On SQLite the setting is refused,
//! naming it.

use crate::crash::{Server, body, login, ready, rm_and_runtime};
use crate::{Env, block_on, one_text, sql, text};
use banyan_testkit::Cluster;
use std::time::{Duration, Instant};

const LAG_MS: u64 = 5_000;

/// A WAL position as text, asked of `url`.
fn lsn(url: &str, sql: &str) -> String {
    one_text(url, sql).unwrap()
}

/// Waits until the standby has replayed everything the primary has written, then pauses its replay
/// there (again, should the primary have written meanwhile): the standby is exactly as current as the
/// primary and stays so.
fn pause_caught_up(primary: &str, standby: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "the standby never caught up");
        let p = lsn(primary, "SELECT CAST(pg_current_wal_lsn() AS TEXT)");
        if lsn(standby, "SELECT CAST(pg_last_wal_replay_lsn() AS TEXT)") != p {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        sql(standby, "SELECT pg_wal_replay_pause()");
        if lsn(standby, "SELECT CAST(pg_last_wal_replay_lsn() AS TEXT)")
            == lsn(primary, "SELECT CAST(pg_current_wal_lsn() AS TEXT)")
        {
            return;
        }
        sql(standby, "SELECT pg_wal_replay_resume()");
    }
}

async fn listed(http: &reqwest::Client, s: &Server, token: &str, name: &str) -> bool {
    let r = http
        .get(format!(
            "{}/api/v1/customers?q={}",
            s.base,
            form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "list: {}", r.status());
    let v: serde_json::Value = r.json().await.unwrap();
    v["items"].as_array().is_some_and(|a| !a.is_empty())
}

/// The feedback analytics' count of cases received in its default period.
async fn cases_counted(http: &reqwest::Client, s: &Server, token: &str) -> u64 {
    let r = http
        .get(format!("{}/api/v1/cases/analytics", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "analytics: {}", r.status());
    let v: serde_json::Value = r.json().await.unwrap();
    v["total"].as_u64().unwrap()
}

async fn create(http: &reqwest::Client, s: &Server, token: &str, n: usize) -> String {
    let mut b = body(n);
    b["individual"]["name_zh"] = serde_json::json!(format!("副本{}", ["甲", "乙", "丙"][n % 3]));
    let r = http
        .post(format!("{}/api/v1/customers", s.base))
        .bearer_auth(token)
        .json(&b)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    let v: serde_json::Value = r.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

pub(crate) fn lists_come_from_a_replica_within_its_lag(e: &Env) {
    if e.db_url.is_none() {
        let out = e
            .cmd(&["migrate"])
            .env("BANYAN_DATABASE_READ_URL", "postgres://banyan@db2/banyan")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let said = text(&out);
        assert!(
            said.contains("database_read_url") && said.contains("needs PostgreSQL"),
            "{said}"
        );
        return;
    }
    // A primary of its own (the suite's shared cluster has every other test's databases) and its standby.
    let primary = Cluster::start().unwrap();
    sql(&primary.admin_url(), "CREATE DATABASE banyan");
    let e = Env {
        dir: tempfile::tempdir().unwrap(),
        db_url: Some(primary.url("banyan")),
        admin: None,
    };
    let standby = primary.standby().unwrap();
    // The standby, as current as the primary, stops replaying before Banyan first starts: the node starts
    // watching it, then migrates the primary. However long the bound, lists come from the primary until
    // the standby has replayed the migrations (it has no tables: a list it served would fail).
    pause_caught_up(&primary.url("banyan"), &standby.url("banyan"));
    let first = Server::start_with(
        &e,
        &[
            ("BANYAN_DATABASE_READ_URL", &standby.url("banyan")),
            ("BANYAN_READ_MAX_LAG_MS", "600000"),
        ],
    );
    banyan_app::notify::install_tls_provider();
    block_on(async { ready(&reqwest::Client::new(), &first).await });
    let rt = rm_and_runtime(&e);
    rt.block_on(async {
        let http = reqwest::Client::new();
        let token = login(&http, &first).await;
        assert!(!listed(&http, &first, &token, "副本甲").await);
        assert_eq!(cases_counted(&http, &first, &token).await, 0);
    });
    drop(first);
    sql(&standby.url("banyan"), "SELECT pg_wal_replay_resume()");
    pause_caught_up(&primary.url("banyan"), &standby.url("banyan"));
    sql(&standby.url("banyan"), "SELECT pg_wal_replay_resume()");
    let lag = LAG_MS.to_string();
    let s = Server::start_with(
        &e,
        &[
            ("BANYAN_DATABASE_READ_URL", &standby.url("banyan")),
            ("BANYAN_READ_MAX_LAG_MS", &lag),
        ],
    );
    rt.block_on(async {
        let http = reqwest::Client::new();
        ready(&http, &s).await;
        let token = login(&http, &s).await;
        // A first customer reaches the list (from the standby once it has replayed it).
        create(&http, &s, &token, 0).await;
        let deadline = Instant::now() + Duration::from_secs(30);
        while !listed(&http, &s, &token, "副本甲").await {
            assert!(Instant::now() < deadline, "the first customer never listed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    // The standby stops replaying: it keeps serving lists while within the bound, not after.
    sql(&standby.url("banyan"), "SELECT pg_wal_replay_pause()");
    rt.block_on(async {
        let http = reqwest::Client::new();
        let token = login(&http, &s).await;
        let counted = cases_counted(&http, &s, &token).await;
        let saved = Instant::now();
        let id = create(&http, &s, &token, 1).await;
        let r = http
            .post(format!("{}/api/v1/cases", s.base))
            .bearer_auth(&token)
            .json(
                &serde_json::json!({"kind": "praise", "channel": "branch", "customer": id,
                "subject": "表扬客户经理", "content": "客户经理服务耐心"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::CREATED);
        // The customer's own page reads the primary: there at once.
        let r = http
            .get(format!("{}/api/v1/customers/{id}", s.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        // The list, within the bound, comes from the paused standby: not there yet.
        let early = listed(&http, &s, &token, "副本乙").await;
        assert!(
            saved.elapsed() >= Duration::from_millis(LAG_MS) || !early,
            "the list did not come from the standby"
        );
        let early = cases_counted(&http, &s, &token).await;
        assert!(
            saved.elapsed() >= Duration::from_millis(LAG_MS) || early == counted,
            "the report did not come from the standby"
        );
        // Past the bound the list comes from the primary.
        tokio::time::sleep(Duration::from_millis(LAG_MS + 1_500).saturating_sub(saved.elapsed()))
            .await;
        assert!(
            listed(&http, &s, &token, "副本乙").await,
            "a list {} ms after the save was staler than the bound ({LAG_MS} ms)",
            saved.elapsed().as_millis()
        );
        assert_eq!(
            cases_counted(&http, &s, &token).await,
            counted + 1,
            "a report past the bound is the primary's"
        );
    });
    sql(&standby.url("banyan"), "SELECT pg_wal_replay_resume()");
    drop(s);
    drop(standby);
}
