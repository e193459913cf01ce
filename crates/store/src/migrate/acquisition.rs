//! Migrations 24 to 26, 28 to 32, 34 and 41: customer acquisition — partner institutions, leads (contact data encrypted, blind indexes
//! for the duplicate check), each lead's history, targets per period and owner, and the market's figures.

use super::{
    Stmt, bigint, bigint_null, boolean, id, idx, int, text, text_null, uidx, uuid, uuid_null,
};
use crate::db::DbKind;
use sea_orm::sea_query::{ColumnDef, Table};

fn int_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().null().to_owned()
}
fn bytes_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).blob().null().to_owned()
}

pub(super) fn v24(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("acq_partners")
            .col(id("id"))
            .col(text("name"))
            .col(text("kind"))
            .col(text_null("branch_code"))
            .col(text_null("note"))
            .col(boolean("active"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .to_owned(),
    )));
    s.push(uidx("ux_acq_partners_name", "acq_partners", &["name"]));
    let mut leads = Table::create();
    leads.table("leads").col(id("id")).col(text("lead_no"));
    for c in ["kind", "name"] {
        leads.col(text(c));
    }
    leads.col(text_null("gender")).col(int_null("birth_year"));
    for c in ["mobile_enc", "mobile_bidx"] {
        leads.col(bytes_null(c));
    }
    leads.col(text_null("mobile_mask"));
    leads
        .col(bytes_null("email_enc"))
        .col(text_null("email_mask"));
    leads
        .col(bytes_null("address_enc"))
        .col(text_null("address_mask"));
    leads
        .col(bytes_null("id_enc"))
        .col(bytes_null("id_bidx"))
        .col(text_null("id_mask"));
    leads
        .col(text_null("industry"))
        .col(text_null("business_scope"))
        .col(int_null("employees"));
    for c in ["income", "assets", "liabilities"] {
        leads.col(bigint_null(c));
    }
    leads
        .col(text("products_wanted"))
        .col(int_null("expected_return_bp"))
        .col(text("channel"))
        .col(uuid_null("partner_id"))
        .col(text_null("basis"))
        .col(text_null("consent_on"))
        .col(text_null("consent_ref"))
        .col(text_null("credit_grade"))
        .col(text_null("credit_source"))
        .col(text_null("credit_on"))
        .col(text("branch_code"))
        .col(uuid_null("rm_id"))
        .col(text("stage"))
        .col(bigint("stage_at_us"))
        .col(text("reached"))
        .col(int_null("score"))
        .col(text_null("outcome"))
        .col(text("factors"))
        .col(text_null("reason"))
        .col(uuid_null("customer_id"))
        .col(text_null("note"))
        .col(uuid("created_by"))
        .col(bigint("created_at_us"))
        .col(bigint("updated_at_us"))
        .col(int("version"));
    s.push(Stmt::Table(Box::new(leads.to_owned())));
    s.push(uidx("ux_leads_no", "leads", &["lead_no"]));
    // The board reads each stage's longest-waiting leads by scope (the bank, a branch, an owner) in the order
    // of these indexes, id last so that no sort is needed (SQLite sorted a whole stage without it: a 2 s
    // board at 100,000 leads, bench/acquisition run 20261204T115118Z); the lists read newest first by scope.
    // The duplicate check reads by blind index.
    s.push(idx(
        "ix_leads_branch_stage",
        "leads",
        &["branch_code", "stage", "stage_at_us", "id"],
    ));
    s.push(idx(
        "ix_leads_rm_stage",
        "leads",
        &["rm_id", "stage", "stage_at_us", "id"],
    ));
    s.push(idx(
        "ix_leads_stage",
        "leads",
        &["stage", "stage_at_us", "id"],
    ));
    s.push(idx("ix_leads_branch_id", "leads", &["branch_code", "id"]));
    s.push(idx("ix_leads_rm_id", "leads", &["rm_id", "id"]));
    s.push(idx("ix_leads_mobile", "leads", &["mobile_bidx"]));
    s.push(idx("ix_leads_ident", "leads", &["id_bidx"]));
    s.push(idx("ix_leads_partner", "leads", &["partner_id", "stage"]));
    s.push(idx("ix_leads_created", "leads", &["created_at_us"]));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("lead_events")
            .col(id("id"))
            .col(uuid("lead_id"))
            .col(bigint("at_us"))
            .col(uuid("by_id"))
            .col(text("action"))
            .col(text_null("from_stage"))
            .col(text_null("to_stage"))
            .col(text_null("reason"))
            .col(text_null("note"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_lead_events_lead",
        "lead_events",
        &["lead_id", "at_us"],
    ));
    // Targets per period and owner; `owner_key` names the owner in one column (`bank`, `branch:BR0001`,
    // `team:BR0001/零售一组`, `person:<id>`) so that one target per period, owner and metric is a unique index
    // on both backends (NULLs in a unique index never clash on PostgreSQL).
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("acq_targets")
            .col(id("id"))
            .col(text("period"))
            .col(text("starts_on"))
            .col(text("ends_on"))
            .col(text("level"))
            .col(text_null("branch_code"))
            .col(text_null("team"))
            .col(uuid_null("staff_id"))
            .col(text("owner_key"))
            .col(text("metric"))
            .col(bigint("value"))
            .col(uuid("set_by"))
            .col(bigint("set_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_acq_targets",
        "acq_targets",
        &["period", "starts_on", "owner_key", "metric"],
    ));
}

/// Migration 25: a deal's papers. Proposal rounds are numbered per lead (a unique index, so that two
/// simultaneous rounds cannot take one number); a lead has at most one contract and one application; its
/// documents keep their bytes encrypted in `data`.
pub(super) fn v25(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("lead_proposals")
            .col(id("id"))
            .col(uuid("lead_id"))
            .col(int("round"))
            .col(text("content"))
            .col(text_null("terms"))
            .col(text_null("pricing"))
            .col(text_null("obligations"))
            .col(text("products"))
            .col(text("changes"))
            .col(bigint_null("agreed_at_us"))
            .col(uuid_null("agreed_by"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_lead_proposals_round",
        "lead_proposals",
        &["lead_id", "round"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("lead_papers")
            .col(id("id"))
            .col(uuid("lead_id"))
            .col(text("kind"))
            .col(text("state"))
            .col(uuid_null("proposal_id"))
            .col(text("checked"))
            .col(uuid_null("submitted_by"))
            .col(bigint_null("submitted_at_us"))
            .col(uuid_null("reviewed_by"))
            .col(bigint_null("reviewed_at_us"))
            .col(text_null("review_note"))
            .col(text_null("signed_on"))
            .col(text_null("signatories"))
            .col(bigint("created_at_us"))
            .col(bigint("updated_at_us"))
            .col(int("version"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_lead_papers_kind",
        "lead_papers",
        &["lead_id", "kind"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("lead_files")
            .col(id("id"))
            .col(uuid("lead_id"))
            .col(text("doc"))
            .col(text("filename"))
            .col(text("content_type"))
            .col(bigint("size_bytes"))
            .col(text("sha256"))
            .col(uuid("uploaded_by"))
            .col(bigint("uploaded_at_us"))
            .col(ColumnDef::new("data").blob().not_null().to_owned())
            .to_owned(),
    )));
    s.push(idx(
        "ix_lead_files_lead",
        "lead_files",
        &["lead_id", "uploaded_at_us"],
    ));
}

pub(super) fn v26(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("lead_visits")
            .col(id("id"))
            .col(uuid("lead_id"))
            .col(text("state"))
            .col(text("purpose"))
            .col(text("method"))
            .col(bigint("scheduled_at_us"))
            .col(uuid("staff_id"))
            .col(boolean("key_lead"))
            .col(text_null("background"))
            .col(text_null("competitors"))
            .col(text_null("materials"))
            .col(text_null("talking_points"))
            .col(bigint_null("held_at_us"))
            .col(text_null("summary"))
            .col(text_null("opinions"))
            .col(text_null("outcome"))
            .col(text_null("next_step"))
            .col(text_null("cancel_reason"))
            .col(uuid_null("recorded_by"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .col(bigint("updated_at_us"))
            .col(int("version"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_lead_visits_lead",
        "lead_visits",
        &["lead_id", "scheduled_at_us"],
    ));
    // The calendar reads a staff member's visits by time.
    s.push(idx(
        "ix_lead_visits_staff",
        "lead_visits",
        &["staff_id", "scheduled_at_us"],
    ));
}

/// Migration 28: the deal's team — a product manager and an operations person beside the lead's owner.
pub(super) fn v28(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("lead_team")
            .col(uuid("lead_id"))
            .col(text("role"))
            .col(uuid("staff_id"))
            .col(uuid("assigned_by"))
            .col(bigint("assigned_at_us"))
            .to_owned(),
    )));
    // One holder per part: two people naming someone at the same moment meet here.
    s.push(uidx("ux_lead_team", "lead_team", &["lead_id", "role"]));
}

/// Migration 29: the acquisition team's meetings with their minutes, and the actions they gave.
pub(super) fn v29(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("acq_meetings")
            .col(id("id"))
            .col(text("branch_code"))
            .col(text_null("team"))
            .col(bigint("held_at_us"))
            .col(text("topic"))
            .col(text("minutes"))
            .col(text("attendees"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_acq_meetings_branch",
        "acq_meetings",
        &["branch_code", "held_at_us"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("acq_meeting_actions")
            .col(id("id"))
            .col(uuid("meeting_id"))
            .col(int("pos"))
            .col(text("what"))
            .col(uuid("owner_id"))
            .col(text("due_on"))
            .col(text("state"))
            .col(uuid_null("done_by"))
            .col(bigint_null("done_at_us"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_acq_meeting_actions_meeting",
        "acq_meeting_actions",
        &["meeting_id", "pos"],
    ));
    // A staff member's open actions, by day.
    s.push(idx(
        "ix_acq_meeting_actions_owner",
        "acq_meeting_actions",
        &["owner_id", "state", "due_on"],
    ));
}

/// Migration 30: acquisition campaigns with their strategy, and the campaign a lead was captured in.
pub(super) fn v30(s: &mut Vec<Stmt>, kind: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("acq_campaigns")
            .col(id("id"))
            .col(text("name"))
            .col(text("strategy"))
            .col(text_null("kind"))
            .col(text_null("segment"))
            .col(text("channels"))
            .col(text("partners"))
            .col(text_null("branch_code"))
            .col(text("starts_on"))
            .col(text("ends_on"))
            .col(bigint("leads_target"))
            .col(bigint("won_target"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .to_owned(),
    )));
    s.push(uidx("ux_acq_campaigns_name", "acq_campaigns", &["name"]));
    s.push(super::alter(
        kind,
        sea_orm::sea_query::Table::alter()
            .table("leads")
            .add_column(uuid_null("campaign_id"))
            .to_owned(),
    ));
    s.push(idx(
        "ix_leads_campaign",
        "leads",
        &["campaign_id", "created_at_us"],
    ));
}

/// Migration 31: acquisition risk — the responses to a deal's risks, and the watch's warnings about partners.
pub(super) fn v31(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("acq_risk_responses")
            .col(id("id"))
            .col(uuid("lead_id"))
            .col(text("kind"))
            .col(text("level"))
            .col(text("response"))
            .col(text("note"))
            .col(uuid("by_id"))
            .col(bigint("at_us"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_acq_risk_responses_lead",
        "acq_risk_responses",
        &["lead_id", "at_us"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("acq_partner_alerts")
            .col(id("id"))
            .col(uuid("partner_id"))
            .col(text("indicator"))
            .col(text("status"))
            .col(text("checks"))
            .col(text("due_on"))
            .col(bigint("created_at_us"))
            .col(bigint_null("closed_at_us"))
            .col(uuid_null("closed_by"))
            .col(text_null("disposition"))
            .col(text_null("resolution"))
            .to_owned(),
    )));
    // One open warning per partner and indicator: a second watch (or node) finds it open and leaves it.
    s.push(Stmt::Raw(
        "CREATE UNIQUE INDEX ux_acq_partner_alerts_open ON acq_partner_alerts (partner_id, indicator) WHERE status = 'open'"
            .into(),
    ));
    s.push(idx(
        "ix_acq_partner_alerts_queue",
        "acq_partner_alerts",
        &["status", "due_on"],
    ));
}

/// Migration 32: the funnel's period within a branch's or an owner's leads read from an index of their own
/// (a supervisor's funnel read every lead of the period on SQLite: 1.6 s at p99, bench/acquisition).
pub(super) fn v32(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(idx(
        "ix_leads_branch_created",
        "leads",
        &["branch_code", "created_at_us"],
    ));
    s.push(idx(
        "ix_leads_rm_created",
        "leads",
        &["rm_id", "created_at_us"],
    ));
}

/// Migration 34: the new customers' satisfaction surveys — one per won lead (a second node's or night's run
/// finds it sent), found again by the message a reply answers; the effectiveness report counts them by
/// when they were sent and answered.
pub(super) fn v34(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("acq_surveys")
            .col(id("id"))
            .col(uuid("lead_id"))
            .col(uuid("customer_id"))
            .col(uuid("message_id"))
            .col(bigint("sent_at_us"))
            .col(ColumnDef::new("satisfaction").integer().null().to_owned())
            .col(text_null("comment"))
            .col(bigint_null("answered_at_us"))
            .to_owned(),
    )));
    s.push(uidx("ux_acq_surveys_lead", "acq_surveys", &["lead_id"]));
    s.push(uidx(
        "ux_acq_surveys_message",
        "acq_surveys",
        &["message_id"],
    ));
    s.push(idx("ix_acq_surveys_sent", "acq_surveys", &["sent_at_us"]));
    s.push(idx(
        "ix_acq_surveys_answered",
        "acq_surveys",
        &["answered_at_us"],
    ));
}

/// Migration 41: the market's figures the bank records per period and region (the bank's own, or a
/// branch's area), against which the market-share targets are read. `region_key` (`bank`, `branch:BR0001`)
/// makes one figure per period, region and measure a unique index on both backends.
pub(super) fn v41(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("acq_market")
            .col(id("id"))
            .col(text("period"))
            .col(text("starts_on"))
            .col(text("region_key"))
            .col(text_null("branch_code"))
            .col(text("measure"))
            .col(bigint("value"))
            .col(text("source"))
            .col(uuid("set_by"))
            .col(bigint("set_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_acq_market",
        "acq_market",
        &["period", "starts_on", "region_key", "measure"],
    ));
}
