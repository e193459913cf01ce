//! Feedback and complaint cases, their log and tasks, staff notices and loaded calendars.

use crate::error::Result;
use crate::table;
use crate::table::Table;
use banyan_domain::calendar::{Extension, Pause, Unit};
use banyan_domain::feedback::CaseStatus;
use banyan_domain::ids::{CaseId, CustomerId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use uuid::Uuid;

crate::table! {
    /// One case, as stored. Written whole: `update_case` replaces every column if the version still matches.
    pub struct CaseRow in "cases" {
        pub id: CaseId,
        pub case_no: String,
        pub kind: String,
        pub channel: String,
        pub product: Option<String>,
        pub cause: Option<String>,
        pub severity: String,
        pub complex: bool,
        /// `individual`, `organization`, `non_customer`.
        pub party: String,
        pub customer_id: Option<CustomerId>,
        /// A non-customer's name and contact (encrypted JSON).
        pub complainant_enc: Option<Vec<u8>>,
        pub complainant_masked: Option<String>,
        pub branch_code: String,
        /// The customer's wealth tier when the case was registered (for analysis by segment).
        pub segment: Option<String>,
        pub subject: String,
        pub content: String,
        pub received_at_us: i64,
        /// When the clocks started: receipt, or the arrival of new facts on a repeat.
        pub clock_start_us: i64,
        pub created_by: StaffId,
        pub created_at_us: i64,
        pub department: String,
        pub owner_id: Option<StaffId>,
        pub route_rule: String,
        pub status: CaseStatus,
        pub escalation_level: i32,
        pub sla_rule: String,
        pub sla_amount: i32,
        pub sla_unit: Unit,
        pub sla_due_at_us: i64,
        pub reg_amount: Option<i32>,
        pub reg_unit: Option<Unit>,
        pub reg_due_at_us: Option<i64>,
        /// The next escalation threshold (None when nothing more can escalate, or while paused).
        pub next_check_at_us: Option<i64>,
        /// Pauses of the clocks (stored as a JSON list).
        pub pauses: Vec<Pause>,
        /// Extensions of the regulatory deadline (stored as a JSON list).
        pub extensions: Vec<Extension>,
        pub paused: bool,
        pub linked_case_id: Option<CaseId>,
        pub resolved_at_us: Option<i64>,
        pub solution: Option<String>,
        pub reply: Option<String>,
        /// `outbox` (sent as a message) or `recorded` (given by phone or letter, recorded here).
        pub reply_via: Option<String>,
        pub satisfaction: Option<i32>,
        pub survey_comment: Option<String>,
        pub surveyed_at_us: Option<i64>,
        pub sla_met: Option<bool>,
        pub reg_met: Option<bool>,
        pub reopen_until_us: Option<i64>,
        pub reopen_count: i32,
        pub lessons: Option<String>,
        pub improvement: Option<String>,
        pub version: i32,
        pub updated_at_us: i64,
        /// Internal SLA: 0 running, 1 warned (share used), 2 breached.
        pub sla_stage: i32,
        /// Regulatory deadline: 0 running (or none), 1 warned, 2 breached.
        pub reg_stage: i32,
    }
}

crate::enum_col!(CaseStatus, Unit);
crate::json_col!(Vec<Pause>, Vec<Extension>);

pub async fn insert_case<C: ConnectionTrait>(c: &C, r: &CaseRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Replaces the row if its version is still `expected`; false when someone else changed it first.
pub async fn update_case<C: ConnectionTrait>(c: &C, r: &CaseRow, expected: i32) -> Result<bool> {
    table::update_versioned(c, r, r.id.uuid(), &[], "version", expected).await
}

fn select() -> SelectStatement {
    table::select::<CaseRow>()
}

pub async fn find_case<C: ConnectionTrait>(c: &C, id: CaseId) -> Result<Option<CaseRow>> {
    let q = select()
        .and_where(Expr::col(("cases", "id")).eq(id.uuid()))
        .to_owned();
    table::one(c, &q).await
}

pub async fn find_case_by_no<C: ConnectionTrait>(c: &C, no: &str) -> Result<Option<CaseRow>> {
    let q = select()
        .and_where(Expr::col(("cases", "case_no")).eq(no))
        .to_owned();
    table::one(c, &q).await
}

/// Which cases a staff member sees.
#[derive(Debug, Clone)]
pub enum CaseScope {
    All,
    /// Cases of a branch, plus those the staff member owns or their department's queue in that branch.
    Branch {
        branch: String,
        me: Uuid,
        department: Option<String>,
    },
    /// Cases the staff member owns, of their customers, or in their department's queue at their branch.
    Own {
        me: Uuid,
        department: Option<String>,
        branch: Option<String>,
    },
}

impl CaseScope {
    fn cond(&self) -> Cond {
        let mut any = Cond::any();
        match self {
            CaseScope::All => return Cond::all(),
            CaseScope::Branch { branch, me, .. } => {
                any = any
                    .add(Expr::col(("cases", "branch_code")).eq(branch.clone()))
                    .add(Expr::col(("cases", "owner_id")).eq(*me))
                    .add(Expr::col(("cases", "created_by")).eq(*me));
            }
            CaseScope::Own {
                me,
                department,
                branch,
            } => {
                any = any
                    .add(Expr::col(("cases", "owner_id")).eq(*me))
                    .add(Expr::col(("cases", "created_by")).eq(*me))
                    .add(
                        Expr::col(("cases", "customer_id")).in_subquery(
                            Query::select()
                                .column("id")
                                .from("customers")
                                .and_where(Expr::col("rm_id").eq(*me))
                                .to_owned(),
                        ),
                    );
                if let (Some(d), Some(b)) = (department, branch) {
                    any = any.add(
                        Cond::all()
                            .add(Expr::col(("cases", "department")).eq(d.clone()))
                            .add(Expr::col(("cases", "branch_code")).eq(b.clone())),
                    );
                }
            }
        }
        any
    }
}

/// A case listing.
#[derive(Debug, Clone)]
pub struct CaseFilter {
    pub scope: CaseScope,
    pub status: Option<CaseStatus>,
    pub department: Option<String>,
    pub owner: Option<Uuid>,
    pub kind: Option<String>,
    /// Column equals value (`channel`, `cause`, `product`, `branch_code`, `segment`, ...: drill-down).
    pub eq: Vec<(&'static str, String)>,
    pub customer: Option<Uuid>,
    /// Only cases at or above this escalation level.
    pub min_level: Option<i32>,
    /// Leave out cases in this status (merged repeats, unless asked for).
    pub not_status: Option<CaseStatus>,
    /// Columns that must be empty (`cause`, `product`, `segment`: the "-" bucket of the analysis).
    pub null: Vec<&'static str>,
    /// Only cases with a deadline breached (SLA or regulatory).
    pub breached: bool,
    /// Received in `[from, to)`.
    pub received_from_us: Option<i64>,
    pub received_to_us: Option<i64>,
    /// The list's order.
    pub order: CaseOrder,
    /// Keyset of the default order: cases after this one.
    pub before: Option<CaseKey>,
    /// Keyset of the other orders: cases after this (value of the order's column, id).
    pub after: Option<(i64, Uuid)>,
    pub limit: u64,
}

/// The orders a case list can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseOrder {
    /// Open critical cases first, then newest first (the queue's order).
    #[default]
    Urgent,
    /// Oldest received first.
    Oldest,
    /// The internal deadline soonest first.
    DueSoonest,
}

impl CaseOrder {
    /// The column of the keyset of [`CaseOrder::Oldest`] and [`CaseOrder::DueSoonest`].
    fn column(self) -> Option<&'static str> {
        match self {
            CaseOrder::Urgent => None,
            CaseOrder::Oldest => Some("received_at_us"),
            CaseOrder::DueSoonest => Some("sla_due_at_us"),
        }
    }

    /// The keyset value of a row in this order (`None` for the default order, whose key is [`CaseKey`]).
    pub fn key_of(self, r: &CaseRow) -> Option<(i64, Uuid)> {
        match self {
            CaseOrder::Urgent => None,
            CaseOrder::Oldest => Some((r.received_at_us, r.id.uuid())),
            CaseOrder::DueSoonest => Some((r.sla_due_at_us, r.id.uuid())),
        }
    }
}

impl CaseFilter {
    pub fn scoped(scope: CaseScope, limit: u64) -> CaseFilter {
        CaseFilter {
            scope,
            status: None,
            department: None,
            owner: None,
            kind: None,
            eq: Vec::new(),
            customer: None,
            min_level: None,
            not_status: None,
            null: Vec::new(),
            breached: false,
            received_from_us: None,
            received_to_us: None,
            order: CaseOrder::Urgent,
            before: None,
            after: None,
            limit,
        }
    }
}

/// A case's place in every case list: open critical cases first, then newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseKey {
    pub urgent: bool,
    pub received_at_us: i64,
    pub id: Uuid,
}

impl CaseKey {
    pub fn of(r: &CaseRow) -> CaseKey {
        CaseKey {
            urgent: r.severity == "critical" && r.status == CaseStatus::Open,
            received_at_us: r.received_at_us,
            id: r.id.uuid(),
        }
    }

    /// As a list cursor: `urgent_received_id`.
    pub fn cursor(&self) -> String {
        format!(
            "{}_{}_{}",
            u8::from(self.urgent),
            self.received_at_us,
            self.id
        )
    }

    pub fn parse(s: &str) -> Option<CaseKey> {
        let mut p = s.splitn(3, '_');
        let urgent = match p.next()? {
            "1" => true,
            "0" => false,
            _ => return None,
        };
        Some(CaseKey {
            urgent,
            received_at_us: p.next()?.parse().ok()?,
            id: p.next()?.parse().ok()?,
        })
    }
}

/// The SQL of [`CaseKey::urgent`] (kept beside it so list order and cursors agree).
fn urgency() -> Expr {
    Expr::cust("CASE WHEN cases.severity = 'critical' AND cases.status = 'open' THEN 1 ELSE 0 END")
}

/// Cases in the filter's order (by default open critical cases first, then newest first).
pub async fn list_cases<C: ConnectionTrait>(c: &C, f: &CaseFilter) -> Result<Vec<CaseRow>> {
    let mut q = filtered(f);
    let col = |n: &'static str| Expr::col(("cases", n));
    match f.order.column() {
        None => {
            if let Some(k) = f.before {
                let (u, at, id) = (i32::from(k.urgent), k.received_at_us, k.id);
                q.cond_where(
                    Cond::any().add(urgency().lt(u)).add(
                        Cond::all().add(urgency().eq(u)).add(
                            Cond::any().add(col("received_at_us").lt(at)).add(
                                Cond::all()
                                    .add(col("received_at_us").eq(at))
                                    .add(col("id").lt(id)),
                            ),
                        ),
                    ),
                );
            }
            q.order_by_expr(urgency(), Order::Desc)
                .order_by(("cases", "received_at_us"), Order::Desc)
                .order_by(("cases", "id"), Order::Desc);
        }
        Some(key) => {
            if let Some((v, id)) = f.after {
                q.cond_where(
                    Cond::any()
                        .add(col(key).gt(v))
                        .add(Cond::all().add(col(key).eq(v)).add(col("id").gt(id))),
                );
            }
            q.order_by(("cases", key), Order::Asc)
                .order_by(("cases", "id"), Order::Asc);
        }
    }
    q.limit(f.limit);
    table::all(c, &q).await
}

/// How many cases the filter holds (keyset and limit aside), counted up to `cap`: past it, `cap + 1`.
pub async fn count_cases<C: ConnectionTrait>(c: &C, f: &CaseFilter, cap: u64) -> Result<u64> {
    let mut inner = filtered(f);
    inner.limit(cap + 1);
    let q = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(inner, "m")
        .to_owned();
    table::count(c, &q).await
}

/// The cases the filter's conditions hold, in no order.
fn filtered(f: &CaseFilter) -> SelectStatement {
    let mut q = select();
    q.cond_where(f.scope.cond());
    let col = |n: &'static str| Expr::col(("cases", n));
    if let Some(s) = f.status {
        q.and_where(col("status").eq(s.as_str()));
    }
    if let Some(d) = &f.department {
        q.and_where(col("department").eq(d.clone()));
    }
    if let Some(o) = f.owner {
        q.and_where(col("owner_id").eq(o));
    }
    if let Some(k) = &f.kind {
        q.and_where(col("kind").eq(k.clone()));
    }
    for (k, v) in &f.eq {
        q.and_where(col(k).eq(v.clone()));
    }
    if let Some(cu) = f.customer {
        q.and_where(col("customer_id").eq(cu));
    }
    if let Some(l) = f.min_level {
        q.and_where(col("escalation_level").gte(l));
    }
    if let Some(s) = f.not_status {
        q.and_where(col("status").ne(s.as_str()));
    }
    for n in &f.null {
        q.and_where(col(n).is_null());
    }
    if f.breached {
        q.cond_where(
            Cond::any()
                .add(col("sla_stage").gte(2))
                .add(col("reg_stage").gte(2)),
        );
    }
    if let Some(t) = f.received_from_us {
        q.and_where(col("received_at_us").gte(t));
    }
    if let Some(t) = f.received_to_us {
        q.and_where(col("received_at_us").lt(t));
    }
    q
}

/// Open, running cases whose next escalation threshold has passed.
pub async fn due_checks<C: ConnectionTrait>(
    c: &C,
    now_us: i64,
    limit: u64,
) -> Result<Vec<CaseRow>> {
    let q = select()
        .and_where(Expr::col(("cases", "status")).eq(CaseStatus::Open.as_str()))
        .and_where(Expr::col(("cases", "next_check_at_us")).lte(now_us))
        .order_by(("cases", "next_check_at_us"), Order::Asc)
        .limit(limit)
        .to_owned();
    table::all(c, &q).await
}

/// Open cases per owner within a department (to pick the least-loaded owner).
pub async fn open_load<C: ConnectionTrait>(c: &C, department: &str) -> Result<Vec<(Uuid, i64)>> {
    let q = Query::select()
        .column("owner_id")
        .expr(Expr::col("id").count())
        .from("cases")
        .and_where(Expr::col("department").eq(department))
        .and_where(Expr::col("status").eq(CaseStatus::Open.as_str()))
        .and_where(Expr::col("owner_id").is_not_null())
        .group_by_col("owner_id")
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Log, tasks, notices
// ---------------------------------------------------------------------------------------------

crate::table! {
    /// One entry of a case's log.
    pub struct CaseLogRow in "case_log" {
        pub id: Uuid,
        pub case_id: CaseId,
        pub at_us: i64,
        pub actor_id: Option<Uuid>,
        pub action: String,
        pub note: Option<String>,
        /// JSON.
        pub detail: String,
    }
}

pub async fn insert_log<C: ConnectionTrait>(c: &C, rows: &[CaseLogRow]) -> Result<()> {
    table::insert(c, rows).await
}

/// A case's log, in order. `since_us` bounds it from below (when the case was received or registered, less
/// a margin for the clocks of several nodes): on PostgreSQL `case_log` is partitioned by month, and the bound
/// keeps the read from probing the months before the case existed.
pub async fn log_for<C: ConnectionTrait>(
    c: &C,
    case_id: CaseId,
    since_us: i64,
) -> Result<Vec<CaseLogRow>> {
    let q = table::select::<CaseLogRow>()
        .and_where(Expr::col("case_id").eq(case_id.uuid()))
        .and_where(Expr::col("at_us").gte(since_us))
        .order_by("at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

crate::table! {
    /// A cross-department task on a case.
    pub struct CaseTaskRow in "case_tasks" {
        pub id: Uuid,
        pub case_id: CaseId,
        pub department: String,
        pub owner_id: Option<Uuid>,
        pub title: String,
        pub due_at_us: i64,
        /// `open` or `done`.
        pub status: String,
        pub result: Option<String>,
        pub created_at_us: i64,
        pub done_at_us: Option<i64>,
    }
}

pub async fn insert_task<C: ConnectionTrait>(c: &C, r: &CaseTaskRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

pub async fn tasks_for<C: ConnectionTrait>(c: &C, case_id: CaseId) -> Result<Vec<CaseTaskRow>> {
    let q = table::select::<CaseTaskRow>()
        .and_where(Expr::col("case_id").eq(case_id.uuid()))
        .order_by("created_at_us", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Completes an open task; false if it was not open.
pub async fn complete_task<C: ConnectionTrait>(
    c: &C,
    case_id: CaseId,
    task_id: Uuid,
    result: &str,
    now_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("case_tasks")
        .value("status", "done")
        .value("result", result)
        .value("done_at_us", now_us)
        .and_where(Expr::col("id").eq(task_id))
        .and_where(Expr::col("case_id").eq(case_id.uuid()))
        .and_where(Expr::col("status").eq("open"))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

crate::table! {
    /// A notice to a staff member (shown on the home page).
    pub struct NoticeRow in "staff_notices" {
        pub id: Uuid,
        pub staff_id: Uuid,
        pub case_id: Option<CaseId>,
        /// The customer the notice is about (verified, returned, a case about them), if any.
        pub customer_id: Option<Uuid>,
        /// `case.assigned`, `case.warning`, `case.breach`, ...
        pub kind: String,
        pub text: String,
        pub created_at_us: i64,
        pub read_at_us: Option<i64>,
    }
}

impl NoticeRow {
    /// An unread notice to `staff` about a customer (no case): its kind and its text (a number, a step).
    pub fn about_customer(
        staff: Uuid,
        kind: &str,
        customer: Uuid,
        text: impl Into<String>,
        at_us: i64,
    ) -> NoticeRow {
        NoticeRow {
            id: Uuid::now_v7(),
            staff_id: staff,
            case_id: None,
            customer_id: Some(customer),
            kind: kind.to_owned(),
            text: text.into(),
            created_at_us: at_us,
            read_at_us: None,
        }
    }
}

pub async fn insert_notices<C: ConnectionTrait>(c: &C, rows: &[NoticeRow]) -> Result<()> {
    table::insert(c, rows).await
}

/// The notices of these kinds written since a moment, as (staff, kind, text): what a reminder job already said.
pub async fn notices_since<C: ConnectionTrait>(
    c: &C,
    kinds: &[&str],
    since_us: i64,
) -> Result<Vec<(Uuid, String, String)>> {
    let q = Query::select()
        .columns(["staff_id", "kind", "text"])
        .from("staff_notices")
        .and_where(Expr::col("kind").is_in(kinds.iter().copied()))
        .and_where(Expr::col("created_at_us").gte(since_us))
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
            ))
        })
        .collect()
}

/// A staff member's notices, newest first.
pub async fn notices_for<C: ConnectionTrait>(
    c: &C,
    staff_id: Uuid,
    limit: u64,
) -> Result<Vec<NoticeRow>> {
    let q = table::select::<NoticeRow>()
        .and_where(Expr::col("staff_id").eq(staff_id))
        .order_by("created_at_us", Order::Desc)
        .limit(limit)
        .to_owned();
    table::all(c, &q).await
}

pub async fn mark_notices_read<C: ConnectionTrait>(
    c: &C,
    staff_id: Uuid,
    now_us: i64,
) -> Result<u64> {
    let q = Query::update()
        .table("staff_notices")
        .value("read_at_us", now_us)
        .and_where(Expr::col("staff_id").eq(staff_id))
        .and_where(Expr::col("read_at_us").is_null())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected())
}

// ---------------------------------------------------------------------------------------------
// Calendars
// ---------------------------------------------------------------------------------------------

crate::table! {
    pub struct CalendarRow in "calendars" {
        pub name: String,
        pub body: String,
        pub updated_by: Uuid,
        pub updated_at_us: i64,
    }
}

pub async fn upsert_calendar<C: ConnectionTrait>(c: &C, r: &CalendarRow) -> Result<()> {
    let q = Query::insert()
        .into_table("calendars")
        .columns(CalendarRow::COLUMNS.iter().copied())
        .values_panic(r.values())
        .on_conflict(
            OnConflict::column("name")
                .update_columns(["body", "updated_by", "updated_at_us"])
                .to_owned(),
        )
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn list_calendars<C: ConnectionTrait>(c: &C) -> Result<Vec<CalendarRow>> {
    let q = table::select::<CalendarRow>()
        .order_by("name", Order::Asc)
        .to_owned();
    table::all::<CalendarRow, _>(c, &q).await
}

// ---------------------------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------------------------

crate::table! {
    /// An attachment without its bytes (for listing); the bytes are the `data` column beside it.
    pub struct AttachmentMeta in "case_attachments" {
        pub id: Uuid,
        pub case_id: CaseId,
        pub filename: String,
        pub content_type: String,
        pub size_bytes: i64,
        pub sha256: String,
        pub uploaded_by: Uuid,
        pub uploaded_at_us: i64,
    }
}

pub async fn insert_attachment<C: ConnectionTrait>(
    c: &C,
    m: &AttachmentMeta,
    data: Vec<u8>,
) -> Result<()> {
    table::insert_with_data(c, m, data).await
}

pub async fn attachments_for<C: ConnectionTrait>(
    c: &C,
    case_id: CaseId,
) -> Result<Vec<AttachmentMeta>> {
    let q = table::select::<AttachmentMeta>()
        .and_where(Expr::col("case_id").eq(case_id.uuid()))
        .order_by("uploaded_at_us", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// One attachment's metadata and (encrypted) bytes.
pub async fn find_attachment<C: ConnectionTrait>(
    c: &C,
    case_id: CaseId,
    id: Uuid,
) -> Result<Option<(AttachmentMeta, Vec<u8>)>> {
    let Some(m) = attachments_for(c, case_id)
        .await?
        .into_iter()
        .find(|a| a.id == id)
    else {
        return Ok(None);
    };
    Ok(table::data_of::<AttachmentMeta, _>(c, id)
        .await?
        .map(|d| (m, d)))
}
