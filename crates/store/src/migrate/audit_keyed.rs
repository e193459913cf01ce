//! Migrations 9 and 10: the keyed audit chain. Between them the application gives every record written
//! before (no MAC yet) its MAC and re-chains the sealed ones under the audit key, which only it can derive;
//! migration 10 then makes the log append-only in the database.

use super::{Stmt, bigint, id};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

/// The version after which every record carries a MAC and the guard triggers stand.
pub const GUARDED: i64 = 10;

pub(super) fn v9(s: &mut Vec<Stmt>, _kind: DbKind) {
    s.push(Stmt::Raw(
        "ALTER TABLE audit_log ADD COLUMN mac TEXT".into(),
    ));
    // Rows the sealer refused: out of the chain's queue, reported by verify.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("audit_quarantine")
            .col(id("id"))
            .col(bigint("found_at_us"))
            .to_owned(),
    )));
}

pub(super) fn v10(s: &mut Vec<Stmt>, kind: DbKind) {
    for sql in crate::audit::guard_statements(kind) {
        s.push(Stmt::Raw(sql));
    }
}
