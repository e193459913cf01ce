//! The policy engine's tables: metrics, current assignments, their history, the outbox and alerts.

use crate::error::Result;
use crate::table::{self, Table};
use banyan_domain::book::monitoring::{AlertStatus, Disposition};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

crate::enum_col!(AlertStatus, Disposition);

crate::table! {
    pub struct MetricsRow in "customer_metrics" {
        pub customer_id: Uuid,
        /// Business date, `YYYY-MM-DD`.
        pub as_of: String,
        pub aum: i64,
        /// The metrics document (JSON).
        pub data: String,
        pub recorded_at_us: i64,
        pub recorded_by: Uuid,
    }
}

crate::table! {
    pub struct AssignmentRow in "segment_assignments" {
        pub customer_id: Uuid,
        pub dimension: String,
        pub value: String,
        pub reason: String,
        /// The structured checks behind the reason (JSON array).
        pub checks: String,
        pub policy_hash: String,
        pub assigned_at_us: i64,
    }
}

crate::table! {
    pub struct HistoryRow in "segment_history" {
        pub id: Uuid,
        pub customer_id: Uuid,
        pub dimension: String,
        pub old_value: Option<String>,
        pub new_value: Option<String>,
        pub reason: String,
        pub policy_hash: String,
        pub at_us: i64,
    }
}

crate::table! {
    pub struct OutboxRow in "outbox" {
        pub id: Uuid,
        pub topic: String,
        pub customer_id: Option<Uuid>,
        pub payload: String,
        pub created_at_us: i64,
        pub published_at_us: Option<i64>,
        /// Its place in the outbound feed, given when it is published.
        pub seq: Option<i64>,
    }
}

crate::table! {
    /// An alert of the one queue: an early warning of the policy engine or a monitoring hit.
    pub struct AlertRow in "alerts" {
        pub id: Uuid,
        pub customer_id: Uuid,
        pub indicator: String,
        /// What the alert is about within its indicator: a monitoring alert's day; empty for warnings.
        pub subject: String,
        pub status: AlertStatus,
        pub owner_id: Option<Uuid>,
        pub reason: String,
        pub checks: String,
        pub due_on: String,
        pub created_at_us: i64,
        pub closed_at_us: Option<i64>,
        pub closed_by: Option<Uuid>,
        pub resolution: Option<String>,
        pub disposition: Option<Disposition>,
        pub escalated_at_us: Option<i64>,
    }
}

/// Records a policy's content once per distinct content; true when it was never seen before.
pub async fn record_policy<C: ConnectionTrait>(
    c: &C,
    hash: &str,
    version: &str,
    content: &str,
    at_us: i64,
) -> Result<bool> {
    let q = Query::insert()
        .into_table("policy_versions")
        .columns(["hash", "version", "content", "loaded_at_us"])
        .values_panic([hash.into(), version.into(), content.into(), at_us.into()])
        .on_conflict(OnConflict::column("hash").do_nothing().to_owned())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// The policy put in force last (`policy_changes`): its hash and content.
pub async fn policy_in_force<C: ConnectionTrait>(c: &C) -> Result<Option<(String, String)>> {
    let q = Query::select()
        .column(("policy_changes", "hash"))
        .column(("policy_versions", "content"))
        .from("policy_changes")
        .inner_join(
            "policy_versions",
            Expr::col(("policy_versions", "hash")).equals(("policy_changes", "hash")),
        )
        .order_by(("policy_changes", "seq"), Order::Desc)
        .limit(1)
        .to_owned();
    match c.query_one(&q).await? {
        None => Ok(None),
        Some(r) => Ok(Some((r.try_get_by_index(0)?, r.try_get_by_index(1)?))),
    }
}

/// Puts a recorded policy in force (every node takes it up), next in the order the database counts; in
/// the caller's write transaction.
pub async fn put_policy_in_force<C: ConnectionTrait>(c: &C, hash: &str, at_us: i64) -> Result<()> {
    let backend = c.get_database_backend();
    if backend == sea_orm::DbBackend::Postgres {
        // Two nodes putting a policy in force at once count one after the other (SQLite's write
        // transaction already does).
        c.execute_unprepared("LOCK TABLE policy_changes IN SHARE ROW EXCLUSIVE MODE")
            .await?;
    }
    let next = Query::select()
        .expr(Expr::val(Uuid::now_v7()))
        .expr(Expr::cust("COALESCE(MAX(seq), 0) + 1"))
        .expr(Expr::val(hash))
        .expr(Expr::val(at_us))
        .from("policy_changes")
        .to_owned();
    let q = Query::insert()
        .into_table("policy_changes")
        .columns(["id", "seq", "hash", "at_us"])
        .select_from(next)
        .map_err(|e| crate::error::StoreError::Corrupt(format!("policy change: {e}")))?
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Writes metrics; a second load for the same customer and date replaces the first.
pub async fn upsert_metrics<C: ConnectionTrait>(c: &C, rows: &[MetricsRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table("customer_metrics")
        .columns(MetricsRow::COLUMNS.iter().copied());
    for r in rows {
        q.values_panic(r.values());
    }
    q.on_conflict(
        OnConflict::columns(["customer_id", "as_of"])
            .update_columns(["aum", "data", "recorded_at_us", "recorded_by"])
            .to_owned(),
    );
    c.execute(&q).await?;
    Ok(())
}

/// The metrics of these customers on or after `since` (`YYYY-MM-DD`), by customer and date; plus, for a
/// customer with nothing that recent, its latest row (so old metrics still count, only trends need the
/// window).
pub async fn recent_metrics<C: ConnectionTrait>(
    c: &C,
    ids: &[Uuid],
    since: &str,
) -> Result<Vec<MetricsRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let latest = Query::select()
        .expr(Expr::col(("m2", "as_of")).max())
        .from_as("customer_metrics", "m2")
        .and_where(Expr::col(("m2", "customer_id")).equals(("m", "customer_id")))
        .to_owned();
    let q = Query::select()
        .columns(MetricsRow::COLUMNS.iter().map(|col| ("m", *col)))
        .from_as("customer_metrics", "m")
        .and_where(Expr::col(("m", "customer_id")).is_in(ids.iter().copied()))
        .cond_where(
            sea_orm::sea_query::Cond::any()
                .add(Expr::col(("m", "as_of")).gte(since))
                .add(Expr::col(("m", "as_of")).eq(Expr::SubQuery(
                    None,
                    Box::new(sea_orm::sea_query::SubQueryStatement::SelectStatement(
                        latest,
                    )),
                ))),
        )
        .order_by(("m", "customer_id"), Order::Asc)
        .order_by(("m", "as_of"), Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Each customer's latest metrics on or before `until` (`YYYY-MM-DD`), if any.
pub async fn latest_metrics<C: ConnectionTrait>(
    c: &C,
    ids: &[Uuid],
    until: &str,
) -> Result<Vec<MetricsRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let latest = Query::select()
        .expr(Expr::col(("m2", "as_of")).max())
        .from_as("customer_metrics", "m2")
        .and_where(Expr::col(("m2", "customer_id")).equals(("m", "customer_id")))
        .and_where(Expr::col(("m2", "as_of")).lte(until))
        .to_owned();
    let q = Query::select()
        .columns(MetricsRow::COLUMNS.iter().map(|col| ("m", *col)))
        .from_as("customer_metrics", "m")
        .and_where(Expr::col(("m", "customer_id")).is_in(ids.iter().copied()))
        .and_where(Expr::col(("m", "as_of")).eq(Expr::SubQuery(
            None,
            Box::new(sea_orm::sea_query::SubQueryStatement::SelectStatement(
                latest,
            )),
        )))
        .to_owned();
    table::all(c, &q).await
}

/// The latest figures on or before `until` of every customer these managers manage (`customers.rm_id`):
/// (customer, the metrics document), one statement per thousand managers — a scorecard over a whole bank
/// reads its millions of customers by their managers, not by lists of their ids — and one backward probe of
/// `(customer_id, as_of)` per customer, however many days of figures the customer has.
pub async fn latest_metrics_managed<C: ConnectionTrait>(
    c: &C,
    managers: &[Uuid],
    until: &str,
) -> Result<Vec<(Uuid, String)>> {
    let mut out = Vec::new();
    for chunk in managers.chunks(1000) {
        let latest = Query::select()
            .column(("m", "data"))
            .from_as("customer_metrics", "m")
            .and_where(Expr::col(("m", "customer_id")).equals(("customers", "id")))
            .and_where(Expr::col(("m", "as_of")).lte(until))
            .order_by(("m", "as_of"), Order::Desc)
            .limit(1)
            .to_owned();
        let q = Query::select()
            .column(("customers", "id"))
            .expr(Expr::SubQuery(
                None,
                Box::new(sea_orm::sea_query::SubQueryStatement::SelectStatement(
                    latest,
                )),
            ))
            .from("customers")
            .and_where(Expr::col(("customers", "rm_id")).is_in(chunk.iter().copied()))
            .to_owned();
        for r in c.query_all(&q).await? {
            if let Some(data) = r.try_get_by_index::<Option<String>>(1)? {
                out.push((r.try_get_by_index(0)?, data));
            }
        }
    }
    Ok(out)
}

/// A customer's AUM by business date from `since` (`YYYY-MM-DD`) on, oldest first.
pub async fn aum_since<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    since: &str,
) -> Result<Vec<(String, i64)>> {
    let q = Query::select()
        .columns(["as_of", "aum"])
        .from("customer_metrics")
        .and_where(Expr::col("customer_id").eq(id))
        .and_where(Expr::col("as_of").gte(since))
        .order_by("as_of", Order::Asc)
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get_by_index::<String>(0)?,
                r.try_get_by_index::<i64>(1)?,
            ))
        })
        .collect()
}

pub async fn assignments_for<C: ConnectionTrait>(
    c: &C,
    ids: &[Uuid],
) -> Result<Vec<AssignmentRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<AssignmentRow>()
        .and_where(Expr::col("customer_id").is_in(ids.iter().copied()))
        .order_by("customer_id", Order::Asc)
        .order_by("dimension", Order::Asc)
        .to_owned();
    table::all::<AssignmentRow, _>(c, &q).await
}

#[derive(Debug, Clone, PartialEq, FromQueryResult)]
struct AssignmentValue {
    customer_id: Uuid,
    dimension: String,
    value: String,
    policy_hash: String,
}

/// Current values only (no reasons or checks): what the nightly batch compares against. Reading the
/// reasons and checks too was most of the batch's statement time (bench/policy).
pub async fn assignment_values_for<C: ConnectionTrait>(
    c: &C,
    ids: &[Uuid],
) -> Result<Vec<AssignmentRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(["customer_id", "dimension", "value", "policy_hash"])
        .from("segment_assignments")
        .and_where(Expr::col("customer_id").is_in(ids.iter().copied()))
        .to_owned();
    Ok(
        AssignmentValue::find_by_statement(c.get_database_backend().build(&q))
            .all(c)
            .await?
            .into_iter()
            .map(|v| AssignmentRow {
                customer_id: v.customer_id,
                dimension: v.dimension,
                value: v.value,
                reason: String::new(),
                checks: String::new(),
                policy_hash: v.policy_hash,
                assigned_at_us: 0,
            })
            .collect(),
    )
}

/// Inserts or replaces assignments (one statement for the batch).
pub async fn upsert_assignments<C: ConnectionTrait>(c: &C, rows: &[AssignmentRow]) -> Result<()> {
    for chunk in rows.chunks(500) {
        let mut q = Query::insert();
        q.into_table("segment_assignments")
            .columns(AssignmentRow::COLUMNS.iter().copied());
        for r in chunk {
            q.values_panic(r.values());
        }
        q.on_conflict(
            OnConflict::columns(["customer_id", "dimension"])
                .update_columns(["value", "reason", "checks", "policy_hash", "assigned_at_us"])
                .to_owned(),
        );
        c.execute(&q).await?;
    }
    Ok(())
}

pub async fn delete_assignment<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
    dimension: &str,
) -> Result<()> {
    let q = Query::delete()
        .from_table("segment_assignments")
        .and_where(Expr::col("customer_id").eq(customer_id))
        .and_where(Expr::col("dimension").eq(dimension))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn insert_history<C: ConnectionTrait>(c: &C, rows: &[HistoryRow]) -> Result<()> {
    for chunk in rows.chunks(500) {
        table::insert_many(c, chunk).await?;
    }
    Ok(())
}

pub async fn history_for<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
    limit: u64,
) -> Result<Vec<HistoryRow>> {
    let q = table::select::<HistoryRow>()
        .and_where(Expr::col("customer_id").eq(customer_id))
        .order_by("at_us", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    table::all::<HistoryRow, _>(c, &q).await
}

pub async fn insert_outbox<C: ConnectionTrait>(c: &C, rows: &[OutboxRow]) -> Result<()> {
    for chunk in rows.chunks(500) {
        table::insert_many(c, chunk).await?;
    }
    Ok(())
}

/// Events not yet handed on, oldest first (optionally for one customer).
pub async fn pending_outbox<C: ConnectionTrait>(
    c: &C,
    customer_id: Option<Uuid>,
    limit: u64,
) -> Result<Vec<OutboxRow>> {
    let mut q = table::select::<OutboxRow>();
    q.and_where(Expr::col("published_at_us").is_null());
    if let Some(id) = customer_id {
        q.and_where(Expr::col("customer_id").eq(id));
    }
    q.order_by("created_at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit);
    table::all::<OutboxRow, _>(c, &q).await
}

/// Opens alerts; an indicator that already has an open alert for the customer is left as it is.
pub async fn open_alerts<C: ConnectionTrait>(c: &C, rows: &[AlertRow]) -> Result<u64> {
    let mut n = 0;
    for r in rows {
        let q = Query::insert()
            .into_table("alerts")
            .columns(AlertRow::COLUMNS.iter().copied())
            .values_panic(r.values())
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .to_owned();
        n += c.execute(&q).await?.rows_affected();
    }
    Ok(n)
}

pub async fn alerts_for<C: ConnectionTrait>(c: &C, customer_id: Uuid) -> Result<Vec<AlertRow>> {
    let q = table::select::<AlertRow>()
        .and_where(Expr::col("customer_id").eq(customer_id))
        .order_by("created_at_us", Order::Desc)
        .to_owned();
    table::all::<AlertRow, _>(c, &q).await
}

crate::table! {
    pub struct AssessmentRow in "risk_assessments" {
        pub id: Uuid,
        pub customer_id: Uuid,
        /// Question key -> answer key (JSON object).
        pub answers: String,
        pub score: i32,
        pub level: String,
        pub assessed_on: String,
        pub expires_on: String,
        /// `branch` (face to face) or `online`.
        pub channel: String,
        pub assessed_by: Uuid,
        pub at_us: i64,
    }
}

pub async fn insert_assessment<C: ConnectionTrait>(c: &C, r: &AssessmentRow) -> Result<()> {
    let q = Query::insert()
        .into_table("risk_assessments")
        .columns(AssessmentRow::COLUMNS.iter().copied())
        .values_panic(r.values())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Every assessment of these customers, oldest first (callers keep the latest per customer).
pub async fn assessments_for<C: ConnectionTrait>(
    c: &C,
    ids: &[Uuid],
) -> Result<Vec<AssessmentRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<AssessmentRow>()
        .and_where(Expr::col("customer_id").is_in(ids.iter().copied()))
        .order_by("customer_id", Order::Asc)
        .order_by("at_us", Order::Asc)
        .to_owned();
    table::all::<AssessmentRow, _>(c, &q).await
}

/// Closes an open alert with what was done; false if it was not open.
pub async fn close_alert<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    by: Uuid,
    disposition: Disposition,
    resolution: &str,
    at_us: i64,
) -> Result<bool> {
    close_open(c, "alerts", id, by, disposition, resolution, at_us).await
}

/// Closes an open row of an alert table (the one queue, a partner's warnings) with its disposition and what
/// was done; false if it was not open.
pub(crate) async fn close_open<C: ConnectionTrait>(
    c: &C,
    table: &'static str,
    id: Uuid,
    by: Uuid,
    disposition: Disposition,
    resolution: &str,
    at_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table(table)
        .value("status", AlertStatus::Closed.as_str())
        .value("closed_at_us", at_us)
        .value("closed_by", by)
        .value("disposition", disposition.as_str())
        .value("resolution", resolution)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").eq(AlertStatus::Open.as_str()))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Which alerts of the queue to list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub status: Option<AlertStatus>,
    /// Monitoring alerts only (`Some(true)`), early warnings only (`Some(false)`).
    pub monitoring: Option<bool>,
    pub indicator: Option<String>,
    /// Open and due before this day (`YYYY-MM-DD`).
    pub overdue_on: Option<String>,
    pub owner: Option<Uuid>,
}

impl AlertFilter {
    fn apply(&self, q: &mut sea_orm::sea_query::SelectStatement) {
        if let Some(s) = self.status {
            q.and_where(Expr::col(("alerts", "status")).eq(s.as_str()));
        }
        let like = format!("{}%", banyan_domain::book::monitoring::INDICATOR_PREFIX);
        match self.monitoring {
            Some(true) => {
                q.and_where(Expr::col(("alerts", "indicator")).like(like));
            }
            Some(false) => {
                q.and_where(Expr::col(("alerts", "indicator")).not_like(like));
            }
            None => {}
        }
        if let Some(i) = &self.indicator {
            q.and_where(Expr::col(("alerts", "indicator")).eq(i.as_str()));
        }
        if let Some(d) = &self.overdue_on {
            q.and_where(Expr::col(("alerts", "status")).eq(AlertStatus::Open.as_str()))
                .and_where(Expr::col(("alerts", "due_on")).lt(d.as_str()));
        }
        if let Some(o) = self.owner {
            q.and_where(Expr::col(("alerts", "owner_id")).eq(o));
        }
    }
}

/// One page of the alert queue within a scope, oldest due first, with each customer's number and name,
/// and how many match.
pub async fn alert_queue<C: ConnectionTrait>(
    c: &C,
    scope: &crate::customers::ScopeFilter,
    f: &AlertFilter,
    offset: u64,
    limit: u64,
) -> Result<(u64, Vec<(AlertRow, String, String)>)> {
    let join = |q: &mut sea_orm::sea_query::SelectStatement| {
        q.inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("alerts", "customer_id")),
        )
        .cond_where(scope.cond_on("customers"));
        f.apply(q);
    };
    let mut count = Query::select();
    count
        .expr(Expr::col(("alerts", "id")).count())
        .from("alerts");
    join(&mut count);
    let total = table::count(c, &count).await?;
    let mut q = table::select::<AlertRow>();
    q.column(("customers", "customer_no"))
        .column(("customers", "display_name"));
    join(&mut q);
    q.order_by(("alerts", "status"), Order::Desc)
        .order_by(("alerts", "due_on"), Order::Asc)
        .order_by(("alerts", "created_at_us"), Order::Asc)
        .offset(offset)
        .limit(limit);
    let rows = c
        .query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok((
                <AlertRow as Table>::read(r)?,
                r.try_get::<String>("", "customer_no")?,
                r.try_get::<String>("", "display_name")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((total, rows))
}

/// Open alerts due before `today` that have not escalated yet, oldest due first.
pub async fn overdue_unescalated<C: ConnectionTrait>(
    c: &C,
    today: &str,
    limit: u64,
) -> Result<Vec<AlertRow>> {
    let q = table::select::<AlertRow>()
        .and_where(Expr::col("status").eq(AlertStatus::Open.as_str()))
        .and_where(Expr::col("due_on").lt(today))
        .and_where(Expr::col("escalated_at_us").is_null())
        // A total order: two nodes mark the same alerts in the same order (no deadlock on PostgreSQL).
        .order_by("due_on", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all::<AlertRow, _>(c, &q).await
}

/// Marks an alert escalated; false if it already was (another node got there first).
pub async fn mark_escalated<C: ConnectionTrait>(c: &C, id: Uuid, at_us: i64) -> Result<bool> {
    let q = Query::update()
        .table("alerts")
        .value("escalated_at_us", at_us)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("escalated_at_us").is_null())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Replaces an open alert's figures and reason with a later reading of the same day (a transaction that
/// joined it moved the day's total); a closed alert keeps what it was closed on.
pub async fn refresh_alert<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    reason: &str,
    checks: &str,
) -> Result<()> {
    let q = Query::update()
        .table("alerts")
        .value("reason", reason)
        .value("checks", checks)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").eq(AlertStatus::Open.as_str()))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// An open alert for this customer, indicator and subject, if any.
pub async fn open_alert<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
    indicator: &str,
    subject: &str,
) -> Result<Option<AlertRow>> {
    let q = table::select::<AlertRow>()
        .and_where(Expr::col("customer_id").eq(customer_id))
        .and_where(Expr::col("indicator").eq(indicator))
        .and_where(Expr::col("subject").eq(subject))
        .and_where(Expr::col("status").eq(AlertStatus::Open.as_str()))
        .to_owned();
    table::one::<AlertRow, _>(c, &q).await
}

pub async fn find_alert<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<AlertRow>> {
    let q = table::select::<AlertRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one::<AlertRow, _>(c, &q).await
}
