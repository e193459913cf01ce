//! Migration 15: campaigns as records of their own, so that one can wait for its time or for a second
//! person's approval (until now a campaign was only the messages it had queued).

use super::{Stmt, bigint, bigint_null, id, idx, text, text_null, uidx, uuid, uuid_null};
use crate::db::DbKind;
use sea_orm::sea_query::{ColumnDef, Table};

pub(super) fn v15(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("campaigns")
            .col(id("id"))
            .col(text("key"))
            .col(text("state"))
            .col(text("content"))
            .col(bigint("audience"))
            .col(
                ColumnDef::new("needs_approval")
                    .boolean()
                    .not_null()
                    .to_owned(),
            )
            .col(uuid("created_by"))
            .col(text_null("branch_code"))
            .col(bigint("created_at_us"))
            .col(bigint("send_at_us"))
            .col(uuid_null("decided_by"))
            .col(bigint_null("decided_at_us"))
            .col(text_null("note"))
            .col(bigint_null("sent_at_us"))
            .col(bigint_null("queued"))
            .col(ColumnDef::new("version").integer().not_null().to_owned())
            .to_owned(),
    )));
    // A campaign's name is its messages' cause (`campaign:KEY`): once in the bank.
    s.push(uidx("ux_campaigns_key", "campaigns", &["key"]));
    // The sender looks for scheduled campaigns whose time has come.
    s.push(idx(
        "ix_campaigns_state_send",
        "campaigns",
        &["state", "send_at_us"],
    ));
}
