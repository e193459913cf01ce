//! Visits to a lead: the plan (purpose, time, staff, method, preparation), then the record and feedback,
//! or the cancellation. One row per visit; the calendar reads a staff member's by time.

use crate::error::Result;
use crate::table;
use banyan_domain::acquisition::visits::{LeadVisitState, VisitMethod, VisitOutcome};
use banyan_domain::ids::{LeadId, LeadVisitId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order};

crate::enum_col!(LeadVisitState, VisitMethod, VisitOutcome);

crate::table! {
    /// A visit to a lead: planned, then done (recorded) or cancelled.
    pub struct LeadVisitRow in "lead_visits" {
        pub id: LeadVisitId,
        pub lead_id: LeadId,
        pub state: LeadVisitState,
        pub purpose: String,
        pub method: VisitMethod,
        pub scheduled_at_us: i64,
        /// Who goes (the lead's owner unless another is named).
        pub staff_id: StaffId,
        /// A key lead's special plan (prepared in full).
        pub key_lead: bool,
        pub background: Option<String>,
        pub competitors: Option<String>,
        pub materials: Option<String>,
        pub talking_points: Option<String>,
        /// When it took place (recorded).
        pub held_at_us: Option<i64>,
        /// What the customer needs and what was discussed.
        pub summary: Option<String>,
        /// The customer's opinions and suggestions.
        pub opinions: Option<String>,
        pub outcome: Option<VisitOutcome>,
        pub next_step: Option<String>,
        pub cancel_reason: Option<String>,
        pub recorded_by: Option<StaffId>,
        pub created_by: StaffId,
        pub created_at_us: i64,
        pub updated_at_us: i64,
        pub version: i32,
    }
}

pub async fn insert_visit<C: ConnectionTrait>(c: &C, r: &LeadVisitRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// A lead's visits by their planned time.
pub async fn visits_of<C: ConnectionTrait>(c: &C, lead: LeadId) -> Result<Vec<LeadVisitRow>> {
    let q = table::select::<LeadVisitRow>()
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .order_by("scheduled_at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// One visit of a lead.
pub async fn find_visit<C: ConnectionTrait>(
    c: &C,
    lead: LeadId,
    id: LeadVisitId,
) -> Result<Option<LeadVisitRow>> {
    let q = table::select::<LeadVisitRow>()
        .and_where(Expr::col("id").eq(id.uuid()))
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .to_owned();
    table::one(c, &q).await
}

/// Writes a changed visit if it is still at `expected`; false when someone else changed it first.
pub async fn update_visit<C: ConnectionTrait>(
    c: &C,
    r: &LeadVisitRow,
    expected: i32,
) -> Result<bool> {
    table::update_versioned(
        c,
        r,
        r.id.uuid(),
        &["lead_id", "created_by", "created_at_us"],
        "version",
        expected,
    )
    .await
}

/// A staff member's visits to leads planned, or held, from `from_us` (inclusive) to `to_us` (exclusive),
/// cancelled ones left out: the calendar's (a visit held earlier than planned stands on the day it was held).
pub async fn visits_between<C: ConnectionTrait>(
    c: &C,
    staff: StaffId,
    from_us: i64,
    to_us: i64,
) -> Result<Vec<LeadVisitRow>> {
    let planned = Expr::col("scheduled_at_us")
        .gte(from_us)
        .and(Expr::col("scheduled_at_us").lt(to_us));
    let held = Expr::col("held_at_us")
        .gte(from_us)
        .and(Expr::col("held_at_us").lt(to_us));
    let q = table::select::<LeadVisitRow>()
        .and_where(Expr::col("staff_id").eq(staff.uuid()))
        .and_where(planned.or(held))
        .and_where(Expr::col("state").ne(LeadVisitState::Cancelled.as_str()))
        .order_by("scheduled_at_us", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}
