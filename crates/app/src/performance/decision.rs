//! The yearly decision (seed 000 §7: the quarterly scorecard feeds guidance, the yearly one the bonus and
//! promotion): once a person's scorecard of a year is closed, a manager of performance who reaches them —
//! never the person — records the bonus (a percent of the role's standard bonus) and the promotion advice
//! with a note. The decision names the closed scorecard's version it was made on and who decided; a revision
//! is a new version, the earlier kept; each is audited (`performance.decide`).

use super::{other_reached, period_of};
use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::{self as perf, PromotionAdvice};
use banyan_store::performance::{self as store, DecisionRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PerfDecisionInput)]
pub struct DecisionInput {
    /// The year (`2026`), its scorecard closed.
    pub period: String,
    /// Percent of the role's standard bonus, 0-200.
    pub bonus_pct: i32,
    pub promotion: PromotionAdvice,
    #[serde(default)]
    pub note: Option<String>,
}

/// The decision as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = PerfDecision)]
pub struct DecisionView {
    pub period: String,
    pub version: i32,
    /// The closed scorecard's version it was made on.
    pub scorecard_version: i32,
    pub bonus_pct: i32,
    pub promotion: PromotionAdvice,
    pub note: Option<String>,
    pub decided_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub decided_at: jiff::Timestamp,
}

pub(super) fn view_of(r: &DecisionRow, names: &HashMap<StaffId, String>) -> Result<DecisionView> {
    Ok(DecisionView {
        period: r.period.clone(),
        version: r.version,
        scorecard_version: r.scorecard_version,
        bonus_pct: r.bonus_pct,
        promotion: r.promotion,
        note: r.note.clone(),
        decided_by: names.get(&r.decided_by).cloned().ok_or_else(|| {
            AppError::internal(format!(
                "perf_decisions {} decided by {}, who is not on the staff",
                r.id, r.decided_by
            ))
        })?,
        decided_at: jiff::Timestamp::from_microsecond(r.decided_at_us)
            .map_err(|e| AppError::internal_from("perf_decisions.decided_at_us", e))?,
    })
}

/// The latest decision on a person's year, if any (a quarter has none).
pub(super) async fn latest(
    app: &App,
    period: &str,
    staff: StaffId,
    names: &HashMap<StaffId, String>,
) -> Result<Option<DecisionView>> {
    if period.contains("-Q") {
        return Ok(None);
    }
    store::decisions_of(&app.db.conn, period, &[staff])
        .await?
        .last()
        .map(|r| view_of(r, names))
        .transpose()
}

/// Records the bonus and promotion decision on a person's closed yearly scorecard (audited; idempotent per
/// key). Never on one's own; a year not closed yet, a quarter or a bonus off its scale is refused naming
/// the field.
pub async fn decide(
    app: &App,
    actor: &Actor,
    staff_id: StaffId,
    input: DecisionInput,
) -> Result<DecisionView> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let period = period_of(app, Some(&input.period))?;
    let (staff, person) = other_reached(
        app,
        actor,
        staff_id,
        (
            "own_decision",
            "one's own bonus and promotion are decided by one's own managers",
        ),
    )
    .await?;
    let mut e = FieldErrors::new();
    if period.quarter.is_some() {
        e.push(
            "period",
            "year",
            "a bonus and promotion are decided on a year",
        );
    }
    if let Err(m) = perf::check_bonus_pct(input.bonus_pct) {
        e.push("bonus_pct", "bonus_scale", m);
    }
    e.into_result().map_err(AppError::Validation)?;
    let note = crate::text::optional_text("note", input.note.as_deref(), 2000)?;
    let code = period.code();
    let tx = app.db.begin_write().await?;
    let Some(card) = store::closed_of(&*tx, &code, &[person.id]).await?.pop() else {
        return Err(AppError::field(
            "period",
            "not_closed",
            "the year's scorecard is closed first",
        ));
    };
    let version = store::decisions_of(&*tx, &code, &[person.id])
        .await?
        .last()
        .map_or(1, |r| r.version + 1);
    let row = DecisionRow {
        id: Uuid::now_v7(),
        staff_id: person.id,
        period: code.clone(),
        version,
        scorecard_version: card.version,
        bonus_pct: input.bonus_pct,
        promotion: input.promotion,
        note,
        decided_by: actor.id(),
        decided_at_us: banyan_store::now_us(),
    };
    store::insert_decision(&*tx, &row).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "performance.decide",
            entity: "staff",
            entity_id: Some(person.username.clone()),
            customer_id: None,
            detail: json!({"period": code, "version": version, "scorecard_version": card.version,
                "bonus_pct": row.bonus_pct, "promotion": row.promotion.as_str()}),
        }],
    )
    .await?;
    let out = view_of(&row, &crate::access::names_of(&staff))?;
    crate::idempotency::commit(tx, actor, 201, &out).await?;
    Ok(out)
}
