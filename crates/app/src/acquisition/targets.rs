//! Acquisition targets and how far the period has got towards them (seed 002 §二 and §七): a supervisor sets
//! the targets of the branch, its teams and its people; a senior manager the bank's. The report puts each
//! target beside its actual — leads captured and qualified, new individual and corporate customers won, and
//! what those new customers brought (assets, deposits, loans, fee income: the book's latest figures of the
//! customers of the owner's leads won in the period) — with the gap and the attainment. A reader sees the
//! targets whose leads are in their scope.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::{Permission, ScopeKind};
use banyan_domain::acquisition::targets::{TargetLevel, TargetMetric, TargetPeriod, check_owner};
use banyan_domain::ids::StaffId;
use banyan_store::acquisition::{self as store, Owner, TargetRow};
use banyan_store::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A target to set (setting it again replaces its value).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    pub period: TargetPeriod,
    /// The period's first day, `YYYY-MM-DD`.
    pub starts_on: String,
    pub level: TargetLevel,
    /// A branch's or a team's branch.
    #[serde(default)]
    pub branch_code: Option<String>,
    /// A team's name (as staff accounts carry it).
    #[serde(default)]
    pub team: Option<String>,
    /// A person's staff id.
    #[serde(default)]
    pub staff: Option<StaffId>,
    pub metric: TargetMetric,
    /// Not negative.
    pub value: i64,
}

/// A target beside its actual.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetLine {
    pub level: TargetLevel,
    pub branch_code: Option<String>,
    pub team: Option<String>,
    pub staff: Option<StaffId>,
    /// The person's name.
    pub staff_name: Option<String>,
    pub metric: TargetMetric,
    pub target: i64,
    pub actual: i64,
    /// What remains to reach the target (0 once reached).
    pub gap: i64,
    /// Actual per thousand of the target.
    pub attainment_permille: i64,
    /// A market-share target (its target and actual in basis points): the bank's own figure and the
    /// market's it is read against (none until the market's figure for the period and region is recorded:
    /// the actual is then 0).
    pub own: Option<i64>,
    pub market: Option<i64>,
}

/// The targets of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetReport {
    pub period: TargetPeriod,
    pub starts_on: String,
    /// The period's last day.
    pub ends_on: String,
    pub lines: Vec<TargetLine>,
}

pub(super) fn period_of(
    e: &mut FieldErrors,
    period: TargetPeriod,
    starts_on: &str,
) -> Option<(jiff::civil::Date, jiff::civil::Date)> {
    match starts_on.trim().parse::<jiff::civil::Date>() {
        Ok(d) => match period.range(d) {
            Ok(r) => Some(r),
            Err(m) => {
                e.push("starts_on", "period_start", m);
                None
            }
        },
        Err(_) => {
            e.push("starts_on", "format", "must be a date, YYYY-MM-DD");
            None
        }
    }
}

fn owner_key(
    level: TargetLevel,
    branch: Option<&str>,
    team: Option<&str>,
    staff: Option<StaffId>,
) -> String {
    match level {
        TargetLevel::Bank => "bank".into(),
        TargetLevel::Branch => format!("branch:{}", branch.unwrap_or_default()),
        TargetLevel::Team => format!(
            "team:{}/{}",
            branch.unwrap_or_default(),
            team.unwrap_or_default()
        ),
        TargetLevel::Person => format!(
            "person:{}",
            staff.map(|s| s.to_string()).unwrap_or_default()
        ),
    }
}

/// Sets a target (`target.manage`): a supervisor within the branch, only a bank-wide role for the bank.
pub async fn set_target(app: &App, actor: &Actor, i: TargetInput) -> Result<TargetLine> {
    let grant = actor.require(Permission::TargetManage)?;
    let mut e = FieldErrors::new();
    let range = period_of(&mut e, i.period, &i.starts_on);
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut branch = text(&i.branch_code);
    let team = text(&i.team);
    check_owner(
        &mut e,
        i.level,
        branch.as_deref(),
        team.as_deref(),
        i.staff.is_some(),
    );
    if i.value < 0 {
        e.push("value", "min", "must not be negative");
    }
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let person = match i.staff {
        Some(id) => match staff.iter().find(|s| s.id == id && !s.disabled) {
            Some(s) => {
                branch = s.branch_code.clone();
                Some(s)
            }
            None => {
                e.push("staff", "unknown", "no such active staff member");
                None
            }
        },
        None => None,
    };
    if i.level == TargetLevel::Team
        && let (Some(b), Some(t)) = (&branch, &team)
        && !staff
            .iter()
            .any(|s| s.branch_code.as_ref() == Some(b) && s.team.as_ref() == Some(t))
    {
        e.push(
            "team",
            "unknown",
            "no staff member of the branch is in this team",
        );
    }
    e.into_result()?;
    // Whose targets the actor may set: the whole bank's with a bank-wide scope, else within the branch.
    let allowed = match (actor.scope_kind(), i.level) {
        (ScopeKind::All, _) => true,
        (_, TargetLevel::Bank) => false,
        _ => branch.is_some() && branch.as_deref() == actor.branch_code(),
    };
    if !allowed {
        return Err(AppError::forbidden(
            "target_scope",
            "targets are set within your own branch (the bank's by a bank-wide role)",
        ));
    }
    let Some((start, end)) = range else {
        return Err(AppError::internal("a checked period without its range"));
    };
    let r = TargetRow {
        id: uuid::Uuid::now_v7(),
        period: i.period,
        starts_on: start.to_string(),
        ends_on: end.to_string(),
        level: i.level,
        branch_code: if i.level == TargetLevel::Bank {
            None
        } else {
            branch.clone()
        },
        team: team.clone(),
        staff_id: i.staff,
        owner_key: owner_key(i.level, branch.as_deref(), team.as_deref(), i.staff),
        metric: i.metric,
        value: i.value,
        set_by: actor.id(),
        set_at_us: now_us(),
    };
    let name = person.map(|p| p.display_name.clone());
    // Two managers setting the same target at once: the second insert meets the unique index (PostgreSQL
    // reads committed), and is made again — now it finds the first's row and replaces its value.
    match write_target(app, actor, &grant, &r, name.clone()).await {
        Err(AppError::Store(e)) if e.is_conflict_on("acq_targets") => {
            write_target(app, actor, &grant, &r, name).await
        }
        other => other,
    }
}

/// Sets the target in one transaction (replacing an existing value), audited, the key claimed with it.
async fn write_target(
    app: &App,
    actor: &Actor,
    grant: &crate::actor::Granted<'_>,
    r: &TargetRow,
    name: Option<String>,
) -> Result<TargetLine> {
    let tx = app.db.begin_write().await?;
    let before = store::put_target(&*tx, r).await?;
    audit::record(
        app,
        &*tx,
        grant,
        vec![Entry {
            action: "target.set",
            entity: "target",
            entity_id: Some(r.owner_key.clone()),
            customer_id: None,
            detail: json!({"period": r.period.as_str(), "starts_on": r.starts_on, "metric": r.metric.as_str(),
                "value": r.value, "before": before}),
        }],
    )
    .await?;
    let line = line_of(app, &*tx, r, name).await?;
    crate::idempotency::commit(tx, actor, 201, &line).await?;
    Ok(line)
}

pub(crate) async fn line_of<C: sea_orm::ConnectionTrait>(
    app: &App,
    c: &C,
    r: &TargetRow,
    staff_name: Option<String>,
) -> Result<TargetLine> {
    let owner = match r.level {
        TargetLevel::Bank => Owner::Bank,
        TargetLevel::Branch => Owner::Branch(r.branch_code.clone().unwrap_or_default()),
        TargetLevel::Team => Owner::Staff(
            banyan_store::access::list_staff(c)
                .await?
                .into_iter()
                .filter(|s| s.branch_code == r.branch_code && s.team == r.team)
                .map(|s| s.id.uuid())
                .collect(),
        ),
        TargetLevel::Person => Owner::Staff(r.staff_id.map(|s| s.uuid()).into_iter().collect()),
    };
    let day = |d: &str| -> Result<i64> {
        let d: jiff::civil::Date = d
            .parse()
            .map_err(|e| AppError::internal_from(format!("acq_targets {}: a date", r.id), e))?;
        d.to_zoned(app.tz.clone())
            .map(|z| z.timestamp().as_microsecond())
            .map_err(|e| AppError::internal_from("the start of a day", e))
    };
    let (from, to) = (day(&r.starts_on)?, day(&r.ends_on)?);
    let (mut own, mut market) = (None, None);
    let actual = if let Some(measure) = r.metric.share_of() {
        let mine = actual_of(app, c, r, measure.own(), &owner, from, to).await?;
        // The bank's target is read against the bank's whole market, the others against their branch's.
        let region = banyan_store::acquisition::market::region_key(match r.level {
            TargetLevel::Bank => None,
            _ => r.branch_code.as_deref(),
        });
        let whole = banyan_store::acquisition::market::market_of(c, r.period, &r.starts_on)
            .await?
            .into_iter()
            .find(|m| m.region_key == region && m.measure == measure)
            .map(|m| m.value);
        own = Some(mine);
        market = whole;
        whole
            .and_then(|w| banyan_domain::acquisition::targets::share_bp(mine, w))
            .unwrap_or(0)
    } else {
        actual_of(app, c, r, r.metric, &owner, from, to).await?
    };
    Ok(TargetLine {
        own,
        market,
        level: r.level,
        branch_code: r.branch_code.clone(),
        team: r.team.clone(),
        staff: r.staff_id,
        staff_name,
        metric: r.metric,
        target: r.value,
        actual,
        gap: (r.value - actual).max(0),
        attainment_permille: if r.value > 0 {
            actual * 1000 / r.value
        } else {
            0
        },
    })
}

/// What an owner achieved of a (not share) metric in `[from, to)`.
async fn actual_of<C: sea_orm::ConnectionTrait>(
    app: &App,
    c: &C,
    r: &TargetRow,
    metric: TargetMetric,
    owner: &Owner,
    from: i64,
    to: i64,
) -> Result<i64> {
    Ok(if metric.is_money() {
        let ends: jiff::civil::Date = r
            .ends_on
            .parse()
            .map_err(|e| AppError::internal_from(format!("acq_targets {}: its end", r.id), e))?;
        let until = ends
            .yesterday()
            .map_err(|e| AppError::internal_from("a period's last day", e))?
            .min(app.today());
        let customers = store::won_customers(c, owner, from, to).await?;
        brought(c, metric, &customers, until).await?
    } else if metric.is_quality() {
        quality(app, c, metric, owner, from, to).await?
    } else {
        store::actual(c, metric, owner, from, to).await?
    })
}

/// What the new customers brought, by a money metric: the sum of their part of the book's latest figures on
/// or before `until` (the period's last day, or today while it runs). A customer the book has no figures for
/// yet brings nothing.
async fn brought<C: sea_orm::ConnectionTrait>(
    c: &C,
    metric: TargetMetric,
    customers: &[uuid::Uuid],
    until: jiff::civil::Date,
) -> Result<i64> {
    Ok(super::latest_figures(c, customers, until)
        .await?
        .iter()
        .fold(0i64, |sum, (_, m)| sum.saturating_add(metric.figure(m))))
}

/// How many of the period's new customers meet a quality target: rated in the lowest-risk band of their kind
/// (the first of the policy's ratings) by the policy engine now; or won 90 days or more before today and
/// with transactions in their latest 90 days by the book's latest figures.
async fn quality<C: sea_orm::ConnectionTrait>(
    app: &App,
    c: &C,
    metric: TargetMetric,
    owner: &store::Owner,
    from: i64,
    to: i64,
) -> Result<i64> {
    let today = app.today();
    if metric == TargetMetric::ActiveAfter90d {
        let mature_before = super::funnel::day_start(app, today)? - 89 * 86_400_000_000;
        let customers = store::won_customers(c, owner, from, to.min(mature_before)).await?;
        let figures = super::latest_figures(c, &customers, today).await?;
        return Ok(figures
            .iter()
            .filter(|(_, m)| m.transactions_90d > 0)
            .count() as i64);
    }
    let rr = &app.policy().segments.risk_rating;
    let best: Vec<&str> = [&rr.individual.ratings, &rr.corporate.ratings]
        .into_iter()
        .filter_map(|r| r.first().map(|b| b.rating.as_str()))
        .collect();
    let customers = store::won_customers(c, owner, from, to).await?;
    let ratings = super::effectiveness::ratings_of(c, &customers).await?;
    Ok(best.iter().filter_map(|b| ratings.get(*b)).sum())
}

/// Which period the report shows.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TargetQuery {
    /// `month`, `quarter` (default), `half_year` or `year`.
    pub period: Option<TargetPeriod>,
    /// The period's first day (default: the current period's).
    pub starts_on: Option<String>,
}

/// A period's targets beside their actuals: the bank's, and those of the reader's branch, team and self (all
/// of them for a bank-wide reader).
pub async fn report(app: &App, actor: &Actor, q: TargetQuery) -> Result<TargetReport> {
    actor.require(Permission::LeadRead)?;
    let period = q.period.unwrap_or(TargetPeriod::Quarter);
    let mut e = FieldErrors::new();
    let starts_on = match q
        .starts_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => s.to_owned(),
        None => period.containing(app.today()).to_string(),
    };
    let range = period_of(&mut e, period, &starts_on);
    e.into_result()?;
    let Some((start, end)) = range else {
        return Err(AppError::internal("a checked period without its range"));
    };
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    // A target's actual counts its owner's leads: a reader sees the targets whose leads are in their scope —
    // a bank-wide reader all of them, a branch's reader those of the branch, its teams and people, a manager
    // their own.
    let in_branch = |r: &TargetRow| r.branch_code.as_deref() == actor.branch_code();
    let visible = |r: &TargetRow| match actor.scope_kind() {
        ScopeKind::All => true,
        ScopeKind::Branch => r.level != TargetLevel::Bank && in_branch(r),
        ScopeKind::Own => r.level == TargetLevel::Person && r.staff_id == Some(actor.id()),
        ScopeKind::None => false,
    };
    let rows = store::targets_of(&app.db.conn, period, &start.to_string()).await?;
    let mut lines = Vec::new();
    for r in rows.iter().filter(|r| visible(r)) {
        let name = r
            .staff_id
            .and_then(|id| staff.iter().find(|s| s.id == id))
            .map(|s| {
                if s.display_name.trim().is_empty() {
                    s.username.clone()
                } else {
                    s.display_name.clone()
                }
            });
        lines.push(line_of(app, &app.db.conn, r, name).await?);
    }
    let last = end
        .yesterday()
        .map_err(|e| AppError::internal_from("a period's last day", e))?;
    Ok(TargetReport {
        period,
        starts_on: start.to_string(),
        ends_on: last.to_string(),
        lines,
    })
}

/// Whom the reader may set targets for: (id, name, branch, team) of the active staff of the reader's branch
/// (every branch's for a bank-wide reader), for the form's pickers.
pub async fn staff_choices(
    app: &App,
    actor: &Actor,
) -> Result<Vec<(StaffId, String, Option<String>, Option<String>)>> {
    actor.require(Permission::TargetManage)?;
    let all = actor.scope_kind() == ScopeKind::All;
    Ok(banyan_store::access::list_staff(&app.db.conn)
        .await?
        .into_iter()
        .filter(|s| !s.disabled && (all || s.branch_code.as_deref() == actor.branch_code()))
        .filter(|s| s.branch_code.is_some())
        .map(|s| {
            let name = if s.display_name.trim().is_empty() {
                s.username
            } else {
                s.display_name
            };
            (s.id, name, s.branch_code, s.team)
        })
        .collect())
}
