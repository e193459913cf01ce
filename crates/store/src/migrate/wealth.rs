//! Migration 37: suitability at the moment of sale — each investment sale the book's gate decided, with the
//! facts it read and every rule's result, and the steps it then waits for (the senior reviewer, the
//! cooling-off), the recording's reference and how long it is kept.

use super::{
    Stmt, bigint, bigint_null, blob, id, idx, int, text, text_null, uidx, uuid, uuid_null,
};
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

/// Migration 39: the client's financial picture (what they declare, sealed), their goals, the reviews at
/// each revisit (a sealed snapshot each: the trend), the plan's versions and its recommended actions, and
/// the high-net-worth client's advisory team with its notes and tasks (sealed).
pub(super) fn v39(s: &mut Vec<Stmt>, _: DbKind) {
    let t = |name: &'static str| Table::create().table(name).to_owned();
    s.push(Stmt::Table(Box::new(
        t("wealth_pictures")
            .col(id("customer_id"))
            .col(blob("picture_enc"))
            .col(uuid("updated_by"))
            .col(bigint("updated_at_us"))
            .col(int("version"))
            .to_owned(),
    )));
    s.push(Stmt::Table(Box::new(
        t("wealth_goals")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(text("kind"))
            .col(bigint("target_amount"))
            .col(text("target_on"))
            .col(text_null("note"))
            .col(text("status"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .col(int("version"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_wealth_goals_customer",
        "wealth_goals",
        &["customer_id"],
    ));
    s.push(Stmt::Table(Box::new(
        t("wealth_reviews")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(text("reviewed_on"))
            .col(uuid("reviewed_by"))
            .col(bigint("reviewed_at_us"))
            .col(blob("snapshot_enc"))
            .col(int("plan_seq"))
            .col(text_null("note"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_wealth_reviews_customer",
        "wealth_reviews",
        &["customer_id", "reviewed_on"],
    ));
    s.push(Stmt::Table(Box::new(
        t("wealth_plans")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(int("seq"))
            .col(text("reason"))
            .col(text_null("reason_note"))
            .col(text("ceiling"))
            .col(text("target"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_wealth_plans_seq",
        "wealth_plans",
        &["customer_id", "seq"],
    ));
    s.push(Stmt::Table(Box::new(
        t("wealth_actions")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(int("plan_seq"))
            .col(uuid("product_id"))
            .col(bigint("amount"))
            .col(text("rationale"))
            .col(text("decision"))
            .col(uuid_null("decided_by"))
            .col(bigint_null("decided_at_us"))
            .col(text_null("decision_note"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .col(int("version"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_wealth_actions_customer",
        "wealth_actions",
        &["customer_id", "created_at_us"],
    ));
    s.push(Stmt::Table(Box::new(
        t("wealth_team")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(uuid("staff_id"))
            .col(text("role"))
            .col(uuid("added_by"))
            .col(bigint("added_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_wealth_team_member",
        "wealth_team",
        &["customer_id", "staff_id"],
    ));
    s.push(idx("ix_wealth_team_staff", "wealth_team", &["staff_id"]));
    s.push(Stmt::Table(Box::new(
        t("wealth_entries")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(text("kind"))
            .col(uuid("author"))
            .col(blob("body_enc"))
            .col(uuid_null("assignee"))
            .col(text_null("due_on"))
            .col(uuid_null("done_by"))
            .col(bigint_null("done_at_us"))
            .col(bigint("at_us"))
            .col(int("version"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_wealth_entries_customer",
        "wealth_entries",
        &["customer_id", "at_us"],
    ));
}

/// Migration 40: the referrals clients make — a client introduced someone who became a customer, once per
/// pair — read by the referral rate of the wealth managers' KPIs.
pub(super) fn v40(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("wealth_referrals")
            .col(id("id"))
            .col(uuid("referrer_id"))
            .col(uuid("referred_id"))
            .col(text_null("note"))
            .col(uuid("recorded_by"))
            .col(bigint("at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_wealth_referrals_pair",
        "wealth_referrals",
        &["referrer_id", "referred_id"],
    ));
    s.push(idx(
        "ix_wealth_referrals_at",
        "wealth_referrals",
        &["referrer_id", "at_us"],
    ));
}
