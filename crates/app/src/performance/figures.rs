//! Each KPI's records for a set of people in a quarter, read once for all of them, and the lines of their
//! scorecards computed from those records — so a figure and its drill-down are the same records.

use crate::App;
use crate::error::Result;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::{self as perf, KpiLine, KpiUnit, StaffKpi, TargetSource};
use banyan_domain::segments::Metrics;
use banyan_domain::wealth::kpi::Period;
use banyan_store::performance::{self as store, ContactState, Counted};
use banyan_store::wealth::kpis as wstore;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// One record behind a figure: what names it, when it counts, and whether it counts towards the numerator
/// (else only towards the denominator).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = PerformanceRecord)]
pub struct Record {
    pub kpi: StaffKpi,
    /// A lead's, customer's or case's number; for the care KPIs the care task's or measure's kind (a code:
    /// who is in care stays within the care team, seed 003).
    pub reference: String,
    /// The day it counts at (`YYYY-MM-DD`).
    pub day: String,
    /// Counted in the numerator: won, on time, within SLA, the rating given, overdue.
    pub counts: bool,
    /// A case's rating (1-5), for the satisfaction figure; an assessment's score (0-100).
    pub rating: Option<i32>,
    /// A growth's start and end, or a fee income (the end alone): CNY fen.
    pub amount_from: Option<i64>,
    pub amount_to: Option<i64>,
    /// How long a care measure took, in hours.
    pub hours: Option<i64>,
    /// The minutes of training a session credits.
    pub minutes: Option<i64>,
    /// How a customer's rating was given: at a contact (`call`, `visit`, `meeting`, `message`) or in the
    /// outbox's survey (`survey`).
    pub via: Option<String>,
    /// An acquisition target (the reference its metric): the target and what was achieved — a count, CNY
    /// fen for a money metric, basis points for a market share.
    pub target: Option<i64>,
    pub actual: Option<i64>,
}

impl Record {
    fn new(kpi: StaffKpi, reference: String, day: String, counts: bool) -> Self {
        Self {
            kpi,
            reference,
            day,
            counts,
            rating: None,
            amount_from: None,
            amount_to: None,
            hours: None,
            minutes: None,
            via: None,
            target: None,
            actual: None,
        }
    }
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
                Record::new(
                    StaffKpi::NewCustomers,
                    w.reference.clone(),
                    day.clone(),
                    true,
                ),
            );
        }
        push(
            w.owner,
            Record::new(StaffKpi::LeadConversion, w.reference, day, w.how),
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
                Record::new(StaffKpi::ContactCoverage, t.reference, t.at, counts),
            );
        }
    }
    for k in store::owned_cases(c, staff, from_us, to_us).await? {
        cases(app, &mut push, k);
    }
    for a in store::owned_alerts(c, staff, &from, &to).await? {
        let overdue = overdue(app, &a, &today_s, "alerts.due_on")?;
        // Closed by the end of its due day, or not: an open alert whose day has not passed is pending.
        if a.how.is_some() || a.at < today_s {
            push(
                a.owner,
                Record::new(
                    StaffKpi::AlertsOnTime,
                    a.reference.clone(),
                    a.at.clone(),
                    !overdue,
                ),
            );
        }
        push(
            a.owner,
            Record::new(StaffKpi::OverdueAlerts, a.reference, a.at, overdue),
        );
    }
    for r in store::ratings(c, staff, from_us, to_us).await? {
        push(
            r.owner,
            Record {
                rating: Some(r.how.score),
                via: Some(r.how.via),
                ..Record::new(
                    StaffKpi::CustomerSatisfaction,
                    r.reference,
                    day_of(app, &r.at),
                    true,
                )
            },
        );
    }
    let needed: HashSet<StaffKpi> = app
        .policy()
        .performance
        .cards
        .iter()
        .flat_map(|c| c.kpis.iter().map(|k| k.kpi))
        .collect();
    // The customers the people manage, read once for the KPIs over them.
    let list = if needed.iter().any(|k| OVER_CLIENTS.contains(k)) {
        wstore::clients_of(c, staff).await?
    } else {
        Vec::new()
    };
    let clients = Clients::of(&list);
    book(app, period, staff, &clients, &needed, &mut push).await?;
    if needed.contains(&StaffKpi::RiskEvents) {
        risk_events(app, period, staff, &clients, &mut push).await?;
    }
    if needed.contains(&StaffKpi::AcquisitionTargets) {
        acquisition_targets(app, period, staff, &mut push).await?;
    }
    care(app, period, staff, &needed, &mut push).await?;
    training(app, period, staff, &needed, &mut push).await?;
    Ok(Read { records })
}

/// The customers the people manage: (customer, manager, number) in the customers' order, and each one's
/// manager and number by id.
struct Clients<'a> {
    list: &'a [(Uuid, Uuid, String)],
    manager: HashMap<Uuid, (StaffId, &'a str)>,
}

impl<'a> Clients<'a> {
    fn of(list: &'a [(Uuid, Uuid, String)]) -> Self {
        let manager = list
            .iter()
            .map(|(id, m, no)| (*id, (StaffId::from_uuid(*m), no.as_str())))
            .collect();
        Self { list, manager }
    }
}

/// The KPIs counted over the customers a person manages.
const OVER_CLIENTS: [StaffKpi; 7] = [
    StaffKpi::AumGrowth,
    StaffKpi::DepositGrowth,
    StaffKpi::LoanGrowth,
    StaffKpi::FeeIncome,
    StaffKpi::RepeatPurchase,
    StaffKpi::Referrals,
    StaffKpi::RiskEvents,
];

/// The KPIs over the customers a person manages (their relationship manager): growth of AUM, deposits and
/// loans from the figures the book derives, fee income from the transactions, repeat purchases and the
/// customers they introduced. Read only when a card in the policy weighs one of them — by the managers, in
/// a few statements however many customers they have.
async fn book(
    app: &App,
    period: Period,
    staff: &[StaffId],
    clients: &Clients<'_>,
    needed: &HashSet<StaffKpi>,
    push: &mut impl FnMut(StaffId, Record),
) -> Result<()> {
    use StaffKpi::{AumGrowth, DepositGrowth, FeeIncome, LoanGrowth, Referrals, RepeatPurchase};
    let growth = [AumGrowth, DepositGrowth, LoanGrowth];
    if !needed
        .iter()
        .any(|k| growth.contains(k) || [FeeIncome, RepeatPurchase, Referrals].contains(k))
    {
        return Ok(());
    }
    let c = &app.db.conn;
    let (first, last) = period.days();
    let (from_us, to_us) = app.day_bounds(first, last)?;
    let manager = &clients.manager;
    // The end is today while the period runs.
    let end = last.min(app.today());
    let end_s = end.to_string();
    if growth.iter().any(|k| needed.contains(k)) {
        let start_day = first.yesterday().unwrap_or(first);
        let start: HashMap<Uuid, Metrics> =
            crate::figures::latest_figures_managed(c, staff, start_day)
                .await?
                .into_iter()
                .collect();
        let at_end: HashMap<Uuid, Metrics> = crate::figures::latest_figures_managed(c, staff, end)
            .await?
            .into_iter()
            .collect();
        let pick = |kpi: StaffKpi, m: &Metrics| match kpi {
            DepositGrowth => m.assets.get("deposits").copied().unwrap_or(0),
            LoanGrowth => m.loans,
            _ => m.assets.values().sum(),
        };
        // In the customers' order (by number): the drill-down lists them alike on every read.
        for (id, owner, no) in clients.list {
            let owner = StaffId::from_uuid(*owner);
            let (a, b) = (start.get(id), at_end.get(id));
            if a.is_none() && b.is_none() {
                continue;
            }
            for kpi in growth.iter().filter(|k| needed.contains(k)) {
                let (from, to) = (
                    a.map_or(0, |m| pick(*kpi, m)),
                    b.map_or(0, |m| pick(*kpi, m)),
                );
                push(
                    owner,
                    Record {
                        amount_from: Some(from),
                        amount_to: Some(to),
                        ..Record::new(*kpi, no.clone(), end_s.clone(), to > from)
                    },
                );
            }
        }
    }
    if needed.contains(&FeeIncome) {
        for (id, fen) in store::fee_income_managed(c, staff, from_us, to_us).await? {
            if let Some((owner, no)) = manager.get(&id) {
                push(
                    *owner,
                    Record {
                        amount_to: Some(fen),
                        ..Record::new(FeeIncome, (*no).to_owned(), end_s.clone(), true)
                    },
                );
            }
        }
    }
    if needed.contains(&RepeatPurchase) {
        let sales = wstore::completed_sales_managed(c, staff, to_us).await?;
        for (id, again, at) in crate::wealth::kpis::period_buyers(&sales, from_us) {
            if let Some((owner, no)) = manager.get(&id) {
                push(
                    *owner,
                    Record::new(RepeatPurchase, (*no).to_owned(), day_of_us(app, at), again),
                );
            }
        }
    }
    if needed.contains(&Referrals) {
        let referrals = wstore::referrals_managed(c, staff, from_us, to_us).await?;
        let introduced: Vec<Uuid> = referrals.iter().map(|r| r.referred_id.uuid()).collect();
        let numbers: HashMap<Uuid, String> = banyan_store::customers::rows_by_ids(c, &introduced)
            .await?
            .into_iter()
            .map(|r| (r.id.uuid(), r.customer_no))
            .collect();
        for r in referrals {
            let Some((owner, _)) = manager.get(&r.referrer_id.uuid()) else {
                continue;
            };
            let no = numbers.get(&r.referred_id.uuid()).cloned().ok_or_else(|| {
                crate::error::AppError::internal(format!(
                    "wealth_referrals {}: the customer introduced is not stored",
                    r.id
                ))
            })?;
            push(
                *owner,
                Record::new(Referrals, no, day_of_us(app, r.at_us), true),
            );
        }
    }
    Ok(())
}

/// Risk events in the portfolio: the alerts raised in the period on the customers a person manages (their
/// relationship manager), each by the customer's number.
async fn risk_events(
    app: &App,
    period: Period,
    staff: &[StaffId],
    clients: &Clients<'_>,
    push: &mut impl FnMut(StaffId, Record),
) -> Result<()> {
    let c = &app.db.conn;
    let (first, last) = period.days();
    let (from_us, to_us) = app.day_bounds(first, last)?;
    for (id, at) in store::alerts_raised_managed(c, staff, from_us, to_us).await? {
        if let Some((owner, no)) = clients.manager.get(&id) {
            push(
                *owner,
                Record::new(
                    StaffKpi::RiskEvents,
                    (*no).to_owned(),
                    day_of_us(app, at),
                    true,
                ),
            );
        }
    }
    Ok(())
}

/// The acquisition targets set for each person within the period, beside what they achieved (the same
/// figure the acquisition report shows): met counts at once; not met counts once the target's period has
/// ended, pending before.
async fn acquisition_targets(
    app: &App,
    period: Period,
    staff: &[StaffId],
    push: &mut impl FnMut(StaffId, Record),
) -> Result<()> {
    let c = &app.db.conn;
    let (first, last) = period.days();
    let end = last
        .tomorrow()
        .map_err(|e| crate::error::AppError::internal_from("a period's next day", e))?;
    let today = app.today().to_string();
    let rows = banyan_store::acquisition::person_targets_within(
        c,
        staff,
        &first.to_string(),
        &end.to_string(),
    )
    .await?;
    for r in rows {
        let Some(owner) = r.staff_id else { continue };
        let line = crate::acquisition::targets::line_of(app, c, &r, None).await?;
        let met = line.actual >= line.target;
        if !met && r.ends_on > today {
            continue;
        }
        let last_day: jiff::civil::Date = r.ends_on.parse().map_err(|e| {
            crate::error::AppError::internal_from(format!("acq_targets {}: its end", r.id), e)
        })?;
        let day = last_day.yesterday().unwrap_or(last_day).to_string();
        push(
            owner,
            Record {
                target: Some(line.target),
                actual: Some(line.actual),
                ..Record::new(
                    StaffKpi::AcquisitionTargets,
                    r.metric.as_str().to_owned(),
                    day,
                    met,
                )
            },
        );
    }
    Ok(())
}

/// The care KPIs: care tasks given to the person done by the end of their due day, how long the care
/// measures they own took from request to completion, and the care surveys of the records whose team they are
/// on.
async fn care(
    app: &App,
    period: Period,
    staff: &[StaffId],
    needed: &HashSet<StaffKpi>,
    push: &mut impl FnMut(StaffId, Record),
) -> Result<()> {
    let c = &app.db.conn;
    let (first, last) = period.days();
    let today = app.today().to_string();
    if needed.contains(&StaffKpi::CareOnTime) {
        let (from, to) = (first.to_string(), last.to_string());
        for t in store::care_tasks(c, staff, &from, &to).await? {
            // Done by the end of its due day; not done and the day passed is late; else pending, not counted.
            let on_time = match t.how {
                Some(_) => Some(!overdue(app, &t, &today, "care_tasks.due_on")?),
                None if t.at < today => Some(false),
                None => None,
            };
            if let Some(on_time) = on_time {
                push(
                    t.owner,
                    Record::new(StaffKpi::CareOnTime, t.reference, t.at, on_time),
                );
            }
        }
    }
    if needed.contains(&StaffKpi::CareHandlingDays) {
        let (from_us, to_us) = app.day_bounds(first, last)?;
        for m in store::care_measures_done(c, staff, from_us, to_us).await? {
            // Whole hours, rounded up: a measure done within the hour took one.
            let hours = (m.how + 3_599_999_999) / 3_600_000_000;
            push(
                m.owner,
                Record {
                    hours: Some(hours),
                    ..Record::new(
                        StaffKpi::CareHandlingDays,
                        m.reference,
                        day_of(app, &m.at),
                        true,
                    )
                },
            );
        }
    }
    if needed.contains(&StaffKpi::CareSatisfaction) {
        let (from_us, to_us) = app.day_bounds(first, last)?;
        for r in store::care_ratings(c, staff, from_us, to_us).await? {
            push(
                r.owner,
                Record {
                    rating: Some(r.how),
                    ..Record::new(
                        StaffKpi::CareSatisfaction,
                        r.reference,
                        day_of(app, &r.at),
                        true,
                    )
                },
            );
        }
    }
    Ok(())
}

/// The training KPIs: the hours of the sessions a person attended in the period, and the scores of the
/// assessed courses' sessions they attended (the course's code names each record; passed counts).
async fn training(
    app: &App,
    period: Period,
    staff: &[StaffId],
    needed: &HashSet<StaffKpi>,
    push: &mut impl FnMut(StaffId, Record),
) -> Result<()> {
    use banyan_domain::performance::training::{self as tr, Attendance};
    use banyan_store::performance::training as tstore;
    if !needed.contains(&StaffKpi::TrainingHours) && !needed.contains(&StaffKpi::AssessmentScore) {
        return Ok(());
    }
    let c = &app.db.conn;
    let courses = tstore::courses(c).await?;
    for a in tstore::attended(c, staff, Some(period.days())).await? {
        if a.attendance != Attendance::Attended {
            continue;
        }
        let k = courses
            .iter()
            .find(|k| k.id == a.course_id)
            .ok_or_else(|| {
                crate::error::AppError::internal(format!(
                    "training_sessions course {} is not a course",
                    a.course_id
                ))
            })?;
        let day = a.held_on.to_string();
        push(
            a.staff_id,
            Record {
                minutes: Some(i64::from(k.hours_tenths) * 6),
                ..Record::new(StaffKpi::TrainingHours, k.code.clone(), day.clone(), true)
            },
        );
        if let (Some(score), Some(_)) = (a.score, k.pass_score) {
            push(
                a.staff_id,
                Record {
                    rating: Some(score),
                    ..Record::new(
                        StaffKpi::AssessmentScore,
                        k.code.clone(),
                        day,
                        tr::completes(a.attendance, a.score, k.pass_score),
                    )
                },
            );
        }
    }
    Ok(())
}

fn day_of_us(app: &App, us: i64) -> String {
    app.date_of_us(us).to_string()
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
            Record::new(StaffKpi::CaseSla, k.reference.clone(), day.clone(), met),
        );
    }
    // The regulator's deadline: met or missed once resolved; open past it is missed; open before it, pending.
    let regulatory = match (c.reg_met, c.reg_due_at_us) {
        (Some(met), Some(_)) => Some(met),
        (None, Some(due)) if c.open && due < banyan_store::now_us() => Some(false),
        _ => None,
    };
    if let Some(met) = regulatory {
        push(
            k.owner,
            Record::new(
                StaffKpi::CaseRegulatory,
                k.reference.clone(),
                day.clone(),
                met,
            ),
        );
    }
    if let Some(rating) = c.satisfaction {
        if c.complaint {
            push(
                k.owner,
                Record {
                    rating: Some(rating),
                    ..Record::new(
                        StaffKpi::ComplaintSatisfaction,
                        k.reference.clone(),
                        day.clone(),
                        true,
                    )
                },
            );
        }
        push(
            k.owner,
            Record {
                rating: Some(rating),
                ..Record::new(StaffKpi::CaseSatisfaction, k.reference, day, true)
            },
        );
    }
}

/// An alert or a care task is overdue when it was not closed (done) by the end of its due day: closed
/// after it, or still open once the day has passed. `what` names the due day's column for an error.
fn overdue(app: &App, a: &Counted<Option<i64>>, today: &str, what: &str) -> Result<bool> {
    Ok(match a.how {
        Some(closed_us) => {
            let due: jiff::civil::Date = a.at.parse().map_err(|e| {
                crate::error::AppError::internal_from(format!("{what} {}", a.at), e)
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
    let sum = |f: fn(&Record) -> Option<i64>| mine.iter().filter_map(|r| f(r)).sum::<i64>();
    match kpi.unit() {
        KpiUnit::Count => (counted, 0),
        KpiUnit::Percent => (counted, len(mine.len())),
        KpiUnit::Score => (
            mine.iter().filter_map(|r| r.rating).map(i64::from).sum(),
            len(mine.len()),
        ),
        // The end over the start.
        KpiUnit::Growth => (sum(|r| r.amount_to), sum(|r| r.amount_from)),
        KpiUnit::Amount => (sum(|r| r.amount_to), 0),
        KpiUnit::Days => (sum(|r| r.hours), len(mine.len())),
        KpiUnit::Hours => (sum(|r| r.minutes), 0),
        KpiUnit::Points => (sum(|r| r.rating.map(i64::from)), len(mine.len())),
    }
}

/// A person's scorecard lines: each KPI of the role's card against its target — the person's own, the
/// team's or the branch's where set ([`super::targets::resolved`]), else the policy's.
pub(crate) fn lines(
    app: &App,
    card: &perf::RoleCard,
    period: Period,
    records: &[Record],
    targets: &HashMap<StaffKpi, (f64, TargetSource)>,
) -> Vec<KpiLine> {
    let cap = app.policy().performance.attainment_cap_pct;
    card.kpis
        .iter()
        .map(|k| {
            let (numerator, denominator) = counts(k.kpi, records);
            let figure = k.kpi.figure(numerator, denominator);
            let (target, source) = targets.get(&k.kpi).copied().unwrap_or_else(|| {
                (
                    perf::period_target(k.kpi, k.target, period),
                    TargetSource::Policy,
                )
            });
            let attainment = perf::attainment(k.kpi, figure, target, cap);
            KpiLine {
                kpi: k.kpi,
                numerator,
                denominator,
                figure,
                target,
                own_target: source == TargetSource::Own,
                target_source: source,
                weight: k.weight,
                attainment,
                score: perf::composite(&[(attainment, k.weight)]),
            }
        })
        .collect()
}
