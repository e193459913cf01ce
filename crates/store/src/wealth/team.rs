//! A high-net-worth client's advisory team and its notes and tasks (the text sealed).

use crate::error::Result;
use crate::table;
use banyan_domain::ids::{CustomerId, StaffId};
use banyan_domain::wealth::team::{AdvisorRole, EntryKind};
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

crate::enum_col!(AdvisorRole, EntryKind);

crate::table! {
    /// A member of a client's advisory team and their part.
    pub struct MemberRow in "wealth_team" {
        pub id: Uuid,
        pub customer_id: CustomerId,
        pub staff_id: StaffId,
        pub role: AdvisorRole,
        pub added_by: StaffId,
        pub added_at_us: i64,
    }
}

crate::table! {
    /// A note or a task of the team; a task names its member and day and is marked done once.
    pub struct EntryRow in "wealth_entries" {
        pub id: Uuid,
        pub customer_id: CustomerId,
        pub kind: EntryKind,
        pub author: StaffId,
        pub body_enc: Vec<u8>,
        pub assignee: Option<StaffId>,
        pub due_on: Option<Date>,
        pub done_by: Option<StaffId>,
        pub done_at_us: Option<i64>,
        pub at_us: i64,
        pub version: i32,
    }
}

pub async fn team<C: ConnectionTrait>(c: &C, customer: CustomerId) -> Result<Vec<MemberRow>> {
    let q = table::select::<MemberRow>()
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .order_by("added_at_us", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Whether `staff` is on the customer's team.
pub async fn is_member<C: ConnectionTrait>(
    c: &C,
    customer: CustomerId,
    staff: StaffId,
) -> Result<bool> {
    let q = Query::select()
        .expr(Expr::val(1))
        .from("wealth_team")
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .and_where(Expr::col("staff_id").eq(staff.uuid()))
        .to_owned();
    Ok(c.query_one(&q).await?.is_some())
}

/// The clients whose advisory team `staff` is on.
pub async fn clients_of_member<C: ConnectionTrait>(c: &C, staff: StaffId) -> Result<Vec<Uuid>> {
    let q = Query::select()
        .column("customer_id")
        .from("wealth_team")
        .and_where(Expr::col("staff_id").eq(staff.uuid()))
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| Ok(r.try_get_by_index(0)?))
        .collect()
}

/// Adds a member; the unique `(customer_id, staff_id)` refuses the same person twice.
pub async fn insert_member<C: ConnectionTrait>(c: &C, r: &MemberRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Removes a member; false when they were not on the team.
pub async fn remove_member<C: ConnectionTrait>(
    c: &C,
    customer: CustomerId,
    staff: StaffId,
) -> Result<bool> {
    let q = Query::delete()
        .from_table("wealth_team")
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .and_where(Expr::col("staff_id").eq(staff.uuid()))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// The team's notes and tasks, the newest first (at most 200).
pub async fn entries<C: ConnectionTrait>(c: &C, customer: CustomerId) -> Result<Vec<EntryRow>> {
    let q = table::select::<EntryRow>()
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .order_by("at_us", Order::Desc)
        .limit(200)
        .to_owned();
    table::all(c, &q).await
}

pub async fn entry<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<EntryRow>> {
    let q = table::select::<EntryRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one(c, &q).await
}

pub async fn insert_entry<C: ConnectionTrait>(c: &C, r: &EntryRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

pub async fn update_entry<C: ConnectionTrait>(c: &C, r: &EntryRow, expected: i32) -> Result<bool> {
    table::update_versioned(c, r, r.id, &[], "version", expected).await
}
