//! Acquisition risk (seed 002 §八): each lead's four risks rated by the policy's rules on its page, the
//! responses staff record to them, the gate that keeps a deal with an unanswered high risk (or one to avoid)
//! from going to review, and the watch — new customers overdue or complaining within their first days
//! (warnings in the one alert queue, for the customer's manager) and partners whose leads are rejected
//! above the policy's rate (warnings on the acquisition risk page). Each warning is disposed with a reason.
//!
//! Who may do what: the ratings are read with the lead (`lead.read`, in scope); a response is recorded with
//! `lead.write` on an open lead; the watch is run, and a partner's warning disposed, by those who manage
//! partners (`partner.manage`) or by compliance (`monitoring.report` with `metrics.write`: the risk officer).

use super::papers::{check_version, record};
use super::{LeadView, lead_in_scope, note, staff_names, view_of};
use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::acquisition::risk::{
    self as rules, DealRiskLevel, GateRefusal, Rating, RiskFacts, RiskKind, RiskResponse,
};
use banyan_domain::acquisition::{LeadAction, screening};
use banyan_domain::book::monitoring::{AlertStatus, Disposition};
use banyan_domain::ids::{LeadId, PartnerId, StaffId};
use banyan_domain::segments::Check;
use banyan_store::acquisition::risk::{self as store, PartnerAlertRow, RiskResponseRow};
use banyan_store::acquisition::{LeadEventRow, LeadRow};
use banyan_store::now_us;
use banyan_store::segments::AlertRow;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The indicator of a new customer overdue within its first days.
pub const EARLY_OVERDUE: &str = "acq_early_overdue";
/// The indicator of a new customer's complaint within its first days.
pub const EARLY_COMPLAINT: &str = "acq_early_complaint";
/// The indicator of a partner whose leads are rejected above the rate.
pub const PARTNER_REJECTS: &str = "acq_partner_rejects";

const DAY_US: i64 = 86_400_000_000;

/// A response as the lead's page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResponseView {
    pub response: RiskResponse,
    /// The risk's level when the response was given.
    pub level: DealRiskLevel,
    pub note: String,
    pub by: String,
    pub at: String,
}

/// One of the deal's risks: its rating now and the latest response to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskLine {
    #[serde(flatten)]
    pub rating: Rating,
    pub response: Option<ResponseView>,
}

/// The deal's four risks and what the gate says now.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Risks {
    pub lines: Vec<RiskLine>,
    /// Why the contract or the application may not go to review now, if it may not.
    pub blocked: Option<Blocked>,
}

/// What keeps the deal from review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Blocked {
    /// `risk_unanswered` (a high risk without a response) or `risk_avoided` (a response to avoid one).
    pub code: String,
    pub kind: RiskKind,
}

/// What the rules read of the lead, on today's date.
async fn facts<C: ConnectionTrait>(
    app: &App,
    c: &C,
    r: &LeadRow,
    events: &[LeadEventRow],
) -> Result<RiskFacts> {
    let credit = super::work::credit_of(r)?;
    let (basis, points) = screening::credit_factor(
        &app.policy().acquisition.screening,
        credit.as_ref(),
        app.today(),
    );
    let debt_ratio_pct = match (r.assets, r.liabilities) {
        (Some(a), Some(l)) if a > 0 => {
            i64::try_from(i128::from(l.max(0)) * 100 / i128::from(a)).ok()
        }
        _ => None,
    };
    let w = &app.policy().acquisition.risk.watch;
    let partner_reject_pct = match r.partner_id {
        Some(p) => store::partner_records(c, window_from(w.partner_window_days), Some(p))
            .await?
            .get(&p)
            .and_then(|rec| rec.reject_pct(w)),
        None => None,
    };
    Ok(RiskFacts {
        kind: r.kind,
        credit_points: (basis == screening::Basis::Grade).then_some(points),
        debt_ratio_pct,
        industry_risk: super::work::industry_risk_of(app, r),
        expected_return_bp: r.expected_return_bp,
        lawful_basis: r.basis.is_some(),
        has_contact: r.mobile_enc.is_some() || r.email_enc.is_some(),
        papers_returned: u32::try_from(
            events
                .iter()
                .filter(|e| {
                    matches!(
                        e.action,
                        LeadAction::ContractReturned | LeadAction::ApplicationReturned
                    )
                })
                .count(),
        )
        .unwrap_or(u32::MAX),
        partner_reject_pct,
    })
}

fn window_from(days: u16) -> i64 {
    now_us() - i64::from(days) * DAY_US
}

/// A lead's risks as rated now, each kind's latest response, and what the gate says.
struct Assessed {
    ratings: Vec<Rating>,
    /// Each kind's latest response.
    latest: Vec<RiskResponseRow>,
    gate: std::result::Result<(), GateRefusal>,
}

/// Rates the lead's risks (`events`: its history, read once by the caller) and reads its responses.
async fn assess<C: ConnectionTrait>(
    app: &App,
    c: &C,
    r: &LeadRow,
    events: &[LeadEventRow],
) -> Result<Assessed> {
    let ratings = rules::rate(
        &app.policy().acquisition.risk,
        &facts(app, c, r, events).await?,
    );
    let mut latest: Vec<RiskResponseRow> = Vec::new();
    // `responses_of` reads the latest first.
    for x in store::responses_of(c, r.id).await? {
        if !latest.iter().any(|l| l.kind == x.kind) {
            latest.push(x);
        }
    }
    let answered: Vec<(RiskKind, RiskResponse)> =
        latest.iter().map(|x| (x.kind, x.response)).collect();
    let gate = rules::gate(&ratings, &answered);
    Ok(Assessed {
        ratings,
        latest,
        gate,
    })
}

/// The lead's risks with their responses (`events`: its history, read once by the caller).
pub(crate) async fn risks_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    r: &LeadRow,
    events: &[LeadEventRow],
    names: &HashMap<StaffId, String>,
) -> Result<Risks> {
    let a = assess(app, c, r, events).await?;
    let blocked = a.gate.err().map(|g| {
        let (code, kind) = g.code();
        Blocked {
            code: code.to_owned(),
            kind,
        }
    });
    let lines = a
        .ratings
        .into_iter()
        .map(|rating| {
            let response = match a.latest.iter().find(|x| x.kind == rating.kind) {
                Some(x) => Some(ResponseView {
                    response: x.response,
                    level: x.level,
                    note: x.note.clone(),
                    by: names.get(&x.by_id).cloned().ok_or_else(|| {
                        AppError::internal(format!(
                            "acq_risk_responses {}: staff {} unknown",
                            x.id, x.by_id
                        ))
                    })?,
                    at: crate::fmt_us(x.at_us),
                }),
                None => None,
            };
            Ok(RiskLine { rating, response })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Risks { lines, blocked })
}

/// Refuses to send the contract or the application to review while a high risk has no response or a
/// response is to avoid the risk (`409 risk_unanswered` / `409 risk_avoided`, naming the risk in `risk`).
pub(super) async fn gate<C: ConnectionTrait>(app: &App, c: &C, r: &LeadRow) -> Result<()> {
    let events = banyan_store::acquisition::events_of(c, r.id).await?;
    let Err(refusal) = assess(app, c, r, &events).await?.gate else {
        return Ok(());
    };
    let (code, kind) = refusal.code();
    let message = match refusal {
        GateRefusal::Unanswered(_) => format!(
            "the deal's {} risk is rated high: record a response to it first",
            kind.as_str()
        ),
        GateRefusal::Avoided(_) => format!(
            "the response to the deal's {} risk is to avoid it: the deal goes no further",
            kind.as_str()
        ),
    };
    Err(AppError::conflict(
        code,
        message,
        json!({"risk": kind.as_str()}),
    ))
}

/// A response to one of the deal's risks.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskInput {
    pub kind: RiskKind,
    pub response: RiskResponse,
    /// Why, and what is done (required, at most 1000 characters).
    pub note: String,
}

/// Records a response to one of an open lead's risks (`lead.write`; at the version read when one is sent),
/// with the lead's history and audit record in one transaction. The response is kept with the level the
/// risk has now.
pub async fn respond(
    app: &App,
    actor: &Actor,
    id: LeadId,
    i: RiskInput,
    version: Option<i32>,
) -> Result<LeadView> {
    let grant = actor.require(Permission::LeadWrite)?;
    let Some(n) = note("note", Some(i.note))? else {
        return Err(AppError::field(
            "note",
            "required",
            "say why, and what is done about the risk",
        ));
    };
    let tx = app.db.begin_write().await?;
    let old = lead_in_scope(&*tx, &grant, id).await?;
    check_version(&old, version)?;
    if !old.stage.is_open() {
        return Err(AppError::conflict(
            "invalid_state",
            format!("not possible while the lead is {}", old.stage.as_str()),
            json!({"current_status": old.stage.as_str()}),
        ));
    }
    let events = banyan_store::acquisition::events_of(&*tx, id).await?;
    let level = assess(app, &*tx, &old, &events)
        .await?
        .ratings
        .into_iter()
        .find(|r| r.kind == i.kind)
        .map_or(DealRiskLevel::Low, |r| r.level);
    store::insert_response(
        &*tx,
        &RiskResponseRow {
            id: Uuid::now_v7(),
            lead_id: id,
            kind: i.kind,
            level,
            response: i.response,
            note: n.clone(),
            by_id: actor.id(),
            at_us: now_us(),
        },
    )
    .await?;
    let detail = json!({"risk": i.kind.as_str(), "risk_level": level.as_str(), "response": i.response.as_str()});
    let line = (
        LeadAction::RiskAnswered,
        Some(i.kind.as_str().to_owned()),
        Some(n),
    );
    let r = record(app, &*tx, &grant, &old, line, "lead.risk", detail).await?;
    let v = view_of(app, &*tx, &r, None).await?;
    tx.commit().await?;
    Ok(v)
}

/// Who runs the watch and disposes of a partner's warning: those who manage partners, or compliance.
fn watcher<'a>(actor: &'a Actor) -> Result<Granted<'a>> {
    actor.require(Permission::PartnerManage).or_else(|e| {
        actor
            .require(Permission::MetricsWrite)
            .ok()
            .and(actor.require(Permission::MonitoringReport).ok())
            .ok_or(e)
    })
}

/// What one pass of the watch raised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct WatchReport {
    /// New customers' warnings opened in the alert queue.
    pub customer_alerts: u64,
    /// Partners' warnings opened.
    pub partner_alerts: u64,
}

/// Runs the watch now (as the nightly job does), for those who may; audited with what it raised.
pub async fn run_watch(app: &App, actor: &Actor) -> Result<WatchReport> {
    let grant = watcher(actor)?;
    watch_as(app, Some(&grant)).await
}

/// One pass of the watch: warnings for new customers overdue or complaining (one open per customer and
/// indicator) and for partners above the rejection rate (one open per partner). Idempotent: what is open
/// stays as it is. What it raised is audited in the transaction that raised it (as the nightly job, when
/// it raised something).
pub async fn watch(app: &App) -> Result<WatchReport> {
    watch_as(app, None).await
}

async fn watch_as(app: &App, grant: Option<&Granted<'_>>) -> Result<WatchReport> {
    let w = app.policy().acquisition.risk.watch;
    let now = now_us();
    let due = app
        .today()
        .checked_add(jiff::Span::new().days(i64::from(w.due_days)))
        .unwrap_or(app.today())
        .to_string();
    let won = store::won_since(&app.db.conn, window_from(w.new_customer_days)).await?;
    let ids: Vec<Uuid> = won.iter().map(|x| x.customer_id.uuid()).collect();
    let customers = banyan_store::customers::rows_by_ids(&app.db.conn, &ids).await?;
    let owner = |id: Uuid| {
        customers
            .iter()
            .find(|c| c.id.uuid() == id)
            .and_then(|c| c.rm_id.map(Into::into))
    };
    let mut alerts = Vec::new();
    for (customer_id, x) in super::latest_figures(&app.db.conn, &ids, app.today()).await? {
        if x.overdue_count >= u32::from(w.overdue_from) {
            let check = count_check("overdue_count", f64::from(x.overdue_count), w.overdue_from);
            alerts.push(customer_alert(
                customer_id,
                EARLY_OVERDUE,
                check,
                owner(customer_id),
                &due,
                now,
            )?);
        }
    }
    let first = won.first().map_or(now, |x| x.won_at_us);
    let complaints = store::complaints_since(&app.db.conn, &ids, first).await?;
    for x in &won {
        let id = x.customer_id.uuid();
        let n = complaints
            .iter()
            .filter(|(c, at)| *c == id && *at >= x.won_at_us)
            .count();
        if n >= usize::from(w.complaints_from) {
            let check = count_check("complaints_since_won", n as f64, w.complaints_from);
            alerts.push(customer_alert(
                id,
                EARLY_COMPLAINT,
                check,
                owner(id),
                &due,
                now,
            )?);
        }
    }
    let tx = app.db.begin_write().await?;
    let mut report = WatchReport::default();
    for a in &alerts {
        report.customer_alerts +=
            banyan_store::segments::open_alerts(&*tx, std::slice::from_ref(a)).await?;
    }
    let records = store::partner_records(&*tx, window_from(w.partner_window_days), None).await?;
    let mut partners: Vec<(&PartnerId, &rules::PartnerRecord)> =
        records.iter().filter(|(_, r)| r.warns(&w)).collect();
    partners.sort_by_key(|(p, _)| p.uuid());
    for (p, rec) in partners {
        let checks = vec![
            Check {
                fact: "partner_reject_rate".into(),
                unit: "ratio".into(),
                value: rec.rejected as f64 / rec.decided as f64,
                op: ">=".into(),
                threshold: f64::from(w.partner_reject_pct) / 100.0,
            },
            count_check(
                "partner_decided_leads",
                rec.decided as f64,
                w.partner_min_leads,
            ),
        ];
        let row = PartnerAlertRow {
            id: Uuid::now_v7(),
            partner_id: *p,
            indicator: PARTNER_REJECTS.into(),
            status: AlertStatus::Open,
            checks: serde_json::to_string(&checks)
                .map_err(|e| AppError::internal_from("partner alert checks", e))?,
            due_on: due.clone(),
            created_at_us: now,
            closed_at_us: None,
            closed_by: None,
            disposition: None,
            resolution: None,
        };
        if store::open_partner_alert(&*tx, &row).await? {
            report.partner_alerts += 1;
        }
    }
    let entry = Entry {
        action: "acquisition.watch",
        entity: "acquisition",
        entity_id: None,
        customer_id: None,
        detail: json!({"customer_alerts": report.customer_alerts, "partner_alerts": report.partner_alerts}),
    };
    match grant {
        Some(g) => audit::record(app, &*tx, g, vec![entry]).await?,
        None if report != WatchReport::default() => {
            audit::record_system(app, &*tx, "acquisition.watch", vec![entry]).await?
        }
        None => {}
    }
    tx.commit().await?;
    Ok(report)
}

fn count_check(fact: &str, value: f64, threshold: u16) -> Check {
    Check {
        fact: fact.into(),
        unit: "count".into(),
        value,
        op: ">=".into(),
        threshold: f64::from(threshold),
    }
}

fn customer_alert(
    customer: Uuid,
    indicator: &str,
    check: Check,
    owner: Option<Uuid>,
    due: &str,
    now: i64,
) -> Result<AlertRow> {
    Ok(AlertRow {
        id: Uuid::now_v7(),
        customer_id: customer,
        indicator: indicator.into(),
        subject: String::new(),
        status: AlertStatus::Open,
        owner_id: owner,
        reason: format!(
            "a customer won within the watch's days: {} {} >= {}",
            check.fact, check.value, check.threshold
        ),
        checks: serde_json::to_string(&[&check])
            .map_err(|e| AppError::internal_from("a warning's checks", e))?,
        due_on: due.into(),
        created_at_us: now,
        closed_at_us: None,
        closed_by: None,
        resolution: None,
        disposition: None,
        escalated_at_us: None,
    })
}

/// A partner's warning as the risk page and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerAlertView {
    pub id: Uuid,
    pub partner_id: PartnerId,
    pub partner: String,
    pub indicator: String,
    pub status: AlertStatus,
    pub checks: Vec<Check>,
    pub due_on: String,
    pub overdue: bool,
    pub created_at: String,
    pub disposition: Option<Disposition>,
    pub resolution: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
}

/// Which partner warnings to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PartnerAlertQuery {
    /// `open` or `closed` (default: both).
    #[serde(default)]
    pub status: Option<AlertStatus>,
    #[serde(default)]
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<u64>,
    #[serde(default)]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// A page of partner warnings and how many match.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerAlertPage {
    pub total: u64,
    pub offset: u64,
    pub items: Vec<PartnerAlertView>,
    /// Whether the reader may run the watch and dispose of a warning.
    pub may_handle: bool,
}

/// The partners' warnings (`lead.read`): open before closed, the earliest due first.
pub async fn partner_alerts(
    app: &App,
    actor: &Actor,
    q: PartnerAlertQuery,
) -> Result<PartnerAlertPage> {
    actor.require(Permission::LeadRead)?;
    let offset = q.offset.unwrap_or(0);
    if offset > 100_000 {
        return Err(AppError::field("offset", "max", "at most 100000"));
    }
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let (total, rows) = store::partner_alerts(&app.db.conn, q.status, offset, limit).await?;
    let partners: HashMap<PartnerId, String> =
        banyan_store::acquisition::list_partners(&app.db.conn)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
    let names = staff_names(app).await?;
    let today = app.today().to_string();
    let items = rows
        .into_iter()
        .map(|a| {
            let checks: Vec<Check> = serde_json::from_str(&a.checks).map_err(|e| {
                AppError::internal_from(format!("acq_partner_alerts.checks of {}", a.id), e)
            })?;
            let partner = partners.get(&a.partner_id).cloned().ok_or_else(|| {
                AppError::internal(format!("acq_partner_alerts {}: partner unknown", a.id))
            })?;
            let closed = (a.closed_by, &a.disposition, &a.resolution, a.closed_at_us);
            let complete = matches!(closed, (Some(_), Some(_), Some(_), Some(_)));
            if (a.status == AlertStatus::Closed) != complete {
                return Err(AppError::internal(format!(
                    "acq_partner_alerts {}: {} with its closing {}",
                    a.id,
                    a.status.as_str(),
                    if complete { "recorded" } else { "incomplete" }
                )));
            }
            let closed_by = match a.closed_by {
                Some(s) => Some(names.get(&s).cloned().ok_or_else(|| {
                    AppError::internal(format!("acq_partner_alerts {}: staff {s} unknown", a.id))
                })?),
                None => None,
            };
            Ok(PartnerAlertView {
                id: a.id,
                partner_id: a.partner_id,
                partner,
                overdue: a.status == AlertStatus::Open && a.due_on < today,
                indicator: a.indicator,
                status: a.status,
                checks,
                due_on: a.due_on,
                created_at: crate::fmt_us(a.created_at_us),
                disposition: a.disposition,
                resolution: a.resolution,
                closed_by,
                closed_at: a.closed_at_us.map(crate::fmt_us),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(PartnerAlertPage {
        total,
        offset,
        items,
        may_handle: watcher(actor).is_ok(),
    })
}

/// Disposes of a partner's warning with its disposition and what was done (`explained`,
/// `false_positive` or `followed_up`); audited. A warning already closed: `409 invalid_state`.
pub async fn close_partner_alert(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: crate::segments::alerts::AlertClose,
) -> Result<()> {
    let grant = watcher(actor)?;
    let resolution = crate::segments::alerts::resolution_of(&input)?;
    let disposition = match input.disposition {
        None => Disposition::FollowedUp,
        Some(d) if d.fits(None) => d,
        Some(_) => {
            return Err(AppError::field(
                "disposition",
                "one_of",
                "is not a disposition of this kind of warning",
            ));
        }
    };
    let tx = app.db.begin_write().await?;
    let a = store::find_partner_alert(&*tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !store::close_partner_alert(&*tx, id, actor.id(), disposition, resolution, now_us()).await? {
        return Err(AppError::conflict(
            "invalid_state",
            "the warning is already closed",
            json!({"current_status": a.status.as_str()}),
        ));
    }
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "partner.alert.close",
            entity: "partner",
            entity_id: Some(a.partner_id.to_string()),
            customer_id: None,
            detail: json!({"indicator": a.indicator, "disposition": disposition.as_str(), "resolution": resolution}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
