//! What the effectiveness report counts beside the funnel: the customers won in a period (for the book's
//! figures and ratings of them) and how long the open leads have stood at their stage.

use crate::customers::ScopeFilter;
use crate::error::{Result, StoreError};
use banyan_domain::acquisition::{LeadKind, LeadStage};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};

/// A customer won from a lead: who, of which kind, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Won {
    pub customer_id: uuid::Uuid,
    pub kind: LeadKind,
    pub won_at_us: i64,
}

/// The customers of the leads won in `[from_us, to_us)` within the scope.
pub async fn won_in<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    from_us: i64,
    to_us: i64,
) -> Result<Vec<Won>> {
    let col = |n: &'static str| Expr::col(("leads", n));
    let q = Query::select()
        .expr(col("customer_id"))
        .expr(col("kind"))
        .expr(col("stage_at_us"))
        .from("leads")
        .cond_where(scope.cond_on("leads"))
        .and_where(col("stage").eq(LeadStage::Won.as_str()))
        .and_where(col("stage_at_us").gte(from_us))
        .and_where(col("stage_at_us").lt(to_us))
        .and_where(col("customer_id").is_not_null())
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let kind: String = r.try_get_by_index(1)?;
            Ok(Won {
                customer_id: r.try_get_by_index(0)?,
                kind: LeadKind::parse(&kind).ok_or_else(|| {
                    StoreError::Corrupt(format!("leads.kind `{kind}` is not a known kind"))
                })?,
                won_at_us: r.try_get_by_index(2)?,
            })
        })
        .collect()
}

/// Open leads per stage that entered it in `[from_us, to_us)` within the scope (`None`: no bound).
pub async fn open_by_stage<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    from_us: Option<i64>,
    to_us: Option<i64>,
) -> Result<Vec<(LeadStage, i64)>> {
    let col = |n: &'static str| Expr::col(("leads", n));
    let mut q = Query::select()
        .expr(col("stage"))
        .expr(Func::count(col("id")))
        .from("leads")
        .cond_where(scope.cond_on("leads"))
        // The open stages named (not "not closed"): an index of (scope, stage, stage_at_us) then reads each
        // stage's range; `NOT IN` made SQLite scan the stage index for a branch (bench/acquisition).
        .and_where(
            col("stage").is_in(
                LeadStage::BOARD
                    .iter()
                    .filter(|s| s.is_open())
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>(),
            ),
        )
        .group_by_col(("leads", "stage"))
        .to_owned();
    if let Some(f) = from_us {
        q.and_where(col("stage_at_us").gte(f));
    }
    if let Some(t) = to_us {
        q.and_where(col("stage_at_us").lt(t));
    }
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let s: String = r.try_get_by_index(0)?;
            let stage = LeadStage::parse(&s).ok_or_else(|| {
                StoreError::Corrupt(format!("leads.stage `{s}` is not a known stage"))
            })?;
            Ok((stage, r.try_get_by_index(1)?))
        })
        .collect()
}
