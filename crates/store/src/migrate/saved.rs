//! Migration 14: searches a member of staff saved by name (the customer search's filters as its query).

use super::{Stmt, bigint, id, text, uidx, uuid};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

pub(super) fn v14(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("saved_searches")
            .col(id("id"))
            .col(uuid("staff_id"))
            .col(text("name"))
            .col(text("query"))
            .col(bigint("created_at_us"))
            .to_owned(),
    )));
    // A name once per person; their list is read by this index too.
    s.push(uidx(
        "ux_saved_searches_staff_name",
        "saved_searches",
        &["staff_id", "name"],
    ));
}
