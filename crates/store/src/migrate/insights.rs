//! Migration 18: insights — needs read from behaviour, one per customer and rule while open, with the
//! figures and records behind it.

use super::{Stmt, bigint, bigint_null, id, idx, text, text_null, uuid, uuid_null};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

pub(super) fn v18(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("insights")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(text("key"))
            .col(text("status"))
            .col(text("facts"))
            .col(text("evidence"))
            .col(bigint("created_at_us"))
            .col(bigint("expires_at_us"))
            .col(uuid_null("decided_by"))
            .col(bigint_null("decided_at_us"))
            .col(text_null("note"))
            .col(super::int("version"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_insights_customer",
        "insights",
        &["customer_id", "key", "created_at_us"],
    ));
    s.push(idx(
        "ix_insights_status",
        "insights",
        &["status", "created_at_us"],
    ));
}
