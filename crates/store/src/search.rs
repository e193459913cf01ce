//! The customer search index: terms a customer can be found by, scoped by branch and RM inside the index.
//! Written in the same transaction as the customer row it describes, so every node sees it at commit.

use crate::error::Result;
use crate::table;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
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

/// Replaces every term of these customers by `rows`.
pub async fn replace_terms<C: ConnectionTrait>(
    c: &C,
    ids: &[Uuid],
    rows: &[TermRow],
) -> Result<()> {
    for chunk in ids.chunks(500) {
        let q = Query::delete()
            .from_table("customer_terms")
            .and_where(Expr::col("customer_id").is_in(chunk.iter().copied()))
            .to_owned();
        c.execute(&q).await?;
    }
    // Four columns a row: well under both backends' limits on bound parameters.
    for chunk in rows.chunks(2000) {
        table::insert(c, chunk).await?;
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

/// What the index is built from: `(id, display_name, name_latin_lower, branch_code, rm_id)` of customers.
pub type Named = (Uuid, String, Option<String>, String, Option<Uuid>);

pub async fn names_of<C: ConnectionTrait>(c: &C, ids: &[Uuid]) -> Result<Vec<Named>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns([
            "id",
            "display_name",
            "name_latin_lower",
            "branch_code",
            "rm_id",
        ])
        .from("customers")
        .and_where(Expr::col("id").is_in(ids.iter().copied()))
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
                r.try_get_by_index(3)?,
                r.try_get_by_index(4)?,
            ))
        })
        .collect()
}
