//! Customer acquisition: partner institutions, leads (contact data encrypted, with blind indexes for the
//! duplicate check), each lead's history, and the pipeline's counts.

pub mod campaigns;
pub mod effectiveness;
pub mod market;
pub mod meetings;
pub mod papers;
pub mod risk;
pub mod survey;
pub mod team;
pub mod visits;

use crate::customers::ScopeFilter;
use crate::error::Result;
use crate::table;
use banyan_domain::acquisition::screening::FactorScore;
use banyan_domain::acquisition::targets::{TargetLevel, TargetMetric, TargetPeriod};
use banyan_domain::acquisition::{
    LawfulBasis, LeadAction, LeadChannel, LeadKind, LeadStage, PartnerKind, ScreeningOutcome,
};
use banyan_domain::ident::Gender;
use banyan_domain::ids::{AcqCampaignId, CustomerId, LeadId, PartnerId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};

crate::enum_col!(
    LeadKind,
    LeadChannel,
    PartnerKind,
    LawfulBasis,
    LeadStage,
    ScreeningOutcome,
    LeadAction,
    Gender,
    TargetPeriod,
    TargetLevel,
    TargetMetric
);
crate::json_col!(Vec<FactorScore>);

crate::table! {
    /// A partner institution that brings leads (a government body, an enterprise or public institution, an
    /// association, a third party).
    pub struct PartnerRow in "acq_partners" {
        pub id: PartnerId,
        pub name: String,
        pub kind: PartnerKind,
        /// The branch that works with it; none: the whole bank.
        pub branch_code: Option<String>,
        pub note: Option<String>,
        pub active: bool,
        pub created_by: StaffId,
        pub created_at_us: i64,
    }
}

crate::table! {
    /// A prospective customer. Contact data is encrypted (`*_enc`) with a mask for lists and a blind index
    /// for the duplicate check; `branch_code` and `rm_id` (the owner) decide who sees it, as for customers.
    pub struct LeadRow in "leads" {
        pub id: LeadId,
        pub lead_no: String,
        pub kind: LeadKind,
        pub name: String,
        pub gender: Option<Gender>,
        pub birth_year: Option<i32>,
        pub mobile_enc: Option<Vec<u8>>,
        pub mobile_bidx: Option<Vec<u8>>,
        pub mobile_mask: Option<String>,
        pub email_enc: Option<Vec<u8>>,
        pub email_mask: Option<String>,
        pub address_enc: Option<Vec<u8>>,
        pub address_mask: Option<String>,
        /// A resident ID or a unified social credit code.
        pub id_enc: Option<Vec<u8>>,
        pub id_bidx: Option<Vec<u8>>,
        pub id_mask: Option<String>,
        /// GB/T 4754 section letter.
        pub industry: Option<String>,
        pub business_scope: Option<String>,
        pub employees: Option<i32>,
        /// Minor units of CNY: yearly income (a person) or revenue (a company).
        pub income: Option<i64>,
        pub assets: Option<i64>,
        pub liabilities: Option<i64>,
        /// Catalogue codes of the products wanted.
        pub products_wanted: Vec<String>,
        /// Expected yearly return, basis points.
        pub expected_return_bp: Option<i32>,
        pub channel: LeadChannel,
        pub partner_id: Option<PartnerId>,
        pub basis: Option<LawfulBasis>,
        /// `YYYY-MM-DD`.
        pub consent_on: Option<String>,
        pub consent_ref: Option<String>,
        pub credit_grade: Option<String>,
        pub credit_source: Option<String>,
        pub credit_on: Option<String>,
        pub branch_code: String,
        pub rm_id: Option<StaffId>,
        pub stage: LeadStage,
        pub stage_at_us: i64,
        /// The furthest pipeline stage the lead has reached (the funnel counts it there after it is lost).
        pub reached: LeadStage,
        pub score: Option<i32>,
        pub outcome: Option<ScreeningOutcome>,
        /// The last screening's factors (empty before the first).
        pub factors: Vec<FactorScore>,
        /// Why it was rejected or lost (a code of the policy's lists).
        pub reason: Option<String>,
        pub customer_id: Option<CustomerId>,
        pub note: Option<String>,
        pub created_by: StaffId,
        pub created_at_us: i64,
        pub updated_at_us: i64,
        pub version: i32,
        /// The acquisition campaign it was captured in, if any.
        pub campaign_id: Option<AcqCampaignId>,
    }
}

crate::table! {
    /// One entry of a lead's history.
    pub struct LeadEventRow in "lead_events" {
        pub id: uuid::Uuid,
        pub lead_id: LeadId,
        pub at_us: i64,
        pub by_id: StaffId,
        pub action: LeadAction,
        pub from_stage: Option<LeadStage>,
        pub to_stage: Option<LeadStage>,
        pub reason: Option<String>,
        pub note: Option<String>,
    }
}

pub async fn insert_partner<C: ConnectionTrait>(c: &C, r: &PartnerRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Every partner, by name.
pub async fn list_partners<C: ConnectionTrait>(c: &C) -> Result<Vec<PartnerRow>> {
    let q = table::select::<PartnerRow>()
        .order_by("name", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn find_partner<C: ConnectionTrait>(c: &C, id: PartnerId) -> Result<Option<PartnerRow>> {
    let q = table::select::<PartnerRow>()
        .and_where(Expr::col("id").eq(id.uuid()))
        .to_owned();
    table::one(c, &q).await
}

pub async fn insert_lead<C: ConnectionTrait>(c: &C, r: &LeadRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

pub async fn find_lead<C: ConnectionTrait>(c: &C, id: LeadId) -> Result<Option<LeadRow>> {
    let q = table::select::<LeadRow>()
        .and_where(Expr::col("id").eq(id.uuid()))
        .to_owned();
    table::one(c, &q).await
}

pub async fn find_lead_by_no<C: ConnectionTrait>(c: &C, no: &str) -> Result<Option<LeadRow>> {
    let q = table::select::<LeadRow>()
        .and_where(Expr::col("lead_no").eq(no))
        .to_owned();
    table::one(c, &q).await
}

/// Writes a changed lead if it is still at `expected` (its version is bumped by the caller); false when
/// someone else changed it first.
pub async fn update_lead<C: ConnectionTrait>(c: &C, r: &LeadRow, expected: i32) -> Result<bool> {
    table::update_versioned(
        c,
        r,
        r.id.uuid(),
        &["lead_no", "created_by", "created_at_us"],
        "version",
        expected,
    )
    .await
}

pub async fn insert_events<C: ConnectionTrait>(c: &C, rows: &[LeadEventRow]) -> Result<()> {
    table::insert(c, rows).await
}

/// A lead's history, oldest first.
pub async fn events_of<C: ConnectionTrait>(c: &C, lead: LeadId) -> Result<Vec<LeadEventRow>> {
    let q = table::select::<LeadEventRow>()
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .order_by("at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Open leads (other than `except`) holding this mobile or identifier blind index: the duplicate check.
pub async fn open_leads_holding<C: ConnectionTrait>(
    c: &C,
    mobile_bidx: Option<&[u8]>,
    id_bidx: Option<&[u8]>,
    except: Option<LeadId>,
) -> Result<Vec<LeadRow>> {
    let mut any = Cond::any();
    if let Some(m) = mobile_bidx {
        any = any.add(Expr::col("mobile_bidx").eq(m.to_vec()));
    }
    if let Some(i) = id_bidx {
        any = any.add(Expr::col("id_bidx").eq(i.to_vec()));
    }
    if any.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = table::select::<LeadRow>()
        .cond_where(any)
        .and_where(Expr::col("stage").is_not_in([
            LeadStage::Won.as_str(),
            LeadStage::Rejected.as_str(),
            LeadStage::Lost.as_str(),
        ]))
        .limit(5)
        .to_owned();
    if let Some(e) = except {
        q.and_where(Expr::col("id").ne(e.uuid()));
    }
    table::all(c, &q).await
}

/// What a lead list asks for.
#[derive(Debug, Clone)]
pub struct LeadFilter {
    pub scope: ScopeFilter,
    pub stage: Option<LeadStage>,
    /// Only open leads (not won, rejected or lost).
    pub open: bool,
    pub kind: Option<LeadKind>,
    pub channel: Option<LeadChannel>,
    pub partner: Option<PartnerId>,
    /// Captured in this acquisition campaign.
    pub campaign: Option<AcqCampaignId>,
    pub owner: Option<StaffId>,
    /// Owned by one of these (a team's members; an empty list holds no lead).
    pub owners: Option<Vec<StaffId>>,
    pub branch_code: Option<String>,
    /// A prefix of the name or the lead number.
    pub term: Option<String>,
    /// Entered their current stage at or after this instant (a report's drill-down).
    pub entered_from_us: Option<i64>,
    /// Entered their current stage before this instant.
    pub entered_to_us: Option<i64>,
    /// Newest first, after this id (the keyset cursor).
    pub before: Option<LeadId>,
    pub limit: u64,
}

impl LeadFilter {
    pub fn scoped(scope: ScopeFilter, limit: u64) -> Self {
        LeadFilter {
            scope,
            stage: None,
            open: false,
            kind: None,
            channel: None,
            partner: None,
            campaign: None,
            owner: None,
            owners: None,
            branch_code: None,
            term: None,
            entered_from_us: None,
            entered_to_us: None,
            before: None,
            limit,
        }
    }

    fn apply(&self, q: &mut SelectStatement) {
        let col = |n: &'static str| Expr::col(("leads", n));
        q.cond_where(self.scope.cond_on("leads"));
        if let Some(s) = self.stage {
            q.and_where(col("stage").eq(s.as_str()));
        }
        if self.open {
            q.and_where(col("stage").is_not_in([
                LeadStage::Won.as_str(),
                LeadStage::Rejected.as_str(),
                LeadStage::Lost.as_str(),
            ]));
        }
        if let Some(k) = self.kind {
            q.and_where(col("kind").eq(k.as_str()));
        }
        if let Some(ch) = self.channel {
            q.and_where(col("channel").eq(ch.as_str()));
        }
        if let Some(p) = self.partner {
            q.and_where(col("partner_id").eq(p.uuid()));
        }
        if let Some(c) = self.campaign {
            q.and_where(col("campaign_id").eq(c.uuid()));
        }
        if let Some(o) = self.owner {
            q.and_where(col("rm_id").eq(o.uuid()));
        }
        if let Some(ids) = &self.owners {
            q.and_where(col("rm_id").is_in(ids.iter().map(|s| s.uuid())));
        }
        if let Some(b) = &self.branch_code {
            q.and_where(col("branch_code").eq(b.clone()));
        }
        if let Some(f) = self.entered_from_us {
            q.and_where(col("stage_at_us").gte(f));
        }
        if let Some(t) = self.entered_to_us {
            q.and_where(col("stage_at_us").lt(t));
        }
        if let Some(t) = &self.term {
            let like = format!("{}%", escape_like(t));
            q.cond_where(
                Cond::any()
                    .add(col("name").like(sea_orm::sea_query::LikeExpr::new(&like).escape('\\')))
                    .add(col("lead_no").eq(t.clone())),
            );
        }
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Leads the filter holds, newest first (keyset by id: ids are time-ordered).
pub async fn list_leads<C: ConnectionTrait>(c: &C, f: &LeadFilter) -> Result<Vec<LeadRow>> {
    let mut q = table::select::<LeadRow>();
    f.apply(&mut q);
    if let Some(b) = f.before {
        q.and_where(Expr::col(("leads", "id")).lt(b.uuid()));
    }
    q.order_by(("leads", "id"), Order::Desc);
    table::all_limited(c, &q, f.limit).await
}

/// How many leads the filter holds, counted up to `cap` (past it `cap + 1`).
pub async fn count_leads<C: ConnectionTrait>(c: &C, f: &LeadFilter, cap: u64) -> Result<u64> {
    let mut inner = Query::select().expr(Expr::val(1)).from("leads").to_owned();
    f.apply(&mut inner);
    table::count_limited(c, &inner, cap).await
}

/// One column of the pipeline's board: how many leads stand at a stage and since when the oldest waits.
#[derive(Debug, Clone, PartialEq)]
pub struct StageCount {
    pub stage: LeadStage,
    pub count: i64,
    /// When the longest-waiting lead entered the stage.
    pub oldest_us: i64,
    /// The average time the leads entered the stage (for the average age).
    pub avg_us: i64,
}

/// Leads per stage within the filter (stage and paging ignored).
pub async fn stage_counts<C: ConnectionTrait>(c: &C, f: &LeadFilter) -> Result<Vec<StageCount>> {
    let col = |n: &'static str| Expr::col(("leads", n));
    let mut q = Query::select()
        .expr(col("stage"))
        .expr(Func::count(col("id")))
        .expr(Func::min(col("stage_at_us")))
        // AVG is NUMERIC on PostgreSQL and REAL on SQLite: cast, so both read as a BIGINT.
        .expr(Expr::cust("CAST(AVG(leads.stage_at_us) AS BIGINT)"))
        .from("leads")
        .to_owned();
    let mut g = f.clone();
    g.stage = None;
    g.apply(&mut q);
    q.group_by_col(("leads", "stage"));
    let rows = c.query_all(&q).await?;
    let mut out = Vec::new();
    for r in &rows {
        let s: String = r.try_get_by_index(0)?;
        let stage = LeadStage::parse(&s).ok_or_else(|| {
            crate::error::StoreError::Corrupt(format!("leads.stage `{s}` is not a known stage"))
        })?;
        out.push(StageCount {
            stage,
            count: r.try_get_by_index(1)?,
            oldest_us: r.try_get_by_index(2)?,
            avg_us: r.try_get_by_index(3)?,
        });
    }
    Ok(out)
}

/// The longest-waiting open leads of one stage within the filter (the board's cards).
pub async fn oldest_at_stage<C: ConnectionTrait>(
    c: &C,
    f: &LeadFilter,
    stage: LeadStage,
    limit: u64,
) -> Result<Vec<LeadRow>> {
    let mut q = table::select::<LeadRow>();
    let mut g = f.clone();
    g.stage = Some(stage);
    g.apply(&mut q);
    q.order_by(("leads", "stage_at_us"), Order::Asc)
        .order_by(("leads", "id"), Order::Asc);
    table::all_limited(c, &q, limit).await
}

/// Leads per partner and stage within a scope (how many each partner brought, won and had rejected).
pub async fn partner_counts<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
) -> Result<Vec<(PartnerId, LeadStage, i64)>> {
    let q = Query::select()
        .column("partner_id")
        .column("stage")
        .expr(Func::count(Expr::col("id")))
        .from("leads")
        .cond_where(scope.cond_on("leads"))
        .and_where(Expr::col("partner_id").is_not_null())
        .group_by_col("partner_id")
        .group_by_col("stage")
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| {
            let p: uuid::Uuid = r.try_get_by_index(0)?;
            let s: String = r.try_get_by_index(1)?;
            let stage = LeadStage::parse(&s).ok_or_else(|| {
                crate::error::StoreError::Corrupt(format!("leads.stage `{s}` is not a known stage"))
            })?;
            Ok((PartnerId::from_uuid(p), stage, r.try_get_by_index(2)?))
        })
        .collect()
}

/// What the funnel is broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunnelBy {
    Channel,
    Partner,
    Owner,
    Branch,
    Campaign,
}

/// Leads captured in a period, counted per value of the breakdown, furthest stage reached and current stage.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelRow {
    /// The channel or branch code, or the partner's or owner's id; `None`: without one.
    pub key: Option<String>,
    pub reached: LeadStage,
    pub stage: LeadStage,
    pub count: i64,
}

/// The funnel's counts of the leads captured in `[from_us, to_us)` within the scope.
pub async fn funnel<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    by: FunnelBy,
    from_us: i64,
    to_us: i64,
) -> Result<Vec<FunnelRow>> {
    let key = match by {
        FunnelBy::Channel => "channel",
        FunnelBy::Partner => "partner_id",
        FunnelBy::Owner => "rm_id",
        FunnelBy::Branch => "branch_code",
        FunnelBy::Campaign => "campaign_id",
    };
    let col = |n: &'static str| Expr::col(("leads", n));
    let q = Query::select()
        .expr(col(key))
        .expr(col("reached"))
        .expr(col("stage"))
        .expr(Func::count(col("id")))
        .from("leads")
        .cond_where(scope.cond_on("leads"))
        .and_where(col("created_at_us").gte(from_us))
        .and_where(col("created_at_us").lt(to_us))
        .group_by_col(("leads", key))
        .group_by_col(("leads", "reached"))
        .group_by_col(("leads", "stage"))
        .to_owned();
    let stage = |r: &sea_orm::QueryResult, i: usize| -> Result<LeadStage> {
        let s: String = r.try_get_by_index(i)?;
        LeadStage::parse(&s).ok_or_else(|| {
            crate::error::StoreError::Corrupt(format!("leads: `{s}` is not a known stage"))
        })
    };
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let key = match by {
                FunnelBy::Partner | FunnelBy::Owner | FunnelBy::Campaign => r
                    .try_get_by_index::<Option<uuid::Uuid>>(0)?
                    .map(|u| u.to_string()),
                FunnelBy::Channel | FunnelBy::Branch => r.try_get_by_index::<Option<String>>(0)?,
            };
            Ok(FunnelRow {
                key,
                reached: stage(r, 1)?,
                stage: stage(r, 2)?,
                count: r.try_get_by_index(3)?,
            })
        })
        .collect()
}

crate::table! {
    /// A target for a period, an owner (the bank, a branch, a team or a person) and a metric.
    pub struct TargetRow in "acq_targets" {
        pub id: uuid::Uuid,
        pub period: TargetPeriod,
        /// `YYYY-MM-DD`, the period's first day; `ends_on` the day after its last.
        pub starts_on: String,
        pub ends_on: String,
        pub level: TargetLevel,
        pub branch_code: Option<String>,
        pub team: Option<String>,
        pub staff_id: Option<StaffId>,
        pub owner_key: String,
        pub metric: TargetMetric,
        pub value: i64,
        pub set_by: StaffId,
        pub set_at_us: i64,
    }
}

/// The targets of one period, by owner and metric.
pub async fn targets_of<C: ConnectionTrait>(
    c: &C,
    period: TargetPeriod,
    starts_on: &str,
) -> Result<Vec<TargetRow>> {
    let q = table::select::<TargetRow>()
        .and_where(Expr::col("period").eq(period.as_str()))
        .and_where(Expr::col("starts_on").eq(starts_on))
        .order_by("owner_key", Order::Asc)
        .order_by("metric", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// The targets set for these people (person level) whose period lies within `[from, to)` (days), for their
/// scorecards.
pub async fn person_targets_within<C: ConnectionTrait>(
    c: &C,
    staff: &[StaffId],
    from: &str,
    to: &str,
) -> Result<Vec<TargetRow>> {
    let q = table::select::<TargetRow>()
        .and_where(Expr::col("level").eq(TargetLevel::Person.as_str()))
        .and_where(Expr::col("staff_id").is_in(staff.iter().map(|s| s.uuid())))
        .and_where(Expr::col("starts_on").gte(from))
        .and_where(Expr::col("ends_on").lte(to))
        .order_by("starts_on", Order::Asc)
        .order_by("metric", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Sets a target: replaces the value of the one with the same period, owner and metric, or adds it. The
/// previous value, if any.
pub async fn put_target<C: ConnectionTrait>(c: &C, r: &TargetRow) -> Result<Option<i64>> {
    let q = table::select::<TargetRow>()
        .and_where(Expr::col("period").eq(r.period.as_str()))
        .and_where(Expr::col("starts_on").eq(r.starts_on.clone()))
        .and_where(Expr::col("owner_key").eq(r.owner_key.clone()))
        .and_where(Expr::col("metric").eq(r.metric.as_str()))
        .to_owned();
    match table::one::<TargetRow, _>(c, &q).await? {
        Some(old) => {
            let u = Query::update()
                .table("acq_targets")
                .value("value", r.value)
                .value("set_by", r.set_by.uuid())
                .value("set_at_us", r.set_at_us)
                .and_where(Expr::col("id").eq(old.id))
                .to_owned();
            c.execute(&u).await?;
            Ok(Some(old.value))
        }
        None => {
            table::insert(c, std::slice::from_ref(r)).await?;
            Ok(None)
        }
    }
}

/// Whose leads a target counts.
#[derive(Debug, Clone)]
pub enum Owner {
    Bank,
    Branch(String),
    /// The owners (staff ids) of a team.
    Staff(Vec<uuid::Uuid>),
}

/// Limits `q` (over `leads`) to an owner's leads.
fn owned(q: &mut SelectStatement, owner: &Owner) {
    let col = |n: &'static str| Expr::col(("leads", n));
    match owner {
        Owner::Bank => {}
        Owner::Branch(b) => {
            q.and_where(col("branch_code").eq(b.clone()));
        }
        Owner::Staff(ids) => {
            q.and_where(col("rm_id").is_in(ids.clone()));
        }
    }
}

/// The customers of an owner's leads won in `[from_us, to_us)`.
pub async fn won_customers<C: ConnectionTrait>(
    c: &C,
    owner: &Owner,
    from_us: i64,
    to_us: i64,
) -> Result<Vec<uuid::Uuid>> {
    let col = |n: &'static str| Expr::col(("leads", n));
    let mut q = Query::select()
        .expr(col("customer_id"))
        .from("leads")
        .and_where(col("stage").eq(LeadStage::Won.as_str()))
        .and_where(col("stage_at_us").gte(from_us))
        .and_where(col("stage_at_us").lt(to_us))
        .and_where(col("customer_id").is_not_null())
        .to_owned();
    owned(&mut q, owner);
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| Ok(r.try_get_by_index::<uuid::Uuid>(0)?))
        .collect()
}

/// The actual of a target's counted metric over `[from_us, to_us)` (a money or quality metric counts
/// nothing here: its actual is read from the book's figures or the ratings of [`won_customers`]).
pub async fn actual<C: ConnectionTrait>(
    c: &C,
    metric: TargetMetric,
    owner: &Owner,
    from_us: i64,
    to_us: i64,
) -> Result<i64> {
    let col = |n: &'static str| Expr::col(("leads", n));
    let mut q = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from("leads")
        .to_owned();
    owned(&mut q, owner);
    let won = |q: &mut SelectStatement, kind: LeadKind| {
        q.and_where(col("stage").eq(LeadStage::Won.as_str()))
            .and_where(col("kind").eq(kind.as_str()))
            .and_where(col("stage_at_us").gte(from_us))
            .and_where(col("stage_at_us").lt(to_us));
    };
    match metric {
        TargetMetric::LeadsCaptured | TargetMetric::LeadsQualified => {
            q.and_where(col("created_at_us").gte(from_us))
                .and_where(col("created_at_us").lt(to_us));
            if metric == TargetMetric::LeadsQualified {
                q.and_where(
                    col("reached").is_in(
                        LeadStage::BOARD[2..]
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>(),
                    ),
                );
            }
        }
        TargetMetric::NewIndividual => won(&mut q, LeadKind::Individual),
        TargetMetric::NewCorporate => won(&mut q, LeadKind::Corporate),
        TargetMetric::NewAssets
        | TargetMetric::NewDeposits
        | TargetMetric::NewLoans
        | TargetMetric::NewFeeIncome
        | TargetMetric::NewLowRisk
        | TargetMetric::ActiveAfter90d
        | TargetMetric::ShareNewIndividual
        | TargetMetric::ShareNewCorporate
        | TargetMetric::ShareNewDeposits
        | TargetMetric::ShareNewLoans => return Ok(0),
    }
    let n = table::count(c, &q).await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}
