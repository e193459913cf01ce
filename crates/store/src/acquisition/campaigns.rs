//! Acquisition campaigns with their strategy, channels, partners, period and own targets.

use crate::customers::ScopeFilter;
use crate::error::Result;
use crate::table;
use banyan_domain::acquisition::LeadStage;
use banyan_domain::acquisition::campaigns::Strategy;
use banyan_domain::acquisition::{LeadChannel, LeadKind};
use banyan_domain::ids::{AcqCampaignId, PartnerId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};

crate::enum_col!(Strategy);
crate::json_col!(Vec<LeadChannel>, Vec<PartnerId>);

crate::table! {
    /// A campaign: its strategy and target segment, the channels and partners it works through, its period
    /// (`YYYY-MM-DD`, both days included) and its own targets.
    pub struct CampaignRow in "acq_campaigns" {
        pub id: AcqCampaignId,
        pub name: String,
        pub strategy: Strategy,
        /// The kind of customer it targets (none: both).
        pub kind: Option<LeadKind>,
        pub segment: Option<String>,
        pub channels: Vec<LeadChannel>,
        pub partners: Vec<PartnerId>,
        /// The branch that runs it; none: the whole bank.
        pub branch_code: Option<String>,
        pub starts_on: String,
        pub ends_on: String,
        pub leads_target: i64,
        pub won_target: i64,
        pub created_by: StaffId,
        pub created_at_us: i64,
    }
}

pub async fn insert<C: ConnectionTrait>(c: &C, r: &CampaignRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Every campaign, the latest first.
pub async fn all<C: ConnectionTrait>(c: &C) -> Result<Vec<CampaignRow>> {
    let q = table::select::<CampaignRow>()
        .order_by("starts_on", Order::Desc)
        .order_by("name", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn find<C: ConnectionTrait>(c: &C, id: AcqCampaignId) -> Result<Option<CampaignRow>> {
    let q = table::select::<CampaignRow>()
        .and_where(Expr::col("id").eq(id.uuid()))
        .to_owned();
    table::one(c, &q).await
}

/// The leads within `scope` that name the campaign: (captured, qualified or further, won).
pub async fn counts<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    id: AcqCampaignId,
) -> Result<(i64, i64, i64)> {
    let col = |n: &'static str| Expr::col(("leads", n));
    let base = || {
        Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from("leads")
            .cond_where(scope.cond_on("leads"))
            .and_where(col("campaign_id").eq(id.uuid()))
            .to_owned()
    };
    let qualified: Vec<&str> = LeadStage::BOARD[2..].iter().map(|s| s.as_str()).collect();
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    Ok((
        n(table::count(c, &base()).await?),
        n(table::count(
            c,
            &base().and_where(col("reached").is_in(qualified)).to_owned(),
        )
        .await?),
        n(table::count(
            c,
            &base()
                .and_where(col("stage").eq(LeadStage::Won.as_str()))
                .to_owned(),
        )
        .await?),
    ))
}
