//! The deal's team: who holds each part beside the lead's owner (one per part and lead).

use crate::error::Result;
use crate::table;
use banyan_domain::acquisition::team::DealRole;
use banyan_domain::ids::{LeadId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};

crate::enum_col!(DealRole);

crate::table! {
    /// A part on a deal's team and who holds it.
    pub struct LeadTeamRow in "lead_team" {
        pub lead_id: LeadId,
        pub role: DealRole,
        pub staff_id: StaffId,
        pub assigned_by: StaffId,
        pub assigned_at_us: i64,
    }
}

/// A lead's team, by part.
pub async fn team_of<C: ConnectionTrait>(c: &C, lead: LeadId) -> Result<Vec<LeadTeamRow>> {
    let q = table::select::<LeadTeamRow>()
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .order_by("role", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Takes the part off the lead's team (whoever held it); whether someone did.
pub async fn clear<C: ConnectionTrait>(c: &C, lead: LeadId, role: DealRole) -> Result<bool> {
    let q = Query::delete()
        .from_table("lead_team")
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .and_where(Expr::col("role").eq(role.as_str()))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() > 0)
}

pub async fn insert<C: ConnectionTrait>(c: &C, r: &LeadTeamRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}
