//! Migration 37: suitability at the moment of sale — each investment sale the book's gate decided, with the
//! facts it read and every rule's result, and the steps it then waits for (the senior reviewer, the
//! cooling-off), the recording's reference and how long it is kept.

use super::{Stmt, bigint, bigint_null, id, idx, int, text, text_null, uuid, uuid_null};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

pub(super) fn v37(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("wealth_sales")
            .col(id("sale_id"))
            .col(uuid("customer_id"))
            .col(uuid("product_id"))
            .col(text("channel"))
            .col(text("facts"))
            .col(text("verdict"))
            .col(text_null("refused_rule"))
            .col(text_null("step"))
            .col(text_null("recording_ref"))
            .col(text_null("recording_keep_until"))
            .col(text_null("client_confirmation"))
            .col(uuid("sold_by"))
            .col(bigint("sold_at_us"))
            .col(uuid_null("reviewed_by"))
            .col(bigint_null("reviewed_at_us"))
            .col(text_null("review_note"))
            .col(bigint_null("cooling_off_until_us"))
            .col(uuid_null("cancelled_by"))
            .col(bigint_null("cancelled_at_us"))
            .col(text_null("cancel_reason"))
            .col(bigint_null("completed_at_us"))
            .col(int("version"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_wealth_sales_customer",
        "wealth_sales",
        &["customer_id", "sold_at_us"],
    ));
    s.push(idx(
        "ix_wealth_sales_step",
        "wealth_sales",
        &["step", "cooling_off_until_us"],
    ));
    s.push(idx("ix_wealth_sales_at", "wealth_sales", &["sold_at_us"]));
}

/// Migration 38: the suitability report of a period reads the period, its outcomes and its counts from one
/// index (an index-only scan over a year of a million sales, measured in `bench/wealth`).
pub(super) fn v38(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(idx(
        "ix_wealth_sales_period",
        "wealth_sales",
        &["sold_at_us", "refused_rule", "step"],
    ));
}
