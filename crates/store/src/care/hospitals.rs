//! The partner hospitals a green-channel referral goes to (seed 003 §四: 医院绿色通道).

use crate::error::Result;
use crate::table;
use banyan_domain::ids::StaffId;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

crate::table! {
    /// A partner hospital and how its green channel is reached.
    pub struct HospitalRow in "care_hospitals" {
        pub id: Uuid,
        pub name: String,
        pub city: String,
        /// The desk or contact that takes the bank's referrals.
        pub green_channel: String,
        pub active: bool,
        pub updated_by: StaffId,
        pub updated_at_us: i64,
        pub version: i32,
    }
}

/// Every partner hospital, active ones first, by city and name.
pub async fn all<C: ConnectionTrait>(c: &C) -> Result<Vec<HospitalRow>> {
    let q = table::select::<HospitalRow>()
        .order_by("active", Order::Desc)
        .order_by("city", Order::Asc)
        .order_by("name", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn find<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<HospitalRow>> {
    let q = table::select::<HospitalRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one(c, &q).await
}

/// Adds a hospital; a name already listed is a unique violation.
pub async fn insert<C: ConnectionTrait>(c: &C, r: &HospitalRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Writes a hospital at its next version; false when `expected` is no longer its version.
pub async fn update<C: ConnectionTrait>(c: &C, r: &HospitalRow, expected: i32) -> Result<bool> {
    let q = Query::update()
        .table("care_hospitals")
        .values([
            ("name", r.name.clone().into()),
            ("city", r.city.clone().into()),
            ("green_channel", r.green_channel.clone().into()),
            ("active", r.active.into()),
            ("updated_by", r.updated_by.uuid().into()),
            ("updated_at_us", r.updated_at_us.into()),
            ("version", r.version.into()),
        ])
        .and_where(Expr::col("id").eq(r.id))
        .and_where(Expr::col("version").eq(expected))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}
