//! What the care report (supervision and KPIs) reads: the tasks and measures of many records at once, and the
//! events that compare registered customers with the others of a scope — complaints received and products
//! sold in a period — as one customer id per event, so the caller groups them without naming anyone.

use super::{CareTaskRow, MeasureRow};
use crate::customers::ScopeFilter;
use crate::error::Result;
use crate::table;
use banyan_domain::book::sale::{SaleDecision, SaleKind};
use banyan_domain::ids::{CareId, CustomerId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use uuid::Uuid;

pub async fn tasks_of_many<C: ConnectionTrait>(c: &C, ids: &[CareId]) -> Result<Vec<CareTaskRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let q = table::select::<CareTaskRow>()
            .and_where(Expr::col("record_id").is_in(chunk.iter().map(|i| i.uuid())))
            .to_owned();
        out.extend(table::all::<CareTaskRow, _>(c, &q).await?);
    }
    Ok(out)
}

pub async fn measures_of_many<C: ConnectionTrait>(
    c: &C,
    ids: &[CareId],
) -> Result<Vec<MeasureRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let q = table::select::<MeasureRow>()
            .and_where(Expr::col("record_id").is_in(chunk.iter().map(|i| i.uuid())))
            .to_owned();
        out.extend(table::all::<MeasureRow, _>(c, &q).await?);
    }
    Ok(out)
}

async fn ids<C: ConnectionTrait>(
    c: &C,
    q: &sea_orm::sea_query::SelectStatement,
) -> Result<Vec<CustomerId>> {
    c.query_all(q)
        .await?
        .iter()
        .map(|r| Ok(CustomerId::from_uuid(r.try_get_by_index::<Uuid>(0)?)))
        .collect()
}

/// Every customer of the scope (their ids).
pub async fn customers_in<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
) -> Result<Vec<CustomerId>> {
    let q = Query::select()
        .column(("customers", "id"))
        .from("customers")
        .cond_where(scope.cond_on("customers"))
        .to_owned();
    ids(c, &q).await
}

/// The customer of each complaint received from a customer of the scope in `[from_us, to_us)`.
pub async fn complaints_in<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    from_us: i64,
    to_us: i64,
) -> Result<Vec<CustomerId>> {
    let q = Query::select()
        .column(("cases", "customer_id"))
        .from("cases")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("cases", "customer_id")),
        )
        .and_where(Expr::col(("cases", "kind")).eq("complaint"))
        .and_where(Expr::col(("cases", "received_at_us")).gte(from_us))
        .and_where(Expr::col(("cases", "received_at_us")).lt(to_us))
        .cond_where(scope.cond_on("customers"))
        .to_owned();
    ids(c, &q).await
}

/// The customer of each product sold (recorded, not refused) to a customer of the scope in `[from_us, to_us)`:
/// the product switches of the comparison.
pub async fn product_sales_in<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    from_us: i64,
    to_us: i64,
) -> Result<Vec<CustomerId>> {
    let q = Query::select()
        .column(("sales", "customer_id"))
        .from("sales")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("sales", "customer_id")),
        )
        .and_where(Expr::col(("sales", "kind")).eq(SaleKind::ProductSale.as_str()))
        .and_where(Expr::col(("sales", "decision")).eq(SaleDecision::Recorded.as_str()))
        .and_where(Expr::col(("sales", "at_us")).gte(from_us))
        .and_where(Expr::col(("sales", "at_us")).lt(to_us))
        .cond_where(scope.cond_on("customers"))
        .to_owned();
    ids(c, &q).await
}
