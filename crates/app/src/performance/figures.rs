//! Each KPI's records for a set of people in a quarter, read once for all of them, and the lines of their
//! scorecards computed from those records — so a figure and its drill-down are the same records.

use crate::App;
use crate::error::Result;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::{self as perf, KpiLine, StaffKpi};
use banyan_domain::wealth::kpi::Period;
use banyan_store::performance::{self as store, ContactState, Counted};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// One record behind a figure: what names it, when it counts, and whether it counts towards the numerator
/// (else only towards the denominator).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = PerformanceRecord)]
pub struct Record {
    pub kpi: StaffKpi,
    /// A lead's, customer's or case's number.
    pub reference: String,
    /// The day it counts at (`YYYY-MM-DD`).
    pub day: String,
    /// Counted in the numerator: won, on time, within SLA, the rating given, overdue.
    pub counts: bool,
    /// A case's rating (1-5), for the satisfaction figure.
    pub rating: Option<i32>,
}

/// Everything the KPIs count for these people in the period, by person.
pub(crate) struct Read {
    pub records: HashMap<StaffId, Vec<Record>>,
}

fn day_of(app: &App, us: &str) -> String {
    us.parse::<i64>()
        .map(|u| app.date_of_us(u).to_string())
        .unwrap_or_else(|_| us.to_owned())
}

/// Reads the records of every KPI for `staff` in `period`, as of today.
pub(crate) async fn read(app: &App, period: Period, staff: &[StaffId]) -> Result<Read> {
    let c = &app.db.conn;
    let (first, last) = period.days();
    let (from_us, to_us) = app.day_bounds(first, last)?;
    let today = app.today();
    let (from, to) = (first.to_string(), last.to_string());
    let mut records: HashMap<StaffId, Vec<Record>> = HashMap::new();
    let mut push = |owner: StaffId, r: Record| records.entry(owner).or_default().push(r);
    for w in store::ended_leads(c, staff, from_us, to_us).await? {
        let day = day_of(app, &w.at);
        if w.how {
            push(
                w.owner,
                Record {
                    kpi: StaffKpi::NewCustomers,
                    reference: w.reference.clone(),
                    day: day.clone(),
                    counts: true,
                    rating: None,
                },
            );
        }
        push(
            w.owner,
            Record {
                kpi: StaffKpi::LeadConversion,
                reference: w.reference,
                day,
                counts: w.how,
                rating: None,
            },
        );
    }
    let today_s = today.to_string();
    for t in store::contact_tasks(c, staff, &from, &to).await? {
        // A task not done whose day has not passed is pending: not yet due, not counted.
        let counts = match t.how {
            ContactState::OnTime => Some(true),
            ContactState::Late => Some(false),
            ContactState::NotDone if t.at < today_s => Some(false),
            ContactState::NotDone => None,
        };
        if let Some(counts) = counts {
            push(
                t.owner,
                Record {
                    kpi: StaffKpi::ContactCoverage,
                    reference: t.reference,
                    day: t.at,
                    counts,
                    rating: None,
                },
            );
        }
    }
    for k in store::owned_cases(c, staff, from_us, to_us).await? {
        cases(app, &mut push, k);
    }
    for a in store::owned_alerts(c, staff, &from, &to).await? {
        let overdue = alert_overdue(app, &a, &today_s)?;
        push(
            a.owner,
            Record {
                kpi: StaffKpi::OverdueAlerts,
                reference: a.reference,
                day: a.at,
                counts: overdue,
                rating: None,
            },
        );
    }
    Ok(Read { records })
}

/// A case counts towards the SLA once resolved (met or not) or while open past it, and towards
/// satisfaction once its survey is answered.
fn cases(app: &App, push: &mut impl FnMut(StaffId, Record), k: Counted<store::CaseCount>) {
    let day = day_of(app, &k.at);
    let c = k.how;
    let sla = match (c.sla_met, c.open && c.past_sla) {
        (Some(met), _) => Some(met),
        (None, true) => Some(false),
        (None, false) => None,
    };
    if let Some(met) = sla {
        push(
            k.owner,
            Record {
                kpi: StaffKpi::CaseSla,
                reference: k.reference.clone(),
                day: day.clone(),
                counts: met,
                rating: None,
            },
        );
    }
    if let Some(rating) = c.satisfaction {
        push(
            k.owner,
            Record {
                kpi: StaffKpi::CaseSatisfaction,
                reference: k.reference,
                day,
                counts: true,
                rating: Some(rating),
            },
        );
    }
}

/// An alert is overdue when it was not closed by the end of its due day: closed after it, or still open
/// once the day has passed.
fn alert_overdue(app: &App, a: &Counted<Option<i64>>, today: &str) -> Result<bool> {
    Ok(match a.how {
        Some(closed_us) => {
            let due: jiff::civil::Date = a.at.parse().map_err(|e| {
                crate::error::AppError::internal_from(format!("alerts.due_on {}", a.at), e)
            })?;
            closed_us >= app.day_bounds(due, due)?.1
        }
        None => a.at.as_str() < today,
    })
}

/// A KPI's numerator and denominator from a person's records.
pub fn counts(kpi: StaffKpi, records: &[Record]) -> (i64, i64) {
    let len = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let mine: Vec<&Record> = records.iter().filter(|r| r.kpi == kpi).collect();
    let counted = len(mine.iter().filter(|r| r.counts).count());
    match kpi {
        StaffKpi::NewCustomers | StaffKpi::OverdueAlerts => (counted, 0),
        StaffKpi::LeadConversion | StaffKpi::ContactCoverage | StaffKpi::CaseSla => {
            (counted, len(mine.len()))
        }
        StaffKpi::CaseSatisfaction => (
            mine.iter().filter_map(|r| r.rating).map(i64::from).sum(),
            len(mine.len()),
        ),
    }
}

/// A person's scorecard lines: each KPI of the role's card against its target (the person's own where set).
pub(crate) fn lines(
    app: &App,
    card: &perf::RoleCard,
    period: Period,
    records: &[Record],
    own_targets: &HashMap<StaffKpi, f64>,
) -> Vec<KpiLine> {
    let cap = app.policy.performance.attainment_cap_pct;
    card.kpis
        .iter()
        .map(|k| {
            let (numerator, denominator) = counts(k.kpi, records);
            let figure = k.kpi.figure(numerator, denominator);
            let own = own_targets.get(&k.kpi).copied();
            let target = own.unwrap_or_else(|| perf::period_target(k.kpi, k.target, period));
            let attainment = perf::attainment(k.kpi, figure, target, cap);
            KpiLine {
                kpi: k.kpi,
                numerator,
                denominator,
                figure,
                target,
                own_target: own.is_some(),
                weight: k.weight,
                attainment,
                score: perf::composite(&[(attainment, k.weight)]),
            }
        })
        .collect()
}
