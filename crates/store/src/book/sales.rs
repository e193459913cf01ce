//! Sales and applications recorded in Banyan, with the gate's decision.

use crate::error::Result;
use crate::table;
use banyan_domain::book::sale::{SaleDecision, SaleKind};
use banyan_domain::ids::{CustomerId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order, Query};
use uuid::Uuid;

crate::enum_col!(SaleKind, SaleDecision);

crate::table! {
    /// A sale or application and what the gate decided.
    pub struct SaleRow in "sales" {
        pub id: Uuid,
        pub customer_id: CustomerId,
        pub kind: SaleKind,
        pub product_id: Uuid,
        /// Minor units of the product's currency.
        pub amount: i64,
        pub decision: SaleDecision,
        /// A refusal's blocked action and the rating that blocks it.
        pub action: Option<String>,
        pub rating: Option<String>,
        pub note: Option<String>,
        pub recorded_by: StaffId,
        pub at_us: i64,
        /// An account opening's account, as the core system numbered it.
        pub account_no: Option<String>,
    }
}

pub async fn insert_sale<C: ConnectionTrait>(c: &C, r: &SaleRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Whether an opening of this account is recorded.
pub async fn account_recorded<C: ConnectionTrait>(c: &C, account_no: &str) -> Result<bool> {
    let q = Query::select()
        .expr(Expr::val(1))
        .from("sales")
        .and_where(Expr::col("account_no").eq(account_no))
        .and_where(Expr::col("decision").eq(SaleDecision::Recorded.as_str()))
        .limit(1)
        .to_owned();
    Ok(c.query_one(&q).await?.is_some())
}

/// Whether the customer has a recorded account opening.
pub async fn has_opening<C: ConnectionTrait>(c: &C, customer: CustomerId) -> Result<bool> {
    let q = Query::select()
        .expr(Expr::val(1))
        .from("sales")
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .and_where(Expr::col("kind").eq(SaleKind::AccountOpening.as_str()))
        .and_where(Expr::col("decision").eq(SaleDecision::Recorded.as_str()))
        .limit(1)
        .to_owned();
    Ok(c.query_one(&q).await?.is_some())
}

/// A customer's sales and applications, newest first.
pub async fn sales_of<C: ConnectionTrait>(
    c: &C,
    customer: CustomerId,
    limit: u64,
) -> Result<Vec<SaleRow>> {
    let q = table::select::<SaleRow>()
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .order_by("at_us", Order::Desc)
        .limit(limit)
        .to_owned();
    table::all(c, &q).await
}

/// Refusals since `since_us` within a scope, counted per blocked action and rating (a refusal always names
/// both: a stored one without is an error).
pub async fn refusal_counts<C: ConnectionTrait>(
    c: &C,
    scope: &crate::customers::ScopeFilter,
    since_us: i64,
    until_us: i64,
) -> Result<Vec<(String, String, i64)>> {
    let s = |col: &'static str| Expr::col(("sales", col));
    let q = Query::select()
        .expr(s("action"))
        .expr(s("rating"))
        .expr(Func::count(s("id")))
        .from("sales")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("sales", "customer_id")),
        )
        .cond_where(scope.cond_on("customers"))
        .and_where(s("decision").eq(SaleDecision::Refused.as_str()))
        .and_where(s("at_us").gte(since_us))
        .and_where(s("at_us").lt(until_us))
        .group_by_col(("sales", "action"))
        .group_by_col(("sales", "rating"))
        .order_by(("sales", "action"), Order::Asc)
        .order_by(("sales", "rating"), Order::Asc)
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get_by_index::<String>(0)?,
                r.try_get_by_index::<String>(1)?,
                r.try_get_by_index::<i64>(2)?,
            ))
        })
        .collect()
}

/// Moves a sale's decision (a pending sale recorded or withdrawn after suitability's steps).
pub async fn set_decision<C: ConnectionTrait>(c: &C, id: Uuid, d: SaleDecision) -> Result<()> {
    let q = Query::update()
        .table("sales")
        .value("decision", d.as_str())
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// A customer's sales the book recorded (the gate let them through) at or after `since_us`, oldest first.
pub async fn recorded_since<C: ConnectionTrait>(
    c: &C,
    customer: CustomerId,
    since_us: i64,
) -> Result<Vec<SaleRow>> {
    let q = table::select::<SaleRow>()
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .and_where(Expr::col("decision").eq(SaleDecision::Recorded.as_str()))
        .and_where(Expr::col("at_us").gte(since_us))
        .order_by("at_us", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}
