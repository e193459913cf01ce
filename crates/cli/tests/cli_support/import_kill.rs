//! An import is a job on the server: the real server process is killed with SIGKILL while an import runs,
//! started again, and the job goes on from its last committed chunk (another runner takes it over when the
//! dead one's lease runs out). Every row ends counted exactly once: created or rejected with its reason,
//! never rejected as a duplicate of itself.

use crate::Env;
use crate::crash::{Server, login_as, ready, staff_and_runtime};
use banyan_testkit::fixtures::resident_id;
use std::time::{Duration, Instant};

const ROWS: usize = 3000;

/// The file: `ROWS` customers, every 300th with a mobile number that is refused.
fn file() -> (String, Vec<i64>) {
    let mut csv = String::from("full_name,mobile,id_number,branch_code\n");
    let mut bad = Vec::new();
    for n in 0..ROWS {
        let mobile = if n % 300 == 7 {
            // The header is line 1.
            bad.push(n as i64 + 2);
            "12345".to_owned()
        } else {
            format!("137{n:08}")
        };
        // A sequence number has three digits: a new birth day every 900 people.
        let birth = format!("197001{:02}", n / 900 + 1);
        let id = resident_id(&birth, (n % 900) as u32 + 1);
        csv += &format!("导入{n},{mobile},{id},BR0001\n");
    }
    (csv, bad)
}

async fn job(http: &reqwest::Client, s: &Server, token: &str, id: &str) -> serde_json::Value {
    http.get(format!("{}/api/v1/imports/{id}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub(crate) fn a_killed_import_goes_on_and_counts_every_row_once(e: &Env) {
    let rt = staff_and_runtime(e, "ops1", "operations");
    let (csv, bad) = file();
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let first = Server::start(e);
        ready(&http, &first).await;
        let token = login_as(&http, &first, "ops1").await;
        let r = http
            .post(format!("{}/api/v1/customers/import", first.base))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::ACCEPTED);
        let started: serde_json::Value = r.json().await.unwrap();
        let id = started["id"].as_str().unwrap().to_owned();
        // Killed once the first chunk has committed and before the last.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let j = job(&http, &first, &token, &id).await;
            let done = j["done"].as_i64().unwrap();
            if done > 0 {
                assert!(done < ROWS as i64, "the import ended before the kill: {j}");
                break;
            }
            assert!(Instant::now() < deadline, "the import never started: {j}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        first.kill();
        let second = Server::start(e);
        ready(&http, &second).await;
        let deadline = Instant::now() + Duration::from_secs(180);
        let ended = loop {
            let j = job(&http, &second, &token, &id).await;
            if j["status"] != "running" {
                break j;
            }
            assert!(
                Instant::now() < deadline,
                "the import was not taken over: {j}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(ended["status"], "done", "{ended}");
        assert_eq!(ended["done"], ROWS as i64, "{ended}");
        assert_eq!(ended["rejected"], bad.len() as i64, "{ended}");
        assert_eq!(ended["created"], (ROWS - bad.len()) as i64, "{ended}");
        let lines: Vec<i64> = ended["report"]["rejected_rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["line"].as_i64().unwrap())
            .collect();
        assert_eq!(
            lines, bad,
            "each refused row once, none as a duplicate of itself"
        );
        second.kill();
    });
    assert_eq!(
        crate::count(&e.url(), "customers"),
        (ROWS - bad.len()) as i64
    );
}
