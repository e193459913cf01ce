//! The audit chain against someone who holds the database but not the master key: every way of
//! tampering names the first broken record, and the database itself refuses changes to the log.

use crate::harness::*;
use banyan_domain::access::Role;
use banyan_store::audit::AuditRow;

crate::tests![
    an_edited_record_is_named,
    a_record_deleted_in_the_middle_is_named,
    deleting_the_newest_records_is_caught_against_the_checkpoint,
    reordered_records_are_named,
    an_edit_rehashed_without_the_key_is_named,
    a_deletion_renumbered_and_rehashed_without_the_key_is_named,
    a_forged_record_is_refused_by_the_sealer_and_raised,
    the_database_refuses_to_change_or_remove_audit_records,
];

/// Two sign-ins and two new customers, sealed and checkpointed: a chain of at least six records that
/// verifies. Returns the auditor's session and the chain's length.
async fn sealed_chain(app: &TestApp) -> (String, i64) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let aud = app.login_as("aud", Role::Auditor, None).await;
    app.create(
        &rm,
        individual("张三", &resident_id("19800101", 123), "13812345678"),
    )
    .await;
    app.create(
        &rm,
        individual("李四", &resident_id("19810101", 245), "13912345678"),
    )
    .await;
    app.seal().await;
    let r = app.get("/api/v1/audit/verify", &aud).await;
    assert_eq!(r.body["ok"], true, "{}", r.text);
    assert_eq!(r.body["unsealed"], 0, "{}", r.text);
    let n = r.body["checked"].as_i64().unwrap();
    assert!(n >= 6, "{}", r.text);
    assert_eq!(r.body["checkpoint"]["seq"], n, "{}", r.text);
    (aud, n)
}

/// Verifies and returns the first broken record as (seq, reason).
async fn first_broken(app: &TestApp, aud: &str) -> (serde_json::Value, String) {
    let r = app.get("/api/v1/audit/verify", aud).await;
    assert_eq!(r.body["ok"], false, "{}", r.text);
    let b = &r.body["first_broken"];
    (
        b["seq"].clone(),
        b["reason"].as_str().unwrap_or("").to_owned(),
    )
}

async fn sealed_rows(app: &TestApp) -> Vec<AuditRow> {
    banyan_store::audit::page_sealed(&app.app.db().conn, 0, 10_000)
        .await
        .unwrap()
}

/// The statements that rewrite the chain from `from` on with a key the attacker guessed (and the records'
/// MACs too, when `remac`: an edited record's own MAC no longer matches otherwise).
fn rehash_from(rows: &[AuditRow], from: i64, remac: bool) -> Vec<String> {
    let guessed = [7u8; 32];
    let mut prev = rows
        .iter()
        .find(|r| r.seq == Some(from - 1))
        .and_then(|r| r.hash.clone())
        .unwrap();
    let mut out = Vec::new();
    for r in rows.iter().filter(|r| r.seq.unwrap() >= from) {
        let mac = match remac {
            true => banyan_app::audit::row_mac_under(&guessed, r),
            false => r.mac.clone().unwrap(),
        };
        let seq = r.seq.unwrap();
        let h = banyan_app::audit::chain_under(&guessed, seq, &prev, &mac);
        out.push(format!(
            "UPDATE audit_log SET mac = '{mac}', prev_hash = '{prev}', hash = '{h}' WHERE seq = {seq}"
        ));
        prev = h;
    }
    out
}

async fn an_edited_record_is_named(app: &TestApp) {
    let (aud, _) = sealed_chain(app).await;
    app.tamper(&["UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3"])
        .await;
    assert_eq!(first_broken(app, &aud).await, (3.into(), "edited".into()));
}

async fn a_record_deleted_in_the_middle_is_named(app: &TestApp) {
    let (aud, _) = sealed_chain(app).await;
    app.tamper(&["DELETE FROM audit_log WHERE seq = 2"]).await;
    assert_eq!(first_broken(app, &aud).await, (3.into(), "gap".into()));
}

async fn deleting_the_newest_records_is_caught_against_the_checkpoint(app: &TestApp) {
    let (aud, n) = sealed_chain(app).await;
    let cut = format!("DELETE FROM audit_log WHERE seq >= {}", n - 1);
    app.tamper(&[&cut]).await;
    // What remains is a perfect chain; only the checkpoint outside the database knows it was longer.
    assert_eq!(
        first_broken(app, &aud).await,
        ((n - 1).into(), "tail_missing".into())
    );
}

async fn reordered_records_are_named(app: &TestApp) {
    let (aud, _) = sealed_chain(app).await;
    app.tamper(&[
        "UPDATE audit_log SET seq = -2 WHERE seq = 2",
        "UPDATE audit_log SET seq = 2 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = -2",
    ])
    .await;
    assert_eq!(
        first_broken(app, &aud).await,
        (2.into(), "link_mismatch".into())
    );
}

async fn an_edit_rehashed_without_the_key_is_named(app: &TestApp) {
    let (aud, _) = sealed_chain(app).await;
    let mut rows = sealed_rows(app).await;
    let third = rows.iter_mut().find(|r| r.seq == Some(3)).unwrap();
    third.actor = "someone-else".into();
    let mut sql = vec!["UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3".to_owned()];
    sql.extend(rehash_from(&rows, 3, true));
    app.tamper(&sql.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    assert_eq!(first_broken(app, &aud).await, (3.into(), "edited".into()));
}

async fn a_deletion_renumbered_and_rehashed_without_the_key_is_named(app: &TestApp) {
    let (aud, n) = sealed_chain(app).await;
    let mut sql = vec!["DELETE FROM audit_log WHERE seq = 3".to_owned()];
    for s in 4..=n {
        sql.push(format!(
            "UPDATE audit_log SET seq = {} WHERE seq = {s}",
            s - 1
        ));
    }
    app.tamper(&sql.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    let rows = sealed_rows(app).await;
    let rehash = rehash_from(&rows, 3, false);
    app.tamper(&rehash.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    assert_eq!(
        first_broken(app, &aud).await,
        (3.into(), "hash_mismatch".into())
    );
}

async fn a_forged_record_is_refused_by_the_sealer_and_raised(app: &TestApp) {
    let (aud, n) = sealed_chain(app).await;
    let forged = uuid::Uuid::now_v7();
    // The guard lets an unsealed record in (writers do that); without the key its MAC is a guess.
    let id = match app.backend {
        Backend::Sqlite => format!("X'{}'", forged.simple()),
        Backend::Postgres => format!("'{forged}'"),
    };
    app.sql(&format!(
        "INSERT INTO audit_log (id, at_us, actor, action, entity, detail, mac) \
         VALUES ({id}, 1, 'rm1', 'customer.reveal', 'customer', '{{}}', '{}')",
        "ab".repeat(32)
    ))
    .await;
    app.seal().await;
    let r = app.get("/api/v1/audit/verify", &aud).await;
    assert_eq!(r.body["ok"], false, "{}", r.text);
    assert_eq!(r.body["first_broken"]["reason"], "forged", "{}", r.text);
    assert_eq!(
        r.body["first_broken"]["id"],
        forged.to_string(),
        "{}",
        r.text
    );
    // Never sealed; the chain itself went on (the sealer's own record of the refusal is in it).
    let seqs = app
        .texts(&format!(
            "SELECT CAST(COALESCE(seq, -1) AS TEXT) FROM audit_log WHERE id = {id}"
        ))
        .await;
    assert_eq!(seqs, vec!["-1"]);
    assert!(r.body["checked"].as_i64().unwrap() > n, "{}", r.text);
    let raised = app
        .texts("SELECT entity_id FROM audit_log WHERE action = 'audit.forged_record'")
        .await;
    assert_eq!(raised, vec![forged.to_string()]);
    let home = app.get("/api/v1/notices", &aud).await;
    assert!(
        home.text.contains("audit.forged_record"),
        "the auditor is told: {}",
        home.text
    );
}

async fn the_database_refuses_to_change_or_remove_audit_records(app: &TestApp) {
    let (aud, n) = sealed_chain(app).await;
    for sql in [
        "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1",
        "UPDATE audit_log SET seq = 999 WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
        "INSERT INTO audit_log (id, seq, at_us, actor, action, entity, detail, mac, prev_hash, hash) \
         VALUES ('0190a8f0-0000-7000-8000-000000000001', 9999, 1, 'x', 'x', 'x', '{}', 'x', 'x', 'x')",
    ] {
        let err = app.try_sql(sql).await.expect_err(sql);
        assert!(err.contains("audit_log"), "{sql}: {err}");
    }
    if app.backend == Backend::Postgres {
        let err = app
            .try_sql("TRUNCATE audit_log")
            .await
            .expect_err("truncate");
        assert!(err.contains("append-only"), "{err}");
        the_application_role_lacks_the_privilege(app).await;
    }
    let r = app.get("/api/v1/audit/verify", &aud).await;
    assert_eq!(r.body["ok"], true, "{}", r.text);
    assert_eq!(r.body["checked"], n, "{}", r.text);
}

/// PostgreSQL: the role the server connects as (with `banyan audit grants`) may write and seal records,
/// but has no right to change or remove them, whatever the triggers.
async fn the_application_role_lacks_the_privilege(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    let role = format!("app_{}", uuid::Uuid::now_v7().simple());
    app.sql(&format!("CREATE ROLE {role} LOGIN PASSWORD 'app-role-pw'"))
        .await;
    for g in banyan_app::audit::app_role_grants(&role) {
        app.sql(&g).await;
    }
    let (_, rest) = app.url.split_once('@').unwrap();
    let url = format!("postgres://{role}:app-role-pw@{rest}");
    let db = banyan_app::connect(&url, 1).await.expect("connect as role");
    let err = db
        .conn
        .execute_unprepared("UPDATE audit_log SET detail = '{}' WHERE seq = 1")
        .await
        .expect_err("update refused");
    assert!(err.to_string().contains("permission denied"), "{err}");
    let err = db
        .conn
        .execute_unprepared("DELETE FROM audit_log WHERE seq = 1")
        .await
        .expect_err("delete refused");
    assert!(err.to_string().contains("permission denied"), "{err}");
    let may = app
        .texts(&format!(
            "SELECT has_column_privilege('{role}', 'audit_log', 'seq', 'UPDATE')::text \
             || ',' || has_table_privilege('{role}', 'audit_log', 'INSERT')::text"
        ))
        .await;
    assert_eq!(may, vec!["true,true"]);
    db.conn.close_by_ref().await.ok();
}
