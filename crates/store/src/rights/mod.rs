//! Requests of people exercising their rights over their data, as stored.

use crate::customers::ScopeFilter;
use crate::error::Result;
use crate::table;
use banyan_domain::rights::{RightChannel, RightKind, RightStatus};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Order, SelectStatement};
use uuid::Uuid;

crate::enum_col!(RightKind, RightStatus, RightChannel);

crate::table! {
    /// One request.
    pub struct RightRow in "rights_requests" {
        pub id: Uuid,
        pub request_no: String,
        pub customer_id: Uuid,
        pub kind: RightKind,
        pub status: RightStatus,
        pub channel: RightChannel,
        pub received_on: String,
        pub due_on: String,
        pub detail: String,
        pub registered_by: Uuid,
        pub registered_at_us: i64,
        pub copy_at_us: Option<i64>,
        pub decided_by: Option<Uuid>,
        pub decided_at_us: Option<i64>,
        pub outcome: Option<String>,
        pub version: i32,
    }
}

pub async fn insert<C: ConnectionTrait>(c: &C, row: &RightRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(row)).await
}

pub async fn find<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<RightRow>> {
    let mut q = table::select::<RightRow>();
    q.and_where(Expr::col(("rights_requests", "id")).eq(id));
    table::one(c, &q).await
}

/// Writes the request back if its version is still `expected`.
pub async fn update<C: ConnectionTrait>(c: &C, row: &RightRow, expected: i32) -> Result<bool> {
    table::update_versioned(
        c,
        row,
        row.id,
        &["request_no", "registered_by", "registered_at_us"],
        "version",
        expected,
    )
    .await
}

/// The requests whose customer is in `scope`, in a state (all when `None`), of one customer (all when `None`).
fn in_scope(
    scope: &ScopeFilter,
    status: Option<RightStatus>,
    customer: Option<Uuid>,
) -> SelectStatement {
    let mut q = table::select::<RightRow>();
    q.join_as(
        JoinType::InnerJoin,
        "customers",
        "c",
        Expr::col(("c", "id")).equals(("rights_requests", "customer_id")),
    )
    .cond_where(scope.cond_on("c"));
    if let Some(s) = status {
        q.and_where(Expr::col(("rights_requests", "status")).eq(s.as_str()));
    }
    if let Some(c) = customer {
        q.and_where(Expr::col(("rights_requests", "customer_id")).eq(c));
    }
    q
}

/// A page of requests, the nearest deadline first.
pub async fn list<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    status: Option<RightStatus>,
    customer: Option<Uuid>,
    offset: u64,
    limit: u64,
) -> Result<Vec<RightRow>> {
    let mut q = in_scope(scope, status, customer);
    q.order_by(("rights_requests", "due_on"), Order::Asc)
        .order_by(("rights_requests", "id"), Order::Asc)
        .offset(offset)
        .limit(limit);
    table::all(c, &q).await
}

pub async fn count<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    status: Option<RightStatus>,
    customer: Option<Uuid>,
) -> Result<u64> {
    let mut q = in_scope(scope, status, customer);
    q.clear_selects();
    q.expr(Expr::cust("COUNT(*)"));
    table::count(c, &q).await
}

/// Whether someone edited the customer's record (its fields or contact points, not a status or a consent)
/// after `since_us`: a correction was made.
pub async fn edited_since<C: ConnectionTrait>(
    c: &C,
    customer: Uuid,
    since_us: i64,
) -> Result<bool> {
    let q = sea_orm::sea_query::Query::select()
        .expr(Expr::val(1))
        .from("customer_versions")
        .and_where(Expr::col("customer_id").eq(customer))
        .and_where(Expr::col("at_us").gt(since_us))
        .and_where(Expr::col("action").is_in([
            "update",
            "contact_add",
            "contact_update",
            "contact_delete",
        ]))
        .limit(1)
        .to_owned();
    Ok(c.query_one(&q).await?.is_some())
}

pub mod erase;
pub mod holds;
