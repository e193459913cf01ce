//! The customer search index: terms a customer can be found by, scoped by branch and RM inside the index.
//! Written in the same transaction as the customer row it describes, so every node sees it at commit.

use super::ScopeFilter;
use crate::error::Result;
use crate::table;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

crate::table! {
    /// One term of one customer.
    pub struct TermRow in "customer_terms" {
        pub customer_id: Uuid,
        pub term: String,
        pub branch_code: String,
        pub rm_id: Option<Uuid>,
    }
}

/// The index rows of these customers.
pub async fn terms_of<C: ConnectionTrait>(c: &C, ids: &[Uuid]) -> Result<Vec<TermRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<TermRow>()
        .and_where(Expr::col("customer_id").is_in(ids.iter().copied()))
        .to_owned();
    table::all(c, &q).await
}

/// Removes these index rows (by customer and term).
pub async fn delete_terms<C: ConnectionTrait>(c: &C, rows: &[TermRow]) -> Result<()> {
    for chunk in rows.chunks(200) {
        let mut any = Cond::any();
        for r in chunk {
            any = any.add(
                Cond::all()
                    .add(Expr::col("customer_id").eq(r.customer_id))
                    .add(Expr::col("term").eq(r.term.clone())),
            );
        }
        c.execute(
            &Query::delete()
                .from_table("customer_terms")
                .cond_where(any)
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

/// Adds index rows (of customers that have none yet).
pub async fn insert_terms<C: ConnectionTrait>(c: &C, rows: &[TermRow]) -> Result<()> {
    // Four columns a row: well under both backends' limits on bound parameters. On PostgreSQL one JSON
    // parameter a chunk (a bulk load writes dozens of terms a customer: a VALUES list whose length changed
    // with every chunk was a statement parsed and planned each time, bench/run.sh W1).
    for chunk in rows.chunks(2000) {
        table::insert_many(c, chunk).await?;
    }
    Ok(())
}

/// The ids of customers after `after` in id order, `limit` of them (for rebuilding the index in batches).
pub async fn customer_ids_after<C: ConnectionTrait>(
    c: &C,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Uuid>> {
    let mut q = Query::select();
    q.column("id").from("customers");
    if let Some(a) = after {
        q.and_where(Expr::col("id").gt(a));
    }
    q.order_by("id", Order::Asc).limit(limit);
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| Ok(r.try_get_by_index(0)?))
        .collect()
}

const VERSION_COUNTER: &str = "search_terms_version";

/// The term scheme the stored index was built with (0: never built).
pub async fn index_version<C: ConnectionTrait>(c: &C) -> Result<i64> {
    let q = Query::select()
        .column("value")
        .from("counters")
        .and_where(Expr::col("name").eq(VERSION_COUNTER))
        .to_owned();
    Ok(match c.query_one(&q).await? {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    })
}

pub async fn set_index_version<C: ConnectionTrait>(c: &C, v: i64) -> Result<()> {
    let q = Query::insert()
        .into_table("counters")
        .columns(["name", "value"])
        .values_panic([VERSION_COUNTER.into(), v.into()])
        .on_conflict(OnConflict::column("name").update_column("value").to_owned())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// How a search term is matched against the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermMatch {
    /// Terms starting with this (a substring of a name, pinyin or initials).
    Prefix(String),
    /// This whole term (the keyed tail of a mobile number).
    Exact(String),
}

/// A search driven by the index: in the order of the term each customer matched by (pinyin and
/// character order), each customer once, at its first matching term; keyset-paged by (term, id).
#[derive(Debug, Clone)]
pub struct TermSearch {
    pub scope: ScopeFilter,
    pub term: TermMatch,
    /// The listing's other filters, on the customers table (see `customers::narrowing`).
    pub narrowing: Option<Cond>,
    pub after: Option<(String, Uuid)>,
    pub limit: u64,
}

/// The listing's other filters, checked on the customer of an index row. Unqualified columns inside
/// resolve to the customers table of the subquery.
fn narrowed(n: &Cond) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from("customers")
            .and_where(Expr::col(("customers", "id")).equals((Alias::new("t"), "customer_id")))
            .cond_where(n.clone())
            .to_owned(),
    )
}

fn t(col: &'static str) -> Expr {
    Expr::col((Alias::new("t"), col))
}

/// The rows of the index a search reads: scoped, in range, narrowed, each customer at its first term.
/// The index rows in the search's scope and range, narrowed by the listing's other filters.
fn in_range(s: &TermSearch) -> Cond {
    // Scope columns are the index's own (unqualified: the only table of the FROM).
    let mut cond = s.scope.cond();
    cond = match &s.term {
        TermMatch::Exact(x) => cond.add(t("term").eq(x.clone())),
        TermMatch::Prefix(p) => cond
            .add(t("term").gte(p.clone()))
            .add(t("term").lt(super::prefix_end(p))),
    };
    if let Some(n) = &s.narrowing {
        cond = cond.add(narrowed(n));
    }
    cond
}

/// The rows of the index a page reads: in range, each customer at its first term.
fn term_select(s: &TermSearch) -> sea_orm::sea_query::SelectStatement {
    let mut q = Query::select();
    q.from_as("customer_terms", Alias::new("t"));
    let mut cond = in_range(s);
    if let TermMatch::Prefix(p) = &s.term {
        // Each customer once: at the first of its terms in the range.
        let t2 = |col: &'static str| Expr::col((Alias::new("t2"), col));
        cond = cond.add(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from_as("customer_terms", Alias::new("t2"))
                    .and_where(t2("customer_id").equals((Alias::new("t"), "customer_id")))
                    .and_where(t2("term").gte(p.clone()))
                    .and_where(t2("term").lt(t("term")))
                    .to_owned(),
            )
            .not(),
        );
    }
    q.cond_where(cond);
    q
}

/// One page of a search through the index: `(term, customer id)` in order.
pub async fn search_terms<C: ConnectionTrait>(
    c: &C,
    s: &TermSearch,
) -> Result<Vec<(String, Uuid)>> {
    let mut q = term_select(s);
    q.expr(t("term")).expr(t("customer_id"));
    if let Some((term, id)) = &s.after {
        q.cond_where(
            Cond::any().add(t("term").gt(term.clone())).add(
                Cond::all()
                    .add(t("term").eq(term.clone()))
                    .add(t("customer_id").gt(*id)),
            ),
        );
    }
    q.order_by_expr(t("term"), Order::Asc)
        .order_by_expr(t("customer_id"), Order::Asc)
        .limit(s.limit);
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}

/// How many customers a search finds: `(count, more)`. It reads at most `cap + 1` index rows (an index-only
/// range scan) and counts the distinct customers among them; when the range holds more rows than that,
/// `more` is set and the count is a lower bound. (Counting each customer at its first term, as a page does,
/// would cost an index probe per row.)
pub async fn count_terms<C: ConnectionTrait>(
    c: &C,
    s: &TermSearch,
    cap: u64,
) -> Result<(u64, bool)> {
    let mut inner = Query::select();
    inner.from_as("customer_terms", Alias::new("t"));
    let cond = in_range(s);
    inner
        .expr_as(t("customer_id"), Alias::new("customer_id"))
        .cond_where(cond)
        .limit(cap + 1);
    let q = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .expr(Expr::cust("COUNT(DISTINCT customer_id)"))
        .from_subquery(inner, Alias::new("m"))
        .to_owned();
    let (rows, distinct): (i64, i64) = match c.query_one(&q).await? {
        Some(r) => (r.try_get_by_index(0)?, r.try_get_by_index(1)?),
        None => (0, 0),
    };
    let n = |v: i64| {
        u64::try_from(v).map_err(|_| crate::StoreError::Corrupt(format!("a count of {v}")))
    };
    Ok((n(distinct)?, n(rows)? > cap))
}
