//! Wealth advisory: the suitability record of each investment sale (the facts the gate read and every rule's
//! result as JSON, as they were at the moment of sale) and the steps it waits for; the client's picture,
//! goals, reviews and plans (`plans`); the advisory team (`team`).

pub mod kpis;
pub mod plans;
pub mod team;

use crate::error::Result;
use crate::table;
use banyan_domain::ids::{CustomerId, StaffId};
use banyan_domain::wealth::SaleStep;
use banyan_domain::wealth::suitability::{SaleChannel, SuitabilityRule};
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

crate::enum_col!(SaleStep, SaleChannel, SuitabilityRule);

crate::table! {
    /// An investment sale's suitability: what the gate read and decided, and what followed.
    pub struct WealthSaleRow in "wealth_sales" {
        pub sale_id: Uuid,
        pub customer_id: CustomerId,
        pub product_id: Uuid,
        pub channel: SaleChannel,
        /// `banyan_domain::wealth::suitability::Facts` as JSON.
        pub facts: String,
        /// `banyan_domain::wealth::suitability::Verdict` as JSON.
        pub verdict: String,
        pub refused_rule: Option<SuitabilityRule>,
        /// None for a refused sale.
        pub step: Option<SaleStep>,
        pub recording_ref: Option<String>,
        pub recording_keep_until: Option<Date>,
        pub client_confirmation: Option<String>,
        pub sold_by: StaffId,
        pub sold_at_us: i64,
        pub reviewed_by: Option<StaffId>,
        pub reviewed_at_us: Option<i64>,
        pub review_note: Option<String>,
        pub cooling_off_until_us: Option<i64>,
        pub cancelled_by: Option<StaffId>,
        pub cancelled_at_us: Option<i64>,
        pub cancel_reason: Option<String>,
        pub completed_at_us: Option<i64>,
        pub version: i32,
    }
}

pub async fn insert<C: ConnectionTrait>(c: &C, r: &WealthSaleRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

pub async fn find<C: ConnectionTrait>(c: &C, sale: Uuid) -> Result<Option<WealthSaleRow>> {
    let q = table::select::<WealthSaleRow>()
        .and_where(Expr::col("sale_id").eq(sale))
        .to_owned();
    table::one(c, &q).await
}

/// The records of these sales (a customer's sales list shows them beside the gate's decision).
pub async fn of_sales<C: ConnectionTrait>(c: &C, sales: &[Uuid]) -> Result<Vec<WealthSaleRow>> {
    if sales.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<WealthSaleRow>()
        .and_where(Expr::col("sale_id").is_in(sales.iter().copied()))
        .to_owned();
    table::all(c, &q).await
}

/// Writes `r` over the stored record if it is still at `expected`; false when someone moved it first.
pub async fn update<C: ConnectionTrait>(c: &C, r: &WealthSaleRow, expected: i32) -> Result<bool> {
    table::update_versioned(c, r, r.sale_id, &[], "version", expected).await
}

/// Whether the customer bought an investment product before: a sale through the gate that still stands, or
/// an account of a product with a risk level in the book.
pub async fn bought_before<C: ConnectionTrait>(c: &C, customer: CustomerId) -> Result<bool> {
    let through_gate = Query::select()
        .expr(Expr::val(1))
        .from("wealth_sales")
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .and_where(Expr::col("refused_rule").is_null())
        .and_where(
            Expr::col("step").is_in([SaleStep::Completed.as_str(), SaleStep::CoolingOff.as_str()]),
        )
        .limit(1)
        .to_owned();
    if c.query_one(&through_gate).await?.is_some() {
        return Ok(true);
    }
    let in_book = Query::select()
        .expr(Expr::val(1))
        .from("accounts")
        .inner_join(
            "products",
            Expr::col(("products", "id")).equals(("accounts", "product_id")),
        )
        .and_where(Expr::col(("accounts", "customer_id")).eq(customer.uuid()))
        .and_where(Expr::col(("products", "risk_level")).is_not_null())
        .limit(1)
        .to_owned();
    Ok(c.query_one(&in_book).await?.is_some())
}

/// Sales cooling off whose period ended by `now` (the job finalises them), at most `limit`.
pub async fn cooled<C: ConnectionTrait>(c: &C, now: i64, limit: u64) -> Result<Vec<WealthSaleRow>> {
    let q = table::select::<WealthSaleRow>()
        .and_where(Expr::col("step").eq(SaleStep::CoolingOff.as_str()))
        .and_where(Expr::col("cooling_off_until_us").lte(now))
        .order_by("cooling_off_until_us", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all(c, &q).await
}

/// Whether the customer has a sale cooling off now that `seller` made (the seller may not contact them).
pub async fn cooling_with<C: ConnectionTrait>(
    c: &C,
    customer: CustomerId,
    seller: StaffId,
    now: i64,
) -> Result<Option<WealthSaleRow>> {
    let q = table::select::<WealthSaleRow>()
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .and_where(Expr::col("sold_by").eq(seller.uuid()))
        .and_where(Expr::col("step").eq(SaleStep::CoolingOff.as_str()))
        .and_where(Expr::col("cooling_off_until_us").gt(now))
        .limit(1)
        .to_owned();
    table::one(c, &q).await
}

/// The sales of a period (their moment of sale in `[from_us, to_us)`) of customers in scope, oldest first,
/// at most `limit` after `offset`, with how many there are.
pub async fn in_period<C: ConnectionTrait>(
    c: &C,
    scope: &crate::customers::ScopeFilter,
    from_us: i64,
    to_us: i64,
    offset: u64,
    limit: u64,
) -> Result<(Vec<WealthSaleRow>, u64)> {
    let mut q = table::select::<WealthSaleRow>();
    q.and_where(Expr::col("sold_at_us").gte(from_us))
        .and_where(Expr::col("sold_at_us").lt(to_us))
        .cond_where(in_scope(scope));
    let mut count = q.clone();
    count.clear_selects().expr(Expr::col("sold_at_us").count());
    let total: i64 = match c.query_one(&count).await? {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    q.order_by("sold_at_us", Order::Asc)
        .offset(offset)
        .limit(limit);
    let rows = table::all(c, &q).await?;
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

/// Sales of customers in scope: every sale for the whole bank (no subquery, so a period's count and counts
/// read the period index alone), else those whose customer the scope holds.
fn in_scope(scope: &crate::customers::ScopeFilter) -> sea_orm::sea_query::Cond {
    use crate::customers::ScopeFilter;
    if *scope == ScopeFilter::All {
        return sea_orm::sea_query::Cond::all();
    }
    let ids = Query::select()
        .column(("customers", "id"))
        .from("customers")
        .cond_where(scope.cond_on("customers"))
        .to_owned();
    sea_orm::sea_query::Cond::all().add(Expr::col("customer_id").in_subquery(ids))
}

/// Each (refused rule or none, step or none) of the period's sales in scope and how many.
pub async fn counts<C: ConnectionTrait>(
    c: &C,
    scope: &crate::customers::ScopeFilter,
    from_us: i64,
    to_us: i64,
) -> Result<Vec<(Option<String>, Option<String>, i64)>> {
    let q = Query::select()
        .column("refused_rule")
        .column("step")
        .expr(Expr::col("sold_at_us").count())
        .from("wealth_sales")
        .and_where(Expr::col("sold_at_us").gte(from_us))
        .and_where(Expr::col("sold_at_us").lt(to_us))
        .cond_where(in_scope(scope))
        .group_by_col("refused_rule")
        .group_by_col("step")
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
            ))
        })
        .collect()
}
