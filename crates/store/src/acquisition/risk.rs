//! Acquisition risk: the responses recorded to a deal's risks, the watch's warnings about partners, and the
//! counts the rules and the watch read (a partner's decided and rejected leads, the customers won lately,
//! their complaints).

use crate::error::{Result, StoreError};
use crate::table::{self, Table};
use banyan_domain::acquisition::LeadStage;
use banyan_domain::acquisition::risk::{DealRiskLevel, PartnerRecord, RiskKind, RiskResponse};
use banyan_domain::book::monitoring::{AlertStatus, Disposition};
use banyan_domain::ids::{CustomerId, LeadId, PartnerId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict, Order, Query};
use std::collections::HashMap;
use uuid::Uuid;

crate::enum_col!(RiskKind, DealRiskLevel, RiskResponse);

crate::table! {
    /// A response to one of a deal's risks, with the level the risk had when it was given.
    pub struct RiskResponseRow in "acq_risk_responses" {
        pub id: Uuid,
        pub lead_id: LeadId,
        pub kind: RiskKind,
        pub level: DealRiskLevel,
        pub response: RiskResponse,
        pub note: String,
        pub by_id: StaffId,
        pub at_us: i64,
    }
}

crate::table! {
    /// A warning of the watch about a partner (its leads rejected above the policy's rate).
    pub struct PartnerAlertRow in "acq_partner_alerts" {
        pub id: Uuid,
        pub partner_id: PartnerId,
        pub indicator: String,
        pub status: AlertStatus,
        /// The figures against the thresholds (JSON array of checks).
        pub checks: String,
        pub due_on: String,
        pub created_at_us: i64,
        pub closed_at_us: Option<i64>,
        pub closed_by: Option<StaffId>,
        pub disposition: Option<Disposition>,
        pub resolution: Option<String>,
    }
}

pub async fn insert_response<C: ConnectionTrait>(c: &C, r: &RiskResponseRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// A lead's responses, the latest first.
pub async fn responses_of<C: ConnectionTrait>(c: &C, lead: LeadId) -> Result<Vec<RiskResponseRow>> {
    let q = table::select::<RiskResponseRow>()
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .order_by("at_us", Order::Desc)
        .order_by("id", Order::Desc)
        .to_owned();
    table::all(c, &q).await
}

/// Each partner's leads brought since `from_us` that were decided: rejected, or accepted (reached
/// `qualified` or further). `partner` narrows it to one.
pub async fn partner_records<C: ConnectionTrait>(
    c: &C,
    from_us: i64,
    partner: Option<PartnerId>,
) -> Result<HashMap<PartnerId, PartnerRecord>> {
    let mut q = Query::select();
    q.column("partner_id")
        .column("stage")
        .column("reached")
        .expr(Func::count(Expr::col("id")))
        .from("leads")
        .and_where(Expr::col("partner_id").is_not_null())
        .and_where(Expr::col("created_at_us").gte(from_us))
        .group_by_col("partner_id")
        .group_by_col("stage")
        .group_by_col("reached");
    if let Some(p) = partner {
        q.and_where(Expr::col("partner_id").eq(p.uuid()));
    }
    let stage = |s: String| {
        LeadStage::parse(&s)
            .ok_or_else(|| StoreError::Corrupt(format!("leads.stage `{s}` is not a known stage")))
    };
    let accepted = LeadStage::Qualified.rank();
    let mut out: HashMap<PartnerId, PartnerRecord> = HashMap::new();
    for r in c.query_all(&q).await? {
        let p: Uuid = r.try_get_by_index(0)?;
        let now = stage(r.try_get_by_index(1)?)?;
        let reached = stage(r.try_get_by_index(2)?)?;
        let n: i64 = r.try_get_by_index(3)?;
        let e = out.entry(PartnerId::from_uuid(p)).or_insert(PartnerRecord {
            decided: 0,
            rejected: 0,
        });
        if now == LeadStage::Rejected {
            e.rejected += n;
            e.decided += n;
        } else if reached.rank() >= accepted {
            e.decided += n;
        }
    }
    Ok(out)
}

/// A customer won from a lead since `from_us`: the customer, when, the lead's number and the owner.
#[derive(Debug, Clone, PartialEq)]
pub struct WonCustomer {
    pub customer_id: CustomerId,
    pub won_at_us: i64,
    pub lead_no: String,
}

/// The customers won from leads since `from_us` (the lead entered `won` then), oldest first.
pub async fn won_since<C: ConnectionTrait>(c: &C, from_us: i64) -> Result<Vec<WonCustomer>> {
    let q = Query::select()
        .columns(["customer_id", "stage_at_us", "lead_no"])
        .from("leads")
        .and_where(Expr::col("stage").eq(LeadStage::Won.as_str()))
        .and_where(Expr::col("stage_at_us").gte(from_us))
        .and_where(Expr::col("customer_id").is_not_null())
        .order_by("stage_at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok(WonCustomer {
                customer_id: CustomerId::from_uuid(r.try_get_by_index(0)?),
                won_at_us: r.try_get_by_index(1)?,
                lead_no: r.try_get_by_index(2)?,
            })
        })
        .collect()
}

/// When each of these customers' complaints was received, from `from_us` on.
pub async fn complaints_since<C: ConnectionTrait>(
    c: &C,
    ids: &[Uuid],
    from_us: i64,
) -> Result<Vec<(Uuid, i64)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .columns(["customer_id", "received_at_us"])
            .from("cases")
            .and_where(Expr::col("kind").eq("complaint"))
            .and_where(Expr::col("customer_id").is_in(chunk.iter().copied()))
            .and_where(Expr::col("received_at_us").gte(from_us))
            .to_owned();
        for r in c.query_all(&q).await? {
            out.push((r.try_get_by_index(0)?, r.try_get_by_index(1)?));
        }
    }
    Ok(out)
}

/// Opens the warning unless the partner has one open for the indicator; whether it opened.
pub async fn open_partner_alert<C: ConnectionTrait>(c: &C, r: &PartnerAlertRow) -> Result<bool> {
    let q = Query::insert()
        .into_table("acq_partner_alerts")
        .columns(PartnerAlertRow::COLUMNS.iter().copied())
        .values_panic(r.values())
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// The partner warnings, open before closed, the earliest due first.
pub async fn partner_alerts<C: ConnectionTrait>(
    c: &C,
    status: Option<AlertStatus>,
    offset: u64,
    limit: u64,
) -> Result<(u64, Vec<PartnerAlertRow>)> {
    let mut count = Query::select();
    count
        .expr(Expr::col("id").count())
        .from("acq_partner_alerts");
    let mut q = table::select::<PartnerAlertRow>();
    if let Some(s) = status {
        count.and_where(Expr::col("status").eq(s.as_str()));
        q.and_where(Expr::col("status").eq(s.as_str()));
    }
    let total = table::count(c, &count).await?;
    q.order_by("status", Order::Desc)
        .order_by("due_on", Order::Asc)
        .order_by("id", Order::Asc)
        .offset(offset)
        .limit(limit);
    Ok((total, table::all(c, &q).await?))
}

pub async fn find_partner_alert<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
) -> Result<Option<PartnerAlertRow>> {
    let q = table::select::<PartnerAlertRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(table::all(c, &q).await?.into_iter().next())
}

/// Closes an open warning with what was done; false if it was not open.
pub async fn close_partner_alert<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    by: StaffId,
    disposition: Disposition,
    resolution: &str,
    at_us: i64,
) -> Result<bool> {
    crate::segments::close_open(
        c,
        "acq_partner_alerts",
        id,
        by.uuid(),
        disposition,
        resolution,
        at_us,
    )
    .await
}
