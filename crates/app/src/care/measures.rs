//! The measures taken for a care customer (seed 003 §四), each with its owner, state, dates and outcome. A
//! member of the team records one; those that need an approver (the emergency loan on its fast track, a fee
//! waiver, a repayment plan) wait for one supervisor who is not the requester, the loan on its clock of
//! working hours; the owner records the outcome.

use super::{CareView, MeasureView, audit, load, opt_name, opt_us, optional_text, view_of};
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::care::CareStatus;
use banyan_domain::care::measures::{MeasureKind, MeasureMove, MeasureState, add_working_hours};
use banyan_domain::ids::{CareId, CareMeasureId, StaffId};
use banyan_store::care::{self as store, MeasureRow};
use banyan_store::now_us;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;

/// A measure to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureInput {
    pub kind: MeasureKind,
    /// What is to be done, in a sentence (what, not why).
    pub what: String,
    /// Whose it is (the recorder when absent); a member of the team.
    #[serde(default)]
    pub owner: Option<StaffId>,
    /// A home visit's second staff member.
    #[serde(default)]
    pub second_staff: Option<StaffId>,
    /// A fee waiver's account.
    #[serde(default)]
    pub account_no: Option<String>,
    /// An emergency loan's amount in minor units of CNY.
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub starts_on: Option<Date>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<Date>,
    /// A home visit's time agreed with the customer (RFC 3339).
    #[serde(default)]
    pub scheduled_at: Option<String>,
    /// A green-channel referral's partner hospital (an active one of the list).
    #[serde(default)]
    pub hospital: Option<uuid::Uuid>,
}

/// A move of a measure.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureAction {
    /// `approve`, `decline`, `complete` or `cancel`.
    #[schema(example = "complete")]
    pub action: String,
    /// Why (to decline or cancel).
    #[serde(default)]
    pub reason: Option<String>,
    /// What came of it (to complete).
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub version: Option<i32>,
}

pub(super) fn view(
    names: &HashMap<StaffId, String>,
    hospitals: &HashMap<uuid::Uuid, String>,
    m: &MeasureRow,
    now: i64,
) -> Result<MeasureView> {
    let hospital = m
        .hospital_id
        .map(|h| {
            hospitals.get(&h).cloned().ok_or_else(|| {
                AppError::internal(format!("care measure {}: hospital {h} unknown", m.id))
            })
        })
        .transpose()?;
    Ok(MeasureView {
        hospital,
        id: m.id,
        kind: m.kind,
        state: m.state,
        owner: super::name_of(names, m.owner_id, "measure")?,
        owner_id: m.owner_id,
        second_staff: opt_name(names, m.second_staff, "measure")?,
        requested_by: super::name_of(names, m.requested_by, "measure")?,
        requested_at: crate::fmt_us(m.requested_at_us),
        due_at: opt_us(m.due_at_us),
        overdue: m.state == MeasureState::Requested && m.due_at_us.is_some_and(|d| d < now),
        account_no: m.account_no.clone(),
        amount: m.amount,
        starts_on: m.starts_on,
        ends_on: m.ends_on,
        scheduled_at: opt_us(m.scheduled_at_us),
        what: m.what.clone(),
        decided_by: opt_name(names, m.decided_by, "measure")?,
        decided_at: opt_us(m.decided_at_us),
        reason: m.reason.clone(),
        outcome: m.outcome.clone(),
        done_at: opt_us(m.done_at_us),
        version: m.version,
    })
}

/// Checks what the kind needs; every missing or wrong field is named.
fn check(app: &App, i: &MeasureInput) -> Result<(Option<String>, Option<i64>)> {
    let mut e = banyan_domain::FieldErrors::new();
    let account = optional_text("account_no", i.account_no.as_deref(), 40)?;
    if i.kind.needs_account() && account.is_none() {
        e.push(
            "account_no",
            "required",
            "the account the fees are waived on",
        );
    }
    if i.kind.has_amount() {
        let max = i64::from(app.policy().care.emergency_loan.max_amount_yuan) * 100;
        match i.amount {
            None => e.push("amount", "required", "the loan's amount"),
            Some(a) if a <= 0 || a > max => e.push(
                "amount",
                "range",
                format!(
                    "more than 0 and at most {} yuan on the fast track",
                    max / 100
                ),
            ),
            Some(_) => {}
        }
    } else if i.amount.is_some() {
        e.push(
            "amount",
            "not_allowed",
            "only an emergency loan has an amount",
        );
    }
    if i.kind == MeasureKind::FeeWaiver && (i.starts_on.is_none() || i.ends_on.is_none()) {
        e.push("ends_on", "required", "a waiver runs from a day to a day");
    }
    if let (Some(s), Some(t)) = (i.starts_on, i.ends_on)
        && t < s
    {
        e.push("ends_on", "after_from", "must not be before the first day");
    }
    let scheduled = match i
        .scheduled_at
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => match s.parse::<jiff::Timestamp>() {
            Ok(t) => Some(t.as_microsecond()),
            Err(_) => {
                e.push("scheduled_at", "format", "a date and time (RFC 3339)");
                None
            }
        },
        None => None,
    };
    if i.kind == MeasureKind::HomeVisit {
        if scheduled.is_none()
            && i.scheduled_at
                .as_deref()
                .is_none_or(|s| s.trim().is_empty())
        {
            e.push(
                "scheduled_at",
                "required",
                "the time agreed with the customer",
            );
        }
        if i.second_staff.is_none() {
            e.push(
                "second_staff",
                "required",
                "a home visit is made by two staff",
            );
        }
    }
    match (
        i.kind == MeasureKind::HospitalReferral,
        i.hospital.is_some(),
    ) {
        (true, false) => e.push("hospital", "required", "the partner hospital referred to"),
        (false, true) => e.push(
            "hospital",
            "not_allowed",
            "only a hospital referral names a hospital",
        ),
        _ => {}
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    Ok((account, scheduled))
}

/// Records a measure (`care.work`, on the team or supervising; the record registered). Its owner is a member
/// of the team; one that needs an approver waits for one — the emergency loan with its deadline in working
/// hours — and the supervisors of the customer's branch are told.
pub async fn add(app: &App, actor: &Actor, id: CareId, i: MeasureInput) -> Result<CareView> {
    let grant = actor.require(Permission::CareWork)?;
    let what = super::required_text("what", &i.what, 500)?;
    let (account_no, scheduled_at_us) = check(app, &i)?;
    let tx = app.db.begin_write().await?;
    let (r, cust, team) = load(&*tx, actor, id).await?;
    let on_team = team.iter().any(|m| m.staff_id == actor.id());
    if !on_team && !actor.role().has(Permission::CareManage) {
        return Err(AppError::forbidden(
            "not_on_team",
            "only the record's team records measures",
        ));
    }
    if r.status != CareStatus::Registered {
        return Err(AppError::conflict(
            "invalid_state",
            "measures are taken for a registered record",
            json!({"current_status": r.status.as_str()}),
        ));
    }
    let owner = i.owner.unwrap_or(actor.id());
    if owner != actor.id() && !team.iter().any(|m| m.staff_id == owner) {
        return Err(AppError::field(
            "owner",
            "not_on_team",
            "must be a member of the team",
        ));
    }
    if let Some(second) = i.second_staff {
        match banyan_store::access::find_staff(&*tx, second).await? {
            Some(s) if !s.disabled && second != owner => {}
            _ => {
                return Err(AppError::field(
                    "second_staff",
                    "not_allowed",
                    "an active staff member other than the owner",
                ));
            }
        }
    }
    if let Some(h) = i.hospital {
        super::hospitals::active(&*tx, h).await?;
    }
    let now = now_us();
    let state = MeasureState::initial(i.kind);
    let due_at_us = if i.kind == MeasureKind::EmergencyLoan {
        let p = &app.policy().care.emergency_loan;
        let local = jiff::Timestamp::from_microsecond(now)
            .map_err(|e| AppError::internal_from("clock", e))?
            .to_zoned(app.tz.clone())
            .datetime();
        let name = &app.policy().feedback.calendar;
        let cal = app
            .calendars
            .for_branch_or(&cust.branch_code, name)
            .ok_or_else(|| {
                AppError::internal(format!("the working-day calendar `{name}` is not loaded"))
            })?;
        // Past the calendar's years (next year's holidays not yet published) weekends only are skipped.
        let due = add_working_hours(&cal, local, p.decision_hours, p.opens, p.closes)
            .or_else(|| {
                add_working_hours(&cal.lenient(), local, p.decision_hours, p.opens, p.closes)
            })
            .ok_or_else(|| AppError::internal("the loan's deadline is out of range"))?;
        Some(
            due.to_zoned(app.tz.clone())
                .map_err(|e| AppError::internal_from("loan deadline", e))?
                .timestamp()
                .as_microsecond(),
        )
    } else {
        None
    };
    let m = MeasureRow {
        id: CareMeasureId::new(),
        record_id: id,
        kind: i.kind,
        state,
        owner_id: owner,
        second_staff: i.second_staff,
        requested_by: actor.id(),
        requested_at_us: now,
        due_at_us,
        account_no,
        amount: i.amount,
        starts_on: i.starts_on,
        ends_on: i.ends_on,
        scheduled_at_us,
        what,
        decided_by: None,
        decided_at_us: None,
        reason: None,
        outcome: None,
        done_at_us: None,
        version: 1,
        hospital_id: i.hospital,
    };
    store::insert_measure(&*tx, &m).await?;
    audit(
        app,
        &*tx,
        &grant,
        &r,
        "care.measure",
        json!({"measure": m.id, "kind": i.kind.as_str(), "state": state.as_str()}),
    )
    .await?;
    if state == MeasureState::Requested {
        let notices: Vec<_> = banyan_store::access::list_staff(&*tx)
            .await?
            .into_iter()
            .filter(|s| {
                !s.disabled
                    && s.id != actor.id()
                    && s.role.has(Permission::CareManage)
                    && s.branch_code.as_deref() == Some(cust.branch_code.as_str())
            })
            .map(|s| super::notice(s.id, "care.approval", &cust, now))
            .collect();
        banyan_store::cases::insert_notices(&*tx, &notices).await?;
    }
    let v = view_of(app, &*tx, actor, &r, &cust, &team).await?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// Moves a measure: `approve` or `decline` (`care.manage`, not the requester — one approver), `complete`
/// with its outcome or `cancel` with a reason (its owner or a supervisor).
pub async fn act(
    app: &App,
    actor: &Actor,
    id: CareId,
    measure: CareMeasureId,
    i: MeasureAction,
) -> Result<CareView> {
    let grant = actor.require(Permission::CareWork)?;
    let mv = match i.action.as_str() {
        "approve" => MeasureMove::Approve,
        "decline" => MeasureMove::Decline,
        "complete" => MeasureMove::Complete,
        "cancel" => MeasureMove::Cancel,
        _ => {
            return Err(AppError::field(
                "action",
                "one_of",
                "approve, decline, complete or cancel",
            ));
        }
    };
    let reason = optional_text("reason", i.reason.as_deref(), 500)?;
    let outcome = optional_text("outcome", i.outcome.as_deref(), 1000)?;
    if matches!(mv, MeasureMove::Decline | MeasureMove::Cancel) && reason.is_none() {
        return Err(AppError::field("reason", "required", "say why"));
    }
    if mv == MeasureMove::Complete && outcome.is_none() {
        return Err(AppError::field("outcome", "required", "what came of it"));
    }
    let tx = app.db.begin_write().await?;
    let (r, cust, team) = load(&*tx, actor, id).await?;
    let Some(old) = store::find_measure(&*tx, id, measure).await? else {
        return Err(AppError::NotFound);
    };
    if let Some(v) = i.version
        && v != old.version
    {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version),
            since: json!([]),
        });
    }
    let supervises =
        actor.role().has(Permission::CareManage) && actor.sees(&cust.branch_code, cust.rm_id);
    match mv {
        MeasureMove::Approve | MeasureMove::Decline => {
            if !supervises {
                return Err(AppError::forbidden(
                    "permission_denied",
                    "a supervisor approves measures",
                ));
            }
            if old.requested_by == actor.id() {
                return Err(AppError::forbidden(
                    "own_request",
                    "another supervisor approves a measure you requested",
                ));
            }
        }
        MeasureMove::Complete | MeasureMove::Cancel => {
            if old.owner_id != actor.id() && !supervises {
                return Err(AppError::forbidden(
                    "not_your_measure",
                    "the measure's owner or a supervisor moves it",
                ));
            }
        }
    }
    let state = old.state.apply(mv).ok_or_else(|| {
        AppError::conflict(
            "invalid_state",
            "the measure is not at a stage where this can be done",
            json!({"current_state": old.state.as_str()}),
        )
    })?;
    let now = now_us();
    let decided = matches!(mv, MeasureMove::Approve | MeasureMove::Decline);
    let new = MeasureRow {
        state,
        decided_by: if decided {
            Some(actor.id())
        } else {
            old.decided_by
        },
        decided_at_us: if decided {
            Some(now)
        } else {
            old.decided_at_us
        },
        reason: reason.or(old.reason.clone()),
        outcome: outcome.or(old.outcome.clone()),
        done_at_us: if state == MeasureState::Done {
            Some(now)
        } else {
            old.done_at_us
        },
        version: old.version + 1,
        ..old.clone()
    };
    if !store::update_measure(&*tx, &new, old.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version + 1),
            since: json!([]),
        });
    }
    audit(
        app,
        &*tx,
        &grant,
        &r,
        "care.measure_move",
        json!({"measure": measure, "kind": old.kind.as_str(), "state": state.as_str()}),
    )
    .await?;
    if decided && old.owner_id != actor.id() {
        let n = super::notice(
            old.owner_id,
            &format!("care.measure_{}", state.as_str()),
            &cust,
            now,
        );
        banyan_store::cases::insert_notices(&*tx, &[n]).await?;
    }
    let v = view_of(app, &*tx, actor, &r, &cust, &team).await?;
    tx.commit().await?;
    Ok(v)
}
