//! Closed months of the audit log leave the database as files with their checksums, and the chain still
//! verifies: stepped over by the catalogue's chain values, or checked record by record from the files.

use crate::harness::*;
use banyan_app::audit::Entry;
use banyan_domain::access::Role;

crate::tests![
    ended_months_are_archived_and_the_chain_verifies_with_and_without_their_files,
    an_archive_file_changed_afterwards_is_caught,
    records_deleted_and_described_as_archived_are_caught,
];

const DAY_US: i64 = 86_400_000_000;

/// The first instant (µs, UTC) of the month `back` months before this one, and its `YYYY-MM`.
fn month_back(back: i8) -> (i64, String) {
    let first = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .first_of_month()
        .checked_sub(jiff::Span::new().months(back))
        .unwrap();
    let at = first
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_microsecond();
    (at, first.to_string()[..7].to_owned())
}

fn history(n: usize) -> Vec<Entry> {
    (0..n)
        .map(|i| Entry {
            action: "customer.viewed",
            entity: "customer",
            entity_id: Some(format!("history-{i}")),
            customer_id: None,
            detail: serde_json::json!({}),
        })
        .collect()
}

/// Three months back: 5 records, then (after the chain moved on) one more written late in that month; two
/// months back: 4 records; this month: sign-ins and a customer. All sealed.
async fn three_months(app: &TestApp) -> (String, String, String, String) {
    let (m3, name3) = month_back(3);
    let (m2, name2) = month_back(2);
    // The months' partitions existed when they were current (the daily job makes them 400 days ahead).
    banyan_store::misc::add_months(&app.app.db().conn, "audit_log", m3, m2 + DAY_US)
        .await
        .unwrap();
    banyan_app::audit::record_backdated(&app.app, m3 + DAY_US, history(5))
        .await
        .unwrap();
    banyan_app::audit::record_backdated(&app.app, m2 + DAY_US, history(4))
        .await
        .unwrap();
    let admin = app.login_as("adm", Role::Admin, None).await;
    let aud = app.login_as("aud", Role::Auditor, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.create(
        &rm,
        individual("张三", &resident_id("19800101", 123), "13812345678"),
    )
    .await;
    app.seal().await;
    // A record of the older month committed late: it is chained after this month's records.
    banyan_app::audit::record_backdated(&app.app, m3 + 2 * DAY_US, history(1))
        .await
        .unwrap();
    app.seal().await;
    let r = app.get("/api/v1/audit/verify", &aud).await;
    assert_eq!(r.body["ok"], true, "{}", r.text);
    assert_eq!(r.body["archived"], 0, "{}", r.text);
    (admin, aud, name3, name2)
}

async fn archive_before_last_month(
    app: &TestApp,
    dir: &std::path::Path,
) -> Vec<banyan_app::audit::ArchivedMonth> {
    let (_, last) = month_back(1);
    banyan_app::audit::archive(
        &app.app,
        &banyan_app::actor::Actor::system_as("cli", Role::Admin),
        &last,
        dir,
    )
    .await
    .expect("archive")
}

async fn ended_months_are_archived_and_the_chain_verifies_with_and_without_their_files(
    app: &TestApp,
) {
    let (_admin, aud, name3, name2) = three_months(app).await;
    let before = app.count("audit_log").await;
    let chained = app.get("/api/v1/audit/verify", &aud).await.body["checked"]
        .as_i64()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let done = archive_before_last_month(app, dir.path()).await;
    let months: Vec<(&str, i64, usize)> = done
        .iter()
        .map(|m| (m.month.as_str(), m.records, m.runs.len()))
        .collect();
    // The older month holds two runs of the chain: its five first records, and the late one.
    assert_eq!(months, [(name3.as_str(), 6, 2), (name2.as_str(), 4, 1)]);
    for m in &done {
        assert!(dir.path().join(&m.file).exists(), "{}", m.file);
        assert!(dir.path().join(format!("audit-{}.json", m.month)).exists());
    }
    assert!(dir.path().join("audit-checkpoints.jsonl").exists());
    // Out of the database (and on PostgreSQL, the months' partitions with them); the archiving recorded.
    app.seal().await;
    assert_eq!(app.count("audit_log").await, before - 10 + 2);
    assert_eq!(
        app.count("audit_log WHERE action = 'audit.archived'").await,
        2
    );
    if app.backend == Backend::Postgres {
        let gone = app
            .texts(&format!(
                "SELECT CAST(to_regclass('audit_log_y{}') IS NULL AS TEXT)",
                name3.replace('-', "m")
            ))
            .await;
        assert_eq!(gone, ["true"]);
    }

    // Without the files: the archived runs are stepped over by their chain values.
    let r = app.get("/api/v1/audit/verify", &aud).await;
    assert_eq!(r.body["ok"], true, "{}", r.text);
    assert_eq!(r.body["archived"], 10, "{}", r.text);
    assert_eq!(r.body["checked"], chained - 10 + 2, "{}", r.text);
    // With them: every archived record checked against the key and the checkpoints too.
    let full = banyan_app::audit::verify_with_archive(
        &app.app,
        &banyan_app::actor::Actor::system_as("cli", Role::Auditor),
        Some(dir.path()),
    )
    .await
    .unwrap();
    assert!(full.ok, "{full:?}");
    assert_eq!(full.checked, chained + 2, "{full:?}");

    // Again: nothing left to archive. This month has not ended: refused, naming the field.
    assert!(archive_before_last_month(app, dir.path()).await.is_empty());
    let (_, this) = month_back(0);
    let (_, next) = month_back(-1);
    let err = banyan_app::audit::archive(
        &app.app,
        &banyan_app::actor::Actor::system_as("cli", Role::Admin),
        &next,
        dir.path(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains(&this), "{err}");
    // Writing goes on in this month's partition.
    let rm = app.login("rm1", PASSWORD).await;
    assert!(!rm.is_empty());
    app.seal().await;
    let r = app.get("/api/v1/audit/verify", &aud).await;
    assert_eq!(r.body["ok"], true, "{}", r.text);
    assert_eq!(r.body["unsealed"], 0, "{}", r.text);
}

async fn an_archive_file_changed_afterwards_is_caught(app: &TestApp) {
    let (_admin, _aud, _, _) = three_months(app).await;
    let dir = tempfile::tempdir().unwrap();
    let done = archive_before_last_month(app, dir.path()).await;
    let auditor = banyan_app::actor::Actor::system_as("cli", Role::Auditor);
    // One record's action rewritten in the file (and the file recompressed): its checksum no longer matches.
    let path = dir.path().join(&done[1].file);
    let text = {
        use std::io::Read;
        let mut s = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let edited = text.replacen("customer.viewed", "customer.created", 1);
    {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all(edited.as_bytes()).unwrap();
        gz.finish().unwrap();
    }
    let r = banyan_app::audit::verify_with_archive(&app.app, &auditor, Some(dir.path()))
        .await
        .unwrap();
    assert!(!r.ok);
    let b = r.first_broken.unwrap();
    assert_eq!(b.reason, "archive_mismatch");
    // A file gone is named as such.
    std::fs::remove_file(&path).unwrap();
    let r = banyan_app::audit::verify_with_archive(&app.app, &auditor, Some(dir.path()))
        .await
        .unwrap();
    assert_eq!(r.first_broken.unwrap().reason, "archive_missing");
}

/// Whoever holds the database but not the key deletes a record and writes a catalogue row that describes it
/// as archived, with the right chain values: verify names the row the key does not vouch for.
async fn records_deleted_and_described_as_archived_are_caught(app: &TestApp) {
    let (_admin, aud, _, _) = three_months(app).await;
    let dir = tempfile::tempdir().unwrap();
    archive_before_last_month(app, dir.path()).await;
    app.seal().await;
    let r = app.get("/api/v1/audit/verify", &aud).await;
    assert_eq!(r.body["ok"], true, "{}", r.text);
    let rows = banyan_store::audit::page_sealed(&app.app.db().conn, 0, 10_000)
        .await
        .unwrap();
    let victim = rows.iter().rev().nth(2).unwrap();
    let seq = victim.seq.unwrap();
    let runs = serde_json::json!([{
        "from": seq, "to": seq,
        "prev": victim.prev_hash, "hash": victim.hash,
    }])
    .to_string();
    app.tamper(&[&format!("DELETE FROM audit_log WHERE seq = {seq}")])
        .await;
    app.sql(&format!(
        "INSERT INTO audit_archives (month, file, records, sha256, ranges, archived_at_us, mac) \
         VALUES ('1999-01', 'audit-1999-01.jsonl.gz', 1, '00', '{runs}', 0, 'forged')"
    ))
    .await;
    let r = app.get("/api/v1/audit/verify", &aud).await;
    assert_eq!(r.body["ok"], false, "{}", r.text);
    assert_eq!(
        r.body["first_broken"]["reason"], "archive_catalogue",
        "{}",
        r.text
    );
    assert_eq!(r.body["first_broken"]["seq"], seq, "{}", r.text);
}
