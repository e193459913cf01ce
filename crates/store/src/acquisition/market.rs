//! The market's figures the bank records per period and region, against which the market-share targets
//! are read.

use crate::error::Result;
use crate::table;
use banyan_domain::acquisition::targets::{MarketMeasure, TargetPeriod};
use banyan_domain::ids::StaffId;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};

crate::enum_col!(MarketMeasure);

crate::table! {
    /// The market's total of a measure for a period, in a region: the bank's whole market (`region_key`
    /// `bank`) or a branch's area (`branch:BR0001`).
    pub struct MarketRow in "acq_market" {
        pub id: uuid::Uuid,
        pub period: TargetPeriod,
        /// `YYYY-MM-DD`, the period's first day.
        pub starts_on: String,
        pub region_key: String,
        pub branch_code: Option<String>,
        pub measure: MarketMeasure,
        pub value: i64,
        /// Where the figure comes from (the central bank's statistics, the banking association's report).
        pub source: String,
        pub set_by: StaffId,
        pub set_at_us: i64,
    }
}

/// The region key of the bank's market or a branch's area.
pub fn region_key(branch: Option<&str>) -> String {
    match branch {
        None => "bank".into(),
        Some(b) => format!("branch:{b}"),
    }
}

/// The market's figures of one period, by region and measure.
pub async fn market_of<C: ConnectionTrait>(
    c: &C,
    period: TargetPeriod,
    starts_on: &str,
) -> Result<Vec<MarketRow>> {
    let q = table::select::<MarketRow>()
        .and_where(Expr::col("period").eq(period.as_str()))
        .and_where(Expr::col("starts_on").eq(starts_on))
        .order_by("region_key", Order::Asc)
        .order_by("measure", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Records a figure: replaces the value and source of the one with the same period, region and measure,
/// or adds it. The previous value, if any.
pub async fn put_market<C: ConnectionTrait>(c: &C, r: &MarketRow) -> Result<Option<i64>> {
    let q = table::select::<MarketRow>()
        .and_where(Expr::col("period").eq(r.period.as_str()))
        .and_where(Expr::col("starts_on").eq(r.starts_on.clone()))
        .and_where(Expr::col("region_key").eq(r.region_key.clone()))
        .and_where(Expr::col("measure").eq(r.measure.as_str()))
        .to_owned();
    match table::one::<MarketRow, _>(c, &q).await? {
        Some(old) => {
            let u = Query::update()
                .table("acq_market")
                .value("value", r.value)
                .value("source", r.source.clone())
                .value("set_by", r.set_by.uuid())
                .value("set_at_us", r.set_at_us)
                .and_where(Expr::col("id").eq(old.id))
                .to_owned();
            c.execute(&u).await?;
            Ok(Some(old.value))
        }
        None => {
            table::insert(c, std::slice::from_ref(r)).await?;
            Ok(None)
        }
    }
}
