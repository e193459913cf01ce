//! Insights on customers: needs read from behaviour, with the figures and records behind each.

use crate::error::Result;
use crate::table;
use banyan_domain::book::insight::{Evidence, InsightFacts, InsightStatus};
use banyan_domain::ids::{CustomerId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order, Query};
use uuid::Uuid;

crate::enum_col!(InsightStatus);

/// The records behind an insight, stored as JSON.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct EvidenceList(pub Vec<Evidence>);

crate::json_col!(EvidenceList, InsightFacts);

crate::table! {
    /// An insight on a customer.
    pub struct InsightRow in "insights" {
        pub id: Uuid,
        pub customer_id: CustomerId,
        pub key: String,
        pub status: InsightStatus,
        pub facts: InsightFacts,
        pub evidence: EvidenceList,
        pub created_at_us: i64,
        pub expires_at_us: i64,
        pub decided_by: Option<StaffId>,
        pub decided_at_us: Option<i64>,
        pub note: Option<String>,
        pub version: i32,
        /// The follow-up task the insight opened.
        pub task_id: Option<Uuid>,
    }
}

pub async fn insert_insights<C: ConnectionTrait>(c: &C, rows: &[InsightRow]) -> Result<()> {
    table::insert(c, rows).await
}

pub async fn update_insight<C: ConnectionTrait>(
    c: &C,
    r: &InsightRow,
    expected: i32,
) -> Result<bool> {
    table::update_versioned(c, r, r.id, &[], "version", expected).await
}

/// A customer's insights, newest first.
pub async fn insights_of<C: ConnectionTrait>(
    c: &C,
    customer: CustomerId,
) -> Result<Vec<InsightRow>> {
    let q = table::select::<InsightRow>()
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .order_by("created_at_us", Order::Desc)
        .to_owned();
    table::all(c, &q).await
}

/// (customer, key, made at) of the insights made since `since_us`: a rule does not repeat itself for a
/// customer within its window.
pub async fn recent_insight_keys<C: ConnectionTrait>(
    c: &C,
    customers: &[CustomerId],
    since_us: i64,
) -> Result<Vec<(Uuid, String, i64)>> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(["customer_id", "key", "created_at_us"])
        .from("insights")
        .and_where(Expr::col("customer_id").is_in(customers.iter().map(|c| c.uuid())))
        .and_where(Expr::col("created_at_us").gte(since_us))
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get_by_index::<Uuid>(0)?,
                r.try_get_by_index::<String>(1)?,
                r.try_get_by_index::<i64>(2)?,
            ))
        })
        .collect()
}

/// One insight.
pub async fn find_insight<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<InsightRow>> {
    let q = table::select::<InsightRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one(c, &q).await
}

/// Open, unexpired insights on the customers of a scope, newest first, with each customer's number and
/// name.
pub async fn open_in_scope<C: ConnectionTrait>(
    c: &C,
    scope: &crate::customers::ScopeFilter,
    now_us: i64,
    limit: u64,
) -> Result<Vec<(InsightRow, String, String)>> {
    let mut q = table::select::<InsightRow>();
    q.column(("customers", "customer_no"))
        .column(("customers", "display_name"))
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("insights", "customer_id")),
        )
        .cond_where(scope.cond_on("customers"))
        .and_where(Expr::col(("insights", "status")).eq(InsightStatus::Open.as_str()))
        .and_where(Expr::col(("insights", "expires_at_us")).gte(now_us))
        .order_by(("insights", "created_at_us"), Order::Desc)
        .limit(limit);
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok((
                <InsightRow as crate::table::Table>::read(r)?,
                r.try_get::<String>("", "customer_no")?,
                r.try_get::<String>("", "display_name")?,
            ))
        })
        .collect()
}

/// One rule's line of the insight report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    pub key: String,
    pub made: i64,
    pub acted: i64,
    pub dismissed: i64,
    /// Still open and past their expiry.
    pub expired: i64,
    /// Follow-up tasks opened, and done.
    pub tasks: i64,
    pub tasks_done: i64,
    /// A sale the gate let through on the customer within `conversion_us` of the insight.
    pub converted: i64,
}

/// The insights made in `[since_us, until_us)` on the customers of a scope, counted per rule: made, acted
/// on, set aside, expired, follow-ups opened and done, converted.
pub async fn report<C: ConnectionTrait>(
    c: &C,
    scope: &crate::customers::ScopeFilter,
    since_us: i64,
    until_us: i64,
    now_us: i64,
    conversion_us: i64,
) -> Result<Vec<ReportLine>> {
    let i = |col: &'static str| Expr::col(("insights", col));
    // Both figures are integers the app computes (never input text), so they are written into the SQL.
    let count_if = |cond: String| Expr::cust(format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"));
    let q = Query::select()
        .expr(i("key"))
        .expr(Expr::cust("COUNT(*)"))
        .expr(count_if("insights.status = 'acted'".into()))
        .expr(count_if("insights.status = 'dismissed'".into()))
        .expr(count_if(format!(
            "insights.status = 'open' AND insights.expires_at_us < {now_us}"
        )))
        .expr(Func::count(i("task_id")))
        .expr(count_if(
            "EXISTS (SELECT 1 FROM tasks WHERE tasks.id = insights.task_id AND tasks.status = 'done')"
                .into(),
        ))
        .expr(count_if(format!(
            "EXISTS (SELECT 1 FROM sales WHERE sales.customer_id = insights.customer_id \
             AND sales.decision = 'recorded' AND sales.at_us >= insights.created_at_us \
             AND sales.at_us < insights.created_at_us + {conversion_us})"
        )))
        .from("insights")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("insights", "customer_id")),
        )
        .cond_where(scope.cond_on("customers"))
        .and_where(i("created_at_us").gte(since_us))
        .and_where(i("created_at_us").lt(until_us))
        .group_by_col(("insights", "key"))
        .order_by(("insights", "key"), Order::Asc)
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok(ReportLine {
                key: r.try_get_by_index(0)?,
                made: r.try_get_by_index(1)?,
                acted: r.try_get_by_index(2)?,
                dismissed: r.try_get_by_index(3)?,
                expired: r.try_get_by_index(4)?,
                tasks: r.try_get_by_index(5)?,
                tasks_done: r.try_get_by_index(6)?,
                converted: r.try_get_by_index(7)?,
            })
        })
        .collect()
}
