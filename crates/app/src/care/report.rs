//! Supervision and KPIs of the care programme (seed 003 §七 监督与考核): for a period and the supervisor's scope,
//! where the records stand, how fast requests were handled, how many duties ran late, the supervision check
//! list, and the outcomes of registered customers beside the others — complaints, arrears, product switches —
//! shown only for groups of at least ten customers, so no person can be singled out.

use super::{ReviewQuery, records_in_scope};
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::care::CareStatus;
use banyan_domain::care::compartment::AccessBasis;
use banyan_domain::care::measures::{MeasureKind, MeasureState};
use banyan_domain::care::team::CareRole;
use banyan_domain::ids::{CareId, CustomerId};
use banyan_store::care::compartment as cstore;
use banyan_store::care::report as rstore;
use banyan_store::care::{self as store, CareFilter, CareRow};
use banyan_store::now_us;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

/// The smallest group whose outcomes are shown.
pub const MIN_GROUP: u64 = 10;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusCount {
    pub status: CareStatus,
    pub count: u64,
}

/// One kind of measure in the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasureKpi {
    pub kind: MeasureKind,
    /// Requested in the period.
    pub requested: u64,
    pub done: u64,
    pub declined: u64,
    pub cancelled: u64,
    /// Average hours (in tenths) from the request to its decision (kinds with an approver) or to its outcome,
    /// of those finished in the period.
    pub avg_handling_tenths_h: Option<i64>,
}

/// One group of the outcome comparison; its figures are absent when it has fewer than [`MIN_GROUP`] customers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeGroup {
    /// `registered` (in the programme at some time in the period) or `others` (the rest of the scope).
    pub group: String,
    pub customers: u64,
    /// Whether the group is large enough to be shown.
    pub shown: bool,
    /// Complaints received in the period per 100 customers, in tenths.
    pub complaints_per_100_tenths: Option<i64>,
    /// Customers with overdue instalments at the period's end, per cent in tenths (of those the book has figures for).
    pub arrears_pct_tenths: Option<i64>,
    /// Products sold in the period per 100 customers, in tenths.
    pub switches_per_100_tenths: Option<i64>,
}

/// One item of the supervision check list and how many need attention (0: in order).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CareCheck {
    /// `leads_waiting`, `review_due`, `lead_contact_missing`, `terms_unconfirmed`, `tasks_overdue`,
    /// `approvals_overdue`, `glass_unreviewed`.
    pub item: String,
    pub count: u64,
}

/// The care programme's report for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CareReport {
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// The scope's records now, by status.
    pub by_status: Vec<StatusCount>,
    pub reported: u64,
    pub registered: u64,
    pub ended: u64,
    pub measures: Vec<MeasureKpi>,
    /// Average hours (tenths) from request to decision or outcome, all kinds.
    pub avg_handling_tenths_h: Option<i64>,
    /// Team tasks due in the period, and of them done late or still open past their day.
    pub tasks_due: u64,
    pub tasks_late: u64,
    /// `tasks_late` of `tasks_due`, per cent in tenths.
    pub overdue_pct_tenths: Option<i64>,
    /// Approvals decided within their clock, and past it (or still waiting past it).
    pub approvals_on_time: u64,
    pub approvals_late: u64,
    /// Satisfaction surveys sent in the period, and of them answered.
    pub surveys_sent: u64,
    pub surveys_answered: u64,
    /// The answered surveys' average score (1-5), in tenths.
    pub satisfaction_avg_tenths: Option<i64>,
    pub outcomes: Vec<OutcomeGroup>,
    pub checks: Vec<CareCheck>,
}

fn ratio_tenths(n: u64, d: u64, per: u64) -> Option<i64> {
    (d > 0).then(|| i64::try_from((n * per * 10 + d / 2) / d).unwrap_or(i64::MAX))
}

fn in_period(at: Option<i64>, from_us: i64, to_us: i64) -> bool {
    at.is_some_and(|t| t >= from_us && t < to_us)
}

/// The report (`care.manage`) for a period (30 days to today unless chosen, at most a year).
pub async fn report(app: &App, actor: &Actor, q: ReviewQuery) -> Result<CareReport> {
    let grant = actor.require(Permission::CareManage)?;
    let (from, to) = super::period(app, &q)?;
    let (from_us, to_us) = app.day_bounds(from, to)?;
    // Lag-tolerant: the replica serves it when configured and close enough behind.
    let c = app.db.reader();
    let scope = grant.scope();
    let f = CareFilter {
        staff: actor.id(),
        scope: scope.clone(),
        statuses: CareStatus::ALL.to_vec(),
        customer: None,
    };
    let records = records_in_scope(c, &f).await?;
    let ids: Vec<CareId> = records.iter().map(|r| r.id).collect();
    let now = now_us();
    let today = app.today();
    let by_status = CareStatus::ALL
        .iter()
        .map(|s| StatusCount {
            status: *s,
            count: records.iter().filter(|r| r.status == *s).count() as u64,
        })
        .collect();
    let measures = rstore::measures_of_many(c, &ids).await?;
    let finished = |m: &banyan_store::care::MeasureRow| {
        if m.kind.needs_approval() {
            m.decided_at_us
        } else {
            m.done_at_us
        }
    };
    let avg = |ms: &[&banyan_store::care::MeasureRow]| {
        let spans: Vec<i64> = ms
            .iter()
            .filter_map(|m| {
                finished(m)
                    .filter(|t| *t >= from_us && *t < to_us)
                    .map(|t| t - m.requested_at_us)
            })
            .collect();
        (!spans.is_empty()).then(|| {
            let mean = spans.iter().sum::<i64>() / spans.len() as i64;
            (mean + 180_000_000) / 360_000_000
        })
    };
    let mut kpis = Vec::new();
    for kind in MeasureKind::ALL {
        let mine: Vec<_> = measures.iter().filter(|m| m.kind == *kind).collect();
        if mine.is_empty() {
            continue;
        }
        let count = |s: MeasureState| {
            mine.iter()
                .filter(|m| {
                    m.state == s
                        && in_period(
                            finished(m).or(m.done_at_us).or(m.decided_at_us),
                            from_us,
                            to_us,
                        )
                })
                .count() as u64
        };
        kpis.push(MeasureKpi {
            kind: *kind,
            requested: mine
                .iter()
                .filter(|m| in_period(Some(m.requested_at_us), from_us, to_us))
                .count() as u64,
            done: count(MeasureState::Done),
            declined: count(MeasureState::Declined),
            cancelled: count(MeasureState::Cancelled),
            avg_handling_tenths_h: avg(&mine),
        });
    }
    let all: Vec<_> = measures.iter().collect();
    let (mut on_time, mut late) = (0, 0);
    for m in measures.iter().filter(|m| m.due_at_us.is_some()) {
        let due = m.due_at_us.unwrap_or(i64::MAX);
        match m.decided_at_us {
            Some(d) if in_period(Some(d), from_us, to_us) => {
                if d <= due {
                    on_time += 1
                } else {
                    late += 1
                }
            }
            None if m.state == MeasureState::Requested
                && due < now.min(to_us)
                && due >= from_us =>
            {
                late += 1
            }
            _ => {}
        }
    }
    let tasks = rstore::tasks_of_many(c, &ids).await?;
    let due: Vec<_> = tasks
        .iter()
        .filter(|t| t.due_on >= from && t.due_on <= to && t.due_on <= today)
        .collect();
    let end_of = |d: Date| app.day_bounds(d, d).map(|b| b.1);
    let mut tasks_late = 0;
    for t in &due {
        let deadline = end_of(t.due_on)?;
        if t.done_at_us.is_none_or(|d| d >= deadline) {
            tasks_late += 1;
        }
    }
    let surveys: Vec<_> = banyan_store::care::survey::of_records(c, &ids)
        .await?
        .into_iter()
        .filter(|x| in_period(Some(x.sent_at_us), from_us, to_us))
        .collect();
    let scores: Vec<i64> = surveys
        .iter()
        .filter_map(|x| x.satisfaction.map(i64::from))
        .collect();
    let outcomes = outcomes(app, &records, &scope, from_us, to_us, to).await?;
    let checks = checks(c, &records, &tasks, &measures, &ids, today, now).await?;
    Ok(CareReport {
        from,
        to,
        by_status,
        reported: records
            .iter()
            .filter(|r| in_period(Some(r.reported_at_us), from_us, to_us))
            .count() as u64,
        registered: records
            .iter()
            .filter(|r| in_period(r.registered_at_us, from_us, to_us))
            .count() as u64,
        ended: records
            .iter()
            .filter(|r| in_period(r.ended_at_us, from_us, to_us))
            .count() as u64,
        measures: kpis,
        avg_handling_tenths_h: avg(&all),
        tasks_due: due.len() as u64,
        tasks_late,
        overdue_pct_tenths: ratio_tenths(tasks_late, due.len() as u64, 100),
        approvals_on_time: on_time,
        approvals_late: late,
        surveys_sent: surveys.len() as u64,
        surveys_answered: scores.len() as u64,
        satisfaction_avg_tenths: ratio_tenths(
            u64::try_from(scores.iter().sum::<i64>()).unwrap_or(0),
            scores.len() as u64,
            1,
        ),
        outcomes,
        checks,
    })
}

/// Registered customers (in the programme at some time in the period) beside the rest of the scope.
async fn outcomes(
    app: &App,
    records: &[CareRow],
    scope: &banyan_store::customers::ScopeFilter,
    from_us: i64,
    to_us: i64,
    to: Date,
) -> Result<Vec<OutcomeGroup>> {
    let c = app.db.reader();
    let care: HashSet<CustomerId> = records
        .iter()
        .filter(|r| {
            r.registered_at_us.is_some_and(|t| t < to_us)
                && r.ended_at_us.is_none_or(|t| t >= from_us)
        })
        .map(|r| r.customer_id)
        .collect();
    let everyone = rstore::customers_in(c, scope).await?;
    let others: Vec<CustomerId> = everyone
        .iter()
        .copied()
        .filter(|x| !care.contains(x))
        .collect();
    let complaints = rstore::complaints_in(c, scope, from_us, to_us).await?;
    let sales = rstore::product_sales_in(c, scope, from_us, to_us).await?;
    let mut out = Vec::new();
    for (group, members) in [
        ("registered", care.iter().copied().collect::<Vec<_>>()),
        ("others", others),
    ] {
        let n = members.len() as u64;
        let shown = n >= MIN_GROUP;
        let mut g = OutcomeGroup {
            group: group.to_owned(),
            customers: n,
            shown,
            complaints_per_100_tenths: None,
            arrears_pct_tenths: None,
            switches_per_100_tenths: None,
        };
        if shown {
            let set: HashSet<CustomerId> = members.iter().copied().collect();
            let count = |v: &[CustomerId]| v.iter().filter(|x| set.contains(x)).count() as u64;
            g.complaints_per_100_tenths = ratio_tenths(count(&complaints), n, 100);
            g.switches_per_100_tenths = ratio_tenths(count(&sales), n, 100);
            let uuids: Vec<uuid::Uuid> = members.iter().map(|x| x.uuid()).collect();
            let figures = crate::figures::latest_figures(c, &uuids, to).await?;
            let owing = figures.iter().filter(|(_, m)| m.overdue_count > 0).count() as u64;
            g.arrears_pct_tenths = ratio_tenths(owing, figures.len() as u64, 100);
        }
        out.push(g);
    }
    Ok(out)
}

/// The supervision check list: what needs a supervisor's attention now.
async fn checks<C: sea_orm::ConnectionTrait>(
    c: &C,
    records: &[CareRow],
    tasks: &[banyan_store::care::CareTaskRow],
    measures: &[banyan_store::care::MeasureRow],
    ids: &[CareId],
    today: Date,
    now: i64,
) -> Result<Vec<CareCheck>> {
    let open: HashSet<CareId> = records
        .iter()
        .filter(|r| r.status.is_open())
        .map(|r| r.id)
        .collect();
    let registered: Vec<&CareRow> = records
        .iter()
        .filter(|r| r.status == CareStatus::Registered)
        .collect();
    let reg_ids: Vec<CareId> = registered.iter().map(|r| r.id).collect();
    let members = store::team_of_many(c, &reg_ids).await?;
    let no_lead = registered
        .iter()
        .filter(|r| {
            !members
                .iter()
                .any(|m| m.record_id == r.id && m.role == CareRole::RelationshipManager)
        })
        .count() as u64;
    let unconfirmed = members
        .iter()
        .filter(|m| m.confirmed_at_us.is_none())
        .count() as u64;
    let grants = cstore::grants_of_many(c, ids).await?;
    let items: [(&str, u64); 7] = [
        (
            "leads_waiting",
            records
                .iter()
                .filter(|r| r.status == CareStatus::Reported)
                .count() as u64,
        ),
        (
            "review_due",
            registered
                .iter()
                .filter(|r| r.review_on.is_some_and(|d| d <= today))
                .count() as u64,
        ),
        ("lead_contact_missing", no_lead),
        ("terms_unconfirmed", unconfirmed),
        (
            "tasks_overdue",
            tasks
                .iter()
                .filter(|t| {
                    t.done_at_us.is_none() && t.due_on < today && open.contains(&t.record_id)
                })
                .count() as u64,
        ),
        (
            "approvals_overdue",
            measures
                .iter()
                .filter(|m| {
                    m.state == MeasureState::Requested && m.due_at_us.is_some_and(|d| d < now)
                })
                .count() as u64,
        ),
        (
            "glass_unreviewed",
            grants
                .iter()
                .filter(|g| g.basis == AccessBasis::BreakGlass && g.reviewed_at_us.is_none())
                .count() as u64,
        ),
    ];
    if items.iter().any(|(_, n)| *n > u64::MAX / 2) {
        return Err(AppError::internal("care check list overflow"));
    }
    Ok(items
        .into_iter()
        .map(|(item, count)| CareCheck {
            item: item.to_owned(),
            count,
        })
        .collect())
}
