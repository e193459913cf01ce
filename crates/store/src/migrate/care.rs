//! Migration 35: care for customers in critical illness or hardship — the record (its sensitive detail
//! encrypted under the record's own key, itself wrapped), the team, its tasks, the measures, the
//! compartment's notes, grants and the log of its reads.

use super::{
    Stmt, alter, bigint, bigint_null, blob, boolean, id, idx, int, text, text_null, uidx, uuid,
    uuid_null,
};
use crate::db::DbKind;
use sea_orm::sea_query::{ColumnDef, Table};

fn bytes_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).blob().null().to_owned()
}

pub(super) fn v35(s: &mut Vec<Stmt>, _: DbKind) {
    let mut r = Table::create();
    r.table("care_records")
        .col(id("id"))
        .col(uuid("customer_id"))
        .col(text("status"))
        .col(text("source"))
        .col(text("discovered_on"))
        .col(uuid("reported_by"))
        .col(bigint("reported_at_us"))
        .col(text_null("situation"))
        .col(text_null("impact"))
        .col(uuid_null("decided_by"))
        .col(bigint_null("decided_at_us"))
        .col(text_null("decision_note"))
        .col(uuid_null("registered_by"))
        .col(bigint_null("registered_at_us"))
        .col(text_null("review_on"))
        .col(text("adjustments"))
        .col(text_null("advice_line"))
        .col(text("consent_scopes"))
        .col(text_null("consent_on"))
        .col(bigint_null("consent_withdrawn_at_us"))
        .col(bigint_null("ended_at_us"))
        .col(text_null("end_reason"))
        .col(text_null("purge_on"))
        .col(bigint_null("purged_at_us"))
        .col(bytes_null("key_enc"))
        .col(bytes_null("lead_enc"))
        .col(bytes_null("detail_enc"))
        .col(bytes_null("diagnosis_enc"))
        .col(int("version"));
    s.push(Stmt::Table(Box::new(r.to_owned())));
    s.push(idx(
        "ix_care_records_customer",
        "care_records",
        &["customer_id"],
    ));
    s.push(idx("ix_care_records_status", "care_records", &["status"]));
    s.push(idx("ix_care_records_purge", "care_records", &["purge_on"]));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("care_team")
            .col(uuid("record_id"))
            .col(text("role"))
            .col(uuid("staff_id"))
            .col(uuid("assigned_by"))
            .col(bigint("assigned_at_us"))
            .col(bigint_null("confirmed_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_care_team_role",
        "care_team",
        &["record_id", "role"],
    ));
    s.push(idx("ix_care_team_staff", "care_team", &["staff_id"]));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("care_tasks")
            .col(id("id"))
            .col(uuid("record_id"))
            .col(text("kind"))
            .col(text("role"))
            .col(uuid_null("staff_id"))
            .col(text("due_on"))
            .col(bigint_null("done_at_us"))
            .col(uuid_null("done_by"))
            .to_owned(),
    )));
    s.push(idx("ix_care_tasks_record", "care_tasks", &["record_id"]));
    s.push(idx(
        "ix_care_tasks_staff",
        "care_tasks",
        &["staff_id", "done_at_us"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("care_measures")
            .col(id("id"))
            .col(uuid("record_id"))
            .col(text("kind"))
            .col(text("state"))
            .col(uuid("owner_id"))
            .col(uuid_null("second_staff"))
            .col(uuid("requested_by"))
            .col(bigint("requested_at_us"))
            .col(bigint_null("due_at_us"))
            .col(text_null("account_no"))
            .col(bigint_null("amount"))
            .col(text_null("starts_on"))
            .col(text_null("ends_on"))
            .col(bigint_null("scheduled_at_us"))
            .col(text("what"))
            .col(uuid_null("decided_by"))
            .col(bigint_null("decided_at_us"))
            .col(text_null("reason"))
            .col(text_null("outcome"))
            .col(bigint_null("done_at_us"))
            .col(int("version"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_care_measures_record",
        "care_measures",
        &["record_id"],
    ));
    s.push(idx(
        "ix_care_measures_state",
        "care_measures",
        &["state", "due_at_us"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("care_notes")
            .col(id("id"))
            .col(uuid("record_id"))
            .col(uuid("author_id"))
            .col(bigint("at_us"))
            .col(blob("body_enc"))
            .to_owned(),
    )));
    s.push(idx("ix_care_notes_record", "care_notes", &["record_id"]));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("care_grants")
            .col(id("id"))
            .col(uuid("record_id"))
            .col(uuid("staff_id"))
            .col(text("basis"))
            .col(text("purpose"))
            .col(uuid("granted_by"))
            .col(bigint("from_us"))
            .col(bigint("until_us"))
            .col(bigint_null("revoked_at_us"))
            .col(text_null("verdict"))
            .col(uuid_null("reviewed_by"))
            .col(bigint_null("reviewed_at_us"))
            .col(text_null("review_note"))
            .to_owned(),
    )));
    s.push(idx("ix_care_grants_record", "care_grants", &["record_id"]));
    s.push(idx(
        "ix_care_grants_review",
        "care_grants",
        &["basis", "reviewed_at_us"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("care_reads")
            .col(id("id"))
            .col(uuid("record_id"))
            .col(uuid("staff_id"))
            .col(text("basis"))
            .col(bigint("at_us"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_care_reads_record",
        "care_reads",
        &["record_id", "at_us"],
    ));
    s.push(idx("ix_care_reads_at", "care_reads", &["at_us"]));
}

/// Migration 36: the rest of the care programme — the compartment's documents (sealed under the record's
/// key, with how each was signed), the partner hospitals a referral goes to, and the satisfaction surveys.
pub(super) fn v36(s: &mut Vec<Stmt>, kind: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("care_documents")
            .col(id("id"))
            .col(uuid("record_id"))
            .col(text("kind"))
            .col(text("signing"))
            .col(text_null("signed_on"))
            .col(text_null("reference"))
            .col(uuid_null("witness_id"))
            .col(blob("subject_enc"))
            .col(blob("filename_enc"))
            .col(text("content_type"))
            .col(bigint("size_bytes"))
            .col(text("sha256"))
            .col(uuid("uploaded_by"))
            .col(bigint("uploaded_at_us"))
            .col(ColumnDef::new("data").blob().not_null().to_owned())
            .to_owned(),
    )));
    s.push(idx(
        "ix_care_documents_record",
        "care_documents",
        &["record_id"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("care_hospitals")
            .col(id("id"))
            .col(text("name"))
            .col(text("city"))
            .col(text("green_channel"))
            .col(boolean("active"))
            .col(uuid("updated_by"))
            .col(bigint("updated_at_us"))
            .col(int("version"))
            .to_owned(),
    )));
    s.push(uidx("ux_care_hospitals_name", "care_hospitals", &["name"]));
    s.push(alter(
        kind,
        Table::alter()
            .table("care_measures")
            .add_column(uuid_null("hospital_id"))
            .to_owned(),
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("care_surveys")
            .col(id("record_id"))
            .col(uuid("message_id"))
            .col(bigint("sent_at_us"))
            .col(ColumnDef::new("satisfaction").integer().null().to_owned())
            .col(bytes_null("comment_enc"))
            .col(bigint_null("answered_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_care_surveys_message",
        "care_surveys",
        &["message_id"],
    ));
}
