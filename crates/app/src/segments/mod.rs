//! The policy engine's use cases: metrics in, segments out.
//!
//! Customers are evaluated in the transaction that changes their facts (create, update, verification,
//! metrics) and by a batch over everyone (`banyan policy evaluate --all`, nightly under a lease). Only what
//! changed is written: the current assignment, a history row (old -> new, reason, policy), and an outbox
//! event for later modules; early-warning alerts open when metrics arrive.
//!
//! `crate::evaluation` decides and writes assignments (one customer or everyone); `metrics` takes the
//! figures in.

pub mod alerts;
pub(crate) mod in_force;
mod metrics;

pub use alerts::AlertView;

pub use crate::evaluation::{BatchReport, Change, diff, evaluate_all, policy_hash};
pub use in_force::{FOLLOW_EVERY, InForce, Starting, apply, follow};
pub use metrics::{
    MetricsFile, MetricsInput, MetricsRejection, MetricsReport, metrics_from_table, record_metrics,
};

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use crate::reactions::on_change;
use banyan_domain::access::Permission;
use banyan_domain::policy::Policy;
use banyan_domain::segments::{Check, Refusal};
use banyan_store::customers::CustomerRow;
use banyan_store::now_us;
use banyan_store::segments::{self as store, AssignmentRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The policy in force and its content hash, for those who configure it or read customers (whose segments
/// it explains).
pub fn policy_in_force(app: &App, actor: &Actor) -> Result<(std::sync::Arc<InForce>, String)> {
    if !actor.offers().config {
        actor.require(Permission::CustomerRead)?;
    }
    let p = app.policy();
    let hash = p.hash.clone();
    Ok((p, hash))
}

/// The risk-appetite questionnaire of the policy in force.
pub fn questionnaire(app: &App, actor: &Actor) -> Result<banyan_domain::segments::Questionnaire> {
    actor.require(Permission::CustomerRead)?;
    Ok(app.policy().segments.risk_questionnaire.clone())
}

/// Every dimension and its possible values under a policy, for filters.
/// The policy's wealth tiers, highest first (a campaign's segment picker offers them).
pub fn wealth_tiers(app: &App) -> Vec<String> {
    app.policy()
        .segments
        .wealth
        .tiers
        .iter()
        .map(|t| t.name.clone())
        .collect()
}

/// Every dimension the engine decides with the values the policy gives it.
pub fn dimension_values(app: &App) -> Vec<(&'static str, Vec<String>)> {
    app.policy().segments.dimension_values()
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentView {
    pub dimension: String,
    pub value: String,
    pub reason: String,
    pub checks: Vec<Check>,
    pub assigned_at: String,
    pub policy_hash: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryView {
    pub dimension: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: String,
    pub policy_hash: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasuresView {
    /// `risk_rating` (individuals) or `credit_grade` (corporates and institutions).
    pub dimension: String,
    /// `None` until the customer has been rated (metrics needed).
    pub rating: Option<String>,
    pub measures: Vec<String>,
    /// Actions refused for this rating.
    pub blocked: Vec<String>,
}

/// A customer's segments with their reasons, history, measures and alerts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SegmentsView {
    pub customer_id: Uuid,
    pub policy_version: String,
    pub policy_hash: String,
    pub assignments: Vec<AssignmentView>,
    pub history: Vec<HistoryView>,
    pub measures: MeasuresView,
    pub alerts: Vec<AlertView>,
}

async fn in_scope(
    app: &App,
    actor: &Actor,
    who: crate::scope::Customer<'_>,
) -> Result<CustomerRow> {
    let grant = actor.require(Permission::CustomerRead)?;
    crate::scope::read_in_scope(&app.db.conn, &grant, who).await
}

fn measures_of(policy: &Policy, kind: &str, assignments: &[AssignmentRow]) -> MeasuresView {
    let dimension = banyan_domain::segments::rating_dimension(kind);
    let rating = assignments
        .iter()
        .find(|a| a.dimension == dimension)
        .map(|a| a.value.clone());
    let m = rating
        .as_deref()
        .and_then(|r| policy.segments.measures_for(r));
    MeasuresView {
        dimension: dimension.into(),
        measures: m.map(|m| m.measures.clone()).unwrap_or_default(),
        blocked: m.map(|m| m.blocked.clone()).unwrap_or_default(),
        rating,
    }
}

pub async fn segments(
    app: &App,
    actor: &Actor,
    who: impl Into<crate::scope::Customer<'_>>,
) -> Result<SegmentsView> {
    let who = who.into();
    let row = in_scope(app, actor, who).await?;
    let id = row.id.uuid();
    let c = &app.db.conn;
    let assignments = crate::scope::assignments_of(c, who).await?;
    let history = store::history_for(c, id, 100).await?;
    let alerts = store::alerts_for(c, id).await?;
    let policy = app.policy();
    Ok(SegmentsView {
        customer_id: id,
        policy_version: policy.version.clone(),
        policy_hash: policy.hash.clone(),
        measures: measures_of(&policy, row.kind.as_str(), &assignments),
        assignments: assignments
            .into_iter()
            .map(|a| {
                Ok(AssignmentView {
                    checks: crate::json::stored(
                        &a.checks,
                        format_args!(
                            "segment_assignments.checks of customer {} ({})",
                            a.customer_id, a.dimension
                        ),
                    )?,
                    assigned_at: crate::fmt_us(a.assigned_at_us),
                    dimension: a.dimension,
                    value: a.value,
                    reason: a.reason,
                    policy_hash: a.policy_hash,
                })
            })
            .collect::<Result<Vec<_>>>()?,
        history: history
            .into_iter()
            .map(|h| HistoryView {
                at: crate::fmt_us(h.at_us),
                dimension: h.dimension,
                old: h.old_value,
                new: h.new_value,
                reason: h.reason,
                policy_hash: h.policy_hash,
            })
            .collect(),
        alerts: alerts
            .into_iter()
            .map(|a| alerts::view_of(app, a))
            .collect::<Result<Vec<_>>>()?,
    })
}

pub async fn measures(app: &App, actor: &Actor, id: Uuid) -> Result<MeasuresView> {
    let row = in_scope(app, actor, id.into()).await?;
    let assignments = store::assignments_for(&app.db.conn, &[id]).await?;
    Ok(measures_of(&app.policy(), row.kind.as_str(), &assignments))
}

/// Whether the customer's rating permits `action`; later modules call this before they act. A refusal is
/// a 403 whose message gives the rating and the policy key.
pub async fn permits(app: &App, actor: &Actor, id: Uuid, action: &str) -> Result<()> {
    let m = measures(app, actor, id).await?;
    banyan_domain::segments::permits(&app.policy().segments, m.rating.as_deref(), action).map_err(
        |Refusal { reason, .. }| AppError::Forbidden {
            code: "policy_measure",
            message: reason,
        },
    )
}

/// A completed questionnaire.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    /// Question key -> answer key.
    pub answers: BTreeMap<String, String>,
    /// `branch` (face to face; required for a first assessment by Chinese practice) or `online`.
    pub channel: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentView {
    pub customer_id: Uuid,
    pub score: u32,
    /// `conservative` / `balanced` / `aggressive`, or `C1`-`C5` in five-level mode.
    pub level: String,
    pub assessed_on: String,
    pub expires_on: String,
    pub channel: String,
    /// (question, answer, points).
    pub points: Vec<(String, String, u32)>,
}

/// Records a risk-appetite assessment and re-evaluates the customer in the same transaction.
pub async fn record_assessment(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: AssessmentInput,
) -> Result<AssessmentView> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let q = &app.policy().segments.risk_questionnaire;
    let mut errs = banyan_domain::FieldErrors::new();
    if !["branch", "online"].contains(&input.channel.as_str()) {
        errs.push("channel", "one_of", "must be branch or online");
    }
    let scored = q.score(&input.answers);
    if let Err(e) = &scored {
        errs.0.extend(e.0.clone());
    }
    errs.into_result()?;
    let banyan_domain::segments::Scored {
        score,
        level,
        points,
    } = scored?;
    let tx = app.db.begin_write().await?;
    let row = crate::scope::lock_in_scope(&*tx, &grant, id).await?;
    if row.kind != banyan_domain::customer::CustomerKind::Individual {
        return Err(AppError::field(
            "customer",
            "kind",
            "risk-appetite questionnaires are for individuals",
        ));
    }
    let today = app.today();
    let expires = q.expiry(today);
    store::insert_assessment(
        &*tx,
        &store::AssessmentRow {
            id: Uuid::now_v7(),
            customer_id: id,
            answers: crate::json::to_stored(&input.answers, "the questionnaire's answers")?,
            score: i32::try_from(score).unwrap_or(i32::MAX),
            level: level.clone(),
            assessed_on: today.to_string(),
            expires_on: expires.to_string(),
            channel: input.channel.clone(),
            assessed_by: actor.id.uuid(),
            at_us: now_us(),
        },
    )
    .await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "risk_assessment.record",
            entity: "risk_assessment",
            entity_id: Some(id.to_string()),
            customer_id: Some(id),
            detail: json!({"score": score, "level": level, "channel": input.channel, "expires_on": expires.to_string()}),
        }],
    )
    .await?;
    on_change(app, &*tx, &[row]).await?;
    let view = AssessmentView {
        customer_id: id,
        score,
        level,
        assessed_on: today.to_string(),
        expires_on: expires.to_string(),
        channel: input.channel,
        points,
    };
    crate::idempotency::commit(tx, actor, 201, &view).await?;
    (app.on_assessment)(app, id).await;
    Ok(view)
}
