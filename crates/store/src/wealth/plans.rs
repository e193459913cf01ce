//! The client's financial picture (sealed: the app holds the keys), goals, reviews at each revisit (each a
//! sealed snapshot: the trend), the plan's versions and the actions it recommends.

use crate::error::Result;
use crate::table;
use banyan_domain::book::RiskLevel;
use banyan_domain::ids::{CustomerId, StaffId};
use banyan_domain::wealth::picture::{GoalKind, GoalStatus};
use banyan_domain::wealth::plan::{ActionDecision, Allocation, PlanReason};
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order};
use uuid::Uuid;

crate::enum_col!(GoalKind, GoalStatus, PlanReason, ActionDecision);
crate::json_col!(Allocation);

crate::table! {
    /// What the client declares (`banyan_domain::wealth::picture::Picture` as JSON, sealed).
    pub struct PictureRow in "wealth_pictures" {
        pub customer_id: CustomerId,
        pub picture_enc: Vec<u8>,
        pub updated_by: StaffId,
        pub updated_at_us: i64,
        pub version: i32,
    }
}

crate::table! {
    pub struct GoalRow in "wealth_goals" {
        pub id: Uuid,
        pub customer_id: CustomerId,
        pub kind: GoalKind,
        /// CNY fen.
        pub target_amount: i64,
        pub target_on: Date,
        pub note: Option<String>,
        pub status: GoalStatus,
        pub created_by: StaffId,
        pub created_at_us: i64,
        pub version: i32,
    }
}

crate::table! {
    /// A review of the picture at a revisit: the figures as they were (sealed JSON), the plan then in force.
    pub struct ReviewRow in "wealth_reviews" {
        pub id: Uuid,
        pub customer_id: CustomerId,
        pub reviewed_on: Date,
        pub reviewed_by: StaffId,
        pub reviewed_at_us: i64,
        pub snapshot_enc: Vec<u8>,
        /// 0 when there was no plan yet.
        pub plan_seq: i32,
        pub note: Option<String>,
    }
}

crate::table! {
    /// One version of a client's plan (the highest `seq` is in force).
    pub struct PlanRow in "wealth_plans" {
        pub id: Uuid,
        pub customer_id: CustomerId,
        pub seq: i32,
        pub reason: PlanReason,
        pub reason_note: Option<String>,
        /// The highest level the client's assessment bought when the plan was made.
        pub ceiling: RiskLevel,
        pub target: Allocation,
        pub created_by: StaffId,
        pub created_at_us: i64,
    }
}

crate::table! {
    /// An action a plan recommends: a product of the catalogue and an amount, and the client's answer.
    pub struct ActionRow in "wealth_actions" {
        pub id: Uuid,
        pub customer_id: CustomerId,
        pub plan_seq: i32,
        pub product_id: Uuid,
        /// Minor units of the product's currency.
        pub amount: i64,
        pub rationale: String,
        pub decision: ActionDecision,
        pub decided_by: Option<StaffId>,
        pub decided_at_us: Option<i64>,
        pub decision_note: Option<String>,
        pub created_by: StaffId,
        pub created_at_us: i64,
        pub version: i32,
    }
}

fn of_customer<T: table::Table>(customer: CustomerId) -> sea_orm::sea_query::SelectStatement {
    table::select::<T>()
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .to_owned()
}

pub async fn picture<C: ConnectionTrait>(
    c: &C,
    customer: CustomerId,
) -> Result<Option<PictureRow>> {
    table::one(c, &of_customer::<PictureRow>(customer)).await
}

pub async fn insert_picture<C: ConnectionTrait>(c: &C, r: &PictureRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Writes the picture over the stored one if it is still at `expected`.
pub async fn update_picture<C: ConnectionTrait>(
    c: &C,
    r: &PictureRow,
    expected: i32,
) -> Result<bool> {
    table::update_versioned(c, r, r.customer_id.uuid(), &[], "version", expected).await
}

/// A customer's goals, the nearest first.
pub async fn goals<C: ConnectionTrait>(c: &C, customer: CustomerId) -> Result<Vec<GoalRow>> {
    let q = of_customer::<GoalRow>(customer)
        .order_by("target_on", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn goal<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<GoalRow>> {
    let q = table::select::<GoalRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one(c, &q).await
}

pub async fn insert_goal<C: ConnectionTrait>(c: &C, r: &GoalRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

pub async fn update_goal<C: ConnectionTrait>(c: &C, r: &GoalRow, expected: i32) -> Result<bool> {
    table::update_versioned(c, r, r.id, &[], "version", expected).await
}

/// A customer's reviews, the oldest first (the trend reads them in order).
pub async fn reviews<C: ConnectionTrait>(c: &C, customer: CustomerId) -> Result<Vec<ReviewRow>> {
    let q = of_customer::<ReviewRow>(customer)
        .order_by("reviewed_on", Order::Asc)
        .order_by("reviewed_at_us", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn insert_review<C: ConnectionTrait>(c: &C, r: &ReviewRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// A customer's plan versions, the first first.
pub async fn plans<C: ConnectionTrait>(c: &C, customer: CustomerId) -> Result<Vec<PlanRow>> {
    let q = of_customer::<PlanRow>(customer)
        .order_by("seq", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Adds a version; the unique `(customer_id, seq)` refuses a second writer of the same version.
pub async fn insert_plan<C: ConnectionTrait>(c: &C, r: &PlanRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// A customer's recommended actions, the newest first.
pub async fn actions<C: ConnectionTrait>(c: &C, customer: CustomerId) -> Result<Vec<ActionRow>> {
    let q = of_customer::<ActionRow>(customer)
        .order_by("created_at_us", Order::Desc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn action<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<ActionRow>> {
    let q = table::select::<ActionRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one(c, &q).await
}

pub async fn insert_action<C: ConnectionTrait>(c: &C, r: &ActionRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

pub async fn update_action<C: ConnectionTrait>(
    c: &C,
    r: &ActionRow,
    expected: i32,
) -> Result<bool> {
    table::update_versioned(c, r, r.id, &[], "version", expected).await
}
