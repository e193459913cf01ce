//! Migration 20: sales and applications recorded in Banyan, each with the gate's decision (a refusal names
//! the blocked action and the rating that blocks it).

use super::{Stmt, bigint, id, idx, text, text_null, uuid};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

pub(super) fn v20(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("sales")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(text("kind"))
            .col(uuid("product_id"))
            .col(bigint("amount"))
            .col(text("decision"))
            .col(text_null("action"))
            .col(text_null("rating"))
            .col(text_null("note"))
            .col(uuid("recorded_by"))
            .col(bigint("at_us"))
            .to_owned(),
    )));
    s.push(idx("ix_sales_customer", "sales", &["customer_id", "at_us"]));
    s.push(idx("ix_sales_decision", "sales", &["decision", "at_us"]));
}
