//! The satisfaction survey of new customers (seed 002 §七): one per won lead, sent through the outbox the
//! policy's days after the win, answered by the customer's reply through the gateway; and the counts the
//! effectiveness report reads.

use crate::customers::ScopeFilter;
use crate::error::Result;
use crate::table::{self, Table};
use banyan_domain::acquisition::LeadStage;
use banyan_domain::ids::{CustomerId, LeadId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict, Query};
use uuid::Uuid;

crate::table! {
    /// A survey sent to a won lead's customer, and its answer once the customer replied.
    pub struct SurveyRow in "acq_surveys" {
        pub id: Uuid,
        pub lead_id: LeadId,
        pub customer_id: CustomerId,
        /// The outbox message that asked (a reply names it).
        pub message_id: Uuid,
        pub sent_at_us: i64,
        /// 1 to 5, once answered.
        pub satisfaction: Option<i32>,
        pub comment: Option<String>,
        pub answered_at_us: Option<i64>,
    }
}

/// Records a survey unless the lead has one (another node, or an earlier night, sent it): false then.
pub async fn insert_once<C: ConnectionTrait>(c: &C, r: &SurveyRow) -> Result<bool> {
    let q = Query::insert()
        .into_table("acq_surveys")
        .columns(SurveyRow::COLUMNS.iter().copied())
        .values_panic(r.values())
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Won leads with a customer, won before `won_before_us`, that have no survey yet (at most `limit`).
pub async fn due<C: ConnectionTrait>(
    c: &C,
    won_before_us: i64,
    limit: u64,
) -> Result<Vec<(LeadId, CustomerId)>> {
    let col = |n: &'static str| Expr::col(("leads", n));
    let sent = Query::select()
        .expr(Expr::val(1))
        .from("acq_surveys")
        .and_where(Expr::col(("acq_surveys", "lead_id")).equals(("leads", "id")))
        .to_owned();
    let q = Query::select()
        .expr(col("id"))
        .expr(col("customer_id"))
        .from("leads")
        .and_where(col("stage").eq(LeadStage::Won.as_str()))
        .and_where(col("stage_at_us").lt(won_before_us))
        .and_where(col("customer_id").is_not_null())
        .and_where(Expr::exists(sent).not())
        .limit(limit)
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let lead: Uuid = r.try_get_by_index(0)?;
            let customer: Uuid = r.try_get_by_index(1)?;
            Ok((lead.into(), customer.into()))
        })
        .collect()
}

pub async fn find_by_message<C: ConnectionTrait>(
    c: &C,
    message_id: Uuid,
) -> Result<Option<SurveyRow>> {
    let q = table::select::<SurveyRow>()
        .and_where(Expr::col("message_id").eq(message_id))
        .to_owned();
    table::one(c, &q).await
}

pub async fn of_lead<C: ConnectionTrait>(c: &C, lead: LeadId) -> Result<Option<SurveyRow>> {
    let q = table::select::<SurveyRow>()
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .to_owned();
    table::one(c, &q).await
}

/// Records the answer of a survey not yet answered; false when it already was.
pub async fn answer<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    satisfaction: i32,
    comment: Option<&str>,
    at_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("acq_surveys")
        .value("satisfaction", satisfaction)
        .value("comment", comment)
        .value("answered_at_us", at_us)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("answered_at_us").is_null())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Within the scope (the leads' branch and owner): the surveys sent in `[from_us, to_us)`, those answered
/// in it, and the sum of their scores.
pub async fn counts<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    from_us: i64,
    to_us: i64,
) -> Result<(i64, i64, i64)> {
    let s = |n: &'static str| Expr::col(("acq_surveys", n));
    let base = || {
        Query::select()
            .from("acq_surveys")
            .inner_join(
                "leads",
                Expr::col(("leads", "id")).equals(("acq_surveys", "lead_id")),
            )
            .cond_where(scope.cond_on("leads"))
            .to_owned()
    };
    let sent = base()
        .expr(Func::count(s("id")))
        .and_where(s("sent_at_us").gte(from_us))
        .and_where(s("sent_at_us").lt(to_us))
        .to_owned();
    let answered = base()
        .expr(Func::count(s("id")))
        .expr(Func::coalesce([
            Expr::expr(Func::sum(s("satisfaction"))),
            Expr::val(0i64),
        ]))
        .and_where(s("answered_at_us").gte(from_us))
        .and_where(s("answered_at_us").lt(to_us))
        .to_owned();
    let sent: i64 = match c.query_one(&sent).await? {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    let (answered, sum): (i64, i64) = match c.query_one(&answered).await? {
        Some(r) => (r.try_get_by_index(0)?, r.try_get_by_index(1)?),
        None => (0, 0),
    };
    Ok((sent, answered, sum))
}
