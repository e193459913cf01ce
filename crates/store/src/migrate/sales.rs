//! Migration 20: sales and applications recorded in Banyan, each with the gate's decision (a refusal names
//! the blocked action and the rating that blocks it). Migration 27: an account opening names the account
//! the core system opened, and one account is opened once (looked up in the book by its number).

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

pub(super) fn v27(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Raw(
        "ALTER TABLE sales ADD COLUMN account_no TEXT NULL".into(),
    ));
    // Two openings of one account (two people recording it at once) meet here; a refused one opened
    // nothing and may be recorded again.
    s.push(Stmt::Raw(
        "CREATE UNIQUE INDEX ux_sales_account ON sales (account_no) WHERE decision = 'recorded' AND account_no IS NOT NULL"
            .into(),
    ));
    // An opening's account is looked up in the book whatever feed brought it.
    s.push(idx("ix_accounts_number", "accounts", &["account_no"]));
}
