//! Migration 51: the outbox's events numbered as they are published, so other systems can follow them in
//! one order with a cursor (`seq`), which the time of writing cannot give (a transaction that commits late
//! would slip in behind a reader's cursor).

use super::{Stmt, bigint, blob, boolean, fk, id, idx, int, int_null, text, text_null, uidx, uuid};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

pub(super) fn v51(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Raw(
        "ALTER TABLE outbox ADD COLUMN seq BIGINT NULL".into(),
    ));
    s.push(uidx("ux_outbox_seq", "outbox", &["seq"]));
}

/// Migration 52: webhook subscriptions, each following the feed with its own cursor, and the log of every
/// delivery attempt.
pub(super) fn v52(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("webhook_subscriptions")
            .col(id("id"))
            .col(text("name"))
            .col(text("url"))
            // The signing secret, encrypted under a data key (it is shown once, when made).
            .col(blob("secret_enc"))
            // The event kinds it wants, space-separated.
            .col(text("kinds"))
            .col(boolean("active"))
            // The last event number delivered (or passed over as not wanted).
            .col(bigint("cursor"))
            .col(int("attempts"))
            .col(bigint("next_attempt_at_us"))
            .col(text_null("last_error"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .to_owned(),
    )));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("webhook_deliveries")
            .col(id("id"))
            .col(uuid("subscription_id"))
            .col(uuid("event_id"))
            .col(bigint("seq"))
            .col(text("kind"))
            .col(bigint("at_us"))
            .col(int_null("status"))
            .col(boolean("ok"))
            .col(text_null("error"))
            .col(boolean("replay"))
            .foreign_key(&mut fk(
                "webhook_deliveries",
                "subscription_id",
                "webhook_subscriptions",
            ))
            .to_owned(),
    )));
    s.push(idx(
        "ix_webhook_deliveries_sub",
        "webhook_deliveries",
        &["subscription_id", "at_us"],
    ));
}

/// Part of migration 53: the outbox rows written before the feed existed are kept out of it. They were
/// announced to no one, and the policy engine's carried the reason of a change, which quotes the
/// customer's figures; the feed's events never do. (Marked published without a number: never read.)
pub(super) fn v53_retire_old_events(s: &mut Vec<Stmt>) {
    s.push(Stmt::Raw(
        "UPDATE outbox SET published_at_us = created_at_us WHERE seq IS NULL AND payload LIKE '%\"reason\":%'"
            .into(),
    ));
}
