//! Migration 16: the bank's book — the product catalogue with its versions, accounts as the core system
//! knows them, their daily snapshots (holdings), and the loads that brought them in with their rejected rows.

use super::{Stmt, bigint, bigint_null, boolean, id, idx, int, text, text_null, uidx, uuid};
use crate::db::DbKind;
use sea_orm::sea_query::{ColumnDef, Table};

pub(super) fn v16(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("products")
            .col(id("id"))
            .col(text("code"))
            .col(text("kind"))
            .col(text("names"))
            .col(text("currency"))
            .col(ColumnDef::new("term_months").integer().null().to_owned())
            .col(bigint("min_amount"))
            .col(text_null("risk_level"))
            .col(boolean("private"))
            .col(boolean("dual_recording"))
            .col(text("targets"))
            .col(text("status"))
            .col(text("launch_on"))
            .col(text_null("end_on"))
            .col(int("version"))
            .col(bigint("updated_at_us"))
            .col(uuid("updated_by"))
            .to_owned(),
    )));
    s.push(uidx("ux_products_code", "products", &["code"]));
    // Every saved state of a product, so that "what did this product say when it was sold" has an answer.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("product_versions")
            .col(id("id"))
            .col(uuid("product_id"))
            .col(int("version"))
            .col(text("data"))
            .col(uuid("changed_by"))
            .col(bigint("changed_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_product_versions",
        "product_versions",
        &["product_id", "version"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("accounts")
            .col(id("id"))
            .col(text("source"))
            .col(text("account_no"))
            .col(uuid("customer_id"))
            .col(uuid("product_id"))
            .col(text("currency"))
            .col(text("status"))
            .col(text("opened_on"))
            .col(text_null("closed_on"))
            .col(text("last_as_of"))
            .col(bigint("updated_at_us"))
            .to_owned(),
    )));
    // An account is one per source system and number: the key a daily file is idempotent on.
    s.push(uidx(
        "ux_accounts_source_no",
        "accounts",
        &["source", "account_no"],
    ));
    s.push(idx("ix_accounts_customer", "accounts", &["customer_id"]));
    // One snapshot per account and business date; the customer is kept on it so that a customer's history
    // is read by one index range.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("holdings")
            .col(uuid("account_id"))
            .col(text("as_of"))
            .col(uuid("customer_id"))
            .col(text("status"))
            .col(bigint("balance"))
            .col(bigint_null("credit_limit"))
            .col(bigint_null("outstanding"))
            .col(int("days_past_due"))
            .col(uuid("load_id"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_holdings_account_day",
        "holdings",
        &["account_id", "as_of"],
    ));
    s.push(idx(
        "ix_holdings_customer_day",
        "holdings",
        &["customer_id", "as_of"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("book_loads")
            .col(id("id"))
            .col(text("kind"))
            .col(text("source"))
            .col(text("as_of"))
            .col(text("file_name"))
            .col(text("status"))
            .col(bigint("rows"))
            .col(bigint("loaded"))
            .col(bigint("unchanged"))
            .col(bigint("rejected"))
            .col(bigint("customers"))
            .col(uuid("actor_id"))
            .col(text("actor"))
            .col(text_null("error"))
            .col(bigint("created_at_us"))
            .col(bigint_null("finished_at_us"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_book_loads_created",
        "book_loads",
        &["created_at_us"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("book_load_rejects")
            .col(id("id"))
            .col(uuid("load_id"))
            .col(bigint("line"))
            .col(text("account_no"))
            .col(text("errors"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_book_load_rejects_load",
        "book_load_rejects",
        &["load_id", "line"],
    ));
}
