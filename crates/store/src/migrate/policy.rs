//! Migration 48: which policy is in force, for every node (`policy_changes`: the latest row). A node that
//! starts with a policy never seen before, or `banyan policy apply`, adds a row; every node follows the
//! latest. The policy a database already runs with is put in force by the first node that starts.

use super::{Stmt, bigint, id, text, uidx};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

pub(super) fn v48(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("policy_changes")
            .col(id("id"))
            // The order of the changes, counted in the database (hosts' clocks may disagree).
            .col(bigint("seq"))
            .col(text("hash"))
            .col(bigint("at_us"))
            .to_owned(),
    )));
    s.push(uidx("ux_policy_changes_seq", "policy_changes", &["seq"]));
}
