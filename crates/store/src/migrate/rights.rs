//! Migration 55: requests of people exercising their rights over their data (PIPL Art. 44-47).

use super::{Stmt, bigint, bigint_null, id, idx, int, text, text_null, uidx, uuid, uuid_null};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

pub(super) fn v55(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("rights_requests")
            .col(id("id"))
            // RR + the year + a running number, as the person is told it.
            .col(text("request_no"))
            .col(uuid("customer_id"))
            .col(text("kind"))
            .col(text("status"))
            .col(text("channel"))
            .col(text("received_on"))
            .col(text("due_on"))
            // What the person asks, in their words (a correction: what is wrong).
            .col(text("detail"))
            .col(uuid("registered_by"))
            .col(bigint("registered_at_us"))
            // When the copy was produced (an access request is answered with it).
            .col(bigint_null("copy_at_us"))
            .col(uuid_null("decided_by"))
            .col(bigint_null("decided_at_us"))
            .col(text_null("outcome"))
            .col(int("version"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_rights_requests_no",
        "rights_requests",
        &["request_no"],
    ));
    s.push(idx(
        "ix_rights_requests_customer",
        "rights_requests",
        &["customer_id"],
    ));
    s.push(idx(
        "ix_rights_requests_status",
        "rights_requests",
        &["status", "due_on"],
    ));
}

/// Migration 60: the erasure register. One row per person whose deletion was carried out: restricted while
/// the law obliges the bank to keep their records (what obliges it, and until when as far as known), then
/// erased. It names the customer by its key only, so it survives the erasure as the proof that it happened.
pub(super) fn v60(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("erasures")
            .col(id("customer_id"))
            .col(uuid("request_id"))
            .col(text("state"))
            // The obligations that keep the records (JSON list of codes); empty once erased.
            .col(text("kept_for"))
            // The first day the records may go, when known (an open account or case has none yet).
            .col(text_null("erase_after"))
            .col(uuid("decided_by"))
            .col(bigint("restricted_at_us"))
            .col(bigint_null("erased_at_us"))
            // Records erased with this one (merged into it), and rows removed: counts only.
            .col(text("counts"))
            .to_owned(),
    )));
    s.push(idx("ix_erasures_state", "erasures", &["state"]));
}

/// Migration 61: legal holds. A checker places a hold on a person's records (litigation, a regulator's
/// inquiry) with the reason and, when known, the day it ends; a deletion meanwhile restricts instead of
/// erasing, and the erasure follows once every hold is lifted or past its day.
pub(super) fn v61(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("legal_holds")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(text("reason"))
            .col(text_null("until"))
            .col(uuid("placed_by"))
            .col(bigint("placed_at_us"))
            .col(uuid_null("lifted_by"))
            .col(bigint_null("lifted_at_us"))
            .col(text_null("lift_note"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_legal_holds_customer",
        "legal_holds",
        &["customer_id"],
    ));
}
