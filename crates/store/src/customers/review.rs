//! The four-eyes review queue: submitted customers in a checker's scope, filtered, in submission order,
//! keyset-paged by (submission time, id), and counted.

use super::{CustomerRow, ScopeFilter, select_customers};
use crate::error::Result;
use crate::table;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, Order, Query};
use uuid::Uuid;

/// Which submitted customers a queue shows.
#[derive(Debug, Clone)]
pub struct SubmittedFilter {
    pub scope: ScopeFilter,
    pub kind: Option<String>,
    /// Newest submission first (default: oldest first, the order they should be worked).
    pub newest_first: bool,
    /// Where the previous page ended: (submitted_at_us, id).
    pub after: Option<(i64, Uuid)>,
    pub limit: u64,
}

fn cond(f: &SubmittedFilter) -> Cond {
    let mut cond = f.scope.cond().add(Expr::col("status").eq("submitted"));
    if let Some(k) = &f.kind {
        cond = cond.add(Expr::col("kind").eq(k.clone()));
    }
    cond
}

/// Customers waiting for a checker, in submission order (ties by id).
pub async fn list_submitted<C: ConnectionTrait>(
    c: &C,
    f: &SubmittedFilter,
) -> Result<Vec<CustomerRow>> {
    let mut q = select_customers();
    let mut cond = cond(f);
    // A submitted record always has its submission time (the app refuses one without).
    let at = Expr::col("submitted_at_us");
    if let Some((t, id)) = f.after {
        let beyond = |e: Expr, v: sea_orm::sea_query::Value| {
            if f.newest_first { e.lt(v) } else { e.gt(v) }
        };
        cond = cond.add(
            Cond::any().add(beyond(at.clone(), t.into())).add(
                Cond::all()
                    .add(at.clone().eq(t))
                    .add(beyond(Expr::col("id"), id.into())),
            ),
        );
    }
    let order = if f.newest_first {
        Order::Desc
    } else {
        Order::Asc
    };
    q.cond_where(cond)
        .order_by_expr(at, order.clone())
        .order_by("id", order)
        .limit(f.limit);
    table::all(c, &q).await
}

/// How many customers the queue holds (paging aside).
pub async fn count_submitted<C: ConnectionTrait>(c: &C, f: &SubmittedFilter) -> Result<u64> {
    let q = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from("customers")
        .cond_where(cond(f))
        .to_owned();
    table::count(c, &q).await
}
