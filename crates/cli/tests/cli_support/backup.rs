//! Backups that restore: `banyan backup` while a server takes writes, `banyan restore` into a fresh data
//! directory or an empty database, Banyan started on the copy. Every write acknowledged before the backup
//! began is there, the audit chain verifies against the checkpoints the copy carries, and a damaged
//! backup or a target that already holds data is refused with nothing written.

use crate::crash::{PASSWORD, Server, body, login, login_as, ready, rm_and_runtime};
use crate::{Env, ok, text};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Creates customers one after another until `stop`, keeping when each was acknowledged.
async fn write_until(
    http: reqwest::Client,
    base: String,
    token: String,
    stop: Arc<AtomicBool>,
    acks: Arc<Mutex<Vec<(Instant, String)>>>,
) {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let r = http
            .post(format!("{base}/api/v1/customers"))
            .bearer_auth(&token)
            .header("idempotency-key", format!("backup-{n}"))
            .json(&body(n))
            .send()
            .await
            .unwrap();
        let status = r.status();
        if status != reqwest::StatusCode::CREATED {
            panic!(
                "create {n}: {status} {}",
                r.text().await.unwrap_or_default()
            );
        }
        let v: serde_json::Value = r.json().await.unwrap();
        let id = v["id"].as_str().unwrap().to_owned();
        acks.lock().unwrap().push((Instant::now(), id));
    }
}

/// Waits for `at_least` acknowledged writes; a writer that stopped says why.
async fn acked(
    acks: &Mutex<Vec<(Instant, String)>>,
    at_least: usize,
    writer: &mut tokio::task::JoinHandle<()>,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while acks.lock().unwrap().len() < at_least {
        if writer.is_finished() {
            let why = writer.await.err().map(|e| format!("{e:?}"));
            panic!("the writer stopped: {why:?}");
        }
        assert!(Instant::now() < deadline, "the writes stalled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Erases `customer` on their request (registered by rm1, carried out by sup1): nothing keeps their
/// records, so they are erased at once.
async fn erase(http: &reqwest::Client, s: &Server, customer: &str) {
    let rm = login(http, s).await;
    let sup = login_as(http, s, "sup1").await;
    let r = http
        .post(format!("{}/api/v1/rights", s.base))
        .bearer_auth(&rm)
        .json(
            &serde_json::json!({"customer_id": customer, "kind": "deletion", "channel": "branch",
                                  "detail": "客户要求删除"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    let v: serde_json::Value = r.json().await.unwrap();
    let r = http
        .post(format!(
            "{}/api/v1/rights/{}/erase",
            s.base,
            v["id"].as_str().unwrap()
        ))
        .bearer_auth(&sup)
        .json(&serde_json::json!({"version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["erasure"]["state"], "erased", "{v}");
}

pub(crate) fn a_backup_under_write_load_restores_every_acknowledged_write(e: &Env) {
    let rt = rm_and_runtime(e);
    ok(&e.run_with_stdin(
        &[
            "user",
            "add",
            "--username",
            "sup1",
            "--role",
            "supervisor",
            "--branch",
            "BR0001",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    ));
    let dir = e.path("backup-1");
    let (before, all, erased) = rt.block_on(async {
        let http = reqwest::Client::new();
        let s = Server::start(e);
        ready(&http, &s).await;
        let token = login(&http, &s).await;
        let stop = Arc::new(AtomicBool::new(false));
        let acks = Arc::new(Mutex::new(Vec::new()));
        let mut writer = tokio::spawn(write_until(
            http.clone(),
            s.base.clone(),
            token,
            stop.clone(),
            acks.clone(),
        ));
        acked(&acks, 10, &mut writer).await;
        // A checkpoint outside the database, which the backup must carry for the copy to verify.
        ok(&e.run(&["audit", "verify"]));
        acked(&acks, 20, &mut writer).await;
        let began = Instant::now();
        let cmd = e.cmd(&["backup", "--to", &dir.to_string_lossy()]);
        let out = tokio::task::spawn_blocking(move || {
            let mut cmd = cmd;
            cmd.output().unwrap()
        })
        .await
        .unwrap();
        let said = ok(&out);
        assert!(said.contains("master key is NOT in the backup"), "{said}");
        let n = acks.lock().unwrap().len();
        acked(&acks, n + 5, &mut writer).await;
        stop.store(true, Ordering::Relaxed);
        writer.await.unwrap();
        // A person in the backup asks for deletion after it was taken.
        let erased = acks.lock().unwrap()[0].1.clone();
        erase(&http, &s, &erased).await;
        s.kill();
        let acks = acks.lock().unwrap().clone();
        let before: Vec<String> = acks
            .iter()
            .filter(|(t, _)| *t < began)
            .map(|(_, id)| id.clone())
            .collect();
        (before, acks.len(), erased)
    });
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for f in ["manifest.json", "SHA256SUMS", "audit-checkpoints.jsonl"] {
        assert!(files.iter().any(|x| x == f), "{f} missing from {files:?}");
    }

    // Into a fresh data directory (SQLite) or a new, empty database (PostgreSQL).
    // The erasure ledger is kept apart from the backups (like the master key) and put in place first.
    let fresh = e.sibling();
    std::fs::create_dir_all(fresh.path("data")).unwrap();
    std::fs::copy(
        e.path("data/erasure-ledger.jsonl"),
        fresh.path("data/erasure-ledger.jsonl"),
    )
    .unwrap();
    let said = ok(&fresh.run(&["restore", "--from", &dir.to_string_lossy()]));
    assert!(said.contains("audit chain OK"), "{said}");
    assert!(said.contains("1 customer record(s) erased again"), "{said}");
    let said = ok(&fresh.run(&["audit", "verify"]));
    assert!(said.contains("audit chain OK"), "{said}");
    // A second restore onto what is now there is refused.
    let again = fresh.run(&["restore", "--from", &dir.to_string_lossy()]);
    assert!(!again.status.success());
    assert!(
        text(&again).contains("already holds tables"),
        "{}",
        text(&again)
    );

    // Banyan on the copy: the same staff sign in, every acknowledged write before the backup is there.
    rt.block_on(async {
        let http = reqwest::Client::new();
        let s = Server::start(&fresh);
        ready(&http, &s).await;
        let token = login(&http, &s).await;
        for id in &before {
            let r = http
                .get(format!("{}/api/v1/customers/{id}", s.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), reqwest::StatusCode::OK, "customer {id} lost");
            let v: serde_json::Value = r.json().await.unwrap();
            // The restore honours the erasure made after the backup: that person is erased again.
            let status = if *id == erased { "erased" } else { "draft" };
            assert_eq!(v["status"], status, "customer {id}");
        }
        let r = http
            .get(format!("{}/api/v1/customers?limit=1", s.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        let restored = v["total"]["count"].as_i64().unwrap_or(-1);
        s.kill();
        assert!(
            restored >= before.len() as i64 && restored <= all as i64 + 1,
            "restored {restored} customers; {} acknowledged before the backup, {all} in all",
            before.len()
        );
        eprintln!(
            "backup under load: {} writes acknowledged before it began, {all} in all, {restored} restored",
            before.len()
        );
    });

    // A damaged copy is refused before anything is written.
    let damaged = e.path("backup-damaged");
    std::fs::create_dir_all(&damaged).unwrap();
    for f in &files {
        std::fs::copy(dir.join(f), damaged.join(f)).unwrap();
    }
    let db_file = files
        .iter()
        .find(|f| f.starts_with("banyan."))
        .unwrap()
        .clone();
    let mut bytes = std::fs::read(damaged.join(&db_file)).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(damaged.join(&db_file), bytes).unwrap();
    let empty = e.sibling();
    let refused = empty.run(&["restore", "--from", &damaged.to_string_lossy()]);
    assert!(!refused.status.success());
    let said = text(&refused);
    assert!(
        said.contains(&db_file) && said.contains("checksum differs"),
        "{said}"
    );
    assert!(!empty.path("data/banyan.db").exists() || empty.db_url.is_some());
}
