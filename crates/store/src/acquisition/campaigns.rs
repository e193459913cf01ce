//! Acquisition campaigns with their strategy, channels, partners, period and own targets.

use crate::error::Result;
use crate::table;
use banyan_domain::acquisition::campaigns::Strategy;
use banyan_domain::acquisition::{LeadChannel, LeadKind};
use banyan_domain::ids::{AcqCampaignId, PartnerId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order};

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
