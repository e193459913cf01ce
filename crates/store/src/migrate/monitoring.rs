//! Migration 19: monitoring of large and unusual transactions. The early warnings' alert table becomes the
//! one alert queue: an alert has a subject (a monitoring alert's day, so that each day's large value is its
//! own alert), a disposition and the instant it escalated; the transactions behind each monitoring alert
//! are kept as hits, once per transaction and criterion, and feed the large-value report.

use super::{Stmt, bigint, id, idx, text, uidx, uuid};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

pub(super) fn v19(s: &mut Vec<Stmt>, _: DbKind) {
    for sql in [
        "ALTER TABLE alerts ADD COLUMN subject TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE alerts ADD COLUMN disposition TEXT NULL",
        "ALTER TABLE alerts ADD COLUMN escalated_at_us BIGINT NULL",
        "DROP INDEX ux_alerts_open",
        "CREATE UNIQUE INDEX ux_alerts_open ON alerts (customer_id, indicator, subject) WHERE status = 'open'",
    ] {
        s.push(Stmt::Raw(sql.into()));
    }
    s.push(idx("ix_alerts_queue", "alerts", &["status", "due_on"]));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("monitoring_hits")
            .col(id("id"))
            .col(text("source"))
            .col(text("tx_id"))
            .col(text("criterion"))
            .col(uuid("alert_id"))
            .col(uuid("customer_id"))
            .col(text("day"))
            .col(text("direction"))
            .col(bigint("at_us"))
            .col(bigint("amount_cny"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_monitoring_hits",
        "monitoring_hits",
        &["source", "tx_id", "criterion"],
    ));
    s.push(idx(
        "ix_monitoring_hits_day",
        "monitoring_hits",
        &["day", "criterion"],
    ));
    s.push(idx(
        "ix_monitoring_hits_alert",
        "monitoring_hits",
        &["alert_id"],
    ));
}
