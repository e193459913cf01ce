//! Migration 42: staff performance — the targets supervisors set per person and quarter, and the
//! scorecards closed per quarter (frozen with the policy version; a correction is a new version).
//! Migration 43: the bonus and promotion decision on a closed yearly scorecard, with who decided (a revision
//! is a new version); the targets a supervisor sets for a team or a whole branch.

use super::{Stmt, bigint, id, int, text, text_null, uidx, uuid};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

pub(super) fn v42(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("perf_targets")
            .col(id("id"))
            .col(text("period"))
            .col(uuid("staff_id"))
            .col(text("kpi"))
            .col(bigint("target_milli"))
            .col(uuid("set_by"))
            .col(bigint("set_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_perf_targets",
        "perf_targets",
        &["period", "staff_id", "kpi"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("perf_scorecards")
            .col(id("id"))
            .col(uuid("staff_id"))
            .col(text("period"))
            .col(int("version"))
            .col(text("lines"))
            .col(bigint("composite_milli"))
            .col(text("policy_version"))
            .col(text("rating"))
            .col(text_null("comment"))
            .col(uuid("closed_by"))
            .col(bigint("closed_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_perf_scorecards",
        "perf_scorecards",
        &["staff_id", "period", "version"],
    ));
}

pub(super) fn v43(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("perf_decisions")
            .col(id("id"))
            .col(uuid("staff_id"))
            .col(text("period"))
            .col(int("version"))
            .col(int("scorecard_version"))
            .col(int("bonus_pct"))
            .col(text("promotion"))
            .col(text_null("note"))
            .col(uuid("decided_by"))
            .col(bigint("decided_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_perf_decisions",
        "perf_decisions",
        &["staff_id", "period", "version"],
    ));
    // `team` is empty for the whole branch (not NULL: the unique index must hold on both databases).
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("perf_group_targets")
            .col(id("id"))
            .col(text("period"))
            .col(text("branch_code"))
            .col(text("team"))
            .col(text("kpi"))
            .col(bigint("target_milli"))
            .col(uuid("set_by"))
            .col(bigint("set_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_perf_group_targets",
        "perf_group_targets",
        &["period", "branch_code", "team", "kpi"],
    ));
}
