//! Care records (seed 003): the record with its sensitive detail as ciphertext (the app holds the keys),
//! the team, its tasks, the measures, and the compartment's notes, grants and reads.

pub mod compartment;
pub mod hospitals;
pub mod report;
pub mod survey;

use crate::customers::ScopeFilter;
use crate::error::Result;
use crate::table;
use banyan_domain::care::measures::{MeasureKind, MeasureState};
use banyan_domain::care::team::{CareRole, CareTaskKind};
use banyan_domain::care::{
    Adjustment, CareSource, CareStatus, ConsentScope, FinancialImpact, Situation,
};
use banyan_domain::ids::{CareId, CareMeasureId, CareTaskId, CustomerId, StaffId};
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, Order, Query};

crate::enum_col!(
    CareStatus,
    CareSource,
    Situation,
    FinancialImpact,
    CareRole,
    CareTaskKind,
    MeasureKind,
    MeasureState
);
crate::json_col!(Vec<Adjustment>, Vec<ConsentScope>);

crate::table! {
    /// A care record. The `*_enc` columns are encrypted under the record's own key (`key_enc`, wrapped by
    /// the field key); destroying that key at the end of retention destroys the detail.
    pub struct CareRow in "care_records" {
        pub id: CareId,
        pub customer_id: CustomerId,
        pub status: CareStatus,
        pub source: CareSource,
        pub discovered_on: Date,
        pub reported_by: StaffId,
        pub reported_at_us: i64,
        pub situation: Option<Situation>,
        pub impact: Option<FinancialImpact>,
        pub decided_by: Option<StaffId>,
        pub decided_at_us: Option<i64>,
        pub decision_note: Option<String>,
        pub registered_by: Option<StaffId>,
        pub registered_at_us: Option<i64>,
        pub review_on: Option<Date>,
        pub adjustments: Vec<Adjustment>,
        pub advice_line: Option<String>,
        pub consent_scopes: Vec<ConsentScope>,
        pub consent_on: Option<Date>,
        pub consent_withdrawn_at_us: Option<i64>,
        pub ended_at_us: Option<i64>,
        pub end_reason: Option<String>,
        pub purge_on: Option<Date>,
        pub purged_at_us: Option<i64>,
        pub key_enc: Option<Vec<u8>>,
        pub lead_enc: Option<Vec<u8>>,
        pub detail_enc: Option<Vec<u8>>,
        pub diagnosis_enc: Option<Vec<u8>>,
        pub version: i32,
    }
}

crate::table! {
    /// A part on a care team and who holds it; `confirmed_at_us` once they confirmed the confidentiality
    /// terms.
    pub struct CareTeamRow in "care_team" {
        pub record_id: CareId,
        pub role: CareRole,
        pub staff_id: StaffId,
        pub assigned_by: StaffId,
        pub assigned_at_us: i64,
        pub confirmed_at_us: Option<i64>,
    }
}

crate::table! {
    /// A duty of the team due on a day; its holder is the part's holder when it was set.
    pub struct CareTaskRow in "care_tasks" {
        pub id: CareTaskId,
        pub record_id: CareId,
        pub kind: CareTaskKind,
        pub role: CareRole,
        pub staff_id: Option<StaffId>,
        pub due_on: Date,
        pub done_at_us: Option<i64>,
        pub done_by: Option<StaffId>,
    }
}

crate::table! {
    /// A measure taken for the customer.
    pub struct MeasureRow in "care_measures" {
        pub id: CareMeasureId,
        pub record_id: CareId,
        pub kind: MeasureKind,
        pub state: MeasureState,
        pub owner_id: StaffId,
        pub second_staff: Option<StaffId>,
        pub requested_by: StaffId,
        pub requested_at_us: i64,
        pub due_at_us: Option<i64>,
        pub account_no: Option<String>,
        pub amount: Option<i64>,
        pub starts_on: Option<Date>,
        pub ends_on: Option<Date>,
        pub scheduled_at_us: Option<i64>,
        pub what: String,
        pub decided_by: Option<StaffId>,
        pub decided_at_us: Option<i64>,
        pub reason: Option<String>,
        pub outcome: Option<String>,
        pub done_at_us: Option<i64>,
        pub version: i32,
        /// The partner hospital of a green-channel referral.
        pub hospital_id: Option<uuid::Uuid>,
    }
}

/// Which records a list shows.
#[derive(Debug, Clone)]
pub struct CareFilter {
    /// The reader: records whose team they are on, or that they reported.
    pub staff: StaffId,
    /// Records of customers in this scope too (supervisors who verify and register); `Nothing` otherwise.
    pub scope: ScopeFilter,
    pub statuses: Vec<CareStatus>,
    pub customer: Option<CustomerId>,
}

fn filter_cond(f: &CareFilter) -> Cond {
    let team = Query::select()
        .expr(Expr::val(1))
        .from("care_team")
        .and_where(Expr::col(("care_team", "record_id")).equals(("care_records", "id")))
        .and_where(Expr::col(("care_team", "staff_id")).eq(f.staff.uuid()))
        .to_owned();
    let mine = Cond::any()
        .add(Expr::exists(team))
        .add(Expr::col(("care_records", "reported_by")).eq(f.staff.uuid()))
        .add(f.scope.cond_on("customers"));
    let mut c = Cond::all().add(mine);
    if !f.statuses.is_empty() {
        c = c.add(
            Expr::col(("care_records", "status")).is_in(f.statuses.iter().map(|s| s.as_str())),
        );
    }
    if let Some(cust) = f.customer {
        c = c.add(Expr::col(("care_records", "customer_id")).eq(cust.uuid()));
    }
    c
}

fn joined() -> sea_orm::sea_query::SelectStatement {
    table::select::<CareRow>()
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("care_records", "customer_id")),
        )
        .to_owned()
}

/// A page of the records `f` shows, newest report first, and how many there are.
pub async fn list<C: ConnectionTrait>(
    c: &C,
    f: &CareFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<CareRow>, u64)> {
    let q = joined()
        .cond_where(filter_cond(f))
        .order_by(("care_records", "reported_at_us"), Order::Desc)
        .order_by(("care_records", "id"), Order::Desc)
        .offset(offset)
        .limit(limit)
        .to_owned();
    let rows = table::all(c, &q).await?;
    let n = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from("care_records")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("care_records", "customer_id")),
        )
        .cond_where(filter_cond(f))
        .to_owned();
    Ok((rows, table::count(c, &n).await?))
}

pub async fn find<C: ConnectionTrait>(c: &C, id: CareId) -> Result<Option<CareRow>> {
    let q = table::select::<CareRow>()
        .and_where(Expr::col("id").eq(id.uuid()))
        .to_owned();
    table::one(c, &q).await
}

/// The records with these ids (in no particular order).
pub async fn find_many<C: ConnectionTrait>(c: &C, ids: &[CareId]) -> Result<Vec<CareRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let q = table::select::<CareRow>()
            .and_where(Expr::col("id").is_in(chunk.iter().map(|i| i.uuid())))
            .to_owned();
        out.extend(table::all::<CareRow, _>(c, &q).await?);
    }
    Ok(out)
}

/// The customer's open record (reported, verified or registered), if any.
pub async fn open_of<C: ConnectionTrait>(c: &C, customer: CustomerId) -> Result<Option<CareRow>> {
    let open: Vec<&str> = CareStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    let q = table::select::<CareRow>()
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .and_where(Expr::col("status").is_in(open))
        .order_by("reported_at_us", Order::Desc)
        .to_owned();
    table::one(c, &q).await
}

/// The registered records of `customers` (a campaign's marketing pause, the queues' priority flag, the
/// book's monitoring).
pub async fn registered_of<C: ConnectionTrait>(
    c: &C,
    customers: &[CustomerId],
) -> Result<Vec<CareRow>> {
    let mut out = Vec::new();
    for chunk in customers.chunks(500) {
        let q = table::select::<CareRow>()
            .and_where(Expr::col("status").eq(CareStatus::Registered.as_str()))
            .and_where(Expr::col("customer_id").is_in(chunk.iter().map(|c| c.uuid())))
            .to_owned();
        out.extend(table::all::<CareRow, _>(c, &q).await?);
    }
    Ok(out)
}

/// Of `customers`, those registered with adjustment `adj` (the queues' priority flag, the outbox's marketing
/// pause, the contacts' stronger authentication).
pub async fn registered_with<C: ConnectionTrait>(
    c: &C,
    customers: &[CustomerId],
    adj: Adjustment,
) -> Result<std::collections::HashSet<CustomerId>> {
    Ok(registered_of(c, customers)
        .await?
        .into_iter()
        .filter(|r| r.adjustments.contains(&adj))
        .map(|r| r.customer_id)
        .collect())
}

pub async fn insert<C: ConnectionTrait>(c: &C, r: &CareRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Writes `r` over the stored row if it is still at `expected`; false when someone changed it first.
pub async fn update<C: ConnectionTrait>(c: &C, r: &CareRow, expected: i32) -> Result<bool> {
    table::update_versioned(c, r, r.id.uuid(), &[], "version", expected).await
}

/// Records whose sensitive detail is due for destruction on or before `day`.
pub async fn due_for_purge<C: ConnectionTrait>(c: &C, day: Date) -> Result<Vec<CareRow>> {
    let q = table::select::<CareRow>()
        .and_where(Expr::col("purge_on").lte(day.to_string()))
        .and_where(Expr::col("purged_at_us").is_null())
        .to_owned();
    table::all(c, &q).await
}

pub async fn team_of<C: ConnectionTrait>(c: &C, id: CareId) -> Result<Vec<CareTeamRow>> {
    let q = table::select::<CareTeamRow>()
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .to_owned();
    table::all(c, &q).await
}

/// The teams of the records in `ids`.
pub async fn team_of_many<C: ConnectionTrait>(c: &C, ids: &[CareId]) -> Result<Vec<CareTeamRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let q = table::select::<CareTeamRow>()
            .and_where(Expr::col("record_id").is_in(chunk.iter().map(|i| i.uuid())))
            .to_owned();
        out.extend(table::all::<CareTeamRow, _>(c, &q).await?);
    }
    Ok(out)
}

/// Takes the part off the team; whether someone held it.
pub async fn clear_role<C: ConnectionTrait>(c: &C, id: CareId, role: CareRole) -> Result<bool> {
    let q = Query::delete()
        .from_table("care_team")
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .and_where(Expr::col("role").eq(role.as_str()))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() > 0)
}

pub async fn insert_member<C: ConnectionTrait>(c: &C, r: &CareTeamRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Records the member's confirmation of the confidentiality terms; whether they were on the team.
pub async fn confirm<C: ConnectionTrait>(
    c: &C,
    id: CareId,
    staff: StaffId,
    at_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("care_team")
        .value("confirmed_at_us", at_us)
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .and_where(Expr::col("staff_id").eq(staff.uuid()))
        .and_where(Expr::col("confirmed_at_us").is_null())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() > 0)
}

pub async fn tasks_of<C: ConnectionTrait>(c: &C, id: CareId) -> Result<Vec<CareTaskRow>> {
    let q = table::select::<CareTaskRow>()
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .order_by("due_on", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// A staff member's open care tasks, soonest first (their home page).
pub async fn open_tasks_of<C: ConnectionTrait>(
    c: &C,
    staff: StaffId,
    limit: u64,
) -> Result<Vec<CareTaskRow>> {
    let q = table::select::<CareTaskRow>()
        .and_where(Expr::col("staff_id").eq(staff.uuid()))
        .and_where(Expr::col("done_at_us").is_null())
        .order_by("due_on", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all(c, &q).await
}

pub async fn insert_tasks<C: ConnectionTrait>(c: &C, rows: &[CareTaskRow]) -> Result<()> {
    table::insert(c, rows).await
}

/// Gives a part's open tasks to its new holder (or none when the part is vacated).
pub async fn reassign_tasks<C: ConnectionTrait>(
    c: &C,
    id: CareId,
    role: CareRole,
    staff: Option<StaffId>,
) -> Result<()> {
    let q = Query::update()
        .table("care_tasks")
        .value("staff_id", staff.map(|s| s.uuid()))
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .and_where(Expr::col("role").eq(role.as_str()))
        .and_where(Expr::col("done_at_us").is_null())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Marks an open task done; false when it was done already or is not the record's.
pub async fn finish_task<C: ConnectionTrait>(
    c: &C,
    id: CareId,
    task: CareTaskId,
    by: StaffId,
    at_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("care_tasks")
        .value("done_at_us", at_us)
        .value("done_by", by.uuid())
        .and_where(Expr::col("id").eq(task.uuid()))
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .and_where(Expr::col("done_at_us").is_null())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() > 0)
}

/// Closes the record's open tasks (the record ended).
pub async fn close_tasks<C: ConnectionTrait>(
    c: &C,
    id: CareId,
    by: StaffId,
    at_us: i64,
) -> Result<()> {
    let q = Query::update()
        .table("care_tasks")
        .value("done_at_us", at_us)
        .value("done_by", by.uuid())
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .and_where(Expr::col("done_at_us").is_null())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn measures_of<C: ConnectionTrait>(c: &C, id: CareId) -> Result<Vec<MeasureRow>> {
    let q = table::select::<MeasureRow>()
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .order_by("requested_at_us", Order::Desc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn find_measure<C: ConnectionTrait>(
    c: &C,
    id: CareId,
    m: CareMeasureId,
) -> Result<Option<MeasureRow>> {
    let q = table::select::<MeasureRow>()
        .and_where(Expr::col("id").eq(m.uuid()))
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .to_owned();
    table::one(c, &q).await
}

pub async fn insert_measure<C: ConnectionTrait>(c: &C, r: &MeasureRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

pub async fn update_measure<C: ConnectionTrait>(
    c: &C,
    r: &MeasureRow,
    expected: i32,
) -> Result<bool> {
    table::update_versioned(c, r, r.id.uuid(), &[], "version", expected).await
}
