//! The care programme's satisfaction surveys: one per record, sent through the outbox, the customer's
//! score kept in the clear for the report and their words sealed under the record's key.

use crate::error::Result;
use crate::table::{self, Table};
use banyan_domain::care::CareStatus;
use banyan_domain::ids::CareId;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

crate::table! {
    /// The survey of a care record.
    pub struct SurveyRow in "care_surveys" {
        pub record_id: CareId,
        /// The outbox message that asked (the customer's reply names it).
        pub message_id: Uuid,
        pub sent_at_us: i64,
        pub satisfaction: Option<i32>,
        pub comment_enc: Option<Vec<u8>>,
        pub answered_at_us: Option<i64>,
    }
}

/// Records a sent survey once per record: false when another run recorded one first.
pub async fn insert_once<C: ConnectionTrait>(c: &C, r: &SurveyRow) -> Result<bool> {
    let q = Query::insert()
        .into_table("care_surveys")
        .columns(SurveyRow::COLUMNS.iter().copied())
        .values_panic(r.values())
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

pub async fn of_message<C: ConnectionTrait>(c: &C, message: Uuid) -> Result<Option<SurveyRow>> {
    let q = table::select::<SurveyRow>()
        .and_where(Expr::col("message_id").eq(message))
        .to_owned();
    table::one(c, &q).await
}

pub async fn of_records<C: ConnectionTrait>(c: &C, ids: &[CareId]) -> Result<Vec<SurveyRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<SurveyRow>()
        .and_where(Expr::col("record_id").is_in(ids.iter().map(|i| i.uuid())))
        .order_by("sent_at_us", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Records the answer once: false when the survey was already answered.
pub async fn answer<C: ConnectionTrait>(
    c: &C,
    record: CareId,
    satisfaction: i32,
    comment_enc: Option<Vec<u8>>,
    at_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("care_surveys")
        .values([
            ("satisfaction", satisfaction.into()),
            ("comment_enc", comment_enc.into()),
            ("answered_at_us", at_us.into()),
        ])
        .and_where(Expr::col("record_id").eq(record.uuid()))
        .and_where(Expr::col("answered_at_us").is_null())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Destroys the customer's words of a record's survey (end of retention); the score stays for the report.
pub async fn forget_comment<C: ConnectionTrait>(c: &C, record: CareId) -> Result<()> {
    let q = Query::update()
        .table("care_surveys")
        .value("comment_enc", Option::<Vec<u8>>::None)
        .and_where(Expr::col("record_id").eq(record.uuid()))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Records due a survey: registered on or before `registered_before`, or ended (and not yet purged), with
/// none sent; the oldest registrations first, at most `limit`.
pub async fn due<C: ConnectionTrait>(
    c: &C,
    registered_before: i64,
    limit: u64,
) -> Result<Vec<CareId>> {
    let sent = Query::select()
        .expr(Expr::val(1))
        .from("care_surveys")
        .and_where(Expr::col(("care_surveys", "record_id")).equals(("care_records", "id")))
        .to_owned();
    let q = Query::select()
        .column(("care_records", "id"))
        .from("care_records")
        .cond_where(
            Cond::any()
                .add(
                    Cond::all()
                        .add(Expr::col("status").eq(CareStatus::Registered.as_str()))
                        .add(Expr::col("registered_at_us").lte(registered_before)),
                )
                .add(
                    Cond::all()
                        .add(Expr::col("status").eq(CareStatus::Ended.as_str()))
                        .add(Expr::col("purged_at_us").is_null()),
                ),
        )
        .and_where(Expr::exists(sent).not())
        .order_by("registered_at_us", Order::Asc)
        .limit(limit)
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| Ok(CareId::from_uuid(r.try_get_by_index::<Uuid>(0)?)))
        .collect()
}
