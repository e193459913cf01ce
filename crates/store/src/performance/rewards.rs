//! Reward schemes with their awards, and honours.

use crate::error::Result;
use crate::table;
use banyan_domain::access::Role;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::rewards::{RewardRule, RuleParams, SchemeState};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

crate::enum_col!(RewardRule, SchemeState);
crate::json_col!(RuleParams);

crate::table! {
    /// A reward scheme for a period and a role over the closed scorecards.
    pub struct SchemeRow in "reward_schemes" {
        pub id: Uuid,
        pub code: String,
        pub name: String,
        pub period: String,
        pub role: Role,
        /// The branch whose people it rewards; none for the whole bank.
        pub branch_code: Option<String>,
        pub rule: RewardRule,
        pub params: RuleParams,
        pub state: SchemeState,
        pub note: Option<String>,
        pub total_fen: i64,
        pub proposed_by: StaffId,
        pub proposed_at_us: i64,
        pub decided_by: Option<StaffId>,
        pub decided_at_us: Option<i64>,
        pub decision_note: Option<String>,
        pub exported_at_us: Option<i64>,
    }
}

crate::table! {
    /// One person's award under a scheme.
    pub struct AwardRow in "reward_awards" {
        pub id: Uuid,
        pub scheme_id: Uuid,
        pub staff_id: StaffId,
        pub rank: i32,
        pub composite_milli: i64,
        pub amount_fen: i64,
    }
}

crate::table! {
    /// An honour given to a person (seed 002 荣誉证书; seed 003 表彰).
    pub struct HonourRow in "honours" {
        pub id: Uuid,
        pub staff_id: StaffId,
        pub title: String,
        pub period: String,
        pub reason: Option<String>,
        pub awarded_by: StaffId,
        pub awarded_at_us: i64,
    }
}

pub async fn insert_scheme<C: ConnectionTrait>(
    c: &C,
    s: &SchemeRow,
    awards: &[AwardRow],
) -> Result<()> {
    table::insert(c, std::slice::from_ref(s)).await?;
    if !awards.is_empty() {
        table::insert(c, awards).await?;
    }
    Ok(())
}

/// Every scheme, newest first.
pub async fn schemes<C: ConnectionTrait>(c: &C) -> Result<Vec<SchemeRow>> {
    let q = table::select::<SchemeRow>()
        .order_by("proposed_at_us", Order::Desc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn scheme<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<SchemeRow>> {
    let q = table::select::<SchemeRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one(c, &q).await
}

pub async fn awards_of<C: ConnectionTrait>(c: &C, scheme: Uuid) -> Result<Vec<AwardRow>> {
    let q = table::select::<AwardRow>()
        .and_where(Expr::col("scheme_id").eq(scheme))
        .order_by("rank", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Records the decision if the scheme is still proposed; false when someone decided first.
pub async fn decide<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    state: SchemeState,
    by: StaffId,
    at_us: i64,
    note: Option<String>,
) -> Result<bool> {
    let u = Query::update()
        .table("reward_schemes")
        .value("state", state.as_str())
        .value("decided_by", by.uuid())
        .value("decided_at_us", at_us)
        .value("decision_note", note)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("state").eq(SchemeState::Proposed.as_str()))
        .to_owned();
    Ok(c.execute(&u).await?.rows_affected() == 1)
}

pub async fn mark_exported<C: ConnectionTrait>(c: &C, id: Uuid, at_us: i64) -> Result<()> {
    let u = Query::update()
        .table("reward_schemes")
        .value("exported_at_us", at_us)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&u).await?;
    Ok(())
}

pub async fn insert_honour<C: ConnectionTrait>(c: &C, h: &HonourRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(h)).await
}

/// The honours of these people, newest first.
pub async fn honours_of<C: ConnectionTrait>(c: &C, staff: &[StaffId]) -> Result<Vec<HonourRow>> {
    let mut out = Vec::new();
    for chunk in staff.chunks(500) {
        let q = table::select::<HonourRow>()
            .and_where(Expr::col("staff_id").is_in(chunk.iter().map(|s| s.uuid())))
            .order_by("awarded_at_us", Order::Desc)
            .to_owned();
        out.extend(table::all::<HonourRow, _>(c, &q).await?);
    }
    Ok(out)
}
