//! Staff performance: the targets supervisors set per person and quarter, the scorecards closed (frozen)
//! per quarter, and the records each KPI counts for a set of people in a window — read once for all of
//! them, grouped by person in `app`.

pub mod rewards;
pub mod training;

use crate::error::{Result, StoreError};
use crate::table::{self, Table};
use banyan_domain::feedback::CaseStatus;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::{KpiLine, PerfRating, PromotionAdvice, StaffKpi};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

crate::enum_col!(StaffKpi, PerfRating, PromotionAdvice);
crate::json_col!(Vec<KpiLine>);

crate::table! {
    /// A person's own target for a KPI in a quarter (else the policy's).
    pub struct TargetRow in "perf_targets" {
        pub id: Uuid,
        /// `2026-Q4`.
        pub period: String,
        pub staff_id: StaffId,
        pub kpi: StaffKpi,
        /// The target in thousandths (4.5 → 4500): exact on both databases.
        pub target_milli: i64,
        pub set_by: StaffId,
        pub set_at_us: i64,
    }
}

crate::table! {
    /// A scorecard closed for a quarter: frozen with the policy version; a correction is a new version.
    pub struct ScorecardRow in "perf_scorecards" {
        pub id: Uuid,
        pub staff_id: StaffId,
        pub period: String,
        pub version: i32,
        pub lines: Vec<KpiLine>,
        /// The composite in thousandths.
        pub composite_milli: i64,
        pub policy_version: String,
        pub rating: PerfRating,
        pub comment: Option<String>,
        pub closed_by: StaffId,
        pub closed_at_us: i64,
    }
}

crate::table! {
    /// A target a supervisor set for a team, or the whole branch (`team` empty), for a KPI in a period: it
    /// applies to each person there without their own.
    pub struct GroupTargetRow in "perf_group_targets" {
        pub id: Uuid,
        pub period: String,
        pub branch_code: String,
        pub team: String,
        pub kpi: StaffKpi,
        pub target_milli: i64,
        pub set_by: StaffId,
        pub set_at_us: i64,
        /// For the team or branch as a whole (its summary line reads it), not for each of its people.
        pub whole: bool,
    }
}

/// The team and branch targets of a period (for these branches; all when `None`).
pub async fn group_targets_of<C: ConnectionTrait>(
    c: &C,
    period: &str,
    branches: Option<&[String]>,
) -> Result<Vec<GroupTargetRow>> {
    let mut q = table::select::<GroupTargetRow>()
        .and_where(Expr::col("period").eq(period))
        .order_by("branch_code", Order::Asc)
        .order_by("team", Order::Asc)
        .order_by("kpi", Order::Asc)
        .to_owned();
    if let Some(b) = branches {
        q.and_where(Expr::col("branch_code").is_in(b.iter().cloned()));
    }
    table::all(c, &q).await
}

/// Sets a team's or branch's target (replacing the one set before, and whether it is for the group as a
/// whole); returns the previous value.
pub async fn put_group_target<C: ConnectionTrait>(
    c: &C,
    r: &GroupTargetRow,
) -> Result<Option<i64>> {
    put(c, r).await
}

/// What a person's target and a group's share: named by its key columns, replaced in place when set again.
trait Target: Table {
    fn id(&self) -> Uuid;
    fn target_milli(&self) -> i64;
    fn set_by(&self) -> StaffId;
    fn set_at_us(&self) -> i64;
    /// The columns that name the target (the period, whose, the KPI) with this row's values.
    fn key(&self) -> Vec<(&'static str, sea_orm::Value)>;
    /// What else changes in place with the value.
    fn also(&self) -> Vec<(&'static str, sea_orm::Value)> {
        Vec::new()
    }
}

impl Target for TargetRow {
    fn id(&self) -> Uuid {
        self.id
    }
    fn target_milli(&self) -> i64 {
        self.target_milli
    }
    fn set_by(&self) -> StaffId {
        self.set_by
    }
    fn set_at_us(&self) -> i64 {
        self.set_at_us
    }
    fn key(&self) -> Vec<(&'static str, sea_orm::Value)> {
        vec![
            ("period", self.period.clone().into()),
            ("staff_id", self.staff_id.uuid().into()),
            ("kpi", self.kpi.as_str().into()),
        ]
    }
}

impl Target for GroupTargetRow {
    fn id(&self) -> Uuid {
        self.id
    }
    fn target_milli(&self) -> i64 {
        self.target_milli
    }
    fn set_by(&self) -> StaffId {
        self.set_by
    }
    fn set_at_us(&self) -> i64 {
        self.set_at_us
    }
    fn key(&self) -> Vec<(&'static str, sea_orm::Value)> {
        vec![
            ("period", self.period.clone().into()),
            ("branch_code", self.branch_code.clone().into()),
            ("team", self.team.clone().into()),
            ("kpi", self.kpi.as_str().into()),
        ]
    }
    fn also(&self) -> Vec<(&'static str, sea_orm::Value)> {
        vec![("whole", self.whole.into())]
    }
}

/// Sets a target: the one set before under the same key takes the new value (and who set it, when); else
/// the row is inserted. Returns the value before.
async fn put<T: Target, C: ConnectionTrait>(c: &C, r: &T) -> Result<Option<i64>> {
    let mut q = table::select::<T>();
    for (col, v) in r.key() {
        q.and_where(Expr::col(col).eq(v));
    }
    match table::one::<T, _>(c, &q).await? {
        Some(old) => {
            let mut u = Query::update();
            u.table(T::NAME)
                .value("target_milli", r.target_milli())
                .value("set_by", r.set_by().uuid())
                .value("set_at_us", r.set_at_us());
            for (col, v) in r.also() {
                u.value(col, v);
            }
            u.and_where(Expr::col("id").eq(old.id()));
            c.execute(&u).await?;
            Ok(Some(old.target_milli()))
        }
        None => {
            table::insert(c, std::slice::from_ref(r)).await?;
            Ok(None)
        }
    }
}

crate::table! {
    /// The bonus and promotion decision on a person's closed yearly scorecard; a revision is a new version.
    pub struct DecisionRow in "perf_decisions" {
        pub id: Uuid,
        pub staff_id: StaffId,
        /// The year (`2026`).
        pub period: String,
        pub version: i32,
        /// The closed scorecard's version the decision was made on.
        pub scorecard_version: i32,
        /// Percent of the role's standard bonus (0-200).
        pub bonus_pct: i32,
        pub promotion: PromotionAdvice,
        pub note: Option<String>,
        pub decided_by: StaffId,
        pub decided_at_us: i64,
    }
}

/// Every version of these people's decisions for a year, the latest last.
pub async fn decisions_of<C: ConnectionTrait>(
    c: &C,
    period: &str,
    staff: &[StaffId],
) -> Result<Vec<DecisionRow>> {
    let q = table::select::<DecisionRow>()
        .and_where(Expr::col("period").eq(period))
        .and_where(Expr::col("staff_id").is_in(ids(staff)))
        .order_by("version", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn insert_decision<C: ConnectionTrait>(c: &C, r: &DecisionRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

fn ids(staff: &[StaffId]) -> Vec<Uuid> {
    staff.iter().map(|s| s.uuid()).collect()
}

pub async fn targets_of<C: ConnectionTrait>(
    c: &C,
    period: &str,
    staff: &[StaffId],
) -> Result<Vec<TargetRow>> {
    let q = table::select::<TargetRow>()
        .and_where(Expr::col("period").eq(period))
        .and_where(Expr::col("staff_id").is_in(ids(staff)))
        .to_owned();
    table::all(c, &q).await
}

/// Sets a person's target (replacing the one set before); returns the previous value.
pub async fn put_target<C: ConnectionTrait>(c: &C, r: &TargetRow) -> Result<Option<i64>> {
    put(c, r).await
}

/// Every closed version of these people's scorecards of a quarter, the latest last.
pub async fn closed_of<C: ConnectionTrait>(
    c: &C,
    period: &str,
    staff: &[StaffId],
) -> Result<Vec<ScorecardRow>> {
    let q = table::select::<ScorecardRow>()
        .and_where(Expr::col("period").eq(period))
        .and_where(Expr::col("staff_id").is_in(ids(staff)))
        .order_by("version", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// A person's closed scorecards of the last quarters (latest version of each), newest first.
pub async fn history_of<C: ConnectionTrait>(c: &C, staff: StaffId) -> Result<Vec<ScorecardRow>> {
    let q = table::select::<ScorecardRow>()
        .and_where(Expr::col("staff_id").eq(staff.uuid()))
        .order_by("period", Order::Desc)
        .order_by("version", Order::Desc)
        .to_owned();
    let mut rows: Vec<ScorecardRow> = table::all(c, &q).await?;
    rows.dedup_by(|b, a| a.period == b.period);
    Ok(rows)
}

pub async fn insert_scorecard<C: ConnectionTrait>(c: &C, r: &ScorecardRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

fn get<T: sea_orm::TryGetable>(r: &QueryResult, i: usize) -> Result<T> {
    Ok(r.try_get_by_index::<T>(i)?)
}

/// A record one KPI counts for its owner: the owner, what names it (a lead's, customer's or case's number),
/// the instant or day it counts at, and how it counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted<K> {
    pub owner: StaffId,
    pub reference: String,
    pub at: String,
    pub how: K,
}

/// Rows of `(owner, reference, at, how)` as [`Counted`] records.
async fn counted<K: sea_orm::TryGetable, C: ConnectionTrait>(
    c: &C,
    q: &sea_orm::sea_query::SelectStatement,
) -> Result<Vec<Counted<K>>> {
    c.query_all(q)
        .await?
        .iter()
        .map(|r| {
            Ok(Counted {
                owner: StaffId::from_uuid(get(r, 0)?),
                reference: get(r, 1)?,
                at: get(r, 2)?,
                how: get(r, 3)?,
            })
        })
        .collect()
}

/// Leads these people own that ended in `[from_us, to_us)` — won, lost or rejected — with whether they were
/// won.
pub async fn ended_leads<C: ConnectionTrait>(
    c: &C,
    staff: &[StaffId],
    from_us: i64,
    to_us: i64,
) -> Result<Vec<Counted<bool>>> {
    let q = Query::select()
        .columns(["rm_id", "lead_no", "stage_at_us", "stage"])
        .from("leads")
        .and_where(Expr::col("stage").is_in(["won", "lost", "rejected"]))
        .and_where(Expr::col("rm_id").is_in(ids(staff)))
        .and_where(Expr::col("stage_at_us").gte(from_us))
        .and_where(Expr::col("stage_at_us").lt(to_us))
        .order_by("stage_at_us", Order::Asc)
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let at: i64 = get(r, 2)?;
            Ok(Counted {
                owner: StaffId::from_uuid(get(r, 0)?),
                reference: get(r, 1)?,
                at: at.to_string(),
                how: get::<String>(r, 3)? == "won",
            })
        })
        .collect()
}

/// How a contact task stands: done on time, done late, or not done (with its due day, to tell overdue from
/// pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactState {
    OnTime,
    Late,
    NotDone,
}

/// Contact tasks these people own due in `[from, to]` (days), not cancelled, with their customer's number.
pub async fn contact_tasks<C: ConnectionTrait>(
    c: &C,
    staff: &[StaffId],
    from: &str,
    to: &str,
) -> Result<Vec<Counted<ContactState>>> {
    let q = Query::select()
        .column(("tasks", "owner_id"))
        .column(("customers", "customer_no"))
        .column(("tasks", "due_on"))
        .column(("tasks", "status"))
        .column(("tasks", "on_time"))
        .from("tasks")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("tasks", "customer_id")),
        )
        .and_where(Expr::col(("tasks", "kind")).eq("contact"))
        .and_where(Expr::col(("tasks", "status")).ne("cancelled"))
        .and_where(Expr::col(("tasks", "owner_id")).is_in(ids(staff)))
        .and_where(Expr::col(("tasks", "due_on")).gte(from))
        .and_where(Expr::col(("tasks", "due_on")).lte(to))
        .order_by(("tasks", "due_on"), Order::Asc)
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let status: String = get(r, 3)?;
            let on_time: Option<bool> = get(r, 4)?;
            let how = match (status.as_str(), on_time) {
                ("done", Some(true)) => ContactState::OnTime,
                ("done", _) => ContactState::Late,
                _ => ContactState::NotDone,
            };
            Ok(Counted {
                owner: StaffId::from_uuid(get(r, 0)?),
                reference: get(r, 1)?,
                at: get(r, 2)?,
                how,
            })
        })
        .collect()
}

/// What a case contributes: within SLA (resolved: met or not; open: past it or not) and its survey rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseCount {
    pub open: bool,
    pub sla_met: Option<bool>,
    pub past_sla: bool,
    pub satisfaction: Option<i32>,
    /// A complaint (else an inquiry, a suggestion, praise).
    pub complaint: bool,
    /// The regulator's deadline, for a case that carries one, and whether it was met once resolved.
    pub reg_due_at_us: Option<i64>,
    pub reg_met: Option<bool>,
}

/// Cases these people own received in `[from_us, to_us)`.
pub async fn owned_cases<C: ConnectionTrait>(
    c: &C,
    staff: &[StaffId],
    from_us: i64,
    to_us: i64,
) -> Result<Vec<Counted<CaseCount>>> {
    let q = Query::select()
        .columns([
            "owner_id",
            "case_no",
            "received_at_us",
            "status",
            "sla_stage",
            "sla_met",
            "satisfaction",
            "kind",
            "reg_due_at_us",
            "reg_met",
        ])
        .from("cases")
        .and_where(Expr::col("owner_id").is_in(ids(staff)))
        .and_where(Expr::col("received_at_us").gte(from_us))
        .and_where(Expr::col("received_at_us").lt(to_us))
        .order_by("received_at_us", Order::Asc)
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let status: String = get(r, 3)?;
            let status = CaseStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("cases.status: {status}")))?;
            let at: i64 = get(r, 2)?;
            Ok(Counted {
                owner: StaffId::from_uuid(get(r, 0)?),
                reference: get(r, 1)?,
                at: at.to_string(),
                how: CaseCount {
                    open: status.is_open(),
                    sla_met: get(r, 5)?,
                    past_sla: get::<i32>(r, 4)? >= 2,
                    satisfaction: get(r, 6)?,
                    complaint: get::<String>(r, 7)? == "complaint",
                    reg_due_at_us: get(r, 8)?,
                    reg_met: get(r, 9)?,
                },
            })
        })
        .collect()
}

/// Alerts these people own due in `[from, to]` (days), with their customer's number and when they closed.
pub async fn owned_alerts<C: ConnectionTrait>(
    c: &C,
    staff: &[StaffId],
    from: &str,
    to: &str,
) -> Result<Vec<Counted<Option<i64>>>> {
    let q = Query::select()
        .column(("alerts", "owner_id"))
        .column(("customers", "customer_no"))
        .column(("alerts", "due_on"))
        .column(("alerts", "closed_at_us"))
        .from("alerts")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("alerts", "customer_id")),
        )
        .and_where(Expr::col(("alerts", "owner_id")).is_in(ids(staff)))
        .and_where(Expr::col(("alerts", "due_on")).gte(from))
        .and_where(Expr::col(("alerts", "due_on")).lte(to))
        .order_by(("alerts", "due_on"), Order::Asc)
        .to_owned();
    counted(c, &q).await
}

/// Care tasks given to these people due in `[from, to]` (days): the task's kind (the customer is not
/// named: who is in care stays within the care team, seed 003), its due day and when it was done.
pub async fn care_tasks<C: ConnectionTrait>(
    c: &C,
    staff: &[StaffId],
    from: &str,
    to: &str,
) -> Result<Vec<Counted<Option<i64>>>> {
    let q = Query::select()
        .columns(["staff_id", "kind", "due_on", "done_at_us"])
        .from("care_tasks")
        .and_where(Expr::col("staff_id").is_in(ids(staff)))
        .and_where(Expr::col("due_on").gte(from))
        .and_where(Expr::col("due_on").lte(to))
        .order_by("due_on", Order::Asc)
        .to_owned();
    counted(c, &q).await
}

/// The care surveys answered in `[from_us, to_us)` of the care records whose team these people are on: each
/// member's role on the team (the customer is not named: who is in care stays within the care team), when it
/// was answered and the rating.
pub async fn care_ratings<C: ConnectionTrait>(
    c: &C,
    staff: &[StaffId],
    from_us: i64,
    to_us: i64,
) -> Result<Vec<Counted<i32>>> {
    let q = Query::select()
        .column(("care_team", "staff_id"))
        .column(("care_team", "role"))
        .column(("care_surveys", "answered_at_us"))
        .column(("care_surveys", "satisfaction"))
        .from("care_surveys")
        .inner_join(
            "care_team",
            Expr::col(("care_team", "record_id")).equals(("care_surveys", "record_id")),
        )
        .and_where(Expr::col(("care_team", "staff_id")).is_in(ids(staff)))
        .and_where(Expr::col(("care_surveys", "satisfaction")).is_not_null())
        .and_where(Expr::col(("care_surveys", "answered_at_us")).gte(from_us))
        .and_where(Expr::col(("care_surveys", "answered_at_us")).lt(to_us))
        .order_by(("care_surveys", "answered_at_us"), Order::Asc)
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let at: i64 = get(r, 2)?;
            Ok(Counted {
                owner: StaffId::from_uuid(get(r, 0)?),
                reference: get(r, 1)?,
                at: at.to_string(),
                how: get(r, 3)?,
            })
        })
        .collect()
}

/// Care measures these people own completed in `[from_us, to_us)`: the measure's kind, when it was done
/// and how long it took from its request (microseconds).
pub async fn care_measures_done<C: ConnectionTrait>(
    c: &C,
    staff: &[StaffId],
    from_us: i64,
    to_us: i64,
) -> Result<Vec<Counted<i64>>> {
    let q = Query::select()
        .columns(["owner_id", "kind", "done_at_us", "requested_at_us"])
        .from("care_measures")
        .and_where(Expr::col("state").eq("done"))
        .and_where(Expr::col("owner_id").is_in(ids(staff)))
        .and_where(Expr::col("done_at_us").gte(from_us))
        .and_where(Expr::col("done_at_us").lt(to_us))
        .order_by("done_at_us", Order::Asc)
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let done: i64 = get(r, 2)?;
            let requested: i64 = get(r, 3)?;
            Ok(Counted {
                owner: StaffId::from_uuid(get(r, 0)?),
                reference: get(r, 1)?,
                at: done.to_string(),
                how: std::cmp::Ord::max(done.saturating_sub(requested), 0),
            })
        })
        .collect()
}

/// A rating a customer gave (1-5): at a contact (how it was made: `call`, `visit`, `meeting`, `message`) or
/// in the outbox's survey (`survey`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub score: i32,
    pub via: String,
}

/// The ratings customers gave in `[from_us, to_us)` at the contacts these people logged (by the customer's
/// number), and in the surveys of the new customers of the leads they own (by the lead's number).
pub async fn ratings<C: ConnectionTrait>(
    c: &C,
    staff: &[StaffId],
    from_us: i64,
    to_us: i64,
) -> Result<Vec<Counted<Rating>>> {
    let contacts = Query::select()
        .column(("interactions", "staff_id"))
        .column(("customers", "customer_no"))
        .column(("interactions", "occurred_at_us"))
        .column(("interactions", "satisfaction"))
        .column(("interactions", "method"))
        .from("interactions")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("interactions", "customer_id")),
        )
        .and_where(Expr::col(("interactions", "staff_id")).is_in(ids(staff)))
        .and_where(Expr::col(("interactions", "satisfaction")).is_not_null())
        .and_where(Expr::col(("interactions", "occurred_at_us")).gte(from_us))
        .and_where(Expr::col(("interactions", "occurred_at_us")).lt(to_us))
        .order_by(("interactions", "occurred_at_us"), Order::Asc)
        .to_owned();
    let surveys = Query::select()
        .column(("leads", "rm_id"))
        .column(("leads", "lead_no"))
        .column(("acq_surveys", "answered_at_us"))
        .column(("acq_surveys", "satisfaction"))
        .from("acq_surveys")
        .inner_join(
            "leads",
            Expr::col(("leads", "id")).equals(("acq_surveys", "lead_id")),
        )
        .and_where(Expr::col(("leads", "rm_id")).is_in(ids(staff)))
        .and_where(Expr::col(("acq_surveys", "satisfaction")).is_not_null())
        .and_where(Expr::col(("acq_surveys", "answered_at_us")).gte(from_us))
        .and_where(Expr::col(("acq_surveys", "answered_at_us")).lt(to_us))
        .order_by(("acq_surveys", "answered_at_us"), Order::Asc)
        .to_owned();
    let mut out = Vec::new();
    for (q, survey) in [(contacts, false), (surveys, true)] {
        for r in c.query_all(&q).await? {
            let at: i64 = get(&r, 2)?;
            out.push(Counted {
                owner: StaffId::from_uuid(get(&r, 0)?),
                reference: get(&r, 1)?,
                at: at.to_string(),
                how: Rating {
                    score: get(&r, 3)?,
                    via: if survey {
                        "survey".to_owned()
                    } else {
                        get(&r, 4)?
                    },
                },
            });
        }
    }
    Ok(out)
}

/// Fees debited in `[from_us, to_us)` from the accounts of the customers these managers manage, per customer
/// (CNY fen; one statement per thousand managers).
pub async fn fee_income_managed<C: ConnectionTrait>(
    c: &C,
    managers: &[StaffId],
    from_us: i64,
    to_us: i64,
) -> Result<Vec<(Uuid, i64)>> {
    let mut out = Vec::new();
    for chunk in managers.chunks(1000) {
        let q = Query::select()
            .column(("transactions", "customer_id"))
            .expr(Expr::cust(
                "CAST(SUM(\"transactions\".\"amount_cny\") AS BIGINT)",
            ))
            .from("transactions")
            .inner_join(
                "customers",
                Expr::col(("customers", "id")).equals(("transactions", "customer_id")),
            )
            .and_where(Expr::col(("customers", "rm_id")).is_in(ids(chunk)))
            .and_where(Expr::col(("transactions", "category")).eq("fee"))
            .and_where(Expr::col(("transactions", "direction")).eq("debit"))
            .and_where(Expr::col(("transactions", "at_us")).gte(from_us))
            .and_where(Expr::col(("transactions", "at_us")).lt(to_us))
            .group_by_col(("transactions", "customer_id"))
            .to_owned();
        for r in c.query_all(&q).await? {
            out.push((get(&r, 0)?, get(&r, 1)?));
        }
    }
    Ok(out)
}

/// Alerts raised in `[from_us, to_us)` on the customers these managers manage — early warnings and the
/// monitoring's hits: the customer and the instant, in order (one statement per thousand managers).
pub async fn alerts_raised_managed<C: ConnectionTrait>(
    c: &C,
    managers: &[StaffId],
    from_us: i64,
    to_us: i64,
) -> Result<Vec<(Uuid, i64)>> {
    let mut out = Vec::new();
    for chunk in managers.chunks(1000) {
        let q = Query::select()
            .column(("alerts", "customer_id"))
            .column(("alerts", "created_at_us"))
            .from("alerts")
            .inner_join(
                "customers",
                Expr::col(("customers", "id")).equals(("alerts", "customer_id")),
            )
            .and_where(Expr::col(("customers", "rm_id")).is_in(ids(chunk)))
            .and_where(Expr::col(("alerts", "created_at_us")).gte(from_us))
            .and_where(Expr::col(("alerts", "created_at_us")).lt(to_us))
            .to_owned();
        for r in c.query_all(&q).await? {
            out.push((get(&r, 0)?, get(&r, 1)?));
        }
    }
    out.sort_by_key(|(_, at)| *at);
    Ok(out)
}
