//! Migration 42: staff performance — the targets supervisors set per person and quarter, and the
//! scorecards closed per quarter (frozen with the policy version; a correction is a new version).
//! Migration 43: the bonus and promotion decision on a closed yearly scorecard, with who decided (a revision
//! is a new version); the targets a supervisor sets for a team or a whole branch.
//! Migration 44: staff training — courses (each change a new version, audited), programmes of a set number
//! of weeks and who is enrolled, sessions with each person's attendance, score and certificate.
//! Migration 45: reward schemes over a period's closed scorecards, their awards, the second person's decision
//! and the payroll export; honours.
//! Migration 46: whether a person signed themselves up for a session (they may then withdraw before it is
//! held; a place a supervisor gave is the supervisor's to excuse); whether a team's or branch's target is for
//! the group as a whole (its summary reads it) rather than for each of its people.

use super::{
    Stmt, alter, bigint, bigint_null, boolean, id, idx, int, int_null, text, text_null, uidx, uuid,
    uuid_null,
};
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

pub(super) fn v44(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("training_courses")
            .col(id("id"))
            .col(text("code"))
            .col(text("title"))
            .col(text_null("title_tw"))
            .col(text_null("title_en"))
            .col(text("kind"))
            .col(text("topic"))
            .col(int("hours_tenths"))
            .col(text_null("provider"))
            .col(int_null("pass_score"))
            .col(int_null("valid_months"))
            .col(text("mandatory_for"))
            .col(int_null("refresh_months"))
            .col(text_null("mandatory_since"))
            .col(boolean("active"))
            .col(int("version"))
            .col(uuid("updated_by"))
            .col(bigint("updated_at_us"))
            .to_owned(),
    )));
    s.push(uidx("ux_training_courses", "training_courses", &["code"]));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("training_programmes")
            .col(id("id"))
            .col(text("code"))
            .col(text("title"))
            .col(int("weeks"))
            .col(text("roles"))
            .col(text("courses"))
            .col(boolean("active"))
            .col(uuid("updated_by"))
            .col(bigint("updated_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_training_programmes",
        "training_programmes",
        &["code"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("training_enrolments")
            .col(id("id"))
            .col(uuid("programme_id"))
            .col(uuid("staff_id"))
            .col(text("starts_on"))
            .col(text("ends_on"))
            .col(uuid("enrolled_by"))
            .col(bigint("enrolled_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_training_enrolments",
        "training_enrolments",
        &["programme_id", "staff_id"],
    ));
    s.push(idx(
        "ix_training_enrolments_staff",
        "training_enrolments",
        &["staff_id"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("training_sessions")
            .col(id("id"))
            .col(uuid("course_id"))
            .col(text("held_on"))
            .col(text_null("place"))
            .col(text_null("trainer"))
            .col(text_null("branch_code"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .col(uuid_null("recorded_by"))
            .col(bigint_null("recorded_at_us"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_training_sessions_held",
        "training_sessions",
        &["held_on"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("training_attendance")
            .col(id("id"))
            .col(uuid("session_id"))
            .col(uuid("staff_id"))
            .col(text("attendance"))
            .col(int_null("score"))
            .col(text_null("certificate_no"))
            .col(text_null("expires_on"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_training_attendance",
        "training_attendance",
        &["session_id", "staff_id"],
    ));
    s.push(idx(
        "ix_training_attendance_staff",
        "training_attendance",
        &["staff_id"],
    ));
}

pub(super) fn v45(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("reward_schemes")
            .col(id("id"))
            .col(text("code"))
            .col(text("name"))
            .col(text("period"))
            .col(text("role"))
            .col(text_null("branch_code"))
            .col(text("rule"))
            .col(text("params"))
            .col(text("state"))
            .col(text_null("note"))
            .col(bigint("total_fen"))
            .col(uuid("proposed_by"))
            .col(bigint("proposed_at_us"))
            .col(uuid_null("decided_by"))
            .col(bigint_null("decided_at_us"))
            .col(text_null("decision_note"))
            .col(bigint_null("exported_at_us"))
            .to_owned(),
    )));
    s.push(uidx("ux_reward_schemes", "reward_schemes", &["code"]));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("reward_awards")
            .col(id("id"))
            .col(uuid("scheme_id"))
            .col(uuid("staff_id"))
            .col(int("rank"))
            .col(bigint("composite_milli"))
            .col(bigint("amount_fen"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_reward_awards_scheme",
        "reward_awards",
        &["scheme_id"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("honours")
            .col(id("id"))
            .col(uuid("staff_id"))
            .col(text("title"))
            .col(text("period"))
            .col(text_null("reason"))
            .col(uuid("awarded_by"))
            .col(bigint("awarded_at_us"))
            .to_owned(),
    )));
    s.push(idx("ix_honours_staff", "honours", &["staff_id"]));
}

pub(super) fn v46(s: &mut Vec<Stmt>, kind: DbKind) {
    s.push(alter(
        kind,
        Table::alter()
            .table("training_attendance")
            .add_column(boolean("self_signed").default(false).to_owned())
            .to_owned(),
    ));
    s.push(alter(
        kind,
        Table::alter()
            .table("perf_group_targets")
            .add_column(boolean("whole").default(false).to_owned())
            .to_owned(),
    ));
}
