//! What the wealth managers' KPIs count: their clients, the satisfaction their clients gave at contacts and
//! in complaint surveys, completed investment sales, and the referrals clients made (recorded here). Each
//! read takes the clients in chunks of 500 so a manager's whole book is read in a few queries.

use crate::error::Result;
use crate::table::{self, Table};
use banyan_domain::ids::{CustomerId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

crate::table! {
    /// A client introduced someone who became a customer.
    pub struct ReferralRow in "wealth_referrals" {
        pub id: Uuid,
        pub referrer_id: CustomerId,
        pub referred_id: CustomerId,
        pub note: Option<String>,
        pub recorded_by: StaffId,
        pub at_us: i64,
    }
}

pub async fn insert_referral<C: ConnectionTrait>(c: &C, r: &ReferralRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// The referrals these clients made in `[from_us, to_us)` (all of them when `to_us` is `i64::MAX`).
pub async fn referrals_by<C: ConnectionTrait>(
    c: &C,
    referrers: &[Uuid],
    from_us: i64,
    to_us: i64,
) -> Result<Vec<ReferralRow>> {
    let mut out = Vec::new();
    for chunk in referrers.chunks(500) {
        let q = table::select::<ReferralRow>()
            .and_where(Expr::col("referrer_id").is_in(chunk.iter().copied()))
            .and_where(Expr::col("at_us").gte(from_us))
            .and_where(Expr::col("at_us").lt(to_us))
            .order_by("at_us", Order::Asc)
            .to_owned();
        out.extend(table::all(c, &q).await?);
    }
    Ok(out)
}

/// The referrals the clients of these managers made in `[from_us, to_us)`, oldest first (one statement per
/// thousand managers).
pub async fn referrals_managed<C: ConnectionTrait>(
    c: &C,
    managers: &[StaffId],
    from_us: i64,
    to_us: i64,
) -> Result<Vec<ReferralRow>> {
    let mut out = Vec::new();
    for chunk in managers.chunks(1000) {
        let q = Query::select()
            .columns(
                ReferralRow::COLUMNS
                    .iter()
                    .map(|col| ("wealth_referrals", *col)),
            )
            .from("wealth_referrals")
            .inner_join(
                "customers",
                Expr::col(("customers", "id")).equals(("wealth_referrals", "referrer_id")),
            )
            .and_where(Expr::col(("customers", "rm_id")).is_in(chunk.iter().map(|m| m.uuid())))
            .and_where(Expr::col(("wealth_referrals", "at_us")).gte(from_us))
            .and_where(Expr::col(("wealth_referrals", "at_us")).lt(to_us))
            .to_owned();
        out.extend(table::all::<ReferralRow, _>(c, &q).await?);
    }
    out.sort_by_key(|r| r.at_us);
    Ok(out)
}

/// A client of a manager: (customer, manager, number).
pub async fn clients_of<C: ConnectionTrait>(
    c: &C,
    managers: &[StaffId],
) -> Result<Vec<(Uuid, Uuid, String)>> {
    if managers.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(["id", "rm_id", "customer_no"])
        .from("customers")
        .and_where(Expr::col("rm_id").is_in(managers.iter().map(|m| m.uuid())))
        .order_by("customer_no", Order::Asc)
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

/// Rows of `(customer, moment, score, label)` read by `q` for each chunk of clients.
async fn scored<C: ConnectionTrait>(
    c: &C,
    customers: &[Uuid],
    make: impl Fn(&[Uuid]) -> sea_orm::sea_query::SelectStatement,
) -> Result<Vec<(Uuid, i64, i32, String)>> {
    let mut out = Vec::new();
    for chunk in customers.chunks(500) {
        for r in c.query_all(&make(chunk)).await? {
            out.push((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
                r.try_get_by_index(3)?,
            ));
        }
    }
    Ok(out)
}

/// The satisfaction clients gave at contacts in `[from_us, to_us)`: (customer, moment, score, method).
pub async fn contact_scores<C: ConnectionTrait>(
    c: &C,
    customers: &[Uuid],
    from_us: i64,
    to_us: i64,
) -> Result<Vec<(Uuid, i64, i32, String)>> {
    scored(c, customers, |chunk| {
        Query::select()
            .columns(["customer_id", "occurred_at_us", "satisfaction", "method"])
            .from("interactions")
            .and_where(Expr::col("customer_id").is_in(chunk.iter().copied()))
            .and_where(Expr::col("satisfaction").is_not_null())
            .and_where(Expr::col("occurred_at_us").gte(from_us))
            .and_where(Expr::col("occurred_at_us").lt(to_us))
            .order_by("occurred_at_us", Order::Asc)
            .to_owned()
    })
    .await
}

/// The satisfaction of the clients' complaints surveyed in `[from_us, to_us)`: (customer, moment, score,
/// case number).
pub async fn complaint_scores<C: ConnectionTrait>(
    c: &C,
    customers: &[Uuid],
    from_us: i64,
    to_us: i64,
) -> Result<Vec<(Uuid, i64, i32, String)>> {
    scored(c, customers, |chunk| {
        Query::select()
            .columns(["customer_id", "surveyed_at_us", "satisfaction", "case_no"])
            .from("cases")
            .and_where(Expr::col("customer_id").is_in(chunk.iter().copied()))
            .and_where(Expr::col("kind").eq("complaint"))
            .and_where(Expr::col("satisfaction").is_not_null())
            .and_where(Expr::col("surveyed_at_us").gte(from_us))
            .and_where(Expr::col("surveyed_at_us").lt(to_us))
            .order_by("surveyed_at_us", Order::Asc)
            .to_owned()
    })
    .await
}

/// [`completed_sales`] of every client of these managers, found by manager (one statement per thousand
/// managers: a whole bank's scorecards do not send lists of millions of ids), with the same two index probes
/// per client.
pub async fn completed_sales_managed<C: ConnectionTrait>(
    c: &C,
    managers: &[StaffId],
    to_us: i64,
) -> Result<Vec<(Uuid, i64, i64)>> {
    let mut out = Vec::new();
    for chunk in managers.chunks(1000) {
        let q = probes(to_us)
            .and_where(Expr::col(("customers", "rm_id")).is_in(chunk.iter().map(|m| m.uuid())))
            .to_owned();
        probed(c, &q, &mut out).await?;
    }
    Ok(out)
}

/// The two probes of a client's completed sales before `to_us` (how many, up to 2; the latest), per customer.
fn probes(to_us: i64) -> sea_orm::sea_query::SelectStatement {
    // The step is a code and the instant an integer the app computes (never input), so both are written
    // into the SQL.
    let sales = format!(
        "FROM wealth_sales w WHERE w.customer_id = customers.id AND w.step = '{}' AND w.sold_at_us < {to_us}",
        banyan_domain::wealth::SaleStep::Completed.as_str()
    );
    Query::select()
        .column(("customers", "id"))
        .expr(Expr::cust(format!(
            "(SELECT COUNT(*) FROM (SELECT 1 {sales} LIMIT 2) AS two)"
        )))
        .expr(Expr::cust(format!(
            "(SELECT w.sold_at_us {sales} ORDER BY w.sold_at_us DESC LIMIT 1)"
        )))
        .from("customers")
        .to_owned()
}

/// The probed clients with a completed sale, into `out`.
async fn probed<C: ConnectionTrait>(
    c: &C,
    q: &sea_orm::sea_query::SelectStatement,
    out: &mut Vec<(Uuid, i64, i64)>,
) -> Result<()> {
    for r in c.query_all(q).await? {
        if let Some(latest) = r.try_get_by_index::<Option<i64>>(2)? {
            out.push((r.try_get_by_index(0)?, r.try_get_by_index(1)?, latest));
        }
    }
    Ok(())
}

/// Each client's completed investment sales up to `to_us`: (customer, how many — counted up to 2, enough to
/// tell a repeat buyer —, the latest's moment). Clients without one are left out. Two index probes per
/// client (`(customer_id, sold_at_us)` read backwards, each stopping early) instead of reading every sale of a
/// client who buys monthly for years.
pub async fn completed_sales<C: ConnectionTrait>(
    c: &C,
    customers: &[Uuid],
    to_us: i64,
) -> Result<Vec<(Uuid, i64, i64)>> {
    let mut out = Vec::new();
    for chunk in customers.chunks(500) {
        let q = probes(to_us)
            .and_where(Expr::col(("customers", "id")).is_in(chunk.iter().copied()))
            .to_owned();
        probed(c, &q, &mut out).await?;
    }
    Ok(out)
}
