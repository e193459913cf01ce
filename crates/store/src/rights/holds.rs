//! Legal holds on a person's records, as stored.

use crate::error::Result;
use crate::table;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, Order};
use uuid::Uuid;

crate::table! {
    /// A hold: why, until when (if known), who placed it, and its lifting.
    pub struct LegalHoldRow in "legal_holds" {
        pub id: Uuid,
        pub customer_id: Uuid,
        pub reason: String,
        pub until: Option<String>,
        pub placed_by: Uuid,
        pub placed_at_us: i64,
        pub lifted_by: Option<Uuid>,
        pub lifted_at_us: Option<i64>,
        pub lift_note: Option<String>,
    }
}

pub async fn insert<C: ConnectionTrait>(c: &C, row: &LegalHoldRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(row)).await
}

pub async fn find<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<LegalHoldRow>> {
    let mut q = table::select::<LegalHoldRow>();
    q.and_where(Expr::col(("legal_holds", "id")).eq(id));
    table::one(c, &q).await
}

/// Lifts a standing hold; false when it was lifted already.
pub async fn lift<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    by: Uuid,
    at_us: i64,
    note: &str,
) -> Result<bool> {
    let q = sea_orm::sea_query::Query::update()
        .table("legal_holds")
        .value("lifted_by", by)
        .value("lifted_at_us", at_us)
        .value("lift_note", note)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("lifted_at_us").is_null())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// The holds on a customer, newest first.
pub async fn of_customer<C: ConnectionTrait>(c: &C, customer: Uuid) -> Result<Vec<LegalHoldRow>> {
    let mut q = table::select::<LegalHoldRow>();
    q.and_where(Expr::col(("legal_holds", "customer_id")).eq(customer))
        .order_by(("legal_holds", "placed_at_us"), Order::Desc);
    table::all(c, &q).await
}

/// The holds standing on `today` (`YYYY-MM-DD`) on any of `customers`.
pub async fn standing<C: ConnectionTrait>(
    c: &C,
    customers: &[Uuid],
    today: &str,
) -> Result<Vec<LegalHoldRow>> {
    let mut q = table::select::<LegalHoldRow>();
    q.and_where(Expr::col(("legal_holds", "customer_id")).is_in(customers.iter().copied()))
        .and_where(Expr::col(("legal_holds", "lifted_at_us")).is_null())
        .cond_where(
            Cond::any()
                .add(Expr::col(("legal_holds", "until")).is_null())
                .add(Expr::col(("legal_holds", "until")).gte(today)),
        );
    table::all(c, &q).await
}
