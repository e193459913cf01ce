//! Migration 54: duplicate customers — the candidate pairs a scan finds, the merges proposed and carried
//! out, and the record of every row a merge moved (so that an undo moves exactly those back).

use super::{Stmt, bigint, bigint_null, id, idx, int, text, text_null, uidx, uuid, uuid_null};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

pub(super) fn v54(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("duplicate_pairs")
            .col(id("id"))
            // The two records, the smaller id first, so that a pair is stored once.
            .col(uuid("first_id"))
            .col(uuid("second_id"))
            // What they share, space-separated signal codes, and the score those add up to.
            .col(text("signals"))
            .col(int("score"))
            .col(text("status"))
            .col(bigint("found_at_us"))
            .col(uuid_null("decided_by"))
            .col(bigint_null("decided_at_us"))
            .col(uuid_null("merge_id"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_duplicate_pairs",
        "duplicate_pairs",
        &["first_id", "second_id"],
    ));
    s.push(idx(
        "ix_duplicate_pairs_status",
        "duplicate_pairs",
        &["status", "score"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("customer_merges")
            .col(id("id"))
            .col(uuid("survivor_id"))
            .col(uuid("merged_id"))
            .col(text("status"))
            // Whose value each field of the survivor takes: {"field": "survivor" | "merged"}.
            .col(text("choices"))
            .col(text_null("note"))
            .col(uuid("proposed_by"))
            .col(bigint("proposed_at_us"))
            .col(uuid_null("decided_by"))
            .col(bigint_null("decided_at_us"))
            .col(text_null("decision_note"))
            // The survivor's fields and the merged record's state before the merge, for an undo.
            .col(text_null("before"))
            // What moved and what stayed with the merged record, per table (counts).
            .col(text_null("outcome"))
            .col(bigint_null("undo_until_us"))
            .col(uuid_null("undone_by"))
            .col(bigint_null("undone_at_us"))
            .col(int("version"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_customer_merges_survivor",
        "customer_merges",
        &["survivor_id"],
    ));
    s.push(idx(
        "ix_customer_merges_merged",
        "customer_merges",
        &["merged_id"],
    ));
    s.push(idx(
        "ix_customer_merges_status",
        "customer_merges",
        &["status"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("customer_merge_moves")
            .col(uuid("merge_id"))
            // The moved row: its table, the customer column changed, and its key.
            .col(text("tbl"))
            .col(text("col"))
            .col(text("key1"))
            .col(text_null("key2"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_customer_merge_moves",
        "customer_merge_moves",
        &["merge_id"],
    ));
}
