//! Tasks and interactions.

use crate::error::Result;
use crate::table::{self, Table};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

crate::table! {
    pub struct TaskRow in "tasks" {
        pub id: Uuid,
        pub customer_id: Uuid,
        pub owner_id: Option<Uuid>,
        /// `contact` (from a contact plan), `visit`, ...
        pub kind: String,
        pub plan_key: Option<String>,
        pub method: String,
        pub due_on: String,
        /// `open`, `done`, `cancelled`.
        pub status: String,
        /// Preparation notes (visits).
        pub note: Option<String>,
        /// Why (visits).
        pub purpose: Option<String>,
        /// When a visit is planned.
        pub scheduled_at_us: Option<i64>,
        /// A special plan for a key customer (seed 002).
        pub key_customer: bool,
        pub created_at_us: i64,
        pub done_at_us: Option<i64>,
        pub interaction_id: Option<Uuid>,
        pub on_time: Option<bool>,
    }
}

crate::table! {
    pub struct InteractionRow in "interactions" {
        pub id: Uuid,
        pub customer_id: Uuid,
        pub staff_id: Uuid,
        pub method: String,
        pub occurred_at_us: i64,
        pub outcome: String,
        pub needs: Option<String>,
        pub satisfaction: Option<i32>,
        pub next_step: Option<String>,
        pub task_id: Option<Uuid>,
        pub created_at_us: i64,
    }
}

pub async fn insert_tasks<C: ConnectionTrait>(c: &C, rows: &[TaskRow]) -> Result<()> {
    for chunk in rows.chunks(500) {
        let mut q = Query::insert();
        q.into_table("tasks")
            .columns(TaskRow::COLUMNS.iter().copied());
        for r in chunk {
            q.values_panic(r.values());
        }
        // A planner racing a hook (an interaction logged, a customer verified) may find the customer's
        // open contact task created meanwhile: the unique index keeps one, and the other insert is a
        // no-op instead of failing the whole batch.
        q.on_conflict(OnConflict::new().do_nothing().to_owned());
        c.execute(&q).await?;
    }
    Ok(())
}

/// Moves an open task (new due date, owner or plan), e.g. after a tier change.
pub async fn replan_task<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    owner_id: Option<Uuid>,
    plan_key: &str,
    method: &str,
    due_on: &str,
) -> Result<()> {
    let q = Query::update()
        .table("tasks")
        .value("owner_id", owner_id)
        .value("plan_key", plan_key)
        .value("method", method)
        .value("due_on", due_on)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").eq("open"))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Closes an open task: `done` (with the interaction and whether it was on time) or `cancelled`.
pub async fn close_task<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    status: &str,
    at_us: i64,
    interaction_id: Option<Uuid>,
    on_time: Option<bool>,
) -> Result<bool> {
    let q = Query::update()
        .table("tasks")
        .value("status", status)
        .value("done_at_us", at_us)
        .value("interaction_id", interaction_id)
        .value("on_time", on_time)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").eq("open"))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Open contact-plan tasks of these customers.
pub async fn open_contact_tasks<C: ConnectionTrait>(c: &C, ids: &[Uuid]) -> Result<Vec<TaskRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<TaskRow>()
        .and_where(Expr::col("customer_id").is_in(ids.iter().copied()))
        .and_where(Expr::col("kind").eq("contact"))
        .and_where(Expr::col("status").eq("open"))
        .to_owned();
    table::all::<TaskRow, _>(c, &q).await
}

/// The time of each customer's latest contact (any interaction).
pub async fn last_contacts<C: ConnectionTrait>(c: &C, ids: &[Uuid]) -> Result<Vec<(Uuid, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .column("customer_id")
        .expr(Expr::col("occurred_at_us").max())
        .from("interactions")
        .and_where(Expr::col("customer_id").is_in(ids.iter().copied()))
        .group_by_col("customer_id")
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}

/// Open tasks of an owner due on or before `until` (`YYYY-MM-DD`), soonest first.
pub async fn open_tasks_of<C: ConnectionTrait>(
    c: &C,
    owner: Uuid,
    until: Option<&str>,
    limit: u64,
) -> Result<Vec<TaskRow>> {
    let mut q = table::select::<TaskRow>();
    q.and_where(Expr::col("owner_id").eq(owner))
        .and_where(Expr::col("status").eq("open"));
    if let Some(u) = until {
        q.and_where(Expr::col("due_on").lte(u));
    }
    q.order_by("due_on", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit);
    table::all::<TaskRow, _>(c, &q).await
}

pub async fn tasks_of_customer<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Vec<TaskRow>> {
    let q = table::select::<TaskRow>()
        .and_where(Expr::col("customer_id").eq(id))
        .order_by("due_on", Order::Desc)
        .to_owned();
    table::all::<TaskRow, _>(c, &q).await
}

/// Contact tasks due in `[from, to]` with the branch of their customer, for coverage.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct CoverageRow {
    pub owner_id: Option<Uuid>,
    pub branch_code: String,
    pub status: String,
    pub on_time: Option<bool>,
    pub due_on: String,
}

pub async fn coverage_rows<C: ConnectionTrait>(
    c: &C,
    from: &str,
    to: &str,
    scope: &crate::customers::ScopeFilter,
) -> Result<Vec<CoverageRow>> {
    let mut q = Query::select();
    q.column(("tasks", "owner_id"))
        .column(("customers", "branch_code"))
        .column(("tasks", "status"))
        .column(("tasks", "on_time"))
        .column(("tasks", "due_on"))
        .from("tasks")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("tasks", "customer_id")),
        )
        .and_where(Expr::col(("tasks", "kind")).eq("contact"))
        .and_where(Expr::col(("tasks", "status")).ne("cancelled"))
        .and_where(Expr::col(("tasks", "due_on")).gte(from))
        .and_where(Expr::col(("tasks", "due_on")).lte(to))
        .cond_where(scope.cond_on("customers"));
    Ok(
        CoverageRow::find_by_statement(c.get_database_backend().build(&q))
            .all(c)
            .await?,
    )
}

pub async fn insert_interaction<C: ConnectionTrait>(c: &C, r: &InteractionRow) -> Result<()> {
    let q = Query::insert()
        .into_table("interactions")
        .columns(InteractionRow::COLUMNS.iter().copied())
        .values_panic(r.values())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn interactions_of<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
    limit: u64,
) -> Result<Vec<InteractionRow>> {
    let q = table::select::<InteractionRow>()
        .and_where(Expr::col("customer_id").eq(customer_id))
        .order_by("occurred_at_us", Order::Desc)
        .limit(limit)
        .to_owned();
    table::all::<InteractionRow, _>(c, &q).await
}

/// The contacts with these customers since `since_us` (the insights' rules over interactions).
pub async fn interactions_since<C: ConnectionTrait>(
    c: &C,
    customers: &[Uuid],
    since_us: i64,
) -> Result<Vec<InteractionRow>> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<InteractionRow>()
        .and_where(Expr::col("customer_id").is_in(customers.iter().copied()))
        .and_where(Expr::col("occurred_at_us").gte(since_us))
        .to_owned();
    table::all::<InteractionRow, _>(c, &q).await
}

/// Tasks by id, in any status (the follow-ups insights opened).
pub async fn tasks_by_ids<C: ConnectionTrait>(c: &C, ids: &[Uuid]) -> Result<Vec<TaskRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<TaskRow>()
        .and_where(Expr::col("id").is_in(ids.iter().copied()))
        .to_owned();
    table::all::<TaskRow, _>(c, &q).await
}

/// One open task of a customer by id (for completing a specific visit).
pub async fn open_task<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
    id: Uuid,
) -> Result<Option<TaskRow>> {
    let q = table::select::<TaskRow>()
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("customer_id").eq(customer_id))
        .and_where(Expr::col("status").eq("open"))
        .to_owned();
    table::one::<TaskRow, _>(c, &q).await
}

/// Visits planned for an owner in `[from_us, to_us)`, in time order.
pub async fn visits_of<C: ConnectionTrait>(
    c: &C,
    owner: Uuid,
    from_us: i64,
    to_us: i64,
) -> Result<Vec<TaskRow>> {
    let q = table::select::<TaskRow>()
        .and_where(Expr::col("owner_id").eq(owner))
        .and_where(Expr::col("kind").eq("visit"))
        .and_where(Expr::col("scheduled_at_us").gte(from_us))
        .and_where(Expr::col("scheduled_at_us").lt(to_us))
        .order_by("scheduled_at_us", Order::Asc)
        .to_owned();
    table::all::<TaskRow, _>(c, &q).await
}

/// An owner's tasks other than visits due in `[from, to]` (`YYYY-MM-DD`), in any status, by due date:
/// the calendar's contact tasks.
pub async fn tasks_due_between<C: ConnectionTrait>(
    c: &C,
    owner: Uuid,
    from: &str,
    to: &str,
    limit: u64,
) -> Result<Vec<TaskRow>> {
    let q = table::select::<TaskRow>()
        .and_where(Expr::col("owner_id").eq(owner))
        .and_where(Expr::col("kind").ne("visit"))
        .and_where(Expr::col("due_on").gte(from))
        .and_where(Expr::col("due_on").lte(to))
        .order_by("due_on", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all::<TaskRow, _>(c, &q).await
}
