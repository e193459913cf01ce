//! The wealth managers' KPIs (seed 004 §考核) per manager and per team (branch and team), for a quarter or a
//! year, as the policy defines them (`banyan_domain::wealth::kpi`): each figure a numerator over a
//! denominator read from the records — contacts' and complaint surveys' ratings, completed investment sales,
//! referrals, the book's AUM — and each drilling down to those records ([`drill`]). Computed here; the staff
//! performance scorecards weigh them.
//!
//! Who reads: a reader of reports (`wealth.report`) the managers in their scope (their branch's, or all); a
//! manager (`wealth.plan`) their own.

use crate::App;
use crate::actor::{Actor, Granted};
use crate::error::{AppError, Result};
use banyan_domain::access::{Permission, Role};
use banyan_domain::ids::StaffId;
use banyan_domain::wealth::kpi::{KpiMeasure, Period, value};
use banyan_store::access::StaffRow;
use banyan_store::wealth::kpis as store;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KpiQuery {
    /// A quarter (`2026-Q4`) or a year (`2026`); the current quarter when absent.
    #[serde(default)]
    pub period: Option<String>,
}

/// One KPI's figure: `numerator / denominator` on its scale.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiFigure {
    pub measure: KpiMeasure,
    /// A mean score (1-5) or a percent; none without a denominator.
    pub value: Option<f64>,
    pub target: f64,
    pub weight: u8,
    pub met: Option<bool>,
    /// Scores summed, repeat buyers, clients who referred, the end's AUM (CNY fen).
    pub numerator: i64,
    /// Scores counted, buyers, clients, the start's AUM (CNY fen).
    pub denominator: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ManagerKpis {
    pub staff_id: StaffId,
    pub name: String,
    pub branch_code: Option<String>,
    pub team: Option<String>,
    pub clients: u64,
    pub figures: Vec<KpiFigure>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamKpis {
    pub branch_code: Option<String>,
    pub team: Option<String>,
    pub managers: u64,
    pub clients: u64,
    pub figures: Vec<KpiFigure>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiReport {
    pub period: String,
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// The policy's KPIs, in its order (each figure list follows it).
    pub measures: Vec<KpiMeasure>,
    pub managers: Vec<ManagerKpis>,
    pub teams: Vec<TeamKpis>,
}

/// The managers a reader reaches: wealth and relationship managers in the reader's scope, or themselves.
fn managers_in_reach<'a>(
    actor: &'a Actor,
    staff: &[StaffRow],
) -> Result<(Granted<'a>, Vec<StaffRow>)> {
    let manages = |s: &StaffRow| {
        !s.disabled && matches!(s.role, Role::WealthManager | Role::RelationshipManager)
    };
    if let Ok(g) = actor.require(Permission::WealthReport) {
        let reach: Vec<StaffRow> = staff
            .iter()
            .filter(|s| manages(s))
            .filter(|s| crate::access::staff_in_scope(&g.scope(), s))
            .cloned()
            .collect();
        return Ok((g, reach));
    }
    let g = actor.require(Permission::WealthPlan)?;
    let me = staff
        .iter()
        .filter(|s| s.id == actor.id() && manages(s))
        .cloned()
        .collect();
    Ok((g, me))
}

/// What every figure reads, for the clients of the managers in reach.
struct Records {
    /// client → manager
    manager_of: HashMap<Uuid, StaffId>,
    number: HashMap<Uuid, String>,
    contacts: Vec<(Uuid, i64, i32, String)>,
    complaints: Vec<(Uuid, i64, i32, String)>,
    /// Each client's completed sales up to the period's end: how many (up to 2), and the latest's moment.
    sales: Vec<(Uuid, i64, i64)>,
    referrals: Vec<store::ReferralRow>,
    aum_start: HashMap<Uuid, i64>,
    aum_end: HashMap<Uuid, i64>,
    from_us: i64,
}

fn micros(app: &App, d: Date) -> Result<i64> {
    Ok(d.to_zoned(app.tz.clone())
        .map_err(|e| AppError::internal_from("kpi period", e))?
        .timestamp()
        .as_microsecond())
}

async fn aum<C: sea_orm::ConnectionTrait>(
    c: &C,
    clients: &[Uuid],
    until: Date,
) -> Result<HashMap<Uuid, i64>> {
    Ok(crate::figures::latest_figures(c, clients, until)
        .await?
        .into_iter()
        .map(|(id, m)| (id, m.assets.values().sum()))
        .collect())
}

async fn records<C: sea_orm::ConnectionTrait>(
    app: &App,
    c: &C,
    managers: &[StaffRow],
    (from, to): (Date, Date),
) -> Result<Records> {
    let ids: Vec<StaffId> = managers.iter().map(|m| m.id).collect();
    let clients = store::clients_of(c, &ids).await?;
    let list: Vec<Uuid> = clients.iter().map(|c| c.0).collect();
    let from_us = micros(app, from)?;
    let to_us = micros(app, to.tomorrow().unwrap_or(to))?;
    let end = to.min(app.today());
    Ok(Records {
        manager_of: clients
            .iter()
            .map(|(c, m, _)| (*c, StaffId::from(*m)))
            .collect(),
        number: clients.iter().map(|(c, _, n)| (*c, n.clone())).collect(),
        contacts: store::contact_scores(c, &list, from_us, to_us).await?,
        complaints: store::complaint_scores(c, &list, from_us, to_us).await?,
        sales: store::completed_sales(c, &list, to_us).await?,
        referrals: store::referrals_by(c, &list, from_us, to_us).await?,
        aum_start: aum(c, &list, from.yesterday().unwrap_or(from)).await?,
        aum_end: aum(c, &list, end).await?,
        from_us,
    })
}

/// `(numerator, denominator)` of a measure over the clients `of` picks.
fn counts(r: &Records, m: KpiMeasure, of: &dyn Fn(&Uuid) -> bool) -> (i64, i64) {
    let scores = |rows: &[(Uuid, i64, i32, String)]| {
        rows.iter()
            .filter(|x| of(&x.0))
            .fold((0, 0), |(s, n), x| (s + i64::from(x.2), n + 1))
    };
    match m {
        KpiMeasure::ClientSatisfaction => scores(&r.contacts),
        KpiMeasure::ComplaintSatisfaction => scores(&r.complaints),
        KpiMeasure::RepeatPurchase => {
            let (buyers, repeat) = buyers(r, of);
            (repeat.len() as i64, buyers.len() as i64)
        }
        KpiMeasure::Referral => {
            let referred: HashSet<Uuid> = r
                .referrals
                .iter()
                .map(|x| x.referrer_id.uuid())
                .filter(|c| of(c))
                .collect();
            let clients = r.manager_of.keys().filter(|c| of(c)).count();
            (referred.len() as i64, clients as i64)
        }
        KpiMeasure::AssetGrowth => {
            let sum =
                |m: &HashMap<Uuid, i64>| m.iter().filter(|(c, _)| of(c)).map(|(_, v)| v).sum();
            (sum(&r.aum_end), sum(&r.aum_start))
        }
    }
}

/// The period's buyers and, of them, those who had bought before (another completed sale up to the end of
/// the period, earlier in it or before it).
fn buyers(r: &Records, of: &dyn Fn(&Uuid) -> bool) -> (HashSet<Uuid>, HashSet<Uuid>) {
    let in_period: Vec<(Uuid, bool, i64)> = period_buyers(&r.sales, r.from_us)
        .filter(|(c, _, _)| of(c))
        .collect();
    let buyers = in_period.iter().map(|(c, _, _)| *c).collect();
    let repeat = in_period
        .iter()
        .filter(|(_, again, _)| *again)
        .map(|(c, _, _)| *c)
        .collect();
    (buyers, repeat)
}

/// Of each client's completed sales up to a period's end (`(client, how many up to 2, the latest's
/// moment)`), the clients who bought in the period (their latest sale is in it, from `from_us`): the
/// client, whether they had bought before, and when — the repeat-purchase rate's records, here and on the
/// staff scorecards.
pub(crate) fn period_buyers(
    sales: &[(Uuid, i64, i64)],
    from_us: i64,
) -> impl Iterator<Item = (Uuid, bool, i64)> + '_ {
    sales
        .iter()
        .filter(move |(_, _, latest)| *latest >= from_us)
        .map(|(c, n, latest)| (*c, *n >= 2, *latest))
}

fn figures(app: &App, r: &Records, of: &dyn Fn(&Uuid) -> bool) -> Vec<KpiFigure> {
    app.policy()
        .wealth
        .kpis
        .iter()
        .map(|k| {
            let (n, d) = counts(r, k.measure, of);
            let v = value(k.measure, n, d);
            KpiFigure {
                measure: k.measure,
                value: v,
                target: k.target,
                weight: k.weight,
                met: v.map(|v| v >= k.target),
                numerator: n,
                denominator: d,
            }
        })
        .collect()
}

fn period_of(app: &App, p: Option<&str>) -> Result<Period> {
    match p.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Period::parse(p).map_err(AppError::Validation),
        None => Ok(Period::quarter_of(app.today())),
    }
}

/// The KPIs of the managers in the reader's reach and of their teams.
pub async fn report(app: &App, actor: &Actor, q: KpiQuery) -> Result<KpiReport> {
    let period = period_of(app, q.period.as_deref())?;
    // Lag-tolerant: the replica serves it when configured and close enough behind.
    let rd = app.db.reader();
    let staff = banyan_store::access::list_staff(rd).await?;
    let (_grant, managers) = managers_in_reach(actor, &staff)?;
    let days = period.days();
    let r = records(app, rd, &managers, days).await?;
    let names = crate::access::names_of(&staff);
    let mut out = Vec::new();
    let mut teams: BTreeMap<(Option<String>, Option<String>), Vec<StaffId>> = BTreeMap::new();
    for m in &managers {
        let mine = |c: &Uuid| r.manager_of.get(c) == Some(&m.id);
        out.push(ManagerKpis {
            staff_id: m.id,
            name: names
                .get(&m.id)
                .cloned()
                .unwrap_or_else(|| m.username.clone()),
            branch_code: m.branch_code.clone(),
            team: m.team.clone(),
            clients: r.manager_of.values().filter(|x| **x == m.id).count() as u64,
            figures: figures(app, &r, &mine),
        });
        teams
            .entry((m.branch_code.clone(), m.team.clone()))
            .or_default()
            .push(m.id);
    }
    let teams = teams
        .into_iter()
        .map(|((branch_code, team), ids)| {
            let ours = |c: &Uuid| r.manager_of.get(c).is_some_and(|m| ids.contains(m));
            TeamKpis {
                clients: r.manager_of.values().filter(|m| ids.contains(m)).count() as u64,
                managers: ids.len() as u64,
                figures: figures(app, &r, &ours),
                branch_code,
                team,
            }
        })
        .collect();
    Ok(KpiReport {
        period: period.code(),
        from: days.0,
        to: days.1,
        measures: app.policy().wealth.kpis.iter().map(|k| k.measure).collect(),
        managers: out,
        teams,
    })
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DrillQuery {
    #[serde(default)]
    pub period: Option<String>,
    /// The manager.
    #[param(value_type = String, format = Uuid)]
    pub staff: StaffId,
}

/// One record a figure counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DrillLine {
    pub customer_id: Uuid,
    pub customer_no: String,
    /// When (a contact, a survey, a sale, a referral).
    pub at: Option<String>,
    /// A score (1-5).
    pub score: Option<i32>,
    /// A contact's method code, a complaint's case number, the introduced customer's number.
    pub what: Option<String>,
    /// AUM at the start and the end (CNY fen).
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// Counted in the numerator (a repeat buyer, a client who referred).
    pub counted: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiDrill {
    pub period: String,
    pub measure: KpiMeasure,
    pub staff_id: StaffId,
    pub name: String,
    pub figure: KpiFigure,
    pub lines: Vec<DrillLine>,
}

/// The records one figure of one manager counts (the manager in the reader's reach, else not found).
pub async fn drill(
    app: &App,
    actor: &Actor,
    measure: KpiMeasure,
    q: DrillQuery,
) -> Result<KpiDrill> {
    let period = period_of(app, q.period.as_deref())?;
    // Lag-tolerant: the replica serves it when configured and close enough behind.
    let rd = app.db.reader();
    let staff = banyan_store::access::list_staff(rd).await?;
    let (_grant, managers) = managers_in_reach(actor, &staff)?;
    let Some(m) = managers.into_iter().find(|m| m.id == q.staff) else {
        return Err(AppError::NotFound);
    };
    let policy = app.policy();
    let Some(def) = policy.wealth.kpis.iter().find(|k| k.measure == measure) else {
        return Err(AppError::NotFound);
    };
    let r = records(app, rd, std::slice::from_ref(&m), period.days()).await?;
    let mine = |c: &Uuid| r.manager_of.get(c) == Some(&m.id);
    // Every record counted is of a client the same read named, so a number is always there; one missing is
    // an inconsistency, said rather than shown blank.
    let line = |c: &Uuid| -> Result<DrillLine> {
        Ok(DrillLine {
            customer_id: *c,
            customer_no: r.number.get(c).cloned().ok_or_else(|| {
                AppError::internal(format!("kpi drill: customer {c} without a number"))
            })?,
            at: None,
            score: None,
            what: None,
            start: None,
            end: None,
            counted: true,
        })
    };
    let scored = |rows: &[(Uuid, i64, i32, String)]| -> Result<Vec<DrillLine>> {
        rows.iter()
            .map(|(c, at, s, w)| {
                Ok(DrillLine {
                    at: Some(crate::fmt_us(*at)),
                    score: Some(*s),
                    what: Some(w.clone()),
                    ..line(c)?
                })
            })
            .collect()
    };
    let lines = match measure {
        KpiMeasure::ClientSatisfaction => scored(&r.contacts)?,
        KpiMeasure::ComplaintSatisfaction => scored(&r.complaints)?,
        KpiMeasure::RepeatPurchase => {
            let (buyers, repeat) = buyers(&r, &mine);
            let mut v: Vec<DrillLine> = buyers
                .iter()
                .map(|c| {
                    Ok(DrillLine {
                        counted: repeat.contains(c),
                        at: r
                            .sales
                            .iter()
                            .find(|s| s.0 == *c)
                            .map(|s| crate::fmt_us(s.2)),
                        ..line(c)?
                    })
                })
                .collect::<Result<_>>()?;
            v.sort_by(|a, b| a.customer_no.cmp(&b.customer_no));
            v
        }
        KpiMeasure::Referral => {
            let referred: Vec<Uuid> = r.referrals.iter().map(|x| x.referred_id.uuid()).collect();
            let numbers: HashMap<Uuid, String> =
                banyan_store::customers::rows_by_ids(rd, &referred)
                    .await?
                    .into_iter()
                    .map(|c| (c.id.uuid(), c.customer_no))
                    .collect();
            r.referrals
                .iter()
                .map(|x| {
                    let no = numbers.get(&x.referred_id.uuid()).cloned().ok_or_else(|| {
                        AppError::internal(format!("wealth_referrals {}: customer unknown", x.id))
                    })?;
                    Ok(DrillLine {
                        at: Some(crate::fmt_us(x.at_us)),
                        what: Some(no),
                        ..line(&x.referrer_id.uuid())?
                    })
                })
                .collect::<Result<_>>()?
        }
        KpiMeasure::AssetGrowth => {
            let mut v: Vec<DrillLine> = r
                .manager_of
                .keys()
                .filter(|c| r.aum_start.contains_key(*c) || r.aum_end.contains_key(*c))
                .map(|c| {
                    Ok(DrillLine {
                        // No figures on one side: the client held nothing with the bank then.
                        start: Some(r.aum_start.get(c).copied().unwrap_or(0)),
                        end: Some(r.aum_end.get(c).copied().unwrap_or(0)),
                        ..line(c)?
                    })
                })
                .collect::<Result<_>>()?;
            v.sort_by(|a, b| a.customer_no.cmp(&b.customer_no));
            v
        }
    };
    let (n, d) = counts(&r, measure, &mine);
    let v = value(measure, n, d);
    let names = crate::access::names_of(&staff);
    Ok(KpiDrill {
        period: period.code(),
        measure,
        staff_id: m.id,
        name: names
            .get(&m.id)
            .cloned()
            .unwrap_or_else(|| m.username.clone()),
        figure: KpiFigure {
            measure,
            value: v,
            target: def.target,
            weight: def.weight,
            met: v.map(|v| v >= def.target),
            numerator: n,
            denominator: d,
        },
        lines,
    })
}
