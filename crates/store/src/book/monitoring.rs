//! Monitoring hits: the transactions behind each monitoring alert, once per transaction and criterion, and
//! the large-value report read from them (per customer, day, criterion and side).

use crate::error::Result;
use crate::table;
use banyan_domain::book::activity::Direction;
use banyan_domain::book::monitoring::Criterion;
use banyan_domain::ids::CustomerId;
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict, Order, Query};
use uuid::Uuid;

crate::enum_col!(Criterion);

crate::table! {
    /// A transaction that met a monitoring criterion.
    pub struct HitRow in "monitoring_hits" {
        pub id: Uuid,
        pub source: String,
        pub tx_id: String,
        pub criterion: Criterion,
        pub alert_id: Uuid,
        pub customer_id: CustomerId,
        /// The bank's calendar day the criterion counts it on.
        pub day: Date,
        pub direction: Direction,
        pub at_us: i64,
        pub amount_cny: i64,
    }
}

/// Records hits; a transaction already recorded for the criterion is left as it is. Returns how many were
/// new.
pub async fn insert_hits<C: ConnectionTrait>(c: &C, rows: &[HitRow]) -> Result<u64> {
    let mut n = 0;
    for chunk in rows.chunks(200) {
        let mut q = Query::insert();
        q.into_table("monitoring_hits")
            .columns(<HitRow as table::Table>::COLUMNS.iter().copied())
            .on_conflict(
                OnConflict::columns(["source", "tx_id", "criterion"])
                    .do_nothing()
                    .to_owned(),
            );
        for r in chunk {
            q.values_panic(table::Table::values(r));
        }
        n += c.execute(&q).await?.rows_affected();
    }
    Ok(n)
}

/// Which of these transactions (source, transaction id) are already recorded as hits of `criterion`. Asked
/// per source, so that the unique index (source, tx_id, criterion) answers: without the source the question
/// was a scan of every hit (measured: 0.6 ms a question, 5 of a million-row load's seconds).
pub async fn recorded<C: ConnectionTrait>(
    c: &C,
    criterion: &str,
    txs: &[(String, String)],
) -> Result<std::collections::HashSet<(String, String)>> {
    let mut by_source: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for (source, id) in txs {
        by_source.entry(source).or_default().push(id.clone());
    }
    let mut out = std::collections::HashSet::new();
    for (source, ids) in by_source {
        let q = Query::select()
            .columns(["source", "tx_id"])
            .from("monitoring_hits")
            .and_where(Expr::col("source").eq(source))
            .and_where(Expr::col("tx_id").is_in(ids))
            .and_where(Expr::col("criterion").eq(criterion))
            .to_owned();
        for r in c.query_all(&q).await? {
            out.insert((r.try_get_by_index(0)?, r.try_get_by_index(1)?));
        }
    }
    Ok(out)
}

/// The hits of an alert, oldest first.
pub async fn hits_of_alert<C: ConnectionTrait>(c: &C, alert: Uuid) -> Result<Vec<HitRow>> {
    let q = table::select::<HitRow>()
        .and_where(Expr::col("alert_id").eq(alert))
        .order_by("at_us", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// One line of the large-value report.
#[derive(Debug, Clone, PartialEq)]
pub struct LargeValueLine {
    pub day: String,
    pub customer_no: String,
    pub display_name: String,
    pub criterion: String,
    pub direction: String,
    pub count: i64,
    pub total_cny: i64,
}

/// The large-value hits of the days `from..=to` within a scope, per customer, day, criterion and side, by
/// day and customer number (at most `limit` lines).
pub async fn large_value_report<C: ConnectionTrait>(
    c: &C,
    scope: &crate::customers::ScopeFilter,
    from: Date,
    to: Date,
    limit: u64,
) -> Result<Vec<LargeValueLine>> {
    let large: Vec<&str> = Criterion::ALL
        .iter()
        .filter(|c| c.large_value())
        .map(|c| c.as_str())
        .collect();
    let h = |col: &'static str| Expr::col(("monitoring_hits", col));
    let q = Query::select()
        .expr(h("day"))
        .expr(Expr::col(("customers", "customer_no")))
        .expr(Expr::col(("customers", "display_name")))
        .expr(h("criterion"))
        .expr(h("direction"))
        .expr(Func::count(h("id")))
        // SUM of BIGINT is NUMERIC on PostgreSQL: cast back so both backends answer an integer.
        .expr(Expr::cust(
            "CAST(SUM(monitoring_hits.amount_cny) AS BIGINT)",
        ))
        .from("monitoring_hits")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("monitoring_hits", "customer_id")),
        )
        .cond_where(scope.cond_on("customers"))
        .and_where(h("criterion").is_in(large))
        .and_where(h("day").gte(from.to_string()))
        .and_where(h("day").lte(to.to_string()))
        .group_by_col(("monitoring_hits", "day"))
        .group_by_col(("customers", "customer_no"))
        .group_by_col(("customers", "display_name"))
        .group_by_col(("monitoring_hits", "criterion"))
        .group_by_col(("monitoring_hits", "direction"))
        .order_by(("monitoring_hits", "day"), Order::Asc)
        .order_by(("customers", "customer_no"), Order::Asc)
        .order_by(("monitoring_hits", "criterion"), Order::Asc)
        .limit(limit)
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok(LargeValueLine {
                day: r.try_get_by_index(0)?,
                customer_no: r.try_get_by_index(1)?,
                display_name: r.try_get_by_index(2)?,
                criterion: r.try_get_by_index(3)?,
                direction: r.try_get_by_index(4)?,
                count: r.try_get_by_index(5)?,
                total_cny: r.try_get_by_index(6)?,
            })
        })
        .collect()
}
