//! Migration 51: the outbox's events numbered as they are published, so other systems can follow them in
//! one order with a cursor (`seq`), which the time of writing cannot give (a transaction that commits late
//! would slip in behind a reader's cursor).

use super::{Stmt, uidx};
use crate::db::DbKind;

pub(super) fn v51(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Raw(
        "ALTER TABLE outbox ADD COLUMN seq BIGINT NULL".into(),
    ));
    s.push(uidx("ux_outbox_seq", "outbox", &["seq"]));
}
